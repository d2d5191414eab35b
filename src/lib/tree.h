/* Reading a container's filesystem back: a directory tree written as a tar
 * stream (hull export, and hull commit from an overlay upper directory),
 * and the changes an upper directory holds against its lower layers
 * (hull diff).
 *
 * Trees are read through descriptors only (openat with O_NOFOLLOW from the
 * root descriptor down), so a symbolic link in a container's tree is
 * stored as a link and never followed to the host. */
#ifndef HULL_TREE_H
#define HULL_TREE_H

#include "error.h"

#include <stdbool.h>
#include <stddef.h>

struct hull_tree_tar_opts {
    /* The tree is an overlayfs upper directory: its whiteouts (0:0
     * character devices) become ".wh.NAME" entries and an opaque directory
     * gets a ".wh..wh..opq" entry, the OCI image spec's forms. */
    bool overlay_upper;
};

/* Writes the tree below DIRFD (a directory descriptor) to OUT as a tar
 * (POSIX pax): entries in name order, parents first, relative names
 * without the root itself, numeric owners, xattrs (overlayfs's own left
 * out), hardlinks as links to their first name.  Directories on other
 * filesystems are written but not entered; sockets are skipped. */
int hull_tree_write_tar(int dirfd, int out, const struct hull_tree_tar_opts *o, hull_error **err);

enum hull_change_kind {
    HULL_CHANGE_MODIFY = 0, /* "C" */
    HULL_CHANGE_ADD,        /* "A" */
    HULL_CHANGE_DELETE,     /* "D" */
};

struct hull_change {
    char *path; /* absolute, inside the container */
    enum hull_change_kind kind;
};

/* Docker's changes of an overlay upper directory UPPER_FD against its
 * lower layers LAYERS (N absolute directories, lowest first), as docker
 * diff shows them, in path order: "D" for whiteouts, "C" for what a lower
 * layer has too (a directory only when its size, mode or mtime differ),
 * "A" otherwise, and "C" for every directory above a change.  An opaque
 * directory over a lower one is "C", with "D" for each name the layers
 * show in it that it lacks. */
int hull_tree_changes(int upper_fd, const char *const *layers, size_t n, struct hull_change **out,
                      size_t *n_out, hull_error **err);
void hull_changes_free(struct hull_change *c, size_t n);

#endif
