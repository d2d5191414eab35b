#include "commands.h"
#include "signals.h"

#include <signal.h>
#include <stddef.h>

static const struct hullrt_opt kill_flags[] = {
    {"all", 'a', HULLRT_OPT_BOOL, offsetof(struct hullrt_cmd_opts, all), NULL, NULL,
     "send the signal to every process of the container, not only its init"},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};

static int kill_run(const struct hullrt_ctx *ctx, int *exit_status, hull_error **err)
{
    int sig = SIGTERM;

    *exit_status = 0;
    if (ctx->nargs > 1) {
        sig = hull_signal_parse(ctx->args[1], err);
        if (sig < 0)
            return -1;
    }
    return hull_container_kill(&ctx->rt, ctx->args[0], sig, ctx->opts->all, err);
}

const struct hullrt_command hullrt_cmd_kill = {
    .name = "kill",
    .summary = "send a signal (default SIGTERM) to a container's init",
    .args_usage = "<container-id> [signal]",
    .description = "Sends [signal] to the init process of <container-id>, or with --all to every\n"
                   "process in the container's cgroup.  The signal is a name with or without the\n"
                   "SIG prefix and in any case (KILL, SIGKILL, kill), a number (9), or a realtime\n"
                   "signal (RTMIN+3).  Without one, SIGTERM is sent.  Signalling a container that\n"
                   "is not running fails with \"container not running\".\n"
                   "\n"
                   "Example:\n"
                   "    hullrt kill web1 KILL",
    .flags = (const struct hullrt_opt *const[]){kill_flags, NULL},
    .min_args = 1,
    .max_args = 2,
    .stop_after = -1,
    .run = kill_run,
};
