/* Staying with a container: attached to its monitor (run, start -a,
 * attach), or waiting for its exit (wait).  Its output comes to our
 * standard output and error, our input and window size go to it, and so
 * do the signals we receive; the exit code comes from the monitor once it
 * recorded the exit. */
#include "engine_internal.h"
#include "log.h"
#include "monitor_proto.h"
#include "state.h"
#include "terminal.h"
#include "util.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#define DEFAULT_DETACH_KEYS "ctrl-p,ctrl-q"

/* Signals a terminal user or a supervisor sends to hull are meant for the
 * container.  SIGCHLD, SIGWINCH and SIGPIPE are ours; signals that report
 * a fault of our own, and the terminal's stop signals, are left alone. */
static void fg_signals(sigset_t *set)
{
    static const int own[] = {SIGKILL, SIGSTOP, SIGSEGV, SIGBUS,  SIGILL, SIGFPE,
                              SIGTRAP, SIGSYS,  SIGTSTP, SIGTTIN, SIGTTOU};
    sigfillset(set);
    for (size_t i = 0; i < ARRAY_SIZE(own); i++)
        sigdelset(set, own[i]);
}

void hull_fg_block_signals(sigset_t *old)
{
    sigset_t set;
    fg_signals(&set);
    sigprocmask(SIG_BLOCK, &set, old);
}

/* Docker's detach keys: "ctrl-p,ctrl-q", single characters allowed. */
static int parse_detach_keys(const char *spec, unsigned char *keys, size_t *n, hull_error **err)
{
    _cleanup_free_ char *copy = xstrdup(spec);
    char *cursor = copy, *k;

    *n = 0;
    while ((k = strsep(&cursor, ",")) != NULL) {
        if (*n == 16)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "too many detach keys in \"%s\"",
                                 spec);
        if (strlen(k) == 1) {
            keys[(*n)++] = (unsigned char)k[0];
        } else if (str_has_prefix(k, "ctrl-") && strlen(k) == 6 &&
                   ((k[5] >= 'a' && k[5] <= 'z') || (k[5] >= '@' && k[5] <= '_'))) {
            keys[(*n)++] = (unsigned char)((k[5] >= 'a' ? k[5] - 'a' + 'A' : k[5]) - '@');
        } else {
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 "invalid detach keys \"%s\": \"%s\" is not a key", spec, k);
        }
    }
    return 0;
}

struct attach {
    struct hull_engine *e;
    const struct hull_ctr *c;
    const struct hull_attach_opts *a;
    int sock, sigfd, pidfd;
    bool tty;      /* the container has a terminal and ours is one */
    bool in_open;  /* our input still goes to the container */
    char *pending; /* an input message the socket did not take yet */
    size_t pending_len;
    unsigned char keys[16];
    size_t nkeys, matched;
    bool detached, done;
    bool broken_pipe; /* our output went to a reader that is gone */
    bool purge;       /* the exit hook we ran moved a --rm container aside */
    int exit_code;
};

static void send_resize(struct attach *at)
{
    struct winsize ws;
    char msg[5] = {HULL_MON_RESIZE};
    uint16_t rows, cols;

    if (!at->tty || ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) < 0)
        return;
    rows = ws.ws_row;
    cols = ws.ws_col;
    memcpy(msg + 1, &rows, 2);
    memcpy(msg + 3, &cols, 2);
    send(at->sock, msg, sizeof(msg), MSG_NOSIGNAL);
}

static void on_signals(struct attach *at)
{
    struct signalfd_siginfo si;

    while (read(at->sigfd, &si, sizeof(si)) == sizeof(si)) {
        int sig = (int)si.ssi_signo;
        if (sig == SIGWINCH)
            send_resize(at);
        else if (sig != SIGCHLD && sig != SIGPIPE && at->a->sig_proxy && at->pidfd >= 0)
            syscall(SYS_pidfd_send_signal, at->pidfd, sig, NULL, 0);
    }
}

/* What `hull __monitor exited` does, asked by the monitor in PAYLOAD
 * (int32 code, the finish time): its answer is the hook's exit status. */
static void run_exit_hook(struct attach *at, const char *payload, size_t len)
{
    _cleanup_error_ hull_error *err = NULL;
    char msg[5] = {HULL_MON_HOOK_DONE};
    int32_t code, status = 1;
    bool restart, removed;

    if (len > 5 && payload[len - 1] == '\0') {
        memcpy(&code, payload, 4);
        if (hull_engine_monitor_exited(at->e, at->c->id, code, payload + 4, &restart, &removed,
                                       &err) == 0) {
            status = restart ? HULL_MON_HOOK_RESTART : HULL_MON_HOOK_DONE;
            at->purge = removed;
        } else {
            hull_warn("record the exit of container %.12s: %s", at->c->id, err->msg);
        }
    }
    memcpy(msg + 1, &status, 4);
    send(at->sock, msg, sizeof(msg), MSG_NOSIGNAL);
}

/* One message from the monitor. */
static void on_monitor(struct attach *at)
{
    static char buf[1 + HULL_MON_DATA_MAX];
    ssize_t n = recv(at->sock, buf, sizeof(buf), MSG_DONTWAIT);
    int32_t code;

    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        at->done = true;
        return;
    }
    switch ((unsigned char)buf[0]) {
    case HULL_MON_STDOUT:
    case HULL_MON_STDERR:
        /* A reader that went away ends the attachment, as SIGPIPE ends
         * Docker's client (`hull run IMAGE yes | head -1`); the container
         * goes on under its monitor.  Other write errors lose the output,
         * not the container. */
        if (write_all(buf[0] == HULL_MON_STDOUT ? STDOUT_FILENO : STDERR_FILENO, buf + 1,
                      (size_t)n - 1) < 0 &&
            errno == EPIPE) {
            at->broken_pipe = true;
            at->done = true;
        }
        break;
    case HULL_MON_EXIT:
        if (n >= 5) {
            memcpy(&code, buf + 1, 4);
            at->exit_code = code;
        }
        at->done = true;
        break;
    case HULL_MON_RUN_HOOK:
        /* The container exited: input for it is moot, and sent after our
         * answer it would lie unread when the monitor closes (which then
         * resets the connection before we read the exit code). */
        at->in_open = false;
        free(at->pending);
        at->pending = NULL;
        run_exit_hook(at, buf + 1, (size_t)n - 1);
        break;
    default:
        break;
    }
}

static void send_pending(struct attach *at)
{
    ssize_t n;

    if (at->pending == NULL)
        return;
    n = send(at->sock, at->pending, at->pending_len, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0 && errno == EAGAIN)
        return;
    free(at->pending);
    at->pending = NULL;
    if (n < 0)
        at->done = true;
}

/* Input is sent without ever blocking on the socket: a monitor that
 * cannot take more waits for the container to read, and the container
 * may be waiting for us to read its output. */
static void queue_input(struct attach *at, int type, const char *data, size_t len)
{
    at->pending = xmalloc(len + 1);
    at->pending[0] = (char)type;
    if (len > 0)
        memcpy(at->pending + 1, data, len);
    at->pending_len = len + 1;
    send_pending(at);
}

/* Passes DATA on, except the detach sequence; true when it was typed.
 * A partial match that fails is passed on as typed. */
static bool filter_detach(struct attach *at, const char *data, size_t len, char *out,
                          size_t *out_len)
{
    *out_len = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)data[i];
        if (at->nkeys > 0 && ch == at->keys[at->matched]) {
            if (++at->matched == at->nkeys)
                return true;
            continue;
        }
        memcpy(out + *out_len, at->keys, at->matched);
        *out_len += at->matched;
        at->matched = 0;
        out[(*out_len)++] = (char)ch;
    }
    return false;
}

static void on_input(struct attach *at)
{
    char buf[HULL_MON_DATA_MAX / 2], out[HULL_MON_DATA_MAX / 2 + 16];
    size_t out_len;
    ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));

    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (n <= 0) {
        at->in_open = false;
        queue_input(at, HULL_MON_STDIN_EOF, NULL, 0);
        return;
    }
    if (at->tty && filter_detach(at, buf, (size_t)n, out, &out_len)) {
        at->detached = true;
        at->done = true;
        return;
    }
    if (!at->tty) {
        memcpy(out, buf, (size_t)n);
        out_len = (size_t)n;
    }
    if (out_len > 0)
        queue_input(at, HULL_MON_STDIN, out, out_len);
}

static void loop(struct attach *at)
{
    while (!at->done) {
        struct pollfd p[3] = {
            {.fd = at->sigfd, .events = POLLIN},
            {.fd = at->sock, .events = (short)(POLLIN | (at->pending ? POLLOUT : 0))},
            {.fd = at->in_open && at->pending == NULL ? STDIN_FILENO : -1, .events = POLLIN},
        };
        if (poll(p, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (p[0].revents & POLLIN)
            on_signals(at);
        if (p[1].revents & POLLOUT)
            send_pending(at);
        if (p[1].revents & (POLLIN | POLLHUP | POLLERR))
            on_monitor(at);
        if (at->in_open && (p[2].revents & (POLLIN | POLLHUP | POLLERR)))
            on_input(at);
    }
}

uint32_t hull_engine_hello_flags(const struct hull_ctr *c, const struct hull_attach_opts *a)
{
    return (a->in && c->interactive ? HULL_MON_WANT_STDIN : 0) |
           (a->out ? HULL_MON_WANT_STDOUT : 0) | (a->err ? HULL_MON_WANT_STDERR : 0) |
           (a->stdin_once ? HULL_MON_WANT_STDIN_ONCE : 0) |
           (a->exit_hook ? HULL_MON_WANT_EXIT_HOOK : 0);
}

int hull_engine_attach_loop(struct hull_engine *e, const struct hull_ctr *c, int sock,
                            const struct hull_attach_opts *a, int *exit_code, hull_error **err)
{
    struct attach at = {.e = e, .c = c, .a = a, .sock = sock, .pidfd = -1, .exit_code = -2};
    struct termios saved;
    bool raw = false;
    sigset_t set;

    at.tty = c->tty && isatty(STDIN_FILENO);
    at.in_open = a->in && c->interactive;
    if (at.tty && parse_detach_keys(a->detach_keys != NULL ? a->detach_keys : DEFAULT_DETACH_KEYS,
                                    at.keys, &at.nkeys, err) < 0)
        return -1;
    fg_signals(&set);
    at.sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (at.sigfd < 0)
        return hull_err(err, errno, "signalfd");
    /* Signals must be blocked for signalfd to see them. */
    sigprocmask(SIG_BLOCK, &set, NULL);
    at.pidfd = hull_engine_init_pidfd(c);
    /* Raw mode: keys such as Ctrl-C travel to the container's terminal,
     * which turns them into signals there. */
    if (at.tty && at.in_open)
        raw = hull_tty_make_raw(STDIN_FILENO, &saved, NULL) == 0;
    send_resize(&at);
    loop(&at);
    if (raw)
        hull_tty_restore(STDIN_FILENO, &saved);
    free(at.pending);
    closep(&at.pidfd);
    close(at.sigfd);
    if (at.purge)
        hull_engine_purge_in_background(e);
    if (at.detached) {
        *exit_code = -1;
        return 0;
    }
    if (at.broken_pipe)
        return hull_err_kind(err, HULL_ERR_OUTPUT_GONE, EPIPE,
                             "write the output of container %.12s", c->id);
    if (at.exit_code == -2)
        return hull_err(err, 0, "the monitor of container %.12s went away before the exit", c->id);
    *exit_code = at.exit_code;
    return 0;
}

int hull_engine_monitor_wait(int sock, int timeout_ms, int *exit_code)
{
    uint64_t deadline = timeout_ms >= 0 ? now_ns() + (uint64_t)timeout_ms * 1000000 : 0;
    char buf[1 + HULL_MON_DATA_MAX];
    int32_t code;

    *exit_code = -1;
    for (;;) {
        struct pollfd p = {.fd = sock, .events = POLLIN};
        int left = -1;
        ssize_t n;

        if (timeout_ms >= 0) {
            uint64_t now = now_ns();
            if (now >= deadline)
                return 1;
            left = (int)((deadline - now) / 1000000) + 1;
        }
        if (poll(&p, 1, left) < 0 && errno != EINTR)
            return 0;
        if (p.revents == 0)
            continue;
        n = recv(sock, buf, sizeof(buf), MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        if (n <= 0)
            return 0;
        if ((unsigned char)buf[0] == HULL_MON_EXIT && n >= 5) {
            memcpy(&code, buf + 1, 4);
            *exit_code = code;
            return 0;
        }
    }
}

int hull_engine_attach(struct hull_engine *e, const char *ref, const struct hull_attach_opts *a,
                       int *exit_code, hull_error **err)
{
    struct hull_ctr c;
    _cleanup_close_ int lock = hull_engine_lock_ref(e, ref, &c, err);
    _cleanup_close_ int sock = -1;
    bool removed;
    int ret = -1;

    if (lock < 0)
        return -1;
    hull_engine_repair_locked(e, &c, &removed);
    if (removed || hull_engine_ctr_status(&c) != HULL_CTR_RUNNING) {
        hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                      "You cannot attach to a stopped container, start it first");
        goto out;
    }
    /* A container created without -i has no input to attach: as Docker,
     * only its output is (hull_engine_hello_flags). */
    sock = hull_engine_monitor_connect(e, &c, hull_engine_hello_flags(&c, a), err);
    if (sock < 0)
        goto out;
    closep(&lock);
    ret = hull_engine_attach_loop(e, &c, sock, a, exit_code, err);
out:
    hull_ctr_clear(&c);
    return ret;
}

int hull_engine_wait(struct hull_engine *e, const char *ref, int *exit_code, hull_error **err)
{
    for (;;) {
        struct hull_ctr c;
        _cleanup_close_ int lock = hull_engine_lock_ref(e, ref, &c, err);
        _cleanup_close_ int sock = -1, pidfd = -1;
        enum hull_ctr_status s;
        bool removed;

        if (lock < 0)
            return -1;
        hull_engine_repair_locked(e, &c, &removed);
        s = hull_engine_ctr_status(&c);
        if (removed || (s != HULL_CTR_RUNNING && s != HULL_CTR_RESTARTING)) {
            *exit_code = removed ? 0 : c.exit_code;
            hull_ctr_clear(&c);
            return 0;
        }
        /* Connected under the lock: the exit cannot be missed between the
         * check and the wait. */
        if (hull_ctr_monitor_alive(&c))
            sock = hull_engine_monitor_connect(e, &c, 0, NULL);
        pidfd = sock < 0 ? hull_engine_init_pidfd(&c) : -1;
        closep(&lock);
        hull_ctr_clear(&c);
        if (sock >= 0) {
            hull_engine_monitor_wait(sock, -1, exit_code);
            if (*exit_code >= 0)
                return 0;
        } else if (pidfd >= 0) {
            /* No monitor: the process itself tells when it is gone, and
             * the repair above records it on the next round. */
            struct pollfd p = {.fd = pidfd, .events = POLLIN};
            while (poll(&p, 1, -1) < 0 && errno == EINTR)
                ;
        } else {
            /* The monitor is between the exit and its record. */
            usleep(50 * 1000);
        }
    }
}
