/* The container lifecycle of the OCI runtime: create, start, run, kill,
 * delete, state, list.  Both programs use it: hullrt for runc's command line,
 * hull for its engine commands. */
#ifndef HULL_CONTAINER_H
#define HULL_CONTAINER_H

#include "error.h"
#include "spec.h"
#include "state.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Options common to every operation. */
struct hull_runtime {
    const char *root;          /* runtime state root, e.g. /run/hullrt */
    const char *cgroup_parent; /* default cgroup parent when cgroupsPath is empty */
    /* Where compiled seccomp programs are cached (seccomp_cache.h), or
     * NULL to build every filter afresh. */
    const char *seccomp_cache_dir;
};

struct hull_create_opts {
    const char *id;
    const char *bundle;         /* directory holding config.json */
    const char *pid_file;       /* may be NULL */
    const char *console_socket; /* may be NULL */
    bool no_pivot;
    bool no_new_keyring;
    int preserve_fds;       /* descriptors 3..3+N-1 are passed on */
    struct hull_spec *spec; /* pre-parsed config, or NULL to load bundle/config.json */
};

/* Creates a container: after it returns, the container is "created", its
 * init process waiting for start.  Everything the failed create made is
 * removed.  *pid_out (may be NULL) gets the init's pid. */
int hull_container_create(const struct hull_runtime *rt, const struct hull_create_opts *o,
                          pid_t *pid_out, hull_error **err);

/* Starts a created container and runs the poststart hooks. */
int hull_container_start(const struct hull_runtime *rt, const char *id, hull_error **err);

/* What run does once the container started. */
struct hull_run_opts {
    bool detach; /* return once started (runc run --detach) */
    bool keep;   /* do not delete after exit (runc run --keep) */
    /* For a foreground run with process.terminal and no console socket, the
     * pty is proxied to these descriptors (the caller's terminal). */
    int tty_in, tty_out;
};

/* create + start, then (unless detached) wait for init to exit, forwarding
 * signals to it, and delete the container.  *exit_status gets the exit
 * code the shell would report (128+N for signal N). */
int hull_container_run(const struct hull_runtime *rt, const struct hull_create_opts *o,
                       const struct hull_run_opts *ro, int *exit_status, hull_error **err);

/* Sends SIG to init, or with ALL to every process of the container. */
int hull_container_kill(const struct hull_runtime *rt, const char *id, int sig, bool all,
                        hull_error **err);

/* Deletes a stopped container (with FORCE, kills a running one first): runs
 * poststop hooks, removes the cgroup and the state. */
int hull_container_delete(const struct hull_runtime *rt, const char *id, bool force,
                          hull_error **err);

/* Loads one container's state (status derived). */
int hull_container_state(const struct hull_runtime *rt, const char *id, struct hull_state *st,
                         hull_error **err);

/* All containers under the root. */
int hull_container_list(const struct hull_runtime *rt, struct hull_state **states, size_t *n,
                        hull_error **err);

/* Through the container's cgroup (container_cgroup.c).  Each takes the
 * container's lock and fails on an unknown id (HULL_ERR_NOT_EXIST) or a
 * container without a cgroup. */

/* Freezes every process of a running or created container ("container
 * not running" otherwise); its status then reads "paused". */
int hull_container_pause(const struct hull_runtime *rt, const char *id, hull_error **err);

/* Thaws a paused container ("container not paused" otherwise). */
int hull_container_resume(const struct hull_runtime *rt, const char *id, hull_error **err);

/* Applies the set fields of RES to the cgroup of a container that has not
 * stopped.  Device rules cannot be updated. */
int hull_container_update(const struct hull_runtime *rt, const char *id,
                          const struct hull_resources *res, hull_error **err);

/* The pids (in the runtime's pid namespace) of every process in the
 * container's cgroup, sorted; free *pids. */
int hull_container_pids(const struct hull_runtime *rt, const char *id, pid_t **pids, size_t *n,
                        hull_error **err);

/* Usage statistics of a container that has not stopped; release OUT with
 * hull_cgroup_stats_clear(). */
struct hull_cgroup_stats;
int hull_container_stats(const struct hull_runtime *rt, const char *id,
                         struct hull_cgroup_stats *out, hull_error **err);

/* How many of the container's processes the OOM killer killed so far;
 * read it before the container is deleted, which removes the counter. */
int hull_container_oom_kills(const struct hull_runtime *rt, const char *id, uint64_t *count,
                             hull_error **err);

/* Starts watching the container's cgroup for OOM events; see
 * hull_cgroup_oom_watch_read() and hull_cgroup_oom_watch_close(). */
struct hull_cgroup_oom_watch;
int hull_container_oom_watch(const struct hull_runtime *rt, const char *id,
                             struct hull_cgroup_oom_watch *w, hull_error **err);

/* What `exec` runs inside an existing container (container_exec.c). */
struct hull_exec_opts {
    const char *id;
    /* The whole process to run: args, env, cwd, user, capabilities,
     * rlimits, noNewPrivileges, AppArmor profile.  Callers usually start
     * from the container's own (hull_container_config) and override. */
    const struct hull_process *process;
    const char *console_socket; /* may be NULL */
    const char *pid_file;       /* may be NULL */
    bool detach;                /* return once the process runs */
    bool ignore_paused;         /* allow a paused container (the process starts frozen) */
    int preserve_fds;           /* descriptors 3..3+N-1 are passed on */
    /* In the foreground with process->terminal and no console socket, the
     * pty is proxied to these descriptors (the caller's terminal); input
     * is copied only with forward_input. */
    int tty_in, tty_out;
    bool forward_input;
};

/* The config the container was created from (ROOT/ID/config.json), with
 * root.path made absolute against its bundle. */
int hull_container_config(const struct hull_runtime *rt, const char *id, struct hull_spec **out,
                          hull_error **err);

/* Runs O->process in the running (or created) container O->id: joins its
 * namespaces (those of its config, taken from its init), its cgroup, and
 * applies its seccomp filter, personality and the process's own
 * attributes, exactly as its init did.  The caller must already run from
 * its sealed copy (selfexe.h).  Errors of the setup come back over the
 * sync socket; a command that cannot be found or run is kind
 * HULL_ERR_EXEC_NOT_FOUND / HULL_ERR_EXEC_DENIED.  *pid_out (may be NULL)
 * gets the process's pid; unless detached, signals are forwarded to it and
 * *exit_status gets its status as a shell reports it (128+N for signal
 * N).  A stopped container is refused ("cannot exec in a stopped
 * container"), a paused one unless ignore_paused. */
int hull_container_exec(const struct hull_runtime *rt, const struct hull_exec_opts *o,
                        pid_t *pid_out, int *exit_status, hull_error **err);

#endif
