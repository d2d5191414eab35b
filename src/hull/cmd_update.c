/* hull update: new resource limits for containers, applied at once to
 * running ones and kept for their later starts. */
#include "commands.h"
#include "resflags.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

struct update_flags {
    struct hull_res_flags res;
    const char *restart;
};

static const struct hull_flag update_flags[] = {
    HULL_RES_FLAGS(struct update_flags, res),
    {"restart", 0, HULL_FLAG_STRING, offsetof(struct update_flags, restart), "string",
     "Restart policy (not supported by hull update)"},
    {NULL, 0, 0, 0, NULL, NULL},
};

/* Whether any flag was given: an update without one changes nothing,
 * which Docker refuses as a mistake. */
static bool any_flag(const struct update_flags *f)
{
    const struct hull_res_flags *r = &f->res;
    const char *const given[] = {
        r->memory,      r->memory_swap, r->memory_reservation, r->cpus,           r->cpu_shares,
        r->cpu_period,  r->cpu_quota,   r->cpu_rt_period,      r->cpu_rt_runtime, r->cpuset_cpus,
        r->cpuset_mems, r->pids_limit,  r->blkio_weight,       f->restart,
    };

    for (size_t i = 0; i < ARRAY_SIZE(given); i++)
        if (given[i] != NULL)
            return true;
    return false;
}

static int update(const struct hull_global *g, const struct update_flags *f,
                  const struct hull_args *args)
{
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_engine_ struct hull_engine *e = NULL;
    struct hull_run_resources r;
    int ret = 0;

    if (f->restart != NULL)
        return hull_usage_error(&hull_cmd_update,
                                "--restart: changing the restart policy is not supported");
    if (!any_flag(f))
        return hull_usage_error(&hull_cmd_update,
                                "hull update needs at least one flag: the limits to change");
    if (hull_res_flags_parse(&f->res, true, &r, &err) < 0) {
        hull_usage_error(&hull_cmd_update, err->msg);
        return HULL_EXIT_FAILED;
    }
    if (hull_engine_open(&g->roots, &e, &err) < 0) {
        hull_report(err);
        hull_run_resources_clear(&r);
        return 1;
    }
    for (size_t i = 0; i < args->n; i++) {
        if (hull_engine_update(e, args->args[i], &r, &err) < 0) {
            hull_report(err);
            hull_error_freep(&err);
            ret = 1;
            continue;
        }
        printf("%s\n", args->args[i]);
    }
    hull_run_resources_clear(&r);
    return ret;
}

static int cmd_update(const struct hull_global *g, int argc, char **argv)
{
    struct update_flags f = {0};
    struct hull_args args;
    int ret = hull_command_parse(&hull_cmd_update, true, 1, argc, argv, &f, &args);

    if (ret == 1)
        ret = update(g, &f, &args);
    else
        ret = ret < 0 ? HULL_EXIT_FAILED : 0;
    hull_flags_free(update_flags, &f);
    hull_args_clear(&args);
    return ret;
}

const struct hull_command hull_cmd_update = {
    .name = "update",
    .usage = "[OPTIONS] CONTAINER [CONTAINER...]",
    .summary = "Update configuration of one or more containers",
    .flags = update_flags,
    .run = cmd_update,
};
