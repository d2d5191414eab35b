/* hull top: the processes of a running container.  Without options the
 * rows are ps -ef's, read from /proc; with ps options, the host's ps runs
 * with them and its rows of the container's processes are kept, as
 * Docker does. */
#include "cli.h"
#include "engine_exec.h"
#include "format.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const struct hull_flag top_flags[] = {
    {NULL, 0, 0, 0, NULL, NULL},
};

static int print_default(const pid_t *pids, size_t n)
{
    struct hull_table *t = hull_table_new(8);
    char *head[] = {xstrdup("UID"),   xstrdup("PID"), xstrdup("PPID"), xstrdup("C"),
                    xstrdup("STIME"), xstrdup("TTY"), xstrdup("TIME"), xstrdup("CMD")};

    hull_table_add(t, head);
    for (size_t i = 0; i < n; i++) {
        struct hull_top_row row;
        if (hull_top_row_read(pids[i], &row, NULL) < 0)
            continue;
        char *cells[] = {take_ptr(row.uid),
                         xasprintf("%d", (int)row.pid),
                         xasprintf("%d", (int)row.ppid),
                         xasprintf("%u", row.cpu),
                         take_ptr(row.stime),
                         take_ptr(row.tty),
                         take_ptr(row.time),
                         take_ptr(row.cmd)};
        hull_table_add(t, cells);
        hull_top_row_clear(&row);
    }
    hull_table_print(t, stdout);
    hull_table_free(t);
    return 0;
}

/* Runs "ps ARGS..." and returns its output. */
static int run_ps(char *const *args, size_t nargs, char **out, hull_error **err)
{
    char **argv = xmalloc0((nargs + 2) * sizeof(char *));
    int pipefd[2], status;
    size_t cap = 8192, len = 0;
    char *buf = xmalloc(cap);
    pid_t pid;

    argv[0] = (char *)"ps";
    for (size_t i = 0; i < nargs; i++)
        argv[i + 1] = args[i];
    if (pipe2(pipefd, O_CLOEXEC) < 0) {
        free(argv);
        free(buf);
        return hull_err(err, errno, "pipe");
    }
    pid = fork();
    if (pid == 0) {
        dup2(pipefd[1], STDOUT_FILENO);
        execvp("ps", argv);
        _exit(127);
    }
    free(argv);
    close(pipefd[1]);
    for (ssize_t n; (n = read(pipefd[0], buf + len, cap - len - 1)) != 0;) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        len += (size_t)n;
        if (len + 1 == cap)
            buf = xrealloc(buf, cap *= 2);
    }
    close(pipefd[0]);
    buf[len] = '\0';
    while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (pid < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        free(buf);
        return hull_err(err, pid < 0 ? errno : 0, "ps failed: the options are passed to ps");
    }
    *out = buf;
    return 0;
}

static bool has_pid(const pid_t *pids, size_t n, long pid)
{
    for (size_t i = 0; i < n; i++)
        if (pids[i] == pid)
            return true;
    return false;
}

/* The header and the rows whose PID column names a process of the
 * container. */
static int print_filtered(char *text, const pid_t *pids, size_t n, hull_error **err)
{
    char *save = NULL, *line = strtok_r(text, "\n", &save);
    int col = -1, i = 0;

    if (line == NULL)
        return hull_err(err, 0, "ps printed nothing");
    {
        _cleanup_free_ char *head = xstrdup(line);
        char *s2 = NULL;
        for (char *w = strtok_r(head, " \t", &s2); w != NULL; w = strtok_r(NULL, " \t", &s2), i++)
            if (strcmp(w, "PID") == 0)
                col = i;
    }
    if (col < 0)
        return hull_err(err, 0, "Couldn't find PID field in ps output");
    printf("%s\n", line);
    while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
        _cleanup_free_ char *copy = xstrdup(line);
        char *s2 = NULL, *w = strtok_r(copy, " \t", &s2);
        for (int k = 0; w != NULL && k < col; k++)
            w = strtok_r(NULL, " \t", &s2);
        if (w != NULL && has_pid(pids, n, strtol(w, NULL, 10)))
            printf("%s\n", line);
    }
    return 0;
}

static int top(const struct hull_global *g, void *flags, const struct hull_args *args)
{
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_engine_ struct hull_engine *e = NULL;
    _cleanup_free_ pid_t *pids = NULL;
    _cleanup_free_ char *text = NULL;
    size_t n = 0;

    if (hull_engine_open(&g->roots, &e, &err) < 0 ||
        hull_engine_top_pids(e, args->args[0], &pids, &n, &err) < 0)
        goto fail;
    if (args->n == 1)
        return print_default(pids, n);
    if (run_ps(args->args + 1, args->n - 1, &text, &err) < 0 ||
        print_filtered(text, pids, n, &err) < 0)
        goto fail;
    return 0;
fail:
    hull_report(err);
    return 1;
}

static int cmd_top(const struct hull_global *g, int argc, char **argv)
{
    return hull_command_main(&hull_cmd_top, g, argc, argv, NULL, top);
}

const struct hull_command hull_cmd_top = {
    .name = "top",
    .usage = "CONTAINER [ps OPTIONS]",
    .summary = "Display the running processes of a container",
    .flags = top_flags,
    .run = cmd_top,
    .min_args = 1,
    .max_args = HULL_ARGS_ANY,
    .flags_first = true,
};
