/* hullrt pause / resume: freezing and thawing a container's cgroup. */
#include "commands.h"

static int pause_run(const struct hullrt_ctx *ctx, int *exit_status, hull_error **err)
{
    *exit_status = 0;
    return hull_container_pause(&ctx->rt, ctx->args[0], err);
}

static int resume_run(const struct hullrt_ctx *ctx, int *exit_status, hull_error **err)
{
    *exit_status = 0;
    return hull_container_resume(&ctx->rt, ctx->args[0], err);
}

const struct hullrt_command hullrt_cmd_pause = {
    .name = "pause",
    .summary = "suspend all processes of a container",
    .args_usage = "<container-id>",
    .description = "Freezes every process in the cgroup of <container-id> (the cgroup v1 freezer,\n"
                   "or cgroup.freeze on v2) and returns once all are frozen.  The container's\n"
                   "status then reads \"paused\" until \"hullrt resume\".  Only a running or\n"
                   "created container can be paused.\n"
                   "\n"
                   "Example:\n"
                   "    hullrt pause web1",
    .flags = (const struct hullrt_opt *const[]){NULL},
    .min_args = 1,
    .max_args = 1,
    .stop_after = -1,
    .run = pause_run,
};

const struct hullrt_command hullrt_cmd_resume = {
    .name = "resume",
    .summary = "resume all processes of a paused container",
    .args_usage = "<container-id>",
    .description = "Thaws the cgroup of <container-id>, which \"hullrt pause\" froze: its\n"
                   "processes run again from where they stopped.\n"
                   "\n"
                   "Example:\n"
                   "    hullrt resume web1",
    .flags = (const struct hullrt_opt *const[]){NULL},
    .min_args = 1,
    .max_args = 1,
    .stop_after = -1,
    .run = resume_run,
};
