/* Creating a container: the runtime's side.
 *
 * The runtime validates everything it can before making anything, then
 * forks the first setup process (stage 1), puts it in the container's
 * cgroup, and answers its requests over the sync socket: id maps for a new
 * user namespace, the prestart and createRuntime hooks, the pty master.
 * Stage 1 joins and creates the namespaces and forks the container's init
 * as our child (CLONE_PARENT); the init sets up the root filesystem and the
 * process, reports "created" and blocks on exec.fifo until start.  Any
 * failure removes everything this create made: processes, cgroup, state. */
#include "cgroup.h"
#include "cgroup_ops.h"
#include "container_internal.h"
#include "hooks.h"
#include "idmap.h"
#include "log.h"
#include "mountopts.h"
#include "namespaces.h"
#include "paths.h"
#include "rootfs.h"
#include "rootless.h"
#include "seccomp_cache.h"
#include "seccomp_profile.h"
#include "state.h"
#include "sync.h"
#include "terminal.h"
#include "util.h"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void ctx_init(struct hull_create_ctx *ctx)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->root_fd = ctx->state_fd = ctx->fifo_fd = -1;
    ctx->sync_parent = ctx->sync_child = -1;
    ctx->console_sock = ctx->pty_master = -1;
    for (int t = 0; t < HULL_NS_COUNT; t++)
        ctx->ns_fds[t] = -1;
    ctx->cgroup_join = (struct hull_cgroup_join)HULL_CGROUP_JOIN_INIT;
}

void hull_create_ctx_release(struct hull_create_ctx *ctx)
{
    closep(&ctx->root_fd);
    closep(&ctx->state_fd);
    closep(&ctx->fifo_fd);
    closep(&ctx->sync_parent);
    closep(&ctx->sync_child);
    closep(&ctx->console_sock);
    closep(&ctx->pty_master);
    hull_ns_close_all(ctx->ns_fds);
    hull_cgroup_join_release(&ctx->cgroup_join);
    if (ctx->o != NULL && ctx->o->spec == NULL)
        hull_spec_free(ctx->spec);
    ctx->spec = NULL;
    free(ctx->bundle);
    free(ctx->cgroup_path);
    ctx->bundle = ctx->cgroup_path = NULL;
    free(ctx->seccomp_bpf);
    ctx->seccomp_bpf = NULL;
}

char *hull_creating_state_json(const struct hull_create_ctx *ctx, const char *status)
{
    struct hull_state st = {
        .id = (char *)ctx->o->id,
        .pid = ctx->init_pid,
        .bundle = ctx->bundle,
        .annotations = ctx->spec->annotations,
        .n_annotations = ctx->spec->n_annotations,
        .status = strcmp(status, "created") == 0 ? HULL_STATUS_CREATED : HULL_STATUS_CREATING,
    };
    return hull_state_to_oci_json(&st);
}

/* Validates linux.seccomp; with a cache, by compiling it (or finding it
 * compiled), so the init loads the ready program. */
static int check_seccomp(struct hull_create_ctx *ctx, hull_error **err)
{
    const struct hull_seccomp *sc = &ctx->spec->linux_.seccomp;

    if (ctx->rt->seccomp_cache_dir == NULL)
        return hull_seccomp_check(sc, err);
    return hull_seccomp_cache_get(ctx->rt->seccomp_cache_dir, sc, &ctx->seccomp_bpf,
                                  &ctx->seccomp_bpf_len, &ctx->seccomp_flags, err);
}

/* Checks that need nothing but the config and the host, before anything is
 * created: mount options, seccomp profile, cgroup fields, namespace paths,
 * terminal arrangement and the rootfs itself. */
static int validate(struct hull_create_ctx *ctx, hull_error **err)
{
    const struct hull_spec *spec = ctx->spec;
    const struct hull_create_opts *o = ctx->o;

    if (!spec->has_process)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "%s: process is required to create a container", spec->source_name);
    if (spec->process.terminal && o->console_socket == NULL && !ctx->pty_to_caller)
        return hull_err_kind(
            err, HULL_ERR_BAD_INPUT, 0,
            "cannot allocate tty if hullrt will detach without setting console socket");
    if (!spec->process.terminal && o->console_socket != NULL)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "cannot use console socket if hullrt will not detach or allocate tty");
    if (!hull_ns_has(&spec->linux_, HULL_NS_MOUNT))
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "%s: linux.namespaces: a mount namespace is required",
                             spec->source_name);
    for (size_t i = 0; i < spec->n_mounts; i++) {
        struct hull_mount_opts mo;
        if (hull_mount_opts_parse(spec->mounts[i].options, &mo, err) < 0)
            return hull_err_wrap(err, "%s: mounts[%zu] (%s)", spec->source_name, i,
                                 spec->mounts[i].destination);
        hull_mount_opts_clear(&mo);
    }
    if (spec->linux_.seccomp.present && check_seccomp(ctx, err) < 0)
        return hull_err_wrap(err, "%s", spec->source_name);
    if (spec->linux_.has_resources && hull_cgroup_check_resources(&spec->linux_.resources, err) < 0)
        return hull_err_wrap(err, "%s", spec->source_name);
    if (hull_rootfs_check(spec, err) < 0)
        return -1;
    return hull_ns_open_paths(&spec->linux_, ctx->ns_fds, err);
}

/* The cgroup is named before anything is made, so the state written while
 * creating already holds it.  A cgroup that still has processes belongs to
 * another container: sharing it would let one container's kill --all or
 * delete reach the other's processes. */
static int resolve_cgroup(struct hull_create_ctx *ctx, hull_error **err)
{
    const struct hull_linux *l = &ctx->spec->linux_;
    _cleanup_free_ pid_t *pids = NULL;
    size_t n = 0;

    if (hull_cgroup_path_resolve(l->cgroups_path, ctx->rt->cgroup_parent, ctx->o->id,
                                 &ctx->cgroup_path, err) < 0)
        return -1;
    if (hull_cgroup_pids(ctx->cgroup_path, &pids, &n, NULL) == 0 && n > 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "linux.cgroupsPath \"%s\" already has %zu processes: a cgroup "
                             "cannot be shared between containers",
                             ctx->cgroup_path, n);
    return 0;
}

/* No poststart nor poststop hook: start and delete need not read the
 * config for them (struct hull_state). */
static bool no_late_hooks(const struct hull_spec *spec)
{
    return spec->hooks.poststart.n == 0 && spec->hooks.poststop.n == 0;
}

/* A state.json written before anything else is made: if this create dies
 * halfway, delete still learns the cgroup to remove, and that the creator
 * is gone (or still at work, and then must not be disturbed). */
static int save_creating_state(struct hull_create_ctx *ctx, hull_error **err)
{
    struct hull_state st = {
        .id = (char *)ctx->o->id,
        .creator = getpid(),
        .creator_start = hull_proc_start_time(getpid()),
        .bundle = ctx->bundle,
        .rootfs = ctx->spec->root_path,
        .created = (char *)"",
        .owner = geteuid(),
        .cgroup_path = ctx->cgroup_path ? ctx->cgroup_path : (char *)"",
        .no_late_hooks = no_late_hooks(ctx->spec),
    };
    return hull_state_save(ctx->root_fd, &st, err);
}

static int make_state_dir(struct hull_create_ctx *ctx, hull_error **err)
{
    const char *id = ctx->o->id;

    ctx->root_fd = hull_root_open(ctx->rt->root, true, err);
    if (ctx->root_fd < 0)
        return -1;
    if (mkdirat(ctx->root_fd, id, 0700) < 0) {
        if (errno == EEXIST)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "container with id exists: %s", id);
        return hull_err(err, errno, "create state directory for \"%s\"", id);
    }
    ctx->state_created = true;
    ctx->state_fd = openat(ctx->root_fd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (ctx->state_fd < 0)
        return hull_err(err, errno, "open state directory of \"%s\"", id);
    /* Held until create returns: start, kill and delete of this id wait
     * for the create to finish (or die) instead of racing it. */
    if (flock(ctx->state_fd, LOCK_EX) < 0)
        return hull_err(err, errno, "lock state directory of \"%s\"", id);
    if (resolve_cgroup(ctx, err) < 0 || save_creating_state(ctx, err) < 0)
        return -1;
    const char *raw = ctx->spec->raw_json ? ctx->spec->raw_json : "{}";
    if (write_file_replace(ctx->state_fd, "config.json", raw, strlen(raw), 0600, err) < 0)
        return -1;
    if (mkfifoat(ctx->state_fd, "exec.fifo", 0600) < 0)
        return hull_err(err, errno, "create exec.fifo of \"%s\"", id);
    /* Opened read-write so the open never blocks and the init, which
     * inherits it, is a reader for as long as it waits for start. */
    ctx->fifo_fd = openat(ctx->state_fd, "exec.fifo", O_RDWR | O_CLOEXEC);
    if (ctx->fifo_fd < 0)
        return hull_err(err, errno, "open exec.fifo of \"%s\"", id);
    return 0;
}

/* The config's own rules OWN[0..N) allow what RULE allows already: an
 * identical allow rule that no deny rule follows. */
static bool already_allowed(const struct hull_device_rule *own, size_t n,
                            const struct hull_device_rule *rule)
{
    for (size_t i = n; i > 0; i--) {
        const struct hull_device_rule *r = &own[i - 1];
        if (!r->allow)
            return false;
        if (r->type == rule->type && r->major == rule->major && r->minor == rule->minor &&
            strcmp(r->access, rule->access) == 0)
            return true;
    }
    return false;
}

/* The device rules the container's cgroup gets: the config's own, then
 * runc's defaults, appended last so a leading "deny all" of the config
 * cannot lock the container out of /dev/null: the standard devices, the
 * pty multiplexer and ptys, and mknod (only) of any device, which lets the
 * runtime create linux.devices.  Reading and writing a linux.devices node
 * takes a rule of the config's own, as with runc, so that "r" can mean
 * read-only. */
static struct hull_device_rule *device_rules(const struct hull_spec *spec, size_t *n)
{
    static const struct hull_device_rule always[] = {
        {true, 'c', -1, -1, "m"}, {true, 'b', -1, -1, "m"},    {true, 'c', 1, 3, "rwm"},
        {true, 'c', 1, 5, "rwm"}, {true, 'c', 1, 7, "rwm"},    {true, 'c', 1, 8, "rwm"},
        {true, 'c', 1, 9, "rwm"}, {true, 'c', 5, 0, "rwm"},    {true, 'c', 5, 1, "rwm"},
        {true, 'c', 5, 2, "rwm"}, {true, 'c', 136, -1, "rwm"},
    };
    const struct hull_linux *l = &spec->linux_;
    size_t own = l->has_resources ? l->resources.n_devices : 0;
    struct hull_device_rule *rules = xmalloc0((own + ARRAY_SIZE(always)) * sizeof(*rules));

    if (own > 0)
        memcpy(rules, l->resources.devices, own * sizeof(*rules));
    *n = own;
    /* Docker's configs list these very rules: each written once. */
    for (size_t i = 0; i < ARRAY_SIZE(always); i++)
        if (!already_allowed(rules, own, &always[i]))
            rules[(*n)++] = always[i];
    return rules;
}

/* A rootless runtime may not write the cgroup hierarchy unless a cgroup
 * was delegated to its user.  Without one, a container that sets no limit
 * runs in the runtime's own cgroup, as runc's rootless mode does; one
 * that sets limits is refused, since they would silently not apply. */
static int without_cgroup(struct hull_create_ctx *ctx, hull_error **err)
{
    const struct hull_linux *l = &ctx->spec->linux_;
    int e = (*err)->errnum;

    if (!hull_rootless() || (e != EACCES && e != EPERM && e != EROFS))
        return -1;
    if (l->has_resources && hull_resources_have_limits(&l->resources))
        return hull_err_wrap(
            err,
            "linux.resources cannot be honoured: rootless, and no cgroup is delegated to this user");
    hull_debug("rootless: no cgroup for \"%s\": %s", ctx->o->id, (*err)->msg);
    hull_error_freep(err);
    free(ctx->cgroup_path);
    ctx->cgroup_path = NULL;
    return 0;
}

static int setup_cgroup(struct hull_create_ctx *ctx, hull_error **err)
{
    const struct hull_linux *l = &ctx->spec->linux_;
    struct hull_resources res;
    _cleanup_free_ struct hull_device_rule *rules = NULL;

    if (l->has_resources)
        res = l->resources;
    else
        memset(&res, 0, sizeof(res));
    rules = device_rules(ctx->spec, &res.n_devices);
    res.devices = rules;
    if (hull_cgroup_create_empty(ctx->cgroup_path, &res, &ctx->cgroup_join, err) < 0)
        return without_cgroup(ctx, err);
    ctx->cgroup_created = true;
    return 0;
}

static int write_id_maps(struct hull_create_ctx *ctx, pid_t pid, hull_error **err)
{
    const struct hull_linux *l = &ctx->spec->linux_;
    bool privileged = geteuid() == 0;

    if (!privileged)
        return hull_rootless_write_maps(pid, l, err);
    if (hull_idmap_write(pid, "uid_map", l->uid_mappings, l->n_uid_mappings, err) < 0)
        return -1;
    if (hull_idmap_needs_setgroups_deny(l->gid_mappings, l->n_gid_mappings, privileged) &&
        hull_setgroups_write(pid, true, err) < 0)
        return -1;
    return hull_idmap_write(pid, "gid_map", l->gid_mappings, l->n_gid_mappings, err);
}

static int run_runtime_hooks(struct hull_create_ctx *ctx, hull_error **err)
{
    _cleanup_free_ char *state = hull_creating_state_json(ctx, "creating");
    const struct hull_hooks *h = &ctx->spec->hooks;

    if (hull_hooks_run(&h->prestart, "prestart", state, err) < 0 ||
        hull_hooks_run(&h->create_runtime, "createRuntime", state, err) < 0)
        return -1;
    return hull_sync_send(ctx->sync_parent, HULL_SYNC_CONTINUE, 0, NULL, -1, err);
}

static int take_pty(struct hull_create_ctx *ctx, int fd, const char *name, hull_error **err)
{
    if (ctx->console_sock >= 0) {
        int ret = hull_send_fd(ctx->console_sock, fd, name, err);
        close(fd);
        if (ret < 0)
            return hull_err_wrap(err, "send the pty to --console-socket \"%s\"",
                                 ctx->o->console_socket);
        return 0;
    }
    closep(&ctx->pty_master);
    ctx->pty_master = fd;
    return 0;
}

/* Hands the init's seccomp notification fd to linux.seccomp.listenerPath
 * with the container process state (config-linux.md): the JSON is the
 * message's data and the fd travels with it. */
static int send_seccomp_listener(struct hull_create_ctx *ctx, int fd, hull_error **err)
{
    const struct hull_seccomp *sc = &ctx->spec->linux_.seccomp;
    _cleanup_close_ int listener = fd, sock = -1;
    _cleanup_free_ char *state = hull_creating_state_json(ctx, "creating");
    json_t *st = json_loads(state, 0, NULL);
    json_t *msg = json_pack("{s:s, s:[s], s:i, s:o*}", "ociVersion", HULL_OCI_VERSION, "fds",
                            "seccompFd", "pid", (int)ctx->init_pid, "state", st);
    _cleanup_free_ char *text = NULL;

    if (msg != NULL && sc->listener_metadata != NULL)
        json_object_set_new(msg, "metadata", json_string(sc->listener_metadata));
    text = msg != NULL ? json_dumps(msg, JSON_COMPACT) : NULL;
    json_decref(msg);
    if (text == NULL)
        return hull_err(err, ENOMEM, "build the container process state");
    sock = hull_unix_connect(sc->listener_path, err);
    if (sock < 0 || hull_send_fd(sock, listener, text, err) < 0)
        return hull_err_wrap(err, "send the seccomp listener to linux.seccomp.listenerPath \"%s\"",
                             sc->listener_path);
    return 0;
}

/* Describes how the init ended when it vanished without a message. */
static int init_died(struct hull_create_ctx *ctx, hull_error **err)
{
    int status;
    uint64_t ooms = 0;
    pid_t *who = ctx->init_pid > 0 ? &ctx->init_pid : &ctx->stage1_pid;
    const char *what = ctx->init_pid > 0 ? "init" : "setup process";

    if (*who <= 0 || waitpid(*who, &status, 0) != *who)
        return -1;
    *who = 0;
    /* The socket error only says the peer went away: the wait status and
     * the cgroup's OOM counter say why. */
    if (ctx->cgroup_created)
        hull_cgroup_oom_kill_count(ctx->cgroup_path, &ooms, NULL);
    if (ooms > 0)
        return hull_err(err, 0,
                        "the container's %s was killed by the OOM killer: "
                        "linux.resources.memory.limit is too low",
                        what);
    if (WIFSIGNALED(status))
        return hull_err(err, 0, "the container's %s was killed by signal %d", what,
                        WTERMSIG(status));
    return hull_err(err, 0, "the container's %s exited with status %d", what, WEXITSTATUS(status));
}

/* Answers the setup processes until the init reports "created". */
static int serve_children(struct hull_create_ctx *ctx, hull_error **err)
{
    struct hull_sync_msg msg;

    if (hull_sync_send(ctx->sync_parent, HULL_SYNC_CONTINUE, 0, NULL, -1, err) < 0)
        return -1;
    for (;;) {
        int fd = -1;
        if (hull_sync_recv(ctx->sync_parent, &msg, &fd, err) < 0) {
            init_died(ctx, err);
            return -1;
        }
        switch (msg.type) {
        case HULL_SYNC_ERROR:
            return hull_err_from_parts(err, msg.errnum, (enum hull_err_kind)msg.kind, msg.text);
        case HULL_SYNC_USERMAP:
            if (write_id_maps(ctx, (pid_t)msg.value, err) < 0 ||
                hull_sync_send(ctx->sync_parent, HULL_SYNC_CONTINUE, 0, NULL, -1, err) < 0)
                return -1;
            break;
        case HULL_SYNC_INIT_PID:
            /* The init waits for this answer, so no message of its own can
             * arrive before we know its pid. */
            ctx->init_pid = (pid_t)msg.value;
            if (hull_sync_send(ctx->sync_parent, HULL_SYNC_CONTINUE, ctx->init_pid, NULL, -1, err) <
                0)
                return -1;
            break;
        case HULL_SYNC_RUNTIME_HOOKS:
            if (run_runtime_hooks(ctx, err) < 0)
                return -1;
            break;
        case HULL_SYNC_PTY:
            if (fd < 0)
                return hull_err(err, EPROTO, "pty message without a descriptor");
            if (take_pty(ctx, fd, msg.text, err) < 0)
                return -1;
            break;
        case HULL_SYNC_SECCOMP_FD:
            if (fd < 0)
                return hull_err(err, EPROTO, "seccomp message without a descriptor");
            if (send_seccomp_listener(ctx, fd, err) < 0 ||
                hull_sync_send(ctx->sync_parent, HULL_SYNC_CONTINUE, 0, NULL, -1, err) < 0)
                return -1;
            break;
        case HULL_SYNC_CREATED:
            return 0;
        default:
            if (fd >= 0)
                close(fd);
            return hull_err(err, EPROTO, "unexpected sync message %u", msg.type);
        }
    }
}

int hull_write_pid_file(const char *path, pid_t pid, hull_error **err)
{
    _cleanup_free_ char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    const char *name = slash ? slash + 1 : dir;
    char text[32];
    _cleanup_close_ int dfd = -1;

    if (slash == dir)
        dfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    else if (slash != NULL) {
        *slash = '\0';
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    } else
        dfd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return hull_err(err, errno, "open directory of --pid-file \"%s\"", path);
    snprintf(text, sizeof(text), "%d", (int)pid);
    if (write_file_replace(dfd, name, text, strlen(text), 0644, err) < 0)
        return hull_err_wrap(err, "write --pid-file \"%s\"", path);
    return 0;
}

static int save_state(struct hull_create_ctx *ctx, hull_error **err)
{
    const struct hull_linux *l = &ctx->spec->linux_;
    struct hull_state st = {
        .id = (char *)ctx->o->id,
        .pid = ctx->init_pid,
        .pid_start = hull_proc_start_time(ctx->init_pid),
        .bundle = ctx->bundle,
        .rootfs = ctx->spec->root_path,
        .created = hull_time_now_rfc3339(),
        .owner = geteuid(),
        .cgroup_path = ctx->cgroup_path ? ctx->cgroup_path : (char *)"",
        .annotations = ctx->spec->annotations,
        .n_annotations = ctx->spec->n_annotations,
        .has_pid_ns = hull_ns_has(l, HULL_NS_PID),
        .has_user_ns = hull_ns_has(l, HULL_NS_USER),
        .no_late_hooks = no_late_hooks(ctx->spec),
    };
    int ret = hull_state_save(ctx->root_fd, &st, err);
    free(st.created);
    return ret;
}

/* Undoes a failed create: the processes first (they may hold the cgroup
 * busy), then the cgroup, then the state directory. */
static void rollback(struct hull_create_ctx *ctx)
{
    _cleanup_error_ hull_error *cleanup_err = NULL;

    if (ctx->init_pid > 0) {
        kill(ctx->init_pid, SIGKILL);
        waitpid(ctx->init_pid, NULL, 0);
        ctx->init_pid = 0;
    }
    if (ctx->stage1_pid > 0) {
        kill(ctx->stage1_pid, SIGKILL);
        waitpid(ctx->stage1_pid, NULL, 0);
        ctx->stage1_pid = 0;
    }
    if (ctx->cgroup_created && hull_cgroup_destroy(ctx->cgroup_path, &cleanup_err) < 0)
        hull_warn("clean up after failed create: %s", cleanup_err->msg);
    ctx->cgroup_created = false;
    if (ctx->state_created && ctx->root_fd >= 0 &&
        rm_rf_at(ctx->root_fd, ctx->o->id, &cleanup_err) < 0)
        hull_warn("clean up after failed create: %s", cleanup_err->msg);
    ctx->state_created = false;
}

static int load_spec(struct hull_create_ctx *ctx, hull_error **err)
{
    char cwd[PATH_MAX];
    const char *bundle = ctx->o->bundle ? ctx->o->bundle : ".";

    if (bundle[0] == '/')
        ctx->bundle = hull_path_clean(bundle);
    else if (getcwd(cwd, sizeof(cwd)) == NULL)
        return hull_err(err, errno, "getcwd");
    else {
        _cleanup_free_ char *joined = xasprintf("%s/%s", cwd, bundle);
        ctx->bundle = hull_path_clean(joined);
    }
    if (ctx->o->spec != NULL) {
        ctx->spec = ctx->o->spec;
        return 0;
    }
    return hull_spec_load_bundle(ctx->bundle, &ctx->spec, err);
}

int hull_create_with_ctx(const struct hull_runtime *rt, const struct hull_create_opts *o,
                         bool pty_to_caller, struct hull_create_ctx *ctx, hull_error **err)
{
    int sv[2];

    ctx_init(ctx);
    ctx->rt = rt;
    ctx->o = o;
    ctx->pty_to_caller = pty_to_caller;
    ctx->parent_pid = getpid();

    if (hull_id_validate(o->id, err) < 0)
        return -1;
    if (load_spec(ctx, err) < 0 || validate(ctx, err) < 0)
        return hull_err_wrap(err, "create container \"%s\"", o->id);
    if (make_state_dir(ctx, err) < 0)
        goto fail;
    if (o->console_socket != NULL) {
        ctx->console_sock = hull_unix_connect(o->console_socket, err);
        if (ctx->console_sock < 0) {
            hull_err_wrap(err, "connect to --console-socket");
            goto fail;
        }
    }
    if (hull_sync_pair(sv, err) < 0)
        goto fail;
    ctx->sync_parent = sv[0];
    ctx->sync_child = sv[1];

    /* The cgroup exists before stage 1 does, which enters it on its own
     * (cgroup.h says why). */
    if (setup_cgroup(ctx, err) < 0)
        goto fail;
    ctx->stage1_pid = hull_cgroup_fork(&ctx->cgroup_join, err);
    if (ctx->stage1_pid < 0)
        goto fail;
    if (ctx->stage1_pid == 0)
        hull_stage1_main(ctx);
    closep(&ctx->sync_child);
    hull_ns_close_all(ctx->ns_fds);
    hull_cgroup_join_release(&ctx->cgroup_join);

    if (serve_children(ctx, err) < 0)
        goto fail;
    waitpid(ctx->stage1_pid, NULL, 0);
    ctx->stage1_pid = 0;
    if (save_state(ctx, err) < 0)
        goto fail;
    if (o->pid_file != NULL && hull_write_pid_file(o->pid_file, ctx->init_pid, err) < 0)
        goto fail;
    closep(&ctx->fifo_fd);
    ctx->state_created = false; /* the container exists now: nothing to roll back */
    return 0;

fail:
    hull_err_wrap(err, "create container \"%s\"", o->id);
    rollback(ctx);
    return -1;
}

int hull_container_create(const struct hull_runtime *rt, const struct hull_create_opts *o,
                          pid_t *pid_out, hull_error **err)
{
    struct hull_create_ctx ctx;
    int ret = hull_create_with_ctx(rt, o, false, &ctx, err);

    if (ret == 0 && pid_out != NULL)
        *pid_out = ctx.init_pid;
    hull_create_ctx_release(&ctx);
    return ret;
}
