/* Typed access to the parsed config with field paths, and the locator that
 * finds a field's line in the raw text. */
#include "spec_internal.h"
#include "util.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

void spec_push_key(struct spec_ctx *c, const char *key)
{
    if (c->depth < SPEC_MAX_DEPTH)
        c->path[c->depth] = (struct spec_path_elem){.key = key};
    c->depth++;
}

void spec_push_index(struct spec_ctx *c, size_t index)
{
    if (c->depth < SPEC_MAX_DEPTH)
        c->path[c->depth] = (struct spec_path_elem){.key = NULL, .index = index};
    c->depth++;
}

void spec_pop(struct spec_ctx *c)
{
    if (c->depth > 0)
        c->depth--;
}

/* ---- the locator: a minimal scanner over text jansson already accepted ---- */

struct cursor {
    const char *s;
    size_t i;
};

static void cur_ws(struct cursor *k)
{
    while (k->s[k->i] == ' ' || k->s[k->i] == '\t' || k->s[k->i] == '\n' || k->s[k->i] == '\r')
        k->i++;
}

static bool cur_skip_string(struct cursor *k)
{
    k->i++;
    for (;;) {
        char ch = k->s[k->i];
        if (ch == '\0')
            return false;
        k->i++;
        if (ch == '"')
            return true;
        if (ch == '\\') {
            if (k->s[k->i] == '\0')
                return false;
            k->i++;
        }
    }
}

/* Skips one value of any kind without recursion. */
static bool cur_skip_value(struct cursor *k)
{
    size_t depth = 0;

    do {
        cur_ws(k);
        char ch = k->s[k->i];
        if (ch == '"') {
            if (!cur_skip_string(k))
                return false;
        } else if (ch == '{' || ch == '[') {
            depth++;
            k->i++;
        } else if (ch == '}' || ch == ']') {
            if (depth == 0)
                return false;
            depth--;
            k->i++;
        } else if (ch == ',' || ch == ':') {
            if (depth == 0)
                return false;
            k->i++;
        } else if (ch == '\0') {
            return false;
        } else {
            while (ch != '\0' && strchr(" \t\r\n,:[]{}\"", ch) == NULL)
                ch = k->s[++k->i];
        }
    } while (depth > 0);
    return true;
}

static int hex_digit(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

static bool read_u16_escape(const char *s, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        int d = hex_digit(s[i]);
        if (d < 0)
            return false;
        v = v * 16 + (uint32_t)d;
    }
    *out = v;
    return true;
}

static size_t put_utf8(char *p, uint32_t cp)
{
    if (cp < 0x80) {
        p[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        p[0] = (char)(0xc0 | (cp >> 6));
        p[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        p[0] = (char)(0xe0 | (cp >> 12));
        p[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        p[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    p[0] = (char)(0xf0 | (cp >> 18));
    p[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    p[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    p[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* Decodes the string at the cursor so keys written with escapes still
 * match the names jansson decoded. */
static char *cur_read_string(struct cursor *k)
{
    size_t start = k->i;
    if (!cur_skip_string(k))
        return NULL;
    const char *s = k->s + start + 1, *end = k->s + k->i - 1;
    char *out = xmalloc((size_t)(end - s) + 1), *p = out;

    while (s < end) {
        if (*s != '\\') {
            *p++ = *s++;
            continue;
        }
        char e = s[1];
        s += 2;
        const char *simple = strchr("\"\\/bfnrt", e);
        if (e != '\0' && simple != NULL && e != 'u') {
            *p++ = "\"\\/\b\f\n\r\t"[simple - "\"\\/bfnrt"];
            continue;
        }
        uint32_t cp, lo;
        if (e != 'u' || end - s < 4 || !read_u16_escape(s, &cp)) {
            free(out);
            return NULL;
        }
        s += 4;
        if (cp >= 0xd800 && cp < 0xdc00 && end - s >= 6 && s[0] == '\\' && s[1] == 'u' &&
            read_u16_escape(s + 2, &lo) && lo >= 0xdc00 && lo < 0xe000) {
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            s += 6;
        }
        p += put_utf8(p, cp);
    }
    *p = '\0';
    return out;
}

static bool cur_find_member(struct cursor *k, const char *key)
{
    cur_ws(k);
    if (k->s[k->i] != '{')
        return false;
    k->i++;
    for (;;) {
        cur_ws(k);
        if (k->s[k->i] != '"')
            return false;
        _cleanup_free_ char *name = cur_read_string(k);
        if (name == NULL)
            return false;
        cur_ws(k);
        if (k->s[k->i] != ':')
            return false;
        k->i++;
        cur_ws(k);
        if (strcmp(name, key) == 0)
            return true;
        if (!cur_skip_value(k))
            return false;
        cur_ws(k);
        if (k->s[k->i] != ',')
            return false;
        k->i++;
    }
}

static bool cur_find_index(struct cursor *k, size_t index)
{
    cur_ws(k);
    if (k->s[k->i] != '[')
        return false;
    k->i++;
    for (size_t n = 0;; n++) {
        cur_ws(k);
        if (k->s[k->i] == ']' || k->s[k->i] == '\0')
            return false;
        if (n == index)
            return true;
        if (!cur_skip_value(k))
            return false;
        cur_ws(k);
        if (k->s[k->i] != ',')
            return false;
        k->i++;
    }
}

/* Offset of the value at the first DEPTH path elements in the raw text. */
static bool spec_locate(const struct spec_ctx *c, size_t depth, size_t *offset)
{
    struct cursor k = {.s = c->raw, .i = 0};

    if (c->raw == NULL || depth > SPEC_MAX_DEPTH)
        return false;
    for (size_t d = 0; d < depth; d++) {
        const struct spec_path_elem *e = &c->path[d];
        if (e->key != NULL ? !cur_find_member(&k, e->key) : !cur_find_index(&k, e->index))
            return false;
    }
    cur_ws(&k);
    *offset = k.i;
    return true;
}

int spec_locate_line(const struct spec_ctx *c, size_t depth)
{
    size_t offset;
    int line = 1;

    if (!spec_locate(c, depth, &offset))
        return 0;
    for (size_t i = 0; i < offset; i++)
        if (c->raw[i] == '\n')
            line++;
    return line;
}

char *spec_path_string(const struct spec_ctx *c, size_t depth)
{
    char *s = xstrdup("");

    if (depth > SPEC_MAX_DEPTH)
        depth = SPEC_MAX_DEPTH;
    for (size_t d = 0; d < depth; d++) {
        const struct spec_path_elem *e = &c->path[d];
        char *next = e->key != NULL ? xasprintf("%s%s%s", s, d > 0 ? "." : "", e->key)
                                    : xasprintf("%s[%zu]", s, e->index);
        free(s);
        s = next;
    }
    return s;
}

static char *location_prefix(const struct spec_ctx *c, int line)
{
    if (line > 0)
        return xasprintf("%s:%d: ", c->name, line);
    return xasprintf("%s: ", c->name);
}

static int fail_at(const struct spec_ctx *c, int line, const char *msg, hull_error **err)
{
    _cleanup_free_ char *where = location_prefix(c, line);
    _cleanup_free_ char *path = spec_path_string(c, c->depth);

    if (path[0] == '\0')
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "%s%s", where, msg);
    return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "%s%s: %s", where, path, msg);
}

int spec_fail(const struct spec_ctx *c, hull_error **err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    _cleanup_free_ char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    return fail_at(c, spec_locate_line(c, c->depth), msg, err);
}

int spec_fail_missing(const struct spec_ctx *c, hull_error **err)
{
    int line = c->depth > 0 ? spec_locate_line(c, c->depth - 1) : 0;
    return fail_at(c, line, "required field is missing", err);
}

int spec_fail_inner(const struct spec_ctx *c, const char *message, hull_error **err)
{
    _cleanup_free_ char *where = location_prefix(c, spec_locate_line(c, c->depth));
    return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "%s%s", where, message);
}

const char *spec_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a real number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    }
    return "an unknown value";
}

json_t *spec_member(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_null(v) ? NULL : v;
}

/* An integer as written: jansson's value, or for integers beyond int64 (which
 * spec_json_load() turned into reals) the token read from the raw text. */
struct spec_int {
    bool negative;
    bool overflow; /* beyond 64 bits */
    uint64_t magnitude;
    char text[48];
};

static bool raw_integer(const struct spec_ctx *c, struct spec_int *out)
{
    size_t offset, len = 0;

    if (!spec_locate(c, c->depth, &offset))
        return false;
    const char *s = c->raw + offset;
    out->negative = s[0] == '-';
    const char *digits = s + out->negative;
    while (digits[len] >= '0' && digits[len] <= '9')
        len++;
    if (len == 0 || digits[len] == '.' || digits[len] == 'e' || digits[len] == 'E')
        return false;
    out->magnitude = 0;
    out->overflow = false;
    for (size_t i = 0; i < len; i++) {
        uint64_t d = (uint64_t)(digits[i] - '0');
        if (out->magnitude > (UINT64_MAX - d) / 10)
            out->overflow = true;
        out->magnitude = out->magnitude * 10 + d;
    }
    size_t shown = len + out->negative;
    if (shown >= sizeof(out->text))
        snprintf(out->text, sizeof(out->text), "%.*s...", 40, s);
    else
        snprintf(out->text, sizeof(out->text), "%.*s", (int)shown, s);
    return true;
}

int spec_expect(const struct spec_ctx *c, const json_t *v, json_type type, hull_error **err)
{
    static const char *const names[] = {
        [JSON_OBJECT] = "an object",   [JSON_ARRAY] = "an array", [JSON_STRING] = "a string",
        [JSON_INTEGER] = "an integer", [JSON_REAL] = "a number",  [JSON_TRUE] = "a boolean",
        [JSON_FALSE] = "a boolean",    [JSON_NULL] = "null",
    };
    bool ok = json_typeof(v) == type || (type == JSON_TRUE && json_is_boolean(v)) ||
              (type == JSON_FALSE && json_is_boolean(v));
    if (ok)
        return 0;
    /* Integers beyond int64 reach here as reals (see spec_json_load). */
    struct spec_int big;
    const char *got = json_is_real(v) && raw_integer(c, &big) ? "an integer" : spec_type_name(v);
    return spec_fail(c, err, "expected %s, got %s", names[type], got);
}

static int value_integer(const struct spec_ctx *c, const json_t *v, struct spec_int *out,
                         hull_error **err)
{
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        out->negative = i < 0;
        out->overflow = false;
        out->magnitude = i < 0 ? (uint64_t)(-(i + 1)) + 1 : (uint64_t)i;
        snprintf(out->text, sizeof(out->text), "%" JSON_INTEGER_FORMAT, i);
        return 0;
    }
    if (json_is_real(v) && raw_integer(c, out))
        return 0;
    return spec_fail(c, err, "expected an integer, got %s", spec_type_name(v));
}

int spec_value_i64(const struct spec_ctx *c, const json_t *v, int64_t min, int64_t max,
                   int64_t *out, hull_error **err)
{
    struct spec_int n;
    int64_t value;

    if (value_integer(c, v, &n, err) < 0)
        return -1;
    if (n.overflow || (!n.negative && n.magnitude > (uint64_t)INT64_MAX) ||
        (n.negative && n.magnitude > (uint64_t)INT64_MAX + 1))
        goto range;
    value = n.negative ? (int64_t)(0 - n.magnitude) : (int64_t)n.magnitude;
    if (value < min || value > max)
        goto range;
    *out = value;
    return 0;
range:
    return spec_fail(c, err, "%s is out of range (%" PRId64 "..%" PRId64 ")", n.text, min, max);
}

int spec_value_u64(const struct spec_ctx *c, const json_t *v, uint64_t max, uint64_t *out,
                   hull_error **err)
{
    struct spec_int n;

    if (value_integer(c, v, &n, err) < 0)
        return -1;
    if (n.overflow || (n.negative && n.magnitude != 0) || n.magnitude > max)
        return spec_fail(c, err, "%s is out of range (0..%" PRIu64 ")", n.text, max);
    *out = n.magnitude;
    return 0;
}

int spec_value_string(const struct spec_ctx *c, const json_t *v, int flags, char **out,
                      hull_error **err)
{
    if (spec_expect(c, v, JSON_STRING, err) < 0)
        return -1;
    const char *s = json_string_value(v);
    if ((flags & SPEC_NONEMPTY) && s[0] == '\0')
        return spec_fail(c, err, "must not be empty");
    if ((flags & SPEC_ABSOLUTE) && s[0] != '/')
        return spec_fail(c, err, "\"%s\" is not an absolute path", s);
    *out = xstrdup(s);
    return 0;
}

/* Looks KEY up and pushes it; returns 1 (pushed), 0 (absent, not pushed) or
 * -1 (required and absent). */
static int member_enter(struct spec_ctx *c, json_t *obj, const char *key, int flags, json_t **v,
                        hull_error **err)
{
    *v = spec_member(obj, key);
    if (*v != NULL) {
        spec_push_key(c, key);
        return 1;
    }
    if (!(flags & SPEC_REQUIRED))
        return 0;
    spec_push_key(c, key);
    spec_fail_missing(c, err);
    spec_pop(c);
    return -1;
}

static int member_leave(struct spec_ctx *c, int ret)
{
    spec_pop(c);
    return ret < 0 ? -1 : 1;
}

int spec_get_object(struct spec_ctx *c, json_t *obj, const char *key, int flags, json_t **out,
                    hull_error **err)
{
    json_t *v;
    int r = member_enter(c, obj, key, flags, &v, err);
    if (r <= 0)
        return r;
    *out = v;
    return member_leave(c, spec_expect(c, v, JSON_OBJECT, err));
}

int spec_get_array(struct spec_ctx *c, json_t *obj, const char *key, int flags, json_t **out,
                   hull_error **err)
{
    json_t *v;
    int r = member_enter(c, obj, key, flags, &v, err);
    if (r <= 0)
        return r;
    *out = v;
    if (spec_expect(c, v, JSON_ARRAY, err) < 0)
        return member_leave(c, -1);
    if ((flags & SPEC_NONEMPTY) && json_array_size(v) == 0)
        return member_leave(c, spec_fail(c, err, "must not be empty"));
    return member_leave(c, 0);
}

int spec_get_string(struct spec_ctx *c, json_t *obj, const char *key, int flags, char **out,
                    hull_error **err)
{
    json_t *v;
    int r = member_enter(c, obj, key, flags, &v, err);
    if (r <= 0)
        return r;
    return member_leave(c, spec_value_string(c, v, flags, out, err));
}

int spec_get_bool(struct spec_ctx *c, json_t *obj, const char *key, int flags, bool *out,
                  hull_error **err)
{
    json_t *v;
    int r = member_enter(c, obj, key, flags, &v, err);
    if (r <= 0)
        return r;
    if (spec_expect(c, v, JSON_TRUE, err) < 0)
        return member_leave(c, -1);
    *out = json_is_true(v);
    return member_leave(c, 0);
}

int spec_get_i64(struct spec_ctx *c, json_t *obj, const char *key, int flags, int64_t min,
                 int64_t max, int64_t *out, hull_error **err)
{
    json_t *v;
    int r = member_enter(c, obj, key, flags, &v, err);
    if (r <= 0)
        return r;
    return member_leave(c, spec_value_i64(c, v, min, max, out, err));
}

int spec_get_u64(struct spec_ctx *c, json_t *obj, const char *key, int flags, uint64_t max,
                 uint64_t *out, hull_error **err)
{
    json_t *v;
    int r = member_enter(c, obj, key, flags, &v, err);
    if (r <= 0)
        return r;
    return member_leave(c, spec_value_u64(c, v, max, out, err));
}

int spec_get_u32(struct spec_ctx *c, json_t *obj, const char *key, int flags, uint32_t max,
                 uint32_t *out, hull_error **err)
{
    uint64_t v = 0;
    int r = spec_get_u64(c, obj, key, flags, max, &v, err);
    if (r > 0)
        *out = (uint32_t)v;
    return r;
}

int spec_get_strv(struct spec_ctx *c, json_t *obj, const char *key, int flags, char ***out,
                  hull_error **err)
{
    json_t *arr, *item;
    size_t i;
    int r = spec_get_array(c, obj, key, flags, &arr, err);
    if (r <= 0)
        return r;
    _cleanup_strv_ char **v = xmalloc0((json_array_size(arr) + 1) * sizeof(char *));
    spec_push_key(c, key);
    json_array_foreach (arr, i, item) {
        spec_push_index(c, i);
        if (spec_value_string(c, item, flags & ~SPEC_NONEMPTY, &v[i], err) < 0)
            return member_leave(c, -1);
        spec_pop(c);
    }
    spec_pop(c);
    *out = take_ptr(v);
    return 1;
}

int spec_get_string_map(struct spec_ctx *c, json_t *obj, const char *key, char ***kv, size_t *n,
                        hull_error **err)
{
    json_t *map, *value;
    const char *name;
    size_t i = 0;
    int r = spec_get_object(c, obj, key, 0, &map, err);
    if (r <= 0)
        return r;
    _cleanup_strv_ char **out = xmalloc0((2 * json_object_size(map) + 1) * sizeof(char *));
    spec_push_key(c, key);
    json_object_foreach (map, name, value) {
        spec_push_key(c, name);
        if (spec_value_string(c, value, 0, &out[2 * i + 1], err) < 0)
            return member_leave(c, -1);
        out[2 * i] = xstrdup(name);
        spec_pop(c);
        i++;
    }
    spec_pop(c);
    *kv = take_ptr(out);
    *n = i;
    return 1;
}

int spec_reject(struct spec_ctx *c, json_t *obj, const char *key, hull_error **err)
{
    if (json_object_get(obj, key) == NULL)
        return 0;
    spec_push_key(c, key);
    _cleanup_free_ char *where = location_prefix(c, spec_locate_line(c, c->depth));
    _cleanup_free_ char *path = spec_path_string(c, c->depth);
    spec_pop(c);
    return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "%s%s is not supported", where, path);
}

static bool fits_int64(const char *token, size_t len)
{
    char buf[32];

    if (len >= sizeof(buf))
        return false;
    memcpy(buf, token, len);
    buf[len] = '\0';
    errno = 0;
    (void)strtoll(buf, NULL, 10);
    return errno != ERANGE;
}

/* Overwrites integer tokens outside the int64 range with "0.0" and spaces:
 * offsets, lines and columns stay those of the original text. */
static size_t blank_big_integers(char *s)
{
    struct cursor k = {.s = s, .i = 0};
    size_t replaced = 0;

    while (s[k.i] != '\0') {
        char ch = s[k.i];
        if (ch == '"') {
            if (!cur_skip_string(&k))
                break;
            continue;
        }
        if (ch != '-' && (ch < '0' || ch > '9')) {
            k.i++;
            continue;
        }
        size_t start = k.i++;
        while (s[k.i] >= '0' && s[k.i] <= '9')
            k.i++;
        bool integer = s[k.i] != '.' && s[k.i] != 'e' && s[k.i] != 'E';
        while (s[k.i] != '\0' && strchr("0123456789.eE+-", s[k.i]) != NULL)
            k.i++;
        if (integer && !fits_int64(s + start, k.i - start)) {
            memset(s + start, ' ', k.i - start);
            memcpy(s + start, "0.0", 3);
            replaced++;
        }
    }
    return replaced;
}

json_t *spec_json_load(const char *text, const char *name, hull_error **err)
{
    json_error_t je, retry;
    json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &je);

    if (root == NULL && json_error_code(&je) == json_error_numeric_overflow) {
        _cleanup_free_ char *copy = xstrdup(text);
        if (blank_big_integers(copy) > 0) {
            root = json_loads(copy, JSON_REJECT_DUPLICATES, &retry);
            if (root == NULL)
                je = retry;
        }
    }
    if (root == NULL) {
        /* jansson names its own flag here; say what is wrong instead. */
        const char *why = json_error_code(&je) == json_error_null_character
                              ? "a string contains a NUL character (\\u0000)"
                              : je.text;
        hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "%s:%d:%d: invalid JSON: %s", name, je.line,
                      je.column, why);
    }
    return root;
}
