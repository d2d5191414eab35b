/* hull export: a container's filesystem as a tar archive. */
#include "cli.h"
#include "engine_image.h"
#include "util.h"

struct export_flags {
    const char *output;
};

static const struct hull_flag export_flags[] = {
    {"output", 'o', HULL_FLAG_STRING, offsetof(struct export_flags, output), "string",
     "Write to a file, instead of STDOUT"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static int write_export(struct hull_engine *e, int fd, const void *ref, hull_error **err)
{
    return hull_engine_export(e, ref, fd, err);
}

static int export(const struct hull_global *g, void *flags, const struct hull_args *args)
{
    const struct export_flags *f = flags;
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_engine_ struct hull_engine *e = NULL;

    if (hull_refuse_terminal(f->output) || hull_open_engine(g, &e) < 0)
        return 1;
    if (hull_write_archive(e, f->output, write_export, args->args[0], &err) < 0) {
        hull_report(err);
        return 1;
    }
    return 0;
}

static int cmd_export(const struct hull_global *g, int argc, char **argv)
{
    struct export_flags f = {0};

    return hull_command_main(&hull_cmd_export, g, argc, argv, &f, export);
}

const struct hull_command hull_cmd_export = {
    .name = "export",
    .usage = "[OPTIONS] CONTAINER",
    .summary = "Export a container's filesystem as a tar archive",
    .flags = export_flags,
    .run = cmd_export,
    .min_args = 1,
    .max_args = 1,
};
