/* config.json: the document, root, mounts, hooks and annotations.  The
 * process and linux sections live in spec_process.c, spec_linux.c and
 * spec_resources.c; the typed walk and the line locator in spec_json.c. */
#include "spec.h"
#include "paths.h"
#include "spec_internal.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x80
#endif

/* A config larger than this is not a config. */
#define SPEC_MAX_SIZE (16u << 20)

static const char *const ns_names[HULL_NS_COUNT] = {
    [HULL_NS_PID] = "pid",       [HULL_NS_NETWORK] = "network", [HULL_NS_MOUNT] = "mount",
    [HULL_NS_IPC] = "ipc",       [HULL_NS_UTS] = "uts",         [HULL_NS_USER] = "user",
    [HULL_NS_CGROUP] = "cgroup", [HULL_NS_TIME] = "time",
};

const char *hull_ns_type_name(enum hull_ns_type t)
{
    return (unsigned)t < HULL_NS_COUNT ? ns_names[t] : NULL;
}

int hull_ns_clone_flag(enum hull_ns_type t)
{
    static const int flags[HULL_NS_COUNT] = {
        [HULL_NS_PID] = CLONE_NEWPID,       [HULL_NS_NETWORK] = CLONE_NEWNET,
        [HULL_NS_MOUNT] = CLONE_NEWNS,      [HULL_NS_IPC] = CLONE_NEWIPC,
        [HULL_NS_UTS] = CLONE_NEWUTS,       [HULL_NS_USER] = CLONE_NEWUSER,
        [HULL_NS_CGROUP] = CLONE_NEWCGROUP, [HULL_NS_TIME] = CLONE_NEWTIME,
    };
    return (unsigned)t < HULL_NS_COUNT ? flags[t] : 0;
}

const char *hull_env_get(char *const *env, const char *key)
{
    size_t len = strlen(key);

    for (size_t i = 0; env != NULL && env[i] != NULL; i++)
        if (strncmp(env[i], key, len) == 0 && env[i][len] == '=')
            return env[i] + len + 1;
    return NULL;
}

/* Only major version 1 is understood; minor and patch levels are
 * compatible within it (runtime-spec's semantic versioning). */
static int check_version(struct spec_ctx *c, json_t *root, struct hull_spec *spec, hull_error **err)
{
    if (spec_get_string(c, root, "ociVersion", SPEC_REQUIRED, &spec->oci_version, err) < 0)
        return -1;
    const char *v = spec->oci_version;
    if (v[0] == '1' && v[1] == '.' && v[2] >= '0' && v[2] <= '9')
        return 0;
    spec_push_key(c, "ociVersion");
    return spec_fail(c, err, "unsupported version \"%s\" (this runtime supports 1.x)", v);
}

/* PATH made absolute against BUNDLE (itself made absolute against the
 * working directory), cleaned lexically. */
static char *absolute_path(const char *path, const char *bundle)
{
    if (path[0] == '/' || bundle == NULL)
        return hull_path_clean(path);
    _cleanup_free_ char *base = NULL;
    if (bundle[0] == '/') {
        base = xstrdup(bundle);
    } else {
        char cwd[PATH_MAX];
        base = getcwd(cwd, sizeof(cwd)) ? hull_path_join(cwd, bundle) : xstrdup(bundle);
    }
    _cleanup_free_ char *joined = hull_path_join(base, path);
    return hull_path_clean(joined);
}

static int parse_root(struct spec_ctx *c, json_t *doc, const char *bundle, struct hull_spec *spec,
                      hull_error **err)
{
    json_t *root;
    _cleanup_free_ char *path = NULL;

    if (spec_get_object(c, doc, "root", SPEC_REQUIRED, &root, err) < 0)
        return -1;
    spec_push_key(c, "root");
    if (spec_get_string(c, root, "path", SPEC_REQUIRED | SPEC_NONEMPTY, &path, err) < 0 ||
        spec_get_bool(c, root, "readonly", 0, &spec->root_readonly, err) < 0)
        return -1;
    spec_pop(c);
    spec->root_path = absolute_path(path, bundle);
    return 0;
}

static bool is_bind_mount(const struct hull_mount *m)
{
    for (size_t i = 0; m->options != NULL && m->options[i] != NULL; i++)
        if (strcmp(m->options[i], "bind") == 0 || strcmp(m->options[i], "rbind") == 0)
            return true;
    return false;
}

/* A relative bind source is relative to the bundle (config.md), like
 * root.path: both are made absolute so the runtime's own working directory
 * never matters. */
static int parse_mount(struct spec_ctx *c, json_t *m, const char *bundle, struct hull_mount *out,
                       hull_error **err)
{
    if (spec_expect(c, m, JSON_OBJECT, err) < 0)
        return -1;
    if (spec_get_string(c, m, "destination", SPEC_REQUIRED | SPEC_ABSOLUTE, &out->destination,
                        err) < 0 ||
        spec_get_string(c, m, "type", 0, &out->type, err) < 0 ||
        spec_get_string(c, m, "source", 0, &out->source, err) < 0 ||
        spec_get_strv(c, m, "options", 0, &out->options, err) < 0)
        return -1;
    if (out->source != NULL && out->source[0] != '/' && bundle != NULL && is_bind_mount(out)) {
        char *abs = absolute_path(out->source, bundle);
        free(out->source);
        out->source = abs;
    }
    if (spec_parse_idmaps(c, m, "uidMappings", &out->uid_mappings, &out->n_uid_mappings, err) < 0)
        return -1;
    return spec_parse_idmaps(c, m, "gidMappings", &out->gid_mappings, &out->n_gid_mappings, err);
}

static int parse_mounts(struct spec_ctx *c, json_t *doc, const char *bundle, struct hull_spec *spec,
                        hull_error **err)
{
    json_t *arr, *item;
    size_t i;
    int r = spec_get_array(c, doc, "mounts", 0, &arr, err);

    if (r <= 0)
        return r;
    spec->mounts = xmalloc0(json_array_size(arr) * sizeof(*spec->mounts));
    spec_push_key(c, "mounts");
    json_array_foreach (arr, i, item) {
        spec->n_mounts = i + 1;
        spec_push_index(c, i);
        if (parse_mount(c, item, bundle, &spec->mounts[i], err) < 0)
            return -1;
        spec_pop(c);
    }
    spec_pop(c);
    return 0;
}

static int parse_hook(struct spec_ctx *c, json_t *h, struct hull_hook *out, hull_error **err)
{
    int64_t timeout;
    int r;

    if (spec_expect(c, h, JSON_OBJECT, err) < 0 ||
        spec_get_string(c, h, "path", SPEC_REQUIRED | SPEC_ABSOLUTE, &out->path, err) < 0 ||
        spec_get_strv(c, h, "args", 0, &out->args, err) < 0 ||
        spec_get_strv(c, h, "env", 0, &out->env, err) < 0)
        return -1;
    r = spec_get_i64(c, h, "timeout", 0, INT64_MIN, INT64_MAX, &timeout, err);
    if (r < 0)
        return -1;
    if (r > 0 && (timeout <= 0 || timeout > INT_MAX)) {
        spec_push_key(c, "timeout");
        return spec_fail(c, err, "timeout must be a positive number of seconds, got %" PRId64,
                         timeout);
    }
    out->has_timeout = r > 0;
    out->timeout = (int)(r > 0 ? timeout : 0);
    return 0;
}

static const struct {
    const char *key;
    size_t offset;
} hook_kinds[] = {
    {"prestart", offsetof(struct hull_hooks, prestart)},
    {"createRuntime", offsetof(struct hull_hooks, create_runtime)},
    {"createContainer", offsetof(struct hull_hooks, create_container)},
    {"startContainer", offsetof(struct hull_hooks, start_container)},
    {"poststart", offsetof(struct hull_hooks, poststart)},
    {"poststop", offsetof(struct hull_hooks, poststop)},
};

static int parse_hooks(struct spec_ctx *c, json_t *doc, struct hull_hooks *hooks, hull_error **err)
{
    json_t *obj, *arr, *item;
    size_t i;
    int r = spec_get_object(c, doc, "hooks", 0, &obj, err);

    if (r <= 0)
        return r;
    spec_push_key(c, "hooks");
    for (size_t k = 0; k < ARRAY_SIZE(hook_kinds); k++) {
        struct hull_hook_list *list = (void *)((char *)hooks + hook_kinds[k].offset);
        r = spec_get_array(c, obj, hook_kinds[k].key, 0, &arr, err);
        if (r < 0)
            return -1;
        if (r == 0)
            continue;
        list->hooks = xmalloc0(json_array_size(arr) * sizeof(*list->hooks));
        spec_push_key(c, hook_kinds[k].key);
        json_array_foreach (arr, i, item) {
            list->n = i + 1;
            spec_push_index(c, i);
            if (parse_hook(c, item, &list->hooks[i], err) < 0)
                return -1;
            spec_pop(c);
        }
        spec_pop(c);
    }
    spec_pop(c);
    return 0;
}

static int parse_annotations(struct spec_ctx *c, json_t *doc, struct hull_spec *spec,
                             hull_error **err)
{
    char **kv = NULL;
    size_t n = 0;
    int r = spec_get_string_map(c, doc, "annotations", &kv, &n, err);

    if (r <= 0)
        return r;
    spec->annotations = xmalloc0(n * sizeof(*spec->annotations));
    for (size_t i = 0; i < n; i++) {
        spec->annotations[i].key = kv[2 * i];
        spec->annotations[i].value = kv[2 * i + 1];
    }
    spec->n_annotations = n;
    free(kv);
    return 0;
}

static void drop_if_empty(char **s)
{
    if (*s != NULL && (*s)[0] == '\0') {
        free(*s);
        *s = NULL;
    }
}

/* An empty hostname means "leave it alone", as in runc: stored as NULL so
 * nobody sets the (possibly shared) UTS namespace's name to "". */
static int parse_names(struct spec_ctx *c, json_t *doc, struct hull_spec *spec, hull_error **err)
{
    if (spec_get_string(c, doc, "hostname", 0, &spec->hostname, err) < 0 ||
        spec_get_string(c, doc, "domainname", 0, &spec->domainname, err) < 0)
        return -1;
    drop_if_empty(&spec->hostname);
    drop_if_empty(&spec->domainname);
    return 0;
}

static int parse_document(struct spec_ctx *c, json_t *doc, const char *bundle,
                          struct hull_spec *spec, hull_error **err)
{
    static const char *const other_platforms[] = {"windows", "solaris", "vm", "zos"};
    json_t *obj;
    int r;

    if (spec_expect(c, doc, JSON_OBJECT, err) < 0)
        return -1;
    for (size_t i = 0; i < ARRAY_SIZE(other_platforms); i++)
        if (spec_reject(c, doc, other_platforms[i], err) < 0)
            return -1;
    if (check_version(c, doc, spec, err) < 0 || parse_root(c, doc, bundle, spec, err) < 0 ||
        parse_mounts(c, doc, bundle, spec, err) < 0 || parse_names(c, doc, spec, err) < 0 ||
        parse_hooks(c, doc, &spec->hooks, err) < 0 || parse_annotations(c, doc, spec, err) < 0)
        return -1;

    r = spec_get_object(c, doc, "process", 0, &obj, err);
    if (r < 0)
        return -1;
    if (r > 0) {
        spec->has_process = true;
        spec_push_key(c, "process");
        if (spec_parse_process(c, obj, &spec->process, err) < 0)
            return -1;
        spec_pop(c);
    }

    r = spec_get_object(c, doc, "linux", 0, &obj, err);
    if (r < 0)
        return -1;
    if (r > 0) {
        spec_push_key(c, "linux");
        if (spec_parse_linux(c, obj, &spec->linux_, err) < 0)
            return -1;
        spec_pop(c);
    }
    return spec_check_linux(c, spec, err);
}

static void spec_freep(struct hull_spec **spec)
{
    hull_spec_free(*spec);
    *spec = NULL;
}

int hull_spec_parse(const char *json_text, const char *name, const char *bundle,
                    struct hull_spec **out, hull_error **err)
{
    __attribute__((cleanup(spec_freep))) struct hull_spec *spec = xmalloc0(sizeof(*spec));
    _cleanup_json_ json_t *doc = NULL;

    spec->source_name = xstrdup(name != NULL ? name : "config.json");
    spec->raw_json = xstrdup(json_text);
    struct spec_ctx c = {.name = spec->source_name, .raw = spec->raw_json};

    doc = spec_json_load(spec->raw_json, spec->source_name, err);
    if (doc == NULL || parse_document(&c, doc, bundle, spec, err) < 0)
        return -1;
    *out = take_ptr(spec);
    return 0;
}

int hull_spec_load_bundle(const char *bundle, struct hull_spec **out, hull_error **err)
{
    _cleanup_free_ char *path = hull_path_join(bundle, "config.json");
    _cleanup_free_ char *text = NULL;
    size_t len;

    if (read_file_at(AT_FDCWD, path, SPEC_MAX_SIZE, &text, &len, err) < 0) {
        (*err)->kind = HULL_ERR_BAD_INPUT;
        return hull_err_wrap(err, "load config");
    }
    if (strlen(text) != len)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "%s: invalid JSON: contains a NUL byte",
                             path);
    return hull_spec_parse(text, path, bundle, out, err);
}

int hull_spec_parse_process(const char *json_text, const char *name, struct hull_process *out,
                            hull_error **err)
{
    struct spec_ctx c = {.name = name != NULL ? name : "process.json", .raw = json_text};
    _cleanup_json_ json_t *doc = NULL;

    memset(out, 0, sizeof(*out));
    doc = spec_json_load(json_text, c.name, err);
    if (doc == NULL)
        return -1;
    if (spec_expect(&c, doc, JSON_OBJECT, err) < 0 || spec_parse_process(&c, doc, out, err) < 0) {
        hull_process_clear(out);
        return -1;
    }
    return 0;
}

int hull_spec_parse_resources(const char *json_text, const char *name, struct hull_resources *out,
                              hull_error **err)
{
    struct spec_ctx c = {.name = name != NULL ? name : "resources.json", .raw = json_text};
    _cleanup_json_ json_t *doc = NULL;

    memset(out, 0, sizeof(*out));
    doc = spec_json_load(json_text, c.name, err);
    if (doc == NULL)
        return -1;
    if (spec_expect(&c, doc, JSON_OBJECT, err) < 0 || spec_parse_resources(&c, doc, out, err) < 0) {
        spec_resources_clear(out);
        return -1;
    }
    return 0;
}

void hull_resources_clear(struct hull_resources *r)
{
    spec_resources_clear(r);
}

static void free_idmaps_of_mount(struct hull_mount *m)
{
    free(m->uid_mappings);
    free(m->gid_mappings);
}

static void hooks_clear(struct hull_hooks *hooks)
{
    for (size_t k = 0; k < ARRAY_SIZE(hook_kinds); k++) {
        struct hull_hook_list *list = (void *)((char *)hooks + hook_kinds[k].offset);
        for (size_t i = 0; i < list->n; i++) {
            free(list->hooks[i].path);
            strv_free(list->hooks[i].args);
            strv_free(list->hooks[i].env);
        }
        free(list->hooks);
    }
}

void hull_spec_free(struct hull_spec *spec)
{
    if (spec == NULL)
        return;
    free(spec->oci_version);
    free(spec->root_path);
    for (size_t i = 0; i < spec->n_mounts; i++) {
        free(spec->mounts[i].destination);
        free(spec->mounts[i].type);
        free(spec->mounts[i].source);
        strv_free(spec->mounts[i].options);
        free_idmaps_of_mount(&spec->mounts[i]);
    }
    free(spec->mounts);
    hull_process_clear(&spec->process);
    free(spec->hostname);
    free(spec->domainname);
    hooks_clear(&spec->hooks);
    for (size_t i = 0; i < spec->n_annotations; i++) {
        free(spec->annotations[i].key);
        free(spec->annotations[i].value);
    }
    free(spec->annotations);
    spec_linux_clear(&spec->linux_);
    free(spec->source_name);
    free(spec->raw_json);
    free(spec);
}
