/* Freezer and OOM counter of a container's cgroup, for either cgroup
 * version. */
#include "cgroup_ops.h"
#include "cgroup_internal.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* How long a freeze may take: tasks in uninterruptible sleep (NFS, FUSE)
 * freeze only when they wake up. */
#define FREEZE_TIMEOUT_NS (5ULL * 1000 * 1000 * 1000)

void cg_dir_clear(struct cg_dir *d)
{
    closep(&d->fd);
    free(d->dir);
    d->dir = NULL;
}

int cg_open_for(const struct cg_layout *l, enum cg_ctrl c, const char *path, struct cg_dir *d,
                bool *found, hull_error **err)
{
    const struct cg_hierarchy *h = l->mode == HULL_CGROUP_V2 ? &l->hier[0] : cg_layout_find(l, c);

    d->fd = -1;
    d->dir = NULL;
    *found = h != NULL;
    if (h == NULL)
        return 0;
    d->dir = cg_hier_dir(h, path);
    d->fd = cg_open_dir(d->dir, err);
    return d->fd < 0 ? -1 : 0;
}

bool cg_freeze_available(const struct cg_layout *l)
{
    return l->mode == HULL_CGROUP_V2 || cg_layout_find(l, CG_FREEZER) != NULL;
}

static int open_freezer(const struct cg_layout *l, const char *path, struct cg_dir *d,
                        hull_error **err)
{
    bool found;

    if (cg_open_for(l, CG_FREEZER, path, d, &found, err) < 0)
        return -1;
    if (!found)
        return cg_need(l, CG_FREEZER, "freeze", err);
    return 0;
}

static int read_state(const struct cg_layout *l, const struct cg_dir *d, bool *frozen,
                      hull_error **err)
{
    _cleanup_free_ char *state = NULL;
    uint64_t v = 0;
    bool found;

    if (l->mode == HULL_CGROUP_V2) {
        if (cg_read_key(d->fd, d->dir, "cgroup.events", "frozen", &v, &found, err) < 0)
            return -1;
        *frozen = found && v == 1;
        return 0;
    }
    if (cg_read(d->fd, d->dir, "freezer.state", &state, err) < 0)
        return -1;
    *frozen = strcmp(state, "FROZEN") == 0;
    return 0;
}

static int request(const struct cg_layout *l, const struct cg_dir *d, bool frozen, hull_error **err)
{
    if (l->mode == HULL_CGROUP_V2)
        return cg_write(d->fd, d->dir, "cgroup.freeze", frozen ? "1" : "0", err);
    return cg_write(d->fd, d->dir, "freezer.state", frozen ? "FROZEN" : "THAWED", err);
}

int cg_freeze_set(const struct cg_layout *l, const char *path, bool frozen, hull_error **err)
{
    _cleanup_cg_dir_ struct cg_dir d = {.fd = -1};
    uint64_t start = now_ns();
    struct timespec pause = {0, 1000000};

    if (open_freezer(l, path, &d, err) < 0 || request(l, &d, frozen, err) < 0)
        return -1;
    for (unsigned int round = 1;; round++) {
        bool state;
        if (read_state(l, &d, &state, err) < 0)
            return -1;
        if (state == frozen)
            return 0;
        if (now_ns() - start > FREEZE_TIMEOUT_NS)
            break;
        nanosleep(&pause, NULL);
        if (pause.tv_nsec < 10000000)
            pause.tv_nsec += 1000000;
        /* v1 stays FREEZING when a task could not be frozen on the first
         * pass; asking again retries the stragglers. */
        if (l->mode == HULL_CGROUP_V1 && frozen && round % 10 == 0 && request(l, &d, true, err) < 0)
            return -1;
    }
    if (frozen) {
        _cleanup_error_ hull_error *ignored = NULL;
        request(l, &d, false, &ignored);
    }
    return hull_err(err, ETIMEDOUT, "%s cgroup \"%s\"", frozen ? "freeze" : "thaw", path);
}

int cg_freeze_get(const struct cg_layout *l, const char *path, bool *frozen, hull_error **err)
{
    _cleanup_cg_dir_ struct cg_dir d = {.fd = -1};
    _cleanup_free_ char *want = NULL;

    if (open_freezer(l, path, &d, err) < 0)
        return -1;
    if (l->mode == HULL_CGROUP_V1)
        return read_state(l, &d, frozen, err);
    /* The requested state, not cgroup.events: a cgroup being frozen
     * counts as paused as soon as it was asked to be. */
    if (cg_read(d.fd, d.dir, "cgroup.freeze", &want, err) < 0)
        return -1;
    *frozen = strcmp(want, "1") == 0;
    return 0;
}

static int with_layout_freeze(const char *path, int action, bool *frozen, hull_error **err)
{
    _cleanup_cg_layout_ struct cg_layout l = {0};
    static const char *const what[] = {"freeze", "thaw", "read the freezer state of"};

    if (cg_path_check(path, err) < 0 || cg_layout_load(&l, err) < 0)
        return hull_err_wrap(err, "%s cgroup \"%s\"", what[action], path ? path : "");
    if (!cg_freeze_available(&l))
        return cg_need(&l, CG_FREEZER, what[action], err);
    if ((action == 2 ? cg_freeze_get(&l, path, frozen, err)
                     : cg_freeze_set(&l, path, action == 0, err)) < 0)
        return hull_err_wrap(err, "%s cgroup \"%s\"", what[action], path);
    return 0;
}

int hull_cgroup_freeze(const char *path, hull_error **err)
{
    return with_layout_freeze(path, 0, NULL, err);
}

int hull_cgroup_thaw(const char *path, hull_error **err)
{
    return with_layout_freeze(path, 1, NULL, err);
}

int hull_cgroup_is_frozen(const char *path, bool *frozen, hull_error **err)
{
    return with_layout_freeze(path, 2, frozen, err);
}

int hull_cgroup_oom_kill_count(const char *path, uint64_t *count, hull_error **err)
{
    _cleanup_cg_layout_ struct cg_layout l = {0};
    _cleanup_cg_dir_ struct cg_dir d = {.fd = -1};
    bool v2, found;

    if (cg_path_check(path, err) < 0 || cg_layout_load(&l, err) < 0)
        goto fail;
    v2 = l.mode == HULL_CGROUP_V2;
    if (cg_open_for(&l, CG_MEMORY, path, &d, &found, err) < 0)
        goto fail;
    if (!found) {
        cg_need(&l, CG_MEMORY, "OOM kill counter", err);
        goto fail;
    }
    if (cg_read_key(d.fd, d.dir, v2 ? "memory.events" : "memory.oom_control", "oom_kill", count,
                    &found, err) < 0)
        goto fail;
    if (!found) {
        hull_err(err, 0, "this kernel does not count OOM kills per cgroup (no oom_kill in %s)",
                 v2 ? "memory.events" : "memory.oom_control");
        goto fail;
    }
    return 0;
fail:
    return hull_err_wrap(err, "OOM kill count of cgroup \"%s\"", path ? path : "");
}
