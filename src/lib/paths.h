/* Resolving paths inside a root directory without ever leaving it.
 *
 * Every path that comes from a config or from a container's rootfs is
 * resolved with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) relative to
 * a descriptor of the root: symlinks and ".." are evaluated as if the root
 * were "/", so a rootfs (or an image layer) cannot redirect a mount or a
 * write to the host.  Callers then act on the returned descriptor, never on
 * the path again, which closes the swap-a-symlink-during-setup races
 * (CVE-2021-30465, CVE-2024-45310). */
#ifndef HULL_PATHS_H
#define HULL_PATHS_H

#include "error.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* openat2(rootfd, path, flags, mode, RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS
 * | extra_resolve).  O_CLOEXEC is always added.  Returns the fd or -1. */
int hull_open_in_root(int rootfd, const char *path, int flags, mode_t mode, uint64_t extra_resolve,
                      hull_error **err);

/* Like mkdir -p inside the root: creates each missing directory of PATH
 * (mode MODE) and returns an O_PATH descriptor of the last one. */
int hull_mkdirs_in_root(int rootfd, const char *path, mode_t mode, hull_error **err);

/* Makes sure PATH exists inside the root as a mount target: a directory
 * when want_dir, otherwise a regular file (created empty, mode 0644, if
 * missing), with missing parents created.  Returns an O_PATH descriptor of
 * the target, never following a symlink as the last component outside the
 * root. */
int hull_mount_target_in_root(int rootfd, const char *path, bool want_dir, hull_error **err);

/* "/proc/self/fd/N" for mount(2) calls that must act on a descriptor. */
#define HULL_FD_PATH_MAX 32
const char *hull_fd_path(int fd, char buf[HULL_FD_PATH_MAX]);

/* Cleans an absolute container path lexically: collapses "//" and "/./",
 * drops a trailing "/"; ".." is kept (resolution clamps it).  Returns a new
 * string. */
char *hull_path_clean(const char *path);

/* Joins A and B with exactly one "/". */
char *hull_path_join(const char *a, const char *b);

#endif
