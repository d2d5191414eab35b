/* Mounting through descriptors with the new mount API (open_tree,
 * move_mount, mount_setattr), shared by rootfs.c and devices.c.
 *
 * Everything here acts on descriptors obtained with hull_open_in_root(), so
 * no path is resolved again between the check and the mount, and nothing
 * needs /proc (which may not be mounted after pivot_root).  Each helper
 * returns what the system call returns (-1 with errno set); the callers
 * build the error message, since only they know which mount it was. */
#ifndef HULL_MOUNTFD_H
#define HULL_MOUNTFD_H

#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mount.h>

/* A detached copy of the mount at FD (any descriptor, O_PATH included):
 * a bind of just that file or directory, or of its whole subtree when
 * RECURSIVE.  Closing the result without attaching it unmounts it. */
static inline int mountfd_clone(int fd, bool recursive)
{
    unsigned int flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH;
    return open_tree(fd, "", flags | (recursive ? AT_RECURSIVE : 0));
}

/* Attaches the detached mount MNT_FD on top of TARGET_FD.  Afterwards
 * MNT_FD refers to the attached mount's root. */
static inline int mountfd_attach(int mnt_fd, int target_fd)
{
    return move_mount(mnt_fd, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
}

/* Changes only the MOUNT_ATTR_* bits in SET and CLR, of the mount at FD or,
 * when RECURSIVE, of every mount below it too.  Unlike a MS_REMOUNT, bits
 * not named are left as they are, so the flags locked by a less privileged
 * user namespace (nosuid, nodev, ro of the source) are kept without having
 * to be read back first.  FD must be the root of a mount. */
static inline int mountfd_setattr(int fd, bool recursive, uint64_t set, uint64_t clr)
{
    struct mount_attr attr = {.attr_set = set, .attr_clr = clr};
    unsigned int flags = AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0);
    return mount_setattr(fd, "", flags, &attr, sizeof(attr));
}

/* Sets the propagation of the mount at FD: PROPAGATION is one of
 * MS_SHARED, MS_SLAVE, MS_PRIVATE, MS_UNBINDABLE, with MS_REC for the whole
 * tree below FD. */
static inline int mountfd_propagate(int fd, unsigned long propagation)
{
    struct mount_attr attr = {.propagation = propagation & ~(unsigned long)MS_REC};
    unsigned int flags = AT_EMPTY_PATH | ((propagation & MS_REC) ? AT_RECURSIVE : 0);
    return mount_setattr(fd, "", flags, &attr, sizeof(attr));
}

#endif
