/* hull exec: a command in a running container. */
#include "commands.h"
#include "engine_exec.h"
#include "ocigen.h"
#include "selfexe.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

extern char **environ;

struct exec_flags {
    bool detach, interactive, tty, privileged;
    const char *user, *workdir, *detach_keys;
    char **env, **env_file;
};

#define F(f) offsetof(struct exec_flags, f)

static const struct hull_flag exec_flags[] = {
    {"detach", 'd', HULL_FLAG_BOOL, F(detach), NULL,
     "Detached mode: run command in the background"},
    {"detach-keys", 0, HULL_FLAG_STRING, F(detach_keys), "string",
     "Override the key sequence for detaching a container (not supported)"},
    {"env", 'e', HULL_FLAG_LIST, F(env), "list", "Set environment variables"},
    {"env-file", 0, HULL_FLAG_LIST, F(env_file), "list", "Read in a file of environment variables"},
    {"interactive", 'i', HULL_FLAG_BOOL, F(interactive), NULL,
     "Keep STDIN open even if not attached"},
    {"privileged", 0, HULL_FLAG_BOOL, F(privileged), NULL,
     "Give extended privileges to the command"},
    {"tty", 't', HULL_FLAG_BOOL, F(tty), NULL, "Allocate a pseudo-TTY"},
    {"user", 'u', HULL_FLAG_STRING, F(user), "string",
     "Username or UID (format: \"<name|uid>[:<group|gid>]\")"},
    {"workdir", 'w', HULL_FLAG_STRING, F(workdir), "string",
     "Working directory inside the container"},
    {NULL, 0, 0, 0, NULL, NULL},
};

/* --env-file entries first, then -e, so -e wins (Docker's order). */
static int collect_env(const struct exec_flags *f, char ***out, hull_error **err)
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

/* Without -i the command must not read our input: /dev/null instead. */
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
        return 1;
    }
}

static int run_exec(const struct hull_global *g, const struct exec_flags *f,
                    const struct hull_args *args)
{
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_strv_ char **env = NULL;
    _cleanup_engine_ struct hull_engine *e = NULL;
    int code = 0;
    struct hull_engine_exec_request r = {
        .ref = args->args[0],
        .cmd = args->args + 1,
        .host_env = environ,
        .user = f->user,
        .workdir = f->workdir,
        .tty = f->tty,
        .interactive = f->interactive,
        .detach = f->detach,
        .privileged = f->privileged,
    };

    if (f->detach_keys != NULL) {
        hull_err_kind(&err, HULL_ERR_BAD_INPUT, 0, "--detach-keys is not supported");
        goto fail;
    }
    /* The exec process runs this binary inside the container until it
     * execs: it must be a sealed copy (CVE-2019-5736). */
    if (hull_selfexe_ensure_sealed(g->argv, &err) < 0 || collect_env(f, &env, &err) < 0)
        goto fail;
    r.env = env;
    if ((!f->interactive || f->detach) && detach_stdin(&err) < 0)
        goto fail;
    if (hull_engine_open(&g->roots, &e, &err) < 0 || hull_engine_exec(e, &r, &code, &err) < 0)
        goto fail;
    return code;
fail:
    hull_report(err);
    return exit_status_of(err);
}

static int cmd_exec(const struct hull_global *g, int argc, char **argv)
{
    struct exec_flags f = {0};
    struct hull_args args;
    int ret = hull_command_parse(&hull_cmd_exec, false, 2, argc, argv, &f, &args);

    if (ret == 1)
        ret = run_exec(g, &f, &args);
    else
        ret = ret < 0 ? HULL_EXIT_FAILED : 0;
    hull_flags_free(exec_flags, &f);
    hull_args_clear(&args);
    return ret;
}

const struct hull_command hull_cmd_exec = {
    .name = "exec",
    .usage = "[OPTIONS] CONTAINER COMMAND [ARG...]",
    .summary = "Execute a command in a running container",
    .flags = exec_flags,
    .run = cmd_exec,
};
