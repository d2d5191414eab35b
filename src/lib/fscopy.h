/* Copying file trees between directories given by descriptor: a volume's
 * first content from the image (copy-up) and `hull cp`.
 *
 * Every step is an *at() call on a name read from a directory the copy
 * already holds open, with O_NOFOLLOW: a symlink is copied as a symlink
 * and never followed, and a tree that changes under the copy (a container
 * swapping a directory for a symlink, CVE-2018-15664) cannot lead it
 * outside the directories it was given.  Regular files, directories,
 * symlinks, FIFOs and device nodes are copied with their mode and times;
 * sockets are skipped; hard links become separate copies. */
#ifndef HULL_FSCOPY_H
#define HULL_FSCOPY_H

#include "error.h"

#include <stdbool.h>
#include <sys/types.h>

struct hull_copy_opts {
    /* Owner of everything created: the source's own with keep_owner,
     * else uid/gid ((uid_t)-1 and (gid_t)-1: the copier's, unchanged). */
    bool keep_owner;
    uid_t uid;
    gid_t gid;
};

/* Copies the entry SRC_NAME of directory SRC_DIR to DST_NAME in directory
 * DST_DIR.  A directory is copied with its contents, merged into an
 * existing directory of that name; any other existing entry is replaced
 * (a directory in the way of a file is an error). */
int hull_copy_entry(int src_dir, const char *src_name, int dst_dir, const char *dst_name,
                    const struct hull_copy_opts *o, hull_error **err);

/* Copies what directory SRC holds into directory DST, and gives DST the
 * mode (and with keep_owner, the owner) of SRC. */
int hull_copy_contents(int src, int dst, const struct hull_copy_opts *o, hull_error **err);

#endif
