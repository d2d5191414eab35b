#include "namespaces.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

int hull_ns_open_paths(const struct hull_linux *l, int fds[HULL_NS_COUNT], hull_error **err)
{
    for (int t = 0; t < HULL_NS_COUNT; t++)
        fds[t] = -1;
    for (int t = 0; t < HULL_NS_COUNT; t++) {
        const struct hull_namespace *ns = &l->namespaces[t];
        if (!ns->present || ns->path == NULL)
            continue;
        int fd = open(ns->path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            hull_ns_close_all(fds);
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, errno, "open %s namespace path \"%s\"",
                                 hull_ns_type_name(t), ns->path);
        }
        fds[t] = fd;
        int type = ioctl(fd, NS_GET_NSTYPE);
        if (type < 0) {
            int saved = errno;
            hull_ns_close_all(fds);
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, saved == ENOTTY ? 0 : saved,
                                 "%s namespace path \"%s\" is not a namespace",
                                 hull_ns_type_name(t), ns->path);
        }
        if (type != hull_ns_clone_flag(t)) {
            const char *actual = "unknown";
            for (int u = 0; u < HULL_NS_COUNT; u++)
                if (hull_ns_clone_flag(u) == type)
                    actual = hull_ns_type_name(u);
            hull_ns_close_all(fds);
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 "namespace path \"%s\" is a %s namespace, not a %s namespace",
                                 ns->path, actual, hull_ns_type_name(t));
        }
    }
    return 0;
}

void hull_ns_close_all(int fds[HULL_NS_COUNT])
{
    for (int t = 0; t < HULL_NS_COUNT; t++)
        closep(&fds[t]);
}

int hull_ns_unshare_flags(const struct hull_linux *l)
{
    int flags = 0;
    for (int t = 0; t < HULL_NS_COUNT; t++)
        if (t != HULL_NS_USER && l->namespaces[t].present && l->namespaces[t].path == NULL)
            flags |= hull_ns_clone_flag(t);
    return flags;
}

bool hull_ns_new_user(const struct hull_linux *l)
{
    return l->namespaces[HULL_NS_USER].present && l->namespaces[HULL_NS_USER].path == NULL;
}

bool hull_ns_has(const struct hull_linux *l, enum hull_ns_type t)
{
    return l->namespaces[t].present;
}

static int join_one(int fds[HULL_NS_COUNT], enum hull_ns_type t, hull_error **err)
{
    if (fds[t] < 0)
        return 0;
    if (setns(fds[t], hull_ns_clone_flag(t)) < 0)
        return hull_err(err, errno, "join %s namespace", hull_ns_type_name(t));
    closep(&fds[t]);
    return 0;
}

int hull_ns_join_all(int fds[HULL_NS_COUNT], hull_error **err)
{
    static const enum hull_ns_type order[] = {
        HULL_NS_USER, HULL_NS_IPC,    HULL_NS_UTS,  HULL_NS_NETWORK,
        HULL_NS_PID,  HULL_NS_CGROUP, HULL_NS_TIME, HULL_NS_MOUNT,
    };
    for (size_t i = 0; i < ARRAY_SIZE(order); i++)
        if (join_one(fds, order[i], err) < 0)
            return -1;
    return 0;
}

int hull_ns_write_time_offsets(const struct hull_linux *l, hull_error **err)
{
    char buf[128];
    int len = 0;

    if (l->time_monotonic.present)
        len += snprintf(buf + len, sizeof(buf) - (size_t)len, "monotonic %lld %u\n",
                        (long long)l->time_monotonic.secs, l->time_monotonic.nanosecs);
    if (l->time_boottime.present)
        len += snprintf(buf + len, sizeof(buf) - (size_t)len, "boottime %lld %u\n",
                        (long long)l->time_boottime.secs, l->time_boottime.nanosecs);
    if (len == 0)
        return 0;
    /* Each line is written on its own: the kernel takes one offset per write. */
    char *line = buf;
    while (*line != '\0') {
        char *nl = strchr(line, '\n');
        size_t line_len = (size_t)(nl - line + 1);
        if (proc_write_checked("/proc/self/timens_offsets", line, line_len, err) < 0)
            return hull_err_wrap(err, "set linux.timeOffsets");
        line = nl + 1;
    }
    return 0;
}
