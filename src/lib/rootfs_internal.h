/* Pieces of the root filesystem setup shared by rootfs.c, rootfs_cgroup.c,
 * rootfs_finalize.c and rootfs_copyup.c.  Not part of libhull's interface. */
#ifndef HULL_ROOTFS_INTERNAL_H
#define HULL_ROOTFS_INTERNAL_H

#include "error.h"
#include "mountopts.h"
#include "rootfs.h"
#include "spec.h"

#include <stdbool.h>
#include <stdint.h>

/* linux.rootfsPropagation as MS_* flags (MS_REC for the r-forms); 0 when
 * the field is absent. */
int hull_rootfs_propagation(const struct hull_spec *spec, unsigned long *out, hull_error **err);

/* The per-mount MS_* flags (ro, nosuid, nodev, noexec, nodiratime,
 * nosymfollow, the atime mode) of SET and CLEAR as MOUNT_ATTR_* masks for
 * mount_setattr(2). */
void hull_ms_to_attr(unsigned long set, unsigned long clear, uint64_t *attr_set,
                     uint64_t *attr_clr);

/* Opens the root of the mount that now covers RESOLVED (a path inside the
 * rootfs, as resolve_dest found it) after something was mounted on BELOW_FD,
 * the descriptor that was mounted on.  Fails if no new mount is there. */
int hull_rootfs_open_mounted(const struct hull_rootfs_ctx *ctx, const char *resolved, int below_fd,
                             hull_error **err);

/* Clones the host directory HOST_PATH (recursively), applies the MS_* flags
 * of O to the whole clone and attaches it on TARGET_FD.  The fallback when a
 * user namespace may not mount a fresh sysfs or cgroup filesystem. */
int hull_rootfs_bind_host(const char *host_path, const struct hull_mount_opts *o, int target_fd,
                          hull_error **err);

/* Mounts a "cgroup" entry on TARGET_FD (RESOLVED is its path inside the
 * rootfs): cgroup2 on a v2 host; on a v1 host a tmpfs holding one cgroup
 * mount per hierarchy of the host, plus symlinks for co-mounted
 * controllers. */
int hull_rootfs_mount_cgroup(const struct hull_rootfs_ctx *ctx, const struct hull_mount_opts *o,
                             int target_fd, const char *resolved, hull_error **err);

/* Copies the tree below SRC_DIRFD into DST_DIRFD (tmpcopyup): files,
 * directories, symlinks and special files with their mode, owner and
 * times.  Both must be directories opened for reading (not O_PATH). */
int hull_copy_up(int src_dirfd, int dst_dirfd, hull_error **err);

#endif
