/* Operations on an existing container: start, kill, delete, state, list,
 * and run (create + start + wait). */
#include "cgroup.h"
#include "cgroup_ops.h"
#include "container_internal.h"
#include "hooks.h"
#include "log.h"
#include "signals.h"
#include "state.h"
#include "terminal.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* Opens the runtime root and loads one container, holding an exclusive
 * lock on its state directory so concurrent commands on the same container
 * take turns.  *lock_fd gets the lock's descriptor. */
static int load_locked(const struct hull_runtime *rt, const char *id, int *root_fd, int *lock_fd,
                       struct hull_state *st, hull_error **err)
{
    *lock_fd = -1;
    *root_fd = open(rt->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (*root_fd < 0) {
        if (errno == ENOENT)
            return hull_err_kind(err, HULL_ERR_NOT_EXIST, 0, "container \"%s\" does not exist", id);
        return hull_err(err, errno, "open runtime root \"%s\"", rt->root);
    }
    if (hull_id_validate(id, err) < 0)
        return -1;
    *lock_fd = openat(*root_fd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (*lock_fd < 0)
        return hull_err_kind(err, HULL_ERR_NOT_EXIST, 0, "container \"%s\" does not exist", id);
    if (flock(*lock_fd, LOCK_EX) < 0)
        return hull_err(err, errno, "lock container \"%s\"", id);
    return hull_state_load(*root_fd, id, st, err);
}

static int pidfd_of(const struct hull_state *st)
{
    int fd = (int)syscall(SYS_pidfd_open, st->pid, 0);
    if (fd < 0)
        return -1;
    /* The pid may have been reused between the status check and the
     * open: the start time proves the pidfd is our init. */
    if (!hull_proc_is_same(st->pid, st->pid_start)) {
        close(fd);
        errno = ESRCH;
        return -1;
    }
    return fd;
}

/* Runs the poststart or poststop hooks (KIND) of the config stored with
 * the container.  Their failure is only a warning (runtime-spec), and so
 * is a stored config that cannot be read, unless it is simply gone. */
static void run_late_hooks(int root_fd, const struct hull_state *st, const char *kind)
{
    _cleanup_free_ char *cfg = xasprintf("%s/config.json", st->id);
    _cleanup_free_ char *text = NULL;
    _cleanup_error_ hull_error *e = NULL;
    struct hull_spec *spec = NULL;

    if (st->no_late_hooks)
        return;
    if (read_file_at(root_fd, cfg, 0, &text, NULL, &e) < 0 ||
        hull_spec_parse(text, "config.json", NULL, &spec, &e) < 0) {
        if (errno != ENOENT)
            hull_warn("container \"%s\": %s hooks: %s", st->id, kind, e->msg);
        return;
    }
    const struct hull_hook_list *list =
        strcmp(kind, "poststart") == 0 ? &spec->hooks.poststart : &spec->hooks.poststop;
    if (list->n > 0) {
        _cleanup_free_ char *state = hull_state_to_oci_json(st);
        hull_hooks_run_warn(list, kind, state);
    }
    hull_spec_free(spec);
}

int hull_container_start(const struct hull_runtime *rt, const char *id, hull_error **err)
{
    _cleanup_close_ int root_fd = -1, lock_fd = -1, fifo = -1;
    struct hull_state st;
    int ret = -1;

    if (load_locked(rt, id, &root_fd, &lock_fd, &st, err) < 0)
        return -1;
    switch (st.status) {
    case HULL_STATUS_CREATED:
        break;
    case HULL_STATUS_STOPPED:
        hull_err(err, 0, "cannot start a container that has stopped");
        goto out;
    case HULL_STATUS_RUNNING:
        hull_err(err, 0, "cannot start an already running container");
        goto out;
    default:
        hull_err(err, 0, "cannot start a container in the %s state", hull_status_name(st.status));
        goto out;
    }
    fifo = openat(lock_fd, "exec.fifo", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fifo < 0) {
        /* ENXIO: no reader, the init has gone. */
        hull_err(err, errno == ENXIO ? 0 : errno, "cannot start a container that has stopped");
        goto out;
    }
    if (write(fifo, "0", 1) != 1) {
        hull_err(err, errno, "start container \"%s\": write exec.fifo", id);
        goto out;
    }
    unlinkat(lock_fd, "exec.fifo", 0);
    st.status = HULL_STATUS_RUNNING;
    /* The container is running: other commands (kill, delete) must not
     * wait for its startContainer and poststart hooks. */
    closep(&lock_fd);
    /* The init keeps exec.fifo open until its execve: once no reader is
     * left, the write end reports POLLERR, and the program runs (or the init
     * died trying).  Poststart hooks must not run before that. */
    struct pollfd pfd = {.fd = fifo, .events = 0};
    while (poll(&pfd, 1, -1) < 0 && errno == EINTR)
        ;

    run_late_hooks(root_fd, &st, "poststart");
    ret = 0;
out:
    hull_state_clear(&st);
    return ret;
}

int hull_container_kill(const struct hull_runtime *rt, const char *id, int sig, bool all,
                        hull_error **err)
{
    _cleanup_close_ int root_fd = -1, lock_fd = -1, pidfd = -1;
    struct hull_state st;
    int ret = -1;

    if (load_locked(rt, id, &root_fd, &lock_fd, &st, err) < 0)
        return -1;
    /* Without its own pid namespace a container's processes can outlive its
     * init, so --all still reaches them once the init is gone. */
    if (all && st.cgroup_path[0] != '\0' && (st.status != HULL_STATUS_STOPPED || !st.has_pid_ns)) {
        ret = hull_cgroup_kill_all(st.cgroup_path, sig, err);
        goto out;
    }
    if (st.status == HULL_STATUS_STOPPED || st.status == HULL_STATUS_CREATING) {
        hull_err(err, 0, "container not running");
        goto out;
    }
    pidfd = pidfd_of(&st);
    if (pidfd < 0 || syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0) {
        if (errno == ESRCH)
            hull_err(err, 0, "container not running");
        else
            hull_err(err, errno, "send signal %d to container \"%s\"", sig, id);
        goto out;
    }
    /* A frozen process only dies once it runs again. */
    if (sig == SIGKILL && st.status == HULL_STATUS_PAUSED &&
        hull_cgroup_thaw(st.cgroup_path, err) < 0)
        goto out;
    ret = 0;
out:
    hull_state_clear(&st);
    return ret;
}

/* Waits up to TIMEOUT_MS for the process behind PIDFD to exit. */
static bool wait_pidfd(int pidfd, int timeout_ms)
{
    struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
    int n;
    do
        n = poll(&pfd, 1, timeout_ms);
    while (n < 0 && errno == EINTR);
    return n > 0;
}

static int stop_processes(struct hull_state *st, hull_error **err)
{
    _cleanup_close_ int pidfd = pidfd_of(st);

    if (st->cgroup_path[0] != '\0') {
        if (hull_cgroup_kill_all(st->cgroup_path, SIGKILL, err) < 0)
            return -1;
    } else if (pidfd >= 0) {
        syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
    }
    if (pidfd >= 0 && !wait_pidfd(pidfd, 10000))
        return hull_err(err, ETIMEDOUT, "container \"%s\" did not die after SIGKILL", st->id);
    return 0;
}

/* The OOM kill counter goes away with the cgroup: a kill is logged
 * while it can still be seen. */
static void report_oom_kills(const struct hull_state *st)
{
    _cleanup_error_ hull_error *e = NULL;
    uint64_t n = 0;

    if (hull_cgroup_oom_kill_count(st->cgroup_path, &n, &e) < 0)
        hull_debug("%s", e->msg);
    else if (n > 0)
        hull_warn("container \"%s\": the OOM killer killed %llu of its processes", st->id,
                  (unsigned long long)n);
}

int hull_container_delete(const struct hull_runtime *rt, const char *id, bool force,
                          hull_error **err)
{
    _cleanup_close_ int root_fd = -1, lock_fd = -1;
    struct hull_state st;
    int ret = -1;

    if (load_locked(rt, id, &root_fd, &lock_fd, &st, err) < 0) {
        /* A state that cannot be read can still be removed by force. */
        if (!force || lock_fd < 0 || (*err)->kind == HULL_ERR_NOT_EXIST)
            return -1;
        hull_warn("delete container \"%s\": %s: removing it anyway", id, (*err)->msg);
        hull_error_freep(err);
        return rm_rf_at(root_fd, id, err) < 0 ? hull_err_wrap(err, "delete container \"%s\"", id)
                                              : 0;
    }
    if (hull_state_creator_alive(&st)) {
        hull_err(err, EBUSY, "container %s is still being created (by process %d)", id,
                 (int)st.creator);
        goto out;
    }
    if ((st.status == HULL_STATUS_RUNNING || st.status == HULL_STATUS_PAUSED) && !force) {
        hull_err(err, 0, "cannot delete container %s that is not stopped: %s", id,
                 hull_status_name(st.status));
        goto out;
    }
    if (st.status != HULL_STATUS_STOPPED && st.status != HULL_STATUS_CREATING &&
        stop_processes(&st, err) < 0)
        goto out;
    /* What a create that died halfway left in its cgroup. */
    if (st.status == HULL_STATUS_CREATING && st.cgroup_path[0] != '\0' &&
        hull_cgroup_kill_all(st.cgroup_path, SIGKILL, NULL) < 0)
        hull_debug("container \"%s\": nothing to kill in its cgroup", id);
    bool was_created = st.pid > 0;
    st.status = HULL_STATUS_STOPPED;
    if (was_created && st.bundle[0] != '\0')
        run_late_hooks(root_fd, &st, "poststop");
    if (st.cgroup_path[0] != '\0')
        report_oom_kills(&st);
    if (st.cgroup_path[0] != '\0' && hull_cgroup_destroy(st.cgroup_path, err) < 0)
        goto out;
    if (rm_rf_at(root_fd, id, err) < 0)
        goto out;
    ret = 0;
out:
    if (ret < 0)
        hull_err_wrap(err, "delete container \"%s\"", id);
    hull_state_clear(&st);
    return ret;
}

int hull_container_state(const struct hull_runtime *rt, const char *id, struct hull_state *st,
                         hull_error **err)
{
    _cleanup_close_ int root_fd = open(rt->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    memset(st, 0, sizeof(*st));
    if (root_fd < 0) {
        if (errno == ENOENT)
            return hull_err_kind(err, HULL_ERR_NOT_EXIST, 0, "container \"%s\" does not exist", id);
        return hull_err(err, errno, "open runtime root \"%s\"", rt->root);
    }
    return hull_state_load(root_fd, id, st, err);
}

int hull_container_list(const struct hull_runtime *rt, struct hull_state **states, size_t *n,
                        hull_error **err)
{
    _cleanup_close_ int root_fd = open(rt->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    _cleanup_strv_ char **ids = NULL;
    struct hull_state *out;
    size_t count = 0;

    *states = NULL;
    *n = 0;
    if (root_fd < 0) {
        if (errno == ENOENT)
            return 0;
        return hull_err(err, errno, "open runtime root \"%s\"", rt->root);
    }
    if (hull_state_list_ids(root_fd, &ids, err) < 0)
        return -1;
    out = xmalloc0((strv_len(ids) + 1) * sizeof(*out));
    for (size_t i = 0; ids[i] != NULL; i++) {
        _cleanup_error_ hull_error *e = NULL;
        if (hull_state_load(root_fd, ids[i], &out[count], &e) < 0) {
            hull_warn("load container %s: %s", ids[i], e->msg);
            continue;
        }
        count++;
    }
    *states = out;
    *n = count;
    return 0;
}
