/* Command line flags as Docker's command line (spf13/pflag) takes them,
 * driven by tables.
 *
 * Long flags: "--name value", "--name=value", bools "--rm" or
 * "--rm=false".  Short flags: "-e value", "-evalue", "-e=value", and bools
 * combined, "-it", where the last one may take a value ("-ite K=V").
 * Repeating a string flag keeps the last value, a list flag collects them
 * all.  "--" ends the flags.  Values are stored into the caller's struct at
 * each flag's offset, so no parsed option lives in a global. */
#ifndef HULL_OPTS_H
#define HULL_OPTS_H

#include "error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum hull_flag_type {
    HULL_FLAG_BOOL,   /* bool */
    HULL_FLAG_STRING, /* const char *, pointing into argv */
    HULL_FLAG_LIST,   /* char **, a NULL-terminated vector of copies */
};

struct hull_flag {
    const char *name; /* long name without dashes; NULL ends a table */
    char shorthand;   /* one letter, 0 for none */
    enum hull_flag_type type;
    size_t offset;          /* where the value goes in the destination struct */
    const char *value_name; /* shown in help ("string", "list"), NULL for bools */
    const char *usage;
};

struct hull_args {
    char **args; /* positional arguments, NULL-terminated copies */
    size_t n;
    bool help; /* --help (or -h where no flag owns it) was given */
};

/* The entry of a flag whose value goes to FIELD of member M of struct T:
 * for groups of flags that several commands embed (mountflags.h,
 * netflags.h, resflags.h). */
#define HULL_FLAG_IN(T, m, name, sh, type, field, vname, usage)                                    \
    {                                                                                              \
        name, sh, type, offsetof(T, m.field), vname, usage                                         \
    }

/* Parses ARGV[0..ARGC) against FLAGS into DST.  With INTERSPERSED, flags
 * may follow positional arguments ("hull rm x -f"); without, the first
 * positional argument ends the flags ("hull run IMAGE CMD -x": -x is the
 * command's).  Errors are HULL_ERR_BAD_INPUT with pflag's wording:
 * "unknown flag: --x", "unknown shorthand flag: 'x' in -xy",
 * "flag needs an argument: --name", "flag needs an argument: 'e' in -e". */
int hull_flags_parse(const struct hull_flag *flags, bool interspersed, int argc, char **argv,
                     void *dst, struct hull_args *out, hull_error **err);

/* Frees the list flags of DST that FLAGS describes. */
void hull_flags_free(const struct hull_flag *flags, void *dst);

void hull_args_clear(struct hull_args *a);

/* The "Options:" block of a help text, Docker's layout. */
void hull_flags_print(FILE *f, const struct hull_flag *flags);

/* Go's strconv.ParseBool: 1 t T TRUE true True, 0 f F FALSE false False. */
int hull_parse_bool(const char *s, bool *out);

#endif
