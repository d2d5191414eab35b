/* The container's log as Docker's json-file driver writes it: one JSON
 * object per line, {"log": TEXT, "stream": "stdout"|"stderr", "time":
 * RFC 3339 with nanoseconds}, rotated by size.
 *
 * A record holds one line with its "\n", or the part of a line that one
 * read returned (no "\n"): concatenating the "log" of a stream's records
 * gives back its bytes exactly.  Bytes that are not UTF-8 (JSON cannot
 * carry them in a string) make the record base64, marked with
 * "encoding": "base64". */
#ifndef HULL_MONITOR_LOGFILE_H
#define HULL_MONITOR_LOGFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum mon_stream { MON_STDOUT = 0, MON_STDERR = 1 };

/* An incomplete UTF-8 sequence at the end of a read waits for the next. */
struct mon_carry {
    char bytes[4];
    size_t len;
};

struct mon_logfile {
    int dirfd; /* the container's state directory */
    int fd;    /* HULL_MON_LOG, O_APPEND; -1 once writing failed */
    uint64_t size;
    uint64_t max_size; /* 0: never rotated */
    unsigned int max_file;
    struct mon_carry carry[2];
};

/* Worst-case size of the record of LEN bytes. */
size_t mon_log_record_max(size_t len);

/* Writes into OUT (at least mon_log_record_max(LEN) bytes) the record of
 * DATA[0..LEN) for STREAM at TIME; returns its length, "\n" included. */
size_t mon_log_encode(char *out, enum mon_stream stream, const char *data, size_t len,
                      const char *time);

/* Length of the longest prefix of DATA[0..LEN) that is valid UTF-8 and
 * ends on a whole character. */
size_t mon_utf8_valid_prefix(const char *data, size_t len);

/* The current time as "2006-01-02T15:04:05.000000000Z" (31 bytes and a NUL). */
void mon_time_now(char out[48]);

/* Opens (appending) the log in DIRFD; returns -1 with errno set. */
int mon_log_open(struct mon_logfile *l, int dirfd, uint64_t max_size, unsigned int max_file);

/* Logs LEN bytes the container wrote to STREAM. */
void mon_log_write(struct mon_logfile *l, enum mon_stream stream, const char *data, size_t len);

/* Writes out what a stream still holds back (its end was reached). */
void mon_log_flush(struct mon_logfile *l, enum mon_stream stream);

void mon_log_close(struct mon_logfile *l);

#endif
