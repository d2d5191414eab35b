/* The content-addressed image store (default root /var/lib/hull).
 *
 * Layout under ROOT:
 *   blobs/sha256/HEX   layer archives as imported (compressed or not),
 *                      image configs and OCI manifests, named by digest
 *   layers/HEX         a layer unpacked for overlayfs (whiteouts as 0:0
 *                      character devices), named by its diff_id, shared
 *                      by every image that has it
 *   images.json        tags -> image ids, and per image its manifest,
 *                      diff_ids and layer blobs (replaced atomically)
 *   tmp/               work directories of running imports, each flock()ed
 *                      by its owner; unlocked ones are crash leftovers
 *   lock               flock()ed shared by readers, exclusive by writers
 *
 * Blobs and layers are written inside tmp/ and renamed into place, so a
 * crash never leaves a half-written blob or layer visible, and they become
 * referenced only when images.json is replaced.  Several hull processes
 * may use one store at the same time. */
#ifndef HULL_STORE_H
#define HULL_STORE_H

#include "error.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HULL_STORE_DEFAULT_ROOT "/var/lib/hull"

struct hull_store;

struct hull_image {
    char *id;              /* "sha256:<hex>" of the config blob */
    char **repo_tags;      /* "name:tag", sorted; empty (not NULL) when untagged */
    char **diff_ids;       /* lowest layer first */
    char **layer_dirs;     /* absolute paths of the unpacked layers, lowest first */
    json_t *config;        /* the image config, checked by hull_image_config_parse() */
    char *created;         /* RFC 3339, from the config */
    uint64_t size;         /* bytes of file data in all layers */
    uint64_t *layer_sizes; /* bytes of file data of each layer, lowest first */
    char *manifest;        /* digest of the OCI manifest blob */
    bool repo_digest;      /* MANIFEST is a registry's (loaded as found), not one hull wrote */
};

/* Opens (creating if needed) the store at ROOT. */
int hull_store_open(const char *root, struct hull_store **out, hull_error **err);
void hull_store_close(struct hull_store *s);
void hull_store_closep(struct hull_store **s);
#define _cleanup_store_ __attribute__((cleanup(hull_store_closep)))

/* The absolute root directory. */
const char *hull_store_root(const struct hull_store *s);

/* Imports a root filesystem tarball (plain tar, gzip or zstd, detected by
 * content; "-" reads standard input) as a one-layer image and tags it REF
 * (NULL: untagged).  CHANGES are Docker --change instructions.  The file is
 * read once: its digest, the digest of the uncompressed tar (diff_id) and
 * the unpacked layer are produced in the same pass.  On success *image_id
 * (if not NULL) receives the new id.  On error nothing is left behind: no
 * blob, no layer, no tag. */
int hull_store_import(struct hull_store *s, const char *tar_path, const char *ref,
                      char *const *changes, char **image_id, hull_error **err);

/* Looks up "name", "name:tag", "name@sha256:<manifest digest>", a full
 * "sha256:<hex>" id or a unique prefix (at least 4 hex digits) of an id.
 * Unknown images fail with HULL_ERR_NOT_EXIST: "image \"x\" not found";
 * what is neither a reference nor an id with HULL_ERR_BAD_INPUT:
 * "invalid reference format: ...". */
int hull_store_image_get(struct hull_store *s, const char *ref_or_id, struct hull_image **out,
                         hull_error **err);

/* Every image, newest first. */
int hull_store_image_list(struct hull_store *s, struct hull_image ***out, size_t *n,
                          hull_error **err);

/* Loads every image of an OCI image layout (a directory or a tar of one)
 * or of a `docker save` archive at PATH ("-": standard input), plain or
 * compressed with gzip or zstd.  Every stated digest is verified, each
 * layer's uncompressed digest must be its config's diff_id, layers the
 * store has are reused, the others are unpacked in parallel.  *TAGS gets
 * the tags given to the images, *IDS the ids of the images that got no
 * tag (both new vectors).  On error the store is unchanged. */
int hull_store_load(struct hull_store *s, const char *path, char ***tags, char ***ids,
                    hull_error **err);

enum hull_save_format {
    HULL_SAVE_DOCKER_ARCHIVE = 0, /* manifest.json, CONFIG.json, ID/layer.tar */
    HULL_SAVE_OCI_ARCHIVE,        /* an OCI image layout, plus manifest.json */
};

/* "docker-archive" or "oci-archive"; other names are HULL_ERR_BAD_INPUT. */
int hull_save_format_parse(const char *s, enum hull_save_format *out, hull_error **err);

/* Writes the images REFS (any form hull_store_image_get() takes) to FD
 * as one tar archive that `docker load`, `podman load` and skopeo read.
 * A ref naming a tag puts that tag into the archive. */
int hull_store_save(struct hull_store *s, char *const *refs, enum hull_save_format fmt, int fd,
                    hull_error **err);

/* A container's use of an image: removing the image is refused, or only
 * untags it, while containers use it. */
struct hull_image_user {
    const char *image_id;
    const char *ctr_id;
    bool running;
};

struct hull_rmi_opts {
    bool force;
    const struct hull_image_user *users;
    size_t n_users;
};

/* Docker's rmi.  A tag: untags it, and removes the image when that was
 * its last tag and no container uses it.  An id (or prefix, or
 * name@digest): removes the image and its tags; several tags need FORCE.
 * An image that containers use is never deleted: its last tag goes only
 * with FORCE (the image stays, untagged, while a container uses it), and
 * an id used by a running container is refused even then.  Refusals are
 * HULL_ERR_BAD_INPUT with Docker's "conflict: ..." wording.  *UNTAGGED
 * and *DELETED get what was done (new vectors); layers and blobs that no
 * image references any more are deleted. */
int hull_store_image_remove(struct hull_store *s, const char *ref, const struct hull_rmi_opts *o,
                            char ***untagged, char ***deleted, hull_error **err);

/* Removes the images no tag names (with ALL, every image) that no
 * container in USERS uses.  *RECLAIMED gets the bytes freed on disk. */
int hull_store_prune(struct hull_store *s, bool all, const struct hull_image_user *users,
                     size_t n_users, char ***untagged, char ***deleted, uint64_t *reclaimed,
                     hull_error **err);

/* What `hull commit` makes: a new image with the layers of BASE plus one
 * layer that WRITE_TAR writes (an uncompressed tar with OCI whiteouts)
 * to the descriptor it is given. */
struct hull_store_commit_opts {
    const char *base;       /* the image the container was made from */
    const char *ref;        /* a tag for the new image, or NULL */
    const char *author;     /* config.author, or NULL */
    const char *comment;    /* the history entry's comment, or NULL */
    const char *created_by; /* the history entry's created_by, or NULL */
    char *const *changes;   /* Docker --change instructions, or NULL */
    int (*write_tar)(int fd, void *data, hull_error **err);
    void *data;
};

/* Creates the image; *IMAGE_ID (if not NULL) gets its id.  On error
 * nothing is left behind. */
int hull_store_commit(struct hull_store *s, const struct hull_store_commit_opts *o, char **image_id,
                      hull_error **err);

/* Tags the image SRC (any form hull_store_image_get() takes) as REF,
 * moving REF away from the image it named before. */
int hull_store_tag(struct hull_store *s, const char *src, const char *ref, hull_error **err);

void hull_image_free(struct hull_image *img);
void hull_image_list_free(struct hull_image **imgs, size_t n);

#endif
