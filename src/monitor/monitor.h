/* hull-monitor: the process that watches one container (see
 * src/lib/monitor_proto.h for its part in the engine).
 *
 * It is small on purpose: one per running container, single-threaded, no
 * libhull, static.  Everything that needs the engine's records runs in
 * hull's own hooks, which the monitor starts and waits for. */
#ifndef HULL_MONITOR_H
#define HULL_MONITOR_H

#include "logfile.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define MON_MAX_CLIENTS 32

/* struct monitor's hook while a client runs the exit hook's work. */
#define MON_HOOK_CLIENT ((pid_t)-1)

struct mon_msg {
    struct mon_msg *next;
    size_t len;
    char data[];
};

struct mon_client {
    int fd;
    uint32_t flags; /* HULL_MON_WANT_*, from its HELLO */
    bool hello;
    /* Messages the socket did not take yet, oldest first.  While one
     * waits, the container's output is not read (mon_clients_blocked):
     * more queue up only when the container's end is read out. */
    struct mon_msg *pending, *pending_tail;
    /* Gets EXIT_CODE, queued behind its output (the last message while
     * not closing yet). */
    bool exit_wanted;
    int exit_code;
    bool closing;              /* has its exit code: read until it hangs up */
    uint64_t closing_until_ms; /* then it is dropped */
};

/* What the command line gave. */
struct mon_opts {
    const char *id;
    const char *ctr_dir;  /* STATE_ROOT/containers/ID */
    const char *hull;     /* the hull binary, for the hooks */
    const char *root;     /* HULL_ROOT for the hooks */
    const char *run_root; /* HULL_RUNROOT for the hooks */
    pid_t init;
    bool tty;
    bool interactive; /* the container's stdin is a pipe of ours */
    uint64_t log_max_size;
    unsigned int log_max_file;
};

struct monitor {
    struct mon_opts o;
    int ctr_dirfd;
    int sigfd;
    int listen_fd;
    int out_fd, err_fd, in_fd; /* -1 when closed */
    char *in_pending;          /* input the container did not take yet */
    size_t in_pending_len;
    struct mon_logfile log;
    struct mon_client clients[MON_MAX_CLIENTS];

    pid_t init; /* 0 while none runs */
    uint64_t init_started_ms;
    int exit_code; /* of the last exit */
    bool draining; /* the init exited: reading what is left of its output */
    uint64_t drain_until_ms;

    pid_t hook; /* the running hook, 0 if none, MON_HOOK_CLIENT */
    bool hook_is_restart;
    int hook_client;               /* the client running the exit hook (MON_HOOK_CLIENT), or -1 */
    uint64_t hook_client_until_ms; /* then the monitor runs the hook itself */
    bool ending;                   /* done once the closing clients hang up */
    char hook_time[48];            /* the finish time of the exit the hook records */
    int report_fd;                 /* the restart hook's report socket */
    pid_t reported_init;
    int reported_pty;
    bool restart_adopted; /* the restarted init is ours already */
    /* Children reaped before we knew who they were: the restarted init
     * can exit before its hook reports it. */
    struct {
        pid_t pid;
        int status;
    } unknown[16];
    size_t n_unknown;
    int next_fds[3];        /* our ends of the restarted container's stdio */
    uint64_t restart_at_ms; /* a restart is due then; 0: none pending */
    unsigned int backoff_ms;
    bool done;
    unsigned short rows, cols; /* the last size a client asked for */
};

uint64_t mon_now_ms(void);
/* The exit hook ended with wait status STATUS (or a client answered). */
void mon_hook_exited(struct monitor *m, int status);
/* The client running the exit hook went away unanswered: the hook runs. */
void mon_hook_client_gone(struct monitor *m);
void mon_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* clients.c */
void mon_clients_init(struct monitor *m);
void mon_accept(struct monitor *m);
/* Reads one message of client I; false when the client is gone. */
bool mon_client_read(struct monitor *m, size_t i);
/* Sends the container's output to the clients that want STREAM. */
void mon_broadcast(struct monitor *m, enum mon_stream stream, const char *data, size_t len);
/* True while a client has output it did not take yet: the container's
 * output is then left in its pipe, so a slow reader slows the writer
 * instead of losing data. */
bool mon_clients_blocked(const struct monitor *m);
void mon_client_flush(struct monitor *m, size_t i);
/* Asks a client that offered it (HULL_MON_WANT_EXIT_HOOK) to run the exit
 * hook; false when none did or it could not be told. */
bool mon_clients_run_hook(struct monitor *m, int code, const char *time);
/* Sends the exit code to every client, after the output still queued
 * for it; they are closed when they hang up, or when mon_clients_closing
 * finds them too slow to. */
void mon_clients_exit(struct monitor *m, int code);
/* Whether clients are still to get their exit code or to hang up; drops
 * those that had their time to hang up. */
bool mon_clients_closing(struct monitor *m);
void mon_client_drop(struct monitor *m, size_t i);
/* Passes input on to the container, keeping what it does not take. */
void mon_stdin_flush(struct monitor *m);

#endif
