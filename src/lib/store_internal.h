/* Shared by the store's files (store*.c) only. */
#ifndef HULL_STORE_INTERNAL_H
#define HULL_STORE_INTERNAL_H

#include "digest.h"
#include "store.h"

#include <stdbool.h>
#include <sys/types.h>

#define STORE_MEDIA_INDEX    "application/vnd.oci.image.index.v1+json"
#define STORE_MEDIA_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define STORE_MEDIA_CONFIG   "application/vnd.oci.image.config.v1+json"
#define STORE_MEDIA_LAYER    "application/vnd.oci.image.layer.v1.tar"
#define STORE_CONFIG_MAX     (16 << 20)

#define STORE_STATE_FILE    "images.json"
#define STORE_STATE_VERSION 1

struct hull_store {
    char *root;
    int root_fd;   /* O_PATH descriptors of ROOT and its directories */
    int blobs_fd;  /* blobs/sha256 */
    int layers_fd; /* layers */
    int tmp_fd;    /* tmp */
    int lock_fd;
};

/* flock() the store: LOCK_SH to read, LOCK_EX to change it. */
int store_lock(struct hull_store *s, int op, hull_error **err);
void store_unlock(struct hull_store *s);

/* images.json: {"version":1, "images":{ID:{...}}, "tags":{REF:ID},
 * "layers":{DIFF_ID:{"size":N}}}; an absent file is an empty store.
 * Called with the lock held. */
int store_state_load(struct hull_store *s, json_t **out, hull_error **err);
int store_state_save(struct hull_store *s, const json_t *state, hull_error **err);

/* Creates tmp/PREFIX-<random>, a directory flock()ed by this process until
 * *fd is closed, so store_sweep_tmp() in another process leaves it alone. */
int store_tmp_create(struct hull_store *s, const char *prefix, char **name, int *fd,
                     hull_error **err);

/* Removes leftovers of crashed processes from tmp/.  Exclusive lock held. */
void store_sweep_tmp(struct hull_store *s);

/* Finds the image WHAT names (hull_store_image_get()'s forms) in STATE;
 * *ID is borrowed from STATE.  Lock held. */
int store_resolve(const json_t *state, const char *what, const char **id, hull_error **err);

/* REF normalized as a key of "tags" ("name:tag"); a digest is refused. */
int store_tag_key(const char *ref, char **out, hull_error **err);

/* Deletes every blob and layer that no image in STATE references, adding
 * the bytes freed to *RECLAIMED (may be NULL).  Exclusive lock held,
 * STATE already saved. */
int store_gc(struct hull_store *s, const json_t *state, uint64_t *reclaimed, hull_error **err);

/* LEN bytes of FD from OFF; LEN -1 reads FD as a stream to its end. */
struct store_src {
    int fd;
    off_t off;
    int64_t len;
};

/* One layer blob to read: its bytes are hashed and checked against what
 * the manifest and config say, copied to WS_BLOB and unpacked into
 * WS_LAYER (both in the work directory; NULL skips the copy or the
 * unpacking, e.g. for what the store already has). */
struct store_layer_job {
    struct store_src src;
    char *name;         /* for messages: "layer 2 (blobs/sha256/...)" */
    char *want_blob;    /* expected digest of the bytes, or NULL */
    int64_t want_size;  /* expected size, or -1 */
    char *want_diff_id; /* expected digest of the tar, or NULL */
    char *ws_blob, *ws_layer;
    /* results */
    char blob[HULL_DIGEST_SIZE];
    char diff_id[HULL_DIGEST_SIZE];
    const char *media_type; /* from the compression found */
    uint64_t blob_size, unpacked_size, tar_size;
    hull_error *err;
};

/* Runs one job in the calling thread. */
int store_layer_ingest(int ws_fd, struct store_layer_job *j, hull_error **err);

/* Runs N jobs on a few threads; the error is the first failed job's, in
 * job order, wrapped with its name.  Jobs not started after a failure
 * are skipped. */
int store_layer_ingest_all(int ws_fd, struct store_layer_job *jobs, size_t n, hull_error **err);
void store_layer_jobs_free(struct store_layer_job *jobs, size_t n);

/* The members of an image archive: a directory or a tar file (see
 * store_archive.c).  WS_FD is the work directory a compressed or piped
 * archive is decompressed into.  Found members stay readable until
 * store_archive_free(). */
struct store_archive;
int store_archive_open(const char *path, int ws_fd, struct store_archive **out, hull_error **err);
int store_archive_find(struct store_archive *a, const char *name, struct store_src *out,
                       hull_error **err);
bool store_archive_has(struct store_archive *a, const char *name);
int store_archive_read(struct store_archive *a, const char *name, size_t max, char **data,
                       size_t *len, hull_error **err);
void store_archive_free(struct store_archive *a);

/* What a work directory holds for the store: files and directories named
 * WS_NAME there, moved to blobs/ or layers/ under their digest. */
struct store_item {
    char *ws_name;
    bool layer;
    char digest[HULL_DIGEST_SIZE];
    uint64_t size;     /* a layer's unpacked bytes */
    uint64_t tar_size; /* a layer's uncompressed tar size */
    bool moved;        /* set by store_commit() while it works */
};

/* An image to record: its config digest (the id), manifest digest,
 * layers and tags ("name:tag" keys). */
struct store_new_image {
    char id[HULL_DIGEST_SIZE];
    char manifest[HULL_DIGEST_SIZE];
    bool repo_digest; /* the manifest came as found, not written by hull */
    char **diff_ids;
    char **layer_blobs;
    char *created;
    char **tags;
};

/* Under the exclusive lock: moves ITEMS into place (an existing blob or
 * layer of the same digest is kept instead: content addressing makes
 * them the same), checks that every blob and layer the images name is
 * there, and records IMAGES with their tags in images.json.  On failure
 * the items this call moved are taken back and nothing changes. */
int store_commit(struct hull_store *s, int ws_fd, struct store_item *items, size_t n_items,
                 const struct store_new_image *images, size_t n_images, hull_error **err);

/* Whether images.json records layer DIFF_ID and its directory exists
 * (shared lock taken), and whether blob DIGEST exists. */
int store_has_layer(struct hull_store *s, const char *diff_id, bool *has, hull_error **err);
bool store_has_blob(struct hull_store *s, const char *digest);

/* Writes CFG as "config" and an OCI manifest of it and LAYERS (manifest
 * layer descriptors) as "manifest" into the work directory; fills
 * IMG->id and IMG->manifest and ITEMS with both files. */
int store_write_metadata(int ws_fd, const json_t *cfg, json_t *layers, struct store_new_image *img,
                         struct store_item items[2], hull_error **err);

#endif
