#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL)
        abort();
    return p;
}

void *xmalloc0(size_t n)
{
    void *p = calloc(1, n ? n : 1);
    if (p == NULL)
        abort();
    return p;
}

void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (p == NULL)
        abort();
    return p;
}

char *xstrdup(const char *s)
{
    char *p = strdup(s);
    if (p == NULL)
        abort();
    return p;
}

char *xstrndup(const char *s, size_t n)
{
    char *p = strndup(s, n);
    if (p == NULL)
        abort();
    return p;
}

char *xvasprintf(const char *fmt, va_list ap)
{
    char *s;
    if (vasprintf(&s, fmt, ap) < 0)
        abort();
    return s;
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *s;
    va_start(ap, fmt);
    s = xvasprintf(fmt, ap);
    va_end(ap);
    return s;
}

void closep(int *fd)
{
    if (*fd >= 0) {
        int saved = errno;
        close(*fd); /* never retried: Linux frees the descriptor even on EINTR */
        errno = saved;
        *fd = -1;
    }
}

void fclosep(FILE **f)
{
    if (*f != NULL)
        fclose(*f);
    *f = NULL;
}

size_t strv_len(char *const *v)
{
    size_t n = 0;
    while (v != NULL && v[n] != NULL)
        n++;
    return n;
}

void strv_free(char **v)
{
    for (size_t i = 0; v != NULL && v[i] != NULL; i++)
        free(v[i]);
    free(v);
}

void strv_freep(char ***v)
{
    strv_free(*v);
    *v = NULL;
}

char **strv_dup(char *const *v)
{
    size_t n = strv_len(v);
    char **out = xmalloc0((n + 1) * sizeof(char *));
    for (size_t i = 0; i < n; i++)
        out[i] = xstrdup(v[i]);
    return out;
}

void strv_append(char ***v, const char *s)
{
    size_t n = strv_len(*v);
    *v = xrealloc(*v, (n + 2) * sizeof(char *));
    (*v)[n] = xstrdup(s);
    (*v)[n + 1] = NULL;
}

bool str_has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool str_has_suffix(const char *s, const char *suffix)
{
    size_t ls = strlen(s), lx = strlen(suffix);
    return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

int write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

ssize_t read_all(int fd, void *buf, size_t len)
{
    char *p = buf;
    size_t done = 0;
    while (done < len) {
        ssize_t n = read(fd, p + done, len - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0)
            break;
        done += (size_t)n;
    }
    return (ssize_t)done;
}

int read_file_at(int dirfd, const char *path, size_t max, char **out, size_t *len, hull_error **err)
{
    _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
    _cleanup_free_ char *buf = NULL;
    size_t cap = 4096, used = 0;

    if (fd < 0)
        return hull_err(err, errno, "open \"%s\"", path);
    buf = xmalloc(cap);
    for (;;) {
        if (used + 1 >= cap) {
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        ssize_t n = read(fd, buf + used, cap - used - 1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return hull_err(err, errno, "read \"%s\"", path);
        }
        if (n == 0)
            break;
        used += (size_t)n;
        if (max != 0 && used > max)
            return hull_err(err, EFBIG, "read \"%s\": larger than %zu bytes", path, max);
    }
    buf[used] = '\0';
    if (len != NULL)
        *len = used;
    *out = take_ptr(buf);
    return 0;
}

int write_file_at(int dirfd, const char *path, const void *data, size_t len, hull_error **err)
{
    _cleanup_close_ int fd = openat(dirfd, path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return hull_err(err, errno, "open \"%s\" for writing", path);
    if (write_all(fd, data, len) < 0)
        return hull_err(err, errno, "write \"%s\"", path);
    return 0;
}

int proc_open_checked(const char *path, int flags, hull_error **err)
{
    _cleanup_close_ int fd = open(path, flags | O_CLOEXEC | O_NOFOLLOW);
    struct statfs sfs;

    if (fd < 0)
        return hull_err(err, errno, "open %s", path);
    if (fstatfs(fd, &sfs) < 0)
        return hull_err(err, errno, "statfs %s", path);
    if (sfs.f_type != PROC_SUPER_MAGIC)
        return hull_err(err, 0, "%s is not on procfs (filesystem magic 0x%lx), refusing to use it",
                        path, (unsigned long)sfs.f_type);
    return take_fd(fd);
}

int proc_write_checked(const char *path, const void *data, size_t len, hull_error **err)
{
    _cleanup_close_ int fd = proc_open_checked(path, O_WRONLY, err);

    if (fd < 0)
        return -1;
    ssize_t n = write(fd, data, len);
    if (n < 0)
        return hull_err(err, errno, "write %s", path);
    if ((size_t)n != len)
        return hull_err(err, EIO, "write %s: short write (%zd of %zu bytes)", path, n, len);
    return 0;
}

static int replace_file(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
                        bool durable, hull_error **err)
{
    char suffix[17];
    _cleanup_free_ char *tmp = NULL;
    int fd;

    if (strchr(name, '/') != NULL)
        return hull_err(err, EINVAL, "write \"%s\" atomically: not a plain file name", name);
    if (random_hex(suffix, 8, err) < 0)
        return -1;
    tmp = xasprintf(".%s.%s.tmp", name, suffix);
    fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        return hull_err(err, errno, "create \"%s\"", tmp);
    if (write_all(fd, data, len) < 0 || (durable && fsync(fd) < 0)) {
        int saved = errno;
        close(fd);
        unlinkat(dirfd, tmp, 0);
        return hull_err(err, saved, "write \"%s\"", tmp);
    }
    close(fd);
    if (renameat(dirfd, tmp, dirfd, name) < 0) {
        int saved = errno;
        unlinkat(dirfd, tmp, 0);
        return hull_err(err, saved, "rename \"%s\" to \"%s\"", tmp, name);
    }
    return 0;
}

int write_file_atomic(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
                      hull_error **err)
{
    return replace_file(dirfd, name, data, len, mode, true, err);
}

int write_file_replace(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
                       hull_error **err)
{
    return replace_file(dirfd, name, data, len, mode, false, err);
}

int mkdir_p(const char *path, mode_t mode, hull_error **err)
{
    _cleanup_free_ char *copy = xstrdup(path);
    size_t len = strlen(copy);

    for (size_t i = 1; i <= len; i++) {
        if (copy[i] != '/' && copy[i] != '\0')
            continue;
        char saved = copy[i];
        copy[i] = '\0';
        if (mkdir(copy, mode) < 0 && errno != EEXIST)
            return hull_err(err, errno, "create directory \"%s\"", copy);
        copy[i] = saved;
    }
    struct stat st;
    if (stat(path, &st) < 0)
        return hull_err(err, errno, "stat \"%s\"", path);
    if (!S_ISDIR(st.st_mode))
        return hull_err(err, ENOTDIR, "create directory \"%s\"", path);
    return 0;
}

static int rm_rf_children(int dfd, dev_t dev, hull_error **err)
{
    DIR *d = fdopendir(dfd);
    struct dirent *de;
    int ret = 0;

    if (d == NULL) {
        close(dfd);
        return hull_err(err, errno, "read directory");
    }
    while ((de = readdir(d)) != NULL) {
        struct stat st;
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
            if (errno == ENOENT)
                continue;
            ret = hull_err(err, errno, "stat \"%s\"", de->d_name);
            break;
        }
        if (S_ISDIR(st.st_mode)) {
            if (st.st_dev != dev) {
                ret = hull_err(err, EBUSY, "remove \"%s\": a mount point", de->d_name);
                break;
            }
            int cfd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (cfd < 0) {
                ret = hull_err(err, errno, "open \"%s\"", de->d_name);
                break;
            }
            if (rm_rf_children(cfd, dev, err) < 0) {
                ret = hull_err_wrap(err, "%s", de->d_name);
                break;
            }
            if (unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT) {
                ret = hull_err(err, errno, "remove \"%s\"", de->d_name);
                break;
            }
        } else if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT) {
            ret = hull_err(err, errno, "remove \"%s\"", de->d_name);
            break;
        }
    }
    closedir(d);
    return ret;
}

void hull_strbuf_put(struct hull_strbuf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->p = xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

int rm_rf_at(int dirfd, const char *path, hull_error **err)
{
    struct stat st;
    if (fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno == ENOENT)
            return 0;
        return hull_err(err, errno, "stat \"%s\"", path);
    }
    if (!S_ISDIR(st.st_mode)) {
        if (unlinkat(dirfd, path, 0) < 0 && errno != ENOENT)
            return hull_err(err, errno, "remove \"%s\"", path);
        return 0;
    }
    int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return hull_err(err, errno, "open \"%s\"", path);
    if (rm_rf_children(fd, st.st_dev, err) < 0)
        return hull_err_wrap(err, "remove \"%s\"", path);
    if (unlinkat(dirfd, path, AT_REMOVEDIR) < 0 && errno != ENOENT)
        return hull_err(err, errno, "remove \"%s\"", path);
    return 0;
}

int parse_int64(const char *s, int64_t min, int64_t max, int64_t *out)
{
    char *end;
    long long v;

    if (s == NULL || *s == '\0')
        return -1;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int parse_uint64(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v;

    if (s == NULL || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

int fd_set_cloexec(int fd, bool on)
{
    int flags = fcntl(fd, F_GETFD);
    if (flags < 0)
        return -1;
    flags = on ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC;
    return fcntl(fd, F_SETFD, flags);
}

int fd_set_nonblock(int fd, bool on)
{
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0)
        return -1;
    flags = on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
    return fcntl(fd, F_SETFL, flags);
}

static int int_cmp(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

int close_fds_from(int from, const int *keep, size_t nkeep)
{
    int sorted[64];
    size_t n = nkeep < ARRAY_SIZE(sorted) ? nkeep : ARRAY_SIZE(sorted);
    unsigned int lo = (unsigned int)from;

    memcpy(sorted, keep, n * sizeof(int));
    qsort(sorted, n, sizeof(int), int_cmp);
    for (size_t i = 0; i < n; i++) {
        if (sorted[i] < from)
            continue;
        if ((unsigned int)sorted[i] > lo &&
            syscall(SYS_close_range, lo, (unsigned int)sorted[i] - 1, 0) < 0)
            return -1;
        lo = (unsigned int)sorted[i] + 1;
    }
    return (int)syscall(SYS_close_range, lo, ~0U, 0);
}

uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int random_hex(char *out, size_t nbytes, hull_error **err)
{
    unsigned char buf[64];
    static const char digits[] = "0123456789abcdef";

    if (nbytes > sizeof(buf))
        return hull_err(err, EINVAL, "random_hex: %zu bytes is too many", nbytes);
    if (getrandom(buf, nbytes, 0) != (ssize_t)nbytes)
        return hull_err(err, errno, "getrandom");
    for (size_t i = 0; i < nbytes; i++) {
        out[2 * i] = digits[buf[i] >> 4];
        out[2 * i + 1] = digits[buf[i] & 15];
    }
    out[2 * nbytes] = '\0';
    return 0;
}

char *hull_time_now_rfc3339(void)
{
    struct timespec ts;
    struct tm tm;
    char base[32], frac[16];
    int len;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
    /* Go's RFC3339Nano, which Docker and runc print: the fraction loses its
     * trailing zeros, and the dot too when nothing is left. */
    len = snprintf(frac, sizeof(frac), ".%09ld", ts.tv_nsec);
    while (len > 1 && frac[len - 1] == '0')
        frac[--len] = '\0';
    if (len == 1)
        frac[0] = '\0';
    return xasprintf("%s%sZ", base, frac);
}
