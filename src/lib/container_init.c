/* Creating a container: the container's side.
 *
 * Stage 1 (forked by the runtime) joins the namespaces given by path,
 * creates the user namespace and waits for its id maps, creates the other
 * namespaces, and forks the init into them.  Creating a pid or time
 * namespace only affects children, which is why there are two processes.
 *
 * The init builds the root filesystem, the terminal and the process
 * attributes, reports "created", waits on exec.fifo for start and execs
 * the user's program.  Until "created" every error goes back to the runtime
 * over the sync socket; after it, the runtime has gone and errors can only
 * be printed on the container's stderr. */
#include "caps.h"
#include "container_internal.h"
#include "hooks.h"
#include "log.h"
#include "namespaces.h"
#include "paths.h"
#include "process.h"
#include "rootfs.h"
#include "rootless.h"
#include "seccomp_bpf.h"
#include "seccomp_profile.h"
#include "sync.h"
#include "terminal.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

void hull_setup_die_with(int sock, hull_error *e)
{
    hull_sync_send_error(sock, e);
    hull_error_free(e);
    _exit(1);
}

int hull_setup_die_with_parent(pid_t parent, hull_error **err)
{
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
        return hull_err(err, errno, "prctl(PR_SET_PDEATHSIG)");
    if (parent != 0 && getppid() != parent)
        return hull_err(err, 0, "the runtime exited during setup");
    return 0;
}

static int become_root_in_userns(hull_error **err)
{
    if (setresgid(0, 0, 0) < 0)
        return hull_err(err, errno, "setresgid(0) in the new user namespace");
    if (setresuid(0, 0, 0) < 0)
        return hull_err(err, errno, "setresuid(0) in the new user namespace");
    return 0;
}

static void init_main(struct hull_create_ctx *ctx) __attribute__((noreturn));

static int stage1(struct hull_create_ctx *ctx, hull_error **err)
{
    const struct hull_linux *l = &ctx->spec->linux_;
    struct hull_sync_msg msg;
    int sock = ctx->sync_child;

    if (hull_setup_die_with_parent(ctx->parent_pid, err) < 0)
        return -1;
    /* Into the container's cgroup first: the cgroup namespace created
     * below must be rooted there. */
    if (hull_cgroup_join_self(&ctx->cgroup_join, err) < 0)
        return -1;
    hull_cgroup_join_release(&ctx->cgroup_join);
    if (hull_sync_expect(sock, HULL_SYNC_CONTINUE, &msg, NULL, err) < 0)
        return -1;
    if (hull_ns_join_all(ctx->ns_fds, err) < 0)
        return -1;
    if (hull_ns_new_user(l)) {
        if (unshare(CLONE_NEWUSER) < 0)
            return hull_err(err, errno, "create user namespace");
        if (hull_sync_send(sock, HULL_SYNC_USERMAP, getpid(), NULL, -1, err) < 0 ||
            hull_sync_expect(sock, HULL_SYNC_CONTINUE, &msg, NULL, err) < 0)
            return -1;
    }
    if (hull_ns_has(l, HULL_NS_USER) && become_root_in_userns(err) < 0)
        return -1;
    int flags = hull_ns_unshare_flags(l);
    if (flags != 0 && unshare(flags) < 0)
        return hull_err(err, errno, "create namespaces (unshare flags 0x%x)", flags);
    if ((flags & CLONE_NEWTIME) && hull_ns_write_time_offsets(l, err) < 0)
        return -1;

    /* The init becomes the runtime's child, so a foreground run can wait
     * for it and a shim that ran create becomes its reaper. */
    pid_t pid = (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, NULL, NULL, 0);
    if (pid < 0)
        return hull_err(err, errno, "fork the container init");
    if (pid == 0)
        init_main(ctx);
    return hull_sync_send(sock, HULL_SYNC_INIT_PID, pid, NULL, -1, err);
}

void hull_stage1_main(struct hull_create_ctx *ctx)
{
    hull_error *err = NULL;

    closep(&ctx->sync_parent);
    /* The runtime holds its lock on the state directory through this
     * descriptor: the container's processes must not keep it alive. */
    closep(&ctx->state_fd);
    closep(&ctx->root_fd);
    if (stage1(ctx, &err) < 0)
        hull_setup_die_with(ctx->sync_child, err);
    _exit(0);
}

static int set_names(const struct hull_spec *spec, hull_error **err)
{
    if (spec->hostname != NULL && sethostname(spec->hostname, strlen(spec->hostname)) < 0)
        return hull_err(err, errno, "set hostname \"%s\"", spec->hostname);
    if (spec->domainname != NULL && setdomainname(spec->domainname, strlen(spec->domainname)) < 0)
        return hull_err(err, errno, "set domainname \"%s\"", spec->domainname);
    return 0;
}

static int setup_terminal(struct hull_create_ctx *ctx, hull_error **err)
{
    const struct hull_process *p = &ctx->spec->process;
    _cleanup_close_ int master = -1, slave = -1;
    _cleanup_free_ char *name = NULL;

    if (hull_pty_open(&master, &slave, &name, err) < 0)
        return hull_err_wrap(err, "allocate the terminal");
    if (p->has_console_size &&
        hull_pty_set_size(master, p->console_height, p->console_width, err) < 0)
        return -1;
    if (hull_rootfs_mount_console(slave, err) < 0)
        return -1;
    if (hull_sync_send(ctx->sync_child, HULL_SYNC_PTY, 0, name, master, err) < 0)
        return -1;
    return hull_pty_make_controlling(slave, err);
}

/* Loads linux.seccomp: the program the runtime found in its cache, or
 * built here.  A notification listener goes to the runtime, which hands it
 * to linux.seccomp.listenerPath; we wait for that, since a notifying
 * syscall made before the agent holds the fd would block. */
static int load_seccomp(struct hull_create_ctx *ctx, hull_error **err)
{
    _cleanup_close_ int listener = -1;
    struct hull_sync_msg msg;
    int r;

    if (ctx->seccomp_bpf != NULL)
        r = hull_seccomp_load_bpf(ctx->seccomp_bpf, ctx->seccomp_bpf_len, ctx->seccomp_flags,
                                  &listener, err);
    else
        r = hull_seccomp_load(&ctx->spec->linux_.seccomp, &listener, err);
    if (r < 0 || listener < 0)
        return r;
    if (hull_sync_send(ctx->sync_child, HULL_SYNC_SECCOMP_FD, 0, NULL, listener, err) < 0 ||
        hull_sync_expect(ctx->sync_child, HULL_SYNC_CONTINUE, &msg, NULL, err) < 0)
        return hull_err_wrap(err, "hand the seccomp listener to the runtime");
    return 0;
}

/* Everything up to "created": root filesystem, terminal, process
 * attributes, credentials.  *exec_path gets the resolved program. */
static int init_setup(struct hull_create_ctx *ctx, char **hook_state, char **exec_path,
                      hull_error **err)
{
    const struct hull_spec *spec = ctx->spec;
    const struct hull_process *p = &spec->process;
    const struct hull_linux *l = &spec->linux_;
    struct hull_rootfs_ctx rfs = {
        .spec = spec,
        .no_pivot = ctx->o->no_pivot,
        /* A rootless runtime is in a user namespace of its own even when
         * the config asks for none: mknod and fresh cgroupfs fail there. */
        .in_userns = hull_ns_has(l, HULL_NS_USER) || hull_rootless(),
        .new_netns = hull_ns_has(l, HULL_NS_NETWORK) && l->namespaces[HULL_NS_NETWORK].path == NULL,
        .rootfd = -1,
    };
    struct hull_sync_msg msg;
    int sock = ctx->sync_child;

    if (hull_setup_die_with_parent(getppid() == 0 ? 0 : ctx->parent_pid, err) < 0 ||
        hull_sync_expect(sock, HULL_SYNC_CONTINUE, &msg, NULL, err) < 0)
        return -1;
    /* Our pid as the runtime sees it, for the state given to hooks. */
    ctx->init_pid = (pid_t)msg.value;
    if (!ctx->o->no_new_keyring && syscall(SYS_keyctl, 1 /* JOIN_SESSION_KEYRING */, NULL) < 0 &&
        errno != ENOSYS)
        return hull_err(err, errno, "create session keyring");
    if (hull_ns_has(l, HULL_NS_UTS) && set_names(spec, err) < 0)
        return -1;
    if (hull_rootfs_mount(&rfs, err) < 0)
        return hull_err_wrap(err, "set up the root filesystem");
    /* A missing working directory is created, as runc does. */
    int cwd_fd = hull_mkdirs_in_root(rfs.rootfd, p->cwd, 0755, err);
    if (cwd_fd < 0)
        return hull_err_wrap(err, "create process.cwd \"%s\"", p->cwd);
    close(cwd_fd);
    if (spec->hooks.prestart.n > 0 || spec->hooks.create_runtime.n > 0) {
        if (hull_sync_send(sock, HULL_SYNC_RUNTIME_HOOKS, 0, NULL, -1, err) < 0 ||
            hull_sync_expect(sock, HULL_SYNC_CONTINUE, &msg, NULL, err) < 0)
            return -1;
    }
    if (spec->hooks.create_container.n > 0) {
        _cleanup_free_ char *state = hull_creating_state_json(ctx, "creating");
        if (hull_hooks_run(&spec->hooks.create_container, "createContainer", state, err) < 0)
            return -1;
    }
    if (spec->hooks.start_container.n > 0)
        *hook_state = hull_creating_state_json(ctx, "created");
    /* Written while the runtime's /proc is still reachable: the container
     * may not mount one. */
    if (hull_process_set_oom_score_adj(p, err) < 0)
        return -1;
    if (hull_rootfs_pivot(&rfs, err) < 0)
        return hull_err_wrap(err, "enter the root filesystem");
    closep(&rfs.rootfd);
    if (p->terminal && setup_terminal(ctx, err) < 0)
        return -1;
    if (hull_rootfs_finalize(&rfs, err) < 0)
        return -1;
    if (hull_process_set_rlimits(p, err) < 0 || hull_process_set_attrs(p, spec, err) < 0 ||
        hull_process_set_no_new_privs(p, err) < 0)
        return -1;
    /* Without no_new_privs, loading a filter needs CAP_SYS_ADMIN, so it
     * happens before the capabilities go; with it, as late as possible,
     * unless a notification listener must still reach the runtime. */
    if (l->seccomp.present && (!p->no_new_privileges || l->seccomp.listener_path != NULL) &&
        load_seccomp(ctx, err) < 0)
        return -1;
    /* Only stdio, the preserved descriptors and our own (all O_CLOEXEC)
     * survive the exec: anything else inherited is marked close-on-exec. */
    unsigned int first = 3u + (unsigned int)ctx->o->preserve_fds;
    if (syscall(SYS_close_range, first, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
        return hull_err(err, errno, "mark inherited descriptors close-on-exec");
    /* The working directory is entered while still root, as runc does, so
     * a directory the user may not search (HOME of another user) still
     * works; only if root cannot enter it is it tried again as the user
     * (a root-squashed network filesystem). */
    _cleanup_error_ hull_error *cwd_err = NULL;
    bool in_cwd = hull_process_chdir(p, &cwd_err) == 0;
    if (hull_caps_apply_bounding(&p->caps, err) < 0 || hull_process_set_ids(p, err) < 0 ||
        hull_caps_apply_final(&p->caps, err) < 0)
        return -1;
    if (!in_cwd && hull_process_chdir(p, err) < 0)
        return -1;
    return hull_process_find_executable(p, exec_path, err);
}

/* The runtime may have blocked or ignored signals (a foreground run blocks
 * the ones it forwards); the container's program starts with none of that. */
static void reset_signals(void)
{
    sigset_t none;
    sigemptyset(&none);
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            signal(sig, SIG_DFL);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Blocks until `start` writes to exec.fifo. */
static int wait_for_start(int fifo_fd)
{
    char c;
    ssize_t n;
    do
        n = read(fifo_fd, &c, 1);
    while (n < 0 && errno == EINTR);
    return n == 1 ? 0 : -1;
}

static void init_main(struct hull_create_ctx *ctx)
{
    const struct hull_spec *spec = ctx->spec;
    const struct hull_process *p = &spec->process;
    hull_error *err = NULL;
    _cleanup_free_ char *hook_state = NULL;
    _cleanup_free_ char *exec_path = NULL;

    if (init_setup(ctx, &hook_state, &exec_path, &err) < 0)
        hull_setup_die_with(ctx->sync_child, err);
    /* The runtime exits once it reads "created": stop dying with it. */
    prctl(PR_SET_PDEATHSIG, 0);
    if (hull_sync_send(ctx->sync_child, HULL_SYNC_CREATED, 0, NULL, -1, &err) < 0)
        _exit(1);
    closep(&ctx->sync_child);
    if (wait_for_start(ctx->fifo_fd) < 0)
        _exit(1);
    /* exec.fifo stays open (close-on-exec) until the program runs: `start`
     * waits for it to close before running the poststart hooks. */
    reset_signals();
    if (spec->linux_.seccomp.present && p->no_new_privileges &&
        spec->linux_.seccomp.listener_path == NULL && load_seccomp(ctx, &err) < 0)
        goto fail;
    if (hook_state != NULL &&
        hull_hooks_run(&spec->hooks.start_container, "startContainer", hook_state, &err) < 0)
        goto fail;
    hull_process_exec(p, exec_path, &err);
fail:
    dprintf(STDERR_FILENO, "hullrt: %s\n", err->msg);
    _exit(err->kind == HULL_ERR_EXEC_NOT_FOUND ? 127 : err->kind == HULL_ERR_EXEC_DENIED ? 126 : 1);
}
