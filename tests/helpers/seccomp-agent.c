/* hull-seccomp-agent: a seccomp notification agent for the tests of
 * linux.seccomp.listenerPath.
 *
 *   hull-seccomp-agent SOCKET STATEFILE ERRNO
 *
 * Listens on the unix socket SOCKET, accepts one runtime connection,
 * writes the container process state it received to STATEFILE (plus a
 * line "fds: N" with the number of descriptors that came with it), then
 * answers every notification on the received descriptor by failing the
 * syscall with ERRNO, appending "nr N" (the syscall's number) to
 * STATEFILE, until the descriptor hangs up (the container is gone).  "ready" on
 * standard output says the socket listens. */
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int die(const char *what)
{
    fprintf(stderr, "seccomp-agent: %s: %s\n", what, strerror(errno));
    return 1;
}

/* Receives the state (up to the peer's close) and the descriptors of the
 * first message. */
static int receive(int conn, char *buf, size_t cap, int *fds, int *nfds)
{
    union {
        struct cmsghdr align;
        char b[CMSG_SPACE(4 * sizeof(int))];
    } ctl;
    struct iovec iov = {.iov_base = buf, .iov_len = cap - 1};
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b, .msg_controllen = sizeof(ctl.b)};
    ssize_t n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
    size_t used;

    if (n < 0)
        return -1;
    *nfds = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            *nfds = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
            memcpy(fds, CMSG_DATA(c), (size_t)*nfds * sizeof(int));
        }
    }
    used = (size_t)n;
    while (used < cap - 1 && (n = read(conn, buf + used, cap - 1 - used)) > 0)
        used += (size_t)n;
    buf[used] = '\0';
    return 0;
}

static int serve(int fd, int errnum, FILE *log)
{
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        struct seccomp_notif req;
        struct seccomp_notif_resp resp;

        if (poll(&p, 1, -1) < 0) {
            if (errno == EINTR)
                continue;
            return die("poll");
        }
        if (p.revents & (POLLHUP | POLLERR))
            return 0;
        memset(&req, 0, sizeof(req));
        if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
            if (errno == EINTR || errno == ENOENT)
                continue;
            return die("SECCOMP_IOCTL_NOTIF_RECV");
        }
        fprintf(log, "nr %d\n", req.data.nr);
        fflush(log);
        resp = (struct seccomp_notif_resp){.id = req.id, .error = -errnum};
        if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 && errno != ENOENT)
            return die("SECCOMP_IOCTL_NOTIF_SEND");
    }
}

int main(int argc, char **argv)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    char state[65536];
    int fds[4], nfds, lsock, conn;
    FILE *out;

    if (argc != 4 || strlen(argv[1]) >= sizeof(addr.sun_path)) {
        fprintf(stderr, "usage: hull-seccomp-agent SOCKET STATEFILE ERRNO\n");
        return 2;
    }
    strcpy(addr.sun_path, argv[1]);
    lsock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (lsock < 0 || bind(lsock, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
        listen(lsock, 1) < 0)
        return die("listen");
    printf("ready\n");
    fflush(stdout);
    conn = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);
    if (conn < 0)
        return die("accept");
    if (receive(conn, state, sizeof(state), fds, &nfds) < 0)
        return die("recvmsg");
    close(conn);
    out = fopen(argv[2], "we");
    if (out == NULL)
        return die(argv[2]);
    fprintf(out, "%s\nfds: %d\n", state, nfds);
    fflush(out);
    if (nfds < 1)
        return 1;
    return serve(fds[0], atoi(argv[3]), out);
}
