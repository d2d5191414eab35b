/* Resolving Docker's `-u USER[:GROUP]` against a container's own
 * /etc/passwd and /etc/group.
 *
 * Both files come from the image, so they are read through
 * hull_open_in_root() on the container's root: an /etc/passwd that is a
 * symlink to "/../../etc/shadow" resolves inside the root, never on the
 * host, and a file that is not a regular file (a FIFO would block the
 * engine forever) is refused. */
#ifndef HULL_PASSWD_H
#define HULL_PASSWD_H

#include "error.h"

#include <stddef.h>
#include <stdint.h>

/* Docker refuses ids above 2^31-1: some tools treat them as negative. */
#define HULL_ID_MAX 2147483647U

struct hull_exec_user {
    uint32_t uid;
    uint32_t gid;
    uint32_t *sgids; /* supplementary groups, without the primary one */
    size_t n_sgids;
    char *name; /* from passwd, NULL when the user has no entry */
    char *home; /* from passwd, "/" when the user has no entry */
};

/* Resolves SPEC ("name", "uid", "name:group", "uid:gid", any mix; NULL or
 * "" for root) inside the root directory ROOTFD.  A user given by name
 * must exist ("unable to find user NAME: no matching entries in passwd
 * file", kind HULL_ERR_BAD_INPUT), a numeric one need not; the same for
 * groups.  Without an explicit group, the primary group comes from passwd
 * (0 when the user has no entry) and the supplementary groups are the
 * /etc/group entries listing the user's name, as Docker does.  Missing
 * files count as empty. */
int hull_passwd_resolve(int rootfd, const char *spec, struct hull_exec_user *out, hull_error **err);

/* Docker's --group-add: adds each of GROUPS (NULL-terminated, may be
 * NULL), a name looked up in ROOTFD's /etc/group or a gid taken as is, to
 * U's supplementary groups.  An unknown name is HULL_ERR_BAD_INPUT. */
int hull_passwd_add_groups(int rootfd, const char *const *groups, struct hull_exec_user *u,
                           hull_error **err);

void hull_exec_user_clear(struct hull_exec_user *u);

#endif
