/* Shared between the parent side (container_create.c) and the child side
 * (container_init.c) of creating a container. */
#ifndef HULL_CONTAINER_INTERNAL_H
#define HULL_CONTAINER_INTERNAL_H

#include "cgroup.h"
#include "container.h"
#include "spec.h"

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

struct hull_create_ctx {
    const struct hull_runtime *rt;
    const struct hull_create_opts *o;
    struct hull_spec *spec;
    char *bundle;       /* absolute */
    int root_fd;        /* the runtime root */
    int state_fd;       /* ROOT/ID */
    bool state_created; /* ROOT/ID was made by this create */
    int fifo_fd;        /* exec.fifo, O_RDWR: the init blocks reading it */
    int sync_parent, sync_child;
    int ns_fds[HULL_NS_COUNT];
    int console_sock;   /* connected --console-socket, or -1 */
    bool pty_to_caller; /* foreground run: keep the pty master */
    int pty_master;     /* received from the init when pty_to_caller */
    char *cgroup_path;  /* normalized; NULL when no cgroup is used */
    bool cgroup_created;
    struct hull_cgroup_join cgroup_join; /* how stage 1 enters it */
    pid_t parent_pid;
    pid_t stage1_pid;
    pid_t init_pid;
    /* linux.seccomp compiled from the cache (NULL: the init builds it). */
    void *seccomp_bpf;
    size_t seccomp_bpf_len;
    unsigned int seccomp_flags;
};

/* The first child: joins and creates namespaces, then forks the init as a
 * sibling (CLONE_PARENT) and exits.  Never returns. */
__attribute__((noreturn)) void hull_stage1_main(struct hull_create_ctx *ctx);

/* Creates the container; pty_to_caller keeps the pty master in
 * ctx->pty_master for a foreground run.  The caller frees ctx with
 * hull_create_ctx_release(). */
int hull_create_with_ctx(const struct hull_runtime *rt, const struct hull_create_opts *o,
                         bool pty_to_caller, struct hull_create_ctx *ctx, hull_error **err);
void hull_create_ctx_release(struct hull_create_ctx *ctx);

/* The state JSON given to hooks while the container is being created. */
char *hull_creating_state_json(const struct hull_create_ctx *ctx, const char *status);

/* Sends E to the runtime over SOCK and exits: how a setup process (the
 * init before exec, an exec's setup child) fails. */
__attribute__((noreturn)) void hull_setup_die_with(int sock, hull_error *e);

/* Makes the calling setup process die with the runtime: it must never
 * outlive a runtime that was killed halfway.  PARENT is 0 when the parent
 * is not visible (a process in a new pid namespace); the runtime's death
 * then shows as end-of-file on the sync socket, which is read next. */
int hull_setup_die_with_parent(pid_t parent, hull_error **err);

/* Writes PID to the --pid-file PATH atomically. */
int hull_write_pid_file(const char *path, pid_t pid, hull_error **err);

/* Blocks the signals a foreground run or exec forwards, saving the old
 * mask.  Blocked before the process is forked, none of them is lost. */
void hull_run_block_signals(sigset_t *old);

/* Stays with PID (a child of ours) until it exits, forwarding the blocked
 * signals to it; with a pty MASTER (else -1), copies it to OUT and, with
 * FORWARD_INPUT, IN to it (in raw mode when IN is a terminal).
 * *exit_status gets the status as a shell reports it. */
int hull_run_foreground(pid_t pid, int master, int in, int out, bool forward_input,
                        int *exit_status, hull_error **err);

#endif
