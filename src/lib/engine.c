/* The engine context, finding hull's helper programs, and removing
 * containers. */
#include "cgroup.h"
#include "engine_internal.h"
#include "log.h"
#include "monitor_proto.h"
#include "net.h"
#include "overlay.h"
#include "paths.h"
#include "util.h"
#include "volume.h"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int check_root(const char *what, const char *path, hull_error **err)
{
    if (path[0] != '/')
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "%s \"%s\" is not an absolute path", what,
                             path);
    return 0;
}

/* The absolute path of the program ARGV0 names: itself when it holds a
 * "/", else the first executable of that name in PATH; NULL if none. */
static char *find_program(const char *argv0)
{
    _cleanup_free_ char *copy = NULL;
    const char *path = getenv("PATH");
    char *cursor, *dir;

    if (strchr(argv0, '/') != NULL)
        return realpath(argv0, NULL);
    copy = xstrdup(path != NULL ? path : "/usr/local/bin:/usr/bin:/bin");
    cursor = copy;
    while ((dir = strsep(&cursor, ":")) != NULL) {
        _cleanup_free_ char *candidate = xasprintf("%s/%s", *dir ? dir : ".", argv0);
        if (access(candidate, X_OK) == 0)
            return realpath(candidate, NULL);
    }
    return NULL;
}

char *hull_engine_helper(const struct hull_engine *e, const char *name, hull_error **err)
{
    _cleanup_free_ char *installed = xasprintf("%s/%s", HULL_LIBEXECDIR, name);

    /* In a build tree, the helpers built with this hull sit in sibling
     * directories (src/hull/hull, src/monitor/hull-monitor,
     * src/init/hull-init): they win over whatever is installed. */
    if (e->exe != NULL && str_has_prefix(name, "hull-")) {
        _cleanup_free_ char *dir = xstrdup(e->exe);
        char *slash = strrchr(dir, '/');
        *slash = '\0';
        char *built = xasprintf("%s/../%s/%s", dir, name + 5, name);
        if (access(built, X_OK) == 0)
            return built;
        free(built);
    }
    if (access(installed, X_OK) == 0)
        return take_ptr(installed);
    hull_err(err, 0, "cannot find %s (looked next to %s and in %s)", name,
             e->exe != NULL ? e->exe : "hull", HULL_LIBEXECDIR);
    return NULL;
}

char *hull_engine_run_dir(const struct hull_engine *e, const char *id)
{
    return xasprintf("%s/containers/%s", e->run_root, id);
}

int hull_engine_launch_lock(const struct hull_engine *e, const char *id, bool wait,
                            hull_error **err)
{
    _cleanup_free_ char *path = hull_engine_ctr_path(e, id, "launch.lock");
    _cleanup_close_ int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};

    if (fd < 0)
        return hull_err(err, errno, "open \"%s\"", path);
    while (fcntl(fd, wait ? F_SETLKW : F_SETLK, &fl) < 0) {
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EACCES)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, EBUSY,
                                 "container %.12s is being created right now", id);
        return hull_err(err, errno, "lock \"%s\"", path);
    }
    return take_fd(fd);
}

int hull_engine_open(const struct hull_engine_opts *o, struct hull_engine **out, hull_error **err)
{
    struct hull_engine *e = xmalloc0(sizeof(*e));
    const char *state = o->state_root ? o->state_root : HULL_DEFAULT_STATE_ROOT;
    const char *run = o->run_root ? o->run_root : HULL_DEFAULT_RUN_ROOT;

    e->ctr_dirfd = -1;
    if (check_root("state root", state, err) < 0 || check_root("run root", run, err) < 0)
        goto fail;
    e->state_root = hull_path_clean(state);
    e->run_root = hull_path_clean(run);
    e->runtime_root = xasprintf("%s/runtime", e->run_root);
    e->rt.root = e->runtime_root;
    e->rt.cgroup_parent = HULL_CGROUP_PARENT;
    e->exe = find_program(o->exe != NULL ? o->exe : "hull");
    e->seccomp_cache_dir = xasprintf("%s/cache/seccomp", e->state_root);
    e->rt.seccomp_cache_dir = e->seccomp_cache_dir;
    if (mkdir_p(e->state_root, 0700, err) < 0 || mkdir_p(e->runtime_root, 0700, err) < 0)
        goto fail;
    e->ctr_dirfd = hull_ctr_dir_open(e->state_root, err);
    if (e->ctr_dirfd < 0 || hull_store_open(e->state_root, &e->store, err) < 0)
        goto fail;
    *out = e;
    return 0;
fail:
    hull_engine_close(e);
    return hull_err_wrap(err, "open the engine");
}

void hull_engine_close(struct hull_engine *e)
{
    if (e == NULL)
        return;
    if (e->store != NULL)
        hull_store_close(e->store);
    closep(&e->ctr_dirfd);
    free(e->state_root);
    free(e->run_root);
    free(e->runtime_root);
    free(e->exe);
    free(e->seccomp_cache_dir);
    free(e);
}

void hull_engine_closep(struct hull_engine **e)
{
    hull_engine_close(*e);
    *e = NULL;
}

char *hull_engine_ctr_path(const struct hull_engine *e, const char *id, const char *name)
{
    if (name == NULL)
        return xasprintf("%s/containers/%s", e->state_root, id);
    return xasprintf("%s/containers/%s/%s", e->state_root, id, name);
}

int hull_engine_init_pidfd(const struct hull_ctr *c)
{
    int fd;

    if (c->pid <= 0)
        return -1;
    fd = (int)syscall(SYS_pidfd_open, c->pid, 0);
    /* The start time proves the pid was not reused since it was saved. */
    if (fd >= 0 && !hull_proc_is_same(c->pid, c->pid_start)) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Keeps the first error of a sequence of cleanup steps. */
static void keep_first(hull_error **first, hull_error **e)
{
    if (*e == NULL)
        return;
    if (*first == NULL)
        *first = take_ptr(*e);
    else
        hull_error_freep(e);
}

/* What a crash may leave of a cgroup without the runtime's state (a
 * create killed halfway): its processes and directories. */
static void destroy_cgroup(const char *id, hull_error **err)
{
    _cleanup_free_ char *path = xasprintf("/" HULL_CGROUP_PARENT "/%s", id);
    _cleanup_error_ hull_error *busy = NULL;

    if (hull_cgroup_destroy(path, &busy) == 0)
        return;
    if (hull_cgroup_kill_all(path, SIGKILL, err) == 0)
        hull_cgroup_destroy(path, err);
}

int hull_engine_teardown(struct hull_engine *e, const struct hull_ctr *c, unsigned int flags,
                         hull_error **err)
{
    _cleanup_free_ char *rootfs = hull_engine_ctr_path(e, c->id, "rootfs");
    _cleanup_free_ char *run_dir = hull_engine_run_dir(e, c->id);
    hull_error *first = NULL, *step = NULL;

    if (hull_container_delete(&e->rt, c->id, true, &step) < 0 && step->kind == HULL_ERR_NOT_EXIST) {
        hull_error_freep(&step);
        destroy_cgroup(c->id, &step);
    }
    keep_first(&first, &step);
    hull_net_teardown(e, c->id, &step);
    keep_first(&first, &step);
    hull_overlay_unmount(rootfs, &step);
    keep_first(&first, &step);
    if (!(flags & HULL_TEARDOWN_KEEP_RUN_DIR))
        rm_rf_at(AT_FDCWD, run_dir, &step);
    keep_first(&first, &step);
    /* The record stays when the mount could not be removed: deleting the
     * directory would then reach into the merged tree. */
    if ((flags & HULL_TEARDOWN_VOLUMES) && (flags & HULL_TEARDOWN_RECORD) && first == NULL)
        hull_volumes_release(e, c, &step);
    keep_first(&first, &step);
    if ((flags & HULL_TEARDOWN_RECORD) && first == NULL) {
        if (flags & HULL_TEARDOWN_UNLIST)
            hull_ctr_unlist(e->ctr_dirfd, c->id, &step);
        else
            hull_ctr_remove(e->ctr_dirfd, c->id, &step);
    }
    keep_first(&first, &step);
    if (first != NULL) {
        *err = first;
        return hull_err_wrap(err, "clean up container %.12s", c->id);
    }
    return 0;
}

int hull_engine_lock_ref(struct hull_engine *e, const char *ref, struct hull_ctr *c,
                         hull_error **err)
{
    _cleanup_free_ char *id = NULL;
    _cleanup_close_ int lock = -1;

    memset(c, 0, sizeof(*c));
    if (hull_ctr_lookup(e->ctr_dirfd, ref, &id, err) < 0)
        return -1;
    lock = hull_ctr_lock(e->ctr_dirfd, id, err);
    if (lock < 0 || hull_ctr_load(e->ctr_dirfd, id, c, err) < 0)
        return -1;
    return take_fd(lock);
}

void hull_engine_save_warn(struct hull_engine *e, const struct hull_ctr *c)
{
    _cleanup_error_ hull_error *err = NULL;

    if (hull_ctr_save(e->ctr_dirfd, c, &err) < 0 && err->kind != HULL_ERR_NOT_EXIST)
        hull_warn("%s", err->msg);
}

enum hull_ctr_status hull_engine_ctr_status(const struct hull_ctr *c)
{
    /* A live monitor records the exit in a moment: until then the
     * record is right to say running. */
    if (c->status == HULL_CTR_RUNNING && !hull_ctr_is_running(c) && !hull_ctr_monitor_alive(c))
        return HULL_CTR_EXITED;
    if (c->status == HULL_CTR_RESTARTING && !hull_ctr_monitor_alive(c))
        return HULL_CTR_EXITED;
    return c->status;
}

/* Removes container C whose lock is held, killing what runs. */
static int remove_locked(struct hull_engine *e, struct hull_ctr *c, bool force, bool volumes,
                         hull_error **err)
{
    enum hull_ctr_status s = hull_engine_ctr_status(c);

    if ((s == HULL_CTR_RUNNING || s == HULL_CTR_RESTARTING) && !force) {
        if (s == HULL_CTR_RESTARTING)
            return hull_err_kind(
                err, HULL_ERR_BAD_INPUT, 0,
                "cannot remove container \"/%s\": container is restarting: stop the container before removing or force remove",
                c->name);
        return hull_err_kind(
            err, HULL_ERR_BAD_INPUT, 0,
            "cannot remove container \"/%s\": container is running: stop the container before removing or force remove",
            c->name);
    }
    /* A monitor waiting to restart it is woken: its restart hook, held by
     * our lock, then finds the record gone and the monitor ends. */
    if (s == HULL_CTR_RESTARTING) {
        _cleanup_close_ int sock = hull_engine_monitor_connect(e, c, 0, NULL);
        char wake = HULL_MON_WAKE;
        if (sock >= 0)
            send(sock, &wake, 1, MSG_NOSIGNAL);
    }
    /* The lock stays held: the monitor's hook, waiting for it to record
     * the exit, finds the record gone afterwards and does nothing. */
    return hull_engine_teardown(e, c, HULL_TEARDOWN_RECORD | (volumes ? HULL_TEARDOWN_VOLUMES : 0),
                                err);
}

int hull_engine_rm(struct hull_engine *e, const char *ref, bool force, bool volumes,
                   hull_error **err)
{
    struct hull_ctr c;
    _cleanup_close_ int lock = hull_engine_lock_ref(e, ref, &c, err);
    bool removed = false;
    int ret = 0;

    if (lock < 0)
        return -1;
    hull_engine_repair_locked(e, &c, &removed);
    if (!removed)
        ret = remove_locked(e, &c, force, volumes, err);
    hull_ctr_clear(&c);
    return ret;
}

int hull_engine_rename(struct hull_engine *e, const char *ref, const char *name, hull_error **err)
{
    _cleanup_free_ char *id = NULL;

    if (hull_ctr_lookup(e->ctr_dirfd, ref, &id, err) < 0)
        return -1;
    if (hull_ctr_rename(e->ctr_dirfd, id, name, err) < 0)
        return hull_err_wrap(err, "rename container \"%s\"", ref);
    return 0;
}

int hull_engine_prune(struct hull_engine *e, char ***removed, uint64_t *reclaimed, hull_error **err)
{
    struct hull_ctr *list = NULL;
    size_t n = 0;

    *removed = NULL;
    *reclaimed = 0;
    hull_engine_reconcile(e);
    if (hull_ctr_list(e->ctr_dirfd, &list, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        enum hull_ctr_status s = hull_engine_ctr_status(&list[i]);
        _cleanup_free_ char *upper = hull_engine_ctr_path(e, list[i].id, "upper");
        _cleanup_error_ hull_error *step = NULL;
        uint64_t size;

        if (s != HULL_CTR_EXITED && s != HULL_CTR_CREATED)
            continue;
        size = hull_dir_size(upper);
        /* Another command may have started it since the list was read:
         * the check is made again under its lock. */
        struct hull_ctr c;
        _cleanup_close_ int lock = hull_engine_lock_ref(e, list[i].id, &c, &step);
        if (lock < 0)
            continue;
        s = hull_engine_ctr_status(&c);
        if ((s == HULL_CTR_EXITED || s == HULL_CTR_CREATED) &&
            remove_locked(e, &c, false, false, &step) == 0) {
            strv_append(removed, c.id);
            *reclaimed += size;
        } else if (step != NULL) {
            hull_warn("%s", step->msg);
        }
        hull_ctr_clear(&c);
    }
    hull_ctr_list_free(list, n);
    return 0;
}
