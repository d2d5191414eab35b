#include "commands.h"

#include <stddef.h>

static const struct hullrt_opt delete_flags[] = {
    {"force", 'f', HULLRT_OPT_BOOL, offsetof(struct hullrt_cmd_opts, force), NULL, NULL,
     "kill the container with SIGKILL first if it is still running"},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};

static int delete_run(const struct hullrt_ctx *ctx, int *exit_status, hull_error **err)
{
    *exit_status = 0;
    if (hull_container_delete(&ctx->rt, ctx->args[0], ctx->opts->force, err) == 0)
        return 0;
    /* runc: a forced delete of a container that does not exist succeeds, so
     * engines can clean up without checking first. */
    if (ctx->opts->force && *err != NULL && (*err)->kind == HULL_ERR_NOT_EXIST) {
        hull_error_freep(err);
        return 0;
    }
    return -1;
}

const struct hullrt_command hullrt_cmd_delete = {
    .name = "delete",
    .summary = "delete a stopped container and everything it holds",
    .args_usage = "<container-id>",
    .description = "Removes <container-id>: runs its poststop hooks, removes its cgroup and its\n"
                   "state under --root.  A container that is still running is refused unless\n"
                   "--force is given, which kills it with SIGKILL first; a container that was\n"
                   "created but never started is killed and removed.  With --force an unknown\n"
                   "id is not an error.",
    .flags = (const struct hullrt_opt *const[]){delete_flags, NULL},
    .min_args = 1,
    .max_args = 1,
    .stop_after = -1,
    .run = delete_run,
};
