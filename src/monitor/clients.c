/* The monitor's attached clients: hull run, attach, wait and stop. */
#include "monitor.h"
#include "monitor_proto.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

/* How long a client that has its exit code may take to hang up. */
#define CLOSING_MS 2000

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
    while (c->pending != NULL) {
        struct mon_msg *next = c->pending->next;
        free(c->pending);
        c->pending = next;
    }
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
    /* The container's input is closed (it exited): dropped, as a pipe of
     * our own would drop it.  Kept, it would stop us reading the client. */
    if (m->in_fd < 0)
        return;
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

/* Sends a message of TYPE to client C, or queues it behind those that
 * wait.  False when the client is gone. */
static bool send_message(struct mon_client *c, int type, const void *data, size_t len)
{
    struct mon_msg *msg;
    char head = (char)type;
    struct iovec iov[2] = {{.iov_base = &head, .iov_len = 1},
                           {.iov_base = (void *)data, .iov_len = len}};
    struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};
    ssize_t n;

    if (c->pending == NULL) {
        n = sendmsg(c->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n == (ssize_t)(len + 1))
            return true;
        if (n >= 0 || errno != EAGAIN)
            return false;
    }
    msg = malloc(sizeof(*msg) + len + 1);
    if (msg == NULL)
        abort();
    msg->next = NULL;
    msg->len = len + 1;
    msg->data[0] = head;
    memcpy(msg->data + 1, data, len);
    if (c->pending_tail != NULL)
        c->pending_tail->next = msg;
    else
        c->pending = msg;
    c->pending_tail = msg;
    return true;
}

void mon_broadcast(struct monitor *m, enum mon_stream stream, const char *data, size_t len)
{
    uint32_t want = stream == MON_STDOUT ? HULL_MON_WANT_STDOUT : HULL_MON_WANT_STDERR;
    int type = stream == MON_STDOUT ? HULL_MON_STDOUT : HULL_MON_STDERR;

    for (size_t i = 0; i < MON_MAX_CLIENTS; i++) {
        struct mon_client *c = &m->clients[i];
        if (c->fd < 0 || !c->hello || c->exit_wanted || !(c->flags & want))
            continue;
        if (!send_message(c, type, data, len))
            mon_client_drop(m, i);
    }
}

bool mon_clients_blocked(const struct monitor *m)
{
    for (size_t i = 0; i < MON_MAX_CLIENTS; i++)
        if (m->clients[i].fd >= 0 && m->clients[i].pending != NULL && !m->clients[i].exit_wanted)
            return true;
    return false;
}

/* Client I has its exit code: closed while its own messages (input,
 * still coming) lie unread, the socket would reset the connection and the
 * client would lose the exit code, so we only stop writing, and read on
 * until it hangs up (mon_clients_closing). */
static void hang_up(struct monitor *m, size_t i)
{
    struct mon_client *c = &m->clients[i];

    if (shutdown(c->fd, SHUT_WR) < 0) {
        mon_client_drop(m, i);
        return;
    }
    c->closing = true;
    c->closing_until_ms = mon_now_ms() + CLOSING_MS;
}

static void send_exit(struct monitor *m, size_t i)
{
    struct mon_client *c = &m->clients[i];
    int32_t code = c->exit_code;

    if (!send_message(c, HULL_MON_EXIT, &code, sizeof(code))) {
        mon_client_drop(m, i);
        return;
    }
    /* Else the exit code is the last message queued: mon_client_flush
     * hangs up once it is out. */
    if (c->pending == NULL)
        hang_up(m, i);
}

void mon_client_flush(struct monitor *m, size_t i)
{
    struct mon_client *c = &m->clients[i];

    while (c->pending != NULL) {
        struct mon_msg *msg = c->pending;
        ssize_t n = send(c->fd, msg->data, msg->len, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0 && errno == EAGAIN)
            return;
        if (n != (ssize_t)msg->len) {
            mon_client_drop(m, i);
            return;
        }
        c->pending = msg->next;
        if (c->pending == NULL)
            c->pending_tail = NULL;
        free(msg);
    }
    if (c->exit_wanted && !c->closing)
        hang_up(m, i);
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
        /* Only one that took all its output already: the work must not
         * wait behind output a slow reader has yet to take. */
        if (c->fd < 0 || !c->hello || c->exit_wanted || c->pending != NULL ||
            !(c->flags & HULL_MON_WANT_EXIT_HOOK))
            continue;
        if (send(c->fd, msg, 5 + len, MSG_DONTWAIT | MSG_NOSIGNAL) != (ssize_t)(5 + len))
            continue;
        /* Its answer is read as any message. */
        m->hook_client = (int)i;
        return true;
    }
    return false;
}

void mon_clients_exit(struct monitor *m, int code)
{
    for (size_t i = 0; i < MON_MAX_CLIENTS; i++) {
        struct mon_client *c = &m->clients[i];
        if (c->fd < 0 || c->exit_wanted)
            continue;
        c->exit_wanted = true;
        c->exit_code = code;
        /* Behind the output still queued: it reaches the client first,
         * however slowly it reads (mon_client_flush). */
        send_exit(m, i);
    }
}

bool mon_clients_closing(struct monitor *m)
{
    bool any = false;

    for (size_t i = 0; i < MON_MAX_CLIENTS; i++) {
        const struct mon_client *c = &m->clients[i];
        if (c->fd < 0 || !c->exit_wanted)
            continue;
        if (c->closing && mon_now_ms() >= c->closing_until_ms)
            mon_client_drop(m, i);
        else
            any = true;
    }
    return any;
}
