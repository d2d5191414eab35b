/* Running another process in an existing container (runc's `exec`).
 *
 * The runtime opens the namespaces of the container's init, forks a first
 * process (stage 1) and puts it into the container's cgroup.  Stage 1 never
 * becomes dumpable, joins the namespaces (the user namespace first, the
 * mount namespace last) and forks the process proper as the runtime's
 * child (CLONE_PARENT): only a child created after setns() lands in the
 * container's pid and time namespaces.  That process applies what the
 * container's init applied (rlimits, seccomp, capabilities, ids, working
 * directory) and execs.  Its errors travel back over the sync socket; the
 * socket closing (close-on-exec) tells the runtime the command runs. */
#include "caps.h"
#include "cgroup.h"
#include "container_internal.h"
#include "log.h"
#include "namespaces.h"
#include "process.h"
#include "seccomp_bpf.h"
#include "seccomp_cache.h"
#include "seccomp_profile.h"
#include "selfexe.h"
#include "state.h"
#include "sync.h"
#include "terminal.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* Names of the namespace files under /proc/PID/ns. */
static const char *const proc_ns_names[HULL_NS_COUNT] = {
    [HULL_NS_PID] = "pid",       [HULL_NS_NETWORK] = "net", [HULL_NS_MOUNT] = "mnt",
    [HULL_NS_IPC] = "ipc",       [HULL_NS_UTS] = "uts",     [HULL_NS_USER] = "user",
    [HULL_NS_CGROUP] = "cgroup", [HULL_NS_TIME] = "time",
};

struct exec_ctx {
    const struct hull_runtime *rt;
    const struct hull_exec_opts *o;
    struct hull_state st;
    struct hull_spec *spec; /* the container's config */
    int ns_fds[HULL_NS_COUNT];
    int sync_parent, sync_child;
    int console_sock;
    int pty_master;
    pid_t parent_pid;
    pid_t stage1_pid;
    pid_t pid;                           /* the process proper, in our pid namespace */
    struct hull_cgroup_join cgroup_join; /* how stage 1 enters the cgroup */
    void *seccomp_bpf;                   /* linux.seccomp from the runtime's cache, or NULL */
    size_t seccomp_bpf_len;
    unsigned int seccomp_flags;
};

int hull_container_config(const struct hull_runtime *rt, const char *id, struct hull_spec **out,
                          hull_error **err)
{
    _cleanup_close_ int root_fd = -1;
    _cleanup_free_ char *path = NULL, *text = NULL;
    struct hull_state st;
    int ret;

    if (hull_container_state(rt, id, &st, err) < 0)
        return -1;
    root_fd = open(rt->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    path = xasprintf("%s/config.json", id);
    if (root_fd < 0 || read_file_at(root_fd, path, 0, &text, NULL, err) < 0) {
        if (root_fd < 0)
            hull_err(err, errno, "open runtime root \"%s\"", rt->root);
        hull_state_clear(&st);
        return hull_err_wrap(err, "load the config of container \"%s\"", id);
    }
    ret = hull_spec_parse(text, "config.json", st.bundle[0] != '\0' ? st.bundle : NULL, out, err);
    hull_state_clear(&st);
    if (ret < 0)
        return hull_err_wrap(err, "load the config of container \"%s\"", id);
    return 0;
}

static void ctx_release(struct exec_ctx *x)
{
    hull_state_clear(&x->st);
    hull_spec_free(x->spec);
    x->spec = NULL;
    hull_ns_close_all(x->ns_fds);
    closep(&x->sync_parent);
    closep(&x->sync_child);
    closep(&x->console_sock);
    closep(&x->pty_master);
    hull_cgroup_join_release(&x->cgroup_join);
    free(x->seccomp_bpf);
    x->seccomp_bpf = NULL;
}

/* Checks that need only the state, the config and the options. */
static int validate(struct exec_ctx *x, hull_error **err)
{
    const struct hull_exec_opts *o = x->o;
    const struct hull_process *p = o->process;

    switch (x->st.status) {
    case HULL_STATUS_CREATED:
    case HULL_STATUS_RUNNING:
        break;
    case HULL_STATUS_PAUSED:
        if (o->ignore_paused)
            break;
        return hull_err(err, 0,
                        "cannot exec in a paused container (use --ignore-paused to override)");
    case HULL_STATUS_STOPPED:
        return hull_err(err, 0, "cannot exec in a stopped container");
    default:
        return hull_err(err, 0, "cannot exec in a container in the %s state",
                        hull_status_name(x->st.status));
    }
    if (p->args == NULL || p->args[0] == NULL || p->args[0][0] == '\0')
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "process args cannot be empty");
    if (p->cwd == NULL || p->cwd[0] != '/')
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "process.cwd \"%s\" is not an absolute path",
                             p->cwd != NULL ? p->cwd : "");
    if (p->terminal && o->detach && o->console_socket == NULL)
        return hull_err_kind(
            err, HULL_ERR_BAD_INPUT, 0,
            "cannot allocate tty if hullrt will detach without setting console socket");
    if ((!p->terminal || !o->detach) && o->console_socket != NULL)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "cannot use console socket if hullrt will not detach or allocate tty");
    if (o->preserve_fds < 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "invalid --preserve-fds \"%d\": must not be negative",
                             o->preserve_fds);
    if (x->spec->linux_.seccomp.present && x->spec->linux_.seccomp.listener_path != NULL)
        return hull_err_kind(
            err, HULL_ERR_BAD_INPUT, 0,
            "linux.seccomp.listenerPath \"%s\": seccomp notification for exec is not supported",
            x->spec->linux_.seccomp.listener_path);
    return 0;
}

/* True when FD is the namespace the runtime itself is in: joining it
 * would be a no-op, and setns() into our own user namespace fails. */
static bool same_as_ours(int fd, const char *name)
{
    _cleanup_free_ char *self = xasprintf("/proc/self/ns/%s", name);
    struct stat a, b;

    return fstat(fd, &a) == 0 && stat(self, &b) == 0 && a.st_dev == b.st_dev &&
           a.st_ino == b.st_ino;
}

/* Opens the namespaces of the container's init that its config lists.
 * The pidfd, taken before and checked after, proves that every file opened
 * belongs to the init and not to a process that reused its pid. */
static int open_namespaces(struct exec_ctx *x, hull_error **err)
{
    _cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, x->st.pid, 0);
    _cleanup_free_ char *dir = xasprintf("/proc/%d/ns", (int)x->st.pid);
    _cleanup_close_ int dfd = -1;

    if (pidfd < 0 || !hull_proc_is_same(x->st.pid, x->st.pid_start))
        return hull_err(err, 0, "cannot exec in a stopped container");
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return hull_err(err, errno, "open \"%s\"", dir);
    for (int t = 0; t < HULL_NS_COUNT; t++) {
        if (!x->spec->linux_.namespaces[t].present)
            continue;
        int fd = openat(dfd, proc_ns_names[t], O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return hull_err(err, errno, "open the %s namespace of the container's init",
                            hull_ns_type_name(t));
        if (same_as_ours(fd, proc_ns_names[t])) {
            close(fd);
            continue;
        }
        x->ns_fds[t] = fd;
    }
    if (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0)
        return hull_err(err, 0, "cannot exec in a stopped container");
    return 0;
}

/* Loads linux.seccomp into the exec'd process: the program prepare()
 * found in the runtime's cache, or built here with libseccomp when the
 * runtime has no cache (hullrt).  validate() refused listenerPath, so no
 * notification listener can come out of either. */
static int load_seccomp(struct exec_ctx *x, hull_error **err)
{
    int listener = -1;

    if (x->seccomp_bpf != NULL)
        return hull_seccomp_load_bpf(x->seccomp_bpf, x->seccomp_bpf_len, x->seccomp_flags,
                                     &listener, err);
    return hull_seccomp_load(&x->spec->linux_.seccomp, &listener, err);
}

static void exec_main(struct exec_ctx *x) __attribute__((noreturn));

/* A process that is not dumpable cannot be ptraced nor have its /proc
 * files (exe, fd, mem) opened by the container, which otherwise could
 * reach the runtime's binary or descriptors while it sits in the
 * container's namespaces (CVE-2016-9962, CVE-2019-5736). */
static int stage1(struct exec_ctx *x, hull_error **err)
{
    struct hull_sync_msg msg;

    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
        return hull_err(err, errno, "prctl(PR_SET_DUMPABLE, 0)");
    if (hull_setup_die_with_parent(x->parent_pid, err) < 0)
        return -1;
    /* Into the container's cgroup first (cgroup.h says how), so the
     * process inherits it before it can run anything. */
    if (hull_cgroup_join_self(&x->cgroup_join, err) < 0)
        return hull_err_wrap(err, "join the container's cgroup");
    hull_cgroup_join_release(&x->cgroup_join);
    if (hull_sync_expect(x->sync_child, HULL_SYNC_CONTINUE, &msg, NULL, err) < 0)
        return -1;
    if (hull_ns_join_all(x->ns_fds, err) < 0)
        return hull_err_wrap(err, "join the container's namespaces");
    pid_t pid = (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, NULL, NULL, 0);
    if (pid < 0)
        return hull_err(err, errno, "fork the exec process");
    if (pid == 0)
        exec_main(x);
    return hull_sync_send(x->sync_child, HULL_SYNC_INIT_PID, pid, NULL, -1, err);
}

static int setup_terminal(struct exec_ctx *x, hull_error **err)
{
    const struct hull_process *p = x->o->process;
    _cleanup_close_ int master = -1, slave = -1;
    _cleanup_free_ char *name = NULL;

    if (hull_pty_open(&master, &slave, &name, err) < 0)
        return hull_err_wrap(err, "allocate the terminal");
    if (p->has_console_size &&
        hull_pty_set_size(master, p->console_height, p->console_width, err) < 0)
        return -1;
    if (hull_sync_send(x->sync_child, HULL_SYNC_PTY, 0, name, master, err) < 0)
        return -1;
    return hull_pty_make_controlling(slave, err);
}

/* Everything before execve, in the container's namespaces and cgroup.
 * *exec_path gets the resolved program. */
static int exec_setup(struct exec_ctx *x, char **exec_path, hull_error **err)
{
    const struct hull_process *p = x->o->process;
    const struct hull_seccomp *sc = &x->spec->linux_.seccomp;
    struct hull_sync_msg msg;

    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
        return hull_err(err, errno, "prctl(PR_SET_DUMPABLE, 0)");
    if (hull_setup_die_with_parent(getppid() == 0 ? 0 : x->parent_pid, err) < 0 ||
        hull_sync_expect(x->sync_child, HULL_SYNC_CONTINUE, &msg, NULL, err) < 0)
        return -1;
    /* A keyring of its own: the runtime's session keyring is the host's. */
    if (syscall(SYS_keyctl, 1 /* JOIN_SESSION_KEYRING */, NULL) < 0 && errno != ENOSYS)
        return hull_err(err, errno, "create session keyring");
    if (p->terminal && setup_terminal(x, err) < 0)
        return -1;
    if (hull_process_set_oom_score_adj(p, err) < 0 || hull_process_set_rlimits(p, err) < 0 ||
        hull_process_set_attrs(p, x->spec, err) < 0 || hull_process_set_no_new_privs(p, err) < 0)
        return -1;
    /* Without no_new_privs, loading a filter needs CAP_SYS_ADMIN, so it
     * happens before the capabilities go; with it, as late as possible. */
    if (sc->present && !p->no_new_privileges && load_seccomp(x, err) < 0)
        return -1;
    unsigned int first = 3u + (unsigned int)x->o->preserve_fds;
    if (syscall(SYS_close_range, first, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
        return hull_err(err, errno, "mark inherited descriptors close-on-exec");
    if (hull_caps_apply_bounding(&p->caps, err) < 0 || hull_process_set_ids(p, err) < 0 ||
        hull_caps_apply_final(&p->caps, err) < 0 || hull_process_chdir(p, err) < 0)
        return -1;
    return hull_process_find_executable(p, exec_path, err);
}

static void reset_signals(void)
{
    sigset_t none;
    sigemptyset(&none);
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            signal(sig, SIG_DFL);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

static void exec_main(struct exec_ctx *x)
{
    const struct hull_process *p = x->o->process;
    const struct hull_seccomp *sc = &x->spec->linux_.seccomp;
    _cleanup_free_ char *exec_path = NULL;
    hull_error *err = NULL;

    if (exec_setup(x, &exec_path, &err) < 0)
        hull_setup_die_with(x->sync_child, err);
    reset_signals();
    /* A detached process must outlive the runtime. */
    prctl(PR_SET_PDEATHSIG, 0);
    if (sc->present && p->no_new_privileges && load_seccomp(x, &err) < 0)
        hull_setup_die_with(x->sync_child, err);
    hull_process_exec(p, exec_path, &err);
    hull_sync_send_error(x->sync_child, err);
    _exit(err->kind == HULL_ERR_EXEC_NOT_FOUND ? 127 : err->kind == HULL_ERR_EXEC_DENIED ? 126 : 1);
}

static int take_pty(struct exec_ctx *x, int fd, const char *name, hull_error **err)
{
    if (x->console_sock >= 0) {
        int ret = hull_send_fd(x->console_sock, fd, name, err);
        close(fd);
        if (ret < 0)
            return hull_err_wrap(err, "send the pty to --console-socket \"%s\"",
                                 x->o->console_socket);
        return 0;
    }
    closep(&x->pty_master);
    x->pty_master = fd;
    return 0;
}

/* Answers the setup processes until the socket closes: every copy of the
 * child's end is gone, stage 1 having exited and the process having
 * exec'd (the socket is close-on-exec) or died. */
static int serve_children(struct exec_ctx *x, hull_error **err)
{
    struct hull_sync_msg msg;
    _cleanup_error_ hull_error *eof = NULL;

    if (hull_sync_send(x->sync_parent, HULL_SYNC_CONTINUE, 0, NULL, -1, err) < 0)
        return -1;
    for (;;) {
        int fd = -1;
        if (hull_sync_recv(x->sync_parent, &msg, &fd, &eof) < 0)
            break;
        switch (msg.type) {
        case HULL_SYNC_ERROR:
            return hull_err_from_parts(err, msg.errnum, (enum hull_err_kind)msg.kind, msg.text);
        case HULL_SYNC_INIT_PID:
            x->pid = (pid_t)msg.value;
            if (hull_sync_send(x->sync_parent, HULL_SYNC_CONTINUE, x->pid, NULL, -1, err) < 0)
                return -1;
            break;
        case HULL_SYNC_PTY:
            if (fd < 0)
                return hull_err(err, EPROTO, "pty message without a descriptor");
            if (take_pty(x, fd, msg.text, err) < 0)
                return -1;
            break;
        default:
            if (fd >= 0)
                close(fd);
            return hull_err(err, EPROTO, "unexpected sync message %u", msg.type);
        }
    }
    if (x->pid <= 0) {
        *err = take_ptr(eof);
        return -1;
    }
    return 0;
}

/* Kills and reaps whatever the failed exec left. */
static void rollback(struct exec_ctx *x)
{
    if (x->pid > 0) {
        kill(x->pid, SIGKILL);
        waitpid(x->pid, NULL, 0);
        x->pid = 0;
    }
    if (x->stage1_pid > 0) {
        kill(x->stage1_pid, SIGKILL);
        waitpid(x->stage1_pid, NULL, 0);
        x->stage1_pid = 0;
    }
}

static int prepare(struct exec_ctx *x, hull_error **err)
{
    const struct hull_exec_opts *o = x->o;

    if (hull_id_validate(o->id, err) < 0)
        return -1;
    if (!hull_selfexe_is_sealed())
        return hull_err(err, 0,
                        "the runtime must run from its sealed copy before it enters a container");
    if (hull_container_state(x->rt, o->id, &x->st, err) < 0 ||
        hull_container_config(x->rt, o->id, &x->spec, err) < 0 || validate(x, err) < 0 ||
        open_namespaces(x, err) < 0)
        return -1;
    /* Compiling Docker's default profile with libseccomp costs an exec
     * most of its CPU time; the engine's cache has it ready (the create
     * stored it there under the same key). */
    if (x->spec->linux_.seccomp.present && x->rt->seccomp_cache_dir != NULL &&
        hull_seccomp_cache_get(x->rt->seccomp_cache_dir, &x->spec->linux_.seccomp, &x->seccomp_bpf,
                               &x->seccomp_bpf_len, &x->seccomp_flags, err) < 0)
        return hull_err_wrap(err, "config.json");
    if (o->console_socket != NULL) {
        x->console_sock = hull_unix_connect(o->console_socket, err);
        if (x->console_sock < 0)
            return hull_err_wrap(err, "connect to --console-socket");
    }
    return 0;
}

/* Starts the process; on success x->pid runs the command (or has already
 * exited). */
static int start_process(struct exec_ctx *x, hull_error **err)
{
    int sv[2];

    if (hull_sync_pair(sv, err) < 0)
        return -1;
    x->sync_parent = sv[0];
    x->sync_child = sv[1];
    x->parent_pid = getpid();
    if (x->st.cgroup_path[0] != '\0' &&
        hull_cgroup_join_open(x->st.cgroup_path, &x->cgroup_join, err) < 0)
        return hull_err_wrap(err, "join the container's cgroup");
    x->stage1_pid = hull_cgroup_fork(&x->cgroup_join, err);
    if (x->stage1_pid < 0)
        return -1;
    if (x->stage1_pid == 0) {
        hull_error *e = NULL;
        closep(&x->sync_parent);
        if (stage1(x, &e) < 0)
            hull_setup_die_with(x->sync_child, e);
        _exit(0);
    }
    closep(&x->sync_child);
    hull_ns_close_all(x->ns_fds);
    hull_cgroup_join_release(&x->cgroup_join);
    int ret = serve_children(x, err);
    waitpid(x->stage1_pid, NULL, 0);
    x->stage1_pid = 0;
    return ret;
}

int hull_container_exec(const struct hull_runtime *rt, const struct hull_exec_opts *o,
                        pid_t *pid_out, int *exit_status, hull_error **err)
{
    struct exec_ctx x = {.rt = rt,
                         .o = o,
                         .sync_parent = -1,
                         .sync_child = -1,
                         .console_sock = -1,
                         .pty_master = -1,
                         .cgroup_join = HULL_CGROUP_JOIN_INIT};
    sigset_t old;
    int ret = -1;

    *exit_status = 255;
    for (int t = 0; t < HULL_NS_COUNT; t++)
        x.ns_fds[t] = -1;
    if (prepare(&x, err) < 0)
        goto out;
    if (!o->detach)
        hull_run_block_signals(&old);
    if (start_process(&x, err) < 0 ||
        (o->pid_file != NULL && hull_write_pid_file(o->pid_file, x.pid, err) < 0)) {
        rollback(&x);
        goto restore;
    }
    if (pid_out != NULL)
        *pid_out = x.pid;
    if (o->detach) {
        *exit_status = 0;
        ret = 0;
        goto out;
    }
    ret = hull_run_foreground(x.pid, x.pty_master, o->tty_in, o->tty_out, o->forward_input,
                              exit_status, err);
    if (ret < 0)
        rollback(&x);
restore:
    if (!o->detach)
        sigprocmask(SIG_SETMASK, &old, NULL);
out:
    if (ret < 0)
        hull_err_wrap(err, "exec in container \"%s\"", o->id);
    ctx_release(&x);
    return ret;
}
