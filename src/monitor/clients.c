/* The monitor's attached clients: hull run, attach, wait and stop. */
#include "monitor.h"
#include "monitor_proto.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <termios.h>
#include <unistd.h>

/* How long the final exit message may wait for a client that does not
 * read: the container is gone, nothing else is waiting on it. */
#define EXIT_SEND_TIMEOUT_S 5

void mon_clients_init(struct monitor *m)
{
    for (size_t i = 0; i < MON_MAX_CLIENTS; i++)
        m->clients[i] = (struct mon_client){.fd = -1};
}

void mon_client_drop(struct monitor *m, size_t i)
{
    struct mon_client *c = &m->clients[i];

    if (c->fd >= 0)
        close(c->fd);
    free(c->pending);
    *c = (struct mon_client){.fd = -1};
    if (m->hook == MON_HOOK_CLIENT && m->hook_client == (int)i)
        mon_hook_client_gone(m);
}

void mon_accept(struct monitor *m)
{
    for (;;) {
        int fd = accept4(m->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        size_t i;

        if (fd < 0)
            return;
        for (i = 0; i < MON_MAX_CLIENTS && m->clients[i].fd >= 0; i++)
            ;
        if (i == MON_MAX_CLIENTS) {
            mon_diag("too many clients: one refused");
            close(fd);
            continue;
        }
        m->clients[i] = (struct mon_client){.fd = fd};
        /* The client sent its HELLO before it started the container: read
         * it now, before any output can be passed on without it. */
        while (m->clients[i].fd >= 0 && mon_client_read(m, i) && !m->clients[i].hello)
            if (errno == EAGAIN)
                break;
    }
}

static void queue_input(struct monitor *m, const char *data, size_t len)
{
    m->in_pending = realloc(m->in_pending, m->in_pending_len + len);
    if (m->in_pending == NULL)
        abort();
    memcpy(m->in_pending + m->in_pending_len, data, len);
    m->in_pending_len += len;
    mon_stdin_flush(m);
}

void mon_stdin_flush(struct monitor *m)
{
    while (m->in_pending_len > 0 && m->in_fd >= 0) {
        ssize_t n = write(m->in_fd, m->in_pending, m->in_pending_len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        if (n <= 0) {
            /* The container closed its input: what is left is lost, as
             * it would be with a pipe of our own. */
            m->in_pending_len = 0;
            break;
        }
        memmove(m->in_pending, m->in_pending + n, m->in_pending_len - (size_t)n);
        m->in_pending_len -= (size_t)n;
    }
}

/* The end of a client's input: a pipe is closed; a terminal gets its
 * end-of-file character, as typing Ctrl-D would send. */
static void end_input(struct monitor *m)
{
    struct termios t;
    char eof;

    if (m->in_fd < 0)
        return;
    if (m->o.tty) {
        eof = tcgetattr(m->in_fd, &t) == 0 ? (char)t.c_cc[VEOF] : 4;
        queue_input(m, &eof, 1);
        return;
    }
    mon_stdin_flush(m);
    close(m->in_fd);
    m->in_fd = -1;
}

static void resize(struct monitor *m, const char *p, size_t len)
{
    struct winsize ws = {0};
    uint16_t rows, cols;

    if (!m->o.tty || m->out_fd < 0 || len < 4)
        return;
    memcpy(&rows, p, 2);
    memcpy(&cols, p + 2, 2);
    ws.ws_row = rows;
    ws.ws_col = cols;
    m->rows = rows;
    m->cols = cols;
    ioctl(m->out_fd, TIOCSWINSZ, &ws);
}

bool mon_client_read(struct monitor *m, size_t i)
{
    static char buf[1 + HULL_MON_DATA_MAX];
    struct mon_client *c = &m->clients[i];
    ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);

    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        errno = EAGAIN;
        return true;
    }
    errno = 0;
    if (n <= 0) {
        mon_client_drop(m, i);
        return false;
    }
    switch ((unsigned char)buf[0]) {
    case HULL_MON_HELLO:
        if (n >= 5)
            memcpy(&c->flags, buf + 1, 4);
        c->hello = true;
        break;
    case HULL_MON_STDIN:
        if (c->flags & HULL_MON_WANT_STDIN)
            queue_input(m, buf + 1, (size_t)n - 1);
        break;
    case HULL_MON_STDIN_EOF:
        if ((c->flags & HULL_MON_WANT_STDIN) && (c->flags & HULL_MON_WANT_STDIN_ONCE))
            end_input(m);
        break;
    case HULL_MON_RESIZE:
        resize(m, buf + 1, (size_t)n - 1);
        break;
    case HULL_MON_WAKE:
        if (m->restart_at_ms != 0)
            m->restart_at_ms = mon_now_ms();
        break;
    case HULL_MON_HOOK_DONE:
        if (m->hook == MON_HOOK_CLIENT && m->hook_client == (int)i && n >= 5) {
            int32_t status;
            memcpy(&status, buf + 1, 4);
            mon_hook_exited(m, status >= 0 && status <= 255 ? status << 8 : 1 << 8);
        }
        break;
    default:
        mon_diag("unknown message %u from a client", (unsigned char)buf[0]);
        mon_client_drop(m, i);
        return false;
    }
    return true;
}

static bool send_message(struct mon_client *c, int type, const void *data, size_t len)
{
    char *msg = malloc(len + 1);
    ssize_t n;

    if (msg == NULL)
        abort();
    msg[0] = (char)type;
    memcpy(msg + 1, data, len);
    n = send(c->fd, msg, len + 1, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0 && errno == EAGAIN) {
        c->pending = msg;
        c->pending_len = len + 1;
        return true;
    }
    free(msg);
    return n == (ssize_t)(len + 1);
}

void mon_broadcast(struct monitor *m, enum mon_stream stream, const char *data, size_t len)
{
    uint32_t want = stream == MON_STDOUT ? HULL_MON_WANT_STDOUT : HULL_MON_WANT_STDERR;
    int type = stream == MON_STDOUT ? HULL_MON_STDOUT : HULL_MON_STDERR;

    for (size_t i = 0; i < MON_MAX_CLIENTS; i++) {
        struct mon_client *c = &m->clients[i];
        if (c->fd < 0 || !c->hello || !(c->flags & want))
            continue;
        if (!send_message(c, type, data, len))
            mon_client_drop(m, i);
    }
}

bool mon_clients_blocked(const struct monitor *m)
{
    for (size_t i = 0; i < MON_MAX_CLIENTS; i++)
        if (m->clients[i].fd >= 0 && m->clients[i].pending != NULL)
            return true;
    return false;
}

void mon_client_flush(struct monitor *m, size_t i)
{
    struct mon_client *c = &m->clients[i];
    ssize_t n;

    if (c->pending == NULL)
        return;
    n = send(c->fd, c->pending, c->pending_len, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0 && errno == EAGAIN)
        return;
    if (n != (ssize_t)c->pending_len) {
        mon_client_drop(m, i);
        return;
    }
    free(c->pending);
    c->pending = NULL;
}

/* Blocking from here on, with a bound: output still queued for client C
 * must reach it before what follows.  False when it could not. */
static bool flush_blocking(struct mon_client *c)
{
    struct timeval tv = {.tv_sec = EXIT_SEND_TIMEOUT_S};

    fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) & ~O_NONBLOCK);
    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (c->pending != NULL &&
        send(c->fd, c->pending, c->pending_len, MSG_NOSIGNAL) != (ssize_t)c->pending_len)
        return false;
    free(c->pending);
    c->pending = NULL;
    return true;
}

bool mon_clients_run_hook(struct monitor *m, int code, const char *time)
{
    char msg[1 + 4 + 64];
    int32_t c32 = code;
    size_t len = strlen(time) + 1;

    if (len > sizeof(msg) - 5)
        return false;
    msg[0] = HULL_MON_RUN_HOOK;
    memcpy(msg + 1, &c32, 4);
    memcpy(msg + 5, time, len);
    for (size_t i = 0; i < MON_MAX_CLIENTS; i++) {
        struct mon_client *c = &m->clients[i];
        if (c->fd < 0 || !c->hello || !(c->flags & HULL_MON_WANT_EXIT_HOOK))
            continue;
        if (!flush_blocking(c) || send(c->fd, msg, 5 + len, MSG_NOSIGNAL) != (ssize_t)(5 + len)) {
            mon_client_drop(m, i);
            continue;
        }
        /* Its answer is read as any message; the socket stays blocking
         * for the exit code that follows. */
        m->hook_client = (int)i;
        return true;
    }
    return false;
}

void mon_clients_exit(struct monitor *m, int code)
{
    int32_t c32 = code;
    char msg[5];

    msg[0] = HULL_MON_EXIT;
    memcpy(msg + 1, &c32, 4);
    for (size_t i = 0; i < MON_MAX_CLIENTS; i++) {
        struct mon_client *c = &m->clients[i];
        if (c->fd < 0)
            continue;
        /* The output still queued must reach the client before the exit
         * code does. */
        if (!flush_blocking(c)) {
            mon_client_drop(m, i);
            continue;
        }
        send(c->fd, msg, sizeof(msg), MSG_NOSIGNAL);
        mon_client_drop(m, i);
    }
}
