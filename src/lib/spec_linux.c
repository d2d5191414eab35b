/* config.json "linux" except "resources" (spec_resources.c), and the rules
 * that tie it to the rest of the config. */
#include "idmap.h"
#include "spec_internal.h"
#include "util.h"

#include <string.h>
#include <sys/personality.h>
#include <sys/stat.h>

/* Device numbers as the kernel encodes them (12-bit major, 20-bit minor). */
#define DEV_MAJOR_MAX 4095
#define DEV_MINOR_MAX 1048575

static int parse_namespace(struct spec_ctx *c, json_t *item, struct hull_linux *l, hull_error **err)
{
    _cleanup_free_ char *type = NULL;
    char *path = NULL;
    int t;

    if (spec_expect(c, item, JSON_OBJECT, err) < 0 ||
        spec_get_string(c, item, "type", SPEC_REQUIRED, &type, err) < 0 ||
        spec_get_string(c, item, "path", 0, &path, err) < 0)
        return -1;
    for (t = 0; t < HULL_NS_COUNT; t++)
        if (strcmp(hull_ns_type_name((enum hull_ns_type)t), type) == 0)
            break;
    spec_push_key(c, "type");
    if (t == HULL_NS_COUNT) {
        free(path);
        return spec_fail(c, err, "unknown namespace type \"%s\"", type);
    }
    if (l->namespaces[t].present) {
        free(path);
        return spec_fail(c, err, "duplicate namespace \"%s\"", type);
    }
    spec_pop(c);
    /* Go's encoder writes "" for an unset path: both mean a new namespace. */
    if (path != NULL && path[0] == '\0') {
        free(path);
        path = NULL;
    }
    l->namespaces[t].present = true;
    l->namespaces[t].path = path;
    if (path != NULL && path[0] != '/') {
        spec_push_key(c, "path");
        return spec_fail(c, err, "\"%s\" is not an absolute path", path);
    }
    return 0;
}

static int parse_namespaces(struct spec_ctx *c, json_t *obj, struct hull_linux *l, hull_error **err)
{
    json_t *arr, *item;
    size_t i;
    int r = spec_get_array(c, obj, "namespaces", 0, &arr, err);

    if (r <= 0)
        return r;
    spec_push_key(c, "namespaces");
    json_array_foreach (arr, i, item) {
        spec_push_index(c, i);
        if (parse_namespace(c, item, l, err) < 0)
            return -1;
        spec_pop(c);
    }
    spec_pop(c);
    return 0;
}

int spec_parse_idmaps(struct spec_ctx *c, json_t *obj, const char *key, struct hull_idmap **out,
                      size_t *n, hull_error **err)
{
    json_t *arr, *item;
    size_t i;
    _cleanup_error_ hull_error *inner = NULL;
    int r = spec_get_array(c, obj, key, 0, &arr, err);

    if (r <= 0)
        return r;
    *out = xmalloc0(json_array_size(arr) * sizeof(**out));
    spec_push_key(c, key);
    json_array_foreach (arr, i, item) {
        struct hull_idmap *m = &(*out)[i];
        spec_push_index(c, i);
        if (spec_expect(c, item, JSON_OBJECT, err) < 0 ||
            spec_get_u32(c, item, "containerID", SPEC_REQUIRED, UINT32_MAX, &m->container_id, err) <
                0 ||
            spec_get_u32(c, item, "hostID", SPEC_REQUIRED, UINT32_MAX, &m->host_id, err) < 0 ||
            spec_get_u32(c, item, "size", SPEC_REQUIRED, UINT32_MAX, &m->size, err) < 0)
            return -1;
        spec_pop(c);
        *n = i + 1;
    }
    _cleanup_free_ char *field = spec_path_string(c, c->depth);
    if (hull_idmap_validate(*out, *n, field, &inner) < 0)
        return spec_fail_inner(c, inner->msg, err);
    spec_pop(c);
    return 1;
}

static int parse_time_offset(struct spec_ctx *c, json_t *item, struct hull_time_offset *t,
                             hull_error **err)
{
    if (spec_expect(c, item, JSON_OBJECT, err) < 0 ||
        spec_get_i64(c, item, "secs", 0, INT64_MIN, INT64_MAX, &t->secs, err) < 0 ||
        spec_get_u32(c, item, "nanosecs", 0, 999999999, &t->nanosecs, err) < 0)
        return -1;
    t->present = true;
    return 0;
}

static int parse_time_offsets(struct spec_ctx *c, json_t *obj, struct hull_linux *l,
                              hull_error **err)
{
    json_t *map, *item;
    const char *clock;
    int r = spec_get_object(c, obj, "timeOffsets", 0, &map, err);

    if (r <= 0)
        return r;
    spec_push_key(c, "timeOffsets");
    json_object_foreach (map, clock, item) {
        struct hull_time_offset *t = strcmp(clock, "monotonic") == 0  ? &l->time_monotonic
                                     : strcmp(clock, "boottime") == 0 ? &l->time_boottime
                                                                      : NULL;
        spec_push_key(c, clock);
        if (t == NULL)
            return spec_fail(
                c, err, "unknown clock \"%s\" (expected \"monotonic\" or \"boottime\")", clock);
        if (parse_time_offset(c, item, t, err) < 0)
            return -1;
        spec_pop(c);
    }
    spec_pop(c);
    return 0;
}

/* Podman writes the host node's whole st_mode (S_IFCHR | 0666) as fileMode;
 * runc keeps the permission bits.  File type bits are accepted when they
 * agree with "type" and dropped here. */
static int check_device_mode(struct spec_ctx *c, struct hull_device *d, hull_error **err)
{
    mode_t fmt = d->file_mode & S_IFMT;
    mode_t want = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;

    if (fmt != 0 && fmt != want) {
        spec_push_key(c, "fileMode");
        return spec_fail(c, err, "%#o: its file type bits do not match type \"%c\"",
                         (unsigned)d->file_mode, d->type);
    }
    d->file_mode &= 07777;
    return 0;
}

static int parse_device(struct spec_ctx *c, json_t *item, struct hull_device *d, hull_error **err)
{
    _cleanup_free_ char *type = NULL;
    int r;

    if (spec_expect(c, item, JSON_OBJECT, err) < 0 ||
        spec_get_string(c, item, "path", SPEC_REQUIRED | SPEC_ABSOLUTE, &d->path, err) < 0 ||
        spec_get_string(c, item, "type", SPEC_REQUIRED, &type, err) < 0)
        return -1;
    if (strlen(type) != 1 || strchr("cbup", type[0]) == NULL) {
        spec_push_key(c, "type");
        return spec_fail(c, err, "unknown device type \"%s\" (expected c, b, u or p)", type);
    }
    d->type = type[0];
    /* A fifo has no device numbers; every other node needs both. */
    int need = d->type == 'p' ? 0 : SPEC_REQUIRED;
    if (spec_get_i64(c, item, "major", need, 0, DEV_MAJOR_MAX, &d->major, err) < 0 ||
        spec_get_i64(c, item, "minor", need, 0, DEV_MINOR_MAX, &d->minor, err) < 0)
        return -1;
    r = spec_get_u32(c, item, "fileMode", 0, S_IFMT | 07777, &d->file_mode, err);
    if (r < 0 || (r > 0 && check_device_mode(c, d, err) < 0))
        return -1;
    d->has_file_mode = r > 0;
    r = spec_get_u32(c, item, "uid", 0, UINT32_MAX, &d->uid, err);
    if (r < 0)
        return -1;
    d->has_uid = r > 0;
    r = spec_get_u32(c, item, "gid", 0, UINT32_MAX, &d->gid, err);
    if (r < 0)
        return -1;
    d->has_gid = r > 0;
    return 0;
}

static int parse_devices(struct spec_ctx *c, json_t *obj, struct hull_linux *l, hull_error **err)
{
    json_t *arr, *item;
    size_t i;
    int r = spec_get_array(c, obj, "devices", 0, &arr, err);

    if (r <= 0)
        return r;
    l->devices = xmalloc0(json_array_size(arr) * sizeof(*l->devices));
    spec_push_key(c, "devices");
    json_array_foreach (arr, i, item) {
        l->n_devices = i + 1;
        spec_push_index(c, i);
        if (parse_device(c, item, &l->devices[i], err) < 0)
            return -1;
        spec_pop(c);
    }
    spec_pop(c);
    return 0;
}

static int parse_seccomp_arg(struct spec_ctx *c, json_t *item, struct hull_seccomp_arg *a,
                             hull_error **err)
{
    /* Syscalls take at most six arguments: index 0..5. */
    if (spec_expect(c, item, JSON_OBJECT, err) < 0 ||
        spec_get_u32(c, item, "index", SPEC_REQUIRED, 5, &a->index, err) < 0 ||
        spec_get_u64(c, item, "value", SPEC_REQUIRED, UINT64_MAX, &a->value, err) < 0 ||
        spec_get_u64(c, item, "valueTwo", 0, UINT64_MAX, &a->value_two, err) < 0 ||
        spec_get_string(c, item, "op", SPEC_REQUIRED | SPEC_NONEMPTY, &a->op, err) < 0)
        return -1;
    return 0;
}

static int parse_seccomp_syscall(struct spec_ctx *c, json_t *item, struct hull_seccomp_syscall *s,
                                 hull_error **err)
{
    json_t *arr, *arg;
    size_t i;
    int r;

    if (spec_expect(c, item, JSON_OBJECT, err) < 0 ||
        spec_get_strv(c, item, "names", SPEC_REQUIRED | SPEC_NONEMPTY, &s->names, err) < 0 ||
        spec_get_string(c, item, "action", SPEC_REQUIRED | SPEC_NONEMPTY, &s->action, err) < 0)
        return -1;
    r = spec_get_u32(c, item, "errnoRet", 0, UINT32_MAX, &s->errno_ret, err);
    if (r < 0)
        return -1;
    s->has_errno_ret = r > 0;
    r = spec_get_array(c, item, "args", 0, &arr, err);
    if (r <= 0)
        return r;
    s->args = xmalloc0(json_array_size(arr) * sizeof(*s->args));
    spec_push_key(c, "args");
    json_array_foreach (arr, i, arg) {
        s->n_args = i + 1;
        spec_push_index(c, i);
        if (parse_seccomp_arg(c, arg, &s->args[i], err) < 0)
            return -1;
        spec_pop(c);
    }
    spec_pop(c);
    return 0;
}

/* Names of actions, architectures and flags are kept as written and checked
 * by seccomp.c against libseccomp; only the structure is checked here. */
static int parse_seccomp(struct spec_ctx *c, json_t *obj, struct hull_seccomp *sc, hull_error **err)
{
    json_t *o, *arr, *item;
    size_t i;
    int r = spec_get_object(c, obj, "seccomp", 0, &o, err);

    if (r <= 0)
        return r;
    sc->present = true;
    spec_push_key(c, "seccomp");
    if (spec_get_string(c, o, "defaultAction", SPEC_REQUIRED | SPEC_NONEMPTY, &sc->default_action,
                        err) < 0)
        return -1;
    r = spec_get_u32(c, o, "defaultErrnoRet", 0, UINT32_MAX, &sc->default_errno_ret, err);
    if (r < 0)
        return -1;
    sc->has_default_errno_ret = r > 0;
    if (spec_get_strv(c, o, "architectures", 0, &sc->architectures, err) < 0 ||
        spec_get_strv(c, o, "flags", 0, &sc->flags, err) < 0 ||
        spec_get_string(c, o, "listenerPath", 0, &sc->listener_path, err) < 0 ||
        spec_get_string(c, o, "listenerMetadata", 0, &sc->listener_metadata, err) < 0)
        return -1;
    if (sc->listener_metadata != NULL && sc->listener_path == NULL) {
        spec_push_key(c, "listenerMetadata");
        return spec_fail(c, err, "set without listenerPath");
    }
    r = spec_get_array(c, o, "syscalls", 0, &arr, err);
    if (r < 0)
        return -1;
    if (r > 0) {
        sc->syscalls = xmalloc0(json_array_size(arr) * sizeof(*sc->syscalls));
        spec_push_key(c, "syscalls");
        json_array_foreach (arr, i, item) {
            sc->n_syscalls = i + 1;
            spec_push_index(c, i);
            if (parse_seccomp_syscall(c, item, &sc->syscalls[i], err) < 0)
                return -1;
            spec_pop(c);
        }
        spec_pop(c);
    }
    spec_pop(c);
    return 0;
}

static int parse_personality(struct spec_ctx *c, json_t *obj, struct hull_linux *l,
                             hull_error **err)
{
    json_t *o, *flags;
    _cleanup_free_ char *domain = NULL;
    int r = spec_get_object(c, obj, "personality", 0, &o, err);

    if (r <= 0)
        return r;
    spec_push_key(c, "personality");
    if (spec_get_string(c, o, "domain", SPEC_REQUIRED, &domain, err) < 0)
        return -1;
    if (strcmp(domain, "LINUX") == 0) {
        l->personality_domain = PER_LINUX;
    } else if (strcmp(domain, "LINUX32") == 0) {
        l->personality_domain = PER_LINUX32;
    } else {
        spec_push_key(c, "domain");
        return spec_fail(c, err, "unknown personality domain \"%s\" (expected LINUX or LINUX32)",
                         domain);
    }
    r = spec_get_array(c, o, "flags", 0, &flags, err);
    if (r < 0)
        return -1;
    if (r > 0 && json_array_size(flags) > 0) {
        spec_push_key(c, "flags");
        return spec_fail(c, err, "personality flags are not supported");
    }
    spec_pop(c);
    l->has_personality = true;
    return 0;
}

static int parse_propagation(struct spec_ctx *c, json_t *obj, struct hull_linux *l,
                             hull_error **err)
{
    static const char *const modes[] = {"shared",  "slave",  "private",  "unbindable",
                                        "rshared", "rslave", "rprivate", "runbindable"};
    int r = spec_get_string(c, obj, "rootfsPropagation", 0, &l->rootfs_propagation, err);

    if (r <= 0)
        return r;
    for (size_t i = 0; i < ARRAY_SIZE(modes); i++)
        if (strcmp(modes[i], l->rootfs_propagation) == 0)
            return 0;
    spec_push_key(c, "rootfsPropagation");
    return spec_fail(c, err, "unknown propagation \"%s\"", l->rootfs_propagation);
}

static int parse_sysctl(struct spec_ctx *c, json_t *obj, struct hull_linux *l, hull_error **err)
{
    char **kv = NULL;
    size_t n = 0;
    int r = spec_get_string_map(c, obj, "sysctl", &kv, &n, err);

    if (r <= 0)
        return r;
    l->sysctl = xmalloc0(n * sizeof(*l->sysctl));
    for (size_t i = 0; i < n; i++) {
        l->sysctl[i].key = kv[2 * i];
        l->sysctl[i].value = kv[2 * i + 1];
    }
    l->n_sysctl = n;
    free(kv);
    return 0;
}

static int parse_resources(struct spec_ctx *c, json_t *obj, struct hull_linux *l, hull_error **err)
{
    json_t *o;
    int r = spec_get_object(c, obj, "resources", 0, &o, err);

    if (r <= 0)
        return r;
    l->has_resources = true;
    spec_push_key(c, "resources");
    if (spec_parse_resources(c, o, &l->resources, err) < 0)
        return -1;
    spec_pop(c);
    return 0;
}

int spec_parse_linux(struct spec_ctx *c, json_t *obj, struct hull_linux *l, hull_error **err)
{
    static const char *const unsupported[] = {"intelRdt", "memoryPolicy", "netDevices"};

    for (size_t i = 0; i < ARRAY_SIZE(unsupported); i++)
        if (spec_reject(c, obj, unsupported[i], err) < 0)
            return -1;
    if (parse_namespaces(c, obj, l, err) < 0 ||
        spec_parse_idmaps(c, obj, "uidMappings", &l->uid_mappings, &l->n_uid_mappings, err) < 0 ||
        spec_parse_idmaps(c, obj, "gidMappings", &l->gid_mappings, &l->n_gid_mappings, err) < 0 ||
        parse_time_offsets(c, obj, l, err) < 0 || parse_devices(c, obj, l, err) < 0 ||
        spec_get_string(c, obj, "cgroupsPath", 0, &l->cgroups_path, err) < 0 ||
        parse_resources(c, obj, l, err) < 0 || parse_propagation(c, obj, l, err) < 0 ||
        parse_seccomp(c, obj, &l->seccomp, err) < 0 || parse_sysctl(c, obj, l, err) < 0 ||
        spec_get_strv(c, obj, "maskedPaths", SPEC_ABSOLUTE, &l->masked_paths, err) < 0 ||
        spec_get_strv(c, obj, "readonlyPaths", SPEC_ABSOLUTE, &l->readonly_paths, err) < 0 ||
        spec_get_string(c, obj, "mountLabel", 0, &l->mount_label, err) < 0 ||
        parse_personality(c, obj, l, err) < 0)
        return -1;
    return 0;
}

/* Fails at PATH (top-level member KEY of the document, then SUB). */
static int fail_at_member(struct spec_ctx *c, const char *key, const char *sub, hull_error **err,
                          const char *msg)
{
    size_t depth = c->depth;
    spec_push_key(c, key);
    if (sub != NULL)
        spec_push_key(c, sub);
    spec_fail(c, err, "%s", msg);
    c->depth = depth;
    return -1;
}

static int check_user_ns(struct spec_ctx *c, const struct hull_linux *l, hull_error **err)
{
    const struct hull_namespace *user = &l->namespaces[HULL_NS_USER];

    if (!user->present) {
        if (l->n_uid_mappings > 0)
            return fail_at_member(c, "linux", "uidMappings", err,
                                  "mappings require a user namespace in linux.namespaces");
        if (l->n_gid_mappings > 0)
            return fail_at_member(c, "linux", "gidMappings", err,
                                  "mappings require a user namespace in linux.namespaces");
        return 0;
    }
    if (user->path == NULL && (l->n_uid_mappings == 0 || l->n_gid_mappings == 0))
        return fail_at_member(
            c, "linux", "namespaces", err,
            "a new user namespace requires linux.uidMappings and linux.gidMappings");
    return 0;
}

int spec_check_linux(struct spec_ctx *c, const struct hull_spec *spec, hull_error **err)
{
    const struct hull_linux *l = &spec->linux_;

    if (check_user_ns(c, l, err) < 0)
        return -1;
    bool new_time = l->namespaces[HULL_NS_TIME].present && l->namespaces[HULL_NS_TIME].path == NULL;
    if ((l->time_monotonic.present || l->time_boottime.present) && !new_time)
        return fail_at_member(c, "linux", "timeOffsets", err,
                              "time offsets require a new time namespace");
    /* runc's rule: a name is only set in a UTS namespace of the container's
     * own, never in the runtime's. */
    if (!l->namespaces[HULL_NS_UTS].present) {
        if (spec->hostname != NULL)
            return fail_at_member(c, "hostname", NULL, err,
                                  "setting the hostname requires a private UTS namespace");
        if (spec->domainname != NULL)
            return fail_at_member(c, "domainname", NULL, err,
                                  "setting the domainname requires a private UTS namespace");
    }
    return 0;
}

static void seccomp_clear(struct hull_seccomp *sc)
{
    free(sc->default_action);
    strv_free(sc->architectures);
    strv_free(sc->flags);
    free(sc->listener_path);
    free(sc->listener_metadata);
    for (size_t i = 0; i < sc->n_syscalls; i++) {
        strv_free(sc->syscalls[i].names);
        free(sc->syscalls[i].action);
        for (size_t a = 0; a < sc->syscalls[i].n_args; a++)
            free(sc->syscalls[i].args[a].op);
        free(sc->syscalls[i].args);
    }
    free(sc->syscalls);
}

void spec_linux_clear(struct hull_linux *l)
{
    for (int t = 0; t < HULL_NS_COUNT; t++)
        free(l->namespaces[t].path);
    free(l->uid_mappings);
    free(l->gid_mappings);
    for (size_t i = 0; i < l->n_devices; i++)
        free(l->devices[i].path);
    free(l->devices);
    free(l->cgroups_path);
    spec_resources_clear(&l->resources);
    free(l->rootfs_propagation);
    seccomp_clear(&l->seccomp);
    for (size_t i = 0; i < l->n_sysctl; i++) {
        free(l->sysctl[i].key);
        free(l->sysctl[i].value);
    }
    free(l->sysctl);
    strv_free(l->masked_paths);
    strv_free(l->readonly_paths);
    free(l->mount_label);
    memset(l, 0, sizeof(*l));
}
