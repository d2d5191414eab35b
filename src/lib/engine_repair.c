/* What happens when a container's process exits: the monitor's hooks
 * record it, clean up and apply the restart policy.  And what happens
 * when nobody was there to do it (a monitor killed with SIGKILL, a
 * reboot): the next command repairs the record from what is left.
 *
 * The order of each step is chosen for crashes in between: the cleanup
 * comes before the record says "exited", so a record saying so never
 * hides a mount or a cgroup; a repeated cleanup finds nothing to do. */
#include "engine_internal.h"
#include "log.h"
#include "monitor_proto.h"
#include "overlay.h"
#include "state.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <unistd.h>

/* The exit the monitor wrote down before it ran its hook, if it did:
 * "CODE TIME". */
static bool read_exit_file(struct hull_engine *e, const char *id, int *code, char **time)
{
    _cleanup_free_ char *path = hull_engine_ctr_path(e, id, HULL_MON_EXIT_FILE);
    _cleanup_free_ char *text = NULL;
    _cleanup_error_ hull_error *err = NULL;
    char when[64];

    if (read_file_at(AT_FDCWD, path, 256, &text, NULL, &err) < 0)
        return false;
    if (sscanf(text, "%d %63s", code, when) != 2)
        return false;
    *time = xstrdup(when);
    return true;
}

static void warn_error(hull_error **err)
{
    if (*err != NULL)
        hull_warn("%s", (*err)->msg);
    hull_error_freep(err);
}

/* Records that C's process is gone (CODE at TIME, or what the exit file
 * says) and releases what its run held.  Returns true when C was
 * removed (--rm). */
static bool record_exit(struct hull_engine *e, struct hull_ctr *c, int code, const char *time,
                        unsigned int remove_flags)
{
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_free_ char *file_time = NULL;
    int file_code;

    if (read_exit_file(e, c->id, &file_code, &file_time)) {
        code = file_code;
        time = file_time;
    }
    hull_engine_note_oom(e, c);
    /* With --rm the record goes too, unless something could not be
     * released: then it stays, saying exited, for rm to try again. */
    if (hull_engine_teardown(
            e, c, c->auto_remove ? HULL_TEARDOWN_RECORD | HULL_TEARDOWN_VOLUMES | remove_flags : 0,
            &err) == 0 &&
        c->auto_remove)
        return true;
    warn_error(&err);
    c->status = HULL_CTR_EXITED;
    c->exit_code = code;
    free(c->finished_at);
    c->finished_at = time != NULL ? xstrdup(time) : hull_time_now_rfc3339();
    c->pid = 0;
    c->monitor_pid = 0;
    hull_engine_save_warn(e, c);
    return false;
}

/* True when a run of C left something behind: its overlay mounted, or
 * the runtime's state. */
static bool leftovers(struct hull_engine *e, const struct hull_ctr *c)
{
    _cleanup_free_ char *rootfs = hull_engine_ctr_path(e, c->id, "rootfs");
    _cleanup_free_ char *state = xasprintf("%s/%s", e->runtime_root, c->id);
    _cleanup_error_ hull_error *err = NULL;

    return access(state, F_OK) == 0 || hull_overlay_is_mounted(rootfs, &err) > 0;
}

/* A record still saying "created" although its start went through: the
 * hull that started it was killed before it could say so. */
static void note_started(struct hull_engine *e, struct hull_ctr *c)
{
    struct hull_state st;
    _cleanup_error_ hull_error *err = NULL;

    if (c->status != HULL_CTR_CREATED || c->pid <= 0 || !hull_proc_is_same(c->pid, c->pid_start))
        return;
    if (hull_container_state(&e->rt, c->id, &st, &err) < 0)
        return;
    if (st.status == HULL_STATUS_RUNNING) {
        c->status = HULL_CTR_RUNNING;
        free(c->started_at);
        c->started_at = xstrdup(st.created);
        hull_engine_save_warn(e, c);
    }
    hull_state_clear(&st);
}

bool hull_engine_ctr_complete(struct hull_engine *e, const struct hull_ctr *c)
{
    _cleanup_free_ char *config = hull_engine_ctr_path(e, c->id, "config.json");

    return c->status != HULL_CTR_CREATED || access(config, F_OK) == 0;
}

void hull_engine_repair_locked(struct hull_engine *e, struct hull_ctr *c, bool *removed)
{
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_close_ int launching = -1;

    *removed = false;
    /* A live monitor does all of this itself. */
    if (hull_ctr_monitor_alive(c)) {
        note_started(e, c);
        return;
    }
    /* A creator whose parent died is still at work: not ours to undo. */
    launching = hull_engine_launch_lock(e, c->id, false, &err);
    if (launching < 0)
        return;
    switch (c->status) {
    case HULL_CTR_RUNNING:
        /* Still running without its monitor: that is the truth, and
         * stop, kill and rm still work on it. */
        if (hull_ctr_is_running(c))
            return;
        /* Exit code 255: Docker's "unknown" for a process nobody saw end. */
        *removed = record_exit(e, c, 255, NULL, 0);
        return;
    case HULL_CTR_RESTARTING:
        *removed = record_exit(e, c, c->exit_code, c->finished_at, 0);
        return;
    case HULL_CTR_CREATED:
        /* Its creator was killed before it wrote config.json, the last
         * thing a start needs: a creation that never finished is undone,
         * as its own failure would have done. */
        if (!hull_engine_ctr_complete(e, c)) {
            hull_engine_teardown(e, c, HULL_TEARDOWN_RECORD | HULL_TEARDOWN_VOLUMES, &err);
            *removed = err == NULL;
            warn_error(&err);
            return;
        }
        /* fall through */
    case HULL_CTR_EXITED:
        if (!leftovers(e, c))
            return;
        hull_engine_teardown(e, c, 0, &err);
        warn_error(&err);
        c->pid = 0;
        c->monitor_pid = 0;
        hull_engine_save_warn(e, c);
        return;
    }
}

#define COMMIT_PAUSE "commit-pause"

/* Resumes C when it is still paused by a commit that is gone: the caller
 * holds the lock of the marker it found still linked. */
static int resume_stale(struct hull_engine *e, const struct hull_ctr *c, hull_error **err)
{
    if (hull_engine_ctr_paused(e, c) && hull_container_resume(&e->rt, c->id, err) < 0)
        return hull_err_wrap(err, "resume container %.12s, left paused by a killed commit", c->id);
    return 0;
}

/* Opens and locks C's marker (created when CREATE): *FD gets the locked
 * descriptor, or -1 when there is none or (!WAIT) another holds it.
 * *STALE: the file was there before, left by a killed commit. */
static int commit_pause_lock(struct hull_engine *e, const struct hull_ctr *c, bool create,
                             bool wait, int *out, bool *stale, hull_error **err)
{
    _cleanup_free_ char *path = hull_engine_ctr_path(e, c->id, COMMIT_PAUSE);

    *out = -1;
    for (;;) {
        _cleanup_close_ int fd = -1;
        struct stat st;

        *stale = true;
        fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT && create) {
            fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
            *stale = false;
            if (fd < 0 && errno == EEXIST)
                continue;
        }
        if (fd < 0)
            return errno == ENOENT && !create ? 0 : hull_err(err, errno, "open \"%s\"", path);
        if (flock(fd, wait ? LOCK_EX : LOCK_EX | LOCK_NB) < 0)
            return errno == EWOULDBLOCK ? 0 : hull_err(err, errno, "lock \"%s\"", path);
        if (fstat(fd, &st) < 0)
            return hull_err(err, errno, "stat \"%s\"", path);
        if (st.st_nlink > 0) {
            *out = take_fd(fd);
            return 0;
        }
        /* Removed by its owner while we waited: done with, or a new one
         * is needed. */
        if (!create)
            return 0;
    }
}

int hull_engine_commit_pause_begin(struct hull_engine *e, const struct hull_ctr *c,
                                   hull_error **err)
{
    _cleanup_close_ int fd = -1;
    bool stale;

    if (commit_pause_lock(e, c, true, true, &fd, &stale, err) < 0 ||
        (stale && resume_stale(e, c, err) < 0))
        return -1;
    return take_fd(fd);
}

void hull_engine_commit_pause_end(struct hull_engine *e, const struct hull_ctr *c, int fd)
{
    _cleanup_free_ char *path = hull_engine_ctr_path(e, c->id, COMMIT_PAUSE);

    /* Unlinked before the unlock: a waiter then finds its file gone. */
    if (unlink(path) < 0 && errno != ENOENT)
        hull_warn("remove \"%s\": %s", path, strerror(errno));
    close(fd);
}

void hull_engine_commit_pause_repair(struct hull_engine *e, const struct hull_ctr *c)
{
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_close_ int fd = -1;
    bool stale;

    if (commit_pause_lock(e, c, false, false, &fd, &stale, &err) == 0 && fd >= 0 &&
        resume_stale(e, c, &err) == 0)
        hull_engine_commit_pause_end(e, c, take_fd(fd));
    warn_error(&err);
}

/* Directories a removal killed halfway left: their record is gone (it
 * goes first, after everything else was released), the rest of the
 * directory stays.  Removed under the lock that creation holds, so a
 * directory being made right now is not taken for one. */
static void remove_orphans(struct hull_engine *e)
{
    _cleanup_strv_ char **ids = NULL;
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_close_ int dir_lock = -1;

    if (hull_ctr_orphans(e->ctr_dirfd, &ids, &err) < 0 || ids == NULL) {
        warn_error(&err);
        return;
    }
    dir_lock = hull_ctr_dir_lock(e->ctr_dirfd, &err);
    if (dir_lock < 0) {
        warn_error(&err);
        return;
    }
    for (size_t i = 0; ids[i] != NULL; i++) {
        _cleanup_close_ int fd = openat(e->ctr_dirfd, ids[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_free_ char *rootfs = hull_engine_ctr_path(e, ids[i], "rootfs");
        struct stat st;
        if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0 ||
            (fstatat(fd, "hull.json", &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_size > 0))
            continue;
        hull_overlay_unmount(rootfs, &err);
        warn_error(&err);
        if (rm_rf_at(e->ctr_dirfd, ids[i], &err) < 0)
            warn_error(&err);
    }
}

void hull_engine_reconcile(struct hull_engine *e)
{
    struct hull_ctr *list = NULL;
    size_t n = 0;
    _cleanup_error_ hull_error *err = NULL;

    if (hull_ctr_list(e->ctr_dirfd, &list, &n, &err) < 0) {
        warn_error(&err);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        struct hull_ctr *c = &list[i];
        _cleanup_free_ char *id = NULL;
        _cleanup_close_ int fd = -1;
        bool removed;

        hull_engine_commit_pause_repair(e, c);
        if (hull_ctr_monitor_alive(c) || (c->status == HULL_CTR_RUNNING && hull_ctr_is_running(c)))
            continue;
        if ((c->status == HULL_CTR_CREATED || c->status == HULL_CTR_EXITED) && !leftovers(e, c) &&
            hull_engine_ctr_complete(e, c))
            continue;
        id = xstrdup(c->id);
        fd = openat(e->ctr_dirfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        /* A command holding the lock is working on it right now. */
        if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0)
            continue;
        /* Read again under the lock: the list may be old already. */
        hull_ctr_clear(c);
        if (hull_ctr_load(e->ctr_dirfd, id, c, &err) < 0) {
            hull_error_freep(&err);
            continue;
        }
        hull_engine_repair_locked(e, c, &removed);
    }
    hull_ctr_list_free(list, n);
    remove_orphans(e);
    /* What a purge killed halfway left aside. */
    if (hull_ctr_purge(e->ctr_dirfd, &err) < 0)
        warn_error(&err);
}

int hull_engine_purge(struct hull_engine *e, hull_error **err)
{
    return hull_ctr_purge(e->ctr_dirfd, err);
}

void hull_engine_purge_in_background(struct hull_engine *e)
{
    _cleanup_error_ hull_error *err = NULL;
    pid_t pid = fork();
    int null;

    if (pid != 0)
        return;
    null = open("/dev/null", O_RDWR | O_CLOEXEC);
    for (int fd = 0; fd < 3 && null >= 0; fd++)
        dup2(null, fd);
    if (hull_engine_purge(e, &err) < 0)
        hull_debug("purge: %s", err->msg);
    _exit(0);
}

/* ---- the monitor's hooks ---- */

int hull_engine_monitor_exited(struct hull_engine *e, const char *id, int code,
                               const char *finished_at, bool *restart, bool *removed,
                               hull_error **err)
{
    struct hull_ctr c;
    _cleanup_close_ int lock = -1;
    _cleanup_error_ hull_error *step = NULL;

    *restart = false;
    *removed = false;
    lock = hull_ctr_lock(e->ctr_dirfd, id, &step);
    /* Removed meanwhile (rm -f): nothing left to record. */
    if (lock < 0 && step->kind == HULL_ERR_NOT_EXIST)
        return 0;
    if (lock < 0 || hull_ctr_load(e->ctr_dirfd, id, &c, &step) < 0) {
        *err = take_ptr(step);
        return -1;
    }
    /* Killed before it was ever started (rm, or a repair): it stays
     * "created", with nothing held. */
    if (c.status == HULL_CTR_CREATED) {
        hull_engine_teardown(e, &c, 0, &step);
        warn_error(&step);
        c.pid = 0;
        c.monitor_pid = 0;
        hull_engine_save_warn(e, &c);
        hull_ctr_clear(&c);
        return 0;
    }
    *restart = hull_restart_wanted(&c, code);
    if (!*restart) {
        /* The monitor wrote the exit file for this very exit.  With --rm
         * the directory is only moved aside: the monitor reports the exit
         * once this hook returns, and the caller deletes it after
         * (hull_engine_purge). */
        *removed = record_exit(e, &c, code, finished_at, HULL_TEARDOWN_UNLIST);
        hull_ctr_clear(&c);
        return 0;
    }
    hull_engine_note_oom(e, &c);
    hull_engine_teardown(e, &c, HULL_TEARDOWN_KEEP_RUN_DIR, &step);
    warn_error(&step);
    c.status = HULL_CTR_RESTARTING;
    c.exit_code = code;
    free(c.finished_at);
    c.finished_at = xstrdup(finished_at);
    c.pid = 0;
    hull_engine_save_warn(e, &c);
    hull_ctr_clear(&c);
    return 0;
}

static int report(int fd, pid_t init, int pty, hull_error **err)
{
    struct hull_mon_report rep = {.init_pid = init};
    char cbuf[CMSG_SPACE(sizeof(int))] = {0};
    struct iovec iov = {.iov_base = &rep, .iov_len = sizeof(rep)};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};

    if (pty >= 0) {
        mh.msg_control = cbuf;
        mh.msg_controllen = sizeof(cbuf);
        struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cm), &pty, sizeof(int));
    }
    if (sendmsg(fd, &mh, MSG_NOSIGNAL) != (ssize_t)sizeof(rep))
        return hull_err(err, errno, "report the restarted container to its monitor");
    return 0;
}

/* The restart failed: the record says why, as a start that failed. */
static void restart_failed(struct hull_engine *e, struct hull_ctr *c, const hull_error *why)
{
    _cleanup_error_ hull_error *step = NULL;

    hull_engine_teardown(e, c, 0, &step);
    warn_error(&step);
    c->status = HULL_CTR_EXITED;
    c->exit_code = why->kind == HULL_ERR_EXEC_NOT_FOUND ? 127
                   : why->kind == HULL_ERR_EXEC_DENIED  ? 126
                                                        : 125;
    free(c->error);
    c->error = xstrdup(why->msg);
    c->pid = 0;
    c->monitor_pid = 0;
    hull_engine_save_warn(e, c);
}

int hull_engine_monitor_restart(struct hull_engine *e, const char *id, int report_fd,
                                bool *declined, hull_error **err)
{
    struct hull_ctr c;
    _cleanup_close_ int lock = -1, pty = -1;
    _cleanup_error_ hull_error *step = NULL;
    int ret = -1;

    *declined = false;
    lock = hull_ctr_lock(e->ctr_dirfd, id, &step);
    if (lock < 0 && step->kind == HULL_ERR_NOT_EXIST) {
        *declined = true;
        return 0;
    }
    if (lock < 0 || hull_ctr_load(e->ctr_dirfd, id, &c, &step) < 0) {
        *err = take_ptr(step);
        return -1;
    }
    /* Stopped while the restart waited: it stays stopped. */
    if (c.status != HULL_CTR_RESTARTING || c.stop_requested) {
        *declined = true;
        if (c.status == HULL_CTR_RESTARTING)
            record_exit(e, &c, c.exit_code, c.finished_at, 0);
        hull_ctr_clear(&c);
        return 0;
    }
    c.restart_count++;
    if (hull_engine_relaunch(e, &c, &pty, err) < 0 || hull_engine_start_locked(e, &c, err) < 0 ||
        report(report_fd, c.pid, pty, err) < 0) {
        restart_failed(e, &c, *err);
        goto out;
    }
    ret = 0;
out:
    hull_ctr_clear(&c);
    return ret;
}
