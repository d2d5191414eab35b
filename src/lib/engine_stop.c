/* Stopping containers: stop (the stop signal, then SIGKILL), kill and
 * restart.  The record's lock is held only to decide and to say "stopped
 * by the user"; the waiting happens without it, since the monitor's hook
 * needs it to record the exit. */
#include "engine_internal.h"
#include "log.h"
#include "monitor_proto.h"
#include "signals.h"
#include "state.h"
#include "util.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

/* How long the monitor may take to record an exit and clean up once the
 * process is gone, before the repair does it instead. */
#define RECORD_TIMEOUT_MS 60000
#define KILL_TIMEOUT_MS   10000

static bool wait_gone(int pidfd, int timeout_ms)
{
    struct pollfd p = {.fd = pidfd, .events = POLLIN};
    int n;

    if (pidfd < 0)
        return true;
    do
        n = poll(&p, 1, timeout_ms);
    while (n < 0 && errno == EINTR);
    return n != 0;
}

/* What stop does once it has decided, without the lock. */
struct stopping {
    char id[HULL_CTR_ID_LEN + 1];
    int sig, timeout_ms;
    int pidfd;       /* the init, -1 if none runs */
    int sock;        /* its monitor, -1 if none */
    bool restarting; /* only a restart is pending */
};

/* Under the lock: records the stop request and gets hold of the init and
 * its monitor.  Returns 1 when there is something to stop. */
static int begin_stop(struct hull_engine *e, const char *ref, int timeout, struct stopping *st,
                      hull_error **err)
{
    struct hull_ctr c;
    _cleanup_close_ int lock = hull_engine_lock_ref(e, ref, &c, err);
    _cleanup_error_ hull_error *e2 = NULL;
    enum hull_ctr_status s;
    bool removed;
    int ret = 0;

    if (lock < 0)
        return -1;
    hull_engine_repair_locked(e, &c, &removed);
    s = removed ? HULL_CTR_EXITED : hull_engine_ctr_status(&c);
    if (s == HULL_CTR_CREATED && hull_ctr_monitor_alive(&c)) {
        /* Launched and never started (its start was interrupted): nothing
         * runs, and nothing needs to wait for a start any more. */
        if (hull_engine_teardown(e, &c, 0, &e2) < 0)
            hull_warn("%s", e2->msg);
        c.monitor_pid = 0;
        hull_engine_save_warn(e, &c);
    }
    if (s == HULL_CTR_RUNNING || s == HULL_CTR_RESTARTING) {
        st->sig = hull_signal_parse(c.stop_signal != NULL ? c.stop_signal : "SIGTERM", &e2);
        if (st->sig < 0)
            st->sig = SIGTERM;
        st->timeout_ms = 1000 * (timeout >= 0          ? timeout
                                 : c.stop_timeout >= 0 ? c.stop_timeout
                                                       : HULL_STOP_TIMEOUT_DEFAULT);
        c.stop_requested = true;
        if (hull_ctr_save(e->ctr_dirfd, &c, err) < 0) {
            ret = -1;
        } else {
            snprintf(st->id, sizeof(st->id), "%s", c.id);
            st->restarting = s == HULL_CTR_RESTARTING;
            st->pidfd = st->restarting ? -1 : hull_engine_init_pidfd(&c);
            st->sock =
                hull_ctr_monitor_alive(&c) ? hull_engine_monitor_connect(e, &c, 0, NULL) : -1;
            ret = 1;
        }
    }
    hull_ctr_clear(&c);
    return ret;
}

int hull_engine_stop(struct hull_engine *e, const char *ref, int timeout, hull_error **err)
{
    struct stopping st = {.pidfd = -1, .sock = -1};
    int code, ret = begin_stop(e, ref, timeout, &st, err);

    if (ret <= 0)
        return ret;
    if (st.restarting) {
        /* Its monitor waits to restart it: the restart now finds it
         * stopped and declines. */
        char wake = HULL_MON_WAKE;
        send(st.sock, &wake, 1, MSG_NOSIGNAL);
    } else if (st.pidfd >= 0) {
        syscall(SYS_pidfd_send_signal, st.pidfd, st.sig, NULL, 0);
        if (!wait_gone(st.pidfd, st.timeout_ms)) {
            _cleanup_error_ hull_error *e2 = NULL;
            /* Every process of it, so none survives its init. */
            if (hull_container_kill(&e->rt, st.id, SIGKILL, true, &e2) < 0)
                syscall(SYS_pidfd_send_signal, st.pidfd, SIGKILL, NULL, 0);
            if (!wait_gone(st.pidfd, KILL_TIMEOUT_MS))
                hull_warn("container %.12s did not die after SIGKILL", st.id);
        }
    }
    /* Done once the monitor recorded it; without one (killed), the repair
     * of the next lock does it. */
    if (st.sock < 0 || hull_engine_monitor_wait(st.sock, RECORD_TIMEOUT_MS, &code) != 0 ||
        code < 0) {
        struct hull_ctr c;
        _cleanup_close_ int lock = hull_engine_lock_ref(e, st.id, &c, NULL);
        bool removed;
        if (lock >= 0) {
            hull_engine_repair_locked(e, &c, &removed);
            hull_ctr_clear(&c);
        }
    }
    closep(&st.pidfd);
    closep(&st.sock);
    return 0;
}

int hull_engine_kill(struct hull_engine *e, const char *ref, int sig, hull_error **err)
{
    struct hull_ctr c;
    _cleanup_close_ int lock = hull_engine_lock_ref(e, ref, &c, err);
    _cleanup_close_ int pidfd = -1;
    bool removed;
    int ret = -1;

    if (lock < 0)
        return -1;
    hull_engine_repair_locked(e, &c, &removed);
    if (removed || hull_engine_ctr_status(&c) != HULL_CTR_RUNNING ||
        (pidfd = hull_engine_init_pidfd(&c)) < 0) {
        hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "cannot kill container %s: it is not running",
                      ref);
        goto out;
    }
    c.stop_requested = true;
    if (hull_ctr_save(e->ctr_dirfd, &c, err) < 0)
        goto out;
    if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0) {
        hull_err(err, errno, "send signal %d to container %s", sig, ref);
        goto out;
    }
    ret = 0;
out:
    hull_ctr_clear(&c);
    return ret;
}

int hull_engine_restart(struct hull_engine *e, const char *ref, int timeout, hull_error **err)
{
    int code;

    if (hull_engine_stop(e, ref, timeout, err) < 0)
        return -1;
    return hull_engine_start(e, ref, NULL, &code, err);
}
