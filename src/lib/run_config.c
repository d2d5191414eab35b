/* Mounts and security flags of `hull run` turned into config.json, and
 * runconfig.json for inspect and for the volumes' bookkeeping. */
#include "run_config.h"
#include "fscopy.h"
#include "image.h"
#include "log.h"
#include "mountspec.h"
#include "paths.h"
#include "util.h"
#include "volume.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RUN_CONFIG "runconfig.json"

struct mount_set {
    struct hull_mount_spec *m;
    size_t n;
    char **created; /* anonymous or named volumes made by this run */
};

static void mount_set_clear(struct mount_set *s)
{
    for (size_t i = 0; i < s->n; i++)
        hull_mount_spec_clear(&s->m[i]);
    free(s->m);
    strv_free(s->created);
    memset(s, 0, sizeof(*s));
}

static struct hull_mount_spec *mount_set_add(struct mount_set *s)
{
    s->m = xrealloc(s->m, (s->n + 1) * sizeof(*s->m));
    memset(&s->m[s->n], 0, sizeof(*s->m));
    return &s->m[s->n++];
}

static bool has_target(const struct mount_set *s, const char *target)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->m[i].target, target) == 0)
            return true;
    return false;
}

static int parse_list(struct mount_set *s, char *const *specs,
                      int (*parse)(const char *, struct hull_mount_spec *, hull_error **),
                      hull_error **err)
{
    for (size_t i = 0; specs != NULL && specs[i] != NULL; i++) {
        struct hull_mount_spec m;
        if (parse(specs[i], &m, err) < 0)
            return -1;
        if (has_target(s, m.target)) {
            hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "Duplicate mount point: %s", m.target);
            hull_mount_spec_clear(&m);
            return -1;
        }
        *mount_set_add(s) = m;
    }
    return 0;
}

/* The user's mounts, then an anonymous volume for each of the image's
 * Volumes that none of them covers. */
static int collect(struct hull_engine *e, const struct hull_run_request *r, struct mount_set *s,
                   hull_error **err)
{
    struct hull_image *img = NULL;
    _cleanup_strv_ char **image_volumes = NULL;

    if (parse_list(s, r->volumes, hull_mount_spec_parse_volume, err) < 0 ||
        parse_list(s, r->mounts, hull_mount_spec_parse_mount, err) < 0 ||
        parse_list(s, r->tmpfs, hull_mount_spec_parse_tmpfs, err) < 0)
        return -1;
    if (hull_store_image_get(e->store, r->image, &img, err) < 0)
        return -1;
    image_volumes = hull_image_config_volumes(img->config);
    hull_image_free(img);
    for (size_t i = 0; image_volumes != NULL && image_volumes[i] != NULL; i++) {
        _cleanup_free_ char *target = NULL;
        if (image_volumes[i][0] != '/')
            continue;
        target = hull_path_clean(image_volumes[i]);
        if (strcmp(target, "/") == 0 || has_target(s, target))
            continue;
        struct hull_mount_spec *m = mount_set_add(s);
        m->kind = HULL_MOUNT_VOLUME;
        m->target = take_ptr(target);
        m->spec = xstrdup(image_volumes[i]);
    }
    return 0;
}

static bool dir_is_empty(int fd)
{
    int dup_fd = dup(fd);
    DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
    struct dirent *de;
    bool empty = true;

    if (d == NULL) {
        if (dup_fd >= 0)
            close(dup_fd);
        return false;
    }
    rewinddir(d);
    while (empty && (de = readdir(d)) != NULL)
        empty = strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0;
    closedir(d);
    return empty;
}

/* Docker's copy-up: an empty volume mounted over a directory of the image
 * starts with that directory's content, owner and mode.  The image side is
 * resolved inside the container's root. */
static int copy_up(int rootfd, const char *target, const char *data, hull_error **err)
{
    _cleanup_error_ hull_error *missing = NULL;
    _cleanup_close_ int src = -1, dst = -1;
    struct hull_copy_opts o = {.keep_owner = true};

    src = hull_open_in_root(rootfd, target, O_RDONLY | O_DIRECTORY, 0, 0, &missing);
    if (src < 0)
        return 0;
    dst = open(data, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dst < 0)
        return hull_err(err, errno, "open \"%s\"", data);
    if (!dir_is_empty(dst))
        return 0;
    if (hull_copy_contents(src, dst, &o, err) < 0)
        return hull_err_wrap(err, "copy the image's %s into its volume", target);
    return 0;
}

static json_t *strv_json(char *const *v)
{
    json_t *a = json_array();
    for (size_t i = 0; v != NULL && v[i] != NULL; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

static json_t *bind_options(const struct hull_mount_spec *m)
{
    return json_pack("[s, s, s]", m->nonrecursive ? "bind" : "rbind",
                     m->propagation != NULL ? m->propagation : "rprivate",
                     m->readonly ? "ro" : "rw");
}

/* The volume of M, created when missing (under the volumes lock). */
static int resolve_volume(struct hull_engine *e, int lock, int rootfd, struct hull_mount_spec *m,
                          struct mount_set *s, struct hull_volume *v, hull_error **err)
{
    bool created = false;

    if (hull_volume_create_locked(e, lock, m->source, m->labels, v, &created, err) < 0)
        return -1;
    if (created)
        strv_append(&s->created, v->name);
    if (!m->nocopy && copy_up(rootfd, m->target, v->mountpoint, err) < 0)
        return -1;
    return 0;
}

/* The OCI mount of M and its entry of inspect's Mounts. */
static int resolve_one(struct hull_engine *e, int lock, int rootfd, struct hull_mount_spec *m,
                       struct mount_set *s, json_t *oci, json_t *shown, hull_error **err)
{
    struct hull_volume v = {0};
    struct stat st;

    switch (m->kind) {
    case HULL_MOUNT_BIND:
        if (stat(m->source, &st) < 0)
            return hull_err_kind(
                err, HULL_ERR_BAD_INPUT, errno == ENOENT ? 0 : errno,
                "invalid mount config for type \"bind\": bind source path does not exist: %s",
                m->source);
        json_array_append_new(oci,
                              json_pack("{s:s, s:s, s:s, s:o}", "destination", m->target, "type",
                                        "bind", "source", m->source, "options", bind_options(m)));
        json_array_append_new(shown,
                              json_pack("{s:s, s:s, s:s, s:s, s:b, s:s}", "Type", "bind", "Source",
                                        m->source, "Destination", m->target, "Mode", "", "RW",
                                        !m->readonly, "Propagation", m->propagation));
        return 0;
    case HULL_MOUNT_VOLUME:
        if (resolve_volume(e, lock, rootfd, m, s, &v, err) < 0)
            return hull_err_wrap(err, "volume for %s", m->target);
        json_array_append_new(oci, json_pack("{s:s, s:s, s:s, s:o}", "destination", m->target,
                                             "type", "bind", "source", v.mountpoint, "options",
                                             bind_options(m)));
        json_array_append_new(
            shown, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:b}", "Type", "volume",
                             "Name", v.name, "Source", v.mountpoint, "Destination", m->target,
                             "Driver", "local", "Mode", m->nocopy ? "nocopy" : "", "RW",
                             !m->readonly, "Propagation", "", "Anonymous", v.anonymous));
        hull_volume_clear(&v);
        return 0;
    case HULL_MOUNT_TMPFS: {
        _cleanup_strv_ char **opts = hull_mount_spec_tmpfs_options(m);
        json_array_append_new(oci,
                              json_pack("{s:s, s:s, s:s, s:o}", "destination", m->target, "type",
                                        "tmpfs", "source", "tmpfs", "options", strv_json(opts)));
        json_array_append_new(shown, json_pack("{s:s, s:s, s:s, s:s, s:b, s:s}", "Type", "tmpfs",
                                               "Source", "", "Destination", m->target, "Mode", "",
                                               "RW", !m->readonly, "Propagation", ""));
        return 0;
    }
    }
    return hull_err(err, EINVAL, "unknown mount kind");
}

static size_t depth_of(const char *path)
{
    size_t n = 0;
    for (; *path != '\0'; path++)
        n += *path == '/';
    return n;
}

/* Parents before children, as Docker orders them: /a must be mounted
 * before /a/b or it would hide it.  Stable for equal depths. */
static void sort_by_depth(json_t *oci)
{
    size_t n = json_array_size(oci);

    for (size_t i = 1; i < n; i++) {
        for (size_t j = i; j > 0; j--) {
            json_t *a = json_array_get(oci, j - 1), *b = json_array_get(oci, j);
            if (depth_of(json_string_value(json_object_get(a, "destination"))) <=
                depth_of(json_string_value(json_object_get(b, "destination"))))
                break;
            json_incref(a);
            json_array_set(oci, j - 1, b);
            json_array_set_new(oci, j, a);
        }
    }
}

static json_t *null_or_strv(char *const *v)
{
    return v != NULL && v[0] != NULL ? strv_json(v) : json_null();
}

static json_t *host_config_json(const struct hull_run_request *r, const struct mount_set *s)
{
    json_t *binds = json_array(), *mounts = json_array(), *tmpfs = json_object();

    for (size_t i = 0; r->volumes != NULL && r->volumes[i] != NULL; i++)
        if (strchr(r->volumes[i], ':') != NULL)
            json_array_append_new(binds, json_string(r->volumes[i]));
    for (size_t i = 0; i < s->n; i++) {
        const struct hull_mount_spec *m = &s->m[i];
        static const char *const kinds[] = {"bind", "volume", "tmpfs"};
        bool from_mount = false;
        for (size_t j = 0; r->mounts != NULL && r->mounts[j] != NULL; j++)
            from_mount = from_mount || strcmp(r->mounts[j], m->spec) == 0;
        if (from_mount)
            json_array_append_new(mounts, json_pack("{s:s, s:s, s:s, s:b}", "Type", kinds[m->kind],
                                                    "Source", m->source ? m->source : "", "Target",
                                                    m->target, "ReadOnly", m->readonly));
    }
    for (size_t i = 0; r->tmpfs != NULL && r->tmpfs[i] != NULL; i++) {
        const char *colon = strchr(r->tmpfs[i], ':');
        _cleanup_free_ char *path =
            xstrndup(r->tmpfs[i], colon ? (size_t)(colon - r->tmpfs[i]) : strlen(r->tmpfs[i]));
        json_object_set_new(tmpfs, path, json_string(colon ? colon + 1 : ""));
    }
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:b, s:b, s:o, s:o, s:b}", "Binds", binds, "Mounts",
                     mounts, "Tmpfs", tmpfs, "CapAdd", null_or_strv(r->cap_add), "CapDrop",
                     null_or_strv(r->cap_drop), "Privileged", r->privileged, "ReadonlyRootfs",
                     r->read_only, "SecurityOpt", null_or_strv(r->security_opt), "UlimitSpecs",
                     null_or_strv(r->ulimits), "AutoRemove", r->auto_remove);
}

static json_t *run_config_json(const struct hull_run_request *r, const struct hull_ocigen_opts *o,
                               const struct hull_ocigen_image *img, const struct mount_set *s,
                               json_t *shown)
{
    json_t *volumes = json_object(), *entrypoint, *cmd;

    for (size_t i = 0; i < s->n; i++)
        if (s->m[i].kind == HULL_MOUNT_VOLUME && s->m[i].source == NULL)
            json_object_set_new(volumes, s->m[i].target, json_object());
    if (r->entrypoint != NULL)
        entrypoint = r->entrypoint[0] != '\0' ? json_pack("[s]", r->entrypoint) : json_null();
    else
        entrypoint = null_or_strv((char *const *)img->entrypoint);
    if (r->cmd != NULL && r->cmd[0] != NULL)
        cmd = strv_json(r->cmd);
    else
        cmd = r->entrypoint != NULL ? json_null() : null_or_strv((char *const *)img->cmd);
    return json_pack(
        "{s:{s:s, s:b, s:b, s:o, s:o, s:s, s:s, s:o}, s:o, s:o}", "Config", "User",
        r->user ? r->user : (img->user ? img->user : ""), "Tty", r->tty, "OpenStdin",
        r->interactive, "Cmd", cmd, "Entrypoint", entrypoint, "Image", r->image, "WorkingDir",
        r->workdir ? r->workdir : (img->working_dir ? img->working_dir : ""), "Volumes",
        json_object_size(volumes) > 0 ? volumes : (json_decref(volumes), json_null()), "HostConfig",
        host_config_json(r, s), "Mounts", shown);
}

/* Synced unless the container is --rm (the record's rule, ctr.c). */
static int save(struct hull_engine *e, const char *id, json_t *doc, bool durable, hull_error **err)
{
    _cleanup_close_ int dfd = openat(e->ctr_dirfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    _cleanup_free_ char *text = NULL;

    if (dfd < 0)
        return hull_err(err, errno, "open the directory of container %.12s", id);
    text = json_dumps(doc, JSON_INDENT(2));
    return (durable ? write_file_atomic : write_file_replace)(dfd, RUN_CONFIG, text, strlen(text),
                                                              0600, err);
}

/* Removes the volumes this run made, after a failure. */
static void undo_volumes(struct hull_engine *e, int lock, const struct mount_set *s)
{
    for (size_t i = 0; s->created != NULL && s->created[i] != NULL; i++) {
        _cleanup_error_ hull_error *e2 = NULL;
        if (rm_rf_at(lock, s->created[i], &e2) < 0)
            hull_warn("remove volume %s: %s", s->created[i], e2->msg);
    }
    (void)e;
}

/* Everything that needs the volumes lock: the volumes, their copy-up and
 * the record of their use. */
static int resolve_mounts(struct hull_engine *e, const char *id, const struct hull_run_request *r,
                          const struct hull_ocigen_opts *base, const struct hull_ocigen_image *img,
                          struct mount_set *s, json_t *oci, hull_error **err)
{
    _cleanup_close_ int lock = hull_volumes_lock(e, err);
    json_t *shown = json_array(), *doc;
    int ret = -1;

    if (lock < 0) {
        json_decref(shown);
        return -1;
    }
    for (size_t i = 0; i < s->n; i++)
        if (resolve_one(e, lock, base->rootfd, &s->m[i], s, oci, shown, err) < 0)
            goto out;
    doc = run_config_json(r, base, img, s, json_incref(shown));
    ret = save(e, id, doc, !r->auto_remove, err);
    json_decref(doc);
out:
    json_decref(shown);
    if (ret < 0)
        undo_volumes(e, lock, s);
    return ret;
}

int hull_run_config(struct hull_engine *e, const char *id, const struct hull_run_request *r,
                    const struct hull_ocigen_opts *base, const struct hull_ocigen_image *img,
                    json_t **out, hull_error **err)
{
    struct hull_ocigen_opts o = *base;
    struct mount_set s = {0};
    json_t *oci = json_array();
    int ret = -1;

    if (collect(e, r, &s, err) < 0 || resolve_mounts(e, id, r, base, img, &s, oci, err) < 0)
        goto out;
    sort_by_depth(oci);
    o.mounts = oci;
    o.cap_add = (const char *const *)r->cap_add;
    o.cap_drop = (const char *const *)r->cap_drop;
    o.security_opt = (const char *const *)r->security_opt;
    o.ulimits = (const char *const *)r->ulimits;
    o.privileged = r->privileged;
    o.read_only = r->read_only;
    ret = hull_ocigen_config(&o, img, out, err);
    if (ret < 0) {
        _cleanup_close_ int lock = hull_volumes_lock(e, NULL);
        if (lock >= 0)
            undo_volumes(e, lock, &s);
    }
out:
    json_decref(oci);
    mount_set_clear(&s);
    return ret;
}

int hull_run_config_load(struct hull_engine *e, const char *id, json_t **out, hull_error **err)
{
    _cleanup_free_ char *path = xasprintf("%s/" RUN_CONFIG, id);
    _cleanup_free_ char *text = NULL;
    json_error_t je;

    *out = NULL;
    if (read_file_at(e->ctr_dirfd, path, 16 << 20, &text, NULL, NULL) < 0) {
        if (errno == ENOENT)
            return hull_err_kind(err, HULL_ERR_NOT_EXIST, 0, "container %.12s has no %s", id,
                                 RUN_CONFIG);
        return hull_err(err, errno, "read %s of container %.12s", RUN_CONFIG, id);
    }
    *out = json_loads(text, 0, &je);
    if (!json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        return hull_err(err, 0, "%s of container %.12s: %s", RUN_CONFIG, id, je.text);
    }
    return 0;
}

/* Calls FN for each volume mount of container ID's runconfig.json. */
static void each_volume(struct hull_engine *e, const char *id,
                        void (*fn)(const char *id, json_t *mount, void *data), void *data)
{
    json_t *doc = NULL, *m;
    size_t i;

    if (hull_run_config_load(e, id, &doc, NULL) < 0)
        return;
    json_array_foreach (json_object_get(doc, "Mounts"), i, m) {
        const char *type = json_string_value(json_object_get(m, "Type"));
        if (type != NULL && strcmp(type, "volume") == 0 &&
            json_is_string(json_object_get(m, "Name")))
            fn(id, m, data);
    }
    json_decref(doc);
}

static void add_pair(const char *id, json_t *mount, void *data)
{
    _cleanup_free_ char *pair =
        xasprintf("%s %s", id, json_string_value(json_object_get(mount, "Name")));
    strv_append(data, pair);
}

int hull_run_mounts_all_volumes(struct hull_engine *e, char ***pairs, hull_error **err)
{
    int fd = dup(e->ctr_dirfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *de;

    *pairs = NULL;
    if (d == NULL) {
        if (fd >= 0)
            close(fd);
        return hull_err(err, errno, "read the containers directory");
    }
    rewinddir(d);
    while ((de = readdir(d)) != NULL)
        if (strlen(de->d_name) == HULL_CTR_ID_LEN)
            each_volume(e, de->d_name, add_pair, pairs);
    closedir(d);
    return 0;
}

static void add_anonymous(const char *id, json_t *mount, void *data)
{
    (void)id;
    if (json_is_true(json_object_get(mount, "Anonymous")))
        strv_append(data, json_string_value(json_object_get(mount, "Name")));
}

int hull_run_mounts_anonymous(struct hull_engine *e, const char *id, char ***names,
                              hull_error **err)
{
    (void)err;
    *names = NULL;
    each_volume(e, id, add_anonymous, names);
    return 0;
}
