/* hull export: a container's filesystem as a tar archive. */
#include "commands.h"
#include "engine_image.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

struct export_flags {
    const char *output;
};

static const struct hull_flag export_flags[] = {
    {"output", 'o', HULL_FLAG_STRING, offsetof(struct export_flags, output), "string",
     "Write to a file, instead of STDOUT"},
    {NULL, 0, 0, 0, NULL, NULL},
};

/* A temporary name next to PATH, renamed at the end: an interrupted
 * export never leaves a truncated archive under PATH. */
static int export_to_file(struct hull_engine *e, const char *ref, const char *path,
                          hull_error **err)
{
    _cleanup_free_ char *tmp = xasprintf("%s.hull-tmp-%d", path, (int)getpid());
    _cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

    if (fd < 0)
        return hull_err(err, errno, "create \"%s\"", tmp);
    if (hull_engine_export(e, ref, fd, err) < 0 || fsync(fd) < 0 || rename(tmp, path) < 0) {
        int saved = errno;
        unlink(tmp);
        if (*err == NULL)
            return hull_err(err, saved, "write \"%s\"", path);
        return -1;
    }
    return 0;
}

static int export(const struct hull_global *g, const struct export_flags *f, const char *ref)
{
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_engine_ struct hull_engine *e = NULL;
    int ret;

    if (f->output == NULL && isatty(STDOUT_FILENO)) {
        hull_error_log("cowardly refusing to save to a terminal. Use the -o flag or redirect");
        return 1;
    }
    if (hull_engine_open(&g->roots, &e, &err) < 0) {
        hull_report(err);
        return 1;
    }
    ret = f->output != NULL ? export_to_file(e, ref, f->output, &err)
                            : hull_engine_export(e, ref, STDOUT_FILENO, &err);
    if (ret < 0) {
        hull_report(err);
        return 1;
    }
    return 0;
}

static int cmd_export(const struct hull_global *g, int argc, char **argv)
{
    struct export_flags f = {0};
    struct hull_args args;
    int ret = hull_command_parse(&hull_cmd_export, true, 1, argc, argv, &f, &args);

    if (ret == 1 && args.n > 1) {
        hull_usage_error(&hull_cmd_export, "\"hull export\" requires exactly 1 argument.");
        ret = -1;
    }
    if (ret == 1)
        ret = export(g, &f, args.args[0]);
    else
        ret = ret < 0 ? HULL_EXIT_FAILED : 0;
    hull_args_clear(&args);
    return ret;
}

const struct hull_command hull_cmd_export = {
    .name = "export",
    .usage = "[OPTIONS] CONTAINER",
    .summary = "Export a container's filesystem as a tar archive",
    .flags = export_flags,
    .run = cmd_export,
};
