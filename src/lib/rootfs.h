/* The container's root filesystem, set up by the container's init process
 * inside its new mount namespace.
 *
 * Order, as container.c calls it:
 *   hull_rootfs_mount()     propagation, rootfs bind, spec mounts in order,
 *                           /dev devices and symlinks            (pre-pivot)
 *   [createRuntime / createContainer hooks]
 *   hull_rootfs_pivot()     pivot_root, or MS_MOVE + chroot with --no-pivot
 *   [console: /dev/console]
 *   hull_rootfs_finalize()  sysctl, maskedPaths, readonlyPaths, root.readonly
 *
 * Mount targets are resolved inside the rootfs (paths.h) and mounted through
 * their descriptors. */
#ifndef HULL_ROOTFS_H
#define HULL_ROOTFS_H

#include "error.h"
#include "spec.h"

#include <stdbool.h>

struct hull_rootfs_ctx {
    const struct hull_spec *spec;
    bool no_pivot;  /* hullrt --no-pivot */
    bool in_userns; /* the container has its own user namespace */
    bool new_netns; /* sysfs may only be mounted fresh with a private netns */
    int rootfd;     /* O_PATH descriptor of the rootfs, set by hull_rootfs_mount */
};

int hull_rootfs_mount(struct hull_rootfs_ctx *ctx, hull_error **err);
int hull_rootfs_pivot(struct hull_rootfs_ctx *ctx, hull_error **err);
int hull_rootfs_finalize(struct hull_rootfs_ctx *ctx, hull_error **err);

/* Bind mounts the terminal at PTY_FD (a pty slave) onto /dev/console
 * after pivot. */
int hull_rootfs_mount_console(int pty_fd, hull_error **err);

/* Checks a rootfs before anything is mounted: it exists and is a directory;
 * /proc and /dev/null inside it, when present, are not symlinks. */
int hull_rootfs_check(const struct hull_spec *spec, hull_error **err);

/* Checks linux.sysctl before anything is created: each key names one
 * namespaced file, each value is a single value, and the namespace is the
 * container's own (not absent, not the runtime's joined by path). */
int hull_rootfs_check_sysctls(const struct hull_spec *spec, hull_error **err);

#endif
