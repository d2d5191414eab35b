/* hullrt exec: runc's exec.  The process is either a whole process.json
 * (--process) or the container's own config.json process with the
 * command line's arguments and overrides. */
#include "caps.h"
#include "commands.h"
#include "selfexe.h"
#include "spec.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OPT(field)  offsetof(struct hullrt_cmd_opts, field)
#define XOPT(field) offsetof(struct hullrt_cmd_opts, exec.field)

static const struct hullrt_opt exec_flags[] = {
    {"console-socket", 0, HULLRT_OPT_STRING, OPT(console_socket), "PATH", NULL,
     "AF_UNIX socket that receives the pseudoterminal master (with --tty)"},
    {"pidfd-socket", 0, HULLRT_OPT_STRING, OPT(pidfd_socket), "PATH", NULL,
     "not supported: given, it makes the command fail"},
    {"cwd", 0, HULLRT_OPT_STRING, XOPT(cwd), "DIR", NULL,
     "working directory of the process (absolute, inside the container)"},
    {"env", 'e', HULLRT_OPT_LIST, XOPT(env), "KEY=VALUE", NULL,
     "set an environment variable (repeatable; replaces the config's value)"},
    {"tty", 't', HULLRT_OPT_BOOL, XOPT(tty), NULL, NULL, "allocate a pseudo-TTY"},
    {"user", 'u', HULLRT_OPT_STRING, XOPT(user), "UID[:GID]", NULL,
     "numeric user and group ids of the process"},
    {"additional-gids", 'g', HULLRT_OPT_LIST, XOPT(additional_gids), "GID", NULL,
     "add a supplementary group id (repeatable)"},
    {"process", 'p', HULLRT_OPT_STRING, XOPT(process), "FILE", NULL,
     "the whole process as JSON (config.json's \"process\" object); the other process "
     "flags and the command are then ignored"},
    {"detach", 'd', HULLRT_OPT_BOOL, OPT(detach), NULL, NULL,
     "return once the process runs instead of waiting for it"},
    {"pid-file", 0, HULLRT_OPT_STRING, OPT(pid_file), "FILE", NULL,
     "write the pid of the new process to FILE"},
    {"process-label", 0, HULLRT_OPT_STRING, XOPT(process_label), "LABEL", NULL,
     "SELinux label of the process (not supported: hull has no SELinux support)"},
    {"apparmor", 0, HULLRT_OPT_STRING, XOPT(apparmor), "PROFILE", NULL,
     "AppArmor profile of the process"},
    {"no-new-privs", 0, HULLRT_OPT_BOOL, XOPT(no_new_privs), NULL, NULL,
     "set no_new_privs for the process"},
    {"cap", 'c', HULLRT_OPT_LIST, XOPT(caps), "CAP", NULL,
     "add a capability to the bounding, effective and permitted sets (repeatable)"},
    {"preserve-fds", 0, HULLRT_OPT_INT, OPT(preserve_fds), "N", "0",
     "also pass descriptors 3..3+N-1 to the process"},
    {"cgroup", 0, HULLRT_OPT_STRING, XOPT(cgroup), "PATH", NULL,
     "not supported: given, it makes the command fail"},
    {"ignore-paused", 0, HULLRT_OPT_BOOL, XOPT(ignore_paused), NULL, NULL,
     "allow exec in a paused container (the process starts frozen)"},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};

static int check_unsupported(const struct hullrt_cmd_opts *o, hull_error **err)
{
    if (o->pidfd_socket != NULL)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "--pidfd-socket \"%s\": passing the process's pidfd is not supported",
                             o->pidfd_socket);
    if (o->exec.cgroup != NULL)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "--cgroup \"%s\": running exec in a sub-cgroup is not supported",
                             o->exec.cgroup);
    return 0;
}

static int parse_id(const char *s, const char *flag, const char *whole, uint32_t *out,
                    hull_error **err)
{
    int64_t v;

    if (parse_int64(s, 0, INT32_MAX, &v) < 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "invalid %s \"%s\": \"%s\" is not an id in 0..%d", flag, whole, s,
                             INT32_MAX);
    *out = (uint32_t)v;
    return 0;
}

/* --user UID[:GID]: numeric only, as with runc (no /etc/passwd lookup). */
static int apply_user(struct hull_process *p, const char *user, hull_error **err)
{
    _cleanup_free_ char *copy = xstrdup(user);
    char *colon = strchr(copy, ':');

    if (colon != NULL) {
        *colon = '\0';
        if (parse_id(colon + 1, "--user", user, &p->user.gid, err) < 0)
            return -1;
    }
    return parse_id(copy, "--user", user, &p->user.uid, err);
}

static int apply_gids(struct hull_process *p, char *const *gids, hull_error **err)
{
    size_t n = strv_len(gids);
    struct hull_user *u = &p->user;

    if (n == 0)
        return 0;
    u->additional_gids =
        xrealloc(u->additional_gids, (u->n_additional_gids + n) * sizeof(uint32_t));
    for (size_t i = 0; i < n; i++)
        if (parse_id(gids[i], "--additional-gids", gids[i],
                     &u->additional_gids[u->n_additional_gids++], err) < 0)
            return -1;
    return 0;
}

/* --cap NAME: into the bounding, effective and permitted sets, and the
 * ambient set when the config sets inheritable ones (ambient needs them). */
static int apply_caps(struct hull_process *p, char *const *names, hull_error **err)
{
    struct hull_caps *c = &p->caps;

    for (size_t i = 0; names != NULL && names[i] != NULL; i++) {
        int cap = hull_cap_from_name(names[i]);
        if (cap < 0)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 "invalid --cap \"%s\": unknown capability", names[i]);
        uint64_t bit = 1ULL << cap;
        c->bounding |= bit;
        c->effective |= bit;
        c->permitted |= bit;
        c->has_bounding = c->has_effective = c->has_permitted = true;
        if (c->has_inheritable) {
            c->ambient |= bit;
            c->has_ambient = true;
        }
    }
    return 0;
}

/* -e KEY=VALUE replaces KEY's entry in place, or is appended: execve()
 * would otherwise pass both and getenv() takes the first. */
static int apply_env(struct hull_process *p, char *const *env, hull_error **err)
{
    for (size_t i = 0; env != NULL && env[i] != NULL; i++) {
        const char *eq = strchr(env[i], '=');
        size_t klen = eq != NULL ? (size_t)(eq - env[i]) : 0;
        bool replaced = false;

        if (eq == NULL || klen == 0)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 "invalid --env \"%s\": expected KEY=VALUE", env[i]);
        for (size_t j = 0; p->env != NULL && p->env[j] != NULL; j++) {
            if (strncmp(p->env[j], env[i], klen + 1) == 0) {
                free(p->env[j]);
                p->env[j] = xstrdup(env[i]);
                replaced = true;
                break;
            }
        }
        if (!replaced)
            strv_append(&p->env, env[i]);
    }
    return 0;
}

/* The config's process with the command line's changes. */
static int process_from_flags(const struct hullrt_ctx *ctx, struct hull_spec *spec,
                              hull_error **err)
{
    const struct hullrt_exec_opts *x = &ctx->opts->exec;
    struct hull_process *p = &spec->process;

    strv_free(p->args);
    p->args = strv_dup(ctx->args + 1);
    if (x->cwd != NULL && x->cwd[0] != '\0') {
        free(p->cwd);
        p->cwd = xstrdup(x->cwd);
    }
    if (x->apparmor != NULL && x->apparmor[0] != '\0') {
        free(p->apparmor_profile);
        p->apparmor_profile = xstrdup(x->apparmor);
    }
    if (x->process_label != NULL && x->process_label[0] != '\0') {
        free(p->selinux_label);
        p->selinux_label = xstrdup(x->process_label);
    }
    p->terminal = x->tty;
    if (x->no_new_privs)
        p->no_new_privileges = true;
    if (apply_caps(p, x->caps, err) < 0 || apply_env(p, x->env, err) < 0)
        return -1;
    if (x->user != NULL && x->user[0] != '\0' && apply_user(p, x->user, err) < 0)
        return -1;
    return apply_gids(p, x->additional_gids, err);
}

static int load_process(const struct hullrt_ctx *ctx, struct hull_spec **spec, hull_error **err)
{
    const char *path = ctx->opts->exec.process;
    _cleanup_free_ char *text = NULL;

    if (hull_container_config(&ctx->rt, ctx->args[0], spec, err) < 0)
        return -1;
    if (path == NULL || path[0] == '\0')
        return process_from_flags(ctx, *spec, err);
    if (read_file_at(AT_FDCWD, path, 1 << 20, &text, NULL, err) < 0)
        return hull_err_wrap(err, "--process");
    hull_process_clear(&(*spec)->process);
    return hull_spec_parse_process(text, path, &(*spec)->process, err);
}

/* An empty path flag means "not given", as in runc. */
static int abs_path_flag(const char *flag, const char *value, char **out, hull_error **err)
{
    if (value == NULL || value[0] == '\0')
        return 0;
    if (hullrt_abs_path(value, out, err) < 0)
        return hull_err_wrap(err, "--%s", flag);
    return 0;
}

static int exec_run(const struct hullrt_ctx *ctx, int *exit_status, hull_error **err)
{
    const struct hullrt_cmd_opts *o = ctx->opts;
    _cleanup_free_ char *pid_file = NULL, *console_socket = NULL;
    struct hull_spec *spec = NULL;
    int r;

    *exit_status = 0;
    /* The process runs this binary inside the container until its
     * execve: it must be a sealed copy (CVE-2019-5736, see selfexe.h). */
    if (hull_selfexe_ensure_sealed(ctx->argv, err) < 0 || check_unsupported(o, err) < 0)
        return -1;
    if (abs_path_flag("pid-file", o->pid_file, &pid_file, err) < 0 ||
        abs_path_flag("console-socket", o->console_socket, &console_socket, err) < 0)
        return -1;
    r = load_process(ctx, &spec, err);
    if (r == 0) {
        struct hull_exec_opts xo = {
            .id = ctx->args[0],
            .process = &spec->process,
            .console_socket = console_socket,
            .pid_file = pid_file,
            .detach = o->detach,
            .ignore_paused = o->exec.ignore_paused,
            .preserve_fds = o->preserve_fds,
            .tty_in = STDIN_FILENO,
            .tty_out = STDOUT_FILENO,
            .forward_input = true,
        };
        r = hull_container_exec(&ctx->rt, &xo, NULL, exit_status, err);
    }
    hull_spec_free(spec);
    return r;
}

const struct hullrt_command hullrt_cmd_exec = {
    .name = "exec",
    .summary = "run a new process inside a running container",
    .args_usage = "<container-id> <command> [args...] || -p process.json <container-id>",
    .description =
        "Runs <command> inside <container-id>: in all of its namespaces, its cgroup, under\n"
        "its seccomp filter, with the process settings of its config.json (environment,\n"
        "user, capabilities, rlimits, working directory) unless flags change them.  With\n"
        "--process FILE, the process is that JSON object instead.  Flags come before\n"
        "<container-id>: every word after it belongs to the command.\n"
        "\n"
        "In the foreground hullrt forwards signals to the process and exits with its\n"
        "status (128+N when it was killed by signal N); with --tty and no\n"
        "--console-socket the terminal is connected to hullrt's own standard input and\n"
        "output.  When exec itself fails, hullrt exits with 255.\n"
        "\n"
        "Example:\n"
        "    hullrt exec web1 ps",
    .flags = (const struct hullrt_opt *const[]){exec_flags, NULL},
    .min_args = 1,
    .max_args = -1,
    .stop_after = 0,
    .run = exec_run,
    .fail_status = 255,
};
