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
#include <stddef.h>
#include <stdint.h>

#define HULL_STORE_DEFAULT_ROOT "/var/lib/hull"

struct hull_store;

struct hull_image {
    char *id;          /* "sha256:<hex>" of the config blob */
    char **repo_tags;  /* "name:tag", sorted; empty (not NULL) when untagged */
    char **diff_ids;   /* lowest layer first */
    char **layer_dirs; /* absolute paths of the unpacked layers, lowest first */
    json_t *config;    /* the image config, checked by hull_image_config_parse() */
    char *created;     /* RFC 3339, from the config */
    uint64_t size;     /* bytes of file data in all layers */
    char *manifest;    /* digest of the OCI manifest blob */
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
 * Unknown images fail with HULL_ERR_NOT_EXIST: "image \"x\" not found". */
int hull_store_image_get(struct hull_store *s, const char *ref_or_id, struct hull_image **out,
                         hull_error **err);

/* Every image, newest first. */
int hull_store_image_list(struct hull_store *s, struct hull_image ***out, size_t *n,
                          hull_error **err);

/* A tag: removes the tag, and the image once it has no tag left.  An id:
 * removes the image with its tag, and refuses (HULL_ERR_BAD_INPUT) when it
 * has several tags.  Layers and blobs no image references are deleted. */
int hull_store_image_remove(struct hull_store *s, const char *ref, hull_error **err);

/* Tags the image SRC (any form hull_store_image_get() takes) as REF,
 * moving REF away from the image it named before. */
int hull_store_tag(struct hull_store *s, const char *src, const char *ref, hull_error **err);

void hull_image_free(struct hull_image *img);
void hull_image_list_free(struct hull_image **imgs, size_t n);

#endif
