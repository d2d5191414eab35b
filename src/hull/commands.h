/* The commands of `hull`, one file each, and what they share with main. */
#ifndef HULL_COMMANDS_H
#define HULL_COMMANDS_H

#include "engine.h"
#include "error.h"
#include "opts.h"

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
};

extern const struct hull_command hull_cmd_run;
extern const struct hull_command hull_cmd_ps;
extern const struct hull_command hull_cmd_rm;
extern const struct hull_command hull_cmd_import;
extern const struct hull_command hull_cmd_images;

/* Prints E as "hull: MESSAGE" on standard error. */
void hull_report(const hull_error *e);

/* Prints a usage error and Docker's hint, returns HULL_EXIT_FAILED. */
int hull_usage_error(const struct hull_command *c, const char *msg);

/* The help text of a command on standard output. */
void hull_command_help(const struct hull_command *c);

/* Parses ARGV for command C into DST.  Returns 1 when the command should
 * go on, 0 after printing help (exit 0), or -1 after a usage error (the
 * caller exits with HULL_EXIT_FAILED).  MIN_ARGS is the least number of
 * positional arguments the command takes. */
int hull_command_parse(const struct hull_command *c, bool interspersed, size_t min_args, int argc,
                       char **argv, void *dst, struct hull_args *args);

#endif
