/* hullrt's commands: what main() hands each of them, and the table entry
 * every cmd_*.c file defines. */
#ifndef HULLRT_COMMANDS_H
#define HULLRT_COMMANDS_H

#include "container.h"
#include "error.h"
#include "opts.h"

#include <stdbool.h>

/* Global flags, given before the command name. */
struct hullrt_global_opts {
    const char *root;
    const char *log;
    const char *log_format;
    const char *rootless; /* "true", "false" or "auto" */
    const char *criu;     /* accepted for runc compatibility; there is no checkpointing */
    bool debug;
    bool systemd_cgroup;
    bool version;
};

/* update's flags, kept as written: each is parsed once it is known to be
 * set (runc's rule: with --resources the others are ignored). */
struct hullrt_update_opts {
    const char *resources;
    const char *blkio_weight, *cpu_period, *cpu_quota, *cpu_burst, *cpu_shares, *cpu_rt_period,
        *cpu_rt_runtime, *cpuset_cpus, *cpuset_mems, *cpu_idle, *memory, *memory_reservation,
        *memory_swap, *pids_limit, *kernel_memory, *kernel_memory_tcp, *l3_cache_schema,
        *mem_bw_schema;
};

/* exec's flags (cmd_exec.c); the list flags are freed by main. */
struct hullrt_exec_opts {
    const char *process, *cwd, *user, *apparmor, *process_label, *cgroup;
    char **env, **caps, **additional_gids;
    bool tty, no_new_privs, ignore_paused;
};

/* Every command's flags; each command's table fills only its own. */
struct hullrt_cmd_opts {
    const char *bundle;
    const char *pid_file;
    const char *console_socket;
    const char *pidfd_socket;
    const char *format;
    int preserve_fds;
    bool no_pivot;
    bool no_new_keyring;
    bool detach;
    bool keep;
    bool no_subreaper;
    bool all;
    bool force;
    bool quiet;
    bool rootless;
    bool stats;           /* events */
    const char *interval; /* events */
    struct hullrt_update_opts update;
    struct hullrt_exec_opts exec;
};

/* What a command runs with. */
struct hullrt_ctx {
    const struct hullrt_global_opts *global;
    const struct hullrt_cmd_opts *opts;
    struct hull_runtime rt; /* root made absolute */
    char *const *args;      /* positional arguments, count checked */
    int nargs;
    char **argv; /* the whole command line, to re-execute from a sealed copy */
};

struct hullrt_command {
    const char *name;
    const char *summary;     /* one line, for the command list */
    const char *args_usage;  /* "<container-id>" */
    const char *description; /* paragraphs, lines without indentation */
    const struct hullrt_opt *const *flags;
    int min_args, max_args; /* max_args < 0: no maximum */
    int stop_after;         /* see hullrt_parse_flags() */
    /* Returns 0 with *exit_status set (0 unless the command reports a
     * container's status), or -1 with ERR set. */
    int (*run)(const struct hullrt_ctx *ctx, int *exit_status, hull_error **err);
    int fail_status; /* exit status when run fails; 0 means 1 (runc's exec uses 255) */
};

extern const struct hullrt_command hullrt_cmd_create;
extern const struct hullrt_command hullrt_cmd_start;
extern const struct hullrt_command hullrt_cmd_run;
extern const struct hullrt_command hullrt_cmd_state;
extern const struct hullrt_command hullrt_cmd_kill;
extern const struct hullrt_command hullrt_cmd_delete;
extern const struct hullrt_command hullrt_cmd_list;
extern const struct hullrt_command hullrt_cmd_spec;
extern const struct hullrt_command hullrt_cmd_features;
extern const struct hullrt_command hullrt_cmd_exec;
extern const struct hullrt_command hullrt_cmd_pause;
extern const struct hullrt_command hullrt_cmd_resume;
extern const struct hullrt_command hullrt_cmd_update;
extern const struct hullrt_command hullrt_cmd_ps;
extern const struct hullrt_command hullrt_cmd_events;

/* create's flags, shared with run. */
extern const struct hullrt_opt hullrt_create_flags[];

/* hull_create_opts built from create's flags, with the strings it points
 * to: paths made absolute (the bundle through realpath, as runc records the
 * directory it changed into), and for systemd socket activation the
 * config loaded here so LISTEN_FDS/LISTEN_PID can be passed on. */
struct hullrt_create_args {
    struct hull_create_opts opts;
    char *bundle;
    char *pid_file;
    char *console_socket;
    struct hull_spec *spec;
};

int hullrt_create_args_init(const struct hullrt_ctx *ctx, struct hullrt_create_args *ca,
                            hull_error **err);
void hullrt_create_args_clear(struct hullrt_create_args *ca);

#endif
