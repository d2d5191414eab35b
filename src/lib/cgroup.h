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

/* Moves PID into an existing cgroup (hullrt exec). */
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
