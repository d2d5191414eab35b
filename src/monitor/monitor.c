/* hull-monitor: the parent of one container's init, for as long as the
 * container lives (restarts included).
 *
 *   hull-monitor --id=ID --dir=CTR_DIR --hull=HULL --root=STATE_ROOT
 *                --run-root=RUN_ROOT --init-pid=PID [--tty]
 *                [--log-max-size=BYTES] [--log-max-file=N]
 *
 * hull starts it (double fork, new session) with the descriptors of
 * monitor_proto.h.  When the init exits, the monitor reads what is left of
 * its output, writes the exit file (so the exit code survives even if the
 * monitor itself is killed next) and runs `hull __monitor exited ID CODE
 * TIME`, which records the exit, cleans up and says whether the restart
 * policy wants the container again; then `hull __monitor restart ID`
 * creates it anew, the monitor being its subreaper so the new init becomes
 * its child once the hook exits. */
#include "monitor.h"
#include "monitor_proto.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Output still in flight when the init exits is read for this long at
 * most: a process that escaped the container's pid namespace and holds
 * its pipes must not keep the exit from being recorded. */
#define DRAIN_MS 250
/* How long the client asked to record the exit (HULL_MON_RUN_HOOK) has
 * before the monitor's own hook does it: far more than the work takes. */
#define CLIENT_HOOK_TIMEOUT_MS 2000
/* What is read of the output after the drain, at most (read_rest). */
#define REST_MAX (4u << 20)
/* Docker's restart back-off: from 100ms, doubling up to a minute, back
 * to the start after a run of ten seconds. */
#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS   60000
#define RAN_WELL_MS      10000

extern char **environ;

uint64_t mon_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void mon_diag(const char *fmt, ...)
{
    char msg[512], time[48];
    va_list ap;

    mon_time_now(time);
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    dprintf(STDERR_FILENO, "%s hull-monitor[%d]: %s\n", time, (int)getpid(), msg);
}

static const char *opt_value(const char *arg, const char *name)
{
    size_t len = strlen(name);
    return strncmp(arg, name, len) == 0 && arg[len] == '=' ? arg + len + 1 : NULL;
}

static int parse_args(int argc, char **argv, struct mon_opts *o)
{
    const char *v;

    memset(o, 0, sizeof(*o));
    o->log_max_file = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if ((v = opt_value(a, "--id")) != NULL)
            o->id = v;
        else if ((v = opt_value(a, "--dir")) != NULL)
            o->ctr_dir = v;
        else if ((v = opt_value(a, "--hull")) != NULL)
            o->hull = v;
        else if ((v = opt_value(a, "--root")) != NULL)
            o->root = v;
        else if ((v = opt_value(a, "--run-root")) != NULL)
            o->run_root = v;
        else if ((v = opt_value(a, "--init-pid")) != NULL)
            o->init = (pid_t)atoi(v);
        else if ((v = opt_value(a, "--log-max-size")) != NULL)
            o->log_max_size = strtoull(v, NULL, 10);
        else if ((v = opt_value(a, "--log-max-file")) != NULL)
            o->log_max_file = (unsigned int)atoi(v);
        else if (strcmp(a, "--tty") == 0)
            o->tty = true;
        else if (strcmp(a, "--stdin") == 0)
            o->interactive = true;
        else {
            mon_diag("unknown argument \"%s\"", a);
            return -1;
        }
    }
    if (o->id == NULL || o->ctr_dir == NULL || o->hull == NULL || o->root == NULL ||
        o->run_root == NULL || o->init <= 0) {
        mon_diag(
            "missing arguments: --id, --dir, --hull, --root, --run-root and --init-pid are required");
        return -1;
    }
    return 0;
}

/* A descriptor we were given, or -1 when it is not open. */
static int given_fd(int fd)
{
    if (fcntl(fd, F_GETFD) < 0)
        return -1;
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

static void close_output(struct monitor *m, int *fd, enum mon_stream s)
{
    if (*fd < 0)
        return;
    /* With a terminal the input is the same pty. */
    if (m->o.tty && *fd == m->out_fd && m->in_fd >= 0) {
        close(m->in_fd);
        m->in_fd = -1;
    }
    close(*fd);
    *fd = -1;
    mon_log_flush(&m->log, s);
}

/* What the container's end left in *FD when the drain ends: the pipe
 * holds at most its capacity, but a process that escaped the container
 * may write on, so the reading is bounded. */
/* One read's worth of output: logged, then passed to the clients; its
 * size, 0 when there was none.  A pty master reads EIO once the
 * container's side is closed: its end. */
static size_t read_output(struct monitor *m, int *fd, enum mon_stream s)
{
    static char buf[HULL_MON_DATA_MAX];
    ssize_t n = read(*fd, buf, sizeof(buf));

    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return 0;
    if (n <= 0) {
        close_output(m, fd, s);
        return 0;
    }
    mon_log_write(&m->log, s, buf, (size_t)n);
    mon_broadcast(m, s, buf, (size_t)n);
    return (size_t)n;
}

/* What the container's end left in *FD when the drain ends: the pipe
 * holds at most its capacity, but a process that escaped the container
 * may write on, so the reading is bounded. */
static void read_rest(struct monitor *m, int *fd, enum mon_stream s)
{
    size_t total = 0, n = 1;

    if (*fd < 0 || fcntl(*fd, F_SETFL, fcntl(*fd, F_GETFL) | O_NONBLOCK) < 0)
        return;
    while (*fd >= 0 && n > 0 && total < REST_MAX) {
        n = read_output(m, fd, s);
        total += n;
    }
}

static int exit_code_of(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return 255;
}

/* Written before anything else happens: if the monitor dies now, the
 * next hull command still learns how the container ended.  Atomic, not
 * durable: it is for a monitor killed, not for a host that crashed. */
static void write_exit_file(struct monitor *m, const char *time)
{
    char text[64], tmp[32];
    int fd, n;

    snprintf(tmp, sizeof(tmp), ".%s.%d", HULL_MON_EXIT_FILE, (int)getpid());
    n = snprintf(text, sizeof(text), "%d %s\n", m->exit_code, time);
    fd = openat(m->ctr_dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    if (write(fd, text, (size_t)n) != n) {
        close(fd);
        unlinkat(m->ctr_dirfd, tmp, 0);
        return;
    }
    close(fd);
    if (renameat(m->ctr_dirfd, tmp, m->ctr_dirfd, HULL_MON_EXIT_FILE) < 0)
        unlinkat(m->ctr_dirfd, tmp, 0);
}

static void set_env(char **env, size_t *n, const char *name, const char *value)
{
    size_t len = strlen(name) + strlen(value) + 2;
    env[*n] = malloc(len);
    if (env[*n] == NULL)
        abort();
    snprintf(env[*n], len, "%s=%s", name, value);
    (*n)++;
}

/* In the hook's child: its descriptors are FDS[0..N) as 0..N-1, the rest
 * closed; the signal state is the default again. */
__attribute__((noreturn)) static void exec_hook(struct monitor *m, char **argv, const int *fds,
                                                int n)
{
    char *env[4];
    size_t nenv = 0;
    sigset_t none;
    int moved[8];

    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    for (int i = 0; i < n; i++)
        moved[i] = fds[i] >= 0 ? fcntl(fds[i], F_DUPFD_CLOEXEC, 16) : -1;
    for (int i = 0; i < n; i++) {
        int fd = moved[i] >= 0 ? moved[i] : open("/dev/null", O_RDWR | O_CLOEXEC);
        if (fd < 0 || dup2(fd, i) < 0)
            _exit(127);
        fcntl(i, F_SETFL, fcntl(i, F_GETFL) & ~O_NONBLOCK);
    }
    /* One call instead of a thousand: the hook runs after every exit. */
    if (syscall(SYS_close_range, (unsigned int)n, ~0U, 0) < 0)
        for (int fd = n; fd < 1024; fd++)
            close(fd);
    set_env(env, &nenv, "HULL_ROOT", m->o.root);
    set_env(env, &nenv, "HULL_RUNROOT", m->o.run_root);
    set_env(env, &nenv, "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    env[nenv] = NULL;
    execve(m->o.hull, argv, env);
    dprintf(STDERR_FILENO, "hull-monitor: execute %s: %s\n", m->o.hull, strerror(errno));
    _exit(127);
}

static int hook_log_fd(struct monitor *m)
{
    return openat(m->ctr_dirfd, HULL_MON_HOOK_LOG, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
}

/* `hull __monitor exited ID CODE TIME`. */
static void run_exited_hook(struct monitor *m, const char *time)
{
    char code[16];
    char *argv[] = {(char *)m->o.hull,
                    (char *)"__monitor",
                    (char *)"exited",
                    (char *)m->o.id,
                    code,
                    (char *)time,
                    NULL};
    int log = hook_log_fd(m);
    int fds[3] = {-1, -1, log};

    snprintf(code, sizeof(code), "%d", m->exit_code);
    m->hook = fork();
    if (m->hook == 0)
        exec_hook(m, argv, fds, 3);
    if (log >= 0)
        close(log);
    if (m->hook < 0) {
        mon_diag("fork the exit hook: %s", strerror(errno));
        m->hook = 0;
        m->done = true;
    }
    m->hook_is_restart = false;
}

/* The init exited and its output was read: record it through the hook. */
static void finish_exit(struct monitor *m)
{
    char time[48];

    m->draining = false;
    read_rest(m, &m->out_fd, MON_STDOUT);
    read_rest(m, &m->err_fd, MON_STDERR);
    close_output(m, &m->out_fd, MON_STDOUT);
    close_output(m, &m->err_fd, MON_STDERR);
    if (m->in_fd >= 0) {
        close(m->in_fd);
        m->in_fd = -1;
    }
    m->in_pending_len = 0;
    mon_time_now(time);
    write_exit_file(m, time);
    snprintf(m->hook_time, sizeof(m->hook_time), "%s", time);
    m->hook_is_restart = false;
    if (mon_clients_run_hook(m, m->exit_code, time)) {
        m->hook = MON_HOOK_CLIENT;
        m->hook_client_until_ms = mon_now_ms() + CLIENT_HOOK_TIMEOUT_MS;
        return;
    }
    run_exited_hook(m, time);
}

/* The client asked to run the exit hook did not answer in time (stopped
 * by ^Z, say): the hook runs as usual, and a late answer is ignored.  If
 * the client was in the middle of the work, the hook waits for the
 * container's lock and finds it done. */
static void hook_client_late(struct monitor *m)
{
    mon_diag("the client did not record the exit in time: the hook does");
    mon_hook_client_gone(m);
}

void mon_hook_client_gone(struct monitor *m)
{
    m->hook = 0;
    m->hook_client = -1;
    run_exited_hook(m, m->hook_time);
}

static void init_exited(struct monitor *m, int status)
{
    m->exit_code = exit_code_of(status);
    m->init = 0;
    m->draining = true;
    m->drain_until_ms = mon_now_ms() + DRAIN_MS;
}

/* New pipes for the container's stdio (none with a terminal: the hook
 * sends the new pty's master); the monitor keeps its ends in NEXT. */
static int restart_pipes(struct monitor *m, int child[3], int next[3])
{
    int p[3][2] = {{-1, -1}, {-1, -1}, {-1, -1}};

    for (int i = 0; i < 3; i++)
        child[i] = next[i] = -1;
    if (m->o.tty)
        return 0;
    /* Without -i the container reads /dev/null (the hook's default). */
    for (int i = m->o.interactive ? 0 : 1; i < 3; i++) {
        if (pipe2(p[i], O_CLOEXEC) < 0) {
            for (int j = 0; j < i; j++) {
                close(p[j][0]);
                close(p[j][1]);
            }
            return -1;
        }
    }
    /* stdin: the container reads p[0][0]; stdout, stderr: it writes. */
    child[0] = p[0][0], next[0] = p[0][1];
    child[1] = p[1][1], next[1] = p[1][0];
    child[2] = p[2][1], next[2] = p[2][0];
    return 0;
}

static void close_fds(int *fds, int n)
{
    for (int i = 0; i < n; i++) {
        if (fds[i] >= 0)
            close(fds[i]);
        fds[i] = -1;
    }
}

/* `hull __monitor restart ID`, reporting on a socket of its own. */
static void run_restart_hook(struct monitor *m)
{
    char *argv[] = {(char *)m->o.hull, (char *)"__monitor", (char *)"restart", (char *)m->o.id,
                    NULL};
    int sv[2], child[3];
    int log = -1;

    m->restart_at_ms = 0;
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0 ||
        restart_pipes(m, child, m->next_fds) < 0) {
        mon_diag("prepare the restart: %s", strerror(errno));
        m->done = true;
        return;
    }
    log = hook_log_fd(m);
    int fds[7] = {-1, -1, log, sv[1], child[0], child[1], child[2]};
    m->hook = fork();
    if (m->hook == 0)
        exec_hook(m, argv, fds, 7);
    close(sv[1]);
    close_fds(child, 3);
    if (log >= 0)
        close(log);
    if (m->hook < 0) {
        mon_diag("fork the restart hook: %s", strerror(errno));
        close(sv[0]);
        close_fds(m->next_fds, 3);
        m->hook = 0;
        m->done = true;
        return;
    }
    m->hook_is_restart = true;
    m->restart_adopted = false;
    m->report_fd = sv[0];
    m->reported_init = 0;
    m->reported_pty = -1;
}

/* The restart hook made a new init: it is ours now (we are its
 * subreaper), and so are the new stdio ends. */
static void adopt_restarted(struct monitor *m)
{
    m->init = m->reported_init;
    m->reported_init = 0;
    m->restart_adopted = true;
    m->init_started_ms = mon_now_ms();
    if (m->o.tty) {
        m->out_fd = given_fd(m->reported_pty);
        m->in_fd = m->o.interactive ? fcntl(m->out_fd, F_DUPFD_CLOEXEC, 0) : -1;
        m->err_fd = -1;
        /* The new terminal gets the size the last client gave the old. */
        if (m->rows > 0) {
            struct winsize ws = {.ws_row = m->rows, .ws_col = m->cols};
            ioctl(m->out_fd, TIOCSWINSZ, &ws);
        }
    } else {
        m->in_fd = m->next_fds[0];
        m->out_fd = m->next_fds[1];
        m->err_fd = m->next_fds[2];
        for (int i = 0; i < 3; i++) {
            if (m->next_fds[i] >= 0)
                fcntl(m->next_fds[i], F_SETFL, fcntl(m->next_fds[i], F_GETFL) | O_NONBLOCK);
            m->next_fds[i] = -1;
        }
    }
}

static void read_report(struct monitor *m)
{
    struct hull_mon_report rep;
    char cbuf[CMSG_SPACE(sizeof(int))];
    struct iovec iov = {.iov_base = &rep, .iov_len = sizeof(rep)};
    struct msghdr mh = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
    ssize_t n;

    if (m->report_fd < 0)
        return;
    n = recvmsg(m->report_fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (n < 0 && errno == EAGAIN)
        return;
    if (n == (ssize_t)sizeof(rep)) {
        struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
        m->reported_init = rep.init_pid;
        if (cm != NULL && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
            memcpy(&m->reported_pty, CMSG_DATA(cm), sizeof(int));
    }
    close(m->report_fd);
    m->report_fd = -1;
    for (size_t i = 0; i < m->n_unknown && m->reported_init > 0; i++) {
        if (m->unknown[i].pid != m->reported_init)
            continue;
        int status = m->unknown[i].status;
        m->unknown[i] = m->unknown[--m->n_unknown];
        adopt_restarted(m);
        init_exited(m, status);
        break;
    }
}

static void schedule_restart(struct monitor *m)
{
    uint64_t ran = mon_now_ms() - m->init_started_ms;

    if (m->backoff_ms == 0 || ran >= RAN_WELL_MS)
        m->backoff_ms = BACKOFF_FIRST_MS;
    else if (m->backoff_ms < BACKOFF_MAX_MS)
        m->backoff_ms = m->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : m->backoff_ms * 2;
    m->restart_at_ms = mon_now_ms() + m->backoff_ms;
}

/* Nothing more to do but let the clients that have their exit code hang
 * up: no new client is taken. */
static void end(struct monitor *m)
{
    m->ending = true;
    if (m->listen_fd >= 0) {
        close(m->listen_fd);
        m->listen_fd = -1;
    }
}

void mon_hook_exited(struct monitor *m, int status)
{
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;

    m->hook = 0;
    m->hook_client = -1;
    if (!m->hook_is_restart) {
        mon_clients_exit(m, m->exit_code);
        if (code == HULL_MON_HOOK_RESTART)
            schedule_restart(m);
        else
            end(m);
        if (code != HULL_MON_HOOK_DONE && code != HULL_MON_HOOK_RESTART)
            mon_diag("the exit hook failed (status %d)", status);
        return;
    }
    read_report(m);
    if (code == 0 && m->reported_init > 0)
        adopt_restarted(m);
    if (code == 0 && m->restart_adopted)
        return;
    if (code != HULL_MON_HOOK_DECLINE)
        mon_diag("the restart hook failed (status %d)", status);
    close_fds(m->next_fds, 3);
    if (m->reported_pty >= 0)
        close(m->reported_pty);
    mon_clients_exit(m, m->exit_code);
    end(m);
}

/* Processes that were never ours (a hook's orphans) are reaped and
 * forgotten; the restarted init may be reaped before its hook, so the
 * hook's report is read first. */
static void reap(struct monitor *m)
{
    struct signalfd_siginfo si;
    pid_t pid;
    int status;

    while (read(m->sigfd, &si, sizeof(si)) == sizeof(si))
        ;
    read_report(m);
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        if (pid == m->hook) {
            mon_hook_exited(m, status);
        } else if (pid == m->init || (m->init == 0 && pid == m->reported_init)) {
            if (m->init == 0)
                adopt_restarted(m);
            init_exited(m, status);
        } else if (m->hook_is_restart && m->hook != 0 &&
                   m->n_unknown < sizeof(m->unknown) / sizeof(m->unknown[0])) {
            m->unknown[m->n_unknown].pid = pid;
            m->unknown[m->n_unknown].status = status;
            m->n_unknown++;
        }
    }
}

/* A static binary maps all of its code, and the page cache's fault-around
 * makes most of it resident while the program starts.  The loop that
 * follows runs a small part of it: the executable mappings of our own file
 * are dropped (the pages stay in the page cache; a page used again comes
 * back on its next fault), which takes the monitor's resident size from
 * the binary's size down to what it uses.  Only code is dropped: a
 * read-only mapping may be RELRO, written by relocation (the GOT, ifunc
 * results) and then made read-only, and dropping it would bring back the
 * file's unrelocated bytes. */
static void release_startup_pages(void)
{
    char line[512];
    struct stat st;
    FILE *maps;

    if (stat("/proc/self/exe", &st) < 0 || (maps = fopen("/proc/self/maps", "re")) == NULL)
        return;
    while (fgets(line, sizeof(line), maps) != NULL) {
        unsigned long start, end, ino;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s %*s %*s %lu", &start, &end, perms, &ino) != 4)
            continue;
        if (ino == (unsigned long)st.st_ino && perms[1] != 'w' && perms[2] == 'x')
            madvise((void *)start, end - start, MADV_DONTNEED);
    }
    fclose(maps);
}

static int setup(struct monitor *m, int argc, char **argv)
{
    sigset_t set;

    memset(m, 0, sizeof(*m));
    m->report_fd = -1;
    m->reported_pty = -1;
    m->hook_client = -1;
    for (int i = 0; i < 3; i++)
        m->next_fds[i] = -1;
    mon_clients_init(m);
    if (parse_args(argc, argv, &m->o) < 0)
        return -1;
    /* Before anything else is opened: a new descriptor could take the
     * number of one that was not given. */
    m->listen_fd = given_fd(HULL_MON_FD_LISTEN);
    m->out_fd = given_fd(HULL_MON_FD_OUT);
    m->err_fd = given_fd(HULL_MON_FD_ERR);
    m->in_fd = given_fd(HULL_MON_FD_IN);
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_SETMASK, &set, NULL);
    m->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    signal(SIGINT, SIG_IGN);
    signal(SIGQUIT, SIG_IGN);
    /* A restarted init is created by our hook: once the hook exits, the
     * init must come to us, not to the host's init. */
    if (m->sigfd < 0 || prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
        mon_diag("set up signals: %s", strerror(errno));
        return -1;
    }
    m->ctr_dirfd = open(m->o.ctr_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (m->ctr_dirfd < 0 ||
        mon_log_open(&m->log, m->ctr_dirfd, m->o.log_max_size, m->o.log_max_file) < 0) {
        mon_diag("open the log in %s: %s", m->o.ctr_dir, strerror(errno));
        return -1;
    }
    m->init = m->o.init;
    m->init_started_ms = mon_now_ms();
    return 0;
}

#define MAX_POLL (6 + MON_MAX_CLIENTS)

/* Slots of the poll set, by what they watch. */
enum { P_SIG, P_LISTEN, P_REPORT, P_OUT, P_ERR, P_IN, P_CLIENTS };

static int poll_timeout(const struct monitor *m)
{
    uint64_t now = mon_now_ms(), due = 0;

    if (m->draining)
        due = m->drain_until_ms;
    if (m->restart_at_ms != 0 && m->hook == 0 && (due == 0 || m->restart_at_ms < due))
        due = m->restart_at_ms;
    if (m->hook == MON_HOOK_CLIENT && (due == 0 || m->hook_client_until_ms < due))
        due = m->hook_client_until_ms;
    for (size_t i = 0; i < MON_MAX_CLIENTS; i++)
        if (m->clients[i].fd >= 0 && m->clients[i].closing &&
            (due == 0 || m->clients[i].closing_until_ms < due))
            due = m->clients[i].closing_until_ms;
    if (due == 0)
        return -1;
    return due > now ? (int)(due - now) : 0;
}

static void loop_once(struct monitor *m)
{
    struct pollfd p[MAX_POLL];
    bool blocked = mon_clients_blocked(m);
    int n;

    for (int i = 0; i < MAX_POLL; i++)
        p[i] = (struct pollfd){.fd = -1};
    p[P_SIG] = (struct pollfd){.fd = m->sigfd, .events = POLLIN};
    p[P_LISTEN] = (struct pollfd){.fd = m->listen_fd, .events = POLLIN};
    p[P_REPORT] = (struct pollfd){.fd = m->report_fd, .events = POLLIN};
    p[P_OUT] = (struct pollfd){.fd = blocked ? -1 : m->out_fd, .events = POLLIN};
    p[P_ERR] = (struct pollfd){.fd = blocked ? -1 : m->err_fd, .events = POLLIN};
    p[P_IN] = (struct pollfd){.fd = m->in_pending_len > 0 ? m->in_fd : -1, .events = POLLOUT};
    for (size_t i = 0; i < MON_MAX_CLIENTS; i++) {
        const struct mon_client *c = &m->clients[i];
        bool reads_input = c->flags & HULL_MON_WANT_STDIN;
        p[P_CLIENTS + i] = (struct pollfd){
            .fd = c->fd,
            .events = (short)((reads_input && m->in_pending_len > 0 ? 0 : POLLIN) |
                              (c->pending != NULL ? POLLOUT : 0)),
        };
    }
    n = poll(p, MAX_POLL, poll_timeout(m));
    if (n < 0 && errno != EINTR) {
        mon_diag("poll: %s", strerror(errno));
        m->done = true;
        return;
    }
    if (p[P_REPORT].revents)
        read_report(m);
    if (p[P_SIG].revents & POLLIN)
        reap(m);
    if (p[P_LISTEN].revents & POLLIN)
        mon_accept(m);
    for (size_t i = 0; i < MON_MAX_CLIENTS; i++) {
        short ev = p[P_CLIENTS + i].revents;
        if (ev == 0 || m->clients[i].fd != p[P_CLIENTS + i].fd)
            continue;
        if (ev & POLLOUT)
            mon_client_flush(m, i);
        if ((ev & (POLLIN | POLLHUP | POLLERR)) && m->clients[i].fd >= 0)
            mon_client_read(m, i);
    }
    if (p[P_IN].revents)
        mon_stdin_flush(m);
    if (p[P_OUT].revents && m->out_fd == p[P_OUT].fd)
        read_output(m, &m->out_fd, MON_STDOUT);
    if (p[P_ERR].revents && m->err_fd == p[P_ERR].fd)
        read_output(m, &m->err_fd, MON_STDERR);
}

int main(int argc, char **argv)
{
    struct monitor m;

    if (setup(&m, argc, argv) < 0)
        return 1;
    /* The init may have exited before we were executed. */
    reap(&m);
    release_startup_pages();
    while (!m.done) {
        loop_once(&m);
        if (m.draining && ((m.out_fd < 0 && m.err_fd < 0) || mon_now_ms() >= m.drain_until_ms))
            finish_exit(&m);
        if (m.restart_at_ms != 0 && m.hook == 0 && mon_now_ms() >= m.restart_at_ms)
            run_restart_hook(&m);
        if (m.hook == MON_HOOK_CLIENT && mon_now_ms() >= m.hook_client_until_ms)
            hook_client_late(&m);
        /* Nothing left to watch, nothing to wait for: never linger. */
        if (((m.init == 0 && !m.draining && m.hook == 0 && m.restart_at_ms == 0) || m.ending) &&
            !mon_clients_closing(&m))
            m.done = true;
    }
    mon_log_close(&m.log);
    return 0;
}
