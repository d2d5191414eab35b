/* Command line flags as runc's urfave/cli accepts them, driven by tables.
 *
 * A flag is written "--name value", "--name=value", "-name value" or
 * "-name=value" (one or two dashes, for long and short names alike); a bool
 * flag takes no separate value but accepts "--name=true|false".  "--" ends
 * the flags.  Parsed values are stored into a caller's struct at each
 * definition's offset, so no parsed option lives in a global. */
#ifndef HULLRT_OPTS_H
#define HULLRT_OPTS_H

#include "error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum hullrt_opt_type {
    HULLRT_OPT_BOOL,   /* bool */
    HULLRT_OPT_STRING, /* const char *, pointing into argv */
    HULLRT_OPT_INT,    /* int */
    HULLRT_OPT_LIST,   /* char **, one copy per occurrence, freed by hullrt_opts_free() */
};

struct hullrt_opt {
    const char *name; /* long name without dashes; NULL ends a table */
    char short_name;  /* one-letter alias, 0 for none */
    enum hullrt_opt_type type;
    size_t offset;          /* where the value goes in the destination struct */
    const char *value_name; /* placeholder in help ("DIR"), NULL for bools */
    const char *def;        /* default shown in help, NULL for none */
    const char *help;
};

struct hullrt_parsed {
    char **args; /* positional arguments (pointers into argv), NULL-terminated */
    int nargs;
    bool help; /* -h / --help was given (built in, unless a table defines it) */
};

/* Parses ARGV[0..ARGC) against TABLES (a NULL-terminated list, so run can
 * take create's table plus its own) into DST.  After STOP_AFTER
 * positional arguments every further argument is positional (0: the first
 * positional one stops flag parsing, as for global flags before the command
 * name; -1: flags may appear anywhere, as urfave/cli reorders them).
 * Returns 0, or -1 with a BAD_INPUT error quoting the offending flag.
 * OUT->args must be released with hullrt_parsed_clear(). */
int hullrt_parse_flags(const struct hullrt_opt *const *tables, int stop_after, int argc,
                       char **argv, void *dst, struct hullrt_parsed *out, hull_error **err);

void hullrt_parsed_clear(struct hullrt_parsed *p);

/* Frees the list values TABLES stored into DST. */
void hullrt_opts_free(const struct hullrt_opt *const *tables, void *dst);

/* Go's strconv.ParseBool: 1 t T TRUE true True, 0 f F FALSE false False.
 * Returns 0 or -1 (no error object: callers name the flag). */
int hullrt_parse_bool(const char *s, bool *out);

/* runc's argument count check: "\"CMD\" requires exactly N argument(s)"
 * (or "a minimum of" / "a maximum of"); MAX < 0 means no maximum. */
int hullrt_check_args(const char *cmd, int nargs, int min, int max, hull_error **err);

/* Makes PATH absolute against the current directory and cleans it
 * lexically ("//", ".", ".." and a trailing "/" removed), as Go's
 * filepath.Abs does for runc's --pid-file and --console-socket. */
int hullrt_abs_path(const char *path, char **out, hull_error **err);

/* The lexical cleaning of hullrt_abs_path for an absolute PATH. */
char *hullrt_clean_abs_path(const char *path);

/* Writes the option list of TABLES (plus the built-in --help) for a help
 * text, one flag per line, help texts aligned. */
void hullrt_print_options(FILE *f, const struct hullrt_opt *const *tables);

#endif
