/* hull wait: blocks until containers stop, then prints their exit codes. */
#include "commands.h"
#include "util.h"

#include <stdio.h>

static const struct hull_flag wait_flags[] = {
    {NULL, 0, 0, 0, NULL, NULL},
};

static int wait_all(const struct hull_global *g, const struct hull_args *args)
{
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_engine_ struct hull_engine *e = NULL;
    int ret = 0, code;

    if (hull_engine_open(&g->roots, &e, &err) < 0) {
        hull_report(err);
        return 1;
    }
    for (size_t i = 0; i < args->n; i++) {
        if (hull_engine_wait(e, args->args[i], &code, &err) < 0) {
            hull_report(err);
            hull_error_freep(&err);
            ret = 1;
            continue;
        }
        printf("%d\n", code);
        fflush(stdout);
    }
    return ret;
}

static int cmd_wait(const struct hull_global *g, int argc, char **argv)
{
    struct hull_args args;
    int ret = hull_command_parse(&hull_cmd_wait, true, 1, argc, argv, NULL, &args);

    if (ret == 1)
        ret = wait_all(g, &args);
    else
        ret = ret < 0 ? HULL_EXIT_FAILED : 0;
    hull_args_clear(&args);
    return ret;
}

const struct hull_command hull_cmd_wait = {
    .name = "wait",
    .usage = "CONTAINER [CONTAINER...]",
    .summary = "Block until one or more containers stop, then print their exit codes",
    .flags = wait_flags,
    .run = cmd_wait,
};
