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
