/* What hull and a container's monitor (src/monitor) say to each other.
 *
 * Every running container has a monitor: a small process of its own,
 * outside the user's session, that is the parent of the container's init.
 * It holds the container's stdio (pipes, or the pty master), writes the
 * json-file log, waits for the exit, writes the exit file and runs hull's
 * hooks (`hull __monitor ...`) that record the exit, clean up and apply
 * the restart policy.  Header only: the monitor does not link libhull.
 *
 * Clients (hull run, attach, wait, stop) connect to RUN_ROOT/containers/
 * ID/attach.sock, a SOCK_SEQPACKET socket: each message is one type byte
 * followed by its payload, and a closed peer reads as end of file. */
#ifndef HULL_MONITOR_PROTO_H
#define HULL_MONITOR_PROTO_H

#include <stdint.h>

/* Files of a container: the log and the exit file in its state directory
 * (STATE_ROOT/containers/ID), the socket in its run directory. */
#define HULL_MON_LOG       "container.log"
#define HULL_MON_EXIT_FILE "exit"
#define HULL_MON_HOOK_LOG  "monitor.log"
#define HULL_MON_SOCKET    "attach.sock"

/* Largest payload of one message. */
#define HULL_MON_DATA_MAX 32768

enum hull_mon_msg {
    /* client -> monitor */
    HULL_MON_HELLO = 1, /* uint32 flags (HULL_MON_WANT_*): the first message */
    HULL_MON_STDIN,     /* bytes for the container's standard input */
    HULL_MON_STDIN_EOF, /* the client's input ended */
    HULL_MON_RESIZE,    /* uint16 rows, uint16 cols: the client's terminal */
    HULL_MON_WAKE,      /* run a pending restart now (the policy decides again) */
    HULL_MON_HOOK_DONE, /* int32 exit status of the exit hook the client ran (HULL_MON_RUN_HOOK) */
    /* monitor -> client */
    HULL_MON_STDOUT = 16, /* bytes the container wrote to standard output (or its pty) */
    HULL_MON_STDERR,      /* bytes the container wrote to standard error */
    HULL_MON_EXIT,        /* int32 exit code: the exit is recorded, the cleanup done */
    HULL_MON_RUN_HOOK,    /* int32 exit code, then the finish time (NUL-terminated): run
                           * the exit hook's work now and answer HULL_MON_HOOK_DONE */
};

#define HULL_MON_WANT_STDIN      1u /* the client's input goes to the container */
#define HULL_MON_WANT_STDOUT     2u
#define HULL_MON_WANT_STDERR     4u
#define HULL_MON_WANT_STDIN_ONCE 8u /* the client's end of input closes the container's */
/* The client (the hull that runs the container in the foreground) does
 * what the exit hook does, in its own process, when the init exits: one
 * hull started less on the way to the exit code.  If it goes away before
 * it answers, the monitor runs the hook as usual. */
#define HULL_MON_WANT_EXIT_HOOK 16u

/* The descriptors the monitor is started with. */
#define HULL_MON_FD_LISTEN 3 /* the listening attach socket */
#define HULL_MON_FD_OUT    4 /* stdout pipe (read end) or pty master */
#define HULL_MON_FD_ERR    5 /* stderr pipe (read end), absent with a pty */
#define HULL_MON_FD_IN     6 /* stdin pipe (write end) or pty master, absent without -i */

/* A restart hook (`hull __monitor restart ID`) gets the container's stdio
 * as these descriptors and reports on HULL_MON_FD_REPORT (SOCK_SEQPACKET):
 * one struct hull_mon_report, with the pty master attached (SCM_RIGHTS)
 * when the container has a terminal. */
#define HULL_MON_FD_REPORT    3
#define HULL_MON_FD_CTR_IN    4
#define HULL_MON_FD_CTR_OUT   5
#define HULL_MON_FD_CTR_ERR   6
#define HULL_MON_FD_CTR_FIRST HULL_MON_FD_CTR_IN

struct hull_mon_report {
    int32_t init_pid;
};

/* Exit statuses of the hooks. */
#define HULL_MON_HOOK_DONE    0  /* exited: recorded and cleaned up, nothing more to do */
#define HULL_MON_HOOK_RESTART 10 /* exited: the policy wants a restart */
#define HULL_MON_HOOK_DECLINE 11 /* restart: the policy no longer wants it */

#endif
