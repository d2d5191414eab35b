#include "terminal.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* Largest pty name accepted from a console-socket peer. */
#define FD_NAME_MAX 4096

int hull_pty_open(int *master, int *slave, char **slave_path, hull_error **err)
{
    _cleanup_close_ int m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    _cleanup_close_ int s = -1;
    char name[64];
    int r;

    if (m < 0)
        return hull_err(err, errno, "open /dev/ptmx");
    if (unlockpt(m) < 0)
        return hull_err(err, errno, "unlockpt");
    r = ptsname_r(m, name, sizeof(name));
    if (r != 0)
        return hull_err(err, r, "ptsname");
    /* The slave is opened through its master rather than by name: inside a
     * container, /dev/pts/N is a path the container can mount over, and
     * opening it by name could hand us some other file. */
    s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (s < 0)
        return hull_err(err, errno, "open the pty slave %s", name);
    *slave_path = xstrdup(name);
    *master = take_fd(m);
    *slave = take_fd(s);
    return 0;
}

int hull_pty_make_controlling(int slave, hull_error **err)
{
    if (getsid(0) != getpid() && setsid() < 0)
        return hull_err(err, errno, "setsid");
    if (ioctl(slave, TIOCSCTTY, 0) < 0)
        return hull_err(err, errno, "make the pty the controlling terminal");
    for (int fd = 0; fd <= 2; fd++) {
        int r = fd == slave ? fd_set_cloexec(fd, false) : dup2(slave, fd);
        if (r < 0)
            return hull_err(err, errno, "make the pty descriptor %d", fd);
    }
    return 0;
}

int hull_pty_set_size(int fd, unsigned int rows, unsigned int cols, hull_error **err)
{
    struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};

    if (rows > 0xffff || cols > 0xffff)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "terminal size %ux%u is too large", rows,
                             cols);
    if (ioctl(fd, TIOCSWINSZ, &ws) < 0)
        return hull_err(err, errno, "set the terminal size to %ux%u", rows, cols);
    return 0;
}

int hull_unix_connect(const char *path, hull_error **err)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    _cleanup_close_ int dirfd = -1;
    const char *target = path;
    char via_fd[sizeof(addr.sun_path)];

    if (fd < 0)
        return hull_err(err, errno, "socket");
    /* sun_path holds 107 characters; a longer path (a deep bundle or state
     * directory) is reached through a descriptor of its directory. */
    if (strlen(path) >= sizeof(addr.sun_path)) {
        const char *slash = strrchr(path, '/');
        _cleanup_free_ char *dir = NULL;
        if (slash == NULL)
            return hull_err(err, ENAMETOOLONG, "connect to \"%s\"", path);
        dir = slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path));
        dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
            return hull_err(err, errno, "connect to \"%s\": open its directory", path);
        int n = snprintf(via_fd, sizeof(via_fd), "/proc/self/fd/%d/%s", dirfd, slash + 1);
        if (n < 0 || (size_t)n >= sizeof(via_fd))
            return hull_err(err, ENAMETOOLONG, "connect to \"%s\"", path);
        target = via_fd;
    }
    memcpy(addr.sun_path, target, strlen(target) + 1);
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
        return hull_err(err, errno, "connect to \"%s\"", path);
    return take_fd(fd);
}

int hull_send_fd(int sock, int fd, const char *name, hull_error **err)
{
    /* The descriptor needs at least one byte of data to travel with. */
    const char *data = name != NULL && name[0] != '\0' ? name : "";
    size_t len = data[0] != '\0' ? strlen(data) : 1;
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int))];
    } ctl;
    struct iovec iov = {.iov_base = (void *)data, .iov_len = len};
    struct msghdr msg = {.msg_iov = &iov,
                         .msg_iovlen = 1,
                         .msg_control = ctl.buf,
                         .msg_controllen = sizeof(ctl.buf)};
    struct cmsghdr *c;
    ssize_t n;

    memset(&ctl, 0, sizeof(ctl));
    c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(int));
    do
        n = sendmsg(sock, &msg, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return hull_err(err, errno, "send descriptor \"%s\"", data);
    /* The descriptor went with the first byte; the rest of the name is
     * plain data. */
    for (size_t off = (size_t)n; off < len; off += (size_t)n) {
        n = send(sock, data + off, len - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) {
            n = 0;
            continue;
        }
        if (n < 0)
            return hull_err(err, errno, "send descriptor \"%s\"", data);
    }
    return 0;
}

/* Closes every descriptor carried by MSG's SCM_RIGHTS messages except the
 * first, which is returned (-1 when there is none); *count gets how many
 * there were. */
static int take_first_fd(struct msghdr *msg, size_t *count)
{
    int first = -1;

    *count = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c != NULL; c = CMSG_NXTHDR(msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < n; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
            if (first < 0)
                first = fd;
            else
                close(fd);
            (*count)++;
        }
    }
    return first;
}

int hull_recv_fd(int sock, int *fd, hull_error **err)
{
    char data[FD_NAME_MAX];
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int) * 4)];
    } ctl;
    struct iovec iov = {.iov_base = data, .iov_len = sizeof(data)};
    struct msghdr msg = {.msg_iov = &iov,
                         .msg_iovlen = 1,
                         .msg_control = ctl.buf,
                         .msg_controllen = sizeof(ctl.buf)};
    size_t count;
    ssize_t n;

    do
        n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return hull_err(err, errno, "receive a descriptor");
    _cleanup_close_ int got = take_first_fd(&msg, &count);
    if (msg.msg_flags & MSG_CTRUNC)
        return hull_err(err, 0, "receive a descriptor: control data truncated");
    if (count == 0)
        return hull_err(err, 0,
                        n == 0 ? "receive a descriptor: connection closed"
                               : "receive a descriptor: message carried none");
    if (count > 1)
        return hull_err(err, 0, "receive a descriptor: got %zu instead of one", count);
    *fd = take_fd(got);
    return 0;
}

int hull_tty_make_raw(int fd, struct termios *saved, hull_error **err)
{
    struct termios raw;

    if (tcgetattr(fd, saved) < 0)
        return hull_err(err, errno, "get the terminal attributes");
    raw = *saved;
    cfmakeraw(&raw);
    if (tcsetattr(fd, TCSANOW, &raw) < 0)
        return hull_err(err, errno, "put the terminal in raw mode");
    return 0;
}

void hull_tty_restore(int fd, const struct termios *saved)
{
    /* TCSADRAIN: the container's last output is shown in the mode it was
     * written for. */
    while (tcsetattr(fd, TCSADRAIN, saved) < 0 && errno == EINTR)
        ;
}

/* Best effort: the caller's side may not be a terminal at all. */
static void copy_winsize(int from, int to)
{
    struct winsize ws;

    if (ioctl(from, TIOCGWINSZ, &ws) < 0 || ioctl(to, TIOCSWINSZ, &ws) < 0)
        hull_debug("terminal: window size not forwarded: %s", strerror(errno));
}

/* The terminal's end-of-file character, as the container's side set it
 * (a master reports its slave's settings); ^D when it is unset. */
static char eof_char(int master)
{
    struct termios t;

    if (tcgetattr(master, &t) == 0 && t.c_cc[VEOF] != _POSIX_VDISABLE)
        return (char)t.c_cc[VEOF];
    return 4;
}

struct proxy {
    int master, out_fd, winsize_fd, stop_fd;
    int in_fd;          /* -1 once it reached EOF */
    int tty_fd;         /* the caller's terminal, for its window size */
    char pending[4096]; /* read from in_fd, not yet taken by the master */
    size_t len, off;
};

/* Copies what the master has to out_fd, in at most MAX_READS reads so a
 * chatty container cannot starve the input side.  Returns 1 when the
 * container's side is gone (EIO, or EOF), 0 to go on, -1 on error. */
static int pump_master(struct proxy *p, int max_reads, hull_error **err)
{
    char buf[8192];

    for (int i = 0; i < max_reads; i++) {
        ssize_t n = read(p->master, buf, sizeof(buf));
        if (n > 0) {
            if (write_all(p->out_fd, buf, (size_t)n) < 0)
                return hull_err(err, errno, "write terminal output");
            continue;
        }
        if (n == 0 || errno == EIO)
            return 1;
        if (errno == EAGAIN || errno == EINTR)
            return 0;
        return hull_err(err, errno, "read the terminal");
    }
    return 0;
}

/* Reads input from in_fd into the pending buffer; EOF becomes the
 * terminal's EOF character, so a shell reading the pty sees Ctrl-D. */
static int pump_input(struct proxy *p, hull_error **err)
{
    ssize_t n = read(p->in_fd, p->pending, sizeof(p->pending));

    if (n > 0) {
        p->len = (size_t)n;
        p->off = 0;
        return 0;
    }
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return 0;
    if (n < 0 && errno != EIO)
        return hull_err(err, errno, "read terminal input");
    p->pending[0] = eof_char(p->master);
    p->len = 1;
    p->off = 0;
    p->in_fd = -1;
    return 0;
}

static int flush_input(struct proxy *p, hull_error **err)
{
    ssize_t n = write(p->master, p->pending + p->off, p->len - p->off);

    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return 0;
    if (n < 0 && errno == EIO)
        return 1;
    if (n < 0)
        return hull_err(err, errno, "write terminal input");
    p->off += (size_t)n;
    if (p->off == p->len)
        p->len = p->off = 0;
    return 0;
}

/* A signalfd delivers whole siginfo records, a pipe any bytes: a buffer
 * of one record's size fits both.  EOF stops watching the descriptor. */
static void drain_winsize(struct proxy *p)
{
    struct signalfd_siginfo info;
    ssize_t n = read(p->winsize_fd, &info, sizeof(info));

    if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
        p->winsize_fd = -1;
    copy_winsize(p->tty_fd, p->master);
}

static int proxy_loop(struct proxy *p, hull_error **err)
{
    for (;;) {
        struct pollfd pfd[4] = {
            {.fd = p->master, .events = (short)(POLLIN | (p->len > 0 ? POLLOUT : 0))},
            {.fd = p->len == 0 ? p->in_fd : -1, .events = POLLIN},
            {.fd = p->winsize_fd, .events = POLLIN},
            {.fd = p->stop_fd, .events = POLLIN},
        };
        int r;

        if (poll(pfd, ARRAY_SIZE(pfd), -1) < 0) {
            if (errno == EINTR)
                continue;
            return hull_err(err, errno, "poll the terminal");
        }
        /* Asked to stop: pass on what output is already there. */
        if (pfd[3].revents != 0) {
            r = pump_master(p, 256, err);
            return r < 0 ? -1 : 0;
        }
        if (pfd[2].revents != 0)
            drain_winsize(p);
        if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            r = pump_master(p, 4, err);
            if (r != 0)
                return r < 0 ? -1 : 0;
        }
        if (pfd[1].revents != 0 && pump_input(p, err) < 0)
            return -1;
        if (p->len > 0) {
            r = flush_input(p, err);
            if (r != 0)
                return r < 0 ? -1 : 0;
        }
    }
}

int hull_pty_proxy(int master, int in_fd, int out_fd, int winsize_fd, int stop_fd, hull_error **err)
{
    struct proxy p = {.master = master,
                      .out_fd = out_fd,
                      .winsize_fd = winsize_fd,
                      .stop_fd = stop_fd,
                      .in_fd = in_fd,
                      .tty_fd = in_fd};
    int flags = fcntl(master, F_GETFL);
    int r;

    if (flags < 0)
        return hull_err(err, errno, "get the terminal's flags");
    /* Non-blocking master: a full input queue (the container not reading)
     * must not stop us from draining its output, or both sides wait on
     * each other. */
    if (fcntl(master, F_SETFL, flags | O_NONBLOCK) < 0)
        return hull_err(err, errno, "make the terminal non-blocking");
    if (in_fd >= 0 && isatty(in_fd))
        copy_winsize(in_fd, master);
    r = proxy_loop(&p, err);
    fcntl(master, F_SETFL, flags);
    return r;
}
