/* What the runtime does to a container through its cgroup once it exists:
 * pause and resume, update of its limits, its processes, its statistics
 * and its OOM kills.  Each operation takes the container's lock, as the
 * lifecycle operations of container.c do, so a pause cannot interleave
 * with a delete. */
#include "cgroup.h"
#include "cgroup_ops.h"
#include "container.h"
#include "state.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

struct locked {
    int root_fd, lock_fd;
    struct hull_state st;
};

static void locked_release(struct locked *k)
{
    closep(&k->lock_fd);
    closep(&k->root_fd);
    hull_state_clear(&k->st);
}
#define _cleanup_locked_ __attribute__((cleanup(locked_release)))

/* Loads ID under an exclusive lock of its state directory and makes sure
 * it has a cgroup to act on. */
static int lock_container(const struct hull_runtime *rt, const char *id, struct locked *k,
                          hull_error **err)
{
    if (hull_id_validate(id, err) < 0)
        return -1;
    k->root_fd = open(rt->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (k->root_fd < 0 && errno != ENOENT)
        return hull_err(err, errno, "open runtime root \"%s\"", rt->root);
    if (k->root_fd >= 0)
        k->lock_fd = openat(k->root_fd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (k->lock_fd < 0)
        return hull_err_kind(err, HULL_ERR_NOT_EXIST, 0, "container \"%s\" does not exist", id);
    if (flock(k->lock_fd, LOCK_EX) < 0)
        return hull_err(err, errno, "lock container \"%s\"", id);
    if (hull_state_load(k->root_fd, id, &k->st, err) < 0)
        return -1;
    if (k->st.cgroup_path[0] == '\0')
        return hull_err(err, 0, "container \"%s\" has no cgroup", id);
    return 0;
}

#define LOCKED_INIT                                                                                \
    {                                                                                              \
        .root_fd = -1, .lock_fd = -1                                                               \
    }

int hull_container_pause(const struct hull_runtime *rt, const char *id, hull_error **err)
{
    _cleanup_locked_ struct locked k = LOCKED_INIT;

    if (lock_container(rt, id, &k, err) < 0)
        return -1;
    /* runc's rule: only what runs (or waits to start) can be frozen. */
    if (k.st.status != HULL_STATUS_RUNNING && k.st.status != HULL_STATUS_CREATED)
        return hull_err(err, 0, "container not running");
    if (hull_cgroup_freeze(k.st.cgroup_path, err) < 0)
        return hull_err_wrap(err, "pause container \"%s\"", id);
    return 0;
}

int hull_container_resume(const struct hull_runtime *rt, const char *id, hull_error **err)
{
    _cleanup_locked_ struct locked k = LOCKED_INIT;

    if (lock_container(rt, id, &k, err) < 0)
        return -1;
    if (k.st.status != HULL_STATUS_PAUSED)
        return hull_err(err, 0, "container not paused");
    if (hull_cgroup_thaw(k.st.cgroup_path, err) < 0)
        return hull_err_wrap(err, "resume container \"%s\"", id);
    return 0;
}

int hull_container_update(const struct hull_runtime *rt, const char *id,
                          const struct hull_resources *res, hull_error **err)
{
    _cleanup_locked_ struct locked k = LOCKED_INIT;

    if (lock_container(rt, id, &k, err) < 0)
        return -1;
    if (k.st.status == HULL_STATUS_STOPPED || k.st.status == HULL_STATUS_CREATING)
        return hull_err(err, 0, "container not running");
    /* Rewriting the device rules of a running container opens a window in
     * which v1 denies everything (or, rule by rule, allows too much). */
    if (res->n_devices > 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "linux.resources.devices: updating the device rules of a running "
                             "container is not supported");
    if (hull_cgroup_update(k.st.cgroup_path, res, err) < 0)
        return hull_err_wrap(err, "update container \"%s\"", id);
    return 0;
}

int hull_container_pids(const struct hull_runtime *rt, const char *id, pid_t **pids, size_t *n,
                        hull_error **err)
{
    _cleanup_locked_ struct locked k = LOCKED_INIT;

    *pids = NULL;
    *n = 0;
    if (lock_container(rt, id, &k, err) < 0)
        return -1;
    if (hull_cgroup_pids(k.st.cgroup_path, pids, n, err) < 0)
        return hull_err_wrap(err, "processes of container \"%s\"", id);
    return 0;
}

int hull_container_stats(const struct hull_runtime *rt, const char *id,
                         struct hull_cgroup_stats *out, hull_error **err)
{
    _cleanup_locked_ struct locked k = LOCKED_INIT;

    memset(out, 0, sizeof(*out));
    if (lock_container(rt, id, &k, err) < 0)
        return -1;
    if (k.st.status == HULL_STATUS_STOPPED || k.st.status == HULL_STATUS_CREATING)
        return hull_err(err, 0, "container with id %s is not running", id);
    if (hull_cgroup_stats(k.st.cgroup_path, out, err) < 0)
        return hull_err_wrap(err, "statistics of container \"%s\"", id);
    return 0;
}

int hull_container_oom_kills(const struct hull_runtime *rt, const char *id, uint64_t *count,
                             hull_error **err)
{
    _cleanup_locked_ struct locked k = LOCKED_INIT;

    *count = 0;
    if (lock_container(rt, id, &k, err) < 0)
        return -1;
    if (hull_cgroup_oom_kill_count(k.st.cgroup_path, count, err) < 0)
        return hull_err_wrap(err, "container \"%s\"", id);
    return 0;
}

int hull_container_oom_watch(const struct hull_runtime *rt, const char *id,
                             struct hull_cgroup_oom_watch *w, hull_error **err)
{
    _cleanup_locked_ struct locked k = LOCKED_INIT;

    w->fd = -1;
    w->control_fd = -1;
    w->dir = NULL;
    if (lock_container(rt, id, &k, err) < 0)
        return -1;
    if (hull_cgroup_oom_watch_open(k.st.cgroup_path, w, err) < 0)
        return hull_err_wrap(err, "container \"%s\"", id);
    return 0;
}
