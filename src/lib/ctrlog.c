/* hull logs: reading the json-file log of a container, following it
 * while its monitor lives. */
#include "ctrlog.h"
#include "monitor_proto.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- records ---- */

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

static int b64_decode(const char *s, size_t len, char **out, size_t *out_len)
{
    unsigned char *o = xmalloc(len / 4 * 3 + 3);
    size_t n = 0;
    unsigned int acc = 0;
    int bits = 0;

    for (size_t i = 0; i < len; i++) {
        int v;
        if (s[i] == '=')
            break;
        v = b64_value((unsigned char)s[i]);
        if (v < 0) {
            free(o);
            return -1;
        }
        acc = (acc << 6) | (unsigned int)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            o[n++] = (unsigned char)(acc >> bits);
        }
    }
    *out = (char *)o;
    *out_len = n;
    return 0;
}

/* "2006-01-02T15:04:05[.999999999](Z|+hh:mm)"; without a zone, local
 * time when LOCAL_OK. */
static int parse_rfc3339(const char *s, bool local_ok, struct timespec *out)
{
    struct tm tm = {0};
    const char *rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    long ns = 0, offset = 0;
    bool zoned = true;

    if (rest == NULL) {
        rest = strptime(s, "%Y-%m-%d", &tm);
        if (rest == NULL || *rest != '\0' || !local_ok)
            return -1;
        zoned = false;
    }
    if (*rest == '.') {
        long scale = 100000000;
        for (rest++; *rest >= '0' && *rest <= '9'; rest++, scale /= 10)
            ns += (*rest - '0') * scale;
    }
    if (*rest == '+' || *rest == '-') {
        int hh, mm;
        if (sscanf(rest + 1, "%2d:%2d", &hh, &mm) != 2)
            return -1;
        offset = (hh * 60L + mm) * 60L * (*rest == '-' ? -1 : 1);
    } else if (*rest == 'Z' || *rest == 'z') {
        offset = 0;
    } else if (*rest == '\0' && local_ok) {
        zoned = false;
    } else if (zoned) {
        return -1;
    }
    if (zoned) {
        out->tv_sec = timegm(&tm) - offset;
    } else {
        tm.tm_isdst = -1;
        out->tv_sec = mktime(&tm);
    }
    out->tv_nsec = ns;
    return 0;
}

int hull_log_entry_parse(const char *line, size_t len, struct hull_log_entry *out, hull_error **err)
{
    json_error_t jerr;
    json_t *j = json_loadb(line, len, JSON_ALLOW_NUL, &jerr);
    json_t *log;
    const char *stream, *time, *encoding;
    int ret = -1;

    memset(out, 0, sizeof(*out));
    if (j == NULL)
        return hull_err(err, 0, "log record: %s", jerr.text);
    log = json_object_get(j, "log");
    stream = json_string_value(json_object_get(j, "stream"));
    time = json_string_value(json_object_get(j, "time"));
    encoding = json_string_value(json_object_get(j, "encoding"));
    if (!json_is_string(log) || stream == NULL || time == NULL) {
        hull_err(err, 0, "log record: \"log\", \"stream\" and \"time\" are required");
        goto out;
    }
    out->is_stderr = strcmp(stream, "stderr") == 0;
    out->time = xstrdup(time);
    if (parse_rfc3339(time, false, &out->when) < 0) {
        hull_err(err, 0, "log record: invalid time \"%s\"", time);
        goto out;
    }
    if (encoding != NULL && strcmp(encoding, "base64") == 0) {
        if (b64_decode(json_string_value(log), json_string_length(log), &out->data, &out->len) <
            0) {
            hull_err(err, 0, "log record: invalid base64");
            goto out;
        }
    } else {
        out->len = json_string_length(log);
        out->data = xmalloc(out->len + 1);
        memcpy(out->data, json_string_value(log), out->len);
    }
    ret = 0;
out:
    json_decref(j);
    if (ret < 0)
        hull_log_entry_clear(out);
    return ret;
}

void hull_log_entry_clear(struct hull_log_entry *e)
{
    free(e->data);
    free(e->time);
    memset(e, 0, sizeof(*e));
}

/* A Go duration: a sequence of decimal numbers with units ns, us, ms, s,
 * m, h. */
static int parse_duration(const char *s, double *seconds)
{
    static const struct {
        const char *unit;
        double scale;
    } units[] = {{"ns", 1e-9}, {"us", 1e-6}, {"ms", 1e-3}, {"s", 1}, {"m", 60}, {"h", 3600}};
    double total = 0;

    if (*s == '\0')
        return -1;
    while (*s != '\0') {
        char *end;
        double v = strtod(s, &end);
        size_t u;
        if (end == s)
            return -1;
        s = end;
        for (u = 0; u < ARRAY_SIZE(units); u++) {
            size_t n = strlen(units[u].unit);
            /* "m" must not take the "m" of "ms". */
            if (strncmp(s, units[u].unit, n) == 0 && !(n == 1 && s[0] == 'm' && s[1] == 's'))
                break;
        }
        if (u == ARRAY_SIZE(units))
            return -1;
        total += v * units[u].scale;
        s += strlen(units[u].unit);
    }
    *seconds = total;
    return 0;
}

int hull_log_time_parse(const char *s, time_t now, struct timespec *out, hull_error **err)
{
    double v;
    char *end;

    if (parse_rfc3339(s, true, out) == 0)
        return 0;
    v = strtod(s, &end);
    if (end != s && *end == '\0' && v >= 0) {
        out->tv_sec = (time_t)v;
        out->tv_nsec = (long)((v - (double)out->tv_sec) * 1e9);
        return 0;
    }
    if (parse_duration(s, &v) == 0) {
        double at = (double)now - v;
        out->tv_sec = (time_t)at;
        out->tv_nsec = (long)((at - (double)out->tv_sec) * 1e9);
        return 0;
    }
    return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                         "invalid time \"%s\": a timestamp, Unix seconds or a duration such as 10m",
                         s);
}

/* ---- reading ---- */

struct reader {
    const struct hull_logs_opts *o;
    int out, errfd;
    bool at_line_start[2];
    /* With --tail: the last records, kept until the end of what exists. */
    char **ring;
    size_t *ring_len;
    size_t ring_n, ring_next;
    bool tailing;
};

static bool before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static void emit(struct reader *r, const char *line, size_t len)
{
    _cleanup_error_ hull_error *err = NULL;
    struct hull_log_entry e;
    int s;

    /* A record half written by a disk that filled up is skipped. */
    if (hull_log_entry_parse(line, len, &e, &err) < 0)
        return;
    s = e.is_stderr ? 1 : 0;
    if ((r->o->has_since && before(&e.when, &r->o->since)) ||
        (r->o->has_until && before(&r->o->until, &e.when))) {
        hull_log_entry_clear(&e);
        return;
    }
    if (r->o->timestamps && r->at_line_start[s]) {
        write_all(s ? r->errfd : r->out, e.time, strlen(e.time));
        write_all(s ? r->errfd : r->out, " ", 1);
    }
    write_all(s ? r->errfd : r->out, e.data, e.len);
    if (e.len > 0)
        r->at_line_start[s] = e.data[e.len - 1] == '\n';
    hull_log_entry_clear(&e);
}

static void take_line(struct reader *r, const char *line, size_t len)
{
    if (!r->tailing) {
        emit(r, line, len);
        return;
    }
    if (r->ring_n == 0)
        return;
    free(r->ring[r->ring_next]);
    r->ring[r->ring_next] = xstrndup(line, len);
    r->ring_len[r->ring_next] = len;
    r->ring_next = (r->ring_next + 1) % r->ring_n;
}

static void flush_ring(struct reader *r)
{
    for (size_t i = 0; i < r->ring_n; i++) {
        size_t k = (r->ring_next + i) % r->ring_n;
        if (r->ring[k] != NULL)
            emit(r, r->ring[k], r->ring_len[k]);
        free(r->ring[k]);
    }
    free(r->ring);
    free(r->ring_len);
    r->ring = NULL;
    r->ring_n = 0;
    r->tailing = false;
}

/* One log file being read; a line without its "\n" yet waits. */
struct logfile {
    int fd;
    ino_t ino;
    char *buf;
    size_t len;
};

/* Reads FILE to its end, passing on its complete lines. */
static void pump(struct reader *r, struct logfile *f)
{
    char chunk[65536];
    ssize_t n;

    while ((n = read(f->fd, chunk, sizeof(chunk))) > 0) {
        size_t start = 0;
        f->buf = xrealloc(f->buf, f->len + (size_t)n);
        memcpy(f->buf + f->len, chunk, (size_t)n);
        f->len += (size_t)n;
        for (size_t i = 0; i < f->len; i++) {
            if (f->buf[i] == '\n') {
                take_line(r, f->buf + start, i - start);
                start = i + 1;
            }
        }
        memmove(f->buf, f->buf + start, f->len - start);
        f->len -= start;
    }
}

static int open_log(int dirfd, const char *name, struct logfile *f)
{
    struct stat st;

    memset(f, 0, sizeof(*f));
    f->fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
    if (f->fd < 0)
        return -1;
    fstat(f->fd, &st);
    f->ino = st.st_ino;
    return 0;
}

static void close_log(struct logfile *f)
{
    closep(&f->fd);
    free(f->buf);
    f->buf = NULL;
    f->len = 0;
}

/* Rotated files, oldest first, then the current one (kept open in CUR). */
static void read_existing(struct reader *r, int dirfd, struct logfile *cur)
{
    unsigned int last = 0;
    char name[64];

    while (last < 100000) {
        snprintf(name, sizeof(name), "%s.%u", HULL_MON_LOG, last + 1);
        if (faccessat(dirfd, name, F_OK, 0) < 0)
            break;
        last++;
    }
    for (unsigned int i = last; i >= 1; i--) {
        struct logfile f;
        snprintf(name, sizeof(name), "%s.%u", HULL_MON_LOG, i);
        if (open_log(dirfd, name, &f) == 0)
            pump(r, &f);
        close_log(&f);
    }
    if (open_log(dirfd, HULL_MON_LOG, cur) == 0)
        pump(r, cur);
}

/* After a rotation the current file is a new one: the rest of the old
 * one first.  After a truncation (one file kept), from its start. */
static void catch_up(struct reader *r, int dirfd, struct logfile *cur)
{
    struct stat st;

    if (cur->fd >= 0)
        pump(r, cur);
    if (fstatat(dirfd, HULL_MON_LOG, &st, 0) == 0 && (cur->fd < 0 || st.st_ino != cur->ino)) {
        close_log(cur);
        if (open_log(dirfd, HULL_MON_LOG, cur) == 0)
            pump(r, cur);
        return;
    }
    if (cur->fd >= 0 && fstat(cur->fd, &st) == 0 && st.st_size < lseek(cur->fd, 0, SEEK_CUR)) {
        lseek(cur->fd, 0, SEEK_SET);
        cur->len = 0;
        pump(r, cur);
    }
}

static void follow(struct reader *r, int dirfd, struct logfile *cur, int monitor)
{
    int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    char events[4096];

    if (in >= 0) {
        char path[64];
        snprintf(path, sizeof(path), "/proc/self/fd/%d", dirfd);
        inotify_add_watch(in, path, IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE);
    }
    for (;;) {
        struct pollfd p[2] = {{.fd = in, .events = POLLIN}, {.fd = monitor, .events = POLLIN}};
        /* Without inotify, a look every 100ms. */
        int n = poll(p, 2, in >= 0 ? -1 : 100);
        if (n < 0 && errno != EINTR)
            break;
        if (p[0].revents & POLLIN)
            while (read(in, events, sizeof(events)) > 0)
                ;
        catch_up(r, dirfd, cur);
        if (p[1].revents & POLLIN) {
            /* The monitor wrote its last record before it exited. */
            catch_up(r, dirfd, cur);
            break;
        }
    }
    if (in >= 0)
        close(in);
}

int hull_ctrlog_read(int dirfd, const struct hull_logs_opts *o, int monitor, int out_fd, int err_fd)
{
    struct reader r = {.o = o, .out = out_fd, .errfd = err_fd, .at_line_start = {true, true}};
    struct logfile cur = {.fd = -1};

    if (o->tail >= 0) {
        r.tailing = true;
        r.ring_n = (size_t)o->tail;
        r.ring = xmalloc0((r.ring_n + 1) * sizeof(char *));
        r.ring_len = xmalloc0((r.ring_n + 1) * sizeof(size_t));
    }
    read_existing(&r, dirfd, &cur);
    flush_ring(&r);
    if (monitor >= 0)
        follow(&r, dirfd, &cur, monitor);
    close_log(&cur);
    return 0;
}
