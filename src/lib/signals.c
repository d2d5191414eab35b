/* Signal names as `runc kill` and engines pass them. */
#include "signals.h"
#include "util.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The highest signal number Linux has on every architecture we build for. */
#define SIGNAL_MAX 64

static const struct {
    const char *name; /* without "SIG" */
    int number;
} signal_names[] = {
    {"HUP", SIGHUP},       {"INT", SIGINT},     {"QUIT", SIGQUIT}, {"ILL", SIGILL},
    {"TRAP", SIGTRAP},     {"ABRT", SIGABRT},   {"IOT", SIGIOT},   {"BUS", SIGBUS},
    {"FPE", SIGFPE},       {"KILL", SIGKILL},   {"USR1", SIGUSR1}, {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2},     {"PIPE", SIGPIPE},   {"ALRM", SIGALRM}, {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD},   {"CLD", SIGCHLD},  {"CONT", SIGCONT},
    {"STOP", SIGSTOP},     {"TSTP", SIGTSTP},   {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},
    {"URG", SIGURG},       {"XCPU", SIGXCPU},   {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM},
    {"PROF", SIGPROF},     {"WINCH", SIGWINCH}, {"IO", SIGIO},     {"POLL", SIGPOLL},
    {"PWR", SIGPWR},       {"SYS", SIGSYS},
};

/* A decimal number of 1..3 digits with nothing else; -1 otherwise. */
static int small_number(const char *s)
{
    int v = 0;
    size_t len = strlen(s);

    if (len == 0 || len > 3)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* "RTMIN", "RTMIN+N", "RTMAX", "RTMAX-N" (any case, SIG already stripped),
 * with SIGRTMIN and SIGRTMAX as the C library defines them, which is what
 * every libc-based process in a container sees. */
static int realtime_signal(const char *s)
{
    int base, sign, n = 0;

    if (strncasecmp(s, "RTMIN", 5) == 0) {
        base = SIGRTMIN;
        sign = 1;
    } else if (strncasecmp(s, "RTMAX", 5) == 0) {
        base = SIGRTMAX;
        sign = -1;
    } else {
        return -1;
    }
    s += 5;
    if (*s != '\0') {
        if (*s != (sign > 0 ? '+' : '-'))
            return -1;
        n = small_number(s + 1);
        if (n < 0)
            return -1;
    }
    int sig = base + sign * n;
    return sig >= SIGRTMIN && sig <= SIGRTMAX ? sig : -1;
}

int hull_signal_parse(const char *s, hull_error **err)
{
    const char *name = s;
    int n = small_number(s);

    if (n >= 0) {
        if (n < 1 || n > SIGNAL_MAX)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 "invalid signal \"%s\": out of range 1..%d", s, SIGNAL_MAX);
        return n;
    }
    if (strncasecmp(name, "SIG", 3) == 0)
        name += 3;
    for (size_t i = 0; i < ARRAY_SIZE(signal_names); i++)
        if (strcasecmp(signal_names[i].name, name) == 0)
            return signal_names[i].number;
    n = realtime_signal(name);
    if (n > 0)
        return n;
    return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "invalid signal \"%s\"", s);
}

const char *hull_signal_name(int sig, char *buf)
{
    static const char *const standard[] = {
        [SIGHUP] = "SIGHUP",       [SIGINT] = "SIGINT",       [SIGQUIT] = "SIGQUIT",
        [SIGILL] = "SIGILL",       [SIGTRAP] = "SIGTRAP",     [SIGABRT] = "SIGABRT",
        [SIGBUS] = "SIGBUS",       [SIGFPE] = "SIGFPE",       [SIGKILL] = "SIGKILL",
        [SIGUSR1] = "SIGUSR1",     [SIGSEGV] = "SIGSEGV",     [SIGUSR2] = "SIGUSR2",
        [SIGPIPE] = "SIGPIPE",     [SIGALRM] = "SIGALRM",     [SIGTERM] = "SIGTERM",
        [SIGSTKFLT] = "SIGSTKFLT", [SIGCHLD] = "SIGCHLD",     [SIGCONT] = "SIGCONT",
        [SIGSTOP] = "SIGSTOP",     [SIGTSTP] = "SIGTSTP",     [SIGTTIN] = "SIGTTIN",
        [SIGTTOU] = "SIGTTOU",     [SIGURG] = "SIGURG",       [SIGXCPU] = "SIGXCPU",
        [SIGXFSZ] = "SIGXFSZ",     [SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF",
        [SIGWINCH] = "SIGWINCH",   [SIGIO] = "SIGIO",         [SIGPWR] = "SIGPWR",
        [SIGSYS] = "SIGSYS",
    };

    if (sig > 0 && (size_t)sig < ARRAY_SIZE(standard) && standard[sig] != NULL)
        return standard[sig];
    if (sig < SIGRTMIN || sig > SIGRTMAX || sig > SIGNAL_MAX)
        return NULL;
    if (sig == SIGRTMIN)
        return "SIGRTMIN";
    snprintf(buf, 16, "SIGRTMIN+%d", sig - SIGRTMIN);
    return buf;
}
