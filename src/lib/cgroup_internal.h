/* Private interface of the cgroup module (cgroup*.c): the host's cgroup
 * layout as discovered from /proc, small file helpers for cgroupfs, and the
 * v1, v2 and eBPF back ends that cgroup.c drives. */
#ifndef HULL_CGROUP_INTERNAL_H
#define HULL_CGROUP_INTERNAL_H

#include "cgroup.h"
#include "error.h"
#include "spec.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Controllers the runtime knows by name.  CG_IO exists only on v2, CG_BLKIO
 * only on v1; the others exist on both or on v1 only. */
enum cg_ctrl {
    CG_CPU = 0,
    CG_CPUACCT,
    CG_CPUSET,
    CG_MEMORY,
    CG_DEVICES,
    CG_FREEZER,
    CG_BLKIO,
    CG_PIDS,
    CG_HUGETLB,
    CG_NET_CLS,
    CG_NET_PRIO,
    CG_PERF_EVENT,
    CG_RDMA,
    CG_MISC,
    CG_IO,
    CG_CTRL_COUNT,
};

#define CG_BIT(c) (1u << (c))

const char *cg_ctrl_name(enum cg_ctrl c);
/* The controller called NAME, or -1. */
int cg_ctrl_from_name(const char *name);

/* One mounted hierarchy the container's cgroup lives in. */
struct cg_hierarchy {
    char *mountpoint;
    char **names;   /* what /proc/PID/cgroup lists for it ("cpu", "cpuacct",
                       "name=systemd"); empty for the v2 hierarchy */
    uint32_t ctrls; /* CG_BIT() of the known controllers bound to it */
    bool unified;   /* the cgroup2 hierarchy (the only one in v2 mode, the
                       hybrid one next to the v1 hierarchies otherwise) */
};

struct cg_layout {
    enum hull_cgroup_mode mode;
    struct cg_hierarchy *hier;
    size_t n_hier;
    uint32_t avail;        /* controllers whose limits can be applied */
    uint32_t kernel;       /* controllers enabled in the kernel (/proc/cgroups) */
    uint32_t on_hybrid_v2; /* v1 mode: controllers bound to the hybrid v2 hierarchy */
    char *hybrid_mount;    /* v1 mode: where that hierarchy is mounted, or NULL */
};

/* Reads /proc/cgroups, /proc/self/mountinfo and, for v2 hierarchies, their
 * cgroup.controllers.  Fails when no usable hierarchy is mounted. */
int cg_layout_load(struct cg_layout *l, hull_error **err);

/* The text-only part of cg_layout_load(), for tests: builds the hierarchy
 * list from the contents of /proc/cgroups and a mountinfo file.  avail is
 * only filled for v1 (v2 needs the cgroup.controllers files). */
int cg_layout_parse(struct cg_layout *l, enum hull_cgroup_mode mode, const char *proc_cgroups,
                    const char *mountinfo, hull_error **err);

void cg_layout_clear(struct cg_layout *l);
#define _cleanup_cg_layout_ __attribute__((cleanup(cg_layout_clear)))

/* The hierarchy carrying controller C whose limits can be applied, or NULL. */
const struct cg_hierarchy *cg_layout_find(const struct cg_layout *l, enum cg_ctrl c);

/* Fails with a message naming FIELD and why controller C cannot be used
 * ("linux.resources.hugepageLimits: the hugetlb controller is not available:
 * ..."), or returns 0 when it can. */
int cg_need(const struct cg_layout *l, enum cg_ctrl c, const char *field, hull_error **err);

/* The cgroup PATH's directory under hierarchy H. */
char *cg_hier_dir(const struct cg_hierarchy *h, const char *path);

/* The cgroup of the process described by PROC_CGROUP (the text of
 * /proc/PID/cgroup) in hierarchy H, as a new string, or NULL. */
char *cg_proc_cgroup_of(const struct cg_hierarchy *h, const char *proc_cgroup);

/* Places the relative cgroups path REL as runc does: under the runtime's own
 * cgroup on v1 (which must then be the same in every hierarchy, since a
 * container has one path) and under the parent of it on v2. */
int cg_resolve_relative(const struct cg_layout *l, const char *self_cgroup, const char *rel,
                        char **out, hull_error **err);

/* Checks a normalized path handed to the lifecycle functions: absolute,
 * without "." or ".." components, not the root cgroup. */
int cg_path_check(const char *path, hull_error **err);

/* cgroupfs files.  DIR only names the directory of DFD in messages.  Every
 * value goes out in a single write(2): cgroupfs parses each write on its
 * own. */
int cg_open_dir(const char *dir, hull_error **err);
bool cg_exists(int dfd, const char *file);
int cg_write(int dfd, const char *dir, const char *file, const char *value, hull_error **err);
int cg_writef(int dfd, const char *dir, const char *file, hull_error **err, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Reads FILE without its trailing newline. */
int cg_read(int dfd, const char *dir, const char *file, char **out, hull_error **err);
/* Reads a single number; "max" reads as UINT64_MAX. */
int cg_read_u64(int dfd, const char *dir, const char *file, uint64_t *out, hull_error **err);
/* Reads the value of KEY from a "key value" per line file (memory.events,
 * cpu.stat, ...); *found tells whether the key was there. */
int cg_read_key(int dfd, const char *dir, const char *file, const char *key, uint64_t *out,
                bool *found, hull_error **err);

/* A cgroup directory open for reading its files; DIR names it in
 * messages. */
struct cg_dir {
    int fd;
    char *dir;
};

void cg_dir_clear(struct cg_dir *d);
#define _cleanup_cg_dir_ __attribute__((cleanup(cg_dir_clear)))

/* Opens the cgroup PATH under the hierarchy of controller C (the v2
 * hierarchy in v2 mode); *found is false, and nothing is opened, when no
 * hierarchy carries C. */
int cg_open_for(const struct cg_layout *l, enum cg_ctrl c, const char *path, struct cg_dir *d,
                bool *found, hull_error **err);

/* Shared formatting of the v1 device rule for devices.allow/deny, and of
 * "major:minor" with -1 as "*". */
void cg_format_device_rule(const struct hull_device_rule *r, char *buf, size_t len);

/* Field-by-field validation behind hull_cgroup_check_resources(). */
int cg_check_resources(const struct cg_layout *l, const struct hull_resources *res,
                       hull_error **err);

/* Warns about the fields that are accepted but ignored (kernel memory). */
void cg_warn_ignored(const struct hull_resources *res);

/* Applies RES to the cgroup PATH on the v1 hierarchies.  UPDATE selects the
 * checks that only make sense on a running container. */
int cg_v1_apply(const struct cg_layout *l, const char *path, const struct hull_resources *res,
                bool update, hull_error **err);

/* v1 cpuset: gives DFD the parent's cpus and mems where its own are empty,
 * since an empty cpuset cannot hold tasks. */
int cg_v1_cpuset_inherit(int parent_fd, int dfd, const char *dir, hull_error **err);

/* Applies RES to the v2 cgroup open as DFD (DIR for messages). */
int cg_v2_apply(int dfd, const char *dir, const struct hull_resources *res, bool update,
                hull_error **err);

/* Controllers a v2 cgroup needs enabled in its parents for RES. */
uint32_t cg_v2_needed(const struct hull_resources *res);

/* Enables in the cgroup.subtree_control of PARENT_FD every controller it
 * offers; failing for one of NEEDED is an error, others are best effort. */
int cg_v2_enable_controllers(int parent_fd, const char *parent_dir, uint32_t needed,
                             hull_error **err);

/* Freezer of either version (cgroup_ops.c).  cg_freeze_available() tells
 * whether the cgroup PATH can be frozen at all; cg_freeze_set() waits until
 * every task is frozen (or thawed) and fails after a few seconds. */
bool cg_freeze_available(const struct cg_layout *l);
int cg_freeze_set(const struct cg_layout *l, const char *path, bool frozen, hull_error **err);
int cg_freeze_get(const struct cg_layout *l, const char *path, bool *frozen, hull_error **err);

/* Replaces the device eBPF program of the v2 cgroup CGROUP_FD by one built
 * from RULES (last matching rule wins, default deny). */
int cg_bpf_devices_set(int cgroup_fd, const struct hull_device_rule *rules, size_t n,
                       hull_error **err);

#endif
