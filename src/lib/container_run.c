/* hull_container_run: create, start, then stay with the container in the
 * foreground: forward signals to its init, proxy its terminal, collect its
 * exit status and delete it. */
#include "container_internal.h"
#include "log.h"
#include "terminal.h"
#include "util.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

struct run_loop {
    pid_t init;
    int sigfd;
    int master;  /* pty master or -1 */
    int in, out; /* the caller's terminal */
    bool in_open;
    int status; /* wait status of the init once it exited */
    bool exited;
};

/* Every signal a foreground run passes on to the container's init; the
 * ones that only make sense for the runtime itself stay out. */
static void forwarded_signals(sigset_t *set)
{
    sigfillset(set);
    sigdelset(set, SIGKILL);
    sigdelset(set, SIGSTOP);
    sigdelset(set, SIGSEGV);
    sigdelset(set, SIGBUS);
    sigdelset(set, SIGILL);
    sigdelset(set, SIGFPE);
    sigdelset(set, SIGTRAP);
    sigdelset(set, SIGTTIN);
    sigdelset(set, SIGTTOU);
    sigdelset(set, SIGTSTP);
    sigdelset(set, SIGURG);
    sigdelset(set, SIGPIPE);
}

static void copy_winsize(int from, int to)
{
    struct winsize ws;
    if (ioctl(from, TIOCGWINSZ, &ws) == 0)
        ioctl(to, TIOCSWINSZ, &ws);
}

static void reap(struct run_loop *rl)
{
    int status;
    pid_t pid;
    /* As a subreaper we also collect the container's orphans. */
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        if (pid == rl->init) {
            rl->status = status;
            rl->exited = true;
        }
    }
}

static void handle_signals(struct run_loop *rl)
{
    struct signalfd_siginfo si;
    while (read(rl->sigfd, &si, sizeof(si)) == sizeof(si)) {
        if (si.ssi_signo == SIGCHLD)
            reap(rl);
        else if (si.ssi_signo == SIGWINCH && rl->master >= 0)
            copy_winsize(rl->in, rl->master);
        else if (!rl->exited)
            kill(rl->init, (int)si.ssi_signo);
    }
}

/* Copies what is readable on FROM to TO; false on end of file or error. */
static bool pump(int from, int to)
{
    char buf[16384];
    ssize_t n = read(from, buf, sizeof(buf));
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return true;
    if (n <= 0)
        return false;
    write_all(to, buf, (size_t)n);
    return true;
}

static void run_loop(struct run_loop *rl)
{
    bool master_open = rl->master >= 0;

    while (!rl->exited || master_open) {
        struct pollfd pfd[3] = {{.fd = rl->sigfd, .events = POLLIN},
                                {.fd = master_open ? rl->master : -1, .events = POLLIN},
                                {.fd = master_open && rl->in_open ? rl->in : -1, .events = POLLIN}};
        /* Once the init is gone, only drain what its terminal still holds. */
        int n = poll(pfd, 3, rl->exited ? 100 : -1);
        if (n < 0 && errno != EINTR)
            break;
        if (n == 0 && rl->exited)
            break;
        if (pfd[0].revents & POLLIN)
            handle_signals(rl);
        if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))
            master_open = pump(rl->master, rl->out);
        if (pfd[2].revents & (POLLIN | POLLHUP | POLLERR)) {
            if (!pump(rl->in, rl->master)) {
                /* The caller's input ended: pass it on as the terminal's
                 * end-of-file character. */
                struct termios t;
                char eof = tcgetattr(rl->master, &t) == 0 ? (char)t.c_cc[VEOF] : 4;
                write_all(rl->master, &eof, 1);
                rl->in_open = false;
            }
        }
    }
    while (!rl->exited) {
        struct pollfd pfd = {.fd = rl->sigfd, .events = POLLIN};
        if (poll(&pfd, 1, -1) > 0)
            handle_signals(rl);
    }
}

static int exit_code(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return 255;
}

int hull_container_run(const struct hull_runtime *rt, const struct hull_create_opts *o,
                       const struct hull_run_opts *ro, int *exit_status, hull_error **err)
{
    struct hull_create_ctx ctx;
    struct run_loop rl = {.sigfd = -1, .master = -1, .in = ro->tty_in, .out = ro->tty_out};
    sigset_t set, old;
    struct termios saved;
    bool raw = false;
    int ret = -1;

    *exit_status = 255;
    if (ro->detach) {
        if (hull_container_create(rt, o, NULL, err) < 0)
            return -1;
        if (hull_container_start(rt, o->id, err) < 0) {
            _cleanup_error_ hull_error *e = NULL;
            hull_container_delete(rt, o->id, true, &e);
            return -1;
        }
        *exit_status = 0;
        return 0;
    }

    /* Signals keep their default effect while the container is created (a
     * hung hook or config read can still be interrupted); from the moment
     * it exists they are forwarded to it. */
    forwarded_signals(&set);
    sigprocmask(SIG_SETMASK, NULL, &old);
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    if (hull_create_with_ctx(rt, o, o->console_socket == NULL, &ctx, err) < 0)
        goto out;
    sigprocmask(SIG_BLOCK, &set, NULL);
    rl.init = ctx.init_pid;
    rl.master = take_fd(ctx.pty_master);
    hull_create_ctx_release(&ctx);

    rl.sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (rl.sigfd < 0) {
        hull_err(err, errno, "signalfd");
        goto kill_out;
    }
    if (rl.master >= 0) {
        rl.in_open = true;
        copy_winsize(rl.in, rl.master);
        raw = isatty(rl.in) && hull_tty_make_raw(rl.in, &saved, NULL) == 0;
    }
    if (hull_container_start(rt, o->id, err) < 0)
        goto kill_out;
    run_loop(&rl);
    *exit_status = exit_code(rl.status);
    ret = 0;
    goto cleanup;

kill_out:
    kill(rl.init, SIGKILL);
    waitpid(rl.init, NULL, 0);
cleanup:
    if (raw)
        hull_tty_restore(rl.in, &saved);
    if (!ro->keep) {
        _cleanup_error_ hull_error *e = NULL;
        if (hull_container_delete(rt, o->id, true, &e) < 0) {
            if (ret == 0)
                hull_warn("%s", e->msg);
        }
    }
out:
    closep(&rl.sigfd);
    closep(&rl.master);
    sigprocmask(SIG_SETMASK, &old, NULL);
    return ret;
}

void hull_run_block_signals(sigset_t *old)
{
    sigset_t set;
    forwarded_signals(&set);
    sigprocmask(SIG_BLOCK, &set, old);
}

int hull_run_foreground(pid_t pid, int master, int in, int out, bool forward_input,
                        int *exit_status, hull_error **err)
{
    struct run_loop rl = {.init = pid, .master = master, .in = in, .out = out};
    struct termios saved;
    bool raw = false;
    sigset_t set;

    forwarded_signals(&set);
    rl.sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (rl.sigfd < 0)
        return hull_err(err, errno, "signalfd");
    if (master >= 0) {
        rl.in_open = forward_input;
        copy_winsize(in, master);
        raw = forward_input && isatty(in) && hull_tty_make_raw(in, &saved, NULL) == 0;
    }
    /* The process may have exited before the signalfd existed. */
    reap(&rl);
    run_loop(&rl);
    if (raw)
        hull_tty_restore(in, &saved);
    close(rl.sigfd);
    *exit_status = exit_code(rl.status);
    return 0;
}
