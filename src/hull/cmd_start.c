/* hull start: starts created or stopped containers, attached with -a. */
#include "commands.h"
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

static int exit_status_of(const hull_error *e)
{
    switch (e->kind) {
    case HULL_ERR_EXEC_NOT_FOUND:
        return HULL_EXIT_NOT_FOUND;
    case HULL_ERR_EXEC_DENIED:
        return HULL_EXIT_CANNOT_RUN;
    default:
        return 1;
    }
}

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
        hull_report(err);
        return exit_status_of(err);
    }
    return code < 0 ? 0 : code;
}

static int start_all(const struct hull_global *g, const struct start_flags *f,
                     const struct hull_args *args)
{
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_engine_ struct hull_engine *e = NULL;
    int ret = 0, code;

    /* A start creates the container: from a sealed copy (CVE-2019-5736). */
    if (hull_selfexe_ensure_sealed(g->argv, &err) < 0 ||
        hull_engine_open(&g->roots, &e, &err) < 0) {
        hull_report(err);
        return 1;
    }
    if (f->attach || f->interactive)
        return start_attached(e, f, args->args[0]);
    for (size_t i = 0; i < args->n; i++) {
        if (hull_engine_start(e, args->args[i], NULL, &code, &err) < 0) {
            hull_report(err);
            hull_error_freep(&err);
            ret = 1;
            continue;
        }
        printf("%s\n", args->args[i]);
    }
    return ret;
}

static int cmd_start(const struct hull_global *g, int argc, char **argv)
{
    struct start_flags f = {0};
    struct hull_args args;
    int ret = hull_command_parse(&hull_cmd_start, true, 1, argc, argv, &f, &args);

    if (ret == 1 && (f.attach || f.interactive) && args.n > 1) {
        hull_usage_error(&hull_cmd_start,
                         "you cannot start and attach multiple containers at once");
        ret = -1;
    }
    if (ret == 1)
        ret = start_all(g, &f, &args);
    else
        ret = ret < 0 ? HULL_EXIT_FAILED : 0;
    hull_args_clear(&args);
    return ret;
}

const struct hull_command hull_cmd_start = {
    .name = "start",
    .usage = "[OPTIONS] CONTAINER [CONTAINER...]",
    .summary = "Start one or more stopped containers",
    .flags = start_flags,
    .run = cmd_start,
};
