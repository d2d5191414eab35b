/* Starting a container under its monitor.
 *
 * The runtime makes the container's init a child of the process that
 * creates it, and the monitor must be that parent to wait for it.  So a
 * "creator" process does the create: for a start, a grandchild of hull
 * (double fork, new session: nothing ties it to the user's terminal or to
 * the hull command) that creates the container with pipes (or a pty) as
 * its stdio and then executes hull-monitor, keeping the init as its
 * child; for a restart by the policy, a child of the monitor's hook,
 * whose exit hands the init to the monitor (a subreaper).
 *
 * The creator closes every descriptor it inherited before it creates the
 * container: the init keeps what its creator has open until it executes
 * the command, and a container lock held that way would outlive every
 * hull command.  It reports over a SOCK_SEQPACKET socket (sync.h): its
 * own pid (from the first fork), the pty master, the init's pid, and
 * "created".  The init inherits that socket too, so its end never reads
 * as closed before the start: the parent watches the creator's pidfd. */
#include "engine_internal.h"
#include "log.h"
#include "monitor_proto.h"
#include "net.h"
#include "overlay.h"
#include "rootless.h"
#include "state.h"
#include "sync.h"
#include "terminal.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif

struct creator {
    struct hull_engine *e;
    const struct hull_ctr *c;
    bool exec_monitor; /* a start: become the monitor; else a restart */
    int sock;          /* reports to the parent */
    int monitor_exe;   /* O_PATH descriptor of hull-monitor */
    int run_dirfd;     /* RUN_ROOT/containers/ID, O_PATH */
};

/* The socket is reached through /proc/self/fd so that its path stays far
 * below the 108 bytes of sun_path however deep RUN_ROOT is. */
static void sock_addr(int run_dirfd, const char *name, struct sockaddr_un *sa, socklen_t *len)
{
    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    snprintf(sa->sun_path, sizeof(sa->sun_path), "/proc/self/fd/%d/%s", run_dirfd, name);
    *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(sa->sun_path) + 1);
}

static int listen_at(int run_dirfd, const char *name, int type, hull_error **err)
{
    struct sockaddr_un sa;
    socklen_t len;
    _cleanup_close_ int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return hull_err(err, errno, "create the %s socket", name);
    unlinkat(run_dirfd, name, 0);
    sock_addr(run_dirfd, name, &sa, &len);
    if (bind(fd, (struct sockaddr *)&sa, len) < 0 || listen(fd, 16) < 0)
        return hull_err(err, errno, "listen on the %s socket", name);
    return take_fd(fd);
}

int hull_engine_monitor_connect(struct hull_engine *e, const struct hull_ctr *c, uint32_t flags,
                                hull_error **err)
{
    _cleanup_free_ char *dir = hull_engine_run_dir(e, c->id);
    _cleanup_close_ int dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    _cleanup_close_ int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    char hello[5] = {HULL_MON_HELLO};
    struct sockaddr_un sa;
    socklen_t len;

    if (fd < 0)
        return hull_err(err, errno, "create a socket");
    if (dirfd < 0 || (sock_addr(dirfd, HULL_MON_SOCKET, &sa, &len),
                      connect(fd, (struct sockaddr *)&sa, len) < 0)) {
        if (errno == ENOENT || errno == ECONNREFUSED)
            return hull_err_kind(err, HULL_ERR_NOT_EXIST, 0,
                                 "container %.12s has no monitor listening", c->id);
        return hull_err(err, errno, "connect to the monitor of container %.12s", c->id);
    }
    memcpy(hello + 1, &flags, 4);
    if (send(fd, hello, sizeof(hello), MSG_NOSIGNAL) != sizeof(hello))
        return hull_err(err, errno, "say hello to the monitor of container %.12s", c->id);
    return take_fd(fd);
}

/* ---- the network ---- */

/* The one place the container's network comes up: between create and
 * start, while the init waits. */
static int network_up(struct hull_engine *e, const struct hull_ctr *c, pid_t init, hull_error **err)
{
    return hull_net_setup(e, c, init, err);
}

/* ---- the creator ---- */

/* Makes FROM[i] descriptor i for every i < N (-1: /dev/null), leaving
 * nothing else below N open. */
static int place_fds(const int *from, int n, hull_error **err)
{
    int high[8];

    for (int i = 0; i < n; i++) {
        high[i] = from[i] >= 0 ? fcntl(from[i], F_DUPFD_CLOEXEC, 64)
                               : open("/dev/null", O_RDWR | O_CLOEXEC);
        if (high[i] < 0)
            return hull_err(err, errno, "arrange descriptors");
    }
    for (int i = 0; i < n; i++) {
        if (dup2(high[i], i) < 0)
            return hull_err(err, errno, "arrange descriptors");
        close(high[i]);
    }
    return 0;
}

static int open_hook_log(const struct creator *cr)
{
    _cleanup_free_ char *path = hull_engine_ctr_path(cr->e, cr->c->id, HULL_MON_HOOK_LOG);
    return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
}

/* Our own stdio once the container has its own: nothing to read, and
 * messages into the container's monitor.log. */
static void quiet_stdio(const struct creator *cr)
{
    int log = open_hook_log(cr);
    int fds[3] = {-1, -1, log};
    place_fds(fds, 3, NULL);
    if (log >= 0)
        close(log);
}

/* The container's stdio for a start: pipes whose other ends go to the
 * monitor (OURS: stdin's write end, stdout's and stderr's read ends). */
static int make_pipes(const struct hull_ctr *c, int theirs[3], int ours[3], hull_error **err)
{
    int p[2];

    for (int i = 0; i < 3; i++)
        theirs[i] = ours[i] = -1;
    if (c->tty)
        return 0;
    for (int i = c->interactive ? 0 : 1; i < 3; i++) {
        if (pipe2(p, O_CLOEXEC) < 0)
            return hull_err(err, errno, "pipe");
        theirs[i] = i == 0 ? p[0] : p[1];
        ours[i] = i == 0 ? p[1] : p[0];
    }
    return 0;
}

/* Creates the runtime's container with STDIO (-1: /dev/null) as its
 * standard descriptors; *master gets the pty master with a terminal. */
static int create_runtime_ctr(const struct creator *cr, const int stdio[3], pid_t *init,
                              int *master, hull_error **err)
{
    _cleanup_free_ char *bundle = hull_engine_ctr_path(cr->e, cr->c->id, NULL);
    _cleanup_close_ int console = -1, conn = -1;
    struct hull_create_opts co = {.id = cr->c->id, .bundle = bundle};
    struct sockaddr_un sa;
    socklen_t len;
    int ret;

    if (cr->c->tty) {
        console = listen_at(cr->run_dirfd, "console.sock", SOCK_STREAM, err);
        if (console < 0)
            return -1;
        sock_addr(cr->run_dirfd, "console.sock", &sa, &len);
        co.console_socket = sa.sun_path;
    }
    if (place_fds(stdio, 3, err) < 0)
        return -1;
    ret = hull_container_create(&cr->e->rt, &co, init, err);
    quiet_stdio(cr);
    unlinkat(cr->run_dirfd, "console.sock", 0);
    if (ret < 0 || !cr->c->tty)
        return ret;
    /* The runtime connected and sent the master during create: both are
     * already queued, so neither call waits. */
    conn = accept4(console, NULL, NULL, SOCK_CLOEXEC);
    if (conn < 0)
        return hull_err(err, errno, "the runtime did not connect to the console socket");
    if (hull_recv_fd(conn, master, err) < 0)
        return hull_err_wrap(err, "receive the container's terminal");
    return 0;
}

static void append_owned(char ***v, char *s)
{
    strv_append(v, s);
    free(s);
}

static void monitor_args(const struct creator *cr, pid_t init, char ***argv)
{
    const struct hull_ctr *c = cr->c;
    const struct hull_engine *e = cr->e;

    strv_append(argv, "hull-monitor");
    append_owned(argv, xasprintf("--id=%s", c->id));
    append_owned(argv, xasprintf("--dir=%s/containers/%s", e->state_root, c->id));
    append_owned(argv, xasprintf("--hull=%s", e->exe));
    append_owned(argv, xasprintf("--root=%s", e->state_root));
    append_owned(argv, xasprintf("--run-root=%s", e->run_root));
    append_owned(argv, xasprintf("--init-pid=%d", (int)init));
    append_owned(argv, xasprintf("--log-max-size=%llu", c->log.max_size));
    append_owned(argv, xasprintf("--log-max-file=%u", c->log.max_file));
    if (c->tty)
        strv_append(argv, "--tty");
    if (c->interactive)
        strv_append(argv, "--stdin");
}

/* The creator of a start becomes the monitor: its descriptors as
 * monitor_proto.h says, its standard error the hook log. */
static int exec_monitor(const struct creator *cr, int listen, const int ours[3], int master,
                        pid_t init, hull_error **err)
{
    int in = master >= 0 && cr->c->interactive ? master : ours[0];
    int fds[7] = {-1, -1, open_hook_log(cr), listen, master >= 0 ? master : ours[1], ours[2], in};
    char **argv = NULL;
    char *env[] = {NULL};
    int exe = fcntl(cr->monitor_exe, F_DUPFD_CLOEXEC, 64);

    monitor_args(cr, init, &argv);
    if (exe < 0 || place_fds(fds, 7, err) < 0)
        return -1;
    if (fds[5] < 0)
        close(HULL_MON_FD_ERR);
    if (fds[6] < 0)
        close(HULL_MON_FD_IN);
    close_fds_from(7, &exe, 1);
    syscall(SYS_execveat, exe, "", argv, env, AT_EMPTY_PATH);
    return hull_err(err, errno, "execute hull-monitor");
}

/* Takes the launch lock for good (released by our exec or exit), then
 * checks that nothing removed the container since our parent decided to
 * create it: a parent killed before we took the lock leaves the record
 * to the next command's repair, which may have torn it down. */
static int check_still_ours(const struct creator *cr, hull_error **err)
{
    _cleanup_free_ char *rootfs = hull_engine_ctr_path(cr->e, cr->c->id, "rootfs");
    struct hull_ctr c;
    int lock = hull_engine_launch_lock(cr->e, cr->c->id, true, err);

    if (lock < 0 || hull_ctr_load(cr->e->ctr_dirfd, cr->c->id, &c, err) < 0)
        return -1;
    hull_ctr_clear(&c);
    if (hull_overlay_is_mounted(rootfs, err) <= 0)
        return hull_err(err, 0, "container %.12s was cleaned up while it was being started",
                        cr->c->id);
    return 0;
}

__attribute__((noreturn)) static void creator_main(struct creator *cr, const int ctr_stdio[3])
{
    hull_error *err = NULL;
    /* [6]: a rootless hull's slirp4netns helper, for network_up. */
    int keep[7] = {cr->sock, cr->monitor_exe, cr->run_dirfd, -1, -1, -1, hull_rootless_net_fd()};
    int theirs[3] = {-1, -1, -1}, ours[3] = {-1, -1, -1};
    int listen = -1, master = -1;
    pid_t init = 0;
    sigset_t none;
    struct winsize ws;
    bool have_ws = false;

    /* The caller's terminal size, for the container's terminal before its
     * process starts (a resize message could come too late for a program
     * that asks at once). */
    for (int fd = 0; fd < 3 && !have_ws; fd++)
        have_ws = ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int i = 0; i < 3; i++)
        keep[3 + i] = ctr_stdio != NULL ? ctr_stdio[i] : -1;
    close_fds_from(3, keep, ARRAY_SIZE(keep));
    /* What the engine had open is closed: only its paths are used now. */
    cr->e->ctr_dirfd = hull_ctr_dir_open(cr->e->state_root, &err);
    cr->e->store = NULL;
    if (cr->e->ctr_dirfd < 0 || check_still_ours(cr, &err) < 0)
        goto fail;
    if (cr->exec_monitor) {
        if (make_pipes(cr->c, theirs, ours, &err) < 0)
            goto fail;
        listen = listen_at(cr->run_dirfd, HULL_MON_SOCKET, SOCK_SEQPACKET, &err);
        if (listen < 0)
            goto fail;
    }
    if (create_runtime_ctr(cr, ctr_stdio != NULL ? ctr_stdio : theirs, &init, &master, &err) < 0)
        goto fail;
    for (int i = 0; i < 3; i++)
        closep(&theirs[i]);
    if (master >= 0 && have_ws)
        ioctl(master, TIOCSWINSZ, &ws);
    if (network_up(cr->e, cr->c, init, &err) < 0)
        goto fail;
    if (!cr->exec_monitor) {
        if ((master >= 0 && hull_sync_send(cr->sock, HULL_SYNC_PTY, 0, NULL, master, &err) < 0) ||
            hull_sync_send(cr->sock, HULL_SYNC_INIT_PID, init, NULL, -1, &err) < 0)
            goto fail;
        _exit(0);
    }
    if (hull_sync_send(cr->sock, HULL_SYNC_INIT_PID, init, NULL, -1, &err) < 0 ||
        hull_sync_send(cr->sock, HULL_SYNC_CREATED, getpid(), NULL, -1, &err) < 0)
        goto fail;
    exec_monitor(cr, listen, ours, master, init, &err);
fail:
    hull_sync_send_error(cr->sock, err);
    if (init > 0) {
        hull_error *e2 = NULL;
        hull_container_delete(&cr->e->rt, cr->c->id, true, &e2);
    }
    _exit(1);
}

/* ---- the parent's side ---- */

struct creator_report {
    pid_t creator;
    pid_t init;
    pid_t monitor;
    int pty;
};

/* Reads the creator's messages until its last one (CREATED for a start,
 * INIT_PID for a restart).  PIDFD tells when it died without one. */
static int read_report(int sock, int pidfd, bool exec_monitor, struct creator_report *rep,
                       hull_error **err)
{
    struct hull_sync_msg msg;

    for (;;) {
        struct pollfd p[2] = {{.fd = sock, .events = POLLIN}, {.fd = pidfd, .events = POLLIN}};
        int fd = -1;

        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            return hull_err(err, errno, "poll");
        }
        if (!(p[0].revents & POLLIN))
            return hull_err(err, 0, "the container's creator exited without a word");
        if (hull_sync_recv(sock, &msg, &fd, err) < 0)
            return -1;
        switch (msg.type) {
        case HULL_SYNC_ERROR:
            return hull_err_from_parts(err, msg.errnum, (enum hull_err_kind)msg.kind, msg.text);
        case HULL_SYNC_PTY:
            closep(&rep->pty);
            rep->pty = fd;
            break;
        case HULL_SYNC_INIT_PID:
            rep->init = msg.value;
            if (!exec_monitor)
                return 0;
            break;
        case HULL_SYNC_CREATED:
            rep->monitor = msg.value;
            return 0;
        default:
            closep(&fd);
            return hull_err(err, EPROTO, "unexpected message %u from the creator", msg.type);
        }
    }
}

/* Forks the creator (twice for a start, reporting the grandchild's pid
 * from between) and reads its report. */
static int spawn_creator(struct creator *cr, const int ctr_stdio[3], struct creator_report *rep,
                         hull_error **err)
{
    _cleanup_close_ int pidfd = -1;
    int sv[2];
    pid_t child;
    int status, ret;

    if (hull_sync_pair(sv, err) < 0)
        return -1;
    cr->sock = sv[1];
    child = fork();
    if (child == 0) {
        close(sv[0]);
        if (!cr->exec_monitor)
            creator_main(cr, ctr_stdio);
        /* The monitor is nobody's child but the host's (or a subreaper's)
         * and leads a session of its own. */
        setsid();
        pid_t grandchild = fork();
        if (grandchild == 0)
            creator_main(cr, ctr_stdio);
        hull_sync_send(cr->sock, HULL_SYNC_CONTINUE, grandchild, NULL, -1, NULL);
        _exit(grandchild > 0 ? 0 : 1);
    }
    close(sv[1]);
    cr->sock = -1;
    if (child < 0) {
        close(sv[0]);
        return hull_err(err, errno, "fork");
    }
    rep->creator = child;
    if (cr->exec_monitor) {
        struct hull_sync_msg msg;
        while (waitpid(child, &status, 0) < 0 && errno == EINTR)
            ;
        if (hull_sync_expect(sv[0], HULL_SYNC_CONTINUE, &msg, NULL, err) < 0) {
            close(sv[0]);
            return hull_err_wrap(err, "start the container's monitor");
        }
        rep->creator = msg.value;
    }
    /* A creator that died and was reaped already leaves no pidfd: its
     * messages, if any, are in the socket. */
    pidfd = (int)syscall(SYS_pidfd_open, rep->creator, 0);
    ret = read_report(sv[0], pidfd, cr->exec_monitor, rep, err);
    close(sv[0]);
    if (!cr->exec_monitor)
        while (waitpid(child, &status, 0) < 0 && errno == EINTR)
            ;
    return ret;
}

static int open_run_dir(struct hull_engine *e, const char *id, hull_error **err)
{
    _cleanup_free_ char *dir = hull_engine_run_dir(e, id);
    int fd;

    if (mkdir_p(dir, 0700, err) < 0)
        return -1;
    fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return hull_err(err, errno, "open \"%s\"", dir);
    return fd;
}

int hull_engine_launch(struct hull_engine *e, struct hull_ctr *c, hull_error **err)
{
    _cleanup_free_ char *monitor = NULL;
    _cleanup_close_ int run_dirfd = -1, exe = -1;
    struct creator cr = {.e = e, .c = c, .exec_monitor = true, .sock = -1};
    struct creator_report rep = {.pty = -1};
    _cleanup_error_ hull_error *stale = NULL;

    /* What a crash left of an earlier run must not be mistaken for ours. */
    if (hull_container_delete(&e->rt, c->id, true, &stale) < 0 &&
        stale->kind != HULL_ERR_NOT_EXIST) {
        *err = take_ptr(stale);
        return hull_err_wrap(err, "remove what an earlier run left");
    }
    monitor = hull_engine_helper(e, "hull-monitor", err);
    if (monitor == NULL)
        return -1;
    exe = open(monitor, O_PATH | O_CLOEXEC);
    if (exe < 0)
        return hull_err(err, errno, "open \"%s\"", monitor);
    run_dirfd = open_run_dir(e, c->id, err);
    if (run_dirfd < 0 || hull_engine_mount_rootfs(e, c, err) < 0)
        return -1;
    {
        _cleanup_free_ char *exit_file = hull_engine_ctr_path(e, c->id, HULL_MON_EXIT_FILE);
        unlink(exit_file);
    }
    cr.monitor_exe = exe;
    cr.run_dirfd = run_dirfd;
    if (spawn_creator(&cr, NULL, &rep, err) < 0)
        return hull_err_wrap(err, "create container %.12s", c->id);
    c->pid = rep.init;
    c->pid_start = hull_proc_start_time(rep.init);
    c->monitor_pid = rep.monitor;
    c->monitor_start = hull_proc_start_time(rep.monitor);
    return 0;
}

int hull_engine_relaunch(struct hull_engine *e, struct hull_ctr *c, int *pty, hull_error **err)
{
    static const int ctr_stdio[3] = {HULL_MON_FD_CTR_IN, HULL_MON_FD_CTR_OUT, HULL_MON_FD_CTR_ERR};
    _cleanup_close_ int run_dirfd = -1;
    struct creator cr = {.e = e, .c = c, .exec_monitor = false, .sock = -1, .monitor_exe = -1};
    struct creator_report rep = {.pty = -1};
    _cleanup_error_ hull_error *stale = NULL;

    *pty = -1;
    if (hull_container_delete(&e->rt, c->id, true, &stale) < 0 && stale->kind != HULL_ERR_NOT_EXIST)
        hull_warn("%s", stale->msg);
    run_dirfd = open_run_dir(e, c->id, err);
    if (run_dirfd < 0 || hull_engine_mount_rootfs(e, c, err) < 0)
        return -1;
    cr.run_dirfd = run_dirfd;
    if (spawn_creator(&cr, ctr_stdio, &rep, err) < 0) {
        closep(&rep.pty);
        return hull_err_wrap(err, "create container %.12s", c->id);
    }
    c->pid = rep.init;
    c->pid_start = hull_proc_start_time(rep.init);
    *pty = rep.pty;
    return 0;
}

int hull_engine_start_locked(struct hull_engine *e, struct hull_ctr *c, hull_error **err)
{
    if (hull_container_start(&e->rt, c->id, err) < 0)
        return -1;
    c->status = HULL_CTR_RUNNING;
    free(c->started_at);
    c->started_at = hull_time_now_rfc3339();
    /* finished_at stays: Docker shows the last exit until the next one. */
    free(c->error);
    c->error = NULL;
    c->exit_code = 0;
    return hull_ctr_save(e->ctr_dirfd, c, err);
}
