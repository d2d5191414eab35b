/* hull rename: gives a container another name. */
#include "cli.h"
#include "util.h"

static const struct hull_flag rename_flags[] = {
    {NULL, 0, 0, 0, NULL, NULL},
};

static int rename_ctr(const struct hull_global *g, void *flags, const struct hull_args *args)
{
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_engine_ struct hull_engine *e = NULL;

    if (hull_open_engine(g, &e) < 0)
        return 1;
    if (hull_engine_rename(e, args->args[0], args->args[1], &err) < 0) {
        hull_report(err);
        return 1;
    }
    return 0;
}

static int cmd_rename(const struct hull_global *g, int argc, char **argv)
{
    return hull_command_main(&hull_cmd_rename, g, argc, argv, NULL, rename_ctr);
}

const struct hull_command hull_cmd_rename = {
    .name = "rename",
    .usage = "CONTAINER NEW_NAME",
    .summary = "Rename a container",
    .flags = rename_flags,
    .run = cmd_rename,
    .min_args = 2,
    .max_args = 2,
};
