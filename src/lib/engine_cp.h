/* `hull cp`: files between a container and the host, by docker cp's rules.
 *
 * Every path inside the container is resolved once, with openat2
 * RESOLVE_IN_ROOT against the container's root, and the copy then works
 * on descriptors only (fscopy.h): a container that swaps a directory for
 * a symlink while the copy runs cannot make it read or write outside its
 * root (CVE-2018-15664).  A running container is reached through its
 * init's root, so its volumes and other mounts are seen as it sees them;
 * a stopped one through its overlay and bind mounts assembled in a
 * private mount namespace of a helper process, while the container's lock
 * keeps it from starting meanwhile. */
#ifndef HULL_ENGINE_CP_H
#define HULL_ENGINE_CP_H

#include "engine.h"
#include "error.h"

#include <stdbool.h>

struct hull_cp_opts {
    bool archive;     /* -a: keep the owners (else the destination side's root user) */
    bool follow_link; /* -L: a symlink as SRC is followed */
};

/* Copies SRC (a path in container REF) to DST on the host. */
int hull_engine_cp_from(struct hull_engine *e, const char *ref, const char *src, const char *dst,
                        const struct hull_cp_opts *o, hull_error **err);

/* Copies SRC on the host to DST (a path in container REF). */
int hull_engine_cp_to(struct hull_engine *e, const char *ref, const char *src, const char *dst,
                      const struct hull_cp_opts *o, hull_error **err);

#endif
