#include "commands.h"
#include "log.h"
#include "selfexe.h"
#include "spec.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OPT(field) offsetof(struct hullrt_cmd_opts, field)

const struct hullrt_opt hullrt_create_flags[] = {
    {"bundle", 'b', HULLRT_OPT_STRING, OPT(bundle), "DIR", "the current directory",
     "bundle directory: config.json and, usually, the root filesystem"},
    {"console-socket", 0, HULLRT_OPT_STRING, OPT(console_socket), "PATH", NULL,
     "AF_UNIX socket that receives the pseudoterminal master (process.terminal)"},
    {"pid-file", 0, HULLRT_OPT_STRING, OPT(pid_file), "FILE", NULL,
     "write the pid of the container's init process to FILE"},
    {"no-pivot", 0, HULLRT_OPT_BOOL, OPT(no_pivot), NULL, NULL,
     "enter the root filesystem with MS_MOVE and chroot instead of pivot_root"},
    {"no-new-keyring", 0, HULLRT_OPT_BOOL, OPT(no_new_keyring), NULL, NULL,
     "keep the caller's session keyring instead of joining a new one"},
    {"preserve-fds", 0, HULLRT_OPT_INT, OPT(preserve_fds), "N", "0",
     "also pass descriptors 3..3+N-1 (after any $LISTEN_FDS) to the container"},
    {"pidfd-socket", 0, HULLRT_OPT_STRING, OPT(pidfd_socket), "PATH", NULL,
     "not supported: given, it makes the command fail"},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};

/* Flags hullrt takes for runc compatibility but cannot honour: they fail
 * here, before anything is created. */
static int check_unsupported(const struct hullrt_ctx *ctx, hull_error **err)
{
    const struct hullrt_cmd_opts *o = ctx->opts;

    /* Engines pass the flag to every command; only the ones that make a
     * cgroup need the driver, so only they refuse it.  The message names
     * the setting that switches each engine to cgroupfs paths. */
    if (ctx->global->systemd_cgroup)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "--systemd-cgroup: the systemd cgroup driver is not supported; "
                             "use the cgroupfs driver (Podman: cgroup_manager = \"cgroupfs\", "
                             "Docker: native.cgroupdriver=cgroupfs, containerd: SystemdCgroup = "
                             "false)");
    if (o->pidfd_socket != NULL)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "--pidfd-socket \"%s\": passing the init's pidfd is not supported",
                             o->pidfd_socket);
    if (o->preserve_fds < 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "invalid --preserve-fds \"%d\": must not be negative",
                             o->preserve_fds);
    return 0;
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

/* sd_listen_fds(3): the sockets systemd handed over start at descriptor 3,
 * and belong to us only if LISTEN_PID names this process.  Anything
 * malformed means "no sockets", as for systemd's own parser. */
static int listen_fds_count(void)
{
    const char *pid = getenv("LISTEN_PID");
    const char *fds = getenv("LISTEN_FDS");
    int64_t p, n;

    if (pid == NULL || fds == NULL)
        return 0;
    if (parse_int64(pid, 1, INT_MAX, &p) < 0 || p != getpid())
        return 0;
    if (parse_int64(fds, 0, INT_MAX / 2, &n) < 0)
        return 0;
    return (int)n;
}

/* Sets KEY=VALUE in ENV, dropping earlier entries of KEY: getenv() takes
 * the first match, so appending alone would not override. */
static void env_set(char ***env, const char *key, const char *value)
{
    size_t klen = strlen(key);
    size_t out = 0;
    char **v = *env;

    for (size_t i = 0; v != NULL && v[i] != NULL; i++) {
        if (strncmp(v[i], key, klen) == 0 && v[i][klen] == '=')
            free(v[i]);
        else
            v[out++] = v[i];
    }
    if (v != NULL)
        v[out] = NULL;
    _cleanup_free_ char *entry = xasprintf("%s=%s", key, value);
    strv_append(env, entry);
}

/* Socket activation passes through, as runc does: the listening sockets
 * come first among the preserved descriptors and the container's init
 * (pid 1 inside) is told it owns them. */
static int pass_listen_fds(struct hullrt_create_args *ca, hull_error **err)
{
    int n = listen_fds_count();
    char count[16];

    if (n == 0)
        return 0;
    if (ca->opts.preserve_fds > INT_MAX / 2)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "invalid --preserve-fds \"%d\"",
                             ca->opts.preserve_fds);
    if (hull_spec_load_bundle(ca->bundle, &ca->spec, err) < 0)
        return -1;
    if (ca->spec->has_process) {
        snprintf(count, sizeof(count), "%d", n);
        env_set(&ca->spec->process.env, "LISTEN_FDS", count);
        env_set(&ca->spec->process.env, "LISTEN_PID", "1");
    }
    hull_debug("passing %d socket-activation descriptors from LISTEN_FDS", n);
    ca->opts.spec = ca->spec;
    ca->opts.preserve_fds += n;
    return 0;
}

int hullrt_create_args_init(const struct hullrt_ctx *ctx, struct hullrt_create_args *ca,
                            hull_error **err)
{
    const struct hullrt_cmd_opts *o = ctx->opts;
    const char *bundle = o->bundle != NULL && o->bundle[0] != '\0' ? o->bundle : ".";

    memset(ca, 0, sizeof(*ca));
    if (check_unsupported(ctx, err) < 0)
        return -1;
    ca->bundle = realpath(bundle, NULL);
    if (ca->bundle == NULL)
        return hull_err_kind(err, errno == ENOENT ? HULL_ERR_BAD_INPUT : HULL_ERR_GENERIC, errno,
                             "--bundle \"%s\"", bundle);
    if (abs_path_flag("pid-file", o->pid_file, &ca->pid_file, err) < 0 ||
        abs_path_flag("console-socket", o->console_socket, &ca->console_socket, err) < 0)
        return -1;
    ca->opts = (struct hull_create_opts){
        .id = ctx->args[0],
        .bundle = ca->bundle,
        .pid_file = ca->pid_file,
        .console_socket = ca->console_socket,
        .no_pivot = o->no_pivot,
        .no_new_keyring = o->no_new_keyring,
        .preserve_fds = o->preserve_fds,
    };
    return pass_listen_fds(ca, err);
}

void hullrt_create_args_clear(struct hullrt_create_args *ca)
{
    free(ca->bundle);
    free(ca->pid_file);
    free(ca->console_socket);
    hull_spec_free(ca->spec);
    memset(ca, 0, sizeof(*ca));
}

static int create_run(const struct hullrt_ctx *ctx, int *exit_status, hull_error **err)
{
    struct hullrt_create_args ca;
    int r;

    /* Before anything else: the init process will run this binary inside
     * the container until it execs, so it must be a sealed copy
     * (CVE-2019-5736, see selfexe.h).  Does not return when it re-executes. */
    if (hull_selfexe_ensure_sealed(ctx->argv, err) < 0)
        return -1;
    r = hullrt_create_args_init(ctx, &ca, err);
    if (r == 0)
        r = hull_container_create(&ctx->rt, &ca.opts, NULL, err);
    hullrt_create_args_clear(&ca);
    *exit_status = 0;
    return r;
}

const struct hullrt_command hullrt_cmd_create = {
    .name = "create",
    .summary = "create a container and leave it waiting for \"start\"",
    .args_usage = "<container-id>",
    .description = "Creates the container <container-id> from a bundle: a directory with a\n"
                   "config.json (OCI runtime specification) and the root filesystem it names.\n"
                   "Namespaces, mounts, cgroups and the createRuntime/createContainer hooks are\n"
                   "set up, then the container's init waits in state \"created\" without running\n"
                   "process.args; \"hullrt start\" runs them.  The id must be unique under --root\n"
                   "and may use letters, digits and _ + - . only.\n"
                   "\n"
                   "Relative --pid-file and --console-socket paths are taken from the current\n"
                   "directory.  On failure nothing of the container is left behind.",
    .flags = (const struct hullrt_opt *const[]){hullrt_create_flags, NULL},
    .min_args = 1,
    .max_args = 1,
    .stop_after = -1,
    .run = create_run,
};
