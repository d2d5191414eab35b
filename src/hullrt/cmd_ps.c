/* hullrt ps: the processes of a container, as runc shows them: the
 * lines of the host's ps(1) whose PID is in the container's cgroup, or the
 * pids as a JSON array. */
#include "commands.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static const struct hullrt_opt ps_flags[] = {
    {"format", 'f', HULLRT_OPT_STRING, offsetof(struct hullrt_cmd_opts, format), "FORMAT", "table",
     "table (the output of ps, filtered) or json (the pids)"},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};

static char ps_name[] = "ps";

/* Runs "ps ARGS..." and collects its standard output and error. */
static int run_ps(char *const *args, int nargs, char **out, hull_error **err)
{
    _cleanup_free_ char **argv = xmalloc0(((size_t)nargs + 2) * sizeof(char *));
    _cleanup_close_ int rd = -1;
    posix_spawn_file_actions_t fa;
    char buf[8192];
    size_t len = 0;
    int pipefd[2], status, r;
    pid_t pid;
    ssize_t n;

    argv[0] = ps_name;
    for (int i = 0; i < nargs; i++)
        argv[i + 1] = args[i];
    if (pipe2(pipefd, O_CLOEXEC) < 0)
        return hull_err(err, errno, "pipe");
    rd = pipefd[0];
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDERR_FILENO);
    r = posix_spawnp(&pid, "ps", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(pipefd[1]);
    if (r != 0)
        return hull_err(err, r, "run ps");
    *out = xstrdup("");
    while ((n = read(rd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR)) {
        if (n < 0)
            continue;
        *out = xrealloc(*out, len + (size_t)n + 1);
        memcpy(*out + len, buf, (size_t)n);
        len += (size_t)n;
        (*out)[len] = '\0';
    }
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return hull_err(err, 0, "ps exited with status %d: %s",
                        WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), *out);
    return 0;
}

/* The column of the header line called PID. */
static int pid_column(const char *header, hull_error **err)
{
    _cleanup_free_ char *copy = xstrdup(header);
    char *save = NULL;
    int i = 0;

    for (char *w = strtok_r(copy, " \t", &save); w != NULL; w = strtok_r(NULL, " \t", &save), i++)
        if (strcmp(w, "PID") == 0)
            return i;
    return hull_err(err, 0, "couldn't find PID field in ps output");
}

static bool line_pid_in(const char *line, int col, const pid_t *pids, size_t n)
{
    _cleanup_free_ char *copy = xstrdup(line);
    char *save = NULL, *w = strtok_r(copy, " \t", &save);
    int64_t v;

    for (int i = 0; w != NULL && i < col; i++)
        w = strtok_r(NULL, " \t", &save);
    if (w == NULL || parse_int64(w, 1, INT32_MAX, &v) < 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (pids[i] == (pid_t)v)
            return true;
    return false;
}

static int print_table(const struct hullrt_ctx *ctx, const pid_t *pids, size_t n, hull_error **err)
{
    static char dash_ef[] = "-ef";
    char *const default_args[] = {dash_ef};
    _cleanup_free_ char *out = NULL;
    char *save = NULL, *line;
    int col;

    if (run_ps(ctx->nargs > 1 ? ctx->args + 1 : default_args, ctx->nargs > 1 ? ctx->nargs - 1 : 1,
               &out, err) < 0)
        return -1;
    line = strtok_r(out, "\n", &save);
    if (line == NULL || (col = pid_column(line, err)) < 0)
        return line == NULL ? hull_err(err, 0, "ps printed nothing") : -1;
    printf("%s\n", line);
    while ((line = strtok_r(NULL, "\n", &save)) != NULL)
        if (line_pid_in(line, col, pids, n))
            printf("%s\n", line);
    return 0;
}

static int ps_run(const struct hullrt_ctx *ctx, int *exit_status, hull_error **err)
{
    const char *format = ctx->opts->format != NULL ? ctx->opts->format : "table";
    _cleanup_free_ pid_t *pids = NULL;
    size_t n;

    *exit_status = 0;
    if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "invalid format option \"%s\" (expected table or json)", format);
    if (hull_container_pids(&ctx->rt, ctx->args[0], &pids, &n, err) < 0)
        return -1;
    if (strcmp(format, "table") == 0)
        return print_table(ctx, pids, n, err);
    putchar('[');
    for (size_t i = 0; i < n; i++)
        printf("%s%d", i > 0 ? "," : "", (int)pids[i]);
    printf("]\n");
    return 0;
}

const struct hullrt_command hullrt_cmd_ps = {
    .name = "ps",
    .summary = "show the processes running in a container",
    .args_usage = "<container-id> [ps options]",
    .description =
        "Lists the processes of <container-id>'s cgroup.  With --format table (the\n"
        "default) it runs the host's ps with [ps options] (default -ef) and prints its\n"
        "header and the lines of those processes; with --format json it prints their pids\n"
        "as a JSON array.  Pids are those of the host's pid namespace.\n"
        "\n"
        "Examples:\n"
        "    hullrt ps web1\n"
        "    hullrt ps web1 -o pid,rss,comm\n"
        "    hullrt ps --format json web1",
    .flags = (const struct hullrt_opt *const[]){ps_flags, NULL},
    .min_args = 1,
    .max_args = -1,
    .stop_after = 1,
    .run = ps_run,
};
