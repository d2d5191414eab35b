/* hull tag: gives an image another name. */
#include "commands.h"
#include "util.h"

static const struct hull_flag tag_flags[] = {
    {NULL, 0, 0, 0, NULL, NULL},
};

static int cmd_tag(const struct hull_global *g, int argc, char **argv)
{
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_engine_ struct hull_engine *e = NULL;
    struct hull_args args;
    int ret = hull_command_parse(&hull_cmd_tag, true, 2, argc, argv, NULL, &args);

    if (ret == 1 && args.n > 2) {
        hull_usage_error(&hull_cmd_tag, "\"hull tag\" requires exactly 2 arguments.");
        ret = -1;
    }
    if (ret == 1) {
        ret = 0;
        if (hull_engine_open(&g->roots, &e, &err) < 0 ||
            hull_store_tag(e->store, args.args[0], args.args[1], &err) < 0) {
            hull_report(err);
            ret = 1;
        }
    } else {
        ret = ret < 0 ? HULL_EXIT_FAILED : 0;
    }
    hull_args_clear(&args);
    return ret;
}

const struct hull_command hull_cmd_tag = {
    .name = "tag",
    .usage = "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
    .summary = "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE",
    .flags = tag_flags,
    .run = cmd_tag,
};
