#include "commands.h"
#include "state.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

static int state_run(const struct hullrt_ctx *ctx, int *exit_status, hull_error **err)
{
    struct hull_state st = {0};
    _cleanup_free_ char *json = NULL;

    *exit_status = 0;
    if (hull_container_state(&ctx->rt, ctx->args[0], &st, err) < 0)
        return -1;
    json = hull_state_to_runc_json(&st);
    hull_state_clear(&st);
    if (json == NULL)
        return hull_err(err, 0, "container \"%s\": cannot encode its state as JSON", ctx->args[0]);
    fputs(json, stdout);
    if (json[0] == '\0' || json[strlen(json) - 1] != '\n')
        fputc('\n', stdout);
    return 0;
}

const struct hullrt_command hullrt_cmd_state = {
    .name = "state",
    .summary = "print the state of a container as JSON",
    .args_usage = "<container-id>",
    .description = "Prints the state of <container-id> as runc does: ociVersion, id, pid (0 once\n"
                   "stopped), status (created, running, paused or stopped), bundle, rootfs,\n"
                   "created (RFC 3339), owner and the config's annotations.  An unknown id fails\n"
                   "with \"container \\\"ID\\\" does not exist\".",
    .flags = (const struct hullrt_opt *const[]){NULL},
    .min_args = 1,
    .max_args = 1,
    .stop_after = -1,
    .run = state_run,
};
