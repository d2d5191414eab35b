/* hull save: images as a tar archive. */
#include "commands.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct save_flags {
    const char *output;
    const char *format;
};

static const struct hull_flag save_flags[] = {
    {"format", 0, HULL_FLAG_STRING, offsetof(struct save_flags, format), "string",
     "Archive format: docker-archive (default) or oci-archive"},
    {"output", 'o', HULL_FLAG_STRING, offsetof(struct save_flags, output), "string",
     "Write to a file, instead of STDOUT"},
    {NULL, 0, 0, 0, NULL, NULL},
};

/* Writes to a temporary name next to PATH and renames it at the end, so
 * an interrupted save never leaves a truncated archive under PATH. */
static int save_to_file(struct hull_store *s, char *const *refs, enum hull_save_format fmt,
                        const char *path, hull_error **err)
{
    _cleanup_free_ char *tmp = xasprintf("%s.hull-tmp-%d", path, (int)getpid());
    _cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

    if (fd < 0)
        return hull_err(err, errno, "create \"%s\"", tmp);
    if (hull_store_save(s, refs, fmt, fd, err) < 0 || fsync(fd) < 0 || rename(tmp, path) < 0) {
        int saved = errno;
        unlink(tmp);
        if (*err == NULL)
            return hull_err(err, saved, "write \"%s\"", path);
        return -1;
    }
    return 0;
}

static int save(const struct hull_global *g, const struct save_flags *f,
                const struct hull_args *args)
{
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_engine_ struct hull_engine *e = NULL;
    enum hull_save_format fmt = HULL_SAVE_DOCKER_ARCHIVE;
    int ret;

    if (f->format != NULL && hull_save_format_parse(f->format, &fmt, &err) < 0) {
        hull_report(err);
        return 1;
    }
    if (f->output == NULL && isatty(STDOUT_FILENO)) {
        hull_error_log("cowardly refusing to save to a terminal. Use the -o flag or redirect");
        return 1;
    }
    if (hull_engine_open(&g->roots, &e, &err) < 0) {
        hull_report(err);
        return 1;
    }
    ret = f->output != NULL ? save_to_file(e->store, args->args, fmt, f->output, &err)
                            : hull_store_save(e->store, args->args, fmt, STDOUT_FILENO, &err);
    if (ret < 0) {
        hull_report(err);
        return 1;
    }
    return 0;
}

static int cmd_save(const struct hull_global *g, int argc, char **argv)
{
    struct save_flags f = {0};
    struct hull_args args;
    int ret = hull_command_parse(&hull_cmd_save, true, 1, argc, argv, &f, &args);

    if (ret == 1)
        ret = save(g, &f, &args);
    else
        ret = ret < 0 ? HULL_EXIT_FAILED : 0;
    hull_args_clear(&args);
    return ret;
}

const struct hull_command hull_cmd_save = {
    .name = "save",
    .usage = "[OPTIONS] IMAGE [IMAGE...]",
    .summary = "Save one or more images to a tar archive (streamed to STDOUT by default)",
    .flags = save_flags,
    .run = cmd_save,
};
