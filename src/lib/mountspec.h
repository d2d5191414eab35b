/* Docker's ways to ask for a mount on `run`: `-v SPEC`, `--mount CSV` and
 * `--tmpfs PATH[:OPTIONS]`, parsed into one form.  Parsing checks the
 * syntax only; whether a bind source exists and what a volume name refers
 * to is the engine's business (volume.c). */
#ifndef HULL_MOUNTSPEC_H
#define HULL_MOUNTSPEC_H

#include "error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum hull_mount_kind {
    HULL_MOUNT_BIND,   /* a host path */
    HULL_MOUNT_VOLUME, /* a named volume, or an anonymous one (source NULL) */
    HULL_MOUNT_TMPFS,
};

struct hull_mount_spec {
    enum hull_mount_kind kind;
    char *source; /* bind: absolute host path; volume: name or NULL */
    char *target; /* absolute, cleaned, never "/" */
    bool readonly;
    char *propagation; /* bind: "rprivate" unless given */
    bool nonrecursive; /* bind-nonrecursive: "bind" instead of "rbind" */
    bool nocopy;       /* volume: no copy-up of the image's content */
    char **labels;     /* volume-label KEY=VALUE for a volume created here */
    char **tmpfs_opts; /* tmpfs: mount options, after the defaults */
    char *spec;        /* the option as the user wrote it, for messages */
};

/* Docker's volume name rule, [a-zA-Z0-9][a-zA-Z0-9_.-]+; the error quotes
 * NAME. */
int hull_volume_name_validate(const char *name, hull_error **err);

/* -v [SOURCE:]TARGET[:MODE]: SOURCE absolute, "." or "./PATH" (relative
 * to the current directory, as since Docker 23) is a bind, else a volume
 * name; no SOURCE is an anonymous volume.  MODE is a comma-separated list
 * of rw, ro, z, Z, nocopy, a propagation, and the consistency words
 * Docker ignores (consistent, cached, delegated). */
int hull_mount_spec_parse_volume(const char *spec, struct hull_mount_spec *out, hull_error **err);

/* --mount type=bind|volume|tmpfs,source=,target=,readonly,... with
 * Docker's keys and aliases; a bind source "." or "./PATH" is relative to
 * the current directory. */
int hull_mount_spec_parse_mount(const char *spec, struct hull_mount_spec *out, hull_error **err);

/* --tmpfs TARGET[:OPTIONS]. */
int hull_mount_spec_parse_tmpfs(const char *spec, struct hull_mount_spec *out, hull_error **err);

/* The OCI options of a tmpfs mount: Docker's defaults (rw, noexec, nosuid,
 * nodev) followed by the user's; a new vector. */
char **hull_mount_spec_tmpfs_options(const struct hull_mount_spec *m);

void hull_mount_spec_clear(struct hull_mount_spec *m);

#endif
