/* hull rm: removes containers. */
#include "commands.h"
#include "util.h"

#include <stdio.h>

struct rm_flags {
    bool force, volumes;
};

static const struct hull_flag rm_flags[] = {
    {"force", 'f', HULL_FLAG_BOOL, offsetof(struct rm_flags, force), NULL,
     "Force the removal of a running container (uses SIGKILL)"},
    {"volumes", 'v', HULL_FLAG_BOOL, offsetof(struct rm_flags, volumes), NULL,
     "Remove anonymous volumes associated with the container"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static int remove_all(const struct hull_global *g, const struct rm_flags *f,
                      const struct hull_args *args)
{
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_engine_ struct hull_engine *e = NULL;
    int ret = 0;

    if (hull_engine_open(&g->roots, &e, &err) < 0) {
        hull_report(err);
        return 1;
    }
    /* Like Docker: every container is tried, and one failure makes the
     * whole command fail. */
    for (size_t i = 0; i < args->n; i++) {
        if (hull_engine_rm(e, args->args[i], f->force, f->volumes, &err) < 0) {
            hull_report(err);
            hull_error_freep(&err);
            ret = 1;
            continue;
        }
        printf("%s\n", args->args[i]);
    }
    return ret;
}

static int cmd_rm(const struct hull_global *g, int argc, char **argv)
{
    struct rm_flags f = {0};
    struct hull_args args;
    int ret = hull_command_parse(&hull_cmd_rm, true, 1, argc, argv, &f, &args);

    if (ret == 1)
        ret = remove_all(g, &f, &args);
    else
        ret = ret < 0 ? HULL_EXIT_FAILED : 0;
    hull_args_clear(&args);
    return ret;
}

const struct hull_command hull_cmd_rm = {
    .name = "rm",
    .usage = "[OPTIONS] CONTAINER [CONTAINER...]",
    .summary = "Remove one or more containers",
    .flags = rm_flags,
    .run = cmd_rm,
};
