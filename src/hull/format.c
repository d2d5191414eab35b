#include "format.h"
#include "util.h"

#include <string.h>

char *hull_human_duration(int64_t s)
{
    int64_t minutes = s / 60;
    /* Hours round to the nearest, as Docker's go-units does. */
    int64_t hours = (s + 1800) / 3600;

    if (s < 1)
        return xstrdup("Less than a second");
    if (s == 1)
        return xstrdup("1 second");
    if (s < 60)
        return xasprintf("%lld seconds", (long long)s);
    if (minutes == 1)
        return xstrdup("About a minute");
    if (minutes < 60)
        return xasprintf("%lld minutes", (long long)minutes);
    if (hours == 1)
        return xstrdup("About an hour");
    if (hours < 48)
        return xasprintf("%lld hours", (long long)hours);
    if (hours < 24 * 7 * 2)
        return xasprintf("%lld days", (long long)(hours / 24));
    if (hours < 24 * 30 * 2)
        return xasprintf("%lld weeks", (long long)(hours / 24 / 7));
    if (hours < 24 * 365 * 2)
        return xasprintf("%lld months", (long long)(hours / 24 / 30));
    return xasprintf("%lld years", (long long)(s / 3600 / 24 / 365));
}

char *hull_human_size(uint64_t bytes)
{
    static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
    double size = (double)bytes;
    size_t u = 0;

    while (size >= 1000.0 && u + 1 < ARRAY_SIZE(units)) {
        size /= 1000.0;
        u++;
    }
    return xasprintf("%.3g%s", size, units[u]);
}

int hull_parse_rfc3339(const char *s, time_t *out)
{
    struct tm tm = {0};
    const char *rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    long offset = 0;

    if (rest == NULL)
        return -1;
    if (*rest == '.')
        rest += 1 + strspn(rest + 1, "0123456789");
    if (*rest == '+' || *rest == '-') {
        int hh, mm;
        if (sscanf(rest + 1, "%2d:%2d", &hh, &mm) != 2)
            return -1;
        offset = (hh * 60L + mm) * 60L * (*rest == '-' ? -1 : 1);
    } else if (*rest != 'Z' && *rest != 'z') {
        return -1;
    }
    *out = timegm(&tm) - offset;
    return 0;
}

char *hull_time_ago(const char *rfc3339, time_t now)
{
    time_t t;
    if (rfc3339 == NULL || hull_parse_rfc3339(rfc3339, &t) < 0)
        return xstrdup("");
    _cleanup_free_ char *d = hull_human_duration(now > t ? now - t : 0);
    return xasprintf("%s ago", d);
}

/* Length in bytes of the first N characters of the UTF-8 string S. */
static size_t utf8_prefix(const char *s, size_t n)
{
    size_t i = 0;
    while (s[i] != '\0' && n > 0) {
        i++;
        while (((unsigned char)s[i] & 0xC0) == 0x80)
            i++;
        n--;
    }
    return i;
}

static size_t utf8_len(const char *s)
{
    size_t n = 0;
    for (; *s != '\0'; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

char *hull_quote_command(char *const *args, int trunc)
{
    _cleanup_free_ char *joined = xstrdup("");
    char *out, *p;

    /* Arguments holding a space are shown in single quotes, as Docker
     * does, so "sh -c 'exit 3'" reads back as three words. */
    for (size_t i = 0; args != NULL && args[i] != NULL; i++) {
        const char *q = strchr(args[i], ' ') != NULL ? "'" : "";
        char *next = xasprintf("%s%s%s%s%s", joined, i ? " " : "", q, args[i], q);
        free(joined);
        joined = next;
    }
    if (trunc && utf8_len(joined) > 20) {
        char *cut = xasprintf("%.*s…", (int)utf8_prefix(joined, 19), joined);
        free(joined);
        joined = cut;
    }
    p = out = xmalloc(strlen(joined) * 4 + 3);
    *p++ = '"';
    for (const unsigned char *c = (const unsigned char *)joined; *c != '\0'; c++) {
        if (*c == '"' || *c == '\\') {
            *p++ = '\\';
            *p++ = (char)*c;
        } else if (*c < 0x20 || *c == 0x7f) {
            p += sprintf(p, "\\x%02x", *c);
        } else {
            *p++ = (char)*c;
        }
    }
    *p++ = '"';
    *p = '\0';
    return out;
}

struct hull_table {
    size_t ncols, nrows;
    char ***rows;
};

struct hull_table *hull_table_new(size_t ncols)
{
    struct hull_table *t = xmalloc0(sizeof(*t));
    t->ncols = ncols;
    return t;
}

void hull_table_add(struct hull_table *t, char **cells)
{
    t->rows = xrealloc(t->rows, (t->nrows + 1) * sizeof(*t->rows));
    t->rows[t->nrows] = xmalloc(t->ncols * sizeof(char *));
    memcpy(t->rows[t->nrows], cells, t->ncols * sizeof(char *));
    t->nrows++;
}

/* Docker: tabwriter.NewWriter(out, 10, 1, 3, ' ', 0). */
#define MIN_WIDTH 10
#define PADDING   3

void hull_table_print(struct hull_table *t, FILE *f)
{
    _cleanup_free_ size_t *width = xmalloc0(t->ncols * sizeof(size_t));

    for (size_t r = 0; r < t->nrows; r++)
        for (size_t c = 0; c < t->ncols; c++)
            if (utf8_len(t->rows[r][c]) + PADDING > width[c])
                width[c] = utf8_len(t->rows[r][c]) + PADDING;
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            const char *cell = t->rows[r][c];
            fputs(cell, f);
            if (c + 1 == t->ncols)
                break;
            size_t w = width[c] < MIN_WIDTH ? MIN_WIDTH : width[c];
            for (size_t pad = utf8_len(cell); pad < w; pad++)
                fputc(' ', f);
        }
        fputc('\n', f);
    }
}

void hull_table_free(struct hull_table *t)
{
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++)
            free(t->rows[r][c]);
        free(t->rows[r]);
    }
    free(t->rows);
    free(t);
}
