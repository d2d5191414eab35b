/* Logging: the only way libhull writes anything.
 *
 * Messages go to standard error (human form, "prog: message") and, when a
 * log file is set (hullrt --log), to that file as logrus-style text or as one
 * JSON object per line with "level", "msg" and "time", as containerd's shim
 * and conmon read them.  Each message is written with a single write(2) so
 * concurrent writers never interleave within a line. */
#ifndef HULL_LOG_H
#define HULL_LOG_H

#include "error.h"

#include <stdbool.h>

enum hull_log_level {
    HULL_LOG_ERROR = 0,
    HULL_LOG_WARN,
    HULL_LOG_INFO,
    HULL_LOG_DEBUG,
};

enum hull_log_format {
    HULL_LOG_FORMAT_TEXT = 0,
    HULL_LOG_FORMAT_JSON,
};

/* Names the program in standard error messages. */
void hull_log_set_program(const char *name);

/* Messages above this level are dropped (default: HULL_LOG_WARN). */
void hull_log_set_level(enum hull_log_level level);
enum hull_log_level hull_log_get_level(void);

/* Also writes every message to PATH (appending) in FORMAT.  When
 * quiet_stderr is true, only errors still reach standard error. */
int hull_log_set_file(const char *path, enum hull_log_format format, bool quiet_stderr,
                      hull_error **err);

/* Parses "text" or "json". */
int hull_log_parse_format(const char *s, enum hull_log_format *out, hull_error **err);

/* The log file's descriptor, or -1 (children that must keep logging keep
 * it open). */
int hull_log_file_fd(void);

void hull_log(enum hull_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define hull_error_log(...) hull_log(HULL_LOG_ERROR, __VA_ARGS__)
#define hull_warn(...)      hull_log(HULL_LOG_WARN, __VA_ARGS__)
#define hull_info(...)      hull_log(HULL_LOG_INFO, __VA_ARGS__)
#define hull_debug(...)     hull_log(HULL_LOG_DEBUG, __VA_ARGS__)

#endif
