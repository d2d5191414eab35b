/* The OCI runtime configuration (config.json, runtime-spec 1.x) as parsed C
 * structures.
 *
 * hull_spec_load() reads and validates a whole config before anything is
 * created, so every error about the config is raised while nothing exists
 * yet.  Errors name the file, the line (for JSON syntax errors and, where it
 * can be found, for bad fields) and the field path, e.g.
 * "config.json:14: process.user.uid: expected an integer in 0..4294967295".
 *
 * Optional numbers carry a has_* flag; optional strings are NULL when
 * absent; arrays are pointer + count.  Fields the runtime does not support
 * are rejected by the parser with a "not supported" error, never ignored. */
#ifndef HULL_SPEC_H
#define HULL_SPEC_H

#include "error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct hull_idmap {
    uint32_t container_id;
    uint32_t host_id;
    uint32_t size;
};

struct hull_mount {
    char *destination;
    char *type;     /* NULL when absent */
    char *source;   /* NULL when absent */
    char **options; /* NULL-terminated, may be NULL */
    struct hull_idmap *uid_mappings;
    size_t n_uid_mappings;
    struct hull_idmap *gid_mappings;
    size_t n_gid_mappings;
};

struct hull_rlimit {
    int resource; /* RLIMIT_* */
    char *type;   /* "RLIMIT_NOFILE" as written */
    uint64_t soft;
    uint64_t hard;
};

/* Capability sets as bit masks (bit N = capability N). */
struct hull_caps {
    uint64_t bounding, effective, inheritable, permitted, ambient;
    bool has_bounding, has_effective, has_inheritable, has_permitted, has_ambient;
};

struct hull_user {
    uint32_t uid;
    uint32_t gid;
    bool has_umask;
    uint32_t umask;
    uint32_t *additional_gids;
    size_t n_additional_gids;
    char *username; /* informational only on Linux */
};

struct hull_sched {
    bool present;
    char *policy; /* SCHED_OTHER, SCHED_FIFO, ... */
    int policy_value;
    int32_t nice;
    int32_t priority;
    char **flags;
    uint64_t runtime, deadline, period;
};

struct hull_ioprio {
    bool present;
    int class_value; /* IOPRIO_CLASS_* */
    int priority;
};

struct hull_process {
    bool terminal;
    bool has_console_size;
    unsigned int console_height, console_width;
    char *cwd;
    char **env;  /* NULL-terminated */
    char **args; /* NULL-terminated, at least one */
    struct hull_rlimit *rlimits;
    size_t n_rlimits;
    char *apparmor_profile;
    char *selinux_label;
    struct hull_caps caps;
    bool no_new_privileges;
    bool has_oom_score_adj;
    int oom_score_adj;
    struct hull_user user;
    struct hull_sched scheduler;
    struct hull_ioprio io_priority;
    char *exec_cpu_affinity_initial;
    char *exec_cpu_affinity_final;
};

struct hull_hook {
    char *path;
    char **args; /* may be NULL */
    char **env;  /* may be NULL */
    bool has_timeout;
    int timeout; /* seconds, > 0 */
};

struct hull_hook_list {
    struct hull_hook *hooks;
    size_t n;
};

struct hull_hooks {
    struct hull_hook_list prestart;
    struct hull_hook_list create_runtime;
    struct hull_hook_list create_container;
    struct hull_hook_list start_container;
    struct hull_hook_list poststart;
    struct hull_hook_list poststop;
};

enum hull_ns_type {
    HULL_NS_PID = 0,
    HULL_NS_NETWORK,
    HULL_NS_MOUNT,
    HULL_NS_IPC,
    HULL_NS_UTS,
    HULL_NS_USER,
    HULL_NS_CGROUP,
    HULL_NS_TIME,
    HULL_NS_COUNT,
};

struct hull_namespace {
    bool present;
    char *path; /* NULL: create a new one */
};

struct hull_device {
    char *path;
    char type; /* 'c', 'b', 'u' or 'p' */
    int64_t major, minor;
    bool has_file_mode, has_uid, has_gid;
    uint32_t file_mode, uid, gid;
};

/* linux.resources.devices entry (the cgroup device rules). */
struct hull_device_rule {
    bool allow;
    char type;            /* 'a', 'c' or 'b' */
    int64_t major, minor; /* -1 for any */
    char access[4];       /* subset of "rwm" */
};

struct hull_throttle_device {
    int64_t major, minor;
    uint64_t rate;
};

struct hull_weight_device {
    int64_t major, minor;
    bool has_weight, has_leaf_weight;
    uint16_t weight, leaf_weight;
};

struct hull_hugepage_limit {
    char *page_size;
    uint64_t limit;
};

struct hull_net_priority {
    char *name;
    uint32_t priority;
};

struct hull_unified_entry {
    char *key;
    char *value;
};

struct hull_resources {
    struct hull_device_rule *devices;
    size_t n_devices;

    struct {
        bool has_limit, has_reservation, has_swap, has_kernel, has_kernel_tcp, has_swappiness;
        int64_t limit, reservation, swap, kernel, kernel_tcp;
        uint64_t swappiness;
        bool has_disable_oom_killer, disable_oom_killer;
        bool has_use_hierarchy, use_hierarchy;
        bool check_before_update;
    } memory;

    struct {
        bool has_shares, has_quota, has_burst, has_period, has_realtime_runtime,
            has_realtime_period, has_idle;
        uint64_t shares, period, realtime_period, burst;
        int64_t quota, realtime_runtime, idle;
        char *cpus, *mems;
    } cpu;

    struct {
        bool has_limit;
        int64_t limit;
    } pids;

    struct {
        bool has_weight, has_leaf_weight;
        uint16_t weight, leaf_weight;
        struct hull_weight_device *weight_device;
        size_t n_weight_device;
        struct hull_throttle_device *throttle_read_bps, *throttle_write_bps, *throttle_read_iops,
            *throttle_write_iops;
        size_t n_throttle_read_bps, n_throttle_write_bps, n_throttle_read_iops,
            n_throttle_write_iops;
    } block_io;

    struct hull_hugepage_limit *hugepage_limits;
    size_t n_hugepage_limits;

    struct {
        bool has_class_id;
        uint32_t class_id;
        struct hull_net_priority *priorities;
        size_t n_priorities;
    } network;

    struct hull_unified_entry *unified;
    size_t n_unified;
};

/* linux.seccomp, kept close to the JSON; seccomp.c turns it into a filter. */
struct hull_seccomp_arg {
    uint32_t index;
    uint64_t value, value_two;
    char *op; /* SCMP_CMP_* name */
};

struct hull_seccomp_syscall {
    char **names;
    char *action; /* SCMP_ACT_* name */
    bool has_errno_ret;
    uint32_t errno_ret;
    struct hull_seccomp_arg *args;
    size_t n_args;
};

struct hull_seccomp {
    bool present;
    char *default_action;
    bool has_default_errno_ret;
    uint32_t default_errno_ret;
    char **architectures;
    char **flags;
    char *listener_path;
    char *listener_metadata;
    struct hull_seccomp_syscall *syscalls;
    size_t n_syscalls;
};

struct hull_sysctl {
    char *key;
    char *value;
};

struct hull_time_offset {
    bool present;
    int64_t secs;
    uint32_t nanosecs;
};

struct hull_linux {
    struct hull_namespace namespaces[HULL_NS_COUNT];
    struct hull_idmap *uid_mappings;
    size_t n_uid_mappings;
    struct hull_idmap *gid_mappings;
    size_t n_gid_mappings;
    struct hull_time_offset time_monotonic, time_boottime;
    struct hull_device *devices;
    size_t n_devices;
    char *cgroups_path;
    bool has_resources;
    struct hull_resources resources;
    char *rootfs_propagation; /* NULL when absent */
    struct hull_seccomp seccomp;
    struct hull_sysctl *sysctl;
    size_t n_sysctl;
    char **masked_paths;
    char **readonly_paths;
    char *mount_label;
    bool has_personality;
    unsigned long personality_domain;
};

struct hull_annotation {
    char *key;
    char *value;
};

struct hull_spec {
    char *oci_version;
    char *root_path; /* absolute (resolved against the bundle) */
    bool root_readonly;
    struct hull_mount *mounts;
    size_t n_mounts;
    bool has_process;
    struct hull_process process;
    char *hostname;
    char *domainname;
    struct hull_hooks hooks;
    struct hull_annotation *annotations;
    size_t n_annotations;
    struct hull_linux linux_;

    char *source_name; /* the file the spec came from, for messages */
    char *raw_json;    /* the file's text as read */
};

/* Names of the namespace types as the spec writes them ("pid",
 * "network", ...). */
const char *hull_ns_type_name(enum hull_ns_type t);
/* CLONE_NEW* flag of a type. */
int hull_ns_clone_flag(enum hull_ns_type t);

/* Loads BUNDLE/config.json.  root.path is made absolute against BUNDLE. */
int hull_spec_load_bundle(const char *bundle, struct hull_spec **out, hull_error **err);

/* Parses a config from a string; NAME is used in messages and BUNDLE to
 * make root.path absolute (may be NULL to leave it as written). */
int hull_spec_parse(const char *json_text, const char *name, const char *bundle,
                    struct hull_spec **out, hull_error **err);

/* Parses just a "process" object (hullrt exec --process FILE). */
int hull_spec_parse_process(const char *json_text, const char *name, struct hull_process *out,
                            hull_error **err);

/* Parses just a linux.resources object (hullrt update --resources FILE);
 * release it with hull_resources_clear(). */
int hull_spec_parse_resources(const char *json_text, const char *name, struct hull_resources *out,
                              hull_error **err);
void hull_resources_clear(struct hull_resources *r);

void hull_spec_free(struct hull_spec *spec);
void hull_process_clear(struct hull_process *p);

/* Looks up an environment variable in a NULL-terminated KEY=VALUE list. */
const char *hull_env_get(char *const *env, const char *key);

#endif
