/* The root filesystem of an engine container: an overlayfs whose lower
 * layers are the image's layer directories (shared, never written) and
 * whose upper and work directories belong to the container, so every file
 * the container writes lands in its own upper directory. */
#ifndef HULL_OVERLAY_H
#define HULL_OVERLAY_H

#include "error.h"

#include <stddef.h>

/* Mounts overlayfs on TARGET with LAYERS (N absolute directories, lowest
 * first, as the store lists them) below UPPER and WORK.  Paths holding
 * characters that overlayfs's option syntax cannot carry (',', ':', '\')
 * are errors, and so is an option string longer than the page the kernel
 * reads it into ("image has too many layers for one mount: N"). */
int hull_overlay_mount(const char *const *layers, size_t n, const char *upper, const char *work,
                       const char *target, hull_error **err);

/* Detaches the overlay mounted on TARGET.  Nothing mounted there is not an
 * error, so cleanup paths can call it unconditionally. */
int hull_overlay_unmount(const char *target, hull_error **err);

/* True if TARGET is a mount point (its own mount, not its parent's). */
int hull_overlay_is_mounted(const char *target, hull_error **err);

#endif
