/* Staying with a foreground container until it exits: signals for it are
 * passed on, its terminal is copied to ours, its exit status collected. */
#include "engine_internal.h"
#include "terminal.h"
#include "util.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

/* How long the pty is still drained once the init is gone: its last
 * output may still be in flight, but an orphan holding the slave open
 * must not keep us forever. */
#define DRAIN_MS 200

/* Signals a terminal user or a supervisor sends to `hull run` are meant
 * for the container.  SIGCHLD tells us the init exited, SIGWINCH that our
 * terminal changed size, SIGPIPE must not kill us while the container
 * runs; those three are handled here, not passed on.  Signals that report
 * a fault of our own are left alone. */
static void fg_signals(sigset_t *set)
{
    static const int own[] = {SIGKILL, SIGSTOP, SIGSEGV, SIGBUS,  SIGILL, SIGFPE,
                              SIGTRAP, SIGSYS,  SIGTSTP, SIGTTIN, SIGTTOU};
    sigfillset(set);
    for (size_t i = 0; i < ARRAY_SIZE(own); i++)
        sigdelset(set, own[i]);
}

void hull_fg_block_signals(sigset_t *old)
{
    sigset_t set;
    fg_signals(&set);
    sigprocmask(SIG_BLOCK, &set, old);
}

struct fg_loop {
    struct hull_fg *fg;
    int sigfd;
    bool exited;
    int status;
    bool master_open, in_open;
};

static void copy_winsize(int from, int to)
{
    struct winsize ws;
    if (ioctl(from, TIOCGWINSZ, &ws) == 0)
        ioctl(to, TIOCSWINSZ, &ws);
}

static void reap(struct fg_loop *l)
{
    int status;
    if (!l->exited && waitpid(l->fg->init, &status, WNOHANG) == l->fg->init) {
        l->exited = true;
        l->status = status;
        l->fg->init = 0;
    }
}

static void on_signals(struct fg_loop *l)
{
    struct signalfd_siginfo si;

    while (read(l->sigfd, &si, sizeof(si)) == sizeof(si)) {
        int sig = (int)si.ssi_signo;
        if (sig == SIGCHLD)
            reap(l);
        else if (sig == SIGWINCH) {
            if (l->fg->pty_master >= 0)
                copy_winsize(STDIN_FILENO, l->fg->pty_master);
        } else if (sig != SIGPIPE && !l->exited) {
            /* The init is our unreaped child: its pid cannot have been
             * reused, so this reaches the container and nothing else. */
            kill(l->fg->init, sig);
        }
    }
}

/* Copies one read's worth from FROM to TO; false at end of input.  A pty
 * master reads EIO once every slave is closed: also the end. */
static bool pump(int from, int to)
{
    char buf[16384];
    ssize_t n = read(from, buf, sizeof(buf));

    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return true;
    if (n <= 0)
        return false;
    /* A closed standard output loses the output, not the container. */
    write_all(to, buf, (size_t)n);
    return true;
}

/* End of our input reaches the container as its terminal's end-of-file
 * character, as typing Ctrl-D would. */
static void send_eof(int master)
{
    struct termios t;
    char eof = tcgetattr(master, &t) == 0 ? (char)t.c_cc[VEOF] : 4;
    write_all(master, &eof, 1);
}

static void loop(struct fg_loop *l)
{
    int master = l->fg->pty_master;

    reap(l);
    while (!l->exited || l->master_open) {
        struct pollfd pfd[3] = {
            {.fd = l->sigfd, .events = POLLIN},
            {.fd = l->master_open ? master : -1, .events = POLLIN},
            {.fd = l->in_open ? STDIN_FILENO : -1, .events = POLLIN},
        };
        int n = poll(pfd, 3, l->exited ? DRAIN_MS : -1);
        if (n < 0 && errno != EINTR)
            break;
        if (n == 0 && l->exited)
            break;
        if (pfd[0].revents & POLLIN)
            on_signals(l);
        if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))
            l->master_open = pump(master, STDOUT_FILENO);
        if (pfd[2].revents & (POLLIN | POLLHUP | POLLERR) && !pump(STDIN_FILENO, master)) {
            send_eof(master);
            l->in_open = false;
        }
    }
    while (!l->exited) {
        struct pollfd pfd = {.fd = l->sigfd, .events = POLLIN};
        if (poll(&pfd, 1, -1) > 0)
            on_signals(l);
        else if (errno != EINTR)
            break;
    }
}

static void kill_and_reap(struct hull_fg *fg)
{
    if (fg->init <= 0)
        return;
    kill(fg->init, SIGKILL);
    while (waitpid(fg->init, NULL, 0) < 0 && errno == EINTR)
        ;
    fg->init = 0;
}

int hull_fg_run(struct hull_fg *fg, int (*start)(void *data, hull_error **err), void *data,
                int *status, hull_error **err)
{
    struct fg_loop l = {.fg = fg, .master_open = fg->pty_master >= 0};
    struct termios saved;
    bool raw = false;
    sigset_t set;

    fg_signals(&set);
    l.sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (l.sigfd < 0) {
        kill_and_reap(fg);
        return hull_err(err, errno, "signalfd");
    }
    if (fg->pty_master >= 0) {
        copy_winsize(STDIN_FILENO, fg->pty_master);
        l.in_open = fg->interactive;
        /* Raw mode: keys such as Ctrl-C travel to the container's
         * terminal, which turns them into signals there. */
        raw = fg->interactive && isatty(STDIN_FILENO) &&
              hull_tty_make_raw(STDIN_FILENO, &saved, NULL) == 0;
    }
    if (start(data, err) < 0) {
        kill_and_reap(fg);
        if (raw)
            hull_tty_restore(STDIN_FILENO, &saved);
        close(l.sigfd);
        return -1;
    }
    loop(&l);
    if (raw)
        hull_tty_restore(STDIN_FILENO, &saved);
    close(l.sigfd);
    *status = l.status;
    return 0;
}
