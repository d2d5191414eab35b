/* hull tag: gives an image another name. */
#include "cli.h"
#include "util.h"

static const struct hull_flag tag_flags[] = {
    {NULL, 0, 0, 0, NULL, NULL},
};

static int tag(const struct hull_global *g, void *flags, const struct hull_args *args)
{
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_engine_ struct hull_engine *e = NULL;

    if (hull_open_engine(g, &e) < 0)
        return 1;
    if (hull_store_tag(e->store, args->args[0], args->args[1], &err) < 0) {
        hull_report(err);
        return 1;
    }
    return 0;
}

static int cmd_tag(const struct hull_global *g, int argc, char **argv)
{
    return hull_command_main(&hull_cmd_tag, g, argc, argv, NULL, tag);
}

const struct hull_command hull_cmd_tag = {
    .name = "tag",
    .usage = "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
    .summary = "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE",
    .flags = tag_flags,
    .run = cmd_tag,
    .min_args = 2,
    .max_args = 2,
};
