/* Operations on a running container's cgroup beyond its lifecycle: pause
 * and resume (freezer), resource statistics and the OOM-kill counter, for
 * hullrt pause/resume/events and hull stats.  Paths are the normalized
 * cgroup paths of cgroup.h. */
#ifndef HULL_CGROUP_OPS_H
#define HULL_CGROUP_OPS_H

#include "error.h"

#include <stdbool.h>
#include <stddef.h>
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

/* One "MAJ:MIN OP VALUE" figure of block I/O (op "Read", "Write", ...:
 * static strings). */
struct hull_cgroup_io_entry {
    uint32_t major, minor;
    const char *op;
    uint64_t value;
};

/* One line of memory.stat. */
struct hull_cgroup_stat_kv {
    char *key;
    uint64_t value;
};

/* Usage figures of a cgroup (including its descendants), what runc's
 * `events --stats` and Docker's `stats` show.  A group whose controller is
 * not available has its has_* flag false.  Limits read UINT64_MAX when
 * unlimited.  Release with hull_cgroup_stats_clear(). */
struct hull_cgroup_stats {
    bool has_memory;
    uint64_t memory_usage;         /* bytes */
    uint64_t memory_limit;         /* bytes */
    uint64_t memory_max_usage;     /* peak, 0 when the kernel does not say */
    uint64_t memory_failcnt;       /* times the limit was hit (v2: memory.events max) */
    uint64_t memory_cache;         /* page cache (memory.stat cache / file) */
    uint64_t memory_inactive_file; /* what Docker subtracts from the usage */
    bool has_swap;                 /* memory plus swap, as runc reports it */
    uint64_t swap_usage, swap_limit, swap_max_usage, swap_failcnt;
    struct hull_cgroup_stat_kv *memory_raw; /* memory.stat, in file order */
    size_t n_memory_raw;

    bool has_cpu;
    uint64_t cpu_usage_ns, cpu_user_ns, cpu_system_ns;
    uint64_t *cpu_percpu_ns; /* v1 cpuacct.usage_percpu; NULL on v2 */
    size_t n_cpu_percpu;
    bool has_throttling; /* CFS bandwidth figures (cpu.stat) */
    uint64_t cpu_periods, cpu_throttled_periods, cpu_throttled_ns;

    bool has_pids;
    uint64_t pids_current;
    uint64_t pids_limit; /* 0 when unlimited */

    bool has_io;
    uint64_t io_read_bytes, io_write_bytes;
    struct hull_cgroup_io_entry *io_bytes; /* per device and op */
    size_t n_io_bytes;
    struct hull_cgroup_io_entry *io_ops;
    size_t n_io_ops;
};

int hull_cgroup_stats(const char *path, struct hull_cgroup_stats *out, hull_error **err);
void hull_cgroup_stats_clear(struct hull_cgroup_stats *s);

/* Processes of the cgroup killed by the OOM killer so far (v1
 * memory.oom_control oom_kill, Linux 4.13; v2 memory.events oom_kill). */
int hull_cgroup_oom_kill_count(const char *path, uint64_t *count, hull_error **err);

/* Waiting for OOM events of a cgroup: FD becomes readable when the
 * memory controller may have hit its limit (v1: an eventfd registered on
 * memory.oom_control; v2: inotify on memory.events), so a caller can
 * poll() it next to other descriptors. */
struct hull_cgroup_oom_watch {
    int fd;
    bool v2;
    char *dir;      /* the memory cgroup directory */
    uint64_t last;  /* v2: the oom_kill count already reported */
    int control_fd; /* v1: memory.oom_control, kept open for the eventfd */
};

int hull_cgroup_oom_watch_open(const char *path, struct hull_cgroup_oom_watch *w, hull_error **err);

/* After FD polled readable: *events gets the number of new OOM events
 * (0 for a spurious wakeup) and *gone whether the cgroup was removed,
 * after which the watch reports nothing more. */
int hull_cgroup_oom_watch_read(struct hull_cgroup_oom_watch *w, uint64_t *events, bool *gone,
                               hull_error **err);

void hull_cgroup_oom_watch_close(struct hull_cgroup_oom_watch *w);

#endif
