/* -v, --mount and --tmpfs, by Docker's rules and with its messages. */
#include "mountspec.h"
#include "paths.h"
#include "units.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

static const char *const propagations[] = {"private", "rprivate", "shared", "rshared",
                                           "slave",   "rslave",   NULL};

static bool in_list(const char *s, const char *const *list)
{
    for (size_t i = 0; list[i] != NULL; i++)
        if (strcmp(s, list[i]) == 0)
            return true;
    return false;
}

int hull_volume_name_validate(const char *name, hull_error **err)
{
    bool ok = isalnum((unsigned char)name[0]) && name[1] != '\0';

    for (const char *p = name + 1; ok && *p != '\0'; p++)
        ok = isalnum((unsigned char)*p) || *p == '_' || *p == '.' || *p == '-';
    if (ok)
        return 0;
    return hull_err_kind(
        err, HULL_ERR_BAD_INPUT, 0,
        "\"%s\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path",
        name);
}

void hull_mount_spec_clear(struct hull_mount_spec *m)
{
    free(m->source);
    free(m->target);
    free(m->propagation);
    strv_free(m->labels);
    strv_free(m->tmpfs_opts);
    free(m->spec);
    memset(m, 0, sizeof(*m));
}

/* The container path: absolute and not "/" itself. */
static int set_target(struct hull_mount_spec *m, const char *target, hull_error **err)
{
    if (target == NULL || target[0] == '\0')
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "invalid mount \"%s\": target is required",
                             m->spec);
    if (target[0] != '/')
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "invalid mount \"%s\": mount path \"%s\" must be absolute", m->spec,
                             target);
    free(m->target);
    m->target = hull_path_clean(target);
    if (strcmp(m->target, "/") == 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "invalid mount \"%s\": destination can't be '/'", m->spec);
    return 0;
}

/* "." or "./PATH": since Docker 23 a host path relative to the current
 * directory, where a volume name could not start. */
static bool is_dot_path(const char *source)
{
    return strcmp(source, ".") == 0 || str_has_prefix(source, "./");
}

/* SOURCE made absolute against the current directory. */
static int dot_path(const struct hull_mount_spec *m, const char *source, char **out,
                    hull_error **err)
{
    _cleanup_free_ char *cwd = getcwd(NULL, 0);
    _cleanup_free_ char *joined = NULL;

    if (cwd == NULL)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, errno,
                             "invalid mount \"%s\": resolve \"%s\" against the current directory",
                             m->spec, source);
    joined = xasprintf("%s/%s", cwd, source);
    *out = hull_path_clean(joined);
    return 0;
}

/* A -v or --mount source: a host path (absolute, or starting with "./")
 * makes a bind, anything else names a volume. */
static int set_source(struct hull_mount_spec *m, const char *source, hull_error **err)
{
    free(m->source);
    m->source = NULL;
    if (source == NULL || source[0] == '\0')
        return 0;
    if (m->kind == HULL_MOUNT_BIND && is_dot_path(source))
        return dot_path(m, source, &m->source, err);
    if (m->kind == HULL_MOUNT_BIND || source[0] == '/') {
        if (source[0] != '/')
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 "invalid mount \"%s\": bind source path \"%s\" must be absolute",
                                 m->spec, source);
        m->source = hull_path_clean(source);
        return 0;
    }
    if (hull_volume_name_validate(source, err) < 0)
        return hull_err_wrap(err, "invalid mount \"%s\"", m->spec);
    m->source = xstrdup(source);
    return 0;
}

/* The MODE of -v: each kind of word at most once. */
static int parse_mode(struct hull_mount_spec *m, const char *mode, hull_error **err)
{
    _cleanup_free_ char *copy = xstrdup(mode);
    int rw = 0, label = 0, prop = 0, copymode = 0, consistency = 0;
    char *cursor = copy, *w;

    while ((w = strsep(&cursor, ",")) != NULL) {
        if (strcmp(w, "ro") == 0 || strcmp(w, "rw") == 0) {
            m->readonly = w[1] == 'o';
            rw++;
        } else if (strcmp(w, "z") == 0 || strcmp(w, "Z") == 0) {
            label++;
        } else if (in_list(w, propagations)) {
            free(m->propagation);
            m->propagation = xstrdup(w);
            prop++;
        } else if (strcmp(w, "nocopy") == 0) {
            m->nocopy = true;
            copymode++;
        } else if (strcmp(w, "consistent") == 0 || strcmp(w, "cached") == 0 ||
                   strcmp(w, "delegated") == 0) {
            consistency++;
        } else {
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "invalid mode: %s", mode);
        }
    }
    if (rw > 1 || label > 1 || prop > 1 || copymode > 1 || consistency > 1 ||
        (m->kind != HULL_MOUNT_BIND && prop > 0) || (m->kind != HULL_MOUNT_VOLUME && copymode > 0))
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "invalid mode: %s", mode);
    return 0;
}

static int split_colons(const char *spec, char **parts, size_t max)
{
    size_t n = 0;
    const char *p = spec;

    for (;;) {
        size_t len = strcspn(p, ":");
        if (n == max)
            return -1;
        parts[n++] = xstrndup(p, len);
        if (p[len] == '\0')
            return (int)n;
        p += len + 1;
    }
}

int hull_mount_spec_parse_volume(const char *spec, struct hull_mount_spec *out, hull_error **err)
{
    char *parts[4] = {NULL, NULL, NULL, NULL};
    int n = split_colons(spec, parts, 4);
    int ret = -1;

    memset(out, 0, sizeof(*out));
    out->spec = xstrdup(spec);
    out->kind = HULL_MOUNT_VOLUME;
    if (n < 1 || n > 3 || (n >= 2 && parts[0][0] == '\0')) {
        hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "invalid volume specification: '%s'", spec);
        goto out;
    }
    if (n >= 2 && (parts[0][0] == '/' || is_dot_path(parts[0])))
        out->kind = HULL_MOUNT_BIND;
    if (n == 1)
        ret = set_target(out, parts[0], err);
    else
        ret = set_source(out, parts[0], err) < 0 || set_target(out, parts[1], err) < 0 ? -1 : 0;
    if (ret == 0 && n == 3)
        ret = parse_mode(out, parts[2], err);
out:
    for (int i = 0; i < 4; i++)
        free(parts[i]);
    if (ret == 0 && out->kind == HULL_MOUNT_BIND && out->propagation == NULL)
        out->propagation = xstrdup("rprivate");
    if (ret < 0)
        hull_mount_spec_clear(out);
    return ret;
}

/* Go's ParseBool for an optional value; a key alone is true. */
static int csv_bool(const char *key, const char *value, bool *out, hull_error **err)
{
    static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True", NULL};
    static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False", NULL};

    if (value == NULL || in_list(value, yes)) {
        *out = true;
        return 0;
    }
    if (in_list(value, no)) {
        *out = false;
        return 0;
    }
    return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "invalid value for %s: %s", key, value);
}

static int tmpfs_size(struct hull_mount_spec *m, const char *value, hull_error **err)
{
    int64_t bytes;
    _cleanup_free_ char *opt = NULL;

    if (hull_units_ram_bytes(value, &bytes, err) < 0)
        return hull_err_wrap(err, "invalid value for tmpfs-size");
    opt = xasprintf("size=%lld", (long long)bytes);
    strv_append(&m->tmpfs_opts, opt);
    return 0;
}

static int tmpfs_mode(struct hull_mount_spec *m, const char *value, hull_error **err)
{
    char *end;
    unsigned long mode = strtoul(value, &end, 8);
    _cleanup_free_ char *opt = NULL;

    if (value[0] == '\0' || *end != '\0' || mode > 07777)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "invalid value for tmpfs-mode: %s", value);
    opt = xasprintf("mode=%lo", mode);
    strv_append(&m->tmpfs_opts, opt);
    return 0;
}

/* One KEY[=VALUE] field of --mount.  Sources and targets are only kept
 * here: they are checked once the type is known. */
static int csv_field(struct hull_mount_spec *m, const char *key, const char *value, char **source,
                     char **target, bool *typed, hull_error **err)
{
    static const char *const bare[] = {"readonly", "ro", "volume-nocopy", "bind-nonrecursive",
                                       NULL};

    if (value == NULL && !in_list(key, bare))
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "invalid field '%s' must be a key=value pair", key);
    if (strcmp(key, "type") == 0) {
        if (strcmp(value, "bind") == 0)
            m->kind = HULL_MOUNT_BIND;
        else if (strcmp(value, "volume") == 0)
            m->kind = HULL_MOUNT_VOLUME;
        else if (strcmp(value, "tmpfs") == 0)
            m->kind = HULL_MOUNT_TMPFS;
        else
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 "invalid mount type \"%s\": only bind, volume and tmpfs are "
                                 "supported",
                                 value);
        *typed = true;
        return 0;
    }
    if (strcmp(key, "source") == 0 || strcmp(key, "src") == 0) {
        free(*source);
        *source = xstrdup(value);
        return 0;
    }
    if (strcmp(key, "target") == 0 || strcmp(key, "destination") == 0 || strcmp(key, "dst") == 0) {
        free(*target);
        *target = xstrdup(value);
        return 0;
    }
    if (strcmp(key, "readonly") == 0 || strcmp(key, "ro") == 0)
        return csv_bool(key, value, &m->readonly, err);
    if (strcmp(key, "volume-nocopy") == 0)
        return csv_bool(key, value, &m->nocopy, err);
    if (strcmp(key, "bind-nonrecursive") == 0)
        return csv_bool(key, value, &m->nonrecursive, err);
    if (strcmp(key, "bind-propagation") == 0) {
        if (!in_list(value, propagations))
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "invalid propagation mode: %s", value);
        free(m->propagation);
        m->propagation = xstrdup(value);
        return 0;
    }
    if (strcmp(key, "consistency") == 0)
        return 0;
    if (strcmp(key, "volume-label") == 0) {
        strv_append(&m->labels, value);
        return 0;
    }
    if (strcmp(key, "volume-driver") == 0) {
        if (strcmp(value, "local") == 0)
            return 0;
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "volume driver \"%s\" is not supported: only \"local\" is", value);
    }
    if (strcmp(key, "volume-opt") == 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "volume-opt \"%s\": volume driver options are not supported", value);
    if (strcmp(key, "tmpfs-size") == 0)
        return tmpfs_size(m, value, err);
    if (strcmp(key, "tmpfs-mode") == 0)
        return tmpfs_mode(m, value, err);
    return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "unexpected key '%s' in '%s=%s'", key, key,
                         value != NULL ? value : "");
}

/* Fields meant for another type are refused, as Docker does. */
static int csv_check(struct hull_mount_spec *m, const char *source, const char *target,
                     hull_error **err)
{
    if (m->kind != HULL_MOUNT_BIND && (m->propagation != NULL || m->nonrecursive))
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "invalid mount \"%s\": bind options for a non-bind mount", m->spec);
    if (m->kind != HULL_MOUNT_VOLUME && (m->nocopy || m->labels != NULL))
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "invalid mount \"%s\": volume options for a non-volume mount",
                             m->spec);
    if (m->kind != HULL_MOUNT_TMPFS && m->tmpfs_opts != NULL)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "invalid mount \"%s\": tmpfs options for a non-tmpfs mount", m->spec);
    if (m->kind == HULL_MOUNT_TMPFS && source != NULL && source[0] != '\0')
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "invalid mount \"%s\": source is not allowed for tmpfs", m->spec);
    if (m->kind == HULL_MOUNT_BIND && (source == NULL || source[0] == '\0'))
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "invalid mount \"%s\": source is required for a bind mount", m->spec);
    if (set_target(m, target, err) < 0 || set_source(m, source, err) < 0)
        return -1;
    if (m->kind == HULL_MOUNT_BIND && m->propagation == NULL)
        m->propagation = xstrdup("rprivate");
    return 0;
}

int hull_mount_spec_parse_mount(const char *spec, struct hull_mount_spec *out, hull_error **err)
{
    _cleanup_free_ char *copy = xstrdup(spec);
    _cleanup_free_ char *source = NULL, *target = NULL;
    char *cursor = copy, *field;
    bool typed = false;

    memset(out, 0, sizeof(*out));
    out->spec = xstrdup(spec);
    out->kind = HULL_MOUNT_VOLUME;
    while ((field = strsep(&cursor, ",")) != NULL) {
        char *eq = strchr(field, '=');
        if (eq != NULL)
            *eq = '\0';
        if (csv_field(out, field, eq != NULL ? eq + 1 : NULL, &source, &target, &typed, err) < 0)
            goto fail;
    }
    if (csv_check(out, source, target, err) < 0)
        goto fail;
    return 0;
fail:
    hull_err_wrap(err, "invalid argument \"%s\" for \"--mount\" flag", spec);
    hull_mount_spec_clear(out);
    return -1;
}

int hull_mount_spec_parse_tmpfs(const char *spec, struct hull_mount_spec *out, hull_error **err)
{
    const char *colon = strchr(spec, ':');
    _cleanup_free_ char *target = xstrndup(spec, colon ? (size_t)(colon - spec) : strlen(spec));

    memset(out, 0, sizeof(*out));
    out->spec = xstrdup(spec);
    out->kind = HULL_MOUNT_TMPFS;
    if (set_target(out, target, err) < 0) {
        hull_mount_spec_clear(out);
        return hull_err_wrap(err, "--tmpfs");
    }
    if (colon != NULL && colon[1] != '\0') {
        _cleanup_free_ char *opts = xstrdup(colon + 1);
        char *cursor = opts, *o;
        while ((o = strsep(&cursor, ",")) != NULL) {
            if (o[0] == '\0')
                continue;
            if (strcmp(o, "ro") == 0)
                out->readonly = true;
            strv_append(&out->tmpfs_opts, o);
        }
    }
    return 0;
}

char **hull_mount_spec_tmpfs_options(const struct hull_mount_spec *m)
{
    static const char *const defaults[] = {"rw", "noexec", "nosuid", "nodev", NULL};
    char **opts = strv_dup((char *const *)defaults);

    for (size_t i = 0; m->tmpfs_opts != NULL && m->tmpfs_opts[i] != NULL; i++)
        strv_append(&opts, m->tmpfs_opts[i]);
    if (m->readonly)
        strv_append(&opts, "ro");
    return opts;
}
