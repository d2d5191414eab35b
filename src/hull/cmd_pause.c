/* hull pause / unpause: freezing and thawing every process of
 * containers, each named on the command line. */
#include "commands.h"
#include "util.h"

#include <stdio.h>

static const struct hull_flag no_flags[] = {
    {NULL, 0, 0, 0, NULL, NULL},
};

/* Runs OP on each container named in ARGV; like Docker, prints each name
 * that succeeded and exits 1 if any failed. */
static int for_each(const struct hull_command *c, const struct hull_global *g, int argc,
                    char **argv, int (*op)(struct hull_engine *, const char *, hull_error **))
{
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_engine_ struct hull_engine *e = NULL;
    struct hull_args args;
    int ret = hull_command_parse(c, true, 1, argc, argv, NULL, &args);

    if (ret <= 0)
        return ret < 0 ? HULL_EXIT_FAILED : 0;
    if (hull_engine_open(&g->roots, &e, &err) < 0) {
        hull_report(err);
        hull_args_clear(&args);
        return 1;
    }
    ret = 0;
    for (size_t i = 0; i < args.n; i++) {
        if (op(e, args.args[i], &err) < 0) {
            hull_report(err);
            hull_error_freep(&err);
            ret = 1;
            continue;
        }
        printf("%s\n", args.args[i]);
    }
    hull_args_clear(&args);
    return ret;
}

static int cmd_pause(const struct hull_global *g, int argc, char **argv)
{
    return for_each(&hull_cmd_pause, g, argc, argv, hull_engine_pause);
}

static int cmd_unpause(const struct hull_global *g, int argc, char **argv)
{
    return for_each(&hull_cmd_unpause, g, argc, argv, hull_engine_unpause);
}

const struct hull_command hull_cmd_pause = {
    .name = "pause",
    .usage = "CONTAINER [CONTAINER...]",
    .summary = "Pause all processes within one or more containers",
    .flags = no_flags,
    .run = cmd_pause,
};

const struct hull_command hull_cmd_unpause = {
    .name = "unpause",
    .usage = "CONTAINER [CONTAINER...]",
    .summary = "Unpause all processes within one or more containers",
    .flags = no_flags,
    .run = cmd_unpause,
};
