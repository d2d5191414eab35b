/* hull start: starts created or stopped containers, attached with -a. */
#include "cli.h"
#include "selfexe.h"
#include "util.h"

#include <stdio.h>

struct start_flags {
    bool attach, interactive;
    const char *detach_keys;
};

#define F(f) offsetof(struct start_flags, f)

static const struct hull_flag start_flags[] = {
    {"attach", 'a', HULL_FLAG_BOOL, F(attach), NULL, "Attach STDOUT/STDERR and forward signals"},
    {"detach-keys", 0, HULL_FLAG_STRING, F(detach_keys), "string",
     "Override the key sequence for detaching a container"},
    {"interactive", 'i', HULL_FLAG_BOOL, F(interactive), NULL, "Attach container's STDIN"},
    {NULL, 0, 0, 0, NULL, NULL},
};

/* -a or -i: one container, its exit status is ours. */
static int start_attached(struct hull_engine *e, const struct start_flags *f, const char *ref)
{
    _cleanup_error_ hull_error *err = NULL;
    struct hull_attach_opts a = {
        .in = f->interactive,
        .out = true,
        .err = true,
        .stdin_once = true,
        .sig_proxy = true,
        .detach_keys = f->detach_keys,
    };
    int code;

    if (hull_engine_start(e, ref, &a, &code, &err) < 0) {
        hull_die_of_broken_pipe(err);
        hull_report(err);
        return hull_exec_exit_status(err, 1);
    }
    return code < 0 ? 0 : code;
}

static int start_one(struct hull_engine *e, const char *name, void *data, hull_error **err)
{
    int code;

    return hull_engine_start(e, name, NULL, &code, err) < 0 ? -1 : 0;
}

static int start_all(const struct hull_global *g, void *flags, const struct hull_args *args)
{
    const struct start_flags *f = flags;
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_engine_ struct hull_engine *e = NULL;
    bool attached = f->attach || f->interactive;

    if (attached && args->n > 1)
        return hull_usage_error(&hull_cmd_start,
                                "you cannot start and attach multiple containers at once");
    /* A start creates the container: from a sealed copy (CVE-2019-5736). */
    if (hull_selfexe_ensure_sealed(g->argv, &err) < 0) {
        hull_report(err);
        return 1;
    }
    if (hull_open_engine(g, &e) < 0)
        return 1;
    if (attached)
        return start_attached(e, f, args->args[0]);
    return hull_for_each(e, args, start_one, NULL);
}

static int cmd_start(const struct hull_global *g, int argc, char **argv)
{
    struct start_flags f = {0};

    return hull_command_main(&hull_cmd_start, g, argc, argv, &f, start_all);
}

const struct hull_command hull_cmd_start = {
    .name = "start",
    .usage = "[OPTIONS] CONTAINER [CONTAINER...]",
    .summary = "Start one or more stopped containers",
    .flags = start_flags,
    .run = cmd_start,
    .min_args = 1,
    .max_args = HULL_ARGS_ANY,
};
