/* hull run: a container from an image, in the foreground. */
#include "commands.h"
#include "ocigen.h"
#include "selfexe.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

extern char **environ;

struct run_flags {
    bool detach, interactive, tty, rm;
    const char *name, *workdir, *user, *hostname, *entrypoint;
    char **env, **env_file;
};

#define F(f) offsetof(struct run_flags, f)

static const struct hull_flag run_flags[] = {
    {"detach", 'd', HULL_FLAG_BOOL, F(detach), NULL,
     "Run container in background and print container ID (not supported yet)"},
    {"entrypoint", 0, HULL_FLAG_STRING, F(entrypoint), "string",
     "Overwrite the default ENTRYPOINT of the image"},
    {"env", 'e', HULL_FLAG_LIST, F(env), "list", "Set environment variables"},
    {"env-file", 0, HULL_FLAG_LIST, F(env_file), "list", "Read in a file of environment variables"},
    {"hostname", 'h', HULL_FLAG_STRING, F(hostname), "string", "Container host name"},
    {"interactive", 'i', HULL_FLAG_BOOL, F(interactive), NULL,
     "Keep STDIN open: the container reads hull's standard input"},
    {"name", 0, HULL_FLAG_STRING, F(name), "string", "Assign a name to the container"},
    {"rm", 0, HULL_FLAG_BOOL, F(rm), NULL, "Automatically remove the container when it exits"},
    {"tty", 't', HULL_FLAG_BOOL, F(tty), NULL, "Allocate a pseudo-TTY"},
    {"user", 'u', HULL_FLAG_STRING, F(user), "string",
     "Username or UID (format: <name|uid>[:<group|gid>])"},
    {"workdir", 'w', HULL_FLAG_STRING, F(workdir), "string",
     "Working directory inside the container"},
    {NULL, 0, 0, 0, NULL, NULL},
};

/* --env-file entries first, then -e, so -e wins (Docker's order). */
static int collect_env(const struct run_flags *f, char ***out, hull_error **err)
{
    for (size_t i = 0; f->env_file != NULL && f->env_file[i] != NULL; i++) {
        _cleanup_free_ char *text = NULL;
        if (read_file_at(AT_FDCWD, f->env_file[i], 1u << 20, &text, NULL, err) < 0)
            return hull_err_wrap(err, "--env-file");
        if (hull_env_file_parse(text, f->env_file[i], out, err) < 0)
            return -1;
    }
    for (size_t i = 0; f->env != NULL && f->env[i] != NULL; i++)
        strv_append(out, f->env[i]);
    return 0;
}

/* Without -i the container must not read our input (Docker gives it
 * none): its stdin, inherited from ours, becomes /dev/null. */
static int detach_stdin(hull_error **err)
{
    _cleanup_close_ int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || dup2(fd, STDIN_FILENO) < 0)
        return hull_err(err, errno, "redirect standard input to /dev/null");
    return 0;
}

static int exit_status_of(const hull_error *e)
{
    switch (e->kind) {
    case HULL_ERR_EXEC_NOT_FOUND:
        return HULL_EXIT_NOT_FOUND;
    case HULL_ERR_EXEC_DENIED:
        return HULL_EXIT_CANNOT_RUN;
    default:
        return HULL_EXIT_FAILED;
    }
}

static int run_container(const struct hull_global *g, const struct run_flags *f,
                         struct hull_args *args)
{
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_strv_ char **env = NULL;
    _cleanup_engine_ struct hull_engine *e = NULL;
    int code = HULL_EXIT_FAILED;
    struct hull_run_request r = {
        .image = args->args[0],
        .name = f->name,
        .cmd = args->args + 1,
        .host_env = environ,
        .workdir = f->workdir,
        .user = f->user,
        .hostname = f->hostname,
        .entrypoint = f->entrypoint,
        .tty = f->tty,
        .interactive = f->interactive,
        .auto_remove = f->rm,
    };

    /* Before anything enters a container: /proc/PID/exe of this process
     * must lead to a sealed copy, never to the binary on disk
     * (CVE-2019-5736).  Re-executes; returns here in the sealed copy. */
    if (hull_selfexe_ensure_sealed(g->argv, &err) < 0 || collect_env(f, &env, &err) < 0)
        goto fail;
    r.env = env;
    if (!f->interactive && detach_stdin(&err) < 0)
        goto fail;
    if (hull_engine_open(&g->roots, &e, &err) < 0 || hull_engine_run(e, &r, &code, &err) < 0)
        goto fail;
    return code;
fail:
    hull_report(err);
    return exit_status_of(err);
}

static int cmd_run(const struct hull_global *g, int argc, char **argv)
{
    struct run_flags f = {0};
    struct hull_args args;
    int ret = hull_command_parse(&hull_cmd_run, false, 1, argc, argv, &f, &args);

    if (ret == 1 && f.detach) {
        hull_usage_error(&hull_cmd_run, "hull run -d: detached containers are not supported yet");
        ret = -1;
    }
    if (ret == 1)
        ret = run_container(g, &f, &args);
    else
        ret = ret < 0 ? HULL_EXIT_FAILED : 0;
    hull_flags_free(run_flags, &f);
    hull_args_clear(&args);
    return ret;
}

const struct hull_command hull_cmd_run = {
    .name = "run",
    .usage = "[OPTIONS] IMAGE [COMMAND] [ARG...]",
    .summary = "Create and run a new container from an image",
    .flags = run_flags,
    .run = cmd_run,
};
