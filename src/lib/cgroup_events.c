/* Notification of OOM events of a cgroup, for `hullrt events`.
 *
 * v1 announces them through the memory controller's event mechanism: an
 * eventfd registered in cgroup.event_control against memory.oom_control
 * is signalled each time the group runs out of memory, and once more when
 * the group is removed.  v2 has no such registration; memory.events is
 * modified (an inotify IN_MODIFY) whenever one of its counters moves, so
 * the oom_kill counter is compared with what was already reported. */
#include "cgroup_internal.h"
#include "cgroup_ops.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

static int open_v1(struct hull_cgroup_oom_watch *w, int dfd, hull_error **err)
{
    w->control_fd = openat(dfd, "memory.oom_control", O_RDONLY | O_CLOEXEC);
    if (w->control_fd < 0)
        return hull_err(err, errno, "open \"%s/memory.oom_control\"", w->dir);
    w->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (w->fd < 0)
        return hull_err(err, errno, "eventfd");
    return cg_writef(dfd, w->dir, "cgroup.event_control", err, "%d %d", w->fd, w->control_fd);
}

static int open_v2(struct hull_cgroup_oom_watch *w, int dfd, hull_error **err)
{
    _cleanup_free_ char *events = xasprintf("%s/memory.events", w->dir);
    bool found;

    w->fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (w->fd < 0)
        return hull_err(err, errno, "inotify_init1");
    if (inotify_add_watch(w->fd, events, IN_MODIFY | IN_DELETE_SELF | IN_IGNORED) < 0)
        return hull_err(err, errno, "watch \"%s\"", events);
    /* Read after the watch exists, so no kill falls between the two. */
    return cg_read_key(dfd, w->dir, "memory.events", "oom_kill", &w->last, &found, err);
}

int hull_cgroup_oom_watch_open(const char *path, struct hull_cgroup_oom_watch *w, hull_error **err)
{
    _cleanup_cg_layout_ struct cg_layout l = {0};
    _cleanup_cg_dir_ struct cg_dir d = {.fd = -1};
    bool found;

    *w = (struct hull_cgroup_oom_watch){.fd = -1, .control_fd = -1};
    if (cg_path_check(path, err) < 0 || cg_layout_load(&l, err) < 0 ||
        cg_open_for(&l, CG_MEMORY, path, &d, &found, err) < 0)
        goto fail;
    if (!found) {
        cg_need(&l, CG_MEMORY, "OOM notification", err);
        goto fail;
    }
    w->v2 = l.mode == HULL_CGROUP_V2;
    w->dir = xstrdup(d.dir);
    if ((w->v2 ? open_v2(w, d.fd, err) : open_v1(w, d.fd, err)) < 0) {
        hull_cgroup_oom_watch_close(w);
        goto fail;
    }
    return 0;
fail:
    return hull_err_wrap(err, "watch OOM events of cgroup \"%s\"", path ? path : "");
}

static bool dir_gone(const char *dir)
{
    return access(dir, F_OK) < 0 && errno == ENOENT;
}

static int read_v1(struct hull_cgroup_oom_watch *w, uint64_t *events, bool *gone, hull_error **err)
{
    uint64_t n;

    if (read(w->fd, &n, sizeof(n)) != sizeof(n))
        return errno == EAGAIN ? 0 : hull_err(err, errno, "read the OOM eventfd of \"%s\"", w->dir);
    /* The removal of the group signals the eventfd too: that is no OOM. */
    if (dir_gone(w->dir)) {
        *gone = true;
        return 0;
    }
    *events = n;
    return 0;
}

static int read_v2(struct hull_cgroup_oom_watch *w, uint64_t *events, bool *gone, hull_error **err)
{
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    _cleanup_close_ int dfd = -1;
    uint64_t now = 0;
    bool found;
    ssize_t n;

    while ((n = read(w->fd, buf, sizeof(buf))) > 0) {
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *ev = (const struct inotify_event *)p;
            if (ev->mask & (IN_DELETE_SELF | IN_IGNORED))
                *gone = true;
            p += sizeof(*ev) + ev->len;
        }
    }
    if (n < 0 && errno != EAGAIN)
        return hull_err(err, errno, "read the inotify events of \"%s\"", w->dir);
    if (*gone || dir_gone(w->dir)) {
        *gone = true;
        return 0;
    }
    dfd = open(w->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        *gone = errno == ENOENT;
        return *gone ? 0 : hull_err(err, errno, "open cgroup \"%s\"", w->dir);
    }
    if (cg_read_key(dfd, w->dir, "memory.events", "oom_kill", &now, &found, err) < 0)
        return -1;
    if (now > w->last)
        *events = now - w->last;
    w->last = now;
    return 0;
}

int hull_cgroup_oom_watch_read(struct hull_cgroup_oom_watch *w, uint64_t *events, bool *gone,
                               hull_error **err)
{
    *events = 0;
    *gone = false;
    if (w->fd < 0) {
        *gone = true;
        return 0;
    }
    return w->v2 ? read_v2(w, events, gone, err) : read_v1(w, events, gone, err);
}

void hull_cgroup_oom_watch_close(struct hull_cgroup_oom_watch *w)
{
    closep(&w->fd);
    closep(&w->control_fd);
    free(w->dir);
    w->dir = NULL;
}
