/* The root filesystem of an engine container: an overlayfs whose lower
 * layers are the image's layer directories (shared, never written) and
 * whose upper and work directories belong to the container, so every file
 * the container writes lands in its own upper directory. */
#ifndef HULL_OVERLAY_H
#define HULL_OVERLAY_H

#include "error.h"

#include <stdbool.h>
#include <stddef.h>

/* hull_overlay_mount() flags. */
enum {
    /* "volatile": no sync of the upper filesystem, neither on fsync in the
     * container nor at the unmount, whose sync would otherwise flush the
     * whole filesystem under UPPER.  Only for an upper directory that a
     * crash of the host may lose (a container removed when it exits).  The
     * work directory is emptied first: the mark a volatile mount leaves
     * there (work/incompat/volatile) makes the kernel refuse the next
     * mount. */
    HULL_OVERLAY_VOLATILE = 1u << 0,
};

/* Mounts overlayfs on TARGET with LAYERS (N absolute directories, lowest
 * first, as the store lists them) below UPPER and WORK, with redirect_dir,
 * index and metacopy off (hull commit and diff read the upper directory
 * as plain files and whiteouts), and FLAGS.  Any number of layers works: one by one
 * through the new mount API, or on kernels before 6.8 through short links
 * in the directory "l" next to UPPER (created there, replacing what was).
 * Paths holding characters that overlayfs's option syntax cannot carry
 * (',', ':', '\') are errors. */
int hull_overlay_mount(const char *const *layers, size_t n, const char *upper, const char *work,
                       const char *target, unsigned int flags, hull_error **err);

/* What hull_overlay_mount() does on a kernel without "lowerdir+": one
 * mount(2) option string, or, when the paths do not fit the page it is
 * copied into, short links "l/I" next to UPPER resolved by a child
 * working there.  Public so that tests reach it on any kernel. */
int hull_overlay_mount_legacy(const char *const *layers, size_t n, const char *upper,
                              const char *work, const char *target, unsigned int flags,
                              hull_error **err);

/* The same overlay as a detached mount (a descriptor of its root that
 * unmounts it when closed), attached nowhere, so a tree can be read
 * without a mount point: UPPER and WORK may both be NULL for an overlay
 * of lower layers only, READONLY mounts it read-only.  Needs the new
 * mount API's "lowerdir+" (Linux 6.8): ENOTSUP otherwise. */
int hull_overlay_open(const char *const *layers, size_t n, const char *upper, const char *work,
                      bool readonly, hull_error **err);

/* Detaches the overlay mounted on TARGET.  Nothing mounted there is not an
 * error, so cleanup paths can call it unconditionally. */
int hull_overlay_unmount(const char *target, hull_error **err);

/* True if TARGET is a mount point (its own mount, not its parent's). */
int hull_overlay_is_mounted(const char *target, hull_error **err);

#endif
