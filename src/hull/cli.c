/* What hull's commands share: cli.h. */
#include "cli.h"
#include "format.h"
#include "log.h"
#include "ocigen.h"
#include "template.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int hull_command_main(const struct hull_command *c, const struct hull_global *g, int argc,
                      char **argv, void *flags, hull_action_fn action)
{
    struct hull_args args;
    int ret = hull_command_parse(c, argc, argv, flags, &args);

    if (ret == 1)
        ret = action(g, flags, &args);
    else
        ret = ret < 0 ? HULL_EXIT_FAILED : 0;
    if (flags != NULL)
        hull_flags_free(c->flags, flags);
    hull_args_clear(&args);
    return ret;
}

int hull_open_engine(const struct hull_global *g, struct hull_engine **e)
{
    _cleanup_error_ hull_error *err = NULL;

    if (hull_engine_open(&g->roots, e, &err) < 0) {
        hull_report(err);
        return -1;
    }
    return 0;
}

int hull_for_each(struct hull_engine *e, const struct hull_args *args, hull_name_fn fn, void *data)
{
    int ret = 0;

    for (size_t i = 0; i < args->n; i++) {
        _cleanup_error_ hull_error *err = NULL;
        int r = fn(e, args->args[i], data, &err);

        if (r < 0) {
            hull_report(err);
            ret = 1;
        } else if (r == 0) {
            printf("%s\n", args->args[i]);
        }
    }
    return ret;
}

int hull_for_each_name(const struct hull_global *g, const struct hull_args *args, hull_name_fn fn,
                       void *data)
{
    _cleanup_engine_ struct hull_engine *e = NULL;

    if (hull_open_engine(g, &e) < 0)
        return 1;
    return hull_for_each(e, args, fn, data);
}

static void group_help(const struct hull_group *grp)
{
    printf("\nUsage:  hull %s COMMAND\n\n%s\n\nCommands:\n", grp->cmd->name, grp->cmd->summary);
    for (size_t i = 0; i < grp->n; i++)
        printf("  %-*s%s\n", grp->width, grp->subs[i].name, grp->subs[i].cmd->summary);
    if (grp->more_help)
        printf("\nRun 'hull %s COMMAND --help' for more information on a command.\n",
               grp->cmd->name);
}

int hull_group_run(const struct hull_group *grp, const struct hull_global *g, int argc, char **argv,
                   void *flags)
{
    if (argc < 1 || strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
        /* Docker prints the group's help, without a subcommand too. */
        group_help(grp);
        return 0;
    }
    for (size_t i = 0; i < grp->n; i++) {
        const struct hull_subcommand *s = &grp->subs[i];

        if (strcmp(s->name, argv[0]) != 0 && (s->alias == NULL || strcmp(s->alias, argv[0]) != 0))
            continue;
        if (s->action != NULL)
            return hull_command_main(s->cmd, g, argc - 1, argv + 1, flags, s->action);
        return s->cmd->run(g, argc - 1, argv + 1);
    }
    hull_error_log("'%s' is not a hull %s command.", argv[0], grp->cmd->name);
    fprintf(stderr, "See 'hull %s --help'.\n", grp->cmd->name);
    return HULL_EXIT_FAILED;
}

int hull_print_object(const json_t *o, const char *format, hull_error **err)
{
    char *line = NULL;

    if (strcmp(format, "json") == 0)
        line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    else if (hull_template_render(format, o, &line, err) < 0)
        return -1;
    printf("%s\n", line);
    free(line);
    return 0;
}

int hull_show_object(const json_t *o, const char *format, void (*text)(const json_t *o))
{
    _cleanup_error_ hull_error *err = NULL;

    if (format == NULL) {
        text(o);
        return 0;
    }
    if (hull_print_object(o, format, &err) < 0) {
        hull_report(err);
        return 1;
    }
    return 0;
}

int hull_print_array(const json_t *all, const char *format, hull_error **err)
{
    size_t i;
    json_t *o;

    if (format == NULL || strcmp(format, "json") == 0) {
        char *s = json_dumps(all, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
        printf("%s\n", s != NULL ? s : "[]");
        free(s);
        return 0;
    }
    json_array_foreach (all, i, o) {
        if (hull_print_object(o, format, err) < 0)
            return -1;
    }
    return 0;
}

struct inspect_ctx {
    hull_object_fn fn;
    const void *data;
    json_t *found;
};

static int inspect_into(struct hull_engine *e, const char *name, void *data, hull_error **err)
{
    struct inspect_ctx *ctx = data;
    json_t *o;

    if (ctx->fn(e, name, ctx->data, &o, err) < 0)
        return -1;
    json_array_append_new(ctx->found, o);
    return 1;
}

static int print_found(const json_t *found, const char *format, bool line_each, hull_error **err)
{
    size_t i;
    json_t *o;

    if (format == NULL || !line_each)
        return hull_print_array(found, format, err);
    json_array_foreach (found, i, o) {
        if (hull_print_object(o, format, err) < 0)
            return -1;
    }
    return 0;
}

int hull_inspect_names(const struct hull_global *g, const struct hull_args *args, hull_object_fn fn,
                       const void *data, const char *format, bool line_each)
{
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_engine_ struct hull_engine *e = NULL;
    struct inspect_ctx ctx = {.fn = fn, .data = data};
    int ret;

    if (hull_open_engine(g, &e) < 0)
        return 1;
    ctx.found = json_array();
    ret = hull_for_each(e, args, inspect_into, &ctx);
    if (print_found(ctx.found, format, line_each, &err) < 0) {
        hull_report(err);
        ret = 1;
    }
    json_decref(ctx.found);
    return ret;
}

int hull_collect_env(char *const *env_files, char *const *env, char ***out, hull_error **err)
{
    for (size_t i = 0; env_files != NULL && env_files[i] != NULL; i++) {
        _cleanup_free_ char *text = NULL;
        if (read_file_at(AT_FDCWD, env_files[i], 1u << 20, &text, NULL, err) < 0)
            return hull_err_wrap(err, "--env-file");
        if (hull_env_file_parse(text, env_files[i], out, err) < 0)
            return -1;
    }
    for (size_t i = 0; env != NULL && env[i] != NULL; i++)
        strv_append(out, env[i]);
    return 0;
}

int hull_check_tty(bool interactive, bool tty, hull_error **err)
{
    if (interactive && tty && !isatty(STDIN_FILENO))
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "the input device is not a TTY");
    return 0;
}

void hull_die_of_broken_pipe(const hull_error *e)
{
    sigset_t set;

    if (e->kind != HULL_ERR_OUTPUT_GONE)
        return;
    fflush(stdout);
    signal(SIGPIPE, SIG_DFL);
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    raise(SIGPIPE);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    /* Not reached unless SIGPIPE cannot kill us: the shell's status then. */
    _exit(128 + SIGPIPE);
}

int hull_exec_exit_status(const hull_error *e, int otherwise)
{
    switch (e->kind) {
    case HULL_ERR_EXEC_NOT_FOUND:
        return HULL_EXIT_NOT_FOUND;
    case HULL_ERR_EXEC_DENIED:
        return HULL_EXIT_CANNOT_RUN;
    default:
        return otherwise;
    }
}

bool hull_refuse_terminal(const char *output)
{
    if (output != NULL || !isatty(STDOUT_FILENO))
        return false;
    hull_error_log("cowardly refusing to save to a terminal. Use the -o flag or redirect");
    return true;
}

/* OUTPUT's directory ("." for a bare name). */
static char *parent_dir(const char *path)
{
    const char *slash = strrchr(path, '/');

    if (slash == NULL)
        return xstrdup(".");
    if (slash == path)
        return xstrdup("/");
    return xstrndup(path, (size_t)(slash - path));
}

/* Names the unnamed file FD as OUTPUT, replacing what is there: linked
 * straight to OUTPUT when it does not exist, else through a temporary
 * name renamed over it. */
static int link_tmpfile(int fd, const char *output, hull_error **err)
{
    _cleanup_free_ char *proc = xasprintf("/proc/self/fd/%d", fd);
    _cleanup_free_ char *tmp = NULL;

    if (linkat(AT_FDCWD, proc, AT_FDCWD, output, AT_SYMLINK_FOLLOW) == 0)
        return 0;
    if (errno != EEXIST)
        return hull_err(err, errno, "write \"%s\"", output);
    tmp = xasprintf("%s.hull-tmp-%d", output, (int)getpid());
    if (linkat(AT_FDCWD, proc, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) < 0)
        return hull_err(err, errno, "create \"%s\"", tmp);
    if (rename(tmp, output) < 0) {
        int saved = errno;
        unlink(tmp);
        return hull_err(err, saved, "write \"%s\"", output);
    }
    return 0;
}

int hull_write_archive(struct hull_engine *e, const char *output, hull_archive_fn fn,
                       const void *data, hull_error **err)
{
    _cleanup_free_ char *tmp = NULL, *dir = NULL;
    _cleanup_close_ int fd = -1;

    if (output == NULL)
        return fn(e, STDOUT_FILENO, data, err);
    /* Written as an unnamed file and named once complete: a hull killed
     * halfway leaves nothing behind, however large the archive was. */
    dir = parent_dir(output);
    fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
    if (fd >= 0) {
        if (fn(e, fd, data, err) < 0)
            return -1;
        if (fsync(fd) < 0)
            return hull_err(err, errno, "write \"%s\"", output);
        return link_tmpfile(fd, output, err);
    }
    if (errno != EOPNOTSUPP && errno != EISDIR)
        return hull_err(err, errno, "create a file in \"%s\"", dir);
    /* A file system without O_TMPFILE: a named temporary file. */
    tmp = xasprintf("%s.hull-tmp-%d", output, (int)getpid());
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return hull_err(err, errno, "create \"%s\"", tmp);
    if (fn(e, fd, data, err) < 0 || fsync(fd) < 0 || rename(tmp, output) < 0) {
        int saved = errno;
        unlink(tmp);
        if (*err == NULL)
            return hull_err(err, saved, "write \"%s\"", output);
        return -1;
    }
    return 0;
}

void hull_print_block(const char *title, char *const *items, const char *prefix)
{
    if (items == NULL)
        return;
    printf("%s:\n", title);
    for (size_t i = 0; items[i] != NULL; i++)
        printf("%s%s\n", prefix, items[i]);
    printf("\n");
}

void hull_print_reclaimed(uint64_t bytes)
{
    _cleanup_free_ char *size = hull_human_size(bytes);

    printf("Total reclaimed space: %s\n", size);
}
