/* /proc/self/mountinfo, parsed (proc(5)).  Private to the rootfs code: it
 * finds the propagation of the mount holding the rootfs and the host's
 * cgroup hierarchies. */
#ifndef HULL_MOUNTINFO_H
#define HULL_MOUNTINFO_H

#include "error.h"

#include <stdbool.h>
#include <stddef.h>

struct hull_mountinfo {
    int id;
    int parent_id;
    unsigned int major, minor;
    char *root;        /* root of the mount within its filesystem, unescaped */
    char *mount_point; /* unescaped */
    char *mount_opts;  /* per-mount options ("rw,nosuid") */
    char *optional;    /* optional fields ("shared:1 master:2"), "" if none */
    char *fstype;
    char *source; /* unescaped */
    char *super_opts;
};

/* Parses mountinfo TEXT into *OUT (n entries); a malformed line is an error
 * naming its number. */
int hull_mountinfo_parse(const char *text, struct hull_mountinfo **out, size_t *n,
                         hull_error **err);

/* Reads and parses /proc/self/mountinfo. */
int hull_mountinfo_read(struct hull_mountinfo **out, size_t *n, hull_error **err);

/* The entry with mount id ID, or NULL. */
const struct hull_mountinfo *hull_mountinfo_find(const struct hull_mountinfo *m, size_t n, int id);

/* Whether the comma separated LIST contains ITEM as a whole element. */
bool hull_opt_list_has(const char *list, const char *item);

void hull_mountinfo_free(struct hull_mountinfo *m, size_t n);

#endif
