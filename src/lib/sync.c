#include "sync.h"
#include "util.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int hull_sync_pair(int fds[2], hull_error **err)
{
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
        return hull_err(err, errno, "create sync socket pair");
    return 0;
}

int hull_sync_send(int sock, enum hull_sync_type type, int32_t value, const char *text, int pass_fd,
                   hull_error **err)
{
    struct hull_sync_msg msg = {.type = type, .value = value};
    size_t text_len = 0;
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    struct iovec iov;
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};

    if (text != NULL) {
        text_len = strnlen(text, HULL_SYNC_TEXT_MAX - 1);
        memcpy(msg.text, text, text_len);
    }
    /* Only the used part of the text is sent. */
    iov.iov_base = &msg;
    iov.iov_len = offsetof(struct hull_sync_msg, text) + text_len + 1;
    if (pass_fd >= 0) {
        memset(&control, 0, sizeof(control));
        mh.msg_control = control.buf;
        mh.msg_controllen = sizeof(control.buf);
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
    }
    ssize_t n;
    do
        n = sendmsg(sock, &mh, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return hull_err(err, errno, "send sync message %u", (unsigned int)type);
    return 0;
}

void hull_sync_send_error(int sock, const hull_error *e)
{
    struct hull_sync_msg msg = {.type = HULL_SYNC_ERROR};
    size_t len;

    if (e == NULL)
        return;
    msg.errnum = e->errnum;
    msg.kind = (int32_t)e->kind;
    len = strnlen(e->msg, HULL_SYNC_TEXT_MAX - 1);
    memcpy(msg.text, e->msg, len);
    ssize_t n;
    do
        n = send(sock, &msg, offsetof(struct hull_sync_msg, text) + len + 1, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
}

int hull_sync_recv(int sock, struct hull_sync_msg *msg, int *fd_out, hull_error **err)
{
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    struct iovec iov = {.iov_base = msg, .iov_len = sizeof(*msg)};
    struct msghdr mh = {.msg_iov = &iov,
                        .msg_iovlen = 1,
                        .msg_control = control.buf,
                        .msg_controllen = sizeof(control.buf)};
    ssize_t n;

    if (fd_out != NULL)
        *fd_out = -1;
    memset(msg, 0, sizeof(*msg));
    do
        n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return hull_err(err, errno, "receive sync message");
    if (n == 0)
        return hull_err(err, 0, "the container's setup process exited unexpectedly");
    if ((size_t)n < offsetof(struct hull_sync_msg, text))
        return hull_err(err, EPROTO, "short sync message (%zd bytes)", n);
    msg->text[HULL_SYNC_TEXT_MAX - 1] = '\0';
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int fd;
            memcpy(&fd, CMSG_DATA(c), sizeof(int));
            if (fd_out != NULL)
                *fd_out = fd;
            else
                close(fd);
        }
    }
    return 0;
}

int hull_sync_expect(int sock, enum hull_sync_type type, struct hull_sync_msg *msg, int *fd_out,
                     hull_error **err)
{
    if (hull_sync_recv(sock, msg, fd_out, err) < 0)
        return -1;
    if (msg->type == HULL_SYNC_ERROR)
        return hull_err_from_parts(err, msg->errnum, (enum hull_err_kind)msg->kind, msg->text);
    if (msg->type != (uint32_t)type) {
        if (fd_out != NULL && *fd_out >= 0) {
            close(*fd_out);
            *fd_out = -1;
        }
        return hull_err(err, EPROTO, "unexpected sync message %u (expected %u)", msg->type,
                        (unsigned int)type);
    }
    return 0;
}
