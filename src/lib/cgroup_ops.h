/* Operations on a running container's cgroup beyond its lifecycle: pause
 * and resume (freezer), resource statistics and the OOM-kill counter, for
 * hullrt pause/resume/events and hull stats.  Paths are the normalized
 * cgroup paths of cgroup.h. */
#ifndef HULL_CGROUP_OPS_H
#define HULL_CGROUP_OPS_H

#include "error.h"

#include <stdbool.h>
#include <stdint.h>

/* Freezes every process of the cgroup and its descendants, returning once
 * all are frozen; fails (and thaws again) if that takes more than a few
 * seconds.  Needs the v1 freezer controller or v2. */
int hull_cgroup_freeze(const char *path, hull_error **err);

/* Lets the processes of a frozen cgroup run again. */
int hull_cgroup_thaw(const char *path, hull_error **err);

/* Whether the cgroup was frozen (v1 freezer.state FROZEN, v2
 * cgroup.freeze 1). */
int hull_cgroup_is_frozen(const char *path, bool *frozen, hull_error **err);

/* Usage figures of a cgroup (including its descendants).  A group whose
 * controller is not available has its has_* flag false. */
struct hull_cgroup_stats {
    bool has_memory;
    uint64_t memory_usage;   /* bytes */
    uint64_t memory_limit;   /* bytes, UINT64_MAX when unlimited */
    uint64_t memory_failcnt; /* times the limit was hit (v2: memory.events max) */

    bool has_cpu;
    uint64_t cpu_usage_ns, cpu_user_ns, cpu_system_ns;

    bool has_pids;
    uint64_t pids_current;
    uint64_t pids_limit; /* 0 when unlimited */

    bool has_io;
    uint64_t io_read_bytes, io_write_bytes;
};

int hull_cgroup_stats(const char *path, struct hull_cgroup_stats *out, hull_error **err);

/* Processes of the cgroup killed by the OOM killer so far (v1
 * memory.oom_control oom_kill, Linux 4.13; v2 memory.events oom_kill). */
int hull_cgroup_oom_kill_count(const char *path, uint64_t *count, hull_error **err);

#endif
