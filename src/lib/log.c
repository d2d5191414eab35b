#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Logging is process state by nature: every function of the library may log,
 * so the sink lives here instead of being threaded through every call. */
static struct {
    const char *program;
    enum hull_log_level level;
    enum hull_log_format format;
    int file_fd;
    bool quiet_stderr;
} log_state = {"hull", HULL_LOG_WARN, HULL_LOG_FORMAT_TEXT, -1, false};

static const char *const level_names[] = {"error", "warning", "info", "debug"};

void hull_log_set_program(const char *name)
{
    log_state.program = name;
}

void hull_log_set_level(enum hull_log_level level)
{
    log_state.level = level;
}

enum hull_log_level hull_log_get_level(void)
{
    return log_state.level;
}

int hull_log_parse_format(const char *s, enum hull_log_format *out, hull_error **err)
{
    if (strcmp(s, "text") == 0)
        *out = HULL_LOG_FORMAT_TEXT;
    else if (strcmp(s, "json") == 0)
        *out = HULL_LOG_FORMAT_JSON;
    else
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "invalid log format \"%s\": expected \"text\" or \"json\"", s);
    return 0;
}

int hull_log_set_file(const char *path, enum hull_log_format format, bool quiet_stderr,
                      hull_error **err)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return hull_err(err, errno, "open log file \"%s\"", path);
    if (log_state.file_fd >= 0)
        close(log_state.file_fd);
    log_state.file_fd = fd;
    log_state.format = format;
    log_state.quiet_stderr = quiet_stderr;
    return 0;
}

int hull_log_file_fd(void)
{
    return log_state.file_fd;
}

static void format_time(char *buf, size_t len)
{
    struct timespec ts;
    struct tm tm;
    char base[32];

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, len, "%s.%09ldZ", base, ts.tv_nsec);
}

static void write_file_line(enum hull_log_level level, const char *msg)
{
    char now[64];
    char *line = NULL;

    format_time(now, sizeof(now));
    if (log_state.format == HULL_LOG_FORMAT_JSON) {
        json_t *obj =
            json_pack("{s:s,s:s,s:s}", "level", level_names[level], "msg", msg, "time", now);
        char *text = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
        if (text != NULL)
            line = xasprintf("%s\n", text);
        free(text);
        json_decref(obj);
    } else {
        json_t *quoted = json_string(msg);
        char *text = quoted ? json_dumps(quoted, JSON_ENCODE_ANY) : NULL;
        line = xasprintf("time=\"%s\" level=%s msg=%s\n", now, level_names[level],
                         text ? text : "\"\"");
        free(text);
        json_decref(quoted);
    }
    if (line != NULL)
        write_all(log_state.file_fd, line, strlen(line));
    free(line);
}

void hull_log(enum hull_log_level level, const char *fmt, ...)
{
    int saved_errno = errno;
    va_list ap;
    char *msg;

    if (level > log_state.level)
        return;
    va_start(ap, fmt);
    msg = xvasprintf(fmt, ap);
    va_end(ap);

    if (log_state.file_fd >= 0)
        write_file_line(level, msg);
    if (log_state.file_fd < 0 || !log_state.quiet_stderr || level == HULL_LOG_ERROR) {
        char *line;
        if (level == HULL_LOG_ERROR)
            line = xasprintf("%s: %s\n", log_state.program, msg);
        else
            line = xasprintf("%s: %s: %s\n", log_state.program, level_names[level], msg);
        write_all(STDERR_FILENO, line, strlen(line));
        free(line);
    }
    free(msg);
    errno = saved_errno;
}
