/* hull stop and hull restart: the stop signal, SIGKILL after a timeout;
 * restart starts the container again. */
#include "commands.h"
#include "selfexe.h"
#include "util.h"

#include <stdio.h>

struct stop_flags {
    const char *time;
};

static const struct hull_flag stop_flags[] = {
    {"time", 't', HULL_FLAG_STRING, offsetof(struct stop_flags, time), "int",
     "Seconds to wait before killing the container"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static int each(const struct hull_command *c, const struct hull_global *g, int argc, char **argv)
{
    struct stop_flags f = {0};
    struct hull_args args;
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_engine_ struct hull_engine *e = NULL;
    int64_t timeout = -1;
    int ret = hull_command_parse(c, true, 1, argc, argv, &f, &args);

    if (ret != 1)
        goto out;
    if (f.time != NULL && parse_int64(f.time, -1, 1 << 30, &timeout) < 0) {
        _cleanup_free_ char *msg =
            xasprintf("invalid argument \"%s\" for \"-t, --time\" flag", f.time);
        hull_usage_error(c, msg);
        ret = -1;
        goto out;
    }
    /* A restart creates the container again: from a sealed copy. */
    if ((c == &hull_cmd_restart && hull_selfexe_ensure_sealed(g->argv, &err) < 0) ||
        hull_engine_open(&g->roots, &e, &err) < 0) {
        hull_report(err);
        ret = 1;
        goto out;
    }
    ret = 0;
    for (size_t i = 0; i < args.n; i++) {
        int r = c == &hull_cmd_stop ? hull_engine_stop(e, args.args[i], (int)timeout, &err)
                                    : hull_engine_restart(e, args.args[i], (int)timeout, &err);
        if (r < 0) {
            hull_report(err);
            hull_error_freep(&err);
            ret = 1;
            continue;
        }
        printf("%s\n", args.args[i]);
    }
out:
    hull_args_clear(&args);
    return ret < 0 ? HULL_EXIT_FAILED : ret;
}

static int cmd_stop(const struct hull_global *g, int argc, char **argv)
{
    return each(&hull_cmd_stop, g, argc, argv);
}

static int cmd_restart(const struct hull_global *g, int argc, char **argv)
{
    return each(&hull_cmd_restart, g, argc, argv);
}

const struct hull_command hull_cmd_stop = {
    .name = "stop",
    .usage = "[OPTIONS] CONTAINER [CONTAINER...]",
    .summary = "Stop one or more running containers",
    .flags = stop_flags,
    .run = cmd_stop,
};

const struct hull_command hull_cmd_restart = {
    .name = "restart",
    .usage = "[OPTIONS] CONTAINER [CONTAINER...]",
    .summary = "Restart one or more containers",
    .flags = stop_flags,
    .run = cmd_restart,
};
