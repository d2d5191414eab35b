/* hull exec: a command in a running container. */
#include "cli.h"
#include "engine_exec.h"
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

/* Without -i the command must not read our input: /dev/null instead. */
static int detach_stdin(hull_error **err)
{
    _cleanup_close_ int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || dup2(fd, STDIN_FILENO) < 0)
        return hull_err(err, errno, "redirect standard input to /dev/null");
    return 0;
}

static int run_exec(const struct hull_global *g, void *flags, const struct hull_args *args)
{
    const struct exec_flags *f = flags;
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

    if (!f->detach && hull_check_tty(f->interactive, f->tty, &err) < 0) {
        hull_report(err);
        return 1;
    }
    if (f->detach_keys != NULL) {
        hull_err_kind(&err, HULL_ERR_BAD_INPUT, 0, "--detach-keys is not supported");
        goto fail;
    }
    /* The exec process runs this binary inside the container until it
     * execs: it must be a sealed copy (CVE-2019-5736). */
    if (hull_selfexe_ensure_sealed(g->argv, &err) < 0 ||
        hull_collect_env(f->env_file, f->env, &env, &err) < 0)
        goto fail;
    r.env = env;
    if ((!f->interactive || f->detach) && detach_stdin(&err) < 0)
        goto fail;
    if (hull_engine_open(&g->roots, &e, &err) < 0 || hull_engine_exec(e, &r, &code, &err) < 0)
        goto fail;
    return code;
fail:
    hull_report(err);
    return hull_exec_exit_status(err, 1);
}

static int cmd_exec(const struct hull_global *g, int argc, char **argv)
{
    struct exec_flags f = {0};

    return hull_command_main(&hull_cmd_exec, g, argc, argv, &f, run_exec);
}

const struct hull_command hull_cmd_exec = {
    .name = "exec",
    .usage = "[OPTIONS] CONTAINER COMMAND [ARG...]",
    .summary = "Execute a command in a running container",
    .flags = exec_flags,
    .run = cmd_exec,
    .min_args = 2,
    .max_args = HULL_ARGS_ANY,
    .flags_first = true,
};
