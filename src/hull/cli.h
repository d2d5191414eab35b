/* What hull's commands share beyond parsing (main.c): the parse, act and
 * clean up cycle of a command, opening the engine, acting on each name of
 * a list as Docker does, command groups ("hull network ls"), and the
 * printing of JSON objects for --format. */
#ifndef HULL_CLI_H
#define HULL_CLI_H

#include "commands.h"

#include <jansson.h>
#include <time.h>

/* A command's work once its words are parsed: FLAGS is the struct the
 * flags were parsed into (NULL for a command without flags), ARGS the
 * positional arguments.  Returns the exit status. */
typedef int (*hull_action_fn)(const struct hull_global *g, void *flags,
                              const struct hull_args *args);

/* Runs command C: parses ARGV into FLAGS (holding the defaults), calls
 * ACTION when the command is to go on, then frees FLAGS' list values and
 * the arguments.  Returns ACTION's status, 0 after the help, or
 * HULL_EXIT_FAILED after a usage error. */
int hull_command_main(const struct hull_command *c, const struct hull_global *g, int argc,
                      char **argv, void *flags, hull_action_fn action);

/* Opens the engine at G's roots.  On failure reports why and returns -1. */
int hull_open_engine(const struct hull_global *g, struct hull_engine **e);

/* What hull_for_each() does with one name.  Returns -1 with *ERR set on
 * failure, 0 when hull_for_each() is to print NAME, 1 when FN printed
 * what there was to print itself (or there is nothing to print). */
typedef int (*hull_name_fn)(struct hull_engine *e, const char *name, void *data, hull_error **err);

/* Docker's way with a list of names: FN on each in turn, each failure
 * reported and the next name still tried.  Returns 1 when any failed,
 * else 0. */
int hull_for_each(struct hull_engine *e, const struct hull_args *args, hull_name_fn fn, void *data);

/* hull_for_each() on an engine opened for the purpose; 1 when it cannot
 * be opened. */
int hull_for_each_name(const struct hull_global *g, const struct hull_args *args, hull_name_fn fn,
                       void *data);

/* One subcommand of a group: CMD's own run, or with ACTION,
 * hull_command_main(CMD, ..., ACTION) on the group's flag struct. */
struct hull_subcommand {
    const char *name;
    const char *alias; /* another name, left out of the help; NULL for none */
    const struct hull_command *cmd;
    hull_action_fn action;
};

struct hull_group {
    const struct hull_command *cmd; /* the group's command: its name and summary */
    const struct hull_subcommand *subs;
    size_t n;
    int width;      /* of the name column in the help */
    bool more_help; /* the help ends with "Run 'hull NAME COMMAND --help' ..." */
};

/* Runs the subcommand ARGV[0] of group GRP with FLAGS (zeroed, large
 * enough for every subcommand's flags).  Without a word the group's help
 * and HULL_EXIT_FAILED, with "--help" or "-h" the help and 0; an unknown
 * word is a usage error. */
int hull_group_run(const struct hull_group *grp, const struct hull_global *g, int argc, char **argv,
                   void *flags);

/* Prints O as one line: compact JSON for FORMAT "json", else rendered
 * with the template FORMAT (template.h). */
int hull_print_object(const json_t *o, const char *format, hull_error **err);

/* Prints O with FORMAT (hull_print_object()), or without one as TEXT
 * lays it out; reports a failure.  Returns the exit status. */
int hull_show_object(const json_t *o, const char *format, void (*text)(const json_t *o));

/* Prints ALL, a JSON array: indented as a whole without FORMAT or with
 * "json", else each element rendered with the template FORMAT. */
int hull_print_array(const json_t *all, const char *format, hull_error **err);

/* Makes the JSON object describing NAME for an inspect. */
typedef int (*hull_object_fn)(struct hull_engine *e, const char *name, const void *data,
                              json_t **out, hull_error **err);

/* Docker's inspect of a list of names: FN makes the object of each (a
 * failure is reported and the next name still tried), then what was
 * found is printed with FORMAT: by hull_print_array(), or with LINE_EACH
 * and a FORMAT, a line for each object (hull_print_object()).  Returns 1
 * when any failed, else 0. */
int hull_inspect_names(const struct hull_global *g, const struct hull_args *args, hull_object_fn fn,
                       const void *data, const char *format, bool line_each);

/* The environment of run and exec: the entries of the --env-file files,
 * then the -e ones, so -e wins (Docker's order); appended to *OUT. */
int hull_collect_env(char *const *env_files, char *const *env, char ***out, hull_error **err);

/* Docker's check before a terminal is attached: -i with -t needs our
 * input to be a terminal ("the input device is not a TTY"). */
int hull_check_tty(bool interactive, bool tty, hull_error **err);

/* When E is an attachment ended by a reader of our output that went away
 * (HULL_ERR_OUTPUT_GONE), dies of SIGPIPE without a word, as Docker's client does; else
 * returns. */
void hull_die_of_broken_pipe(const hull_error *e);

/* The exit status of a command that failed with E when starting a
 * process: 127 when it does not exist, 126 when it cannot be run,
 * OTHERWISE for anything else. */
int hull_exec_exit_status(const hull_error *e, int otherwise);

/* What writes an archive (export, save) to FD. */
typedef int (*hull_archive_fn)(struct hull_engine *e, int fd, const void *data, hull_error **err);

/* With no -o, an archive goes to standard output, which must not be a
 * terminal: true, after saying so, when it is. */
bool hull_refuse_terminal(const char *output);

/* Writes the archive FN makes to standard output, or with OUTPUT to a
 * temporary name next to it renamed at the end, so an interrupted write
 * never leaves a truncated archive under OUTPUT.  On failure the
 * temporary file is removed. */
int hull_write_archive(struct hull_engine *e, const char *output, hull_archive_fn fn,
                       const void *data, hull_error **err);

/* Prints a prune's block: "TITLE:", a line for each of ITEMS after
 * PREFIX, and an empty line; nothing when ITEMS is NULL. */
void hull_print_block(const char *title, char *const *items, const char *prefix);

/* Prints "Total reclaimed space: SIZE", the last line of a prune. */
void hull_print_reclaimed(uint64_t bytes);

/* A container's STATUS as ps shows it: "Up 3 seconds", "Exited (0) 5
 * seconds ago", "Created", ... (cmd_ps.c). */
char *hull_ctr_status_text(struct hull_engine *e, const struct hull_ctr *c, time_t now);

#endif
