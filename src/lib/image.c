#include "image.h"
#include "digest.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#define REF_NAME_MAX 255
#define REF_TAG_MAX  128

/* Docker Hub's implicit spellings, removed so "busybox" and
 * "docker.io/library/busybox" are one name. */
static const char *const hub_domains[] = {"docker.io", "index.docker.io"};
#define HUB_LIBRARY "library/"

static bool is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* A path component: [a-z0-9]+ joined by ".", "_", "__" or runs of "-". */
static bool path_component_ok(const char *s, size_t len)
{
    size_t i = 0;

    while (i < len) {
        if (!is_lower_alnum(s[i]))
            return false;
        while (i < len && is_lower_alnum(s[i]))
            i++;
        if (i == len)
            return true;
        if (s[i] == '.' || (s[i] == '_' && (i + 1 >= len || s[i + 1] != '_')))
            i++;
        else if (s[i] == '_')
            i += 2;
        else if (s[i] == '-')
            while (i < len && s[i] == '-')
                i++;
        else
            return false;
        if (i == len)
            return false;
    }
    return len > 0;
}

/* A registry host: dot-separated labels of letters, digits and inner
 * dashes, then an optional ":port". */
static bool domain_ok(const char *s, size_t len)
{
    const char *colon = memchr(s, ':', len);
    size_t host_len = colon ? (size_t)(colon - s) : len;
    size_t label = 0;

    if (host_len == 0)
        return false;
    for (size_t i = 0; i <= host_len; i++) {
        if (i == host_len || s[i] == '.') {
            if (label == 0 || s[i - 1] == '-')
                return false;
            label = 0;
            continue;
        }
        if (!isalnum((unsigned char)s[i]) && !(s[i] == '-' && label > 0))
            return false;
        label++;
    }
    if (colon == NULL)
        return true;
    if (host_len + 1 == len)
        return false;
    for (size_t i = host_len + 1; i < len; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
    }
    return true;
}

static bool tag_ok(const char *t)
{
    size_t n = strlen(t);

    if (n == 0 || n > REF_TAG_MAX || !(isalnum((unsigned char)t[0]) || t[0] == '_'))
        return false;
    for (size_t i = 1; i < n; i++) {
        if (!(isalnum((unsigned char)t[i]) || t[i] == '_' || t[i] == '.' || t[i] == '-'))
            return false;
    }
    return true;
}

static bool has_upper(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (isupper((unsigned char)s[i]))
            return true;
    }
    return false;
}

/* Checks NAME (no tag, no digest) and returns its familiar form. */
static int parse_name(const char *ref, const char *name, char **out, hull_error **err)
{
    const char *slash = strchr(name, '/');
    const char *path = name;
    size_t dlen = slash ? (size_t)(slash - name) : 0;

    if (slash != NULL && (memchr(name, '.', dlen) || memchr(name, ':', dlen) ||
                          (dlen == 9 && strncmp(name, "localhost", 9) == 0))) {
        if (!domain_ok(name, dlen))
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 "invalid reference format: \"%s\": invalid registry \"%.*s\"", ref,
                                 (int)dlen, name);
        path = slash + 1;
    }
    for (const char *p = path;; p++) {
        const char *end = strchrnul(p, '/');
        if (has_upper(p, (size_t)(end - p)))
            return hull_err_kind(
                err, HULL_ERR_BAD_INPUT, 0,
                "invalid reference format: \"%s\": repository name must be lowercase", ref);
        if (!path_component_ok(p, (size_t)(end - p)))
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 "invalid reference format: \"%s\": invalid repository name", ref);
        if (*end == '\0')
            break;
        p = end;
    }
    if (strlen(name) > REF_NAME_MAX)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "invalid reference format: \"%s\": name longer than %d characters",
                             ref, REF_NAME_MAX);
    if (hull_digest_is_hex(path))
        return hull_err_kind(
            err, HULL_ERR_BAD_INPUT, 0,
            "invalid reference format: \"%s\": a repository name cannot be 64 hex digits", ref);
    /* no registry means Docker Hub, where "library/" is implied too */
    if (path == name && str_has_prefix(name, HUB_LIBRARY) &&
        !strchr(name + strlen(HUB_LIBRARY), '/')) {
        *out = xstrdup(name + strlen(HUB_LIBRARY));
        return 0;
    }
    for (size_t i = 0; path != name && i < ARRAY_SIZE(hub_domains); i++) {
        if (dlen == strlen(hub_domains[i]) && strncmp(name, hub_domains[i], dlen) == 0) {
            if (str_has_prefix(path, HUB_LIBRARY) && !strchr(path + strlen(HUB_LIBRARY), '/'))
                path += strlen(HUB_LIBRARY);
            *out = xstrdup(path);
            return 0;
        }
    }
    *out = xstrdup(name);
    return 0;
}

int hull_ref_parse(const char *s, struct hull_ref *out, hull_error **err)
{
    _cleanup_free_ char *copy = xstrdup(s);
    char *at = strchr(copy, '@');
    char *slash, *colon;
    struct hull_ref r = {0};

    if (*s == '\0')
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "invalid reference format: \"\": empty name");
    if (at != NULL) {
        *at = '\0';
        if (hull_digest_validate(at + 1, err) < 0)
            return hull_err_wrap(err, "invalid reference format: \"%s\"", s);
        r.digest = xstrdup(at + 1);
    }
    slash = strrchr(copy, '/');
    colon = strrchr(slash ? slash : copy, ':');
    if (colon != NULL) {
        *colon = '\0';
        if (!tag_ok(colon + 1)) {
            hull_ref_clear(&r);
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 "invalid reference format: \"%s\": invalid tag \"%s\"", s,
                                 colon + 1);
        }
        r.tag = xstrdup(colon + 1);
    }
    if (parse_name(s, copy, &r.name, err) < 0) {
        hull_ref_clear(&r);
        return -1;
    }
    if (r.tag == NULL && r.digest == NULL)
        r.tag = xstrdup(HULL_DEFAULT_TAG);
    *out = r;
    return 0;
}

void hull_ref_clear(struct hull_ref *r)
{
    free(r->name);
    free(r->tag);
    free(r->digest);
    r->name = r->tag = r->digest = NULL;
}

char *hull_ref_format(const struct hull_ref *r)
{
    return xasprintf("%s%s%s%s%s", r->name, r->tag ? ":" : "", r->tag ? r->tag : "",
                     r->digest ? "@" : "", r->digest ? r->digest : "");
}

const char *hull_image_host_arch(void)
{
#if defined(__x86_64__)
    return "amd64";
#elif defined(__aarch64__)
    return "arm64";
#elif defined(__i386__)
    return "386";
#elif defined(__arm__)
    return "arm";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return "ppc64le";
#elif defined(__s390x__)
    return "s390x";
#elif defined(__riscv) && __riscv_xlen == 64
    return "riscv64";
#else
    return NULL;
#endif
}

int hull_image_config_new(const char *created, json_t **out, hull_error **err)
{
    const char *arch = hull_image_host_arch();

    if (arch == NULL)
        return hull_err(err, 0, "image config: this CPU architecture is not supported");
    *out = json_pack("{s:s, s:s, s:s, s:{s:[s]}, s:{s:s, s:[]}, s:[]}", "created", created,
                     "architecture", arch, "os", "linux", "config", "Env", HULL_DEFAULT_PATH,
                     "rootfs", "type", "layers", "diff_ids", "history");
    if (*out == NULL)
        abort();
    return 0;
}

int hull_image_config_add_layer(json_t *cfg, const char *diff_id, const char *created,
                                const char *created_by, const char *comment, hull_error **err)
{
    json_t *ids = json_object_get(json_object_get(cfg, "rootfs"), "diff_ids");
    json_t *history = json_object_get(cfg, "history");
    json_t *h;

    if (hull_digest_validate(diff_id, err) < 0)
        return hull_err_wrap(err, "image config: layer");
    if (!json_is_array(ids) || !json_is_array(history))
        return hull_err(err, 0, "image config: rootfs.diff_ids or history is missing");
    json_array_append_new(ids, json_string(diff_id));
    h = json_pack("{s:s}", "created", created);
    if (created_by != NULL)
        json_object_set_new(h, "created_by", json_string(created_by));
    if (comment != NULL)
        json_object_set_new(h, "comment", json_string(comment));
    json_array_append_new(history, h);
    return 0;
}

char *hull_image_config_dump(const json_t *cfg)
{
    char *s = json_dumps(cfg, JSON_COMPACT | JSON_SORT_KEYS);
    if (s == NULL)
        abort();
    return s;
}

static int check_string_array(const json_t *v, const char *field, bool null_ok, hull_error **err)
{
    size_t i;
    json_t *x;

    if (json_is_null(v) && null_ok)
        return 0;
    if (!json_is_array(v))
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "%s: expected an array of strings", field);
    json_array_foreach (v, i, x) {
        if (!json_is_string(x))
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "%s[%zu]: expected a string", field,
                                 i);
    }
    return 0;
}

/* Types of the config.* fields hull reads; others are carried as-is. */
static int check_run_config(const json_t *c, hull_error **err)
{
    static const char *const arrays[] = {"Entrypoint", "Cmd", "Env"};
    static const char *const strings[] = {"WorkingDir", "User", "StopSignal"};
    static const char *const objects[] = {"ExposedPorts", "Volumes", "Labels"};
    const char *key;
    json_t *v;

    if (json_is_null(c))
        return 0;
    if (!json_is_object(c))
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "config: expected an object");
    for (size_t i = 0; i < ARRAY_SIZE(arrays); i++) {
        _cleanup_free_ char *field = xasprintf("config.%s", arrays[i]);
        if ((v = json_object_get(c, arrays[i])) != NULL &&
            check_string_array(v, field, true, err) < 0)
            return -1;
    }
    for (size_t i = 0; i < ARRAY_SIZE(strings); i++) {
        v = json_object_get(c, strings[i]);
        if (v != NULL && !json_is_string(v) && !json_is_null(v))
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "config.%s: expected a string",
                                 strings[i]);
    }
    for (size_t i = 0; i < ARRAY_SIZE(objects); i++) {
        v = json_object_get(c, objects[i]);
        if (v != NULL && !json_is_object(v) && !json_is_null(v))
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "config.%s: expected an object",
                                 objects[i]);
    }
    json_object_foreach (json_object_get(c, "Labels"), key, v) {
        if (!json_is_string(v))
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "config.Labels.%s: expected a string",
                                 key);
    }
    return 0;
}

static int check_config(const json_t *cfg, hull_error **err)
{
    const json_t *rootfs = json_object_get(cfg, "rootfs");
    const json_t *ids = json_object_get(rootfs, "diff_ids");
    const char *os = json_string_value(json_object_get(cfg, "os"));
    size_t i;
    json_t *x;

    if (!json_is_object(cfg))
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "expected a JSON object");
    if (os == NULL)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "os: expected a string");
    if (strcmp(os, "linux") != 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "os \"%s\" is not supported", os);
    if (!json_is_string(json_object_get(cfg, "architecture")))
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "architecture: expected a string");
    if (!json_is_object(rootfs) ||
        strcmp(json_string_value(json_object_get(rootfs, "type")) ?: "", "layers") != 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "rootfs.type: expected \"layers\"");
    if (check_string_array(ids, "rootfs.diff_ids", false, err) < 0)
        return -1;
    json_array_foreach (ids, i, x) {
        if (hull_digest_validate(json_string_value(x), err) < 0)
            return hull_err_wrap(err, "rootfs.diff_ids[%zu]", i);
    }
    return check_run_config(json_object_get(cfg, "config"), err);
}

int hull_image_config_parse(const char *data, size_t len, json_t **out, hull_error **err)
{
    json_error_t jerr;
    json_t *cfg = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);

    if (cfg == NULL)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "image config:%d: %s", jerr.line,
                             jerr.text);
    if (check_config(cfg, err) < 0) {
        json_decref(cfg);
        return hull_err_wrap(err, "image config");
    }
    *out = cfg;
    return 0;
}

static json_t *run_config_get(const json_t *cfg, const char *key)
{
    return json_object_get(json_object_get(cfg, "config"), key);
}

static char **strv_from_array(const json_t *v)
{
    char **out;
    size_t i;
    json_t *x;

    if (!json_is_array(v))
        return NULL;
    out = xmalloc0((json_array_size(v) + 1) * sizeof(char *));
    json_array_foreach (v, i, x)
        out[i] = xstrdup(json_string_value(x) ?: "");
    return out;
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **strv_from_keys(const json_t *v)
{
    char **out = NULL;
    const char *key;
    json_t *x;

    if (!json_is_object(v) || json_object_size(v) == 0)
        return NULL;
    json_object_foreach ((json_t *)v, key, x)
        strv_append(&out, key);
    qsort(out, strv_len(out), sizeof(char *), str_cmp);
    return out;
}

static const char *nonempty_string(const json_t *v)
{
    const char *s = json_string_value(v);
    return s != NULL && *s != '\0' ? s : NULL;
}

char **hull_image_config_entrypoint(const json_t *cfg)
{
    return strv_from_array(run_config_get(cfg, "Entrypoint"));
}

char **hull_image_config_cmd(const json_t *cfg)
{
    return strv_from_array(run_config_get(cfg, "Cmd"));
}

char **hull_image_config_env(const json_t *cfg)
{
    return strv_from_array(run_config_get(cfg, "Env"));
}

const char *hull_image_config_working_dir(const json_t *cfg)
{
    return nonempty_string(run_config_get(cfg, "WorkingDir"));
}

const char *hull_image_config_user(const json_t *cfg)
{
    return nonempty_string(run_config_get(cfg, "User"));
}

const char *hull_image_config_stop_signal(const json_t *cfg)
{
    return nonempty_string(run_config_get(cfg, "StopSignal"));
}

char **hull_image_config_exposed_ports(const json_t *cfg)
{
    return strv_from_keys(run_config_get(cfg, "ExposedPorts"));
}

char **hull_image_config_volumes(const json_t *cfg)
{
    return strv_from_keys(run_config_get(cfg, "Volumes"));
}

json_t *hull_image_config_labels(const json_t *cfg)
{
    json_t *v = run_config_get(cfg, "Labels");
    return json_is_object(v) && json_object_size(v) > 0 ? v : NULL;
}

char **hull_image_config_diff_ids(const json_t *cfg)
{
    return strv_from_array(json_object_get(json_object_get(cfg, "rootfs"), "diff_ids"));
}
