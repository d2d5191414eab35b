/* `hull import` and `hull commit`: a tarball becomes a new layer, with a
 * config and a manifest of its own (store_layer.c does the reading). */
#include "digest.h"
#include "image.h"
#include "log.h"
#include "store.h"
#include "store_internal.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Names inside a work directory. */
#define WS_BLOB     "blob"
#define WS_LAYER    "layer"
#define WS_CONFIG   "config"
#define WS_MANIFEST "manifest"

int store_write_metadata(int ws_fd, const json_t *cfg, json_t *layers, struct store_new_image *img,
                         struct store_item items[2], hull_error **err)
{
    _cleanup_free_ char *config = hull_image_config_dump(cfg);
    _cleanup_free_ char *manifest = NULL;
    json_t *m;

    if (hull_sha256_buf(config, strlen(config), img->id, err) < 0 ||
        write_file_atomic(ws_fd, WS_CONFIG, config, strlen(config), 0644, err) < 0)
        return -1;
    m = json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:O}", "schemaVersion", 2, "mediaType",
                  STORE_MEDIA_MANIFEST, "config", "mediaType", STORE_MEDIA_CONFIG, "digest",
                  img->id, "size", (json_int_t)strlen(config), "layers", layers);
    manifest = hull_image_config_dump(m);
    json_decref(m);
    if (hull_sha256_buf(manifest, strlen(manifest), img->manifest, err) < 0 ||
        write_file_atomic(ws_fd, WS_MANIFEST, manifest, strlen(manifest), 0644, err) < 0)
        return -1;
    items[0] = (struct store_item){.ws_name = xstrdup(WS_CONFIG)};
    memcpy(items[0].digest, img->id, HULL_DIGEST_SIZE);
    items[1] = (struct store_item){.ws_name = xstrdup(WS_MANIFEST)};
    memcpy(items[1].digest, img->manifest, HULL_DIGEST_SIZE);
    return 0;
}

/* What one import or commit produces, before it is committed. */
struct single {
    struct hull_store *s;
    char *ws_name;
    int ws_fd;
    struct store_layer_job job;
    struct store_item items[4];
    struct store_new_image img;
    json_t *cfg;
    json_t *layers; /* manifest descriptors */
};

static void single_clear(struct single *x)
{
    if (x->ws_name != NULL) {
        _cleanup_error_ hull_error *e = NULL;
        if (rm_rf_at(x->s->tmp_fd, x->ws_name, &e) < 0)
            hull_warn("image store: remove \"tmp/%s\": %s", x->ws_name, e->msg);
    }
    closep(&x->ws_fd); /* releases the work directory's flock */
    free(x->ws_name);
    for (size_t i = 0; i < ARRAY_SIZE(x->items); i++)
        free(x->items[i].ws_name);
    hull_error_free(x->job.err);
    free(x->job.name);
    free(x->job.ws_blob);
    free(x->job.ws_layer);
    strv_free(x->img.diff_ids);
    strv_free(x->img.layer_blobs);
    strv_free(x->img.tags);
    free(x->img.created);
    json_decref(x->cfg);
    json_decref(x->layers);
}

/* Unpacks the job's layer and commits it with the config X->cfg, to
 * which the layer is added.  BLOB_WS names the blob in the work
 * directory when the job does not copy it. */
static int finish(struct single *x, const char *blob_ws, const char *created_by,
                  const char *comment, hull_error **err)
{
    struct store_layer_job *j = &x->job;

    if (store_layer_ingest(x->ws_fd, j, err) < 0)
        return -1;
    if (hull_image_config_add_layer(x->cfg, j->diff_id, x->img.created, created_by, comment, err) <
        0)
        return -1;
    json_array_append_new(x->layers,
                          json_pack("{s:s, s:s, s:I}", "mediaType", j->media_type, "digest",
                                    j->blob, "size", (json_int_t)j->blob_size));
    if (store_write_metadata(x->ws_fd, x->cfg, x->layers, &x->img, x->items, err) < 0)
        return -1;
    x->items[2] = (struct store_item){.ws_name = xstrdup(blob_ws)};
    memcpy(x->items[2].digest, j->blob, HULL_DIGEST_SIZE);
    x->items[3] = (struct store_item){.ws_name = xstrdup(WS_LAYER),
                                      .layer = true,
                                      .size = j->unpacked_size,
                                      .tar_size = j->tar_size};
    memcpy(x->items[3].digest, j->diff_id, HULL_DIGEST_SIZE);
    x->img.diff_ids = hull_image_config_diff_ids(x->cfg);
    strv_append(&x->img.layer_blobs, j->blob);
    return store_commit(x->s, x->ws_fd, x->items, ARRAY_SIZE(x->items), &x->img, 1, err);
}

static int open_source(const char *path, hull_error **err)
{
    int fd = strcmp(path, "-") == 0 ? fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3)
                                    : open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;

    if (fd < 0)
        return hull_err(err, errno, "open \"%s\"", path);
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, EISDIR, "open \"%s\"", path);
    }
    return fd;
}

static int run_import(struct single *x, const char *tar_path, char *const *changes,
                      hull_error **err)
{
    _cleanup_close_ int fd = -1;

    x->img.created = hull_time_now_rfc3339();
    x->layers = json_array();
    /* the cheap checks first: a bad --change fails before any unpacking */
    if (hull_image_config_new(x->img.created, &x->cfg, err) < 0 ||
        hull_image_config_apply_changes(x->cfg, changes, err) < 0)
        return -1;
    fd = open_source(tar_path, err);
    if (fd < 0 || store_tmp_create(x->s, "import", &x->ws_name, &x->ws_fd, err) < 0)
        return -1;
    x->job = (struct store_layer_job){
        .src = {.fd = fd, .len = -1},
        .want_size = -1,
        .ws_blob = xstrdup(WS_BLOB),
        .ws_layer = xstrdup(WS_LAYER),
    };
    if (finish(x, WS_BLOB, "hull import", NULL, err) < 0)
        return -1;
    hull_debug("imported \"%s\" as %s: layer %s, %" PRIu64 " bytes", tar_path, x->img.id,
               x->job.diff_id, x->job.unpacked_size);
    return 0;
}

int hull_store_import(struct hull_store *s, const char *tar_path, const char *ref,
                      char *const *changes, char **image_id, hull_error **err)
{
    struct single x = {.s = s, .ws_fd = -1};
    char *tag = NULL;
    int ret = -1;

    if (ref == NULL || store_tag_key(ref, &tag, err) == 0) {
        if (tag != NULL)
            strv_append(&x.img.tags, tag);
        ret = run_import(&x, tar_path, changes, err);
    }
    free(tag);
    if (ret == 0 && image_id != NULL)
        *image_id = xstrdup(x.img.id);
    single_clear(&x);
    if (ret < 0)
        return hull_err_wrap(err, "import \"%s\"", tar_path);
    return 0;
}

/* The base image's config, with its layer descriptors from its manifest. */
static int load_base(struct single *x, const char *base, hull_error **err)
{
    _cleanup_free_ char *data = NULL;
    struct hull_image *img = NULL;
    json_t *m, *layers;
    size_t len;

    if (hull_store_image_get(x->s, base, &img, err) < 0)
        return -1;
    x->cfg = json_deep_copy(img->config);
    if (read_file_at(x->s->blobs_fd, hull_digest_hex(img->manifest), STORE_CONFIG_MAX, &data, &len,
                     err) < 0) {
        hull_image_free(img);
        return hull_err_wrap(err, "image %s: manifest", base);
    }
    hull_image_free(img);
    m = json_loadb(data, len, 0, NULL);
    layers = json_object_get(m, "layers");
    if (!json_is_array(layers)) {
        json_decref(m);
        return hull_err(err, 0, "image %s: its manifest has no layers", base);
    }
    x->layers = json_deep_copy(layers);
    json_decref(m);
    for (size_t i = 0; i < json_array_size(x->layers); i++) {
        const char *d = json_string_value(json_object_get(json_array_get(x->layers, i), "digest"));
        if (d == NULL)
            return hull_err(err, 0, "image %s: its manifest lists a layer without a digest", base);
        strv_append(&x->img.layer_blobs, d);
    }
    return 0;
}

/* Config fields of the new image: its history entry and author. */
static int commit_config(struct single *x, const struct hull_store_commit_opts *o, hull_error **err)
{
    json_t *rc = json_object_get(x->cfg, "config");

    json_object_set_new(x->cfg, "created", json_string(x->img.created));
    if (o->author != NULL)
        json_object_set_new(x->cfg, "author", json_string(o->author));
    if (!json_is_object(rc))
        json_object_set_new(x->cfg, "config", json_object());
    return hull_image_config_apply_changes(x->cfg, o->changes, err);
}

static int run_commit(struct single *x, const struct hull_store_commit_opts *o, hull_error **err)
{
    _cleanup_close_ int fd = -1;
    struct stat st;

    x->img.created = hull_time_now_rfc3339();
    if (load_base(x, o->base, err) < 0 || commit_config(x, o, err) < 0)
        return -1;
    if (store_tmp_create(x->s, "commit", &x->ws_name, &x->ws_fd, err) < 0)
        return -1;
    fd = openat(x->ws_fd, WS_BLOB, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        return hull_err(err, errno, "create the layer tar");
    if (o->write_tar(fd, o->data, err) < 0)
        return -1;
    if (fstat(fd, &st) < 0)
        return hull_err(err, errno, "stat the layer tar");
    x->job = (struct store_layer_job){
        .src = {.fd = fd, .off = 0, .len = st.st_size},
        .want_size = -1,
        .ws_layer = xstrdup(WS_LAYER),
    };
    return finish(x, WS_BLOB, o->created_by, o->comment, err);
}

int hull_store_commit(struct hull_store *s, const struct hull_store_commit_opts *o, char **image_id,
                      hull_error **err)
{
    struct single x = {.s = s, .ws_fd = -1};
    char *tag = NULL;
    int ret = -1;

    if (o->ref == NULL || store_tag_key(o->ref, &tag, err) == 0) {
        if (tag != NULL)
            strv_append(&x.img.tags, tag);
        ret = run_commit(&x, o, err);
    }
    free(tag);
    if (ret == 0 && image_id != NULL)
        *image_id = xstrdup(x.img.id);
    single_clear(&x);
    return ret;
}
