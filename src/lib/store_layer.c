/* Turning layer blobs into store layers, several at a time.
 *
 * Each blob is read exactly once.  A libarchive "raw" reader undoes the
 * compression it detects; its read callback hashes the blob bytes (the
 * blob digest) and copies them into the work directory.  A second reader
 * parses the tar straight out of the first one's decompressed blocks,
 * hashing them (the diff_id), and hull_layer_apply() creates the entries.
 * Layers of an image are independent directories, so jobs run on their
 * own threads and an image unpacks at the speed of its decompression. */
#include "digest.h"
#include "layer.h"
#include "log.h"
#include "rootless.h"
#include "store_internal.h"
#include "util.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FEED_BUF_SIZE (1 << 20)
#define MAX_THREADS   16

struct feed {
    const struct store_src *src;
    int blob_fd; /* the copy in the work directory, or -1 */
    char *buf;
    uint64_t done; /* bytes of the source read so far */
    struct hull_sha256 *blob_hash;
    struct archive *outer; /* decompressing raw reader */
    struct hull_sha256 *tar_hash;
    uint64_t tar_size;
};

static la_ssize_t feed_src(struct archive *a, void *data, const void **buf)
{
    struct feed *f = data;
    const struct store_src *s = f->src;
    size_t want = FEED_BUF_SIZE;
    ssize_t n;

    if (s->len >= 0) {
        if (f->done >= (uint64_t)s->len)
            return 0;
        if ((uint64_t)s->len - f->done < want)
            want = (size_t)((uint64_t)s->len - f->done);
    }
    do
        n = s->len >= 0 ? pread(s->fd, f->buf, want, s->off + (off_t)f->done)
                        : read(s->fd, f->buf, want);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        archive_set_error(a, errno, "read the blob");
        return -1;
    }
    if (n == 0 && s->len >= 0) {
        archive_set_error(a, EIO, "the blob is truncated: %llu of %lld bytes",
                          (unsigned long long)f->done, (long long)s->len);
        return -1;
    }
    if (n > 0 && f->blob_fd >= 0 && write_all(f->blob_fd, f->buf, (size_t)n) < 0) {
        archive_set_error(a, errno, "write the blob");
        return -1;
    }
    hull_sha256_update(f->blob_hash, f->buf, (size_t)n);
    f->done += (uint64_t)n;
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
    f->tar_size += size;
    return (la_ssize_t)size;
}

/* Reads what the tar reader left: the end of the decompressed stream
 * (tar padding) and of the blob, so both digests cover every byte. */
static int feed_drain(struct feed *f, hull_error **err)
{
    const void *buf;
    size_t size;
    la_int64_t off;
    int r;

    while ((r = archive_read_data_block(f->outer, &buf, &size, &off)) == ARCHIVE_OK) {
        hull_sha256_update(f->tar_hash, buf, size);
        f->tar_size += size;
    }
    if (r != ARCHIVE_EOF)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "read the blob: %s",
                             archive_error_string(f->outer));
    for (;;) {
        const void *ignored;
        la_ssize_t n = feed_src(f->outer, f, &ignored);
        if (n < 0)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "read the blob: %s",
                                 archive_error_string(f->outer));
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
    if (archive_read_open(f->outer, f, NULL, feed_src, NULL) != ARCHIVE_OK)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "read the blob: %s",
                             archive_error_string(f->outer));
    r = archive_read_next_header(f->outer, &e);
    if (r == ARCHIVE_EOF)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "the blob is empty");
    if (r < ARCHIVE_WARN)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "read the blob: %s",
                             archive_error_string(f->outer));
    switch (archive_filter_code(f->outer, 0)) {
    case ARCHIVE_FILTER_NONE:
        *media_type = STORE_MEDIA_LAYER;
        return 0;
    case ARCHIVE_FILTER_GZIP:
        *media_type = STORE_MEDIA_LAYER "+gzip";
        return 0;
    case ARCHIVE_FILTER_ZSTD:
        *media_type = STORE_MEDIA_LAYER "+zstd";
        return 0;
    default:
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "%s compression is not supported (use a plain, gzip or zstd tar)",
                             archive_filter_name(f->outer, 0));
    }
}

/* Unpacks the tar into LAYER_FD, or with LAYER_FD -1 only reads it
 * through (the layer exists already: its digest is all that is needed). */
static int read_tar(struct feed *f, int layer_fd, uint64_t *unpacked, hull_error **err)
{
    /* Rootless, opaque directories are marked the way a "userxattr"
     * overlay reads them (overlay.c). */
    const struct hull_layer_opts opts = {.overlay = true, .userxattr = hull_rootless()};
    struct hull_layer_stats st = {0};
    struct archive *inner = archive_read_new();
    struct archive_entry *e;
    int ret = 0, r;

    archive_read_support_format_tar(inner);
    if (archive_read_open(inner, f, NULL, feed_tar, NULL) != ARCHIVE_OK) {
        ret = hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "not a tar archive: %s",
                            archive_error_string(inner));
    } else if (layer_fd >= 0) {
        ret = hull_layer_apply(inner, layer_fd, &opts, &st, err);
    } else {
        while (ret == 0 && (r = archive_read_next_header(inner, &e)) != ARCHIVE_EOF) {
            if (r < ARCHIVE_WARN || archive_read_data_skip(inner) < ARCHIVE_WARN)
                ret = hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "read layer: %s",
                                    archive_error_string(inner));
        }
    }
    archive_read_free(inner);
    *unpacked = st.bytes;
    return ret;
}

static int check_digests(const struct store_layer_job *j, hull_error **err)
{
    if (j->want_size >= 0 && j->blob_size != (uint64_t)j->want_size)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "size %llu does not match the %lld bytes the manifest gives",
                             (unsigned long long)j->blob_size, (long long)j->want_size);
    if (j->want_blob != NULL && strcmp(j->want_blob, j->blob) != 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "content digest %s does not match the manifest's %s", j->blob,
                             j->want_blob);
    if (j->want_diff_id != NULL && strcmp(j->want_diff_id, j->diff_id) != 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "uncompressed digest %s does not match the config's diff_id %s",
                             j->diff_id, j->want_diff_id);
    return 0;
}

/* After a failure to read a blob whose digest is known: when the bytes
 * are not the ones the manifest names, that is the cause to report (a
 * damaged or truncated blob), not what its corrupt content made fail. */
static void blame_damage(struct feed *f, const struct store_layer_job *j, hull_error **err)
{
    char digest[HULL_DIGEST_SIZE];
    const void *ignored;
    la_ssize_t n;

    if (j->want_blob == NULL || j->src.len < 0)
        return;
    f->blob_fd = -1;
    while ((n = feed_src(f->outer, f, &ignored)) > 0)
        ;
    if (n < 0) {
        hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                      "the blob is truncated: %llu of the %lld bytes the manifest gives",
                      (unsigned long long)f->done, (long long)j->want_size);
        return;
    }
    if (hull_sha256_final(f->blob_hash, digest, NULL) == 0 && strcmp(digest, j->want_blob) != 0)
        hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                      "content digest %s does not match the manifest's %s (the blob is damaged)",
                      digest, j->want_blob);
}

static int open_outputs(int ws_fd, const struct store_layer_job *j, int *blob_fd, int *layer_fd,
                        hull_error **err)
{
    if (j->ws_blob != NULL) {
        *blob_fd =
            openat(ws_fd, j->ws_blob, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (*blob_fd < 0)
            return hull_err(err, errno, "create \"%s\" in the work directory", j->ws_blob);
    }
    if (j->ws_layer != NULL) {
        if (mkdirat(ws_fd, j->ws_layer, 0755) < 0)
            return hull_err(err, errno, "create \"%s\" in the work directory", j->ws_layer);
        *layer_fd = openat(ws_fd, j->ws_layer, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (*layer_fd < 0)
            return hull_err(err, errno, "open \"%s\" in the work directory", j->ws_layer);
    }
    return 0;
}

int store_layer_ingest(int ws_fd, struct store_layer_job *j, hull_error **err)
{
    _cleanup_close_ int blob_fd = -1;
    _cleanup_close_ int layer_fd = -1;
    _cleanup_free_ char *buf = xmalloc(FEED_BUF_SIZE);
    struct feed f = {.src = &j->src, .buf = buf};
    int ret = -1;

    if (open_outputs(ws_fd, j, &blob_fd, &layer_fd, err) < 0)
        return -1;
    f.blob_fd = blob_fd;
    if (hull_sha256_new(&f.blob_hash, err) < 0 || hull_sha256_new(&f.tar_hash, err) < 0)
        goto out;
    if (open_outer(&f, &j->media_type, err) < 0 ||
        read_tar(&f, layer_fd, &j->unpacked_size, err) < 0 || feed_drain(&f, err) < 0) {
        blame_damage(&f, j, err);
        goto out;
    }
    if (hull_sha256_final(f.blob_hash, j->blob, err) < 0 ||
        hull_sha256_final(f.tar_hash, j->diff_id, err) < 0)
        goto out;
    j->blob_size = f.done;
    j->tar_size = f.tar_size;
    ret = check_digests(j, err);
out:
    if (f.outer != NULL)
        archive_read_free(f.outer);
    hull_sha256_free(f.blob_hash);
    hull_sha256_free(f.tar_hash);
    return ret;
}

struct pool {
    int ws_fd;
    struct store_layer_job *jobs;
    size_t n;
    atomic_size_t next;
    atomic_bool failed;
};

static void *worker(void *data)
{
    struct pool *p = data;

    for (;;) {
        size_t i = atomic_fetch_add(&p->next, 1);
        if (i >= p->n || atomic_load(&p->failed))
            return NULL;
        struct store_layer_job *j = &p->jobs[i];
        if (store_layer_ingest(p->ws_fd, j, &j->err) < 0)
            atomic_store(&p->failed, true);
    }
}

static size_t thread_count(size_t jobs)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t n = cpus > 0 ? (size_t)cpus : 1;

    if (n > MAX_THREADS)
        n = MAX_THREADS;
    return n < jobs ? n : jobs;
}

int store_layer_ingest_all(int ws_fd, struct store_layer_job *jobs, size_t n, hull_error **err)
{
    struct pool p = {.ws_fd = ws_fd, .jobs = jobs, .n = n};
    size_t nthreads = thread_count(n);
    pthread_t *threads = xmalloc0((nthreads + 1) * sizeof(*threads));
    size_t started = 0;

    atomic_init(&p.next, 0);
    atomic_init(&p.failed, false);
    /* the calling thread works too: one thread less to start, and a
     * failing pthread_create still leaves a worker */
    for (size_t i = 1; i < nthreads; i++) {
        if (pthread_create(&threads[started], NULL, worker, &p) != 0)
            break;
        started++;
    }
    worker(&p);
    for (size_t i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    free(threads);
    for (size_t i = 0; i < n; i++) {
        if (jobs[i].err != NULL) {
            *err = take_ptr(jobs[i].err);
            return hull_err_wrap(err, "%s", jobs[i].name);
        }
    }
    return 0;
}

void store_layer_jobs_free(struct store_layer_job *jobs, size_t n)
{
    for (size_t i = 0; jobs != NULL && i < n; i++) {
        hull_error_free(jobs[i].err);
        free(jobs[i].name);
        free(jobs[i].ws_blob);
        free(jobs[i].ws_layer);
        free(jobs[i].want_blob);
        free(jobs[i].want_diff_id);
    }
    free(jobs);
}
