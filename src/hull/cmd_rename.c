/* hull rename: gives a container another name. */
#include "commands.h"
#include "util.h"

static const struct hull_flag rename_flags[] = {
    {NULL, 0, 0, 0, NULL, NULL},
};

static int cmd_rename(const struct hull_global *g, int argc, char **argv)
{
    struct hull_args args;
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_engine_ struct hull_engine *e = NULL;
    int ret = hull_command_parse(&hull_cmd_rename, true, 2, argc, argv, NULL, &args);

    if (ret == 1 && args.n != 2) {
        hull_usage_error(&hull_cmd_rename, "\"hull rename\" requires exactly 2 arguments.");
        ret = -1;
    }
    if (ret == 1) {
        ret = 0;
        if (hull_engine_open(&g->roots, &e, &err) < 0 ||
            hull_engine_rename(e, args.args[0], args.args[1], &err) < 0) {
            hull_report(err);
            ret = 1;
        }
    } else {
        ret = ret < 0 ? HULL_EXIT_FAILED : 0;
    }
    hull_args_clear(&args);
    return ret;
}

const struct hull_command hull_cmd_rename = {
    .name = "rename",
    .usage = "CONTAINER NEW_NAME",
    .summary = "Rename a container",
    .flags = rename_flags,
    .run = cmd_rename,
};
