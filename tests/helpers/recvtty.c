/* hull-recvtty: the receiving end of a runtime's --console-socket, for the
 * integration tests.
 *
 *   hull-recvtty [-i TEXT] SOCKET OUTFILE
 *
 * Listens on the unix socket SOCKET, accepts one connection, receives the
 * pty master sent with SCM_RIGHTS, writes the name that came as the
 * message's data (runc sends the pty's path there) to standard output, then
 * copies everything the container writes to the terminal into OUTFILE until
 * the last slave descriptor is closed.  With -i, TEXT, a newline and an
 * end-of-file (Ctrl-D) are typed into the terminal first.  Gives up after 60 seconds so a broken
 * runtime cannot hang the test suite.  Exit status 0 on success, 1 on failure. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int fail(const char *what)
{
    fprintf(stderr, "recvtty: %s: %s\n", what, strerror(errno));
    return -1;
}

static int listen_on(const char *path)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    int fd;

    if (strlen(path) >= sizeof(addr.sun_path)) {
        errno = ENAMETOOLONG;
        return fail(path);
    }
    strcpy(addr.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return fail("socket");
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 1) < 0) {
        fail(path);
        close(fd);
        return -1;
    }
    return fd;
}

/* Receives one descriptor; its message data (the pty name) goes to NAME. */
static int recv_master(int conn, char *name, size_t name_size)
{
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    struct iovec iov = {.iov_base = name, .iov_len = name_size - 1};
    struct msghdr msg = {
        .msg_iov = &iov,
        .msg_iovlen = 1,
        .msg_control = control.buf,
        .msg_controllen = sizeof(control.buf),
    };
    struct cmsghdr *cmsg;
    ssize_t n;
    int fd;

    do {
        n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return fail("recvmsg");
    name[n] = '\0';
    cmsg = CMSG_FIRSTHDR(&msg);
    if (!cmsg || cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS ||
        cmsg->cmsg_len != CMSG_LEN(sizeof(int))) {
        fprintf(stderr, "recvtty: message carries no descriptor\n");
        return -1;
    }
    memcpy(&fd, CMSG_DATA(cmsg), sizeof(fd));
    return fd;
}

/* Copies MASTER to OUT until the pty hangs up (EIO once no slave is open). */
static int copy_output(int master, int out)
{
    char buf[4096];

    for (;;) {
        ssize_t n = read(master, buf, sizeof(buf));

        if (n == 0 || (n < 0 && errno == EIO))
            return 0;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return fail("read pty");
        }
        if (write(out, buf, (size_t)n) != n)
            return fail("write output");
    }
}

int main(int argc, char **argv)
{
    const char *input = NULL;
    char name[256];
    int opt, lfd, conn, master, out;

    while ((opt = getopt(argc, argv, "i:")) != -1) {
        if (opt != 'i')
            return 2;
        input = optarg;
    }
    if (argc - optind != 2) {
        fprintf(stderr, "usage: hull-recvtty [-i TEXT] SOCKET OUTFILE\n");
        return 2;
    }
    alarm(60);
    out = open(argv[optind + 1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0) {
        fail(argv[optind + 1]);
        return 1;
    }
    lfd = listen_on(argv[optind]);
    if (lfd < 0)
        return 1;
    conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (conn < 0) {
        fail("accept");
        return 1;
    }
    unlink(argv[optind]);
    master = recv_master(conn, name, sizeof(name));
    if (master < 0)
        return 1;
    close(conn);
    close(lfd);
    printf("%s\n", name);
    fflush(stdout);
    if (input) {
        size_t len = strlen(input);
        if (write(master, input, len) != (ssize_t)len || write(master, "\n\004", 2) != 2) {
            fail("write input");
            return 1;
        }
    }
    return copy_output(master, out) < 0 ? 1 : 0;
}
