/* hull-init: PID 1 of a container run with `hull run --init`.
 *
 *   hull-init [--] COMMAND [ARG...]
 *
 * A program that is PID 1 gets no default signal actions (SIGTERM does
 * nothing unless it installs a handler) and inherits every orphan of the
 * container, which few programs reap.  hull-init runs COMMAND as its
 * child, passes every signal it receives on to it, reaps all zombies, and
 * exits as COMMAND did (128+N when a signal N killed it). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static void say(const char *a, const char *b, const char *c)
{
    dprintf(STDERR_FILENO, "hull-init: %s%s%s\n", a, b, c);
}

/* In the child: its own process group, the terminal's foreground one,
 * so that Ctrl-C typed on a container's terminal reaches it directly. */
__attribute__((noreturn)) static void run_command(char **argv, const sigset_t *old)
{
    setpgid(0, 0);
    if (isatty(STDIN_FILENO)) {
        signal(SIGTTOU, SIG_IGN);
        tcsetpgrp(STDIN_FILENO, getpgrp());
        signal(SIGTTOU, SIG_DFL);
    }
    sigprocmask(SIG_SETMASK, old, NULL);
    execvp(argv[0], argv);
    int e = errno;
    say("exec \"", argv[0], "\" failed");
    say(argv[0], ": ", strerror(e));
    _exit(e == ENOENT || e == ENOTDIR ? 127 : 126);
}

static int exit_code_of(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return 255;
}

int main(int argc, char **argv)
{
    sigset_t all, old;
    pid_t child;
    int first = 1;

    if (argc > 1 && strcmp(argv[1], "--") == 0)
        first = 2;
    if (first >= argc) {
        say("usage: hull-init [--] COMMAND [ARG...]", "", "");
        return 2;
    }
    /* Signals wait in the queue until sigwaitinfo takes them, so none is
     * lost between the fork and the loop. */
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, &old);
    /* When not PID 1 (a debugging run), still be the orphans' reaper. */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    child = fork();
    if (child < 0) {
        say("fork: ", strerror(errno), "");
        return 125;
    }
    if (child == 0)
        run_command(argv + first, &old);
    for (;;) {
        siginfo_t si;
        int sig = sigwaitinfo(&all, &si);
        pid_t pid;
        int status;

        if (sig < 0)
            continue;
        if (sig != SIGCHLD) {
            /* Stopping signals of the terminal are the child's business;
             * PID 1 itself cannot be stopped anyway. */
            kill(child, sig);
            continue;
        }
        while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
            if (pid == child)
                return exit_code_of(status);
    }
}
