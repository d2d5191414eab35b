/* Docker's human-readable output: durations ("2 minutes"), sizes
 * ("4.26MB"), quoted and truncated commands, and tables aligned like Go's
 * tabwriter with Docker's settings. */
#ifndef HULL_FORMAT_H
#define HULL_FORMAT_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

/* "Less than a second", "1 second", "About a minute", "3 hours", ... */
char *hull_human_duration(int64_t seconds);

/* Decimal units with three significant digits: "123B", "4.26MB". */
char *hull_human_size(uint64_t bytes);

/* Parses RFC 3339 ("2024-01-02T03:04:05.123456789Z", or with a numeric
 * offset).  Returns 0, or -1 when S is not such a time. */
int hull_parse_rfc3339(const char *s, time_t *out);

/* "2 minutes ago" for an RFC 3339 time, "" when it cannot be read. */
char *hull_time_ago(const char *rfc3339, time_t now);

/* The command as Docker's ps shows it: ARGS joined with spaces (those
 * holding a space in single quotes), cut to 20
 * characters with a trailing "…" when TRUNC, then quoted like Go's
 * strconv.Quote. */
char *hull_quote_command(char *const *args, int trunc);

/* A table of strings printed with each column padded to its widest cell
 * plus 3 spaces, at least 10 wide; the last column is not padded. */
struct hull_table;
struct hull_table *hull_table_new(size_t ncols);
/* Adds a row of NCOLS cells; the table takes ownership of the strings. */
void hull_table_add(struct hull_table *t, char **cells);
void hull_table_print(struct hull_table *t, FILE *f);
void hull_table_free(struct hull_table *t);

#endif
