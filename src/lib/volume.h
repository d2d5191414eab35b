/* Volumes: directories the engine keeps outside any container, under
 * STATE_ROOT/volumes/NAME/_data (the "local" driver of Docker), with
 * NAME/volume.json holding what `volume inspect` shows.  Named volumes
 * live until removed; anonymous ones (64 hex digits) belong to the
 * container that made them and go with `rm -v` (hull_volumes_release).
 *
 * Which container uses which volume is read from the containers' own
 * mount lists (hull_run_mounts, run_config.c).  Creating, removing and
 * recording a use happen under one lock of the volumes directory, so a
 * volume cannot be removed between a container's choosing it and that
 * choice being recorded. */
#ifndef HULL_VOLUME_H
#define HULL_VOLUME_H

#include "engine.h"
#include "error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hull_volume {
    char *name;
    char *mountpoint; /* STATE_ROOT/volumes/NAME/_data */
    char *created;    /* RFC 3339 */
    char **labels;    /* "KEY=VALUE" */
    bool anonymous;
};

/* Takes the exclusive lock of STATE_ROOT/volumes (created as needed);
 * returns the locked descriptor of the directory (close it to unlock). */
int hull_volumes_lock(struct hull_engine *e, hull_error **err);

/* Creates volume NAME (NULL: an anonymous one with a random name) under
 * the lock DIRFD.  An existing named volume is returned as it is, as
 * Docker does; *CREATED (may be NULL) tells which happened. */
int hull_volume_create_locked(struct hull_engine *e, int dirfd, const char *name,
                              char *const *labels, struct hull_volume *out, bool *created,
                              hull_error **err);

/* The same, taking the lock itself (`hull volume create`). */
int hull_volume_create(struct hull_engine *e, const char *name, char *const *labels,
                       struct hull_volume *out, hull_error **err);

/* Looks volume NAME up (HULL_ERR_NOT_EXIST "no such volume: NAME"). */
int hull_volume_get(struct hull_engine *e, const char *name, struct hull_volume *out,
                    hull_error **err);

/* Every volume, sorted by name. */
int hull_volume_list(struct hull_engine *e, struct hull_volume **out, size_t *n, hull_error **err);

/* Ids of the containers whose mounts name volume NAME; a new vector. */
int hull_volume_users(struct hull_engine *e, const char *name, char ***ids, hull_error **err);

/* Removes volume NAME; one in use is refused ("remove NAME: volume is in
 * use - [ID, ...]"). */
int hull_volume_remove(struct hull_engine *e, const char *name, hull_error **err);

/* Removes the unused volumes: anonymous ones only unless ALL.  *removed
 * gets their names, *reclaimed the bytes freed. */
int hull_volume_prune(struct hull_engine *e, bool all, char ***removed, uint64_t *reclaimed,
                      hull_error **err);

/* Removes the anonymous volumes of container C (`rm -v`, and `--rm`):
 * each one no other container uses.  Named volumes stay. */
int hull_volumes_release(struct hull_engine *e, const struct hull_ctr *c, hull_error **err);

/* Bytes used by the files under PATH (not crossing mount points). */
uint64_t hull_dir_size(const char *path);

void hull_volume_clear(struct hull_volume *v);
void hull_volume_list_free(struct hull_volume *list, size_t n);

#endif
