/* The engine's container records.
 *
 * Each container has a directory CONTAINERS/ID (CONTAINERS is
 * STATE_ROOT/containers) holding hull.json, the record below, next to what
 * the engine keeps for it (the bundle's config.json, the overlay's upper,
 * work and rootfs directories).  hull.json is always replaced atomically
 * (write to a temporary file, rename), so a reader never sees half a
 * record, and changed under an exclusive flock() of the container's
 * directory, so two hull commands never interleave their updates.  Names
 * are unique: the check and the creation happen under one lock of the
 * whole CONTAINERS directory.
 *
 * The record is the engine's truth about a container; the runtime's state
 * (container.h) only exists while the container's processes do. */
#ifndef HULL_CTR_H
#define HULL_CTR_H

#include "error.h"

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#define HULL_CTR_ID_LEN    64 /* hex digits */
#define HULL_CTR_SHORT_LEN 12 /* what ps and hostnames show */

enum hull_ctr_status {
    HULL_CTR_CREATED = 0, /* made, never started */
    HULL_CTR_RUNNING,     /* its init was started and may still run */
    HULL_CTR_EXITED,      /* its init is gone; exit_code tells how */
    HULL_CTR_RESTARTING,  /* exited, and its monitor starts it again soon */
};

/* --restart: what the monitor does when the container's process exits. */
enum hull_restart_policy {
    HULL_RESTART_NO = 0,
    HULL_RESTART_ON_FAILURE, /* after a nonzero exit, at most max_retries times (0: no limit) */
    HULL_RESTART_ALWAYS,
    HULL_RESTART_UNLESS_STOPPED, /* as always: without a daemon, nothing restarts at boot */
};

struct hull_restart {
    enum hull_restart_policy policy;
    int max_retries;
};

/* The json-file log's rotation (--log-opt max-size=, max-file=). */
struct hull_log_opts {
    unsigned long long max_size; /* bytes; 0: never rotated */
    unsigned int max_file;       /* files kept, the current one included (>= 1) */
};

#define HULL_STOP_TIMEOUT_DEFAULT 10 /* seconds, Docker's */

struct hull_ctr {
    char *id;       /* 64 hex digits */
    char *name;     /* unique, Docker's [a-zA-Z0-9][a-zA-Z0-9_.-]+ */
    char *image;    /* the image reference as the user gave it */
    char *image_id; /* "sha256:..." */
    char *created;  /* RFC 3339, UTC */
    char **command; /* the process arguments, NULL-terminated */
    bool auto_remove;
    bool tty;
    bool interactive;
    bool init;     /* --init: hull-init is PID 1 */
    char **labels; /* "key=value", in the order given */
    struct hull_restart restart;
    char *stop_signal; /* "SIGTERM" unless --stop-signal or the image says otherwise */
    int stop_timeout;  /* seconds; negative: HULL_STOP_TIMEOUT_DEFAULT */
    struct hull_log_opts log;
    json_t *network; /* the network request, net.c's to read (net.h); NULL: none */

    enum hull_ctr_status status;
    pid_t pid;                    /* the init's pid while running */
    unsigned long long pid_start; /* its start time, against pid reuse */
    pid_t monitor_pid;            /* the monitor watching the init, 0 if none */
    unsigned long long monitor_start;
    char *started_at;    /* RFC 3339 or NULL */
    char *finished_at;   /* RFC 3339 or NULL */
    int exit_code;       /* valid when exited: 128+N for signal N */
    bool oom_killed;     /* the OOM killer killed one of its processes */
    int restart_count;   /* restarts by the policy since the last start */
    bool stop_requested; /* stop, kill or rm asked: the policy stays out */
    char *error;         /* why the last start failed, or NULL */
};

const char *hull_ctr_status_name(enum hull_ctr_status s);

/* Opens (creating with mode 0700) STATE_ROOT/containers. */
int hull_ctr_dir_open(const char *state_root, hull_error **err);

/* Docker's container name rule; the error quotes NAME. */
int hull_ctr_name_validate(const char *name, hull_error **err);

/* A random "adjective_noun" name. */
char *hull_ctr_generate_name(void);

/* Creates the record of C: C->id is generated, C->name generated when
 * NULL, else it must be valid and unused (HULL_ERR_BAD_INPUT, "the
 * container name \"/x\" is already in use by container ID", Docker's
 * wording), C->created is set.  Makes DIRFD/ID (mode 0700) and writes
 * hull.json with status "created", the container's lock taken first:
 * *CTR_LOCK gets it (as hull_ctr_lock), unless CTR_LOCK is NULL.  On
 * failure nothing is left. */
int hull_ctr_create(int dirfd, struct hull_ctr *c, int *ctr_lock, hull_error **err);

/* Loads DIRFD/ID/hull.json.  An unknown id is HULL_ERR_NOT_EXIST. */
int hull_ctr_load(int dirfd, const char *id, struct hull_ctr *c, hull_error **err);

/* Replaces DIRFD/ID/hull.json with C atomically (not durably: see
 * ctr.c).  The caller holds the container's lock (hull_ctr_lock) when
 * others may write too. */
int hull_ctr_save(int dirfd, const struct hull_ctr *c, hull_error **err);

/* Takes the exclusive lock of container ID: returns the locked descriptor
 * of its directory (close it to unlock), or -1 (HULL_ERR_NOT_EXIST when
 * the container is gone). */
int hull_ctr_lock(int dirfd, const char *id, hull_error **err);

/* Finds the container named by REF: a full id, a name ("/" prefix
 * allowed), or a unique prefix of an id.  *ID gets the full id.  Unknown:
 * HULL_ERR_NOT_EXIST "No such container: REF"; a prefix matching several
 * ids: HULL_ERR_BAD_INPUT listing them. */
int hull_ctr_lookup(int dirfd, const char *ref, char **id, hull_error **err);

/* Every record, newest first.  Records that cannot be read (a directory
 * being created or removed right now) are skipped. */
int hull_ctr_list(int dirfd, struct hull_ctr **out, size_t *n, hull_error **err);

/* Ids of the directories under DIRFD that hold no record (a removal
 * that was killed halfway) or an empty one (a --rm container's, lost to a
 * crash of the host); a new vector, NULL when there are none. */
int hull_ctr_orphans(int dirfd, char ***ids, hull_error **err);

/* Takes the lock of the whole containers directory, the one creation
 * and renaming hold: returns its descriptor (close it to unlock). */
int hull_ctr_dir_lock(int dirfd, hull_error **err);

/* Removes DIRFD/ID and everything in it.  Refuses to cross a mount point,
 * so a still-mounted rootfs fails the removal instead of emptying it. */
int hull_ctr_remove(int dirfd, const char *id, hull_error **err);

/* The part of hull_ctr_remove() a user waits for: the record goes, then
 * the directory moves aside (".removed/ID" under DIRFD), out of every
 * listing and lookup; hull_ctr_purge() deletes it.  When it cannot be
 * moved, it is removed in place. */
int hull_ctr_unlist(int dirfd, const char *id, hull_error **err);

/* Deletes what hull_ctr_unlist() moved aside, except entries another purge
 * holds locked.  Returns the first error after trying every entry. */
int hull_ctr_purge(int dirfd, hull_error **err);

/* Renames container ID to NAME under the same lock that makes names
 * unique (same errors as hull_ctr_create; NAME being its name already is
 * HULL_ERR_BAD_INPUT, as Docker refuses it). */
int hull_ctr_rename(int dirfd, const char *id, const char *name, hull_error **err);

/* True when C's init was started and is still the same live process. */
bool hull_ctr_is_running(const struct hull_ctr *c);

/* True when C's monitor is still the same live process. */
bool hull_ctr_monitor_alive(const struct hull_ctr *c);

/* Parses --restart ("no", "on-failure[:N]", "always", "unless-stopped");
 * errors are HULL_ERR_BAD_INPUT quoting S. */
int hull_restart_parse(const char *s, struct hull_restart *out, hull_error **err);

/* "no", "on-failure", "always", "unless-stopped". */
const char *hull_restart_policy_name(enum hull_restart_policy p);

/* Applies one --log-opt "KEY=VALUE" of the json-file driver to *OUT
 * (max-size with Docker's k/m/g units, max-file). */
int hull_log_opt_parse(const char *opt, struct hull_log_opts *out, hull_error **err);

/* Whether the policy restarts a container that exited with EXIT_CODE
 * after RESTART_COUNT restarts (never once the user stopped it). */
bool hull_restart_wanted(const struct hull_ctr *c, int exit_code);

void hull_ctr_clear(struct hull_ctr *c);
void hull_ctr_list_free(struct hull_ctr *list, size_t n);

#endif
