#include "store.h"
#include "digest.h"
#include "image.h"
#include "log.h"
#include "store_internal.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define MIN_ID_PREFIX 4
#define STATE_MAX     (256 << 20)

static int open_subdir(int dirfd, const char *name, mode_t mode, hull_error **err)
{
    int fd;

    if (mkdirat(dirfd, name, mode) < 0 && errno != EEXIST)
        return hull_err(err, errno, "create directory \"%s\"", name);
    fd = openat(dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return hull_err(err, errno, "open directory \"%s\"", name);
    return fd;
}

static int store_open_dirs(struct hull_store *s, hull_error **err)
{
    _cleanup_close_ int blobs = -1;

    s->root_fd = open(s->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (s->root_fd < 0)
        return hull_err(err, errno, "open \"%s\"", s->root);
    blobs = open_subdir(s->root_fd, "blobs", 0700, err);
    if (blobs < 0 || (s->blobs_fd = open_subdir(blobs, HULL_DIGEST_ALGO, 0700, err)) < 0 ||
        (s->layers_fd = open_subdir(s->root_fd, "layers", 0711, err)) < 0 ||
        (s->tmp_fd = open_subdir(s->root_fd, "tmp", 0700, err)) < 0)
        return -1;
    s->lock_fd = openat(s->root_fd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (s->lock_fd < 0)
        return hull_err(err, errno, "open \"%s/lock\"", s->root);
    return 0;
}

int hull_store_open(const char *root, struct hull_store **out, hull_error **err)
{
    _cleanup_store_ struct hull_store *s = xmalloc0(sizeof(*s));
    char real[PATH_MAX];

    s->root_fd = s->blobs_fd = s->layers_fd = s->tmp_fd = s->lock_fd = -1;
    if (mkdir_p(root, 0711, err) < 0)
        return hull_err_wrap(err, "image store");
    if (realpath(root, real) == NULL)
        return hull_err(err, errno, "image store: resolve \"%s\"", root);
    s->root = xstrdup(real);
    if (store_open_dirs(s, err) < 0)
        return hull_err_wrap(err, "image store \"%s\"", s->root);
    *out = take_ptr(s);
    return 0;
}

void hull_store_close(struct hull_store *s)
{
    if (s == NULL)
        return;
    closep(&s->root_fd);
    closep(&s->blobs_fd);
    closep(&s->layers_fd);
    closep(&s->tmp_fd);
    closep(&s->lock_fd);
    free(s->root);
    free(s);
}

void hull_store_closep(struct hull_store **s)
{
    hull_store_close(*s);
    *s = NULL;
}

const char *hull_store_root(const struct hull_store *s)
{
    return s->root;
}

int store_lock(struct hull_store *s, int op, hull_error **err)
{
    while (flock(s->lock_fd, op) < 0) {
        if (errno != EINTR)
            return hull_err(err, errno, "lock the image store \"%s\"", s->root);
    }
    return 0;
}

void store_unlock(struct hull_store *s)
{
    flock(s->lock_fd, LOCK_UN);
}

static int check_state(json_t *state, hull_error **err)
{
    static const char *const maps[] = {"images", "tags", "layers"};
    json_t *v = json_object_get(state, "version");

    if (!json_is_object(state))
        return hull_err(err, 0, "expected a JSON object");
    if (!json_is_integer(v) || json_integer_value(v) != STORE_STATE_VERSION)
        return hull_err(err, 0, "version: expected %d", STORE_STATE_VERSION);
    for (size_t i = 0; i < ARRAY_SIZE(maps); i++) {
        if (!json_is_object(json_object_get(state, maps[i])))
            return hull_err(err, 0, "%s: expected an object", maps[i]);
    }
    return 0;
}

int store_state_load(struct hull_store *s, json_t **out, hull_error **err)
{
    _cleanup_free_ char *data = NULL;
    _cleanup_error_ hull_error *rerr = NULL;
    json_error_t jerr;
    size_t len;
    json_t *state;

    if (read_file_at(s->root_fd, STORE_STATE_FILE, STATE_MAX, &data, &len, &rerr) < 0) {
        if (rerr->errnum != ENOENT) {
            *err = take_ptr(rerr);
            return hull_err_wrap(err, "image store \"%s\"", s->root);
        }
        *out = json_pack("{s:i, s:{}, s:{}, s:{}}", "version", STORE_STATE_VERSION, "images",
                         "tags", "layers");
        return 0;
    }
    state = json_loadb(data, len, 0, &jerr);
    if (state == NULL)
        return hull_err(err, 0, "%s/%s:%d: %s", s->root, STORE_STATE_FILE, jerr.line, jerr.text);
    if (check_state(state, err) < 0) {
        json_decref(state);
        return hull_err_wrap(err, "%s/%s", s->root, STORE_STATE_FILE);
    }
    *out = state;
    return 0;
}

int store_state_save(struct hull_store *s, const json_t *state, hull_error **err)
{
    _cleanup_free_ char *text = json_dumps(state, JSON_INDENT(2) | JSON_SORT_KEYS);

    if (text == NULL)
        abort();
    if (write_file_atomic(s->root_fd, STORE_STATE_FILE, text, strlen(text), 0600, err) < 0)
        return hull_err_wrap(err, "image store \"%s\"", s->root);
    return 0;
}

int store_tmp_create(struct hull_store *s, const char *prefix, char **name, int *fd,
                     hull_error **err)
{
    char rnd[17];
    _cleanup_free_ char *n = NULL;
    _cleanup_close_ int dfd = -1;

    if (random_hex(rnd, 8, err) < 0)
        return -1;
    n = xasprintf("%s-%s", prefix, rnd);
    /* shared store lock: the sweeper (exclusive) never sees the directory
     * between its creation and its flock */
    if (store_lock(s, LOCK_SH, err) < 0)
        return -1;
    if (mkdirat(s->tmp_fd, n, 0700) < 0) {
        store_unlock(s);
        return hull_err(err, errno, "create \"%s/tmp/%s\"", s->root, n);
    }
    dfd = openat(s->tmp_fd, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0 || flock(dfd, LOCK_EX) < 0) {
        int saved = errno;
        unlinkat(s->tmp_fd, n, AT_REMOVEDIR);
        store_unlock(s);
        return hull_err(err, saved, "open \"%s/tmp/%s\"", s->root, n);
    }
    store_unlock(s);
    *name = take_ptr(n);
    *fd = take_fd(dfd);
    return 0;
}

void store_sweep_tmp(struct hull_store *s)
{
    int fd = openat(s->tmp_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *de;

    if (d == NULL) {
        if (fd >= 0)
            close(fd);
        return;
    }
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        _cleanup_close_ int e =
            openat(dirfd(d), de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
        if (e < 0 || flock(e, LOCK_EX | LOCK_NB) < 0)
            continue; /* alive: its owner holds the lock */
        _cleanup_error_ hull_error *err = NULL;
        if (rm_rf_at(dirfd(d), de->d_name, &err) < 0)
            hull_warn("image store: remove leftover \"%s\": %s", de->d_name, err->msg);
        else
            hull_debug("image store: removed leftover \"%s\"", de->d_name);
    }
    closedir(d);
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Copies the tags of ID, sorted. */
static char **tags_of(const json_t *state, const char *id)
{
    char **out = xmalloc0(sizeof(char *));
    const char *ref;
    json_t *v;

    json_object_foreach (json_object_get(state, "tags"), ref, v) {
        if (strcmp(json_string_value(v) ?: "", id) == 0)
            strv_append(&out, ref);
    }
    qsort(out, strv_len(out), sizeof(char *), str_cmp);
    return out;
}

static int not_found(const char *what, hull_error **err)
{
    return hull_err_kind(err, HULL_ERR_NOT_EXIST, 0, "image \"%s\" not found", what);
}

/* An id prefix: unique among the images, or an error. */
static int resolve_prefix(const json_t *state, const char *what, const char **id, hull_error **err)
{
    const char *key, *found = NULL;
    size_t len = strlen(what);
    json_t *v;

    json_object_foreach (json_object_get(state, "images"), key, v) {
        if (strncmp(hull_digest_hex(key), what, len) != 0)
            continue;
        if (found != NULL)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "image id prefix \"%s\" is ambiguous",
                                 what);
        found = key;
    }
    if (found == NULL)
        return not_found(what, err);
    *id = found;
    return 0;
}

static bool is_id_prefix(const char *s)
{
    size_t n = strspn(s, "0123456789abcdef");
    return s[n] == '\0' && n >= MIN_ID_PREFIX && n <= HULL_SHA256_HEX_LEN;
}

/* NAME@DIGEST names the image with that manifest in repository NAME. */
static int resolve_digest_ref(const json_t *state, const struct hull_ref *r, const char *what,
                              const char **id, hull_error **err)
{
    const char *key, *ref;
    json_t *img, *v;

    json_object_foreach (json_object_get(state, "images"), key, img) {
        const char *manifest = json_string_value(json_object_get(img, "manifest"));
        if (manifest == NULL || strcmp(manifest, r->digest) != 0)
            continue;
        json_object_foreach (json_object_get(state, "tags"), ref, v) {
            if (strcmp(json_string_value(v) ?: "", key) == 0 && str_has_prefix(ref, r->name) &&
                ref[strlen(r->name)] == ':') {
                *id = key;
                return 0;
            }
        }
    }
    return not_found(what, err);
}

/* Finds the image WHAT names; *id is borrowed from STATE. */
static int resolve(const json_t *state, const char *what, const char **id, hull_error **err)
{
    const json_t *images = json_object_get(state, "images");
    struct hull_ref r = {0};
    int ret;

    if (str_has_prefix(what, HULL_DIGEST_PREFIX)) {
        if (hull_digest_validate(what, err) < 0)
            return -1;
        if (json_object_get(images, what) == NULL)
            return not_found(what, err);
        /* borrowed from STATE, like every other answer */
        *id = json_object_iter_key(json_object_iter_at((json_t *)images, what));
        return 0;
    }
    if (hull_ref_parse(what, &r, NULL) == 0) {
        _cleanup_free_ char *key = r.digest ? NULL : hull_ref_format(&r);
        if (r.digest != NULL)
            ret = resolve_digest_ref(state, &r, what, id, err);
        else if ((*id = json_string_value(json_object_get(json_object_get(state, "tags"), key))))
            ret = 0;
        else
            ret = is_id_prefix(what) ? resolve_prefix(state, what, id, err) : not_found(what, err);
        hull_ref_clear(&r);
        return ret;
    }
    if (is_id_prefix(what))
        return resolve_prefix(state, what, id, err);
    /* not a name and not an id: Docker's "invalid reference format", not "not found" */
    return hull_ref_parse(what, &r, err);
}

int store_resolve(const json_t *state, const char *what, const char **id, hull_error **err)
{
    return resolve(state, what, id, err);
}

/* The config was verified against its digest (the image id) when it
 * entered the store; like Docker and Podman, reading it back trusts the
 * root-owned store rather than hashing it for every container. */
static int read_config(struct hull_store *s, const char *id, json_t **out, hull_error **err)
{
    _cleanup_free_ char *data = NULL;
    size_t len;

    if (read_file_at(s->blobs_fd, hull_digest_hex(id), STORE_CONFIG_MAX, &data, &len, err) < 0)
        return hull_err_wrap(err, "image \"%s\": config blob", id);
    if (hull_image_config_parse(data, len, out, err) < 0)
        return hull_err_wrap(err, "image \"%s\"", id);
    return 0;
}

static int build_image(struct hull_store *s, const json_t *state, const char *id,
                       struct hull_image **out, hull_error **err)
{
    const json_t *rec = json_object_get(json_object_get(state, "images"), id);
    const json_t *layers = json_object_get(state, "layers");
    struct hull_image *img = xmalloc0(sizeof(*img));
    size_t n;

    img->id = xstrdup(id);
    if (read_config(s, id, &img->config, err) < 0) {
        hull_image_free(img);
        return -1;
    }
    img->repo_tags = tags_of(state, id);
    img->diff_ids = hull_image_config_diff_ids(img->config);
    n = strv_len(img->diff_ids);
    img->layer_dirs = xmalloc0((n + 1) * sizeof(char *));
    img->layer_sizes = xmalloc0((n + 1) * sizeof(uint64_t));
    for (size_t i = 0; i < n; i++) {
        const char *d = img->diff_ids[i];
        img->layer_dirs[i] = xasprintf("%s/layers/%s", s->root, hull_digest_hex(d));
        img->layer_sizes[i] =
            (uint64_t)json_integer_value(json_object_get(json_object_get(layers, d), "size"));
        img->size += img->layer_sizes[i];
    }
    img->created = xstrdup(json_string_value(json_object_get(img->config, "created")) ?: "");
    img->manifest = xstrdup(json_string_value(json_object_get(rec, "manifest")) ?: "");
    img->repo_digest = json_is_true(json_object_get(rec, "repo_digest"));
    *out = img;
    return 0;
}

int hull_store_image_get(struct hull_store *s, const char *ref_or_id, struct hull_image **out,
                         hull_error **err)
{
    json_t *state = NULL;
    const char *id;
    int ret = -1;

    if (store_lock(s, LOCK_SH, err) < 0)
        return -1;
    if (store_state_load(s, &state, err) == 0 && resolve(state, ref_or_id, &id, err) == 0)
        ret = build_image(s, state, id, out, err);
    store_unlock(s);
    json_decref(state);
    return ret;
}

static int created_desc(const void *a, const void *b)
{
    const struct hull_image *x = *(struct hull_image *const *)a;
    const struct hull_image *y = *(struct hull_image *const *)b;
    int c = strcmp(y->created, x->created);
    return c != 0 ? c : strcmp(x->id, y->id);
}

int hull_store_image_list(struct hull_store *s, struct hull_image ***out, size_t *n,
                          hull_error **err)
{
    struct hull_image **imgs = NULL;
    json_t *state = NULL, *v;
    const char *id;
    size_t count = 0;
    int ret = 0;

    if (store_lock(s, LOCK_SH, err) < 0)
        return -1;
    if (store_state_load(s, &state, err) < 0) {
        store_unlock(s);
        return -1;
    }
    imgs = xmalloc0((json_object_size(json_object_get(state, "images")) + 1) * sizeof(*imgs));
    json_object_foreach (json_object_get(state, "images"), id, v) {
        if ((ret = build_image(s, state, id, &imgs[count], err)) < 0)
            break;
        count++;
    }
    store_unlock(s);
    json_decref(state);
    if (ret < 0) {
        hull_image_list_free(imgs, count);
        return -1;
    }
    qsort(imgs, count, sizeof(*imgs), created_desc);
    *out = imgs;
    *n = count;
    return 0;
}

int store_tag_key(const char *ref, char **out, hull_error **err)
{
    struct hull_ref r;

    if (hull_ref_parse(ref, &r, err) < 0)
        return -1;
    if (r.digest != NULL) {
        hull_ref_clear(&r);
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "cannot tag \"%s\": a tag cannot contain a digest", ref);
    }
    *out = hull_ref_format(&r);
    hull_ref_clear(&r);
    return 0;
}

int hull_store_tag(struct hull_store *s, const char *src, const char *ref, hull_error **err)
{
    _cleanup_free_ char *key = NULL;
    json_t *state = NULL;
    const char *id;
    int ret = -1;

    if (store_tag_key(ref, &key, err) < 0 || store_lock(s, LOCK_EX, err) < 0)
        return -1;
    if (store_state_load(s, &state, err) == 0 && resolve(state, src, &id, err) == 0) {
        json_object_set_new(json_object_get(state, "tags"), key, json_string(id));
        ret = store_state_save(s, state, err);
    }
    store_unlock(s);
    json_decref(state);
    return ret;
}

/* The first container in O using image ID (running ones first), or NULL. */
static const struct hull_image_user *user_of(const struct hull_image_user *users, size_t n,
                                             const char *id, bool running_only)
{
    const struct hull_image_user *found = NULL;

    for (size_t i = 0; i < n; i++) {
        if (strcmp(users[i].image_id, id) != 0)
            continue;
        if (users[i].running)
            return &users[i];
        if (found == NULL && !running_only)
            found = &users[i];
    }
    return found;
}

struct removal {
    const struct hull_rmi_opts *o;
    char **untagged, **deleted;
};

static void untag(json_t *state, struct removal *r, const char *key)
{
    strv_append(&r->untagged, key);
    json_object_del(json_object_get(state, "tags"), key);
}

/* Deletes image ID from STATE once it has no tag and no user. */
static void delete_if_unused(json_t *state, struct removal *r, const char *id)
{
    _cleanup_strv_ char **left = tags_of(state, id);

    if (strv_len(left) > 0 || user_of(r->o->users, r->o->n_users, id, false) != NULL)
        return;
    strv_append(&r->deleted, id);
    json_object_del(json_object_get(state, "images"), id);
}

static int remove_tag(json_t *state, struct removal *r, const char *ref, const char *key,
                      hull_error **err)
{
    _cleanup_free_ char *id =
        xstrdup(json_string_value(json_object_get(json_object_get(state, "tags"), key)));
    _cleanup_strv_ char **tags = tags_of(state, id);
    const struct hull_image_user *u = user_of(r->o->users, r->o->n_users, id, false);

    if (strv_len(tags) == 1 && u != NULL && !r->o->force)
        return hull_err_kind(
            err, HULL_ERR_BAD_INPUT, 0,
            "conflict: unable to remove repository reference \"%s\" (must force) - container %.12s is using its referenced image %.12s",
            ref, u->ctr_id, hull_digest_hex(id));
    untag(state, r, key);
    delete_if_unused(state, r, id);
    return 0;
}

static int remove_id(json_t *state, struct removal *r, const char *ref, hull_error **err)
{
    _cleanup_strv_ char **tags = NULL;
    _cleanup_free_ char *id = NULL;
    const struct hull_image_user *u;
    const char *rid;

    if (resolve(state, ref, &rid, err) < 0)
        return -1;
    id = xstrdup(rid);
    tags = tags_of(state, id);
    if ((u = user_of(r->o->users, r->o->n_users, id, true)) != NULL)
        return hull_err_kind(
            err, HULL_ERR_BAD_INPUT, 0,
            "conflict: unable to delete %.12s (cannot be forced) - image is being used by running container %.12s",
            hull_digest_hex(id), u->ctr_id);
    if (!r->o->force && strv_len(tags) > 1)
        return hull_err_kind(
            err, HULL_ERR_BAD_INPUT, 0,
            "conflict: unable to delete %.12s (must be forced) - image is referenced in multiple repositories",
            hull_digest_hex(id));
    if (!r->o->force && (u = user_of(r->o->users, r->o->n_users, id, false)) != NULL)
        return hull_err_kind(
            err, HULL_ERR_BAD_INPUT, 0,
            "conflict: unable to delete %.12s (must be forced) - image is being used by stopped container %.12s",
            hull_digest_hex(id), u->ctr_id);
    for (size_t i = 0; tags[i] != NULL; i++)
        untag(state, r, tags[i]);
    delete_if_unused(state, r, id);
    return 0;
}

/* Removes what REF names from STATE. */
static int remove_from_state(json_t *state, struct removal *r, const char *ref, hull_error **err)
{
    _cleanup_free_ char *key = NULL;
    struct hull_ref parsed;

    if (hull_ref_parse(ref, &parsed, NULL) == 0) {
        key = parsed.digest ? NULL : hull_ref_format(&parsed);
        hull_ref_clear(&parsed);
    }
    if (key != NULL && json_is_string(json_object_get(json_object_get(state, "tags"), key)))
        return remove_tag(state, r, ref, key, err);
    return remove_id(state, r, ref, err);
}

/* Drops layer records no image lists any more; returns their bytes. */
static uint64_t prune_layer_records(json_t *state)
{
    json_t *layers = json_object_get(state, "layers");
    json_t *used = json_object(), *img, *v, *x;
    const char *key;
    uint64_t freed = 0;
    size_t i;
    void *tmp;

    json_object_foreach (json_object_get(state, "images"), key, img) {
        json_array_foreach (json_object_get(img, "diff_ids"), i, x)
            json_object_set_new(used, json_string_value(x) ?: "", json_true());
    }
    json_object_foreach_safe (layers, tmp, key, v) {
        if (json_object_get(used, key) != NULL)
            continue;
        freed += (uint64_t)json_integer_value(json_object_get(v, "size"));
        json_object_del(layers, key);
    }
    json_decref(used);
    return freed;
}

/* Saves STATE after a removal, then deletes what it no longer names:
 * files go only after images.json stops naming them, so a crash in
 * between leaves unreferenced files, never dangling references. */
static int save_and_collect(struct hull_store *s, json_t *state, uint64_t *reclaimed,
                            hull_error **err)
{
    uint64_t freed = prune_layer_records(state);

    if (store_state_save(s, state, err) < 0)
        return -1;
    if (reclaimed != NULL)
        *reclaimed += freed;
    store_sweep_tmp(s);
    return store_gc(s, state, reclaimed, err);
}

static void removal_result(struct removal *r, char ***untagged, char ***deleted)
{
    if (untagged != NULL)
        *untagged = r->untagged ? take_ptr(r->untagged) : xmalloc0(sizeof(char *));
    if (deleted != NULL)
        *deleted = r->deleted ? take_ptr(r->deleted) : xmalloc0(sizeof(char *));
    strv_freep(&r->untagged);
    strv_freep(&r->deleted);
}

int hull_store_image_remove(struct hull_store *s, const char *ref, const struct hull_rmi_opts *o,
                            char ***untagged, char ***deleted, hull_error **err)
{
    static const struct hull_rmi_opts none = {0};
    struct removal r = {.o = o != NULL ? o : &none};
    json_t *state = NULL;
    int ret = -1;

    if (store_lock(s, LOCK_EX, err) < 0)
        return -1;
    if (store_state_load(s, &state, err) == 0 && remove_from_state(state, &r, ref, err) == 0)
        ret = save_and_collect(s, state, NULL, err);
    store_unlock(s);
    json_decref(state);
    removal_result(&r, untagged, deleted);
    return ret;
}

int hull_store_prune(struct hull_store *s, bool all, const struct hull_image_user *users,
                     size_t n_users, char ***untagged, char ***deleted, uint64_t *reclaimed,
                     hull_error **err)
{
    const struct hull_rmi_opts o = {.users = users, .n_users = n_users};
    struct removal r = {.o = &o};
    json_t *state = NULL, *img;
    const char *id;
    void *tmp;
    int ret = -1;

    *reclaimed = 0;
    if (store_lock(s, LOCK_EX, err) < 0)
        return -1;
    if (store_state_load(s, &state, err) == 0) {
        json_object_foreach_safe (json_object_get(state, "images"), tmp, id, img) {
            _cleanup_free_ char *key = xstrdup(id);
            _cleanup_strv_ char **tags = tags_of(state, key);
            if (user_of(users, n_users, key, false) != NULL || (!all && strv_len(tags) > 0))
                continue;
            for (size_t i = 0; tags[i] != NULL; i++)
                untag(state, &r, tags[i]);
            delete_if_unused(state, &r, key);
        }
        ret = save_and_collect(s, state, reclaimed, err);
    }
    store_unlock(s);
    json_decref(state);
    removal_result(&r, untagged, deleted);
    return ret;
}

static json_t *referenced(const json_t *state, bool layers)
{
    json_t *set = json_object(), *img, *x;
    const char *id;
    size_t i;

    json_object_foreach (json_object_get(state, "images"), id, img) {
        if (layers) {
            json_array_foreach (json_object_get(img, "diff_ids"), i, x)
                json_object_set_new(set, hull_digest_hex(json_string_value(x) ?: ""), json_true());
            continue;
        }
        json_object_set_new(set, hull_digest_hex(id), json_true());
        json_object_set_new(
            set, hull_digest_hex(json_string_value(json_object_get(img, "manifest")) ?: ""),
            json_true());
        json_array_foreach (json_object_get(img, "layer_blobs"), i, x)
            json_object_set_new(set, hull_digest_hex(json_string_value(x) ?: ""), json_true());
    }
    return set;
}

/* Unreferenced layers are first renamed into tmp/, so a layer directory is
 * either complete or absent even if the removal is interrupted. */
static int remove_layer(struct hull_store *s, const char *hex, hull_error **err)
{
    char rnd[17];
    _cleanup_free_ char *name = NULL;

    if (random_hex(rnd, 8, err) < 0)
        return -1;
    name = xasprintf("del-%s", rnd);
    if (renameat(s->layers_fd, hex, s->tmp_fd, name) < 0)
        return hull_err(err, errno, "remove layer %s", hex);
    if (rm_rf_at(s->tmp_fd, name, err) < 0)
        return hull_err_wrap(err, "remove layer %s", hex);
    return 0;
}

static int gc_dir(struct hull_store *s, int dirfd, const json_t *keep, bool layers,
                  uint64_t *reclaimed, hull_error **err)
{
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *de;
    int ret = 0;

    if (d == NULL) {
        if (fd >= 0)
            close(fd);
        return hull_err(err, errno, "image store \"%s\": read directory", s->root);
    }
    while ((de = readdir(d)) != NULL && ret == 0) {
        if (!hull_digest_is_hex(de->d_name) || json_object_get(keep, de->d_name) != NULL)
            continue;
        struct stat st;
        if (layers) {
            ret = remove_layer(s, de->d_name, err);
            continue;
        }
        if (reclaimed != NULL && fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
            *reclaimed += (uint64_t)st.st_size;
        if (unlinkat(dirfd, de->d_name, 0) < 0 && errno != ENOENT)
            ret = hull_err(err, errno, "remove blob %s", de->d_name);
    }
    closedir(d);
    return ret;
}

int store_gc(struct hull_store *s, const json_t *state, uint64_t *reclaimed, hull_error **err)
{
    json_t *blobs = referenced(state, false);
    json_t *layers = referenced(state, true);
    int ret = gc_dir(s, s->blobs_fd, blobs, false, reclaimed, err);

    if (ret == 0)
        ret = gc_dir(s, s->layers_fd, layers, true, NULL, err);
    json_decref(blobs);
    json_decref(layers);
    return ret;
}

void hull_image_free(struct hull_image *img)
{
    if (img == NULL)
        return;
    free(img->id);
    strv_free(img->repo_tags);
    strv_free(img->diff_ids);
    strv_free(img->layer_dirs);
    free(img->layer_sizes);
    json_decref(img->config);
    free(img->created);
    free(img->manifest);
    free(img);
}

void hull_image_list_free(struct hull_image **imgs, size_t n)
{
    for (size_t i = 0; imgs != NULL && i < n; i++)
        hull_image_free(imgs[i]);
    free(imgs);
}
