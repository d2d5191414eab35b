/* `-u USER[:GROUP]` against the container's /etc/passwd and /etc/group. */
#include "passwd.h"
#include "paths.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Larger account databases than this are not what an image holds. */
#define DB_MAX (16u << 20)

struct db_line {
    char *fields[7];
    size_t n;
};

/* Reads FD to its end into a string; databases larger than DB_MAX are
 * refused rather than read without bound. */
static int read_text(int fd, const char *path, char **out, hull_error **err)
{
    size_t cap = 4096, used = 0;
    _cleanup_free_ char *buf = xmalloc(cap);

    for (;;) {
        if (used + 1 == cap) {
            if (cap > DB_MAX)
                return hull_err(err, EFBIG, "%s in the container is larger than %u bytes", path,
                                DB_MAX);
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        ssize_t n = read(fd, buf + used, cap - used - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return hull_err(err, errno, "read %s", path);
        if (n == 0)
            break;
        used += (size_t)n;
    }
    buf[used] = '\0';
    *out = take_ptr(buf);
    return 0;
}

/* Reads PATH inside the root; a missing file reads as empty. */
static int read_db(int rootfd, const char *path, char **out, hull_error **err)
{
    _cleanup_close_ int fd = -1;
    _cleanup_error_ hull_error *open_err = NULL;
    struct stat st;

    /* O_NONBLOCK: opening a FIFO planted by the image must not block. */
    fd = hull_open_in_root(rootfd, path, O_RDONLY | O_NONBLOCK | O_NOCTTY, 0, 0, &open_err);
    if (fd < 0) {
        if (open_err->errnum == ENOENT) {
            *out = xstrdup("");
            return 0;
        }
        *err = take_ptr(open_err);
        return -1;
    }
    if (fstat(fd, &st) < 0)
        return hull_err(err, errno, "stat %s", path);
    if (!S_ISREG(st.st_mode))
        return hull_err(err, 0, "%s in the container is not a regular file", path);
    return read_text(fd, path, out, err);
}

/* Splits LINE (modified in place) at ':'; comments and blank lines give
 * zero fields. */
static void split_line(char *line, struct db_line *l)
{
    l->n = 0;
    if (line[0] == '\0' || line[0] == '#')
        return;
    for (char *p = line; p != NULL && l->n < ARRAY_SIZE(l->fields);) {
        l->fields[l->n++] = p;
        p = strchr(p, ':');
        if (p != NULL)
            *p++ = '\0';
    }
}

/* Parses a decimal id.  Returns 1 for a valid id, 0 when S is not a number
 * at all, -1 (with an error) for a number out of Docker's range. */
static int parse_id(const char *s, uint32_t *out, hull_error **err)
{
    int64_t v;

    if (s[0] == '\0' || strspn(s, "0123456789") != strlen(s))
        return 0;
    if (parse_int64(s, 0, HULL_ID_MAX, &v) < 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "uids and gids must be in range 0-%u: \"%s\"", HULL_ID_MAX, s);
    *out = (uint32_t)v;
    return 1;
}

/* A database entry's id field; malformed entries are skipped like Docker
 * skips them. */
static bool entry_id(const char *s, uint32_t *out)
{
    int64_t v;
    if (parse_int64(s, 0, HULL_ID_MAX, &v) < 0)
        return false;
    *out = (uint32_t)v;
    return true;
}

/* Finds the first passwd entry named USER, or with uid *NUM when
 * HAS_NUM.  Returns true when found. */
static bool find_user(char *text, const char *user, bool has_num, uint32_t num,
                      struct hull_exec_user *out)
{
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        struct db_line l;
        uint32_t uid, gid;
        split_line(line, &l);
        if (l.n < 4 || !entry_id(l.fields[2], &uid) || !entry_id(l.fields[3], &gid))
            continue;
        if (strcmp(l.fields[0], user) != 0 && !(has_num && uid == num))
            continue;
        out->uid = uid;
        out->gid = gid;
        out->name = xstrdup(l.fields[0]);
        out->home = xstrdup(l.n >= 6 && l.fields[5][0] != '\0' ? l.fields[5] : "/");
        return true;
    }
    return false;
}

static bool find_group(char *text, const char *group, bool has_num, uint32_t num, uint32_t *gid)
{
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        struct db_line l;
        uint32_t id;
        split_line(line, &l);
        if (l.n < 3 || !entry_id(l.fields[2], &id))
            continue;
        if (strcmp(l.fields[0], group) == 0 || (has_num && id == num)) {
            *gid = id;
            return true;
        }
    }
    return false;
}

static bool has_member(char *members, const char *name)
{
    char *save = NULL;
    for (char *m = strtok_r(members, ",", &save); m; m = strtok_r(NULL, ",", &save))
        if (strcmp(m, name) == 0)
            return true;
    return false;
}

static void add_sgid(struct hull_exec_user *u, uint32_t gid)
{
    for (size_t i = 0; i < u->n_sgids; i++)
        if (u->sgids[i] == gid)
            return;
    u->sgids = xrealloc(u->sgids, (u->n_sgids + 1) * sizeof(*u->sgids));
    u->sgids[u->n_sgids++] = gid;
}

/* The groups whose member list names the user, except its primary group. */
static void find_supplementary(char *text, struct hull_exec_user *u)
{
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        struct db_line l;
        uint32_t id;
        split_line(line, &l);
        if (l.n < 4 || !entry_id(l.fields[2], &id) || id == u->gid)
            continue;
        if (has_member(l.fields[3], u->name))
            add_sgid(u, id);
    }
}

static int resolve_user(int rootfd, const char *user, struct hull_exec_user *out, hull_error **err)
{
    _cleanup_free_ char *text = NULL;
    uint32_t num = 0;
    int numeric = parse_id(user, &num, err);

    if (numeric < 0 || read_db(rootfd, "/etc/passwd", &text, err) < 0)
        return -1;
    if (find_user(text, user, numeric == 1, num, out))
        return 0;
    if (numeric == 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "unable to find user %s: no matching entries in passwd file", user);
    out->uid = num;
    out->gid = 0;
    out->home = xstrdup("/");
    return 0;
}

static int resolve_group(int rootfd, const char *group, struct hull_exec_user *out,
                         hull_error **err)
{
    _cleanup_free_ char *text = NULL;
    uint32_t num = 0;
    int numeric = parse_id(group, &num, err);

    if (numeric < 0 || read_db(rootfd, "/etc/group", &text, err) < 0)
        return -1;
    if (find_group(text, group, numeric == 1, num, &out->gid))
        return 0;
    if (numeric == 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "unable to find group %s: no matching entries in group file", group);
    out->gid = num;
    return 0;
}

int hull_passwd_resolve(int rootfd, const char *spec, struct hull_exec_user *out, hull_error **err)
{
    _cleanup_free_ char *buf = xstrdup(spec != NULL ? spec : "");
    char *group = strchr(buf, ':');
    const char *user = buf;

    memset(out, 0, sizeof(*out));
    if (group != NULL)
        *group++ = '\0';
    if (user[0] == '\0')
        user = "0";
    if (resolve_user(rootfd, user, out, err) < 0)
        goto fail;
    if (group != NULL && group[0] != '\0') {
        if (resolve_group(rootfd, group, out, err) < 0)
            goto fail;
    } else if (out->name != NULL) {
        _cleanup_free_ char *text = NULL;
        if (read_db(rootfd, "/etc/group", &text, err) < 0)
            goto fail;
        find_supplementary(text, out);
    }
    return 0;
fail:
    hull_exec_user_clear(out);
    return hull_err_wrap(err, "user \"%s\"", spec != NULL ? spec : "");
}

int hull_passwd_add_groups(int rootfd, const char *const *groups, struct hull_exec_user *u,
                           hull_error **err)
{
    for (size_t i = 0; groups != NULL && groups[i] != NULL; i++) {
        struct hull_exec_user g = {0};
        if (resolve_group(rootfd, groups[i], &g, err) < 0)
            return -1;
        add_sgid(u, g.gid);
    }
    return 0;
}

void hull_exec_user_clear(struct hull_exec_user *u)
{
    free(u->sgids);
    free(u->name);
    free(u->home);
    memset(u, 0, sizeof(*u));
}
