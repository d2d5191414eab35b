/* Parsing of /proc/self/mountinfo (see mountinfo.h). */
#include "mountinfo.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>

/* The kernel escapes space, tab, newline and backslash in paths as \ooo. */
static char *unescape(const char *s)
{
    char *out = xmalloc(strlen(s) + 1), *o = out;

    while (*s != '\0') {
        if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
            s[3] >= '0' && s[3] <= '7') {
            *o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
            s += 4;
        } else {
            *o++ = *s++;
        }
    }
    *o = '\0';
    return out;
}

/* Splits LINE (modified in place) at spaces into at most MAX fields. */
static size_t split_fields(char *line, char **fields, size_t max)
{
    size_t n = 0;
    char *save = NULL;

    for (char *f = strtok_r(line, " ", &save); f != NULL && n < max; f = strtok_r(NULL, " ", &save))
        fields[n++] = f;
    return n;
}

static int parse_line(char *line, struct hull_mountinfo *e)
{
    char *f[64];
    size_t n = split_fields(line, f, ARRAY_SIZE(f)), dash = 0;
    _cleanup_free_ char *optional = NULL;

    for (size_t i = 6; i < n; i++) {
        if (strcmp(f[i], "-") == 0) {
            dash = i;
            break;
        }
    }
    if (n < 10 || dash == 0 || n < dash + 4)
        return -1;
    if (sscanf(f[0], "%d", &e->id) != 1 || sscanf(f[1], "%d", &e->parent_id) != 1 ||
        sscanf(f[2], "%u:%u", &e->major, &e->minor) != 2)
        return -1;
    optional = xstrdup("");
    for (size_t i = 6; i < dash; i++) {
        char *joined = xasprintf("%s%s%s", optional, i > 6 ? " " : "", f[i]);
        free(optional);
        optional = joined;
    }
    e->root = unescape(f[3]);
    e->mount_point = unescape(f[4]);
    e->mount_opts = xstrdup(f[5]);
    e->optional = take_ptr(optional);
    e->fstype = xstrdup(f[dash + 1]);
    e->source = unescape(f[dash + 2]);
    e->super_opts = xstrdup(f[dash + 3]);
    return 0;
}

int hull_mountinfo_parse(const char *text, struct hull_mountinfo **out, size_t *n, hull_error **err)
{
    _cleanup_free_ char *copy = xstrdup(text);
    struct hull_mountinfo *v = NULL;
    size_t count = 0, lineno = 0;
    char *save = NULL;

    for (char *line = strtok_r(copy, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        v = xrealloc(v, (count + 1) * sizeof(*v));
        memset(&v[count], 0, sizeof(*v));
        if (parse_line(line, &v[count]) < 0) {
            hull_mountinfo_free(v, count);
            return hull_err(err, 0, "mountinfo line %zu is malformed", lineno);
        }
        count++;
    }
    *out = v;
    *n = count;
    return 0;
}

int hull_mountinfo_read(struct hull_mountinfo **out, size_t *n, hull_error **err)
{
    _cleanup_free_ char *text = NULL;

    if (read_file_at(AT_FDCWD, "/proc/self/mountinfo", 0, &text, NULL, err) < 0)
        return -1;
    if (hull_mountinfo_parse(text, out, n, err) < 0)
        return hull_err_wrap(err, "/proc/self/mountinfo");
    return 0;
}

const struct hull_mountinfo *hull_mountinfo_find(const struct hull_mountinfo *m, size_t n, int id)
{
    for (size_t i = 0; i < n; i++)
        if (m[i].id == id)
            return &m[i];
    return NULL;
}

bool hull_opt_list_has(const char *list, const char *item)
{
    size_t len = strlen(item);

    for (const char *p = list; p != NULL && *p != '\0';) {
        const char *end = strchr(p, ',');
        size_t flen = end ? (size_t)(end - p) : strlen(p);
        if (flen == len && strncmp(p, item, len) == 0)
            return true;
        p = end ? end + 1 : NULL;
    }
    return false;
}

void hull_mountinfo_free(struct hull_mountinfo *m, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(m[i].root);
        free(m[i].mount_point);
        free(m[i].mount_opts);
        free(m[i].optional);
        free(m[i].fstype);
        free(m[i].source);
        free(m[i].super_opts);
    }
    free(m);
}
