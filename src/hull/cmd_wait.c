/* hull wait: blocks until containers stop, then prints their exit codes. */
#include "cli.h"
#include "util.h"

#include <stdio.h>

static const struct hull_flag wait_flags[] = {
    {NULL, 0, 0, 0, NULL, NULL},
};

static int wait_one(struct hull_engine *e, const char *name, void *data, hull_error **err)
{
    int code;

    if (hull_engine_wait(e, name, &code, err) < 0)
        return -1;
    printf("%d\n", code);
    fflush(stdout);
    return 1;
}

static int wait_all(const struct hull_global *g, void *flags, const struct hull_args *args)
{
    return hull_for_each_name(g, args, wait_one, NULL);
}

static int cmd_wait(const struct hull_global *g, int argc, char **argv)
{
    return hull_command_main(&hull_cmd_wait, g, argc, argv, NULL, wait_all);
}

const struct hull_command hull_cmd_wait = {
    .name = "wait",
    .usage = "CONTAINER [CONTAINER...]",
    .summary = "Block until one or more containers stop, then print their exit codes",
    .flags = wait_flags,
    .run = cmd_wait,
    .min_args = 1,
    .max_args = HULL_ARGS_ANY,
};
