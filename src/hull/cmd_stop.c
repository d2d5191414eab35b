/* hull stop and hull restart: the stop signal, SIGKILL after a timeout;
 * restart starts the container again. */
#include "cli.h"
#include "selfexe.h"
#include "util.h"

struct stop_flags {
    const char *time;
};

static const struct hull_flag stop_flags[] = {
    {"time", 't', HULL_FLAG_STRING, offsetof(struct stop_flags, time), "int",
     "Seconds to wait before killing the container"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static int stop_one(struct hull_engine *e, const char *name, void *data, hull_error **err)
{
    return hull_engine_stop(e, name, *(int *)data, err) < 0 ? -1 : 0;
}

static int restart_one(struct hull_engine *e, const char *name, void *data, hull_error **err)
{
    return hull_engine_restart(e, name, *(int *)data, err) < 0 ? -1 : 0;
}

static int each(const struct hull_command *c, const struct hull_global *g,
                const struct stop_flags *f, const struct hull_args *args)
{
    _cleanup_error_ hull_error *err = NULL;
    int64_t timeout = -1;
    int t;

    if (f->time != NULL && parse_int64(f->time, -1, 1 << 30, &timeout) < 0) {
        _cleanup_free_ char *msg =
            xasprintf("invalid argument \"%s\" for \"-t, --time\" flag", f->time);
        return hull_usage_error(c, msg);
    }
    /* A restart creates the container again: from a sealed copy. */
    if (c == &hull_cmd_restart && hull_selfexe_ensure_sealed(g->argv, &err) < 0) {
        hull_report(err);
        return 1;
    }
    t = (int)timeout;
    return hull_for_each_name(g, args, c == &hull_cmd_stop ? stop_one : restart_one, &t);
}

static int stop_all(const struct hull_global *g, void *flags, const struct hull_args *args)
{
    return each(&hull_cmd_stop, g, flags, args);
}

static int restart_all(const struct hull_global *g, void *flags, const struct hull_args *args)
{
    return each(&hull_cmd_restart, g, flags, args);
}

static int cmd_stop(const struct hull_global *g, int argc, char **argv)
{
    struct stop_flags f = {0};

    return hull_command_main(&hull_cmd_stop, g, argc, argv, &f, stop_all);
}

static int cmd_restart(const struct hull_global *g, int argc, char **argv)
{
    struct stop_flags f = {0};

    return hull_command_main(&hull_cmd_restart, g, argc, argv, &f, restart_all);
}

const struct hull_command hull_cmd_stop = {
    .name = "stop",
    .usage = "[OPTIONS] CONTAINER [CONTAINER...]",
    .summary = "Stop one or more running containers",
    .flags = stop_flags,
    .run = cmd_stop,
    .min_args = 1,
    .max_args = HULL_ARGS_ANY,
};

const struct hull_command hull_cmd_restart = {
    .name = "restart",
    .usage = "[OPTIONS] CONTAINER [CONTAINER...]",
    .summary = "Restart one or more containers",
    .flags = stop_flags,
    .run = cmd_restart,
    .min_args = 1,
    .max_args = HULL_ARGS_ANY,
};
