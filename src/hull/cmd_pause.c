/* hull pause / unpause: freezing and thawing every process of
 * containers, each named on the command line. */
#include "cli.h"
#include "util.h"

static const struct hull_flag no_flags[] = {
    {NULL, 0, 0, 0, NULL, NULL},
};

static int pause_one(struct hull_engine *e, const char *name, void *data, hull_error **err)
{
    return hull_engine_pause(e, name, err) < 0 ? -1 : 0;
}

static int unpause_one(struct hull_engine *e, const char *name, void *data, hull_error **err)
{
    return hull_engine_unpause(e, name, err) < 0 ? -1 : 0;
}

static int pause_all(const struct hull_global *g, void *flags, const struct hull_args *args)
{
    return hull_for_each_name(g, args, pause_one, NULL);
}

static int unpause_all(const struct hull_global *g, void *flags, const struct hull_args *args)
{
    return hull_for_each_name(g, args, unpause_one, NULL);
}

static int cmd_pause(const struct hull_global *g, int argc, char **argv)
{
    return hull_command_main(&hull_cmd_pause, g, argc, argv, NULL, pause_all);
}

static int cmd_unpause(const struct hull_global *g, int argc, char **argv)
{
    return hull_command_main(&hull_cmd_unpause, g, argc, argv, NULL, unpause_all);
}

const struct hull_command hull_cmd_pause = {
    .name = "pause",
    .usage = "CONTAINER [CONTAINER...]",
    .summary = "Pause all processes within one or more containers",
    .flags = no_flags,
    .run = cmd_pause,
    .min_args = 1,
    .max_args = HULL_ARGS_ANY,
};

const struct hull_command hull_cmd_unpause = {
    .name = "unpause",
    .usage = "CONTAINER [CONTAINER...]",
    .summary = "Unpause all processes within one or more containers",
    .flags = no_flags,
    .run = cmd_unpause,
    .min_args = 1,
    .max_args = HULL_ARGS_ANY,
};
