/* Docker's --change instructions (a Dockerfile subset) applied to an image
 * config: the argument syntax is a Dockerfile's, quotes, backslash escapes
 * and variable expansion included. */
#include "image.h"
#include "paths.h"
#include "signals.h"
#include "util.h"

#include <ctype.h>
#include <string.h>

#define SHELL_PATH "/bin/sh"
#define PORT_MAX   65535

struct change {
    json_t *cfg;
    json_t *rc; /* cfg's "config" object */
    bool cmd_set;
};

static json_t *json_string_take(char *s)
{
    json_t *v = json_string(s);
    free(s);
    return v;
}

static void sb_putc(struct hull_strbuf *b, char c)
{
    hull_strbuf_put(b, &c, 1);
}

static const char *env_lookup(const json_t *rc, const char *name, size_t len)
{
    const json_t *env = json_object_get(rc, "Env");
    const char *found = NULL;
    size_t i;
    json_t *x;

    json_array_foreach (env, i, x) {
        const char *kv = json_string_value(x);
        if (kv != NULL && strncmp(kv, name, len) == 0 && kv[len] == '=')
            found = kv + len + 1; /* the last definition wins */
    }
    return found;
}

static int process(struct change *c, const char *s, bool split, char ***out, hull_error **err);

static size_t name_len(const char *s)
{
    size_t n = 0;

    if (isdigit((unsigned char)*s))
        return 0;
    while (isalnum((unsigned char)s[n]) || s[n] == '_')
        n++;
    return n;
}

/* "${NAME}", "${NAME:-word}" (word when NAME is unset or empty) and
 * "${NAME:+word}" (word when it is set) at S; NLEN is NAME's length. */
static int expand_braced(struct change *c, const char *s, size_t nlen, struct hull_strbuf *b,
                         size_t *used, hull_error **err)
{
    const char *name = s + 2, *op = name + nlen, *end;
    const char *val = env_lookup(c->rc, name, nlen);
    int depth = 1;

    if (*op == '}') {
        hull_strbuf_put(b, val ?: "", strlen(val ?: ""));
        *used = (size_t)(op + 1 - s);
        return 0;
    }
    if (*op == '\0' || (op[0] == ':' && op[1] == '\0'))
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "missing \"}\" after \"%s\"", s);
    if (op[0] != ':' || (op[1] != '-' && op[1] != '+'))
        return hull_err_kind(
            err, HULL_ERR_BAD_INPUT, 0,
            "variable \"%.*s\": only ${NAME}, ${NAME:-word} and ${NAME:+word} are supported",
            (int)nlen, name);
    for (end = op + 2; *end != '\0'; end++) {
        depth += (*end == '{') - (*end == '}');
        if (depth == 0)
            break;
    }
    if (*end == '\0')
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "missing \"}\" after \"%s\"", s);
    bool set = val != NULL && *val != '\0';
    if (op[1] == '-' && set) {
        hull_strbuf_put(b, val, strlen(val));
    } else if (op[1] == '-' || set) {
        _cleanup_free_ char *w = xstrndup(op + 2, (size_t)(end - op - 2));
        _cleanup_strv_ char **words = NULL;
        if (process(c, w, false, &words, err) < 0)
            return -1;
        hull_strbuf_put(b, words[0], strlen(words[0]));
    }
    *used = (size_t)(end + 1 - s);
    return 0;
}

/* Expands the variable at S ("$NAME" or a braced form) into B and sets
 * *used to the characters it took; a "$" that starts no name is literal. */
static int expand_var(struct change *c, const char *s, struct hull_strbuf *b, size_t *used,
                      hull_error **err)
{
    bool braced = s[1] == '{';
    size_t nlen = name_len(s + 1 + braced);
    const char *val;

    if (nlen == 0) {
        sb_putc(b, '$');
        *used = 1;
        return 0;
    }
    if (braced)
        return expand_braced(c, s, nlen, b, used, err);
    val = env_lookup(c->rc, s + 1, nlen);
    hull_strbuf_put(b, val ?: "", strlen(val ?: ""));
    *used = 1 + nlen;
    return 0;
}

static void sb_reset(struct hull_strbuf *b)
{
    b->n = 0;
    if (b->p != NULL)
        b->p[0] = '\0';
}

/* Turns a Dockerfile argument string into words: quotes removed,
 * backslash escapes applied, variables expanded (not inside single
 * quotes).  When SPLIT is false the whole string is one word. */
static int process(struct change *c, const char *s, bool split, char ***out, hull_error **err)
{
    struct hull_strbuf b = {0};
    _cleanup_strv_ char **words = NULL;
    bool in_word = false, dquote = false;
    const char *p = s;
    int ret = 0;

    while (*p != '\0' && ret == 0) {
        size_t used = 1;
        if (!dquote && split && isspace((unsigned char)*p)) {
            if (in_word)
                strv_append(&words, b.p ? b.p : "");
            sb_reset(&b);
            in_word = false;
            p++;
            continue;
        }
        in_word = true;
        if (*p == '\\' && p[1] != '\0' && (!dquote || strchr("\"\\$", p[1]) != NULL)) {
            sb_putc(&b, p[1]);
            used = 2;
        } else if (*p == '\'' && !dquote) {
            const char *end = strchr(p + 1, '\'');
            if (end == NULL)
                ret = hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "unterminated quote");
            else
                hull_strbuf_put(&b, p + 1, (size_t)(end - p - 1));
            used = end ? (size_t)(end - p + 1) : 1;
        } else if (*p == '"') {
            dquote = !dquote;
        } else if (*p == '$') {
            ret = expand_var(c, p, &b, &used, err);
        } else {
            sb_putc(&b, *p);
        }
        p += used;
    }
    if (ret == 0 && dquote)
        ret = hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "unterminated quote");
    if (ret == 0 && (in_word || !split))
        strv_append(&words, b.p ? b.p : "");
    free(b.p);
    if (ret < 0)
        return -1;
    if (words == NULL)
        words = xmalloc0(sizeof(char *));
    *out = take_ptr(words);
    return 0;
}

/* Processes ARGS and requires exactly one word. */
static int one_word(struct change *c, const char *args, const char *what, char **out,
                    hull_error **err)
{
    _cleanup_strv_ char **words = NULL;

    if (process(c, args, true, &words, err) < 0)
        return -1;
    if (strv_len(words) != 1)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "%s takes exactly one argument", what);
    *out = xstrdup(words[0]);
    return 0;
}

/* A JSON array of strings, or NULL: Docker treats anything else that
 * starts with "[" as the shell form. */
static json_t *json_string_array(const char *args)
{
    json_t *v, *x;
    size_t i;

    if (args[0] != '[')
        return NULL;
    v = json_loads(args, 0, NULL);
    if (!json_is_array(v))
        goto bad;
    json_array_foreach (v, i, x) {
        if (!json_is_string(x))
            goto bad;
    }
    return v;
bad:
    json_decref(v);
    return NULL;
}

static json_t *exec_or_shell(const char *args)
{
    json_t *v = json_string_array(args);
    return v != NULL ? v : json_pack("[s,s,s]", SHELL_PATH, "-c", args);
}

static int ch_cmd(struct change *c, const char *args, hull_error **err)
{
    json_object_set_new(c->rc, "Cmd", exec_or_shell(args));
    c->cmd_set = true;
    return 0;
}

static int ch_entrypoint(struct change *c, const char *args, hull_error **err)
{
    json_object_set_new(c->rc, "Entrypoint", exec_or_shell(args));
    /* as in a Dockerfile: a new entrypoint drops the Cmd it did not set */
    if (!c->cmd_set)
        json_object_set_new(c->rc, "Cmd", json_null());
    return 0;
}

/* ENV and LABEL arguments: "K=V K2=V2", or the legacy "K V..." where the
 * value is the rest of the line.  Returns keys and values alternating. */
static int parse_pairs(struct change *c, const char *args, char ***out, hull_error **err)
{
    size_t first = strcspn(args, " \t");
    _cleanup_strv_ char **words = NULL;
    _cleanup_strv_ char **pairs = NULL;

    if (memchr(args, '=', first) == NULL) {
        _cleanup_free_ char *key_raw = xstrndup(args, first);
        _cleanup_free_ char *key = NULL;
        const char *rest = args + first + strspn(args + first, " \t");
        if (*rest == '\0')
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "expected KEY=VALUE or KEY VALUE");
        if (one_word(c, key_raw, "the key", &key, err) < 0 ||
            process(c, rest, false, &words, err) < 0)
            return -1;
        strv_append(&pairs, key);
        strv_append(&pairs, words[0]);
        *out = take_ptr(pairs);
        return 0;
    }
    if (process(c, args, true, &words, err) < 0)
        return -1;
    for (size_t i = 0; words[i] != NULL; i++) {
        char *eq = strchr(words[i], '=');
        if (eq == NULL || eq == words[i])
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "\"%s\": expected KEY=VALUE",
                                 words[i]);
        *eq = '\0';
        strv_append(&pairs, words[i]);
        strv_append(&pairs, eq + 1);
    }
    *out = take_ptr(pairs);
    return 0;
}

static void env_set(json_t *rc, const char *key, const char *value)
{
    json_t *env = json_object_get(rc, "Env");
    json_t *kv = json_string_take(xasprintf("%s=%s", key, value));
    size_t i, klen = strlen(key);
    json_t *x;

    if (!json_is_array(env)) {
        env = json_array();
        json_object_set_new(rc, "Env", env);
    }
    json_array_foreach (env, i, x) {
        const char *s = json_string_value(x);
        if (s != NULL && strncmp(s, key, klen) == 0 && s[klen] == '=') {
            json_array_set_new(env, i, kv);
            return;
        }
    }
    json_array_append_new(env, kv);
}

static int ch_env(struct change *c, const char *args, hull_error **err)
{
    _cleanup_strv_ char **pairs = NULL;

    if (parse_pairs(c, args, &pairs, err) < 0)
        return -1;
    for (size_t i = 0; pairs[i] != NULL; i += 2)
        env_set(c->rc, pairs[i], pairs[i + 1]);
    return 0;
}

/* The object at config.KEY, created when absent or null. */
static json_t *rc_object(struct change *c, const char *key)
{
    json_t *o = json_object_get(c->rc, key);

    if (!json_is_object(o)) {
        o = json_object();
        json_object_set_new(c->rc, key, o);
    }
    return o;
}

static int ch_label(struct change *c, const char *args, hull_error **err)
{
    _cleanup_strv_ char **pairs = NULL;
    json_t *labels;

    if (parse_pairs(c, args, &pairs, err) < 0)
        return -1;
    labels = rc_object(c, "Labels");
    for (size_t i = 0; pairs[i] != NULL; i += 2)
        json_object_set_new(labels, pairs[i], json_string(pairs[i + 1]));
    return 0;
}

static int parse_port(const char *s, size_t len, unsigned *out)
{
    unsigned v = 0;

    if (len == 0 || len > 5)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v == 0 || v > PORT_MAX)
        return -1;
    *out = v;
    return 0;
}

/* "80", "80/udp", "8000-8010/tcp": every port of a range is exposed. */
static int expose_one(json_t *ports, const char *w, hull_error **err)
{
    static const char *const protos[] = {"tcp", "udp", "sctp"};
    const char *slash = strchr(w, '/');
    const char *proto = NULL;
    size_t plen = slash ? (size_t)(slash - w) : strlen(w);
    const char *dash = memchr(w, '-', plen);
    unsigned lo, hi;

    for (size_t i = 0; i < ARRAY_SIZE(protos); i++) {
        if (slash == NULL || strcasecmp(slash + 1, protos[i]) == 0)
            proto = protos[i];
        if (proto != NULL)
            break;
    }
    if (proto == NULL)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "port \"%s\": protocol \"%s\" is not supported", w, slash + 1);
    if (parse_port(w, dash ? (size_t)(dash - w) : plen, &lo) < 0 ||
        (dash && parse_port(dash + 1, plen - (size_t)(dash + 1 - w), &hi) < 0))
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "invalid port \"%s\"", w);
    if (dash == NULL)
        hi = lo;
    if (hi < lo)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "invalid port range \"%s\"", w);
    for (unsigned p = lo; p <= hi; p++) {
        char key[32];
        snprintf(key, sizeof(key), "%u/%s", p, proto);
        json_object_set_new(ports, key, json_object());
    }
    return 0;
}

static int ch_expose(struct change *c, const char *args, hull_error **err)
{
    _cleanup_strv_ char **words = NULL;
    json_t *ports;

    if (process(c, args, true, &words, err) < 0)
        return -1;
    ports = rc_object(c, "ExposedPorts");
    for (size_t i = 0; words[i] != NULL; i++) {
        if (expose_one(ports, words[i], err) < 0)
            return -1;
    }
    return 0;
}

static int ch_volume(struct change *c, const char *args, hull_error **err)
{
    json_t *arr = json_string_array(args);
    _cleanup_strv_ char **words = NULL;
    json_t *vols, *x;
    size_t i;

    if (arr == NULL && process(c, args, true, &words, err) < 0)
        return -1;
    json_array_foreach (arr, i, x) {
        _cleanup_strv_ char **one = NULL;
        if (process(c, json_string_value(x), false, &one, err) < 0) {
            json_decref(arr);
            return -1;
        }
        strv_append(&words, one[0]);
    }
    json_decref(arr);
    if (strv_len(words) == 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "VOLUME requires a path");
    vols = rc_object(c, "Volumes");
    for (i = 0; words[i] != NULL; i++) {
        if (words[i][0] == '\0')
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "VOLUME: empty path");
        json_object_set_new(vols, words[i], json_object());
    }
    return 0;
}

/* A relative WORKDIR continues from the previous one, as in a Dockerfile. */
static int ch_workdir(struct change *c, const char *args, hull_error **err)
{
    _cleanup_strv_ char **words = NULL;
    _cleanup_free_ char *joined = NULL;
    const char *base;

    if (process(c, args, false, &words, err) < 0)
        return -1;
    if (words[0][0] == '\0')
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "WORKDIR requires a path");
    base = json_string_value(json_object_get(c->rc, "WorkingDir"));
    if (base == NULL || *base == '\0')
        base = "/";
    joined = words[0][0] == '/' ? xstrdup(words[0]) : hull_path_join(base, words[0]);
    json_object_set_new(c->rc, "WorkingDir", json_string_take(hull_path_clean(joined)));
    return 0;
}

static int ch_user(struct change *c, const char *args, hull_error **err)
{
    _cleanup_free_ char *user = NULL;

    if (one_word(c, args, "USER", &user, err) < 0)
        return -1;
    json_object_set_new(c->rc, "User", json_string(user));
    return 0;
}

static int ch_stopsignal(struct change *c, const char *args, hull_error **err)
{
    _cleanup_free_ char *sig = NULL;

    if (one_word(c, args, "STOPSIGNAL", &sig, err) < 0 || hull_signal_parse(sig, err) < 0)
        return -1;
    json_object_set_new(c->rc, "StopSignal", json_string(sig));
    return 0;
}

static const struct {
    const char *name;
    int (*apply)(struct change *c, const char *args, hull_error **err);
} instructions[] = {
    {"CMD", ch_cmd},       {"ENTRYPOINT", ch_entrypoint}, {"ENV", ch_env},
    {"EXPOSE", ch_expose}, {"LABEL", ch_label},           {"STOPSIGNAL", ch_stopsignal},
    {"USER", ch_user},     {"VOLUME", ch_volume},         {"WORKDIR", ch_workdir},
};

/* Dockerfile instructions that make no sense for an import or are not
 * implemented: named so the error says "not supported", not "unknown". */
static const char *const unsupported[] = {"ADD",        "ARG",     "COPY", "FROM", "HEALTHCHECK",
                                          "MAINTAINER", "ONBUILD", "RUN",  "SHELL"};

static int apply_one(struct change *c, const char *change, hull_error **err)
{
    const char *p = change + strspn(change, " \t");
    size_t kw = strcspn(p, " \t");
    _cleanup_free_ char *args = xstrdup(p + kw + strspn(p + kw, " \t"));
    size_t n = strlen(args);
    json_t *utf8 = json_string(change);

    /* every piece cut from a valid change is valid UTF-8 as well: the
     * parser only splits at ASCII characters */
    if (utf8 == NULL)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "not valid UTF-8");
    json_decref(utf8);
    while (n > 0 && isspace((unsigned char)args[n - 1]))
        args[--n] = '\0';
    for (size_t i = 0; i < ARRAY_SIZE(instructions); i++) {
        if (strlen(instructions[i].name) != kw || strncasecmp(p, instructions[i].name, kw) != 0)
            continue;
        if (n == 0)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "%s requires an argument",
                                 instructions[i].name);
        return instructions[i].apply(c, args, err);
    }
    for (size_t i = 0; i < ARRAY_SIZE(unsupported); i++) {
        if (strlen(unsupported[i]) == kw && strncasecmp(p, unsupported[i], kw) == 0)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 "instruction \"%.*s\" is not supported", (int)kw, p);
    }
    return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "unknown instruction \"%.*s\"", (int)kw, p);
}

int hull_image_config_apply_changes(json_t *cfg, char *const *changes, hull_error **err)
{
    struct change c = {.cfg = cfg, .rc = json_object_get(cfg, "config")};

    if (!json_is_object(c.rc)) {
        c.rc = json_object();
        json_object_set_new(cfg, "config", c.rc);
    }
    for (size_t i = 0; changes != NULL && changes[i] != NULL; i++) {
        if (apply_one(&c, changes[i], err) < 0)
            return hull_err_wrap(err, "--change \"%s\"", changes[i]);
    }
    return 0;
}
