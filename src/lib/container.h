/* The container lifecycle of the OCI runtime: create, start, run, kill,
 * delete, state, list.  Both programs use it: hullrt for runc's command line,
 * hull for its engine commands. */
#ifndef HULL_CONTAINER_H
#define HULL_CONTAINER_H

#include "error.h"
#include "spec.h"
#include "state.h"

#include <stdbool.h>
#include <sys/types.h>

/* Options common to every operation. */
struct hull_runtime {
    const char *root;          /* runtime state root, e.g. /run/hullrt */
    const char *cgroup_parent; /* default cgroup parent when cgroupsPath is empty */
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

#endif
