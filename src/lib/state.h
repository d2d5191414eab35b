/* Container state on disk, under the runtime root (/run/hullrt/ID/):
 *   state.json   what runc's `state` shows plus what later commands need
 *   config.json  the config the container was created from
 *   exec.fifo    present while the container is "created": start writes it
 * Status is never stored: it is derived from the init process (alive, and
 * still the same process by its start time), the fifo and the freezer. */
#ifndef HULL_STATE_H
#define HULL_STATE_H

#include "error.h"
#include "spec.h"

#include <stdbool.h>
#include <sys/types.h>

enum hull_status {
    HULL_STATUS_CREATING = 0,
    HULL_STATUS_CREATED,
    HULL_STATUS_RUNNING,
    HULL_STATUS_STOPPED,
    HULL_STATUS_PAUSED,
};

struct hull_state {
    char *id;
    pid_t pid;                    /* init's pid in the runtime's pid namespace */
    unsigned long long pid_start; /* its start time (field 22 of /proc/PID/stat) */
    /* While the status is "creating" (pid 0): the process creating it. */
    pid_t creator;
    unsigned long long creator_start;
    char *bundle;
    char *rootfs;
    char *created; /* RFC 3339 with nanoseconds, UTC */
    uid_t owner;
    char *cgroup_path; /* normalized, "" when none */
    struct hull_annotation *annotations;
    size_t n_annotations;
    bool has_pid_ns; /* the container has its own pid namespace */
    bool has_user_ns;
    /* config.json has no poststart nor poststop hook: start and delete
     * need not read it.  False also when unknown (a state of an older
     * hull), which reads it as before. */
    bool no_late_hooks;
    enum hull_status status; /* derived by hull_state_load */
};

const char *hull_status_name(enum hull_status s);

/* Container ids: non-empty, at most 255 bytes, [A-Za-z0-9_+.-] only, and not
 * "." or "..": so an id can never name a path outside the root. */
int hull_id_validate(const char *id, hull_error **err);

/* Opens (creating with mode 0700 if asked) the runtime root directory. */
int hull_root_open(const char *root, bool create, hull_error **err);

/* Writes ROOT_FD/ID/state.json atomically. */
int hull_state_save(int root_fd, const struct hull_state *st, hull_error **err);

/* Reads the state of ID and derives its status.  An unknown id is an error
 * of kind HULL_ERR_NOT_EXIST with runc's wording
 * ("container \"ID\" does not exist"). */
int hull_state_load(int root_fd, const char *id, struct hull_state *st, hull_error **err);

/* True while the process that creates the container is still at it. */
bool hull_state_creator_alive(const struct hull_state *st);

/* Derives the status again (the process may have exited since). */
enum hull_status hull_state_refresh(int root_fd, struct hull_state *st);

/* Ids of every container under the root, sorted. */
int hull_state_list_ids(int root_fd, char ***ids, hull_error **err);

/* The JSON that runc's `state` prints (indented). */
char *hull_state_to_runc_json(const struct hull_state *st);

/* The OCI state given to hooks on stdin (compact). */
char *hull_state_to_oci_json(const struct hull_state *st);

void hull_state_clear(struct hull_state *st);

/* Start time of PID from /proc/PID/stat, 0 if the process is gone. */
unsigned long long hull_proc_start_time(pid_t pid);

/* True if PID is alive and is the process that had START_TIME. */
bool hull_proc_is_same(pid_t pid, unsigned long long start_time);

#endif
