/* hull update: new resource limits for containers, applied at once to
 * running ones and kept for their later starts. */
#include "cli.h"
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

static int update_one(struct hull_engine *e, const char *name, void *data, hull_error **err)
{
    return hull_engine_update(e, name, data, err) < 0 ? -1 : 0;
}

static int update(const struct hull_global *g, void *flags, const struct hull_args *args)
{
    const struct update_flags *f = flags;
    _cleanup_error_ hull_error *err = NULL;
    struct hull_run_resources r;
    int ret;

    if (f->restart != NULL)
        return hull_usage_error(&hull_cmd_update,
                                "--restart: changing the restart policy is not supported");
    if (!any_flag(f))
        return hull_usage_error(&hull_cmd_update,
                                "hull update needs at least one flag: the limits to change");
    if (hull_res_flags_parse(&f->res, true, &r, &err) < 0)
        return hull_usage_error(&hull_cmd_update, err->msg);
    ret = hull_for_each_name(g, args, update_one, &r);
    hull_run_resources_clear(&r);
    return ret;
}

static int cmd_update(const struct hull_global *g, int argc, char **argv)
{
    struct update_flags f = {0};

    return hull_command_main(&hull_cmd_update, g, argc, argv, &f, update);
}

const struct hull_command hull_cmd_update = {
    .name = "update",
    .usage = "[OPTIONS] CONTAINER [CONTAINER...]",
    .summary = "Update configuration of one or more containers",
    .flags = update_flags,
    .run = cmd_update,
    .min_args = 1,
    .max_args = HULL_ARGS_ANY,
};
