/* The template functions: Go's (and, or, not, eq, ne, lt, le, gt, ge,
 * len, index, print, printf, println) and Docker's (json, join, split,
 * upper, lower, title, pad, truncate). */
#include "template_eval.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static bool is_number(const json_t *j)
{
    return json_is_integer(j) || json_is_real(j);
}

/* -1, 0 or 1 as A is less than, equal to or greater than B; -2 after an
 * error (values Go cannot compare). */
static int compare(struct exec *x, const struct tpl_cmd *cmd, const struct val *a,
                   const struct val *b, bool ordered)
{
    const json_t *p = a->j, *q = b->j;

    if (p == NULL || q == NULL)
        return tpl_exec_error(x, cmd, cmd->pos, "invalid type for comparison"), -2;
    if (is_number(p) && is_number(q)) {
        if (json_is_integer(p) && json_is_integer(q))
            return (json_integer_value(p) > json_integer_value(q)) -
                   (json_integer_value(p) < json_integer_value(q));
        double d = json_number_value(p), e = json_number_value(q);
        return (d > e) - (d < e);
    }
    if (json_is_string(p) && json_is_string(q)) {
        int c = strcmp(json_string_value(p), json_string_value(q));
        return (c > 0) - (c < 0);
    }
    if (!ordered && json_is_boolean(p) && json_is_boolean(q))
        return json_is_true(p) != json_is_true(q);
    if (!ordered && json_is_null(p) && json_is_null(q))
        return 0;
    if (json_typeof(p) != json_typeof(q) && !(json_is_boolean(p) && json_is_boolean(q)))
        return tpl_exec_error(x, cmd, cmd->pos, "incompatible types for comparison"), -2;
    return tpl_exec_error(x, cmd, cmd->pos, "invalid type for comparison"), -2;
}

static int need(struct exec *x, const struct tpl_cmd *cmd, size_t n, size_t min, size_t max)
{
    if (n >= min && n <= max)
        return 0;
    return tpl_exec_error(x, cmd, cmd->pos, "wrong number of args for %s: want %s%zu got %zu",
                          cmd->args[0].name, max == (size_t)-1 ? "at least " : "", min, n);
}

static int fn_eq(struct exec *x, const struct tpl_cmd *cmd, struct val *a, size_t n,
                 struct val *out)
{
    bool eq = false;

    if (need(x, cmd, n, 2, (size_t)-1) < 0)
        return -1;
    for (size_t i = 1; i < n && !eq; i++) {
        int c = compare(x, cmd, &a[0], &a[i], false);
        if (c == -2)
            return -1;
        eq = c == 0;
    }
    *out = tpl_val_new(json_boolean(strcmp(cmd->args[0].name, "ne") == 0 ? !eq : eq));
    return 0;
}

static int fn_order(struct exec *x, const struct tpl_cmd *cmd, struct val *a, size_t n,
                    struct val *out)
{
    const char *name = cmd->args[0].name;
    int c;

    if (need(x, cmd, n, 2, 2) < 0 || (c = compare(x, cmd, &a[0], &a[1], true)) == -2)
        return -1;
    bool r = name[0] == 'l' ? (name[1] == 't' ? c < 0 : c <= 0) : (name[1] == 't' ? c > 0 : c >= 0);
    *out = tpl_val_new(json_boolean(r));
    return 0;
}

/* and: the first false argument or the last; or: the first true one or
 * the last. */
static int fn_andor(struct exec *x, const struct tpl_cmd *cmd, struct val *a, size_t n,
                    struct val *out)
{
    bool want = cmd->args[0].name[0] == 'o';
    size_t i;

    if (need(x, cmd, n, 1, (size_t)-1) < 0)
        return -1;
    for (i = 0; i + 1 < n && tpl_truth(&a[i]) != want; i++)
        ;
    *out = a[i];
    a[i].j = NULL;
    return 0;
}

static int fn_not(struct exec *x, const struct tpl_cmd *cmd, struct val *a, size_t n,
                  struct val *out)
{
    if (need(x, cmd, n, 1, 1) < 0)
        return -1;
    *out = tpl_val_new(json_boolean(!tpl_truth(&a[0])));
    return 0;
}

static int fn_len(struct exec *x, const struct tpl_cmd *cmd, struct val *a, size_t n,
                  struct val *out)
{
    const json_t *j;

    if (need(x, cmd, n, 1, 1) < 0)
        return -1;
    j = a[0].j;
    if (json_is_string(j))
        *out = tpl_val_new(json_integer((json_int_t)json_string_length(j)));
    else if (json_is_array(j))
        *out = tpl_val_new(json_integer((json_int_t)json_array_size(j)));
    else if (json_is_object(j) && !tpl_is_struct(j, a[0].hint))
        *out = tpl_val_new(json_integer((json_int_t)json_object_size(j)));
    else if (json_is_null(j))
        *out = tpl_val_new(json_integer(0));
    else
        return tpl_exec_error(x, cmd, cmd->pos, "error calling len: len of type %s",
                              tpl_type_name(j, a[0].hint));
    return 0;
}

/* Go's zero value for a missing key of map M: "" when its values are
 * strings, else nil. */
static json_t *zero_of(const json_t *m)
{
    const char *key;
    json_t *x;

    json_object_foreach ((json_t *)m, key, x)
        if (!json_is_string(x))
            return json_null();
    return json_string("");
}

static int fn_index(struct exec *x, const struct tpl_cmd *cmd, struct val *a, size_t n,
                    struct val *out)
{
    struct val v;

    if (need(x, cmd, n, 1, (size_t)-1) < 0)
        return -1;
    v = (struct val){json_incref(a[0].j), a[0].hint};
    for (size_t i = 1; i < n; i++) {
        json_t *j = v.j, *k = a[i].j, *r = NULL;
        if (json_is_array(j) && json_is_integer(k)) {
            json_int_t idx = json_integer_value(k);
            if (idx < 0 || (size_t)idx >= json_array_size(j)) {
                tpl_val_clear(&v);
                return tpl_exec_error(
                    x, cmd, cmd->pos,
                    "error calling index: index out of range: %" JSON_INTEGER_FORMAT, idx);
            }
            r = json_incref(json_array_get(j, (size_t)idx));
        } else if (json_is_object(j) && json_is_string(k)) {
            r = json_object_get(j, json_string_value(k));
            r = r != NULL ? json_incref(r) : zero_of(j);
        } else if (json_is_null(j) && json_is_string(k)) {
            r = json_string("");
        } else {
            const char *what = tpl_type_name(j, v.hint);
            tpl_val_clear(&v);
            return tpl_exec_error(x, cmd, cmd->pos, "error calling index: cannot index %s with %s",
                                  what, tpl_type_name(k, NULL));
        }
        tpl_val_clear(&v);
        v = (struct val){r, json_is_string(k) ? json_string_value(k) : NULL};
    }
    *out = v;
    return 0;
}

static int fn_json(struct exec *x, const struct tpl_cmd *cmd, struct val *a, size_t n,
                   struct val *out)
{
    char *s;

    if (need(x, cmd, n, 1, 1) < 0)
        return -1;
    s = a[0].j != NULL ? json_dumps(a[0].j, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
    *out = tpl_val_new(json_string(s != NULL ? s : "null"));
    free(s);
    return 0;
}

/* print and println: Go's Sprint puts a space between operands when
 * neither is a string, Sprintln between all and a newline at the end. */
static int fn_print(struct exec *x, const struct tpl_cmd *cmd, struct val *a, size_t n,
                    struct val *out)
{
    bool ln = strcmp(cmd->args[0].name, "println") == 0;
    struct hull_strbuf b = {0};

    (void)x;
    hull_strbuf_put(&b, "", 0);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && (ln || (!json_is_string(a[i - 1].j) && !json_is_string(a[i].j))))
            tpl_put_str(&b, " ");
        tpl_put_value(&b, a[i].j, a[i].hint);
    }
    if (ln)
        tpl_put_str(&b, "\n");
    *out = tpl_val_new(json_stringn(b.p, b.n));
    free(b.p);
    return 0;
}

/* A printf directive's flags, width and precision (-1: none). */
struct verb_spec {
    bool left, zero, plus;
    int width, prec;
};

static void verb_spec_parse(const char *spec, size_t len, struct verb_spec *vs)
{
    size_t i = 1;

    memset(vs, 0, sizeof(*vs));
    vs->prec = -1;
    for (; i < len && strchr("-+# 0", spec[i]) != NULL; i++) {
        vs->left |= spec[i] == '-';
        vs->zero |= spec[i] == '0';
        vs->plus |= spec[i] == '+';
    }
    for (; i < len && isdigit((unsigned char)spec[i]) && vs->width < 1000; i++)
        vs->width = vs->width * 10 + (spec[i] - '0');
    if (i < len && spec[i] == '.')
        for (vs->prec = 0, i++; i < len && isdigit((unsigned char)spec[i]) && vs->prec < 100; i++)
            vs->prec = vs->prec * 10 + (spec[i] - '0');
}

/* Puts S padded to the directive's width. */
static void put_padded(struct hull_strbuf *b, const char *s, const struct verb_spec *vs,
                       bool numeric)
{
    int n = (int)strlen(s), pad = vs->width > n ? vs->width - n : 0;
    bool zeros = vs->zero && numeric && !vs->left;

    if (zeros && (*s == '-' || *s == '+'))
        hull_strbuf_put(b, s++, 1);
    for (int i = 0; i < pad && !vs->left; i++)
        tpl_put_str(b, zeros ? "0" : " ");
    tpl_put_str(b, s);
    for (int i = 0; i < pad && vs->left; i++)
        tpl_put_str(b, " ");
}

/* One printf verb: SPEC, LEN bytes, is "%" with flags, width and
 * precision; a value of the wrong type is shown as Go shows it. */
static void printf_one(struct hull_strbuf *b, const char *spec, size_t len, char verb,
                       const struct val *v)
{
    const json_t *j = v->j;
    _cleanup_free_ char *text = NULL;
    struct verb_spec vs;
    char s[512];

    verb_spec_parse(spec, len, &vs);
    if ((verb == 'd' || verb == 'x' || verb == 'X' || verb == 'o') && json_is_integer(j)) {
        long long i = json_integer_value(j);
        unsigned long long u = i < 0 ? 0 - (unsigned long long)i : (unsigned long long)i;
        const char *sign = i < 0 ? "-" : vs.plus ? "+" : "";
        if (verb == 'd')
            snprintf(s, sizeof(s), "%s%llu", sign, u);
        else
            snprintf(s, sizeof(s),
                     verb == 'x'   ? "%s%llx"
                     : verb == 'X' ? "%s%llX"
                                   : "%s%llo",
                     sign, u);
        put_padded(b, s, &vs, true);
    } else if ((verb == 'f' || verb == 'g' || verb == 'e') && is_number(j)) {
        int prec = vs.prec >= 0 ? vs.prec : 6;
        double d = json_number_value(j);
        const char *sign = d >= 0 && vs.plus ? "+" : "";
        if (verb == 'f')
            snprintf(s, sizeof(s), "%s%.*f", sign, prec, d);
        else if (verb == 'e')
            snprintf(s, sizeof(s), "%s%.*e", sign, prec, d);
        else
            snprintf(s, sizeof(s), "%s%.*g", sign, vs.prec >= 0 ? prec : 17, d);
        put_padded(b, s, &vs, true);
    } else if (verb == 's' || verb == 'v' || verb == 'q' || verb == 't') {
        text = verb == 'q' && json_is_string(j) ? json_dumps(j, JSON_ENCODE_ANY) : tpl_val_text(v);
        if (vs.prec >= 0 && strlen(text) > (size_t)vs.prec)
            text[vs.prec] = '\0';
        put_padded(b, text, &vs, false);
    } else {
        text = tpl_val_text(v);
        snprintf(s, sizeof(s), "%%!%c(%s=%.400s)", verb, tpl_type_name(j, v->hint), text);
        tpl_put_str(b, s);
    }
}

static void printf_missing(struct hull_strbuf *b, char verb)
{
    char s[32];

    snprintf(s, sizeof(s), "%%!%c(MISSING)", verb);
    tpl_put_str(b, s);
}

static int fn_printf(struct exec *x, const struct tpl_cmd *cmd, struct val *a, size_t n,
                     struct val *out)
{
    struct hull_strbuf b = {0};
    const char *f;
    size_t arg = 1;

    if (need(x, cmd, n, 1, (size_t)-1) < 0)
        return -1;
    if (!json_is_string(a[0].j))
        return tpl_exec_error(x, cmd, cmd->pos, "printf's format is not a string");
    hull_strbuf_put(&b, "", 0);
    for (f = json_string_value(a[0].j); *f != '\0'; f++) {
        if (*f != '%') {
            hull_strbuf_put(&b, f, 1);
            continue;
        }
        size_t len = 1 + strspn(f + 1, "-+# 0");
        len += strspn(f + len, "0123456789");
        if (f[len] == '.')
            len += 1 + strspn(f + len + 1, "0123456789");
        char verb = f[len];
        if (verb == '\0') {
            tpl_put_str(&b, "%!(NOVERB)");
            break;
        }
        if (verb == '%')
            tpl_put_str(&b, "%");
        else if (arg >= n)
            printf_missing(&b, verb);
        else
            printf_one(&b, f, len, verb, &a[arg++]);
        f += len;
    }
    *out = tpl_val_new(json_stringn(b.p, b.n));
    free(b.p);
    return 0;
}

/* The string an argument of a string function stands for. */
static char *str_arg(const struct val *v)
{
    return tpl_val_text(v);
}

static int fn_case(struct exec *x, const struct tpl_cmd *cmd, struct val *a, size_t n,
                   struct val *out)
{
    char mode = cmd->args[0].name[0];
    char *s;
    bool word_start = true;

    if (need(x, cmd, n, 1, 1) < 0)
        return -1;
    s = str_arg(&a[0]);
    for (char *p = s; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;
        if (mode == 'u' || (mode == 't' && word_start))
            *p = (char)toupper(c);
        else if (mode == 'l')
            *p = (char)tolower(c);
        word_start = !(isalnum(c) || c == '_' || c == '\'' || c >= 0x80);
    }
    *out = tpl_val_new(json_string(s));
    free(s);
    return 0;
}

static int fn_join(struct exec *x, const struct tpl_cmd *cmd, struct val *a, size_t n,
                   struct val *out)
{
    _cleanup_free_ char *sep = NULL;
    struct hull_strbuf b = {0};
    json_t *e;
    size_t i;

    if (need(x, cmd, n, 2, 2) < 0)
        return -1;
    if (!json_is_array(a[0].j) && !json_is_null(a[0].j))
        return tpl_exec_error(x, cmd, cmd->pos, "error calling join: cannot join %s",
                              tpl_type_name(a[0].j, a[0].hint));
    sep = str_arg(&a[1]);
    hull_strbuf_put(&b, "", 0);
    json_array_foreach (a[0].j, i, e) {
        if (i > 0)
            tpl_put_str(&b, sep);
        tpl_put_value(&b, e, NULL);
    }
    *out = tpl_val_new(json_stringn(b.p, b.n));
    free(b.p);
    return 0;
}

static int fn_split(struct exec *x, const struct tpl_cmd *cmd, struct val *a, size_t n,
                    struct val *out)
{
    _cleanup_free_ char *s = NULL, *sep = NULL;
    json_t *parts = json_array();
    const char *p;

    if (need(x, cmd, n, 2, 2) < 0) {
        json_decref(parts);
        return -1;
    }
    s = str_arg(&a[0]);
    sep = str_arg(&a[1]);
    p = s;
    if (sep[0] == '\0') {
        for (; *p != '\0'; p++)
            json_array_append_new(parts, json_stringn(p, 1));
    } else {
        const char *hit;
        while ((hit = strstr(p, sep)) != NULL) {
            json_array_append_new(parts, json_stringn(p, (size_t)(hit - p)));
            p = hit + strlen(sep);
        }
        json_array_append_new(parts, json_string(p));
    }
    *out = tpl_val_new(parts);
    return 0;
}

static int int_arg(struct exec *x, const struct tpl_cmd *cmd, const struct val *v, json_int_t *out)
{
    if (!json_is_integer(v->j) || json_integer_value(v->j) < 0)
        return tpl_exec_error(x, cmd, cmd->pos, "%s wants a count, not %s", cmd->args[0].name,
                              tpl_type_name(v->j, v->hint));
    *out = json_integer_value(v->j);
    return 0;
}

/* Docker's pad: S with BEFORE spaces before it and AFTER after it. */
static int fn_pad(struct exec *x, const struct tpl_cmd *cmd, struct val *a, size_t n,
                  struct val *out)
{
    json_int_t before = 0, after = 0;
    _cleanup_free_ char *s = NULL, *r = NULL;

    if (need(x, cmd, n, 3, 3) < 0 || int_arg(x, cmd, &a[1], &before) < 0 ||
        int_arg(x, cmd, &a[2], &after) < 0)
        return -1;
    if (before > 4096 || after > 4096)
        return tpl_exec_error(x, cmd, cmd->pos, "pad of more than 4096 spaces");
    s = str_arg(&a[0]);
    r = xasprintf("%*s%s%*s", (int)before, "", s, (int)after, "");
    *out = tpl_val_new(json_string(r));
    return 0;
}

/* Docker's truncate: the first N bytes of S. */
static int fn_truncate(struct exec *x, const struct tpl_cmd *cmd, struct val *a, size_t n,
                       struct val *out)
{
    json_int_t len = 0;
    _cleanup_free_ char *s = NULL;

    if (need(x, cmd, n, 2, 2) < 0 || int_arg(x, cmd, &a[1], &len) < 0)
        return -1;
    s = str_arg(&a[0]);
    *out = tpl_val_new(json_stringn(s, strlen(s) < (size_t)len ? strlen(s) : (size_t)len));
    return 0;
}

static const struct {
    const char *name;
    tpl_fn fn;
} funcs[] = {
    {"and", fn_andor},   {"or", fn_andor},          {"not", fn_not},       {"eq", fn_eq},
    {"ne", fn_eq},       {"lt", fn_order},          {"le", fn_order},      {"gt", fn_order},
    {"ge", fn_order},    {"len", fn_len},           {"index", fn_index},   {"json", fn_json},
    {"print", fn_print}, {"println", fn_print},     {"printf", fn_printf}, {"upper", fn_case},
    {"lower", fn_case},  {"title", fn_case},        {"join", fn_join},     {"split", fn_split},
    {"pad", fn_pad},     {"truncate", fn_truncate},
};

bool tpl_func_known(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(funcs); i++)
        if (strcmp(funcs[i].name, name) == 0)
            return true;
    return false;
}

tpl_fn tpl_func_find(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(funcs); i++)
        if (strcmp(funcs[i].name, name) == 0)
            return funcs[i].fn;
    return NULL;
}
