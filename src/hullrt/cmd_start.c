#include "commands.h"

static int start_run(const struct hullrt_ctx *ctx, int *exit_status, hull_error **err)
{
    *exit_status = 0;
    return hull_container_start(&ctx->rt, ctx->args[0], err);
}

const struct hullrt_command hullrt_cmd_start = {
    .name = "start",
    .summary = "run the user process of a created container",
    .args_usage = "<container-id>",
    .description = "Lets the init of a container in state \"created\" execute process.args,\n"
                   "after the startContainer hooks, then runs the poststart hooks.  A container\n"
                   "that is already running or has stopped cannot be started again.",
    .flags = (const struct hullrt_opt *const[]){NULL},
    .min_args = 1,
    .max_args = 1,
    .stop_after = -1,
    .run = start_run,
};
