/* Looking into running engine containers: `hull exec` (a new process
 * through hull_container_exec) and `hull top` (the processes of the
 * container's cgroup). */
#ifndef HULL_ENGINE_EXEC_H
#define HULL_ENGINE_EXEC_H

#include "engine.h"
#include "error.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct hull_engine_exec_request {
    const char *ref;       /* container name, id or unique id prefix */
    char *const *cmd;      /* the command and its arguments */
    char *const *env;      /* --env-file entries then -e entries */
    char *const *host_env; /* hull's own environment, for "-e KEY" */
    const char *user;      /* -u USER[:GROUP], resolved in the container; NULL: its own */
    const char *workdir;   /* -w, absolute; NULL: the container's */
    bool tty;              /* -t */
    bool interactive;      /* -i: standard input is passed on */
    bool detach;           /* -d */
    bool privileged;       /* --privileged: every capability */
};

/* Runs R->cmd in the running container R->ref with the container's own
 * process settings (environment, user, working directory, capabilities)
 * changed as R asks.  Standard input, output and error are the caller's
 * (with -t, a pty proxied to them).  *exit_code gets the command's status
 * (0 when detached).  A container that is not running is refused
 * (HULL_ERR_BAD_INPUT, Docker's wording); a command that cannot be found
 * fails with kind HULL_ERR_EXEC_NOT_FOUND, one that cannot be run or a
 * process the runtime could not start (-u, -w) with HULL_ERR_EXEC_DENIED. */
int hull_engine_exec(struct hull_engine *e, const struct hull_engine_exec_request *r,
                     int *exit_code, hull_error **err);

/* One row of `hull top`: ps -ef's columns. */
struct hull_top_row {
    char *uid; /* user name on the host, or the number */
    pid_t pid, ppid;
    unsigned int cpu; /* C: CPU use in percent over the process's life */
    char *stime;      /* "HH:MM" today, "MonDD" before */
    char *tty;        /* "pts/0", or "?" */
    char *time;       /* cumulative CPU time "[DD-]HH:MM:SS" */
    char *cmd;        /* the command line, or "[comm]" when it has none */
};

/* The pids of the processes of the running container REF (its cgroup),
 * sorted. */
int hull_engine_top_pids(struct hull_engine *e, const char *ref, pid_t **pids, size_t *n,
                         hull_error **err);

/* ps -ef's row of PID, read from /proc; -1 when the process is gone. */
int hull_top_row_read(pid_t pid, struct hull_top_row *row, hull_error **err);
void hull_top_row_clear(struct hull_top_row *row);

#endif
