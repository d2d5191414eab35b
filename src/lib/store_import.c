/* `hull import`: a root filesystem tarball becomes a one-layer image.
 *
 * The file is read exactly once.  A libarchive "raw" reader undoes the
 * compression it detects; its read callback hashes the file bytes (the
 * blob digest) and copies them to the blob.  A second libarchive reader
 * parses the tar out of the first one's decompressed blocks, whose callback
 * hashes them (the diff_id), and hull_layer_apply() unpacks the entries.
 * Everything is written inside a private tmp/ directory and moved into
 * place under the store's exclusive lock only when complete. */
#include "digest.h"
#include "image.h"
#include "layer.h"
#include "log.h"
#include "store.h"
#include "store_internal.h"
#include "util.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define FEED_BUF_SIZE (1 << 20)

#define MEDIA_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MEDIA_CONFIG   "application/vnd.oci.image.config.v1+json"
#define MEDIA_LAYER    "application/vnd.oci.image.layer.v1.tar"

/* Names inside an import's work directory. */
#define WS_BLOB     "blob"
#define WS_LAYER    "layer"
#define WS_CONFIG   "config"
#define WS_MANIFEST "manifest"

struct feed {
    int fd;      /* the file being imported */
    int blob_fd; /* its copy in the work directory */
    char *buf;
    uint64_t blob_size;
    struct hull_sha256 *blob_hash;
    struct archive *outer; /* decompressing raw reader */
    struct hull_sha256 *tar_hash;
};

/* What one import produced, before it is committed. */
struct import {
    char *ws_name;
    int ws_fd;
    char blob[HULL_DIGEST_SIZE];
    char diff_id[HULL_DIGEST_SIZE];
    char config[HULL_DIGEST_SIZE];
    char manifest[HULL_DIGEST_SIZE];
    const char *media_type;
    uint64_t blob_size, unpacked_size;
    char *created;
    json_t *cfg;
};

static la_ssize_t feed_file(struct archive *a, void *data, const void **buf)
{
    struct feed *f = data;
    ssize_t n;

    do
        n = read(f->fd, f->buf, FEED_BUF_SIZE);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        archive_set_error(a, errno, "read the file");
        return -1;
    }
    if (n > 0 && write_all(f->blob_fd, f->buf, (size_t)n) < 0) {
        archive_set_error(a, errno, "write the blob");
        return -1;
    }
    hull_sha256_update(f->blob_hash, f->buf, (size_t)n);
    f->blob_size += (uint64_t)n;
    *buf = f->buf;
    return n;
}

/* Hands the tar reader the decompressed blocks without copying them. */
static la_ssize_t feed_tar(struct archive *a, void *data, const void **buf)
{
    struct feed *f = data;
    size_t size;
    la_int64_t off;
    int r = archive_read_data_block(f->outer, buf, &size, &off);

    if (r == ARCHIVE_EOF)
        return 0;
    if (r < ARCHIVE_WARN) {
        archive_set_error(a, archive_errno(f->outer), "%s", archive_error_string(f->outer));
        return -1;
    }
    hull_sha256_update(f->tar_hash, *buf, size);
    return (la_ssize_t)size;
}

/* Reads what the tar reader left: the end of the decompressed stream
 * (tar padding) and of the file, so both digests cover every byte. */
static int feed_drain(struct feed *f, hull_error **err)
{
    const void *buf;
    size_t size;
    la_int64_t off;
    int r;

    while ((r = archive_read_data_block(f->outer, &buf, &size, &off)) == ARCHIVE_OK)
        hull_sha256_update(f->tar_hash, buf, size);
    if (r != ARCHIVE_EOF)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "read the file: %s",
                             archive_error_string(f->outer));
    for (;;) {
        const void *ignored;
        la_ssize_t n = feed_file(f->outer, f, &ignored);
        if (n < 0)
            return hull_err(err, 0, "read the file: %s", archive_error_string(f->outer));
        if (n == 0)
            return 0;
    }
}

static int open_outer(struct feed *f, const char **media_type, hull_error **err)
{
    struct archive_entry *e;
    int r;

    f->outer = archive_read_new();
    /* not archive_read_support_filter_all(): some of its filters run
     * external programs on the input.  xz and bzip2 are recognized only to
     * name them in the error below. */
    if (archive_read_support_filter_gzip(f->outer) != ARCHIVE_OK ||
        archive_read_support_filter_zstd(f->outer) != ARCHIVE_OK)
        return hull_err(err, 0, "libarchive was built without gzip or zstd support");
    archive_read_support_filter_xz(f->outer);
    archive_read_support_filter_bzip2(f->outer);
    archive_read_support_format_raw(f->outer);
    if (archive_read_open(f->outer, f, NULL, feed_file, NULL) != ARCHIVE_OK)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "read the file: %s",
                             archive_error_string(f->outer));
    r = archive_read_next_header(f->outer, &e);
    if (r == ARCHIVE_EOF)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "the file is empty");
    if (r < ARCHIVE_WARN)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "read the file: %s",
                             archive_error_string(f->outer));
    switch (archive_filter_code(f->outer, 0)) {
    case ARCHIVE_FILTER_NONE:
        *media_type = MEDIA_LAYER;
        return 0;
    case ARCHIVE_FILTER_GZIP:
        *media_type = MEDIA_LAYER "+gzip";
        return 0;
    case ARCHIVE_FILTER_ZSTD:
        *media_type = MEDIA_LAYER "+zstd";
        return 0;
    default:
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "%s compression is not supported (use a plain, gzip or zstd tar)",
                             archive_filter_name(f->outer, 0));
    }
}

static int unpack_tar(struct feed *f, int layer_fd, uint64_t *unpacked, hull_error **err)
{
    const struct hull_layer_opts opts = {.overlay = true};
    struct hull_layer_stats st;
    struct archive *inner = archive_read_new();
    int ret;

    archive_read_support_format_tar(inner);
    if (archive_read_open(inner, f, NULL, feed_tar, NULL) != ARCHIVE_OK)
        ret = hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "not a tar archive: %s",
                            archive_error_string(inner));
    else
        ret = hull_layer_apply(inner, layer_fd, &opts, &st, err);
    archive_read_free(inner);
    if (ret == 0)
        *unpacked = st.bytes;
    return ret;
}

/* Produces the blob copy and the unpacked layer of FD in the work
 * directory, with both digests. */
static int import_layer(struct import *im, int fd, hull_error **err)
{
    _cleanup_close_ int blob_fd = -1;
    _cleanup_close_ int layer_fd = -1;
    _cleanup_free_ char *buf = xmalloc(FEED_BUF_SIZE);
    struct feed f = {.fd = fd, .buf = buf};
    int ret = -1;

    blob_fd = openat(im->ws_fd, WS_BLOB, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (blob_fd < 0 || mkdirat(im->ws_fd, WS_LAYER, 0755) < 0 ||
        (layer_fd = openat(im->ws_fd, WS_LAYER, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
        return hull_err(err, errno, "create the work directory");
    f.blob_fd = blob_fd;
    if (hull_sha256_new(&f.blob_hash, err) < 0 || hull_sha256_new(&f.tar_hash, err) < 0)
        goto out;
    if (open_outer(&f, &im->media_type, err) < 0 ||
        unpack_tar(&f, layer_fd, &im->unpacked_size, err) < 0 || feed_drain(&f, err) < 0)
        goto out;
    if (hull_sha256_final(f.blob_hash, im->blob, err) < 0 ||
        hull_sha256_final(f.tar_hash, im->diff_id, err) < 0)
        goto out;
    im->blob_size = f.blob_size;
    ret = 0;
out:
    if (f.outer != NULL)
        archive_read_free(f.outer);
    hull_sha256_free(f.blob_hash);
    hull_sha256_free(f.tar_hash);
    return ret;
}

/* Writes the config and the manifest into the work directory. */
static int write_metadata(struct import *im, hull_error **err)
{
    _cleanup_free_ char *config = NULL;
    _cleanup_free_ char *manifest = NULL;
    json_t *m;

    if (hull_image_config_add_layer(im->cfg, im->diff_id, im->created, "hull import", NULL, err) <
        0)
        return -1;
    config = hull_image_config_dump(im->cfg);
    if (hull_sha256_buf(config, strlen(config), im->config, err) < 0 ||
        write_file_atomic(im->ws_fd, WS_CONFIG, config, strlen(config), 0644, err) < 0)
        return -1;
    m = json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:[{s:s, s:s, s:I}]}", "schemaVersion", 2,
                  "mediaType", MEDIA_MANIFEST, "config", "mediaType", MEDIA_CONFIG, "digest",
                  im->config, "size", (json_int_t)strlen(config), "layers", "mediaType",
                  im->media_type, "digest", im->blob, "size", (json_int_t)im->blob_size);
    manifest = hull_image_config_dump(m);
    json_decref(m);
    if (hull_sha256_buf(manifest, strlen(manifest), im->manifest, err) < 0 ||
        write_file_atomic(im->ws_fd, WS_MANIFEST, manifest, strlen(manifest), 0644, err) < 0)
        return -1;
    return 0;
}

struct commit_item {
    const char *ws_name;
    int dirfd;
    const char *digest;
    bool moved; /* this import put it there (and takes it back on failure) */
};

/* Content addressing makes an existing blob or layer of the same digest
 * interchangeable with ours: it is reused and ours is dropped with the
 * work directory. */
static int move_in(struct import *im, struct commit_item *it, hull_error **err)
{
    if (renameat2(im->ws_fd, it->ws_name, it->dirfd, hull_digest_hex(it->digest),
                  RENAME_NOREPLACE) == 0) {
        it->moved = true;
        return 0;
    }
    if (errno == EEXIST || errno == ENOTEMPTY)
        return 0;
    return hull_err(err, errno, "move %s %s into the store", it->ws_name, it->digest);
}

static void record_image(json_t *state, const struct import *im, const char *tag)
{
    json_t *layers = json_object_get(state, "layers");

    json_object_set_new(json_object_get(state, "images"), im->config,
                        json_pack("{s:s, s:[s], s:[s], s:s}", "manifest", im->manifest, "diff_ids",
                                  im->diff_id, "layer_blobs", im->blob, "created", im->created));
    if (json_object_get(layers, im->diff_id) == NULL)
        json_object_set_new(layers, im->diff_id,
                            json_pack("{s:I}", "size", (json_int_t)im->unpacked_size));
    if (tag != NULL)
        json_object_set_new(json_object_get(state, "tags"), tag, json_string(im->config));
}

static int commit(struct hull_store *s, struct import *im, const char *tag, hull_error **err)
{
    struct commit_item items[] = {
        {WS_BLOB, s->blobs_fd, im->blob},
        {WS_CONFIG, s->blobs_fd, im->config},
        {WS_MANIFEST, s->blobs_fd, im->manifest},
        {WS_LAYER, s->layers_fd, im->diff_id},
    };
    json_t *state = NULL;
    int ret = -1;

    /* the data must be on disk before images.json can point at it */
    if (syncfs(im->ws_fd) < 0)
        return hull_err(err, errno, "sync the image store");
    if (store_lock(s, LOCK_EX, err) < 0)
        return -1;
    store_sweep_tmp(s);
    if (store_state_load(s, &state, err) < 0)
        goto out;
    for (size_t i = 0; i < ARRAY_SIZE(items); i++) {
        if (move_in(im, &items[i], err) < 0)
            goto out;
    }
    record_image(state, im, tag);
    ret = store_state_save(s, state, err);
out:
    for (size_t i = 0; ret < 0 && i < ARRAY_SIZE(items); i++) {
        if (items[i].moved && renameat(items[i].dirfd, hull_digest_hex(items[i].digest), im->ws_fd,
                                       items[i].ws_name) < 0)
            hull_warn("image store: take back %s: %s", items[i].digest, strerror(errno));
    }
    store_unlock(s);
    json_decref(state);
    return ret;
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

static int run_import(struct hull_store *s, struct import *im, const char *tar_path,
                      const char *tag, char *const *changes, hull_error **err)
{
    _cleanup_close_ int fd = -1;

    im->created = hull_time_now_rfc3339();
    /* the cheap checks first: a bad --change fails before any unpacking */
    if (hull_image_config_new(im->created, &im->cfg, err) < 0 ||
        hull_image_config_apply_changes(im->cfg, changes, err) < 0)
        return -1;
    fd = open_source(tar_path, err);
    if (fd < 0 || store_tmp_create(s, "import", &im->ws_name, &im->ws_fd, err) < 0)
        return -1;
    if (import_layer(im, fd, err) < 0)
        return -1;
    if (write_metadata(im, err) < 0 || commit(s, im, tag, err) < 0)
        return -1;
    hull_debug("imported \"%s\" as %s: layer %s, %" PRIu64 " bytes", tar_path, im->config,
               im->diff_id, im->unpacked_size);
    return 0;
}

int hull_store_import(struct hull_store *s, const char *tar_path, const char *ref,
                      char *const *changes, char **image_id, hull_error **err)
{
    struct import im = {.ws_fd = -1};
    _cleanup_free_ char *tag = NULL;
    int ret = -1;

    if (ref == NULL || store_tag_key(ref, &tag, err) == 0)
        ret = run_import(s, &im, tar_path, tag, changes, err);
    if (im.ws_name != NULL) {
        _cleanup_error_ hull_error *rerr = NULL;
        if (rm_rf_at(s->tmp_fd, im.ws_name, &rerr) < 0)
            hull_warn("image store: remove \"tmp/%s\": %s", im.ws_name, rerr->msg);
    }
    closep(&im.ws_fd); /* releases the work directory's flock */
    free(im.ws_name);
    free(im.created);
    json_decref(im.cfg);
    if (ret < 0)
        return hull_err_wrap(err, "import \"%s\"", tar_path);
    if (image_id != NULL)
        *image_id = xstrdup(im.config);
    return 0;
}
