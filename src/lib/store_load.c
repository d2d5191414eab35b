/* `hull load`: images from an OCI image layout (a directory or a tar of
 * one: oci-layout, index.json, blobs/sha256/) or from a `docker save`
 * archive (manifest.json, configs and layer tars).
 *
 * Nothing in an archive is trusted: every blob whose digest the archive
 * states (index -> manifest -> config and layers) is hashed while it is
 * read and refused on a mismatch, and every layer's uncompressed digest
 * must be the diff_id its config lists, so an image is stored exactly as
 * its id (the config digest) promises.  All of it is prepared in a work
 * directory; a failure anywhere leaves the store as it was. */
#include "digest.h"
#include "image.h"
#include "log.h"
#include "store.h"
#include "store_internal.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#define JSON_MAX    (16 << 20)
#define INDEX_DEPTH 4

#define MEDIA_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MEDIA_DOCKER_LIST     "application/vnd.docker.distribution.manifest.list.v2+json"
#define MEDIA_DOCKER_LAYER    "application/vnd.docker.image.rootfs.diff.tar"
#define MEDIA_DOCKER_FOREIGN  "application/vnd.docker.image.rootfs.foreign.diff.tar"
#define ANNOT_REF_NAME        "org.opencontainers.image.ref.name"
#define ANNOT_CONTAINERD_NAME "io.containerd.image.name"

struct loaded {
    struct store_new_image img;
    char *manifest_data; /* the manifest as found, or NULL to write one */
    size_t manifest_len;
    char *config_data;
    size_t config_len;
    size_t *jobs; /* job index of each layer */
};

struct load {
    struct hull_store *s;
    char *ws_name;
    int ws_fd;
    struct store_archive *ar;
    struct store_layer_job *jobs;
    size_t n_jobs;
    struct loaded *imgs;
    size_t n_imgs;
};

static int read_json(struct load *l, const char *name, const char *want_digest, int64_t want_size,
                     char **data, size_t *len, json_t **out, hull_error **err)
{
    char digest[HULL_DIGEST_SIZE];
    json_error_t jerr;

    if (store_archive_read(l->ar, name, JSON_MAX, data, len, err) < 0)
        return -1;
    if (want_size >= 0 && (int64_t)*len != want_size)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "\"%s\": size %zu does not match the %lld bytes its descriptor gives",
                             name, *len, (long long)want_size);
    if (hull_sha256_buf(*data, *len, digest, err) < 0)
        return -1;
    if (want_digest != NULL && strcmp(digest, want_digest) != 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "\"%s\": content digest %s is not %s",
                             name, digest, want_digest);
    *out = json_loadb(*data, *len, 0, &jerr);
    if (*out == NULL)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "\"%s\":%d: %s", name, jerr.line,
                             jerr.text);
    return 0;
}

static char *blob_path(const char *digest)
{
    return xasprintf("blobs/sha256/%s", hull_digest_hex(digest));
}

/* A layer job for member NAME, shared with an earlier identical one. */
static size_t add_job(struct load *l, const char *name, const char *want_blob, int64_t want_size,
                      const char *want_diff_id)
{
    for (size_t i = 0; i < l->n_jobs; i++) {
        if (strcmp(l->jobs[i].name + strlen("layer "), name) == 0)
            return i;
    }
    l->jobs = xrealloc(l->jobs, (l->n_jobs + 1) * sizeof(*l->jobs));
    l->jobs[l->n_jobs] = (struct store_layer_job){
        .name = xasprintf("layer %s", name),
        .want_blob = want_blob ? xstrdup(want_blob) : NULL,
        .want_size = want_size,
        .want_diff_id = xstrdup(want_diff_id),
    };
    return l->n_jobs++;
}

static struct loaded *find_or_add_image(struct load *l, const char *id, bool *is_new)
{
    for (size_t i = 0; i < l->n_imgs; i++) {
        if (strcmp(l->imgs[i].img.id, id) == 0) {
            *is_new = false;
            return &l->imgs[i];
        }
    }
    l->imgs = xrealloc(l->imgs, (l->n_imgs + 1) * sizeof(*l->imgs));
    struct loaded *x = &l->imgs[l->n_imgs++];
    *x = (struct loaded){0};
    memcpy(x->img.id, id, HULL_DIGEST_SIZE);
    *is_new = true;
    return x;
}

static int add_tag(struct loaded *x, const char *ref, hull_error **err)
{
    char *key;

    if (store_tag_key(ref, &key, err) < 0)
        return -1;
    for (size_t i = 0; x->img.tags != NULL && x->img.tags[i] != NULL; i++) {
        if (strcmp(x->img.tags[i], key) == 0) {
            free(key);
            return 0;
        }
    }
    strv_append(&x->img.tags, key);
    free(key);
    return 0;
}

/* Reads the config NAME, checks it, and registers its image.  *X is NULL
 * when the archive lists the same image again (only its tags count). */
static int load_config(struct load *l, const char *name, const char *want, int64_t want_size,
                       struct loaded **x, hull_error **err)
{
    _cleanup_free_ char *data = NULL;
    char id[HULL_DIGEST_SIZE];
    json_t *cfg = NULL, *raw = NULL;
    size_t len;
    bool is_new;

    if (read_json(l, name, want, want_size, &data, &len, &raw, err) < 0)
        return -1;
    json_decref(raw);
    if (hull_sha256_buf(data, len, id, err) < 0)
        return -1;
    if (hull_image_config_parse(data, len, &cfg, err) < 0)
        return hull_err_wrap(err, "\"%s\"", name);
    *x = find_or_add_image(l, id, &is_new);
    if (is_new) {
        (*x)->img.diff_ids = hull_image_config_diff_ids(cfg);
        (*x)->img.created = xstrdup(json_string_value(json_object_get(cfg, "created")) ?: "");
        (*x)->config_data = take_ptr(data);
        (*x)->config_len = len;
    }
    json_decref(cfg);
    return 0;
}

/* docker-archive: manifest.json lists each image's config, tags and
 * layer tars.  A member named after a digest (HEX.json, blobs/sha256/HEX)
 * must hash to it. */
static const char *digest_in_name(const char *name, char buf[HULL_DIGEST_SIZE])
{
    const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
    size_t n = strspn(base, "0123456789abcdef");

    if (n != HULL_SHA256_HEX_LEN || (base[n] != '\0' && strcmp(base + n, ".json") != 0))
        return NULL;
    if (base[n] == '\0' && !str_has_prefix(name, "blobs/sha256/"))
        return NULL;
    snprintf(buf, HULL_DIGEST_SIZE, "%s%.*s", HULL_DIGEST_PREFIX, HULL_SHA256_HEX_LEN, base);
    return buf;
}

static int load_docker_entry(struct load *l, json_t *ent, size_t idx, hull_error **err)
{
    const char *config = json_string_value(json_object_get(ent, "Config"));
    json_t *layers = json_object_get(ent, "Layers"), *tags = json_object_get(ent, "RepoTags"), *v;
    char want[HULL_DIGEST_SIZE];
    struct loaded *x;
    size_t i;

    if (config == NULL || !json_is_array(layers))
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "manifest.json[%zu]: Config and Layers are required", idx);
    if (json_object_get(ent, "LayerSources") != NULL)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "manifest.json[%zu]: foreign layers (LayerSources) are not supported",
                             idx);
    if (load_config(l, config, digest_in_name(config, want), -1, &x, err) < 0)
        return -1;
    json_array_foreach (tags, i, v) {
        if (!json_is_string(v) || add_tag(x, json_string_value(v), err) < 0)
            return hull_err_wrap(err, "manifest.json[%zu].RepoTags[%zu]", idx, i);
    }
    if (x->jobs != NULL)
        return 0;
    if (json_array_size(layers) != strv_len(x->img.diff_ids))
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "manifest.json[%zu]: %zu layers but the config lists %zu diff_ids",
                             idx, json_array_size(layers), strv_len(x->img.diff_ids));
    x->jobs = xmalloc0((json_array_size(layers) + 1) * sizeof(size_t));
    json_array_foreach (layers, i, v) {
        const char *name = json_string_value(v);
        if (name == NULL)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 "manifest.json[%zu].Layers[%zu]: expected a string", idx, i);
        x->jobs[i] = add_job(l, name, digest_in_name(name, want), -1, x->img.diff_ids[i]);
    }
    return 0;
}

static int load_docker(struct load *l, hull_error **err)
{
    _cleanup_free_ char *data = NULL;
    json_t *m = NULL, *ent;
    size_t len, i;
    int ret = 0;

    if (read_json(l, "manifest.json", NULL, -1, &data, &len, &m, err) < 0)
        return -1;
    if (!json_is_array(m) || json_array_size(m) == 0)
        ret = hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "manifest.json: expected a list of images");
    json_array_foreach (m, i, ent) {
        if (ret == 0)
            ret = load_docker_entry(l, ent, i, err);
    }
    json_decref(m);
    return ret;
}

/* A descriptor's digest and size, checked. */
static int descriptor(json_t *d, const char *where, const char **digest, int64_t *size,
                      hull_error **err)
{
    json_t *sz = json_object_get(d, "size");

    *digest = json_string_value(json_object_get(d, "digest"));
    if (*digest == NULL || !json_is_integer(sz) || json_integer_value(sz) < 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "%s: digest and size are required", where);
    if (hull_digest_validate(*digest, err) < 0)
        return hull_err_wrap(err, "%s", where);
    *size = json_integer_value(sz);
    return 0;
}

static int check_layer_media(const char *mt, const char *where, hull_error **err)
{
    if (mt == NULL)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "%s: mediaType is required", where);
    if (strstr(mt, "+encrypted") != NULL)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "%s: encrypted layers (\"%s\") are not supported", where, mt);
    if (str_has_prefix(mt, STORE_MEDIA_LAYER) || str_has_prefix(mt, MEDIA_DOCKER_LAYER) ||
        str_has_prefix(mt, MEDIA_DOCKER_FOREIGN) ||
        str_has_prefix(mt, "application/vnd.oci.image.layer.nondistributable.v1.tar"))
        return 0;
    return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "%s: layer media type \"%s\" is not supported",
                         where, mt);
}

/* An image manifest: its config and layers, each checked against its
 * descriptor.  The manifest's own bytes are kept to be stored as is. */
static int load_oci_manifest(struct load *l, const char *digest, int64_t size, const char *ref,
                             hull_error **err)
{
    _cleanup_free_ char *path = blob_path(digest);
    _cleanup_free_ char *data = NULL;
    _cleanup_free_ char *cpath = NULL;
    json_t *m = NULL, *layers, *d;
    const char *cdigest;
    int64_t csize;
    struct loaded *x;
    size_t len, i;
    int ret = -1;

    if (read_json(l, path, digest, size, &data, &len, &m, err) < 0)
        return -1;
    layers = json_object_get(m, "layers");
    if (!json_is_array(layers) ||
        descriptor(json_object_get(m, "config"), "config", &cdigest, &csize, err) < 0) {
        ret = json_is_array(layers) ? -1
                                    : hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "layers: required");
        goto out;
    }
    cpath = blob_path(cdigest);
    if (load_config(l, cpath, cdigest, csize, &x, err) < 0)
        goto out;
    if (ref != NULL && add_tag(x, ref, err) < 0)
        goto out;
    if (x->jobs != NULL) {
        ret = 0;
        goto out;
    }
    if (json_array_size(layers) != strv_len(x->img.diff_ids)) {
        ret = hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "%zu layers but the config lists %zu",
                            json_array_size(layers), strv_len(x->img.diff_ids));
        goto out;
    }
    x->jobs = xmalloc0((json_array_size(layers) + 1) * sizeof(size_t));
    json_array_foreach (layers, i, d) {
        _cleanup_free_ char *where = xasprintf("layers[%zu]", i);
        const char *ld;
        int64_t lsize;
        if (check_layer_media(json_string_value(json_object_get(d, "mediaType")), where, err) < 0 ||
            descriptor(d, where, &ld, &lsize, err) < 0)
            goto out;
        _cleanup_free_ char *lpath = blob_path(ld);
        x->jobs[i] = add_job(l, lpath, ld, lsize, x->img.diff_ids[i]);
    }
    x->manifest_data = take_ptr(data);
    x->manifest_len = len;
    ret = 0;
out:
    json_decref(m);
    if (ret < 0)
        hull_err_wrap(err, "manifest %s", digest);
    return ret;
}

/* The name an index entry gives its image: containerd's full reference,
 * else the OCI ref.name when it is a reference rather than a bare tag. */
static const char *ref_of(json_t *desc, const char *inherited)
{
    json_t *a = json_object_get(desc, "annotations");
    const char *full = json_string_value(json_object_get(a, ANNOT_CONTAINERD_NAME));
    const char *name = json_string_value(json_object_get(a, ANNOT_REF_NAME));

    if (full != NULL)
        return full;
    if (name != NULL && strpbrk(name, ":/@") != NULL)
        return name;
    return inherited;
}

static bool platform_ok(json_t *desc)
{
    json_t *p = json_object_get(desc, "platform");
    const char *os = json_string_value(json_object_get(p, "os"));
    const char *arch = json_string_value(json_object_get(p, "architecture"));
    const char *host = hull_image_host_arch();

    if (p == NULL)
        return true;
    return os != NULL && strcmp(os, "linux") == 0 && arch != NULL && host != NULL &&
           strcmp(arch, host) == 0;
}

static int load_index(struct load *l, json_t *index, const char *where, const char *ref, int depth,
                      hull_error **err);

static int load_descriptor(struct load *l, json_t *d, const char *where, const char *ref, int depth,
                           hull_error **err)
{
    const char *mt = json_string_value(json_object_get(d, "mediaType"));
    const char *digest;
    int64_t size;

    if (descriptor(d, where, &digest, &size, err) < 0)
        return -1;
    if (mt != NULL &&
        (strcmp(mt, STORE_MEDIA_MANIFEST) == 0 || strcmp(mt, MEDIA_DOCKER_MANIFEST) == 0))
        return load_oci_manifest(l, digest, size, ref, err);
    if (mt != NULL && (strcmp(mt, STORE_MEDIA_INDEX) == 0 || strcmp(mt, MEDIA_DOCKER_LIST) == 0)) {
        _cleanup_free_ char *path = blob_path(digest);
        _cleanup_free_ char *data = NULL;
        json_t *sub = NULL;
        size_t len;
        if (depth >= INDEX_DEPTH)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "%s: indexes nested too deep", where);
        if (read_json(l, path, digest, size, &data, &len, &sub, err) < 0)
            return -1;
        int ret = load_index(l, sub, digest, ref, depth + 1, err);
        json_decref(sub);
        return ret;
    }
    return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "%s: media type \"%s\" is not supported",
                         where, mt ?: "(none)");
}

static int load_index(struct load *l, json_t *index, const char *where, const char *ref, int depth,
                      hull_error **err)
{
    json_t *ms = json_object_get(index, "manifests"), *d;
    size_t i, used = 0;

    if (!json_is_array(ms))
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "%s: manifests: expected a list", where);
    json_array_foreach (ms, i, d) {
        _cleanup_free_ char *w = xasprintf("%s: manifests[%zu]", where, i);
        /* a multi-platform index: only this host's image (and entries
         * without a platform, as single images list themselves) */
        if (!platform_ok(d))
            continue;
        if (load_descriptor(l, d, w, ref_of(d, ref), depth, err) < 0)
            return -1;
        used++;
    }
    if (used == 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "%s: no image for this platform", where);
    return 0;
}

static int load_oci(struct load *l, hull_error **err)
{
    _cleanup_free_ char *data = NULL;
    json_t *layout = NULL, *index = NULL;
    const char *version;
    size_t len;
    int ret;

    if (read_json(l, "oci-layout", NULL, -1, &data, &len, &layout, err) < 0)
        return -1;
    version = json_string_value(json_object_get(layout, "imageLayoutVersion"));
    if (version == NULL || !str_has_prefix(version, "1.")) {
        json_decref(layout);
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "oci-layout: imageLayoutVersion \"%s\" is not supported",
                             version ?: "(none)");
    }
    json_decref(layout);
    free(data);
    data = NULL;
    if (read_json(l, "index.json", NULL, -1, &data, &len, &index, err) < 0)
        return -1;
    ret = load_index(l, index, "index.json", NULL, 0, err);
    json_decref(index);
    return ret;
}

/* The compression of a stored blob, from its first bytes. */
static const char *stored_media_type(struct hull_store *s, const char *digest)
{
    _cleanup_close_ int fd = openat(s->blobs_fd, hull_digest_hex(digest), O_RDONLY | O_CLOEXEC);
    unsigned char m[4] = {0};

    if (fd < 0 || pread(fd, m, sizeof(m), 0) != sizeof(m))
        return STORE_MEDIA_LAYER;
    if (m[0] == 0x1f && m[1] == 0x8b)
        return STORE_MEDIA_LAYER "+gzip";
    if (m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
        return STORE_MEDIA_LAYER "+zstd";
    return STORE_MEDIA_LAYER;
}

/* Decides what each job must produce: nothing the store already has.
 * *PENDING gets copies of the jobs that must run (sharing their strings);
 * a job whose blob and layer are both stored takes their digests as
 * they are and does not run. */
static int plan_jobs(struct load *l, struct store_layer_job **pending, size_t *n_pending,
                     hull_error **err)
{
    *pending = xmalloc0((l->n_jobs + 1) * sizeof(**pending));
    *n_pending = 0;
    for (size_t i = 0; i < l->n_jobs; i++) {
        struct store_layer_job *j = &l->jobs[i];
        const char *member = j->name + strlen("layer ");
        bool has_layer, has_blob = j->want_blob != NULL && store_has_blob(l->s, j->want_blob);
        if (store_has_layer(l->s, j->want_diff_id, &has_layer, err) < 0)
            return -1;
        if (has_layer && has_blob) {
            /* both are in the store, checked when they came in */
            memcpy(j->blob, j->want_blob, HULL_DIGEST_SIZE);
            memcpy(j->diff_id, j->want_diff_id, HULL_DIGEST_SIZE);
            j->media_type = stored_media_type(l->s, j->want_blob);
            j->blob_size = (uint64_t)j->want_size;
            continue;
        }
        if (store_archive_find(l->ar, member, &j->src, err) < 0)
            return -1;
        if (!has_blob)
            j->ws_blob = xasprintf("blob-%zu", i);
        if (!has_layer)
            j->ws_layer = xasprintf("layer-%zu", i);
        (*pending)[(*n_pending)++] = *j;
    }
    return 0;
}

/* Runs the jobs that are needed and copies their results back. */
static int run_jobs(struct load *l, hull_error **err)
{
    struct store_layer_job *pending = NULL;
    size_t n = 0, k = 0;
    int ret = plan_jobs(l, &pending, &n, err);

    if (ret == 0)
        ret = store_layer_ingest_all(l->ws_fd, pending, n, err);
    for (size_t i = 0; i < l->n_jobs && k < n; i++) {
        if (l->jobs[i].ws_blob == NULL && l->jobs[i].ws_layer == NULL)
            continue;
        /* the strings are shared with l->jobs, which frees them */
        hull_error_free(pending[k].err);
        memcpy(l->jobs[i].blob, pending[k].blob, HULL_DIGEST_SIZE);
        memcpy(l->jobs[i].diff_id, pending[k].diff_id, HULL_DIGEST_SIZE);
        l->jobs[i].media_type = pending[k].media_type;
        l->jobs[i].blob_size = pending[k].blob_size;
        l->jobs[i].unpacked_size = pending[k].unpacked_size;
        l->jobs[i].tar_size = pending[k].tar_size;
        k++;
    }
    free(pending);
    return ret;
}

/* The OCI manifest of an image that came without one (docker-archive). */
static void make_manifest(struct load *l, struct loaded *x)
{
    json_t *layers = json_array();
    json_t *m;

    for (size_t i = 0; x->img.diff_ids[i] != NULL; i++) {
        const struct store_layer_job *j = &l->jobs[x->jobs[i]];
        json_array_append_new(layers,
                              json_pack("{s:s, s:s, s:I}", "mediaType", j->media_type, "digest",
                                        j->blob, "size", (json_int_t)j->blob_size));
    }
    m = json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:o}", "schemaVersion", 2, "mediaType",
                  STORE_MEDIA_MANIFEST, "config", "mediaType", STORE_MEDIA_CONFIG, "digest",
                  x->img.id, "size", (json_int_t)x->config_len, "layers", layers);
    x->manifest_data = hull_image_config_dump(m);
    x->manifest_len = strlen(x->manifest_data);
    json_decref(m);
}

static void add_item(struct store_item **items, size_t *n, char *ws_name, bool layer,
                     const char *digest, uint64_t size, uint64_t tar_size)
{
    *items = xrealloc(*items, (*n + 1) * sizeof(**items));
    (*items)[*n] =
        (struct store_item){.ws_name = ws_name, .layer = layer, .size = size, .tar_size = tar_size};
    memcpy((*items)[*n].digest, digest, HULL_DIGEST_SIZE);
    (*n)++;
}

static int write_image_files(struct load *l, struct loaded *x, size_t i, struct store_item **items,
                             size_t *n, hull_error **err)
{
    _cleanup_free_ char *cname = xasprintf("config-%zu", i);
    _cleanup_free_ char *mname = xasprintf("manifest-%zu", i);

    x->img.repo_digest = x->manifest_data != NULL;
    if (x->manifest_data == NULL)
        make_manifest(l, x);
    if (hull_sha256_buf(x->manifest_data, x->manifest_len, x->img.manifest, err) < 0 ||
        write_file_atomic(l->ws_fd, cname, x->config_data, x->config_len, 0644, err) < 0 ||
        write_file_atomic(l->ws_fd, mname, x->manifest_data, x->manifest_len, 0644, err) < 0)
        return -1;
    add_item(items, n, take_ptr(cname), false, x->img.id, 0, 0);
    add_item(items, n, take_ptr(mname), false, x->img.manifest, 0, 0);
    for (size_t k = 0; x->img.diff_ids[k] != NULL; k++)
        strv_append(&x->img.layer_blobs, l->jobs[x->jobs[k]].blob);
    return 0;
}

static int commit_all(struct load *l, hull_error **err)
{
    struct store_item *items = NULL;
    struct store_new_image *imgs = xmalloc0((l->n_imgs + 1) * sizeof(*imgs));
    size_t n = 0;
    int ret = 0;

    for (size_t i = 0; i < l->n_jobs; i++) {
        const struct store_layer_job *j = &l->jobs[i];
        if (j->ws_blob != NULL)
            add_item(&items, &n, xstrdup(j->ws_blob), false, j->blob, 0, 0);
        if (j->ws_layer != NULL)
            add_item(&items, &n, xstrdup(j->ws_layer), true, j->diff_id, j->unpacked_size,
                     j->tar_size);
    }
    for (size_t i = 0; i < l->n_imgs && ret == 0; i++) {
        ret = write_image_files(l, &l->imgs[i], i, &items, &n, err);
        imgs[i] = l->imgs[i].img;
    }
    if (ret == 0)
        ret = store_commit(l->s, l->ws_fd, items, n, imgs, l->n_imgs, err);
    for (size_t i = 0; i < n; i++)
        free(items[i].ws_name);
    free(items);
    free(imgs);
    return ret;
}

static void load_clear(struct load *l)
{
    store_archive_free(l->ar);
    if (l->ws_name != NULL) {
        _cleanup_error_ hull_error *e = NULL;
        if (rm_rf_at(l->s->tmp_fd, l->ws_name, &e) < 0)
            hull_warn("image store: remove \"tmp/%s\": %s", l->ws_name, e->msg);
    }
    closep(&l->ws_fd);
    free(l->ws_name);
    store_layer_jobs_free(l->jobs, l->n_jobs);
    for (size_t i = 0; i < l->n_imgs; i++) {
        struct loaded *x = &l->imgs[i];
        strv_free(x->img.diff_ids);
        strv_free(x->img.layer_blobs);
        strv_free(x->img.tags);
        free(x->img.created);
        free(x->manifest_data);
        free(x->config_data);
        free(x->jobs);
    }
    free(l->imgs);
}

static void report(const struct load *l, char ***tags, char ***ids)
{
    *tags = xmalloc0(sizeof(char *));
    *ids = xmalloc0(sizeof(char *));
    for (size_t i = 0; i < l->n_imgs; i++) {
        char **t = l->imgs[i].img.tags;
        if (t == NULL || t[0] == NULL)
            strv_append(ids, l->imgs[i].img.id);
        for (size_t k = 0; t != NULL && t[k] != NULL; k++)
            strv_append(tags, t[k]);
    }
}

int hull_store_load(struct hull_store *s, const char *path, char ***tags, char ***ids,
                    hull_error **err)
{
    struct load l = {.s = s, .ws_fd = -1};
    int ret = -1;

    if (store_tmp_create(s, "load", &l.ws_name, &l.ws_fd, err) < 0 ||
        store_archive_open(path, l.ws_fd, &l.ar, err) < 0)
        goto out;
    /* an archive with both (Docker 25 writes both) is read as OCI: its
     * manifests are kept byte for byte, and so are their digests */
    if (store_archive_has(l.ar, "index.json") && store_archive_has(l.ar, "oci-layout"))
        ret = load_oci(&l, err);
    else if (store_archive_has(l.ar, "manifest.json"))
        ret = load_docker(&l, err);
    else
        ret = hull_err_kind(
            err, HULL_ERR_BAD_INPUT, 0,
            "not an image archive: no manifest.json (docker save) or index.json (OCI layout)");
    if (ret == 0)
        ret = run_jobs(&l, err);
    if (ret == 0)
        ret = commit_all(&l, err);
    if (ret == 0)
        report(&l, tags, ids);
out:
    load_clear(&l);
    if (ret < 0)
        return hull_err_wrap(err, "load \"%s\"", path);
    return 0;
}
