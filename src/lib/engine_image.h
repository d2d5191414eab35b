/* What the engine does with images and containers' filesystems together:
 * removing images that containers may use, and reading a container's
 * filesystem back (hull export, commit and diff). */
#ifndef HULL_ENGINE_IMAGE_H
#define HULL_ENGINE_IMAGE_H

#include "engine.h"
#include "tree.h"

#include <stdbool.h>
#include <stdint.h>

/* Which containers use which images, from their records. */
struct hull_engine_users {
    struct hull_ctr *ctrs;
    size_t n_ctrs;
    struct hull_image_user *users; /* borrowed from ctrs */
};

int hull_engine_image_users(struct hull_engine *e, struct hull_engine_users *out, hull_error **err);
void hull_engine_users_clear(struct hull_engine_users *u);

/* hull rmi REF [-f]: hull_store_image_remove() with every container's
 * use of images taken into account. */
int hull_engine_rmi(struct hull_engine *e, const char *ref, bool force, char ***untagged,
                    char ***deleted, hull_error **err);

/* hull image prune [-a]: hull_store_prune() with the containers' use. */
int hull_engine_image_prune(struct hull_engine *e, bool all, char ***untagged, char ***deleted,
                            uint64_t *reclaimed, hull_error **err);

/* Writes the merged filesystem of container REF (running or not) to OUT
 * as a tar.  A container that is not running has no mounted root: its
 * layers and upper directory are read through a detached read-only
 * overlay that exists only for the export. */
int hull_engine_export(struct hull_engine *e, const char *ref, int out, hull_error **err);

/* What `hull commit` takes besides the container. */
struct hull_commit_request {
    const char *ref;      /* REPOSITORY[:TAG] for the new image, or NULL */
    const char *author;   /* -a */
    const char *message;  /* -m */
    char *const *changes; /* -c */
    bool pause;           /* freeze a running container while its layer is read */
};

/* Makes a new image of container REF: its image's layers plus its upper
 * directory as one more layer, overlay whiteouts turned into OCI ones.
 * *IMAGE_ID gets the new id. */
int hull_engine_commit(struct hull_engine *e, const char *ref, const struct hull_commit_request *r,
                       char **image_id, hull_error **err);

/* Docker's diff of container REF (see hull_tree_changes()). */
int hull_engine_diff(struct hull_engine *e, const char *ref, struct hull_change **out, size_t *n,
                     hull_error **err);

#endif
