/* hull logs: a container's log, followed while its monitor lives. */
#include "ctrlog.h"
#include "engine_internal.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The monitor's pidfd while it lives (its start time checked). */
static int monitor_pidfd(const struct hull_ctr *c)
{
    int fd;

    if (c->monitor_pid <= 0)
        return -1;
    fd = (int)syscall(SYS_pidfd_open, c->monitor_pid, 0);
    if (fd >= 0 && !hull_ctr_monitor_alive(c)) {
        close(fd);
        return -1;
    }
    return fd;
}

int hull_engine_logs(struct hull_engine *e, const char *ref, const struct hull_logs_opts *o,
                     int out_fd, int err_fd, hull_error **err)
{
    _cleanup_free_ char *id = NULL, *dir = NULL;
    _cleanup_close_ int dirfd = -1, monitor = -1;
    struct hull_ctr c;

    if (hull_ctr_lookup(e->ctr_dirfd, ref, &id, err) < 0 ||
        hull_ctr_load(e->ctr_dirfd, id, &c, err) < 0)
        return -1;
    /* Taken before the existing records are read: a monitor that exits
     * meanwhile is still noticed, and its last records read. */
    if (o->follow)
        monitor = monitor_pidfd(&c);
    hull_ctr_clear(&c);
    dir = hull_engine_ctr_path(e, id, NULL);
    dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0)
        return hull_err(err, errno, "open \"%s\"", dir);
    return hull_ctrlog_read(dirfd, o, monitor, out_fd, err_fd);
}
