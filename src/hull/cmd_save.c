/* hull save: images as a tar archive. */
#include "cli.h"
#include "util.h"

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

struct save_request {
    char *const *refs;
    enum hull_save_format fmt;
};

static int write_save(struct hull_engine *e, int fd, const void *data, hull_error **err)
{
    const struct save_request *r = data;

    return hull_store_save(e->store, r->refs, r->fmt, fd, err);
}

static int save(const struct hull_global *g, void *flags, const struct hull_args *args)
{
    const struct save_flags *f = flags;
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_engine_ struct hull_engine *e = NULL;
    struct save_request r = {.refs = args->args, .fmt = HULL_SAVE_DOCKER_ARCHIVE};

    if (f->format != NULL && hull_save_format_parse(f->format, &r.fmt, &err) < 0) {
        hull_report(err);
        return 1;
    }
    if (hull_refuse_terminal(f->output) || hull_open_engine(g, &e) < 0)
        return 1;
    if (hull_write_archive(e, f->output, write_save, &r, &err) < 0) {
        hull_report(err);
        return 1;
    }
    return 0;
}

static int cmd_save(const struct hull_global *g, int argc, char **argv)
{
    struct save_flags f = {0};

    return hull_command_main(&hull_cmd_save, g, argc, argv, &f, save);
}

const struct hull_command hull_cmd_save = {
    .name = "save",
    .usage = "[OPTIONS] IMAGE [IMAGE...]",
    .summary = "Save one or more images to a tar archive (streamed to STDOUT by default)",
    .flags = save_flags,
    .run = cmd_save,
    .min_args = 1,
    .max_args = HULL_ARGS_ANY,
};
