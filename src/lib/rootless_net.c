/* Outbound networking for rootless containers, through slirp4netns.
 *
 * An ordinary user's hull works inside a user and network namespace of
 * its own (hull_rootless_enter), from where nothing reaches the host's
 * network, and it may not go back: setns() into the host's network
 * namespace needs privileges over the initial user namespace.
 * slirp4netns has to run in the host's namespaces, where its sockets
 * reach out, and join a container's namespace only to make its tap
 * device.  So before hull leaves the host's namespaces it forks a helper
 * that stays there and starts slirp4netns on request over a socket; the
 * helper exits once every hull process holding the socket has closed it,
 * leaving the slirp4netns processes it started to whoever stops them
 * (the container's network teardown). */
#include "rootless.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* Out of the way of the descriptors hull arranges for its children. */
#define HELPER_FD_MIN 256

#define MAX_PORTS 256

struct slirp_request {
    pid_t target;
    uint32_t n_ports;
    struct hull_port ports[MAX_PORTS];
};

struct slirp_reply {
    int errnum; /* 0: started */
    pid_t pid;
    char msg[256];
    uint16_t host_ports[MAX_PORTS];
};

/* "FD:PID": the helper's socket and the hull that made it, for this
 * hull's processes.  The socket is inherited across the re-execution
 * into a sealed copy (selfexe.h) and adopted (made close-on-exec) by the
 * first process that uses it. */
#define HELPER_ENV "HULL_SLIRP_HELPER"

static int helper_fd = -1;

/* Whether FD is a socket pair's end made by process PID (the hull that
 * forked the helper, whose pid the sealed copy keeps): a descriptor
 * number inherited with the variable but not with the socket (by a
 * monitor's children) is something else by then. */
static bool is_helper_socket(int fd, pid_t pid)
{
    struct ucred cred;
    socklen_t len = sizeof(cred);

    return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && cred.pid == pid;
}

int hull_rootless_net_fd(void)
{
    const char *env = getenv(HELPER_ENV);
    int fd;
    pid_t pid;

    if (helper_fd >= 0 || env == NULL)
        return helper_fd;
    if (sscanf(env, "%d:%d", &fd, &pid) == 2 && fd >= 0 && pid > 0 && is_helper_socket(fd, pid) &&
        fcntl(fd, F_SETFD, FD_CLOEXEC) == 0)
        helper_fd = fd;
    unsetenv(HELPER_ENV);
    return helper_fd;
}

/* Binds P's host address and PORT (0: any) as P's protocol does; the
 * port bound, or 0 with errno set.  SO_REUSEADDR: only a socket bound
 * for good (a listener, a bound UDP socket) is in the way, not the
 * TIME_WAIT remains of past connections. */
static uint16_t try_bind(const struct hull_port *p, uint16_t port)
{
    struct sockaddr_in sa = {
        .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(p->host_ip)};
    int type = strcmp(p->proto, "udp") == 0 ? SOCK_DGRAM : SOCK_STREAM;
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0), one = 1, saved;
    uint16_t got = 0;

    if (fd < 0)
        return 0;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
        getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
        got = ntohs(sa.sin_port);
    saved = errno;
    close(fd);
    errno = saved;
    return got;
}

/* Asks the slirp4netns listening on API to forward host port *HOST_PORT
 * (0: a free one, chosen here) of P to the container.  slirp4netns binds
 * the host's port itself: one in use is its error, put in MSG. */
static int hostfwd(const char *api, const struct hull_port *p, uint16_t *host_port, char *msg,
                   size_t msg_len)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    char req[256], reply[512], ip[INET_ADDRSTRLEN];
    struct in_addr addr = {htonl(p->host_ip)};
    ssize_t n = 0;
    int fd;

    inet_ntop(AF_INET, &addr, ip, sizeof(ip));
    *host_port = try_bind(p, p->host_port);
    if (*host_port == 0) {
        snprintf(msg, msg_len, "Bind for %s:%u/%s failed: %s", ip, p->host_port, p->proto,
                 strerror(errno));
        return -1;
    }
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", api);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    snprintf(req, sizeof(req),
             "{\"execute\": \"add_hostfwd\", \"arguments\": {\"proto\": \"%s\", \"host_addr\": "
             "\"%s\", \"host_port\": %u, \"guest_port\": %u}}",
             p->proto, ip, *host_port, p->container_port);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        write_all(fd, req, strlen(req)) < 0 || shutdown(fd, SHUT_WR) < 0 ||
        (n = read_all(fd, reply, sizeof(reply) - 1)) < 0) {
        snprintf(msg, msg_len, "slirp4netns API: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    reply[n] = '\0';
    if (strstr(reply, "\"return\"") == NULL) {
        snprintf(msg, msg_len, "publish %s:%u->%u/%s through slirp4netns: %.160s", ip, *host_port,
                 p->container_port, p->proto, reply);
        return -1;
    }
    return 0;
}

/* Starts slirp4netns for the network namespace of TARGET in a session of
 * its own (a ^C meant for hull does not reach it) with a control socket
 * API when there are ports to publish, and waits until it says the tap
 * device is configured. */
static pid_t slirp_exec(pid_t target, const char *api, struct slirp_reply *rp)
{
    int ready[2], failed[2], e = 0;
    char target_text[16];
    pid_t child;
    char c;

    snprintf(target_text, sizeof(target_text), "%d", (int)target);
    if (pipe2(ready, O_CLOEXEC) < 0) {
        rp->errnum = errno;
        snprintf(rp->msg, sizeof(rp->msg), "pipe: %s", strerror(errno));
        return -1;
    }
    if (pipe2(failed, O_CLOEXEC) < 0) {
        rp->errnum = errno;
        snprintf(rp->msg, sizeof(rp->msg), "pipe: %s", strerror(errno));
        close(ready[0]);
        close(ready[1]);
        return -1;
    }
    child = fork();
    if (child == 0) {
        static const char *const args[] = {"slirp4netns", "--configure", "--mtu=65520",
                                           "--disable-host-loopback", "--ready-fd=3"};
        char **argv = NULL;
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        int r = fcntl(ready[1], F_DUPFD_CLOEXEC, 10), f = fcntl(failed[1], F_DUPFD_CLOEXEC, 10);

        for (size_t i = 0; i < ARRAY_SIZE(args); i++)
            strv_append(&argv, args[i]);
        if (api != NULL) {
            _cleanup_free_ char *opt = xasprintf("--api-socket=%s", api);
            strv_append(&argv, opt);
        }
        strv_append(&argv, target_text);
        strv_append(&argv, "tap0");
        setsid();
        if (null < 0 || r < 0 || f < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 ||
            dup2(null, 2) < 0 || dup2(r, 3) < 0)
            e = errno;
        else if (execvp(argv[0], argv) < 0)
            e = errno;
        if (write(f, &e, sizeof(e)) < 0)
            _exit(126);
        _exit(127);
    }
    close(ready[1]);
    close(failed[1]);
    if (child < 0) {
        rp->errnum = errno;
        snprintf(rp->msg, sizeof(rp->msg), "fork: %s", strerror(errno));
    } else if (read_all(failed[0], &e, sizeof(e)) == sizeof(e)) {
        rp->errnum = e;
        snprintf(rp->msg, sizeof(rp->msg), "execute slirp4netns: %s", strerror(e));
    } else if (read_all(ready[0], &c, 1) != 1) {
        rp->errnum = EIO;
        snprintf(rp->msg, sizeof(rp->msg), "slirp4netns for process %d exited before it was ready",
                 (int)target);
    }
    if (rp->errnum != 0 && child > 0)
        while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
            ;
    close(ready[0]);
    close(failed[0]);
    return rp->errnum != 0 ? -1 : child;
}

/* slirp4netns for RQ: started, and its ports published; on any failure
 * nothing of it is left. */
static void slirp_start(const struct slirp_request *rq, struct slirp_reply *rp)
{
    char dir[] = "/tmp/hull-slirp-XXXXXX";
    _cleanup_free_ char *api = NULL;
    pid_t pid;

    if (rq->n_ports > 0) {
        if (mkdtemp(dir) == NULL) {
            rp->errnum = errno;
            snprintf(rp->msg, sizeof(rp->msg), "mkdtemp: %s", strerror(errno));
            return;
        }
        api = xasprintf("%s/api.sock", dir);
    }
    pid = slirp_exec(rq->target, api, rp);
    for (uint32_t i = 0; pid > 0 && i < rq->n_ports && rp->errnum == 0; i++)
        if (hostfwd(api, &rq->ports[i], &rp->host_ports[i], rp->msg, sizeof(rp->msg)) < 0)
            rp->errnum = EADDRINUSE;
    if (pid > 0 && rp->errnum != 0) {
        kill(pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
    } else if (pid > 0) {
        rp->pid = pid;
    }
    /* slirp4netns listens on for good; nobody else is to reach it. */
    if (api != NULL) {
        unlink(api);
        rmdir(dir);
    }
}

__attribute__((noreturn)) static void helper_main(int sock)
{
    /* Large: on the heap, not on the stack. */
    struct slirp_request *rq = xmalloc(sizeof(*rq));
    struct slirp_reply *rp = xmalloc(sizeof(*rp));

    setsid();
    for (;;) {
        ssize_t n = recv(sock, rq, sizeof(*rq), 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            _exit(0);
        memset(rp, 0, sizeof(*rp));
        if (n == sizeof(*rq) && rq->target > 0 && rq->n_ports <= MAX_PORTS) {
            slirp_start(rq, rp);
        } else {
            rp->errnum = EINVAL;
            snprintf(rp->msg, sizeof(rp->msg), "invalid request");
        }
        if (send(sock, rp, sizeof(*rp), MSG_NOSIGNAL) < 0)
            _exit(0);
        /* The slirp4netns that exited since (stopped containers'). */
        while (waitpid(-1, NULL, WNOHANG) > 0)
            ;
    }
}

int hull_rootless_net_helper_start(hull_error **err)
{
    _cleanup_free_ char *env = NULL;
    int sv[2], fd;
    pid_t child;

    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return hull_err(err, errno, "create the slirp4netns helper's socket");
    child = fork();
    if (child < 0) {
        int saved = errno;
        close(sv[0]);
        close(sv[1]);
        return hull_err(err, saved, "fork the slirp4netns helper");
    }
    if (child == 0) {
        /* Holding none of hull's descriptors, not even its standard ones:
         * a pipe that reads hull's output ends with hull. */
        int keep = fcntl(sv[1], F_DUPFD_CLOEXEC, HELPER_FD_MIN);
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (keep < 0 || null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
            _exit(1);
        close_fds_from(3, &keep, 1);
        helper_main(keep);
    }
    close(sv[1]);
    /* Not close-on-exec until adopted (hull_rootless_net_fd). */
    fd = fcntl(sv[0], F_DUPFD, HELPER_FD_MIN);
    close(sv[0]);
    if (fd < 0)
        return hull_err(err, errno, "keep the slirp4netns helper's socket");
    env = xasprintf("%d:%d", fd, (int)getpid());
    setenv(HELPER_ENV, env, 1);
    return 0;
}

int hull_rootless_slirp(pid_t target, struct hull_port *ports, size_t n_ports, pid_t *slirp,
                        hull_error **err)
{
    _cleanup_free_ struct slirp_request *rq = xmalloc0(sizeof(*rq));
    _cleanup_free_ struct slirp_reply *rp = xmalloc0(sizeof(*rp));
    ssize_t n;

    if (n_ports > MAX_PORTS)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "a rootless container publishes at most %d ports", MAX_PORTS);
    if (hull_rootless_net_fd() < 0)
        return hull_err(
            err, ENOTCONN,
            "no slirp4netns helper in this process (only the hull command that an ordinary user runs has one)");
    rq->target = target;
    rq->n_ports = (uint32_t)n_ports;
    if (n_ports > 0)
        memcpy(rq->ports, ports, n_ports * sizeof(*ports));
    if (send(helper_fd, rq, sizeof(*rq), MSG_NOSIGNAL) != sizeof(*rq))
        return hull_err(err, errno, "ask the slirp4netns helper");
    do
        n = recv(helper_fd, rp, sizeof(*rp), 0);
    while (n < 0 && errno == EINTR);
    if (n != sizeof(*rp))
        return hull_err(err, n < 0 ? errno : EPROTO, "hear from the slirp4netns helper");
    rp->msg[sizeof(rp->msg) - 1] = '\0';
    if (rp->errnum == ENOENT)
        return hull_err(
            err, ENOENT,
            "slirp4netns not found: a rootless container on the default network reaches out through it (package slirp4netns); --network none does without");
    if (rp->errnum == EADDRINUSE)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "%s", rp->msg);
    if (rp->errnum != 0)
        return hull_err(err, rp->errnum, "%s", rp->msg);
    for (size_t i = 0; i < n_ports; i++)
        ports[i].host_port = rp->host_ports[i];
    *slirp = rp->pid;
    return 0;
}
