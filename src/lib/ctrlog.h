/* Reading a container's log: the json-file records its monitor writes
 * (src/monitor/logfile.h has the format), rotated as container.log.N
 * (oldest, highest N) ... container.log.1, container.log (newest). */
#ifndef HULL_CTRLOG_H
#define HULL_CTRLOG_H

#include "engine.h"
#include "error.h"

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct hull_log_entry {
    bool is_stderr;
    char *data; /* the bytes the container wrote, decoded */
    size_t len;
    char *time;           /* as recorded (RFC 3339, nanoseconds) */
    struct timespec when; /* the same, parsed */
};

/* Parses one record (LINE without its "\n").  Errors say what is wrong. */
int hull_log_entry_parse(const char *line, size_t len, struct hull_log_entry *out,
                         hull_error **err);
void hull_log_entry_clear(struct hull_log_entry *e);

/* --since / --until: an RFC 3339 time (with a zone, or without one as
 * local time; a date alone is midnight), Unix seconds ("1700000000.5"),
 * or a Go duration before NOW ("10m", "1h30m", "1.5s", "250ms"). */
int hull_log_time_parse(const char *s, time_t now, struct timespec *out, hull_error **err);

struct hull_logs_opts {
    long tail; /* the last N records only; negative: all */
    bool has_since, has_until;
    struct timespec since, until;
    bool follow;     /* then wait for more until the container's monitor exits */
    bool timestamps; /* each line starts with its time */
};

/* Writes the log in DIRFD (a container's directory) as O says: standard
 * output records to OUT_FD, standard error records to ERR_FD.  With
 * MONITOR (a pidfd, or -1) it then follows the log until that process
 * exits.  Records that cannot be read are skipped. */
int hull_ctrlog_read(int dirfd, const struct hull_logs_opts *o, int monitor, int out_fd,
                     int err_fd);

/* Writes container REF's log (engine_logs.c), following it with
 * O->follow while the container's monitor lives. */
int hull_engine_logs(struct hull_engine *e, const char *ref, const struct hull_logs_opts *o,
                     int out_fd, int err_fd, hull_error **err);

#endif
