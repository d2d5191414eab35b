#include "template.h"
#include "util.h"

#include <ctype.h>
#include <string.h>

struct buf {
    char *p;
    size_t n, cap;
};

static void put(struct buf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->p = xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void put_str(struct buf *b, const char *s)
{
    put(b, s, strlen(s));
}

/* A value as Go's fmt prints it inside a template. */
static void put_value(struct buf *b, const json_t *v)
{
    const char *key;
    json_t *x;
    size_t i;
    bool first = true;

    switch (json_typeof(v)) {
    case JSON_STRING:
        put(b, json_string_value(v), json_string_length(v));
        return;
    case JSON_NULL:
        put_str(b, "<nil>");
        return;
    case JSON_ARRAY:
        put_str(b, "[");
        json_array_foreach (v, i, x) {
            if (i > 0)
                put_str(b, " ");
            put_value(b, x);
        }
        put_str(b, "]");
        return;
    case JSON_OBJECT:
        put_str(b, "map[");
        json_object_foreach ((json_t *)v, key, x) {
            if (!first)
                put_str(b, " ");
            first = false;
            put_str(b, key);
            put_str(b, ":");
            put_value(b, x);
        }
        put_str(b, "]");
        return;
    default: {
        char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        put_str(b, s ? s : "");
        free(s);
    }
    }
}

/* ".A.B" -> the value at that path, NULL when a key is missing. */
static const json_t *lookup(const json_t *v, const char *path, size_t len)
{
    const char *p = path + 1, *end = path + len;

    if (len == 1)
        return v;
    while (p < end && v != NULL) {
        const char *dot = memchr(p, '.', (size_t)(end - p));
        size_t klen = dot ? (size_t)(dot - p) : (size_t)(end - p);
        _cleanup_free_ char *key = xstrndup(p, klen);
        v = json_object_get(v, key);
        p += klen + (dot ? 1 : 0);
    }
    return v;
}

static bool path_ok(const char *s, size_t len)
{
    if (len == 0 || s[0] != '.')
        return false;
    for (size_t i = 1; i < len; i++) {
        if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || (s[i] == '.' && s[i - 1] != '.')))
            return false;
    }
    return len == 1 || s[len - 1] != '.';
}

static int action(struct buf *b, const char *a, size_t len, const json_t *v, hull_error **err)
{
    bool json = false;

    while (len > 0 && isspace((unsigned char)*a))
        a++, len--;
    while (len > 0 && isspace((unsigned char)a[len - 1]))
        len--;
    if (len > 5 && strncmp(a, "json", 4) == 0 && isspace((unsigned char)a[4])) {
        json = true;
        a += 5;
        len -= 5;
        while (len > 0 && isspace((unsigned char)*a))
            a++, len--;
    }
    if (!path_ok(a, len))
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "template action \"{{%.*s}}\" is not supported", (int)len, a);
    const json_t *x = lookup(v, a, len);
    if (json) {
        char *s = x ? json_dumps(x, JSON_ENCODE_ANY | JSON_COMPACT) : xstrdup("null");
        put_str(b, s ? s : "null");
        free(s);
    } else if (x == NULL) {
        put_str(b, "<no value>");
    } else {
        put_value(b, x);
    }
    return 0;
}

int hull_template_render(const char *tmpl, const json_t *v, char **out, hull_error **err)
{
    struct buf b = {0};
    const char *p = tmpl;

    put(&b, "", 0);
    while (*p != '\0') {
        const char *open = strstr(p, "{{");
        if (open == NULL) {
            put_str(&b, p);
            break;
        }
        put(&b, p, (size_t)(open - p));
        const char *close = strstr(open + 2, "}}");
        if (close == NULL) {
            free(b.p);
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "template \"%s\": unclosed action",
                                 tmpl);
        }
        if (action(&b, open + 2, (size_t)(close - open - 2), v, err) < 0) {
            free(b.p);
            return hull_err_wrap(err, "template \"%s\"", tmpl);
        }
        p = close + 2;
    }
    *out = b.p;
    return 0;
}
