/* /dev inside the container: the default devices (null, zero, full, random,
 * urandom, tty), linux.devices, and the /dev symlinks (fd, stdin, stdout,
 * stderr, ptmx, core).  With a user namespace, device nodes cannot be
 * created, so they are bind mounted from the host instead, as runc does.
 * Nodes are created with mknodat() relative to a descriptor of /dev inside
 * the rootfs, never through a path that a symlink could redirect. */
#ifndef HULL_DEVICES_H
#define HULL_DEVICES_H

#include "error.h"
#include "spec.h"

#include <stdbool.h>

/* ROOTFD is an O_PATH descriptor of the rootfs (before pivot_root).
 * DEV_IS_FRESH: /dev is not a bind mount (a fresh tmpfs, or the rootfs's
 * own directory): default devices and symlinks are added only then, as
 * runc does. */
int hull_devices_setup(int rootfd, const struct hull_spec *spec, bool in_userns, bool dev_is_fresh,
                       hull_error **err);

/* The default device list (for `hullrt spec`, `hull run` and tests). */
struct hull_default_device {
    const char *path;
    char type;
    int major, minor;
    unsigned int mode;
};
const struct hull_default_device *hull_default_devices(size_t *n);

#endif
