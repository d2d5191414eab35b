/* hull run and hull create: a container from an image, started in the
 * foreground (attached), in the background (-d), or not at all (create).
 * Both commands take the same flags. */
#include "cli.h"
#include "mountflags.h"
#include "netflags.h"
#include "resflags.h"
#include "selfexe.h"
#include "util.h"

#include <stdio.h>

extern char **environ;

struct run_flags {
    bool detach, interactive, tty, rm, init;
    const char *name, *workdir, *user, *hostname, *entrypoint;
    const char *restart, *stop_signal, *stop_timeout, *detach_keys;
    char **env, **env_file, **labels, **log_opts, **group_add;
    struct hull_res_flags res;
    struct hull_net_flags net;
    struct hull_mount_flags mnt;
};

#define F(f) offsetof(struct run_flags, f)

static const struct hull_flag run_flags[] = {
    {"detach", 'd', HULL_FLAG_BOOL, F(detach), NULL,
     "Run container in background and print container ID"},
    {"detach-keys", 0, HULL_FLAG_STRING, F(detach_keys), "string",
     "Override the key sequence for detaching a container"},
    {"entrypoint", 0, HULL_FLAG_STRING, F(entrypoint), "string",
     "Overwrite the default ENTRYPOINT of the image"},
    {"env", 'e', HULL_FLAG_LIST, F(env), "list", "Set environment variables"},
    {"env-file", 0, HULL_FLAG_LIST, F(env_file), "list", "Read in a file of environment variables"},
    {"group-add", 0, HULL_FLAG_LIST, F(group_add), "list", "Add additional groups to join"},
    {"hostname", 'h', HULL_FLAG_STRING, F(hostname), "string", "Container host name"},
    {"init", 0, HULL_FLAG_BOOL, F(init), NULL,
     "Run an init inside the container that forwards signals and reaps processes"},
    {"interactive", 'i', HULL_FLAG_BOOL, F(interactive), NULL,
     "Keep STDIN open: the container reads hull's standard input"},
    {"label", 'l', HULL_FLAG_LIST, F(labels), "list", "Set meta data on a container"},
    {"log-opt", 0, HULL_FLAG_LIST, F(log_opts), "list",
     "Log driver options (json-file: max-size, max-file)"},
    {"name", 0, HULL_FLAG_STRING, F(name), "string", "Assign a name to the container"},
    {"restart", 0, HULL_FLAG_STRING, F(restart), "string",
     "Restart policy to apply when a container exits (default \"no\")"},
    {"rm", 0, HULL_FLAG_BOOL, F(rm), NULL, "Automatically remove the container when it exits"},
    {"stop-signal", 0, HULL_FLAG_STRING, F(stop_signal), "string",
     "Signal to stop the container (default \"SIGTERM\")"},
    {"stop-timeout", 0, HULL_FLAG_STRING, F(stop_timeout), "int",
     "Timeout (in seconds) to stop a container"},
    {"tty", 't', HULL_FLAG_BOOL, F(tty), NULL, "Allocate a pseudo-TTY"},
    {"user", 'u', HULL_FLAG_STRING, F(user), "string",
     "Username or UID (format: <name|uid>[:<group|gid>])"},
    {"workdir", 'w', HULL_FLAG_STRING, F(workdir), "string",
     "Working directory inside the container"},
    HULL_RES_FLAGS(struct run_flags, res),
    HULL_DEVICE_FLAG(struct run_flags, res),
    HULL_NET_FLAGS(struct run_flags, net),
    HULL_MOUNT_FLAGS(struct run_flags, mnt),
    {NULL, 0, 0, 0, NULL, NULL},
};

/* --stop-timeout: seconds, -1 for "wait for ever" as Docker has it. */
static int parse_stop_timeout(const char *s, int *out, hull_error **err)
{
    int64_t v;

    *out = -1;
    if (s == NULL)
        return 0;
    if (parse_int64(s, -1, 1 << 30, &v) < 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "invalid argument \"%s\" for \"--stop-timeout\" flag", s);
    *out = v < 0 ? 1 << 30 : (int)v;
    return 0;
}

/* Fills R from the flags; ENV receives what R->env points to. */
static int build_request(const struct run_flags *f, const struct hull_args *args,
                         struct hull_run_request *r, char ***env, hull_error **err)
{
    *r = (struct hull_run_request){
        .image = args->args[0],
        .name = f->name,
        .cmd = args->args + 1,
        .host_env = environ,
        .workdir = f->workdir,
        .user = f->user,
        .group_add = f->group_add,
        .hostname = f->hostname,
        .entrypoint = f->entrypoint,
        .tty = f->tty,
        .interactive = f->interactive,
        .auto_remove = f->rm,
        .init = f->init,
        .restart = f->restart,
        .stop_signal = f->stop_signal,
        .labels = f->labels,
        .log_opts = f->log_opts,
        .detach_keys = f->detach_keys,
    };
    if (hull_collect_env(f->env_file, f->env, env, err) < 0 ||
        parse_stop_timeout(f->stop_timeout, &r->stop_timeout, err) < 0 ||
        hull_res_flags_parse(&f->res, false, &r->resources, err) < 0)
        return -1;
    r->env = *env;
    hull_net_flags_apply(&f->net, r);
    hull_mount_flags_apply(&f->mnt, r);
    return 0;
}

/* -d: created, started, and its id printed once its process runs. */
static int run_detached(struct hull_engine *e, const struct hull_run_request *r, hull_error **err)
{
    _cleanup_free_ char *id = NULL;
    int code;

    if (hull_engine_create(e, r, &id, err) < 0 || hull_engine_start(e, id, NULL, &code, err) < 0)
        return -1;
    printf("%s\n", id);
    return 0;
}

static int run_container(const struct hull_global *g, const struct run_flags *f,
                         const struct hull_args *args, bool create_only)
{
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_strv_ char **env = NULL;
    _cleanup_engine_ struct hull_engine *e = NULL;
    _cleanup_free_ char *id = NULL;
    int code = HULL_EXIT_FAILED;
    /* Zeroed: the failure path clears its resources even when the
     * request was never built. */
    struct hull_run_request r = {0};

    if (!create_only && !f->detach && hull_check_tty(f->interactive, f->tty, &err) < 0) {
        hull_report(err);
        return 1;
    }

    /* Before anything enters a container: /proc/PID/exe of this process
     * must lead to a sealed copy, never to the binary on disk
     * (CVE-2019-5736).  Re-executes; returns here in the sealed copy. */
    if ((!create_only && hull_selfexe_ensure_sealed(g->argv, &err) < 0) ||
        build_request(f, args, &r, &env, &err) < 0 || hull_engine_open(&g->roots, &e, &err) < 0)
        goto fail;
    if (create_only) {
        if (hull_engine_create(e, &r, &id, &err) < 0)
            goto fail;
        printf("%s\n", id);
        code = 0;
    } else if (f->detach) {
        if (run_detached(e, &r, &err) < 0)
            goto fail;
        code = 0;
    } else {
        if (hull_engine_run(e, &r, &code, &err) < 0)
            goto fail;
        /* Detached with the detach keys: the container runs on. */
        if (code < 0)
            code = 0;
    }
    hull_run_resources_clear(&r.resources);
    return code;
fail:
    hull_run_resources_clear(&r.resources);
    hull_die_of_broken_pipe(err);
    hull_report(err);
    return hull_exec_exit_status(err, HULL_EXIT_FAILED);
}

static int run_action(const struct hull_global *g, void *flags, const struct hull_args *args)
{
    return run_container(g, flags, args, false);
}

static int create_action(const struct hull_global *g, void *flags, const struct hull_args *args)
{
    return run_container(g, flags, args, true);
}

static int cmd_run(const struct hull_global *g, int argc, char **argv)
{
    struct run_flags f = {0};

    return hull_command_main(&hull_cmd_run, g, argc, argv, &f, run_action);
}

static int cmd_create(const struct hull_global *g, int argc, char **argv)
{
    struct run_flags f = {0};

    return hull_command_main(&hull_cmd_create, g, argc, argv, &f, create_action);
}

const struct hull_command hull_cmd_run = {
    .name = "run",
    .usage = "[OPTIONS] IMAGE [COMMAND] [ARG...]",
    .summary = "Create and run a new container from an image",
    .flags = run_flags,
    .run = cmd_run,
    .min_args = 1,
    .max_args = HULL_ARGS_ANY,
    .flags_first = true,
};

const struct hull_command hull_cmd_create = {
    .name = "create",
    .usage = "[OPTIONS] IMAGE [COMMAND] [ARG...]",
    .summary = "Create a new container",
    .flags = run_flags,
    .run = cmd_create,
    .min_args = 1,
    .max_args = HULL_ARGS_ANY,
    .flags_first = true,
};
