/* `hull save`: images as one tar archive, in the form `docker load`
 * (manifest.json) and OCI tools (an image layout) read.
 *
 * Every blob the archive needs is opened under the store's shared lock,
 * which is then released: an open descriptor keeps a blob readable even
 * if a concurrent rmi deletes it, and a long save never holds up other
 * hull commands.  The outer tar is written here directly (ustar headers
 * around blob bytes) so that stored blobs are copied into it by the
 * kernel (copy_file_range) instead of through a buffer. */
#include "digest.h"
#include "image.h"
#include "log.h"
#include "store.h"
#include "store_internal.h"
#include "util.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define BLOCK    512
#define COPY_BUF (1 << 20)

#define MEDIA_DOCKER_LAYER_GZIP "application/vnd.docker.image.rootfs.diff.tar.gzip"

struct save_layer {
    char diff_id[HULL_DIGEST_SIZE];
    char blob[HULL_DIGEST_SIZE];
    int fd;
    uint64_t blob_size, tar_size;
    const char *media_type; /* OCI, from the blob's first bytes */
    bool written;
};

struct save_image {
    char id[HULL_DIGEST_SIZE];
    char *config;
    size_t config_len;
    char *manifest; /* as stored, or converted to OCI */
    size_t manifest_len;
    char manifest_digest[HULL_DIGEST_SIZE];
    char **tags;
    size_t *layers; /* indexes into save.layers */
    size_t n_layers;
};

struct save {
    struct hull_store *s;
    struct save_image *imgs;
    size_t n_imgs;
    struct save_layer *layers;
    size_t n_layers;
    int out;
};

int hull_save_format_parse(const char *s, enum hull_save_format *out, hull_error **err)
{
    if (strcmp(s, "docker-archive") == 0)
        *out = HULL_SAVE_DOCKER_ARCHIVE;
    else if (strcmp(s, "oci-archive") == 0)
        *out = HULL_SAVE_OCI_ARCHIVE;
    else
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "unknown format \"%s\": use docker-archive or oci-archive", s);
    return 0;
}

/* The outer tar. */

static void put_octal(char *field, size_t len, uint64_t v)
{
    snprintf(field, len, "%0*llo", (int)len - 1, (unsigned long long)v);
}

static int tar_header(int out, const char *name, char type, uint64_t size, hull_error **err)
{
    char b[BLOCK] = {0};
    unsigned sum = 0;

    if (strlen(name) >= 100)
        return hull_err(err, ENAMETOOLONG, "archive member \"%s\"", name);
    memcpy(b, name, strlen(name));
    put_octal(b + 100, 8, type == '5' ? 0755 : 0644);
    put_octal(b + 108, 8, 0);
    put_octal(b + 116, 8, 0);
    if (size < (1ULL << 33)) {
        put_octal(b + 124, 12, size);
    } else {
        /* GNU base-256 for members of 8 GiB and more */
        b[124] = (char)0x80;
        for (int i = 11; i > 0; i--, size >>= 8)
            b[124 + i] = (char)(size & 0xff);
    }
    put_octal(b + 136, 12, 0);
    b[156] = type;
    memcpy(b + 257, "ustar", 6);
    memcpy(b + 263, "00", 2);
    memset(b + 148, ' ', 8);
    for (size_t i = 0; i < BLOCK; i++)
        sum += (unsigned char)b[i];
    snprintf(b + 148, 8, "%06o", sum);
    if (write_all(out, b, BLOCK) < 0)
        return hull_err(err, errno, "write the archive");
    return 0;
}

static int tar_pad(int out, uint64_t size, hull_error **err)
{
    static const char zeros[BLOCK];
    size_t pad = (BLOCK - size % BLOCK) % BLOCK;

    if (pad > 0 && write_all(out, zeros, pad) < 0)
        return hull_err(err, errno, "write the archive");
    return 0;
}

static int tar_buffer(int out, const char *name, const void *data, size_t len, hull_error **err)
{
    if (tar_header(out, name, '0', len, err) < 0)
        return -1;
    if (write_all(out, data, len) < 0)
        return hull_err(err, errno, "write the archive");
    return tar_pad(out, len, err);
}

static int copy_plain(int in, int out, uint64_t len, hull_error **err)
{
    _cleanup_free_ char *buf = xmalloc(COPY_BUF);
    off_t off = 0;

    while ((uint64_t)off < len) {
        size_t want = len - (uint64_t)off < COPY_BUF ? (size_t)(len - (uint64_t)off) : COPY_BUF;
        ssize_t n = pread(in, buf, want, off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return hull_err(err, n < 0 ? errno : EIO, "read a blob");
        if (write_all(out, buf, (size_t)n) < 0)
            return hull_err(err, errno, "write the archive");
        off += n;
    }
    return 0;
}

/* LEN bytes of IN from its start: in the kernel when both are files. */
static int copy_blob(int in, int out, uint64_t len, hull_error **err)
{
    off_t in_off = 0;

    while ((uint64_t)in_off < len) {
        ssize_t n = copy_file_range(in, &in_off, out, NULL, (size_t)(len - (uint64_t)in_off), 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && in_off == 0 &&
            (errno == EINVAL || errno == EXDEV || errno == ENOSYS || errno == EBADF ||
             errno == EOPNOTSUPP))
            return copy_plain(in, out, len, err);
        if (n <= 0)
            return hull_err(err, n < 0 ? errno : EIO, "copy a blob into the archive");
    }
    return 0;
}

/* Decompresses a layer blob into the archive: exactly WANT bytes. */
static int copy_uncompressed(int in, int out, uint64_t want, hull_error **err)
{
    struct archive *a = archive_read_new();
    struct archive_entry *e;
    uint64_t done = 0;
    int ret = 0;

    archive_read_support_filter_gzip(a);
    archive_read_support_filter_zstd(a);
    archive_read_support_format_raw(a);
    if (lseek(in, 0, SEEK_SET) < 0 || archive_read_open_fd(a, in, COPY_BUF) != ARCHIVE_OK ||
        archive_read_next_header(a, &e) != ARCHIVE_OK) {
        ret = hull_err(err, 0, "read a layer blob: %s", archive_error_string(a));
        goto out;
    }
    for (;;) {
        const void *buf;
        size_t size;
        la_int64_t off;
        int r = archive_read_data_block(a, &buf, &size, &off);
        if (r == ARCHIVE_EOF)
            break;
        if (r < ARCHIVE_WARN || done + size > want) {
            ret = hull_err(err, 0, "read a layer blob: %s",
                           r < ARCHIVE_WARN ? archive_error_string(a) : "longer than recorded");
            goto out;
        }
        if (write_all(out, buf, size) < 0) {
            ret = hull_err(err, errno, "write the archive");
            goto out;
        }
        done += size;
    }
    if (done != want)
        ret = hull_err(err, 0, "read a layer blob: %llu bytes, %llu recorded",
                       (unsigned long long)done, (unsigned long long)want);
out:
    archive_read_free(a);
    return ret;
}

/* The uncompressed size of a blob that the store has no record of. */
static int measure_tar(struct save_layer *l, hull_error **err)
{
    struct archive *a = archive_read_new();
    struct archive_entry *e;
    int ret = 0;

    archive_read_support_filter_gzip(a);
    archive_read_support_filter_zstd(a);
    archive_read_support_format_raw(a);
    l->tar_size = 0;
    if (lseek(l->fd, 0, SEEK_SET) < 0 || archive_read_open_fd(a, l->fd, COPY_BUF) != ARCHIVE_OK ||
        archive_read_next_header(a, &e) != ARCHIVE_OK) {
        ret = hull_err(err, 0, "read layer blob %s: %s", l->blob, archive_error_string(a));
    } else {
        for (;;) {
            const void *buf;
            size_t size;
            la_int64_t off;
            int r = archive_read_data_block(a, &buf, &size, &off);
            if (r == ARCHIVE_EOF)
                break;
            if (r < ARCHIVE_WARN) {
                ret = hull_err(err, 0, "read layer blob %s: %s", l->blob, archive_error_string(a));
                break;
            }
            l->tar_size += size;
        }
    }
    archive_read_free(a);
    return ret;
}

/* Collecting what to write, under the shared lock. */

static const char *blob_media_type(int fd)
{
    unsigned char m[4] = {0};

    if (pread(fd, m, sizeof(m), 0) != sizeof(m))
        return STORE_MEDIA_LAYER;
    if (m[0] == 0x1f && m[1] == 0x8b)
        return STORE_MEDIA_LAYER "+gzip";
    if (m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
        return STORE_MEDIA_LAYER "+zstd";
    return STORE_MEDIA_LAYER;
}

static int open_blob(struct hull_store *s, const char *digest, int *fd, uint64_t *size,
                     hull_error **err)
{
    struct stat st;

    *fd = openat(s->blobs_fd, hull_digest_hex(digest), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (*fd < 0 || fstat(*fd, &st) < 0)
        return hull_err(err, errno, "open blob %s", digest);
    *size = (uint64_t)st.st_size;
    return 0;
}

static size_t add_layer(struct save *sv, const json_t *state, const char *diff_id, const char *blob,
                        hull_error **err)
{
    json_t *rec = json_object_get(json_object_get(state, "layers"), diff_id);
    struct save_layer *l;

    for (size_t i = 0; i < sv->n_layers; i++) {
        if (strcmp(sv->layers[i].blob, blob) == 0)
            return i;
    }
    sv->layers = xrealloc(sv->layers, (sv->n_layers + 1) * sizeof(*sv->layers));
    l = &sv->layers[sv->n_layers];
    *l = (struct save_layer){.fd = -1};
    snprintf(l->diff_id, sizeof(l->diff_id), "%s", diff_id);
    snprintf(l->blob, sizeof(l->blob), "%s", blob);
    l->tar_size = (uint64_t)json_integer_value(json_object_get(rec, "tar_size"));
    sv->n_layers++;
    if (open_blob(sv->s, blob, &l->fd, &l->blob_size, err) < 0)
        return (size_t)-1;
    l->media_type = blob_media_type(l->fd);
    return sv->n_layers - 1;
}

/* An OCI manifest for a stored manifest of another kind (a docker one
 * that `hull load` kept as it came). */
static void convert_manifest(struct save *sv, struct save_image *img)
{
    const char *mt = NULL;
    json_t *m = json_loadb(img->manifest, img->manifest_len, 0, NULL);
    json_t *layers = json_array();

    mt = json_string_value(json_object_get(m, "mediaType"));
    if (mt != NULL && strcmp(mt, STORE_MEDIA_MANIFEST) == 0) {
        json_decref(m);
        json_decref(layers);
        return;
    }
    json_decref(m);
    for (size_t i = 0; i < img->n_layers; i++) {
        const struct save_layer *l = &sv->layers[img->layers[i]];
        json_array_append_new(layers,
                              json_pack("{s:s, s:s, s:I}", "mediaType", l->media_type, "digest",
                                        l->blob, "size", (json_int_t)l->blob_size));
    }
    m = json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:o}", "schemaVersion", 2, "mediaType",
                  STORE_MEDIA_MANIFEST, "config", "mediaType", STORE_MEDIA_CONFIG, "digest",
                  img->id, "size", (json_int_t)img->config_len, "layers", layers);
    free(img->manifest);
    img->manifest = hull_image_config_dump(m);
    img->manifest_len = strlen(img->manifest);
    json_decref(m);
}

static int add_image(struct save *sv, const json_t *state, const char *id, const char *tag,
                     hull_error **err)
{
    const json_t *rec = json_object_get(json_object_get(state, "images"), id);
    json_t *ids = json_object_get(rec, "diff_ids"), *blobs = json_object_get(rec, "layer_blobs");
    const char *manifest = json_string_value(json_object_get(rec, "manifest"));
    struct save_image *img;

    for (size_t i = 0; i < sv->n_imgs; i++) {
        if (strcmp(sv->imgs[i].id, id) == 0) {
            if (tag != NULL)
                strv_append(&sv->imgs[i].tags, tag);
            return 0;
        }
    }
    if (manifest == NULL || json_array_size(ids) != json_array_size(blobs))
        return hull_err(err, 0, "image %s: its record in the store is damaged", id);
    sv->imgs = xrealloc(sv->imgs, (sv->n_imgs + 1) * sizeof(*sv->imgs));
    img = &sv->imgs[sv->n_imgs++];
    *img = (struct save_image){0};
    snprintf(img->id, sizeof(img->id), "%s", id);
    if (tag != NULL)
        strv_append(&img->tags, tag);
    if (read_file_at(sv->s->blobs_fd, hull_digest_hex(id), STORE_CONFIG_MAX, &img->config,
                     &img->config_len, err) < 0 ||
        read_file_at(sv->s->blobs_fd, hull_digest_hex(manifest), STORE_CONFIG_MAX, &img->manifest,
                     &img->manifest_len, err) < 0)
        return hull_err_wrap(err, "image %s", id);
    img->n_layers = json_array_size(ids);
    img->layers = xmalloc0((img->n_layers + 1) * sizeof(size_t));
    for (size_t i = 0; i < img->n_layers; i++) {
        img->layers[i] = add_layer(sv, state, json_string_value(json_array_get(ids, i)) ?: "",
                                   json_string_value(json_array_get(blobs, i)) ?: "", err);
        if (img->layers[i] == (size_t)-1)
            return hull_err_wrap(err, "image %s", id);
    }
    convert_manifest(sv, img);
    return hull_sha256_buf(img->manifest, img->manifest_len, img->manifest_digest, err);
}

/* Resolves every ref and opens what the archive needs. */
static int collect(struct save *sv, char *const *refs, hull_error **err)
{
    json_t *state = NULL;
    int ret = 0;

    if (store_lock(sv->s, LOCK_SH, err) < 0)
        return -1;
    if (store_state_load(sv->s, &state, err) < 0) {
        store_unlock(sv->s);
        return -1;
    }
    for (size_t i = 0; refs[i] != NULL && ret == 0; i++) {
        _cleanup_free_ char *key = NULL;
        const char *id;
        struct hull_ref r;
        if (hull_ref_parse(refs[i], &r, NULL) == 0) {
            key = r.digest == NULL ? hull_ref_format(&r) : NULL;
            hull_ref_clear(&r);
        }
        if (key != NULL && !json_is_string(json_object_get(json_object_get(state, "tags"), key)))
            free(take_ptr(key));
        ret = store_resolve(state, refs[i], &id, err);
        if (ret == 0)
            ret = add_image(sv, state, id, key, err);
    }
    store_unlock(sv->s);
    json_decref(state);
    return ret;
}

/* Writing the archive. */

static int write_docker_layer(struct save *sv, struct save_layer *l, hull_error **err)
{
    _cleanup_free_ char *name = xasprintf("%s/layer.tar", hull_digest_hex(l->diff_id));
    _cleanup_free_ char *dir = xasprintf("%s/", hull_digest_hex(l->diff_id));
    bool plain = strcmp(l->media_type, STORE_MEDIA_LAYER) == 0;

    for (size_t i = 0; i < sv->n_layers; i++) {
        if (sv->layers[i].written && strcmp(sv->layers[i].diff_id, l->diff_id) == 0)
            return 0;
    }
    if (plain)
        l->tar_size = l->blob_size;
    else if (l->tar_size == 0 && measure_tar(l, err) < 0)
        return -1;
    if (tar_header(sv->out, dir, '5', 0, err) < 0 ||
        tar_header(sv->out, name, '0', l->tar_size, err) < 0)
        return -1;
    if ((plain ? copy_blob(l->fd, sv->out, l->tar_size, err)
               : copy_uncompressed(l->fd, sv->out, l->tar_size, err)) < 0)
        return hull_err_wrap(err, "layer %s", l->diff_id);
    l->written = true;
    return tar_pad(sv->out, l->tar_size, err);
}

static json_t *json_string_take(char *s)
{
    json_t *v = json_string(s);
    free(s);
    return v;
}

/* manifest.json, in docker's form: with OCI_PATHS the config and layers
 * are the blobs of an OCI layout in the same archive (as Docker 25 writes
 * it), else CONFIG.json and DIFF_ID/layer.tar. */
static char *docker_manifest(struct save *sv, bool oci_paths)
{
    json_t *list = json_array();
    char *text;

    for (size_t i = 0; i < sv->n_imgs; i++) {
        const struct save_image *img = &sv->imgs[i];
        const char *id = hull_digest_hex(img->id);
        json_t *layers = json_array(), *tags = json_null();
        for (size_t k = 0; k < img->n_layers; k++) {
            const struct save_layer *l = &sv->layers[img->layers[k]];
            json_array_append_new(
                layers, json_string_take(
                            oci_paths ? xasprintf("blobs/sha256/%s", hull_digest_hex(l->blob))
                                      : xasprintf("%s/layer.tar", hull_digest_hex(l->diff_id))));
        }
        if (img->tags != NULL && img->tags[0] != NULL) {
            tags = json_array();
            for (size_t k = 0; img->tags[k] != NULL; k++)
                json_array_append_new(tags, json_string(img->tags[k]));
        }
        json_array_append_new(
            list, json_pack("{s:o, s:o, s:o}", "Config",
                            json_string_take(oci_paths ? xasprintf("blobs/sha256/%s", id)
                                                       : xasprintf("%s.json", id)),
                            "RepoTags", tags, "Layers", layers));
    }
    text = json_dumps(list, JSON_COMPACT);
    json_decref(list);
    if (text == NULL)
        abort();
    return text;
}

/* The legacy "repositories" file: {"name": {"tag": TOP_LAYER_DIR}}. */
static char *repositories(struct save *sv)
{
    json_t *repos = json_object();
    char *text;

    for (size_t i = 0; i < sv->n_imgs; i++) {
        const struct save_image *img = &sv->imgs[i];
        if (img->n_layers == 0)
            continue;
        const char *top = hull_digest_hex(sv->layers[img->layers[img->n_layers - 1]].diff_id);
        for (size_t k = 0; img->tags != NULL && img->tags[k] != NULL; k++) {
            _cleanup_free_ char *name = xstrdup(img->tags[k]);
            char *slash = strrchr(name, '/');
            char *colon = strrchr(slash ? slash : name, ':');
            if (colon == NULL)
                continue;
            *colon = '\0';
            if (json_object_get(repos, name) == NULL)
                json_object_set_new(repos, name, json_object());
            json_object_set_new(json_object_get(repos, name), colon + 1, json_string(top));
        }
    }
    text = json_dumps(repos, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(repos);
    if (text == NULL)
        abort();
    return text;
}

static int write_docker(struct save *sv, hull_error **err)
{
    _cleanup_free_ char *manifest = docker_manifest(sv, false);
    _cleanup_free_ char *repos = repositories(sv);

    for (size_t i = 0; i < sv->n_layers; i++) {
        if (write_docker_layer(sv, &sv->layers[i], err) < 0)
            return -1;
    }
    for (size_t i = 0; i < sv->n_imgs; i++) {
        _cleanup_free_ char *name = xasprintf("%s.json", hull_digest_hex(sv->imgs[i].id));
        if (tar_buffer(sv->out, name, sv->imgs[i].config, sv->imgs[i].config_len, err) < 0)
            return -1;
    }
    if (tar_buffer(sv->out, "manifest.json", manifest, strlen(manifest), err) < 0)
        return -1;
    if (strcmp(repos, "{}") != 0 &&
        tar_buffer(sv->out, "repositories", repos, strlen(repos), err) < 0)
        return -1;
    return 0;
}

/* "docker.io/library/busybox:latest" for "busybox:latest", as containerd
 * names images. */
static char *full_name(const char *tag)
{
    const char *slash = strchr(tag, '/');
    bool has_domain = slash != NULL && (memchr(tag, '.', (size_t)(slash - tag)) ||
                                        memchr(tag, ':', (size_t)(slash - tag)) ||
                                        strncmp(tag, "localhost/", 10) == 0);

    if (has_domain)
        return xstrdup(tag);
    return xasprintf("docker.io/%s%s", slash == NULL ? "library/" : "", tag);
}

static json_t *index_entry(const struct save_image *img, const char *tag)
{
    json_t *d = json_pack("{s:s, s:s, s:I}", "mediaType", STORE_MEDIA_MANIFEST, "digest",
                          img->manifest_digest, "size", (json_int_t)img->manifest_len);

    if (tag != NULL) {
        const char *slash = strrchr(tag, '/');
        const char *colon = strrchr(slash ? slash : tag, ':');
        json_object_set_new(
            d, "annotations",
            json_pack("{s:o, s:s}", "io.containerd.image.name", json_string_take(full_name(tag)),
                      "org.opencontainers.image.ref.name", colon ? colon + 1 : HULL_DEFAULT_TAG));
    }
    return d;
}

static char *oci_index(struct save *sv)
{
    json_t *ms = json_array();
    char *text;

    for (size_t i = 0; i < sv->n_imgs; i++) {
        const struct save_image *img = &sv->imgs[i];
        if (img->tags == NULL || img->tags[0] == NULL)
            json_array_append_new(ms, index_entry(img, NULL));
        for (size_t k = 0; img->tags != NULL && img->tags[k] != NULL; k++)
            json_array_append_new(ms, index_entry(img, img->tags[k]));
    }
    json_t *index = json_pack("{s:i, s:s, s:o}", "schemaVersion", 2, "mediaType", STORE_MEDIA_INDEX,
                              "manifests", ms);
    text = hull_image_config_dump(index);
    json_decref(index);
    return text;
}

static int write_oci(struct save *sv, hull_error **err)
{
    static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
    _cleanup_free_ char *index = oci_index(sv);
    _cleanup_free_ char *manifest = docker_manifest(sv, true);

    if (tar_buffer(sv->out, "oci-layout", layout, strlen(layout), err) < 0 ||
        tar_header(sv->out, "blobs/", '5', 0, err) < 0 ||
        tar_header(sv->out, "blobs/sha256/", '5', 0, err) < 0)
        return -1;
    for (size_t i = 0; i < sv->n_layers; i++) {
        struct save_layer *l = &sv->layers[i];
        _cleanup_free_ char *name = xasprintf("blobs/sha256/%s", hull_digest_hex(l->blob));
        if (tar_header(sv->out, name, '0', l->blob_size, err) < 0 ||
            copy_blob(l->fd, sv->out, l->blob_size, err) < 0 ||
            tar_pad(sv->out, l->blob_size, err) < 0)
            return -1;
    }
    for (size_t i = 0; i < sv->n_imgs; i++) {
        const struct save_image *img = &sv->imgs[i];
        _cleanup_free_ char *cname = xasprintf("blobs/sha256/%s", hull_digest_hex(img->id));
        _cleanup_free_ char *mname =
            xasprintf("blobs/sha256/%s", hull_digest_hex(img->manifest_digest));
        if (tar_buffer(sv->out, cname, img->config, img->config_len, err) < 0 ||
            tar_buffer(sv->out, mname, img->manifest, img->manifest_len, err) < 0)
            return -1;
    }
    if (tar_buffer(sv->out, "index.json", index, strlen(index), err) < 0 ||
        tar_buffer(sv->out, "manifest.json", manifest, strlen(manifest), err) < 0)
        return -1;
    return 0;
}

static void save_clear(struct save *sv)
{
    for (size_t i = 0; i < sv->n_imgs; i++) {
        free(sv->imgs[i].config);
        free(sv->imgs[i].manifest);
        strv_free(sv->imgs[i].tags);
        free(sv->imgs[i].layers);
    }
    for (size_t i = 0; i < sv->n_layers; i++)
        closep(&sv->layers[i].fd);
    free(sv->imgs);
    free(sv->layers);
}

int hull_store_save(struct hull_store *s, char *const *refs, enum hull_save_format fmt, int fd,
                    hull_error **err)
{
    static const char zeros[2 * BLOCK];
    struct save sv = {.s = s, .out = fd};
    int ret = -1;

    if (refs == NULL || refs[0] == NULL) {
        hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "no image to save");
        goto out;
    }
    if (collect(&sv, refs, err) < 0)
        goto out;
    if ((fmt == HULL_SAVE_OCI_ARCHIVE ? write_oci(&sv, err) : write_docker(&sv, err)) < 0)
        goto out;
    if (write_all(fd, zeros, sizeof(zeros)) < 0) {
        hull_err(err, errno, "write the archive");
        goto out;
    }
    ret = 0;
out:
    save_clear(&sv);
    if (ret < 0)
        return hull_err_wrap(err, "save");
    return 0;
}
