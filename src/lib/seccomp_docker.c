/* Docker's seccomp profile format resolved into a plain linux.seccomp. */
#include "seccomp_docker.h"
#include "log.h"
#include "seccomp_profile.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

/* libseccomp's architecture names and Go's, which "arches" filters use. */
static const struct {
    const char *scmp, *go;
} arch_go_names[] = {
    {"SCMP_ARCH_X86_64", "amd64"},
    {"SCMP_ARCH_X86", "386"},
    {"SCMP_ARCH_X32", "x32"},
    {"SCMP_ARCH_AARCH64", "arm64"},
    {"SCMP_ARCH_ARM", "arm"},
    {"SCMP_ARCH_PPC64LE", "ppc64le"},
    {"SCMP_ARCH_PPC64", "ppc64"},
    {"SCMP_ARCH_S390X", "s390x"},
    {"SCMP_ARCH_S390", "s390"},
    {"SCMP_ARCH_RISCV64", "riscv64"},
    {"SCMP_ARCH_MIPS64", "mips64"},
    {"SCMP_ARCH_MIPSEL64", "mips64le"},
    {"SCMP_ARCH_MIPS", "mips"},
    {"SCMP_ARCH_MIPSEL", "mipsle"},
    {"SCMP_ARCH_LOONGARCH64", "loong64"},
};

/* Parses "MAJOR.MINOR[...]" (a kernel release or a minKernel value). */
static bool parse_kernel_version(const char *s, unsigned int *major, unsigned int *minor)
{
    char tail = '\0';
    int n = sscanf(s, "%u.%u%c", major, minor, &tail);
    return n == 2 || (n == 3 && (tail == '.' || tail == '-' || tail == '+'));
}

int hull_seccomp_target_host(char *const *caps, struct hull_seccomp_target *t, hull_error **err)
{
    struct utsname u;

    memset(t, 0, sizeof(*t));
    t->caps = caps;
    t->scmp_arch = hull_seccomp_arch_native();
    for (size_t i = 0; t->scmp_arch != NULL && i < ARRAY_SIZE(arch_go_names); i++)
        if (strcmp(arch_go_names[i].scmp, t->scmp_arch) == 0)
            t->arch = arch_go_names[i].go;
    if (t->arch == NULL)
        return hull_err(err, 0, "seccomp: the native architecture is not supported");
    if (uname(&u) < 0)
        return hull_err(err, errno, "uname");
    if (!parse_kernel_version(u.release, &t->kernel_major, &t->kernel_minor))
        return hull_err(err, 0, "seccomp: cannot read the kernel version from \"%s\"", u.release);
    return 0;
}

/* One translation: where messages say the profile came from. */
struct tr {
    const char *name;
    const struct hull_seccomp_target *t;
};

__attribute__((format(printf, 3, 4))) static int bad(const struct tr *c, hull_error **err,
                                                     const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    _cleanup_free_ char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "seccomp profile %s: %s", c->name, msg);
}

/* Refuses keys of OBJ (at FIELD) outside ALLOWED: a misspelt condition
 * would otherwise silently widen the filter. */
static int check_keys(const struct tr *c, const json_t *obj, const char *field,
                      const char *const *allowed, hull_error **err)
{
    const char *key;
    json_t *v;

    if (!json_is_object(obj))
        return bad(c, err, "%s: expected an object", field);
    json_object_foreach ((json_t *)obj, key, v) {
        size_t i = 0;
        while (allowed[i] != NULL && strcmp(allowed[i], key) != 0)
            i++;
        if (allowed[i] == NULL)
            return bad(c, err, "%s%s%s: unknown field", field, field[0] ? "." : "", key);
    }
    return 0;
}

/* OBJ[KEY] as an array of strings (NULL and JSON null count as absent). */
static int get_strings(const struct tr *c, const json_t *obj, const char *key, const char *field,
                       const json_t **out, hull_error **err)
{
    json_t *a = json_object_get(obj, key), *v;
    size_t i;

    *out = NULL;
    if (a == NULL || json_is_null(a))
        return 0;
    if (!json_is_array(a))
        return bad(c, err, "%s%s%s: expected an array of strings", field, field[0] ? "." : "", key);
    json_array_foreach (a, i, v) {
        if (!json_is_string(v))
            return bad(c, err, "%s%s%s[%zu]: expected a string", field, field[0] ? "." : "", key,
                       i);
    }
    *out = a;
    return 0;
}

static int get_uint(const struct tr *c, const json_t *obj, const char *key, const char *field,
                    json_int_t max, bool *has, json_int_t *out, hull_error **err)
{
    json_t *v = json_object_get(obj, key);

    *has = false;
    if (v == NULL || json_is_null(v))
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max)
        return bad(c, err, "%s%s%s: expected an integer in 0..%lld", field, field[0] ? "." : "",
                   key, (long long)max);
    *has = true;
    *out = json_integer_value(v);
    return 0;
}

static bool strings_contain(const json_t *a, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach (a, i, v) {
        if (strcmp(json_string_value(v), s) == 0)
            return true;
    }
    return false;
}

static bool has_cap(const struct hull_seccomp_target *t, const char *cap)
{
    for (size_t i = 0; t->caps != NULL && t->caps[i] != NULL; i++)
        if (strcmp(t->caps[i], cap) == 0)
            return true;
    return false;
}

/* A "includes"/"excludes" object: *matches is true when every condition it
 * states holds (includes) or, for excludes, when any of them holds. */
static int eval_filter(const struct tr *c, const json_t *f, const char *field, bool excludes,
                       bool *matches, hull_error **err)
{
    static const char *const keys[] = {"caps", "arches", "minKernel", NULL};
    const json_t *caps, *arches;
    json_t *mk = json_object_get(f, "minKernel");
    bool any = false, all = true;
    size_t i;
    json_t *v;

    if (check_keys(c, f, field, keys, err) < 0 ||
        get_strings(c, f, "caps", field, &caps, err) < 0 ||
        get_strings(c, f, "arches", field, &arches, err) < 0)
        return -1;
    if (arches != NULL && json_array_size(arches) > 0) {
        bool in = strings_contain(arches, c->t->arch);
        any |= in;
        all &= in;
    }
    json_array_foreach (caps, i, v) {
        bool held = has_cap(c->t, json_string_value(v));
        any |= held;
        all &= held;
    }
    if (mk != NULL && !json_is_null(mk)) {
        unsigned int major, minor;
        if (!json_is_string(mk) || !parse_kernel_version(json_string_value(mk), &major, &minor))
            return bad(c, err, "%s.minKernel: expected a version like \"4.8\"", field);
        bool newer = c->t->kernel_major > major ||
                     (c->t->kernel_major == major && c->t->kernel_minor >= minor);
        any |= newer;
        all &= newer;
    }
    *matches = excludes ? any : all;
    return 0;
}

static int translate_args(const struct tr *c, const json_t *args, const char *field, json_t **out,
                          hull_error **err)
{
    static const char *const keys[] = {"index", "value", "valueTwo", "op", NULL};
    json_t *a = json_array(), *arg;
    size_t i;

    json_array_foreach (args, i, arg) {
        _cleanup_free_ char *f = xasprintf("%s.args[%zu]", field, i);
        json_int_t index = 0, value = 0, value_two = 0;
        bool has_index, has_value, has_two;
        json_t *op = json_object_get(arg, "op");

        if (check_keys(c, arg, f, keys, err) < 0 ||
            get_uint(c, arg, "index", f, 5, &has_index, &index, err) < 0 ||
            get_uint(c, arg, "value", f, INT64_MAX, &has_value, &value, err) < 0 ||
            get_uint(c, arg, "valueTwo", f, INT64_MAX, &has_two, &value_two, err) < 0)
            goto fail;
        if (!has_index) {
            bad(c, err, "%s.index is required", f);
            goto fail;
        }
        if (!json_is_string(op) || !hull_seccomp_op_known(json_string_value(op))) {
            bad(c, err, "%s.op: unknown operator \"%s\"", f,
                json_is_string(op) ? json_string_value(op) : "");
            goto fail;
        }
        json_array_append_new(a, json_pack("{s:I, s:I, s:I, s:s}", "index", index, "value", value,
                                           "valueTwo", value_two, "op", json_string_value(op)));
    }
    *out = a;
    return 0;
fail:
    json_decref(a);
    return -1;
}

/* The syscall's names: "names", or Docker's older single "name". */
static int rule_names(const struct tr *c, const json_t *s, const char *field, json_t **out,
                      hull_error **err)
{
    const json_t *names;
    json_t *name = json_object_get(s, "name");

    if (get_strings(c, s, "names", field, &names, err) < 0)
        return -1;
    if (name != NULL && !json_is_null(name)) {
        if (names != NULL && json_array_size(names) > 0)
            return bad(c, err, "%s: both \"name\" and \"names\" are given, use one of them", field);
        if (!json_is_string(name))
            return bad(c, err, "%s.name: expected a string", field);
        *out = json_pack("[O]", name);
        return 0;
    }
    if (names == NULL || json_array_size(names) == 0)
        return bad(c, err, "%s.names: must name at least one syscall", field);
    *out = json_deep_copy(names);
    return 0;
}

/* Whether syscalls[IDX] applies to the target. */
static int rule_applies(const struct tr *c, const json_t *s, const char *field, bool *applies,
                        hull_error **err)
{
    json_t *inc = json_object_get(s, "includes"), *exc = json_object_get(s, "excludes");
    _cleanup_free_ char *inc_field = xasprintf("%s.includes", field);
    _cleanup_free_ char *exc_field = xasprintf("%s.excludes", field);
    bool m;

    *applies = true;
    if (exc != NULL && !json_is_null(exc)) {
        if (eval_filter(c, exc, exc_field, true, &m, err) < 0)
            return -1;
        *applies &= !m;
    }
    if (inc != NULL && !json_is_null(inc)) {
        if (eval_filter(c, inc, inc_field, false, &m, err) < 0)
            return -1;
        *applies &= m;
    }
    return 0;
}

static int translate_rule(const struct tr *c, const json_t *s, size_t idx, json_t *out_syscalls,
                          hull_error **err)
{
    static const char *const keys[] = {"names",   "name",     "action",   "errnoRet", "args",
                                       "comment", "includes", "excludes", NULL};
    _cleanup_free_ char *field = xasprintf("syscalls[%zu]", idx);
    json_t *action = json_object_get(s, "action"), *args = json_object_get(s, "args");
    json_t *names = NULL, *oargs = NULL, *rule;
    json_int_t errno_ret = 0;
    bool has_errno, applies;

    if (check_keys(c, s, field, keys, err) < 0 || rule_names(c, s, field, &names, err) < 0)
        return -1;
    if (!json_is_string(action) || !hull_seccomp_action_known(json_string_value(action))) {
        json_decref(names);
        return bad(c, err, "%s.action: unknown action \"%s\"", field,
                   json_is_string(action) ? json_string_value(action) : "");
    }
    if (get_uint(c, s, "errnoRet", field, 0xffff, &has_errno, &errno_ret, err) < 0 ||
        rule_applies(c, s, field, &applies, err) < 0) {
        json_decref(names);
        return -1;
    }
    if (args != NULL && !json_is_null(args)) {
        _cleanup_free_ char *afield = xasprintf("%s.args", field);
        if (!json_is_array(args)) {
            json_decref(names);
            return bad(c, err, "%s: expected an array", afield);
        }
        if (translate_args(c, args, field, &oargs, err) < 0) {
            json_decref(names);
            return -1;
        }
    }
    if (!applies) {
        json_decref(names);
        json_decref(oargs);
        return 0;
    }
    rule = json_pack("{s:o, s:O}", "names", names, "action", action);
    if (has_errno)
        json_object_set_new(rule, "errnoRet", json_integer(errno_ret));
    if (oargs != NULL && json_array_size(oargs) > 0)
        json_object_set(rule, "args", oargs);
    json_decref(oargs);
    json_array_append_new(out_syscalls, rule);
    return 0;
}

/* "architectures", or the archMap entry of the native architecture (the
 * native one first, then its sub-architectures). */
static int translate_arches(const struct tr *c, const json_t *p, json_t *out, hull_error **err)
{
    static const char *const keys[] = {"architecture", "subArchitectures", NULL};
    json_t *map = json_object_get(p, "archMap"), *entry, *v;
    const json_t *plain;
    json_t *archs = json_array();
    size_t i, j;

    if (get_strings(c, p, "architectures", "", &plain, err) < 0)
        goto fail;
    if (map != NULL && !json_is_null(map) && !json_is_array(map)) {
        bad(c, err, "archMap: expected an array");
        goto fail;
    }
    if (plain != NULL && json_array_size(plain) > 0 && json_array_size(map) > 0) {
        bad(c, err, "both \"architectures\" and \"archMap\" are given, use one of them");
        goto fail;
    }
    json_array_foreach (plain, i, v)
        json_array_append(archs, v);
    json_array_foreach (map, i, entry) {
        _cleanup_free_ char *f = xasprintf("archMap[%zu]", i);
        json_t *arch = json_object_get(entry, "architecture");
        const json_t *subs;
        if (check_keys(c, entry, f, keys, err) < 0 ||
            get_strings(c, entry, "subArchitectures", f, &subs, err) < 0)
            goto fail;
        if (!json_is_string(arch)) {
            bad(c, err, "%s.architecture: expected a string", f);
            goto fail;
        }
        if (c->t->scmp_arch == NULL || strcmp(json_string_value(arch), c->t->scmp_arch) != 0)
            continue;
        json_array_append(archs, arch);
        json_array_foreach (subs, j, v)
            json_array_append(archs, v);
    }
    json_array_foreach (archs, i, v) {
        if (!hull_seccomp_arch_known(json_string_value(v))) {
            bad(c, err, "unknown architecture \"%s\"", json_string_value(v));
            goto fail;
        }
    }
    if (json_array_size(archs) > 0)
        json_object_set(out, "architectures", archs);
    json_decref(archs);
    return 0;
fail:
    json_decref(archs);
    return -1;
}

/* defaultAction, defaultErrnoRet, flags and the listener pass through. */
static int translate_top(const struct tr *c, const json_t *p, json_t *out, hull_error **err)
{
    json_t *def = json_object_get(p, "defaultAction"), *v;
    const json_t *flags;
    json_int_t errno_ret;
    bool has_errno;
    size_t i;

    if (!json_is_string(def) || !hull_seccomp_action_known(json_string_value(def)))
        return bad(c, err, "defaultAction: unknown action \"%s\"",
                   json_is_string(def) ? json_string_value(def) : "");
    json_object_set(out, "defaultAction", def);
    if (get_uint(c, p, "defaultErrnoRet", "", 0xffff, &has_errno, &errno_ret, err) < 0 ||
        get_strings(c, p, "flags", "", &flags, err) < 0)
        return -1;
    if (has_errno)
        json_object_set_new(out, "defaultErrnoRet", json_integer(errno_ret));
    json_array_foreach (flags, i, v) {
        if (!hull_seccomp_flag_known(json_string_value(v)))
            return bad(c, err, "flags[%zu]: unknown flag \"%s\"", i, json_string_value(v));
    }
    if (flags != NULL && json_array_size(flags) > 0)
        json_object_set(out, "flags", (json_t *)flags);
    const char *const listener_keys[] = {"listenerPath", "listenerMetadata"};
    for (i = 0; i < ARRAY_SIZE(listener_keys); i++) {
        v = json_object_get(p, listener_keys[i]);
        if (v == NULL || json_is_null(v))
            continue;
        if (!json_is_string(v))
            return bad(c, err, "%s: expected a string", listener_keys[i]);
        json_object_set(out, listener_keys[i], v);
    }
    return 0;
}

int hull_seccomp_docker_translate(const json_t *profile, const char *name,
                                  const struct hull_seccomp_target *t, json_t **out,
                                  hull_error **err)
{
    static const char *const keys[] = {
        "defaultAction", "defaultErrnoRet", "architectures",    "archMap", "syscalls",
        "flags",         "listenerPath",    "listenerMetadata", NULL,
    };
    const struct tr c = {.name = name, .t = t};
    json_t *o = json_object(), *syscalls = json_array(), *calls, *s;
    size_t i;

    if (check_keys(&c, profile, "", keys, err) < 0 || translate_top(&c, profile, o, err) < 0 ||
        translate_arches(&c, profile, o, err) < 0)
        goto fail;
    calls = json_object_get(profile, "syscalls");
    if (calls != NULL && !json_is_null(calls) && !json_is_array(calls)) {
        bad(&c, err, "syscalls: expected an array");
        goto fail;
    }
    json_array_foreach (calls, i, s) {
        if (translate_rule(&c, s, i, syscalls, err) < 0)
            goto fail;
    }
    json_object_set_new(o, "syscalls", syscalls);
    *out = o;
    return 0;
fail:
    json_decref(syscalls);
    json_decref(o);
    return -1;
}

int hull_seccomp_docker_translate_text(const char *text, const char *name,
                                       const struct hull_seccomp_target *t, json_t **out,
                                       hull_error **err)
{
    json_error_t jerr;
    json_t *doc = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);

    if (doc == NULL)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "seccomp profile %s:%d: %s", name,
                             jerr.line, jerr.text);
    int r = hull_seccomp_docker_translate(doc, name, t, out, err);
    json_decref(doc);
    return r;
}

int hull_seccomp_container_profile(const char *profile_file, char *const *caps, json_t **out,
                                   hull_error **err)
{
    struct hull_seccomp_target t;
    _cleanup_free_ char *text = NULL;
    json_t *def;
    int r;

    if (hull_seccomp_target_host(caps, &t, err) < 0)
        return -1;
    if (profile_file == NULL) {
        def = hull_seccomp_default_profile();
        r = hull_seccomp_docker_translate(def, "(default)", &t, out, err);
        json_decref(def);
        return r;
    }
    if (read_file_at(AT_FDCWD, profile_file, 4u << 20, &text, NULL, err) < 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, (*err)->errnum,
                             "opening seccomp profile (%s) failed", profile_file);
    return hull_seccomp_docker_translate_text(text, profile_file, &t, out, err);
}
