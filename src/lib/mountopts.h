/* The mount option table: the strings of mounts[].options and what they mean
 * to mount(2) and mount_setattr(2). */
#ifndef HULL_MOUNTOPTS_H
#define HULL_MOUNTOPTS_H

#include "error.h"

#include <stdbool.h>
#include <stdint.h>

struct hull_mount_opts {
    unsigned long flags;       /* MS_* to set */
    unsigned long clear;       /* MS_* explicitly cleared ("rw", "suid", ...) */
    unsigned long propagation; /* MS_PRIVATE|MS_REC, ... or 0 */
    uint64_t rec_attr_set;     /* MOUNT_ATTR_* for "rro", "rnosuid", ... */
    uint64_t rec_attr_clr;
    bool has_rec_attrs;
    bool bind;  /* "bind" or "rbind" */
    bool rbind; /* "rbind" */
    bool idmap, ridmap;
    bool tmpcopyup;
    char *data; /* unrecognised options, comma separated, for the fs */
};

/* Parses OPTIONS (NULL-terminated, may be NULL).  Unknown options become
 * filesystem data.  Contradictions that cannot be meant ("bind" with
 * "remount" of a non-bind) are errors naming the option. */
int hull_mount_opts_parse(char *const *options, struct hull_mount_opts *out, hull_error **err);
void hull_mount_opts_clear(struct hull_mount_opts *o);

/* Looks up one option; returns false when it is not in the table. */
bool hull_mount_opt_known(const char *name);

/* Every option name of the table, NULL-terminated (for `hullrt features`). */
const char *const *hull_mount_opt_names(void);

#endif
