/* Applying an image layer (a tar stream) to a directory.
 *
 * A layer comes from an untrusted image, so nothing it contains may reach
 * outside the target directory: every entry's parent is resolved with
 * hull_open_in_root() (absolute names, symlinks planted by earlier entries
 * and "/.." all stay inside; CVE-2014-6407, CVE-2014-9356), the entry
 * itself is created with *at() calls that never follow its last component,
 * and metadata is applied through descriptors, never through a path that
 * could be a symlink (CVE-2021-32760).  Names containing ".." are refused. */
#ifndef HULL_LAYER_H
#define HULL_LAYER_H

#include "error.h"

#include <stdbool.h>
#include <stdint.h>

struct archive;

struct hull_layer_opts {
    /* Keep whiteouts in overlayfs form (".wh.NAME" becomes a 0:0 character
     * device, ".wh..wh..opq" the opaque xattr) for a layer directory used
     * as an overlay lowerdir; DIRFD is expected to be empty.  When false,
     * whiteouts are applied by removing what lower layers put in DIRFD
     * (flattened extraction). */
    bool overlay;
    /* Overlay mode: mark opaque directories with user.overlay.opaque
     * (overlayfs "userxattr" mounts) instead of trusted.overlay.opaque. */
    bool userxattr;
};

struct hull_layer_stats {
    uint64_t entries; /* archive entries applied, whiteouts included */
    uint64_t bytes;   /* bytes of file data written */
};

/* Reads every entry from the opened reader A and creates it below DIRFD.
 * O may be NULL (flattened defaults), ST may be NULL.  Existing entries are
 * replaced, except that a directory entry merges into an existing
 * directory.  Whiteouts hide only what lower layers created: entries of
 * this same archive are never removed by them (OCI image spec).  A hardlink
 * must point at a file created by this archive.  On error DIRFD holds a
 * partial tree: callers extract into a temporary directory. */
int hull_layer_apply(struct archive *a, int dirfd, const struct hull_layer_opts *o,
                     struct hull_layer_stats *st, hull_error **err);

#endif
