/* Shared by store.c and store_import.c only. */
#ifndef HULL_STORE_INTERNAL_H
#define HULL_STORE_INTERNAL_H

#include "store.h"

#include <stdbool.h>

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

/* REF normalized as a key of "tags" ("name:tag"); a digest is refused. */
int store_tag_key(const char *ref, char **out, hull_error **err);

/* Deletes every blob and layer that no image in STATE references.
 * Exclusive lock held, STATE already saved. */
int store_gc(struct hull_store *s, const json_t *state, hull_error **err);

#endif
