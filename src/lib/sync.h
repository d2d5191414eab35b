/* Messages between the runtime (parent) and the container's setup processes
 * over a SOCK_SEQPACKET socketpair: one send is one message, and a closed
 * peer reads as end-of-file, so a child that dies is noticed at once.
 * Errors raised in a child travel back whole (errno, kind and message), so
 * the user sees what failed inside the container's setup. */
#ifndef HULL_SYNC_H
#define HULL_SYNC_H

#include "error.h"

#include <stdint.h>

enum hull_sync_type {
    HULL_SYNC_ERROR = 1,     /* child -> parent: errnum, kind, text */
    HULL_SYNC_CONTINUE,      /* parent -> child: go on */
    HULL_SYNC_USERMAP,       /* stage 1 -> parent: write my id maps */
    HULL_SYNC_INIT_PID,      /* stage 1 -> parent: value = the init's pid */
    HULL_SYNC_RUNTIME_HOOKS, /* init -> parent: run prestart and createRuntime hooks */
    HULL_SYNC_PTY,           /* init -> parent: the pty master (fd) */
    HULL_SYNC_SECCOMP_FD,    /* init -> parent: the seccomp listener (fd) */
    HULL_SYNC_CREATED,       /* init -> parent: waiting for start */
};

#define HULL_SYNC_TEXT_MAX 4096

struct hull_sync_msg {
    uint32_t type;
    int32_t value;
    int32_t errnum;
    int32_t kind;
    char text[HULL_SYNC_TEXT_MAX];
};

int hull_sync_pair(int fds[2], hull_error **err);

/* Sends a message; PASS_FD >= 0 travels with it (SCM_RIGHTS). */
int hull_sync_send(int sock, enum hull_sync_type type, int32_t value, const char *text, int pass_fd,
                   hull_error **err);

/* Sends ERR as a HULL_SYNC_ERROR message (best effort: used on the way out
 * of a failing child). */
void hull_sync_send_error(int sock, const hull_error *e);

/* Receives one message.  *fd_out (may be NULL) gets a passed descriptor or
 * -1.  End-of-file is an error saying the peer exited. */
int hull_sync_recv(int sock, struct hull_sync_msg *msg, int *fd_out, hull_error **err);

/* Receives one message that must be of TYPE.  A HULL_SYNC_ERROR message
 * becomes *err, as the child described it. */
int hull_sync_expect(int sock, enum hull_sync_type type, struct hull_sync_msg *msg, int *fd_out,
                     hull_error **err);

#endif
