/* cgroups, v1 (legacy and hybrid) and v2 (unified).
 *
 * A container's cgroup is named by its normalized cgroups path ("/hull/ID"),
 * the same under every hierarchy.  Functions take that path, so a later
 * command (delete, kill --all, update) only needs the path from the state. */
#ifndef HULL_CGROUP_H
#define HULL_CGROUP_H

#include "error.h"
#include "spec.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum hull_cgroup_mode {
    HULL_CGROUP_V1 = 1, /* legacy or hybrid: controllers on v1 hierarchies */
    HULL_CGROUP_V2 = 2, /* unified: controllers on the v2 hierarchy */
};

/* Detects the host's mode once (statfs of /sys/fs/cgroup). */
enum hull_cgroup_mode hull_cgroup_mode(void);

/* Turns linux.cgroupsPath into a normalized absolute path.  As with runc, a
 * relative path is placed under the runtime's own cgroup (an error on v1
 * when that differs between hierarchies), ".." anywhere is an error, "/"
 * itself is refused, and an empty value becomes "/DEFAULT_PARENT/ID".  Systemd-style
 * "slice:prefix:name" is an error ("not supported"). */
int hull_cgroup_path_resolve(const char *cgroups_path, const char *default_parent, const char *id,
                             char **out, hull_error **err);

/* Checks that every field of RES can be honoured on this host before
 * anything is created. */
int hull_cgroup_check_resources(const struct hull_resources *res, hull_error **err);

/* Whether limits on swap can be set on this host (v1: swap accounting,
 * memory.memsw.*; v2: the memory controller, which always accounts swap). */
bool hull_cgroup_swap_accounting(void);

/* Creates the cgroup (with parents) under every hierarchy, applies RES
 * (may be NULL) and moves PID into it.  On failure nothing is left. */
int hull_cgroup_create(const char *path, const struct hull_resources *res, pid_t pid,
                       hull_error **err);

/* How a new process enters its cgroup without the kernel's global lock.
 *
 * Moving a process by pid (cgroup.procs) takes cgroup_threadgroup_rwsem
 * for writing, and the first writer after a quiet spell waits for an RCU
 * grace period: about 10 ms, on every container start.  A single-threaded
 * process writing "0" to a v1 "tasks" file moves only itself and skips
 * that lock (Linux 6.0 on; older kernels take it as before), and a process
 * forked by clone3(CLONE_INTO_CGROUP) starts inside its v2 cgroup.  So the
 * creator makes the cgroup with hull_cgroup_create_empty(), forks with
 * hull_cgroup_fork(), and the child calls hull_cgroup_join_self() before
 * anything else; the creator closes its copy with
 * hull_cgroup_join_release(). */
struct hull_cgroup_join {
    int *tasks; /* "tasks" of each v1 hierarchy, open for writing */
    size_t n_tasks;
    int v2_dir;   /* the cgroup under the v2 hierarchy, or -1 */
    int v2_procs; /* its cgroup.procs, open for writing, or -1 */
    bool in_v2;   /* the child was forked into v2_dir */
};

#define HULL_CGROUP_JOIN_INIT                                                                      \
    {                                                                                              \
        .v2_dir = -1, .v2_procs = -1                                                               \
    }

/* hull_cgroup_create() without moving any process in: J gets the
 * descriptors a new process joins through.  On failure nothing is left. */
int hull_cgroup_create_empty(const char *path, const struct hull_resources *res,
                             struct hull_cgroup_join *j, hull_error **err);

/* The same descriptors for an existing cgroup (a process joining a
 * running container). */
int hull_cgroup_join_open(const char *path, struct hull_cgroup_join *j, hull_error **err);

/* fork(), with the child born in J's v2 cgroup when the kernel can
 * (clone3 CLONE_INTO_CGROUP).  Returns the pid, 0 in the child. */
pid_t hull_cgroup_fork(struct hull_cgroup_join *j, hull_error **err);

/* In the single-threaded child of hull_cgroup_fork(): joins the v1
 * hierarchies, and v2 unless born there. */
int hull_cgroup_join_self(const struct hull_cgroup_join *j, hull_error **err);

void hull_cgroup_join_release(struct hull_cgroup_join *j);

/* Moves PID into an existing cgroup. */
int hull_cgroup_enter(const char *path, pid_t pid, hull_error **err);

/* Applies RES to an existing cgroup (hullrt update). */
int hull_cgroup_update(const char *path, const struct hull_resources *res, hull_error **err);

/* All pids in the cgroup and its descendants. */
int hull_cgroup_pids(const char *path, pid_t **pids, size_t *n, hull_error **err);

/* Sends SIG to every process of the cgroup (freezing it around the sweep
 * so no process escapes by forking). */
int hull_cgroup_kill_all(const char *path, int sig, hull_error **err);

/* Removes the cgroup and sub-cgroups the container made, under every
 * hierarchy.  Missing directories are not an error. */
int hull_cgroup_destroy(const char *path, hull_error **err);

#endif
