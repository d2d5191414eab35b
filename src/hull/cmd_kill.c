/* hull kill: sends a signal (SIGKILL by default) to containers. */
#include "cli.h"
#include "signals.h"
#include "util.h"

struct kill_flags {
    const char *signal;
};

static const struct hull_flag kill_flags[] = {
    {"signal", 's', HULL_FLAG_STRING, offsetof(struct kill_flags, signal), "string",
     "Signal to send to the container (default \"KILL\")"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static int kill_one(struct hull_engine *e, const char *name, void *data, hull_error **err)
{
    return hull_engine_kill(e, name, *(int *)data, err) < 0 ? -1 : 0;
}

static int kill_all(const struct hull_global *g, void *flags, const struct hull_args *args)
{
    const struct kill_flags *f = flags;
    _cleanup_error_ hull_error *err = NULL;
    int sig = hull_signal_parse(f->signal != NULL ? f->signal : "KILL", &err);

    /* Docker's daemon refuses it, not its flag parser: status 1. */
    if (sig < 0) {
        hull_report(err);
        return 1;
    }
    return hull_for_each_name(g, args, kill_one, &sig);
}

static int cmd_kill(const struct hull_global *g, int argc, char **argv)
{
    struct kill_flags f = {0};

    return hull_command_main(&hull_cmd_kill, g, argc, argv, &f, kill_all);
}

const struct hull_command hull_cmd_kill = {
    .name = "kill",
    .usage = "[OPTIONS] CONTAINER [CONTAINER...]",
    .summary = "Kill one or more running containers",
    .flags = kill_flags,
    .run = cmd_kill,
    .min_args = 1,
    .max_args = HULL_ARGS_ANY,
};
