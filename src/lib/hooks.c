#include "hooks.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* A started hook: its pid, a pidfd to wait on with a timeout, and the
 * write end of its standard input. */
struct hook_proc {
    pid_t pid;
    int pidfd;
    int stdin_fd;
};

/* Makes FD the descriptor TARGET of the calling (child) process, without
 * close-on-exec. */
static int move_fd(int fd, int target)
{
    if (fd == target)
        return fd_set_cloexec(fd, false);
    return dup2(fd, target) < 0 ? -1 : 0;
}

/* The forked hook process: stdin from the pipe, stdout and stderr both the
 * runtime's stderr (so hook output lands in the runtime's log and never in
 * the container's or the engine's stdout), no other descriptors (not even
 * --preserve-fds ones), default signal mask, own process group so a
 * timeout can kill what the hook started too.  Reports an execve failure
 * as an errno on ERR_FD. */
static __attribute__((noreturn)) void hook_child(const struct hull_hook *h, char *const *argv,
                                                 char *const *envp, int stdin_fd, int err_fd)
{
    sigset_t none;
    int e;

    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    setpgid(0, 0);
    if (move_fd(stdin_fd, STDIN_FILENO) < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0 ||
        close_fds_from(3, &err_fd, 1) < 0) {
        e = errno;
    } else {
        execve(h->path, argv, envp);
        e = errno;
    }
    /* Should this write fail too, the parent sees exit status 127. */
    write_all(err_fd, &e, sizeof(e));
    _exit(127);
}

/* Starts hook H.  Returns once it has exec'd (or failed to). */
static int hook_start(const struct hull_hook *h, struct hook_proc *proc, hull_error **err)
{
    static char *const empty_env[] = {NULL};
    char *default_argv[] = {h->path, NULL};
    char *const *argv = h->args != NULL && h->args[0] != NULL ? h->args : default_argv;
    char *const *envp = h->env != NULL ? h->env : empty_env;
    _cleanup_close_ int in_r = -1, in_w = -1, err_r = -1, err_w = -1;
    int fds[2], child_errno;

    if (pipe2(fds, O_CLOEXEC) < 0)
        return hull_err(err, errno, "pipe");
    in_r = fds[0];
    in_w = fds[1];
    if (pipe2(fds, O_CLOEXEC) < 0)
        return hull_err(err, errno, "pipe");
    err_r = fds[0];
    err_w = fds[1];

    pid_t pid = fork();
    if (pid < 0)
        return hull_err(err, errno, "fork");
    if (pid == 0)
        hook_child(h, argv, envp, in_r, err_w);
    closep(&err_w);
    closep(&in_r);

    /* EOF means execve succeeded (the pipe was close-on-exec). */
    ssize_t n = read_all(err_r, &child_errno, sizeof(child_errno));
    if (n == (ssize_t)sizeof(child_errno)) {
        waitpid(pid, NULL, 0);
        return hull_err(err, child_errno, "exec");
    }
    /* The child is ours and not reaped yet, so its pid cannot have been
     * reused: the pidfd is for the right process. */
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pidfd < 0) {
        int e = errno;
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        return hull_err(err, e, "pidfd_open");
    }
    proc->pid = pid;
    proc->pidfd = pidfd;
    proc->stdin_fd = take_fd(in_w);
    return 0;
}

/* Milliseconds left until DEADLINE (ns, 0 = none) for poll(): -1 for no
 * deadline, 0 once it has passed, else rounded up. */
static int ms_left(uint64_t deadline)
{
    uint64_t now;

    if (deadline == 0)
        return -1;
    now = now_ns();
    if (now >= deadline)
        return 0;
    return (int)((deadline - now + 999999) / 1000000);
}

/* Writes what the hook's stdin pipe takes of DATA, closing the pipe when
 * all is written or the hook stopped reading (EPIPE: a hook need not read
 * its stdin). */
static void feed_stdin(struct hook_proc *proc, const char *data, size_t len, size_t *off)
{
    ssize_t n = write(proc->stdin_fd, data + *off, len - *off);

    if (n > 0)
        *off += (size_t)n;
    if (*off == len || (n < 0 && errno != EAGAIN && errno != EINTR))
        closep(&proc->stdin_fd);
}

/* Feeds STATE to the hook's stdin while waiting for it to exit, both
 * bounded by TIMEOUT seconds (0: none); a hook that never reads a large
 * state must not block the runtime past its timeout.  Returns 1 on
 * timeout, 0 when the hook exited, -1 on error. */
static int hook_feed_and_wait(struct hook_proc *proc, const char *state, int timeout,
                              hull_error **err)
{
    uint64_t deadline = timeout > 0 ? now_ns() + (uint64_t)timeout * 1000000000ULL : 0;
    size_t len = strlen(state), off = 0;

    if (len == 0)
        closep(&proc->stdin_fd);
    else if (fd_set_nonblock(proc->stdin_fd, true) < 0)
        return hull_err(err, errno, "set the state pipe non-blocking");
    for (;;) {
        struct pollfd pfd[2] = {{.fd = proc->pidfd, .events = POLLIN},
                                {.fd = proc->stdin_fd, .events = POLLOUT}};
        int ms = ms_left(deadline);
        if (ms == 0)
            return 1;
        int r = poll(pfd, proc->stdin_fd >= 0 ? 2 : 1, ms);
        if (r < 0 && errno != EINTR)
            return hull_err(err, errno, "poll");
        if (r <= 0)
            continue;
        if (proc->stdin_fd >= 0 && pfd[1].revents != 0)
            feed_stdin(proc, state, len, &off);
        if (pfd[0].revents & POLLIN)
            return 0;
    }
}

/* Kills the hook's whole process group (and the hook itself through its
 * pidfd, in case it left the group), then reaps it. */
static void hook_kill(struct hook_proc *proc)
{
    kill(-proc->pid, SIGKILL);
    syscall(SYS_pidfd_send_signal, proc->pidfd, SIGKILL, NULL, 0);
    waitpid(proc->pid, NULL, 0);
}

/* Runs one hook to its end; the error does not yet name the hook. */
static int hook_run_one(const struct hull_hook *h, const char *state, hull_error **err)
{
    struct hook_proc proc = {.pid = -1, .pidfd = -1, .stdin_fd = -1};
    int timeout = h->has_timeout ? h->timeout : 0;
    int status, r;

    if (h->path == NULL || h->path[0] != '/')
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "path must be absolute");
    if (hook_start(h, &proc, err) < 0)
        return -1;
    r = hook_feed_and_wait(&proc, state, timeout, err);
    closep(&proc.stdin_fd);
    if (r != 0) {
        hook_kill(&proc);
        closep(&proc.pidfd);
        if (r > 0)
            return hull_err(err, 0, "timed out after %d s: killed", timeout);
        return -1;
    }
    closep(&proc.pidfd);
    while (waitpid(proc.pid, &status, 0) < 0)
        if (errno != EINTR)
            return hull_err(err, errno, "wait");
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        return hull_err(err, 0, "exited with status %d", WEXITSTATUS(status));
    if (WIFSIGNALED(status))
        return hull_err(err, 0, "killed by signal %d (%s)", WTERMSIG(status),
                        strsignal(WTERMSIG(status)));
    return 0;
}

/* Runs the hooks in order; with KEEP_GOING each failure is logged as a
 * warning and the next hook still runs. */
static int run_list(const struct hull_hook_list *list, const char *kind, const char *state_json,
                    bool keep_going, hull_error **err)
{
    sigset_t pipe_set, saved, pending;
    bool was_pending;
    int r = 0;

    if (list == NULL || list->n == 0)
        return 0;
    /* A hook that exits without reading its stdin makes our write fail;
     * that must be EPIPE, not SIGPIPE killing the runtime.  Block it for
     * the duration and drop one raised meanwhile (but not one that was
     * already pending for somebody else). */
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    sigprocmask(SIG_BLOCK, &pipe_set, &saved);
    sigpending(&pending);
    was_pending = sigismember(&pending, SIGPIPE);

    for (size_t i = 0; i < list->n && r == 0; i++) {
        const struct hull_hook *h = &list->hooks[i];
        r = hook_run_one(h, state_json != NULL ? state_json : "", err);
        if (r < 0)
            hull_err_wrap(err, "hooks.%s[%zu] \"%s\"", kind, i, h->path != NULL ? h->path : "");
        if (r < 0 && keep_going) {
            hull_warn("%s", (*err)->msg);
            hull_error_freep(err);
            r = 0;
        }
    }

    if (!was_pending) {
        struct timespec zero = {0, 0};
        while (sigtimedwait(&pipe_set, NULL, &zero) == SIGPIPE)
            ;
    }
    sigprocmask(SIG_SETMASK, &saved, NULL);
    return r;
}

int hull_hooks_run(const struct hull_hook_list *list, const char *kind, const char *state_json,
                   hull_error **err)
{
    return run_list(list, kind, state_json, false, err);
}

void hull_hooks_run_warn(const struct hull_hook_list *list, const char *kind,
                         const char *state_json)
{
    hull_error *err = NULL;
    run_list(list, kind, state_json, true, &err);
    hull_error_free(err);
}
