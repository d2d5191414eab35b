#include "commands.h"
#include "selfexe.h"

#include <stddef.h>
#include <unistd.h>

#define OPT(field) offsetof(struct hullrt_cmd_opts, field)

static const struct hullrt_opt run_flags[] = {
    {"detach", 'd', HULLRT_OPT_BOOL, OPT(detach), NULL, NULL,
     "return once the container has started instead of waiting for it"},
    {"keep", 0, HULLRT_OPT_BOOL, OPT(keep), NULL, NULL,
     "do not delete the container after it exits"},
    {"no-subreaper", 0, HULLRT_OPT_BOOL, OPT(no_subreaper), NULL, NULL,
     "not supported: given, it makes the command fail"},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};

static int run_run(const struct hullrt_ctx *ctx, int *exit_status, hull_error **err)
{
    struct hullrt_create_args ca;
    struct hull_run_opts ro = {
        .detach = ctx->opts->detach,
        .keep = ctx->opts->keep,
        .tty_in = STDIN_FILENO,
        .tty_out = STDOUT_FILENO,
    };
    int r;

    *exit_status = 0;
    /* See create: the init runs this binary inside the container. */
    if (hull_selfexe_ensure_sealed(ctx->argv, err) < 0)
        return -1;
    if (ctx->opts->no_subreaper)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "--no-subreaper is not supported");
    r = hullrt_create_args_init(ctx, &ca, err);
    if (r == 0)
        r = hull_container_run(&ctx->rt, &ca.opts, &ro, exit_status, err);
    hullrt_create_args_clear(&ca);
    return r;
}

const struct hullrt_command hullrt_cmd_run = {
    .name = "run",
    .summary = "create and start a container, wait for it and delete it",
    .args_usage = "<container-id>",
    .description = "Does \"create\" and \"start\" in one step.  In the foreground (the default),\n"
                   "hullrt forwards the signals it receives to the container's init, waits for\n"
                   "it to exit, deletes the container (unless --keep) and exits with the\n"
                   "container's status (128+N when it was killed by signal N).  When\n"
                   "process.terminal is set and no --console-socket is given, the container's\n"
                   "terminal is connected to hullrt's own standard input and output.\n"
                   "\n"
                   "With --detach, hullrt returns as soon as the container runs; --console-socket\n"
                   "is then needed for a terminal.",
    .flags = (const struct hullrt_opt *const[]){hullrt_create_flags, run_flags, NULL},
    .min_args = 1,
    .max_args = 1,
    .stop_after = -1,
    .run = run_run,
};
