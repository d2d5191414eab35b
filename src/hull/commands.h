/* The commands of `hull`, one file each, and what they share with main. */
#ifndef HULL_COMMANDS_H
#define HULL_COMMANDS_H

#include "engine.h"
#include "error.h"
#include "opts.h"

#include <stdint.h>

/* Docker's exit statuses for the engine's own failures. */
#define HULL_EXIT_FAILED     125 /* hull itself failed, or bad usage */
#define HULL_EXIT_CANNOT_RUN 126 /* the command cannot be invoked */
#define HULL_EXIT_NOT_FOUND  127 /* the command does not exist */

/* What main() found before the command name. */
struct hull_global {
    char **argv;                   /* main's, for re-executing from a sealed copy */
    struct hull_engine_opts roots; /* HULL_ROOT / HULL_RUNROOT, or defaults */
};

struct hull_command {
    const char *name;
    const char *usage; /* after "hull NAME " */
    const char *summary;
    const struct hull_flag *flags;
    /* Returns the exit status; prints its own errors through hull_report(). */
    int (*run)(const struct hull_global *g, int argc, char **argv);
    bool hidden; /* not listed in the help (internal commands) */
    /* Positional arguments: at least MIN_ARGS, at most MAX_ARGS
     * (HULL_ARGS_ANY: no limit; left 0, the command takes none). */
    size_t min_args, max_args;
    /* The first positional argument ends the flags ("hull run IMAGE CMD
     * -x": -x is the command's); otherwise flags may follow arguments. */
    bool flags_first;
};

#define HULL_ARGS_ANY SIZE_MAX

extern const struct hull_command hull_cmd_run;
extern const struct hull_command hull_cmd_ps;
extern const struct hull_command hull_cmd_rm;
extern const struct hull_command hull_cmd_import;
extern const struct hull_command hull_cmd_images;
extern const struct hull_command hull_cmd_create, hull_cmd_start, hull_cmd_stop, hull_cmd_kill;
extern const struct hull_command hull_cmd_restart, hull_cmd_wait, hull_cmd_logs, hull_cmd_attach;
extern const struct hull_command hull_cmd_rename, hull_cmd_container, hull_cmd_system;
extern const struct hull_command hull_cmd_version, hull_cmd_info, hull_cmd_monitor;
extern const struct hull_command hull_cmd_exec, hull_cmd_top, hull_cmd_cp, hull_cmd_volume;
extern const struct hull_command hull_cmd_load, hull_cmd_save, hull_cmd_rmi, hull_cmd_tag;
extern const struct hull_command hull_cmd_history, hull_cmd_inspect, hull_cmd_image;
extern const struct hull_command hull_cmd_commit, hull_cmd_export, hull_cmd_diff;
extern const struct hull_command hull_cmd_stats;
extern const struct hull_command hull_cmd_update;
extern const struct hull_command hull_cmd_pause;
extern const struct hull_command hull_cmd_unpause;
extern const struct hull_command hull_cmd_network, hull_cmd_port;

/* Prints WARNING and asks "Are you sure you want to continue? [y/N]":
 * true when standard input answers yes (cmd_container.c). */
bool hull_confirm(const char *warning);

/* Removes every stopped container, printing Docker's "Deleted
 * Containers:" block; adds the bytes freed to *reclaimed. */
int hull_prune_containers(struct hull_engine *e, uint64_t *reclaimed, hull_error **err);

/* Prints E as "hull: MESSAGE" on standard error. */
void hull_report(const hull_error *e);

/* Prints a usage error and Docker's hint, returns HULL_EXIT_FAILED. */
int hull_usage_error(const struct hull_command *c, const char *msg);

/* The help text of a command on standard output. */
void hull_command_help(const struct hull_command *c);

/* Parses ARGV for command C into DST, checking the number of positional
 * arguments against C's bounds.  Returns 1 when the command should go
 * on, 0 after printing help (exit 0), or -1 after a usage error (the
 * caller exits with HULL_EXIT_FAILED).  ARGS is set in every case. */
int hull_command_parse(const struct hull_command *c, int argc, char **argv, void *dst,
                       struct hull_args *args);

#endif
