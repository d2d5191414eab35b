/* The json-file log of a container, written by its monitor. */
#include "logfile.h"
#include "monitor_proto.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *const stream_names[] = {"stdout", "stderr"};

size_t mon_log_record_max(size_t len)
{
    /* \u00XX is the longest escape: six bytes for one. */
    return len * 6 + 128;
}

/* Length of the UTF-8 character starting at S (at most LEN bytes), or 0
 * when it is not a whole valid one: overlong forms, surrogates and code
 * points past U+10FFFF are invalid, as in Go's utf8.Valid. */
static size_t utf8_char(const unsigned char *s, size_t len)
{
    size_t n;
    unsigned int cp;

    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        n = 2, cp = s[0] & 0x1f;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        n = 3, cp = s[0] & 0x0f;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        n = 4, cp = s[0] & 0x07;
    else
        return 0;
    if (len < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        return 0;
    return n;
}

size_t mon_utf8_valid_prefix(const char *data, size_t len)
{
    const unsigned char *s = (const unsigned char *)data;
    size_t i = 0;

    while (i < len) {
        size_t n = utf8_char(s + i, len - i);
        if (n == 0)
            break;
        i += n;
    }
    return i;
}

static size_t put_json_string(char *out, const char *data, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    char *p = out;

    *p++ = '"';
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)data[i];
        switch (c) {
        case '"':
        case '\\':
            *p++ = '\\';
            *p++ = (char)c;
            break;
        case '\n':
            *p++ = '\\';
            *p++ = 'n';
            break;
        case '\r':
            *p++ = '\\';
            *p++ = 'r';
            break;
        case '\t':
            *p++ = '\\';
            *p++ = 't';
            break;
        default:
            if (c < 0x20) {
                memcpy(p, "\\u00", 4);
                p[4] = hex[c >> 4];
                p[5] = hex[c & 15];
                p += 6;
            } else {
                *p++ = (char)c;
            }
        }
    }
    *p++ = '"';
    return (size_t)(p - out);
}

static size_t put_base64(char *out, const char *data, size_t len)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *s = (const unsigned char *)data;
    char *p = out;
    size_t i;

    *p++ = '"';
    for (i = 0; i + 2 < len; i += 3) {
        *p++ = b64[s[i] >> 2];
        *p++ = b64[((s[i] & 3) << 4) | (s[i + 1] >> 4)];
        *p++ = b64[((s[i + 1] & 15) << 2) | (s[i + 2] >> 6)];
        *p++ = b64[s[i + 2] & 63];
    }
    if (i < len) {
        *p++ = b64[s[i] >> 2];
        if (i + 1 < len) {
            *p++ = b64[((s[i] & 3) << 4) | (s[i + 1] >> 4)];
            *p++ = b64[(s[i + 1] & 15) << 2];
        } else {
            *p++ = b64[(s[i] & 3) << 4];
            *p++ = '=';
        }
        *p++ = '=';
    }
    *p++ = '"';
    return (size_t)(p - out);
}

size_t mon_log_encode(char *out, enum mon_stream stream, const char *data, size_t len,
                      const char *time)
{
    bool text = mon_utf8_valid_prefix(data, len) == len;
    char *p = out;

    p += sprintf(p, "{\"log\":");
    p += text ? put_json_string(p, data, len) : put_base64(p, data, len);
    p += sprintf(p, ",\"stream\":\"%s\",\"time\":\"%s\"%s}\n", stream_names[stream], time,
                 text ? "" : ",\"encoding\":\"base64\"");
    return (size_t)(p - out);
}

void mon_time_now(char out[48])
{
    struct timespec ts;
    struct tm tm;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    snprintf(out, 48, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec);
}

int mon_log_open(struct mon_logfile *l, int dirfd, uint64_t max_size, unsigned int max_file)
{
    struct stat st;

    memset(l, 0, sizeof(*l));
    l->dirfd = dirfd;
    l->max_size = max_size;
    l->max_file = max_file < 1 ? 1 : max_file;
    l->fd = openat(dirfd, HULL_MON_LOG, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (l->fd < 0)
        return -1;
    l->size = fstat(l->fd, &st) == 0 ? (uint64_t)st.st_size : 0;
    return 0;
}

/* Keeps MAX_FILE files: the current one becomes .1, .1 becomes .2, and
 * the oldest is dropped; with one file, the current one starts over. */
static void rotate(struct mon_logfile *l)
{
    char from[64], to[64];

    if (l->max_file <= 1) {
        if (ftruncate(l->fd, 0) == 0)
            l->size = 0;
        return;
    }
    for (unsigned int i = l->max_file - 1; i >= 1; i--) {
        if (i == 1)
            snprintf(from, sizeof(from), "%s", HULL_MON_LOG);
        else
            snprintf(from, sizeof(from), "%s.%u", HULL_MON_LOG, i - 1);
        snprintf(to, sizeof(to), "%s.%u", HULL_MON_LOG, i);
        renameat(l->dirfd, from, l->dirfd, to);
    }
    close(l->fd);
    l->fd =
        openat(l->dirfd, HULL_MON_LOG, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
    l->size = 0;
}

static void write_record(struct mon_logfile *l, enum mon_stream stream, const char *data,
                         size_t len)
{
    char time[48];
    char *rec;
    size_t n;

    if (l->fd < 0 || len == 0)
        return;
    rec = malloc(mon_log_record_max(len));
    if (rec == NULL)
        return;
    mon_time_now(time);
    n = mon_log_encode(rec, stream, data, len, time);
    if (l->max_size > 0 && l->size > 0 && l->size + n > l->max_size)
        rotate(l);
    /* One write per record: a reader never sees half of one unless the
     * disk filled up. */
    if (l->fd >= 0 && write(l->fd, rec, n) == (ssize_t)n)
        l->size += n;
    free(rec);
}

/* How many bytes at the end of DATA start a character that is not
 * complete yet (0 to 3). */
static size_t incomplete_tail(const char *data, size_t len)
{
    const unsigned char *s = (const unsigned char *)data;

    for (size_t back = 1; back <= 3 && back <= len; back++) {
        unsigned char c = s[len - back];
        if ((c & 0xc0) == 0x80)
            continue;
        size_t need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
        return need > back && utf8_char(s + len - back, back) == 0 && c >= 0xc2 && c <= 0xf4 ? back
                                                                                             : 0;
    }
    return 0;
}

void mon_log_write(struct mon_logfile *l, enum mon_stream stream, const char *data, size_t len)
{
    struct mon_carry *carry = &l->carry[stream];
    char *buf = malloc(len + sizeof(carry->bytes));
    size_t n = 0, start = 0, keep;

    if (buf == NULL)
        return;
    memcpy(buf, carry->bytes, carry->len);
    memcpy(buf + carry->len, data, len);
    n = carry->len + len;
    carry->len = 0;
    for (size_t i = 0; i < n; i++) {
        if (buf[i] == '\n') {
            write_record(l, stream, buf + start, i + 1 - start);
            start = i + 1;
        }
    }
    keep = incomplete_tail(buf + start, n - start);
    write_record(l, stream, buf + start, n - start - keep);
    memcpy(carry->bytes, buf + n - keep, keep);
    carry->len = keep;
    free(buf);
}

void mon_log_flush(struct mon_logfile *l, enum mon_stream stream)
{
    struct mon_carry *carry = &l->carry[stream];

    write_record(l, stream, carry->bytes, carry->len);
    carry->len = 0;
}

void mon_log_close(struct mon_logfile *l)
{
    mon_log_flush(l, MON_STDOUT);
    mon_log_flush(l, MON_STDERR);
    if (l->fd >= 0)
        close(l->fd);
    l->fd = -1;
}
