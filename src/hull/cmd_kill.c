/* hull kill: sends a signal (SIGKILL by default) to containers. */
#include "commands.h"
#include "signals.h"
#include "util.h"

#include <stdio.h>

struct kill_flags {
    const char *signal;
};

static const struct hull_flag kill_flags[] = {
    {"signal", 's', HULL_FLAG_STRING, offsetof(struct kill_flags, signal), "string",
     "Signal to send to the container (default \"KILL\")"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static int kill_all(const struct hull_global *g, int sig, const struct hull_args *args)
{
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_engine_ struct hull_engine *e = NULL;
    int ret = 0;

    if (hull_engine_open(&g->roots, &e, &err) < 0) {
        hull_report(err);
        return 1;
    }
    for (size_t i = 0; i < args->n; i++) {
        if (hull_engine_kill(e, args->args[i], sig, &err) < 0) {
            hull_report(err);
            hull_error_freep(&err);
            ret = 1;
            continue;
        }
        printf("%s\n", args->args[i]);
    }
    return ret;
}

static int cmd_kill(const struct hull_global *g, int argc, char **argv)
{
    struct kill_flags f = {0};
    struct hull_args args;
    _cleanup_error_ hull_error *err = NULL;
    int sig = 0;
    int ret = hull_command_parse(&hull_cmd_kill, true, 1, argc, argv, &f, &args);

    if (ret == 1 && (sig = hull_signal_parse(f.signal != NULL ? f.signal : "KILL", &err)) < 0) {
        hull_usage_error(&hull_cmd_kill, err->msg);
        ret = -1;
    }
    if (ret == 1)
        ret = kill_all(g, sig, &args);
    else
        ret = ret < 0 ? HULL_EXIT_FAILED : 0;
    hull_args_clear(&args);
    return ret;
}

const struct hull_command hull_cmd_kill = {
    .name = "kill",
    .usage = "[OPTIONS] CONTAINER [CONTAINER...]",
    .summary = "Kill one or more running containers",
    .flags = kill_flags,
    .run = cmd_kill,
};
