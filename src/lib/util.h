/* Small helpers shared by every part of libhull: memory, cleanup attributes,
 * file descriptors, whole-file reads and writes, number parsing. */
#ifndef HULL_UTIL_H
#define HULL_UTIL_H

#include "error.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>

/* Allocation failures abort(): there is no useful recovery from them in a
 * runtime, and checking every small allocation hides the real error paths. */
void *xmalloc(size_t n);
void *xmalloc0(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Scope-based cleanup.  Every destructor accepts "nothing" (NULL, -1). */
static inline void freep(void *p)
{
    free(*(void **)p);
}
void closep(int *fd);
void fclosep(FILE **f);
void strv_freep(char ***v);

#define _cleanup_free_   __attribute__((cleanup(freep)))
#define _cleanup_close_  __attribute__((cleanup(closep)))
#define _cleanup_fclose_ __attribute__((cleanup(fclosep)))
#define _cleanup_strv_   __attribute__((cleanup(strv_freep)))

/* Hands ownership on: returns the value and leaves "nothing" behind. */
#define take_ptr(p)                                                                                \
    ({                                                                                             \
        __typeof__(p) _tmp = (p);                                                                  \
        (p) = NULL;                                                                                \
        _tmp;                                                                                      \
    })
#define take_fd(fd)                                                                                \
    ({                                                                                             \
        int _tmp = (fd);                                                                           \
        (fd) = -1;                                                                                 \
        _tmp;                                                                                      \
    })

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* NULL-terminated string vectors. */
size_t strv_len(char *const *v);
void strv_free(char **v);
char **strv_dup(char *const *v);
void strv_append(char ***v, const char *s);

bool str_has_prefix(const char *s, const char *prefix);
bool str_has_suffix(const char *s, const char *suffix);

/* write(2)/read(2) until done, retrying on EINTR.  write_all returns 0 or
 * -1 with errno set; read_all returns bytes read (short only at EOF). */
int write_all(int fd, const void *buf, size_t len);
ssize_t read_all(int fd, void *buf, size_t len);

/* Reads a whole file (at most max bytes, 0 for no limit) into a NUL
 * terminated buffer. */
int read_file_at(int dirfd, const char *path, size_t max, char **out, size_t *len,
                 hull_error **err);

/* Writes DATA to an existing file (O_WRONLY|O_TRUNC, no creation). */
int write_file_at(int dirfd, const char *path, const void *data, size_t len, hull_error **err);

/* Opens PATH, a file under /proc, and checks that it is on procfs before
 * the caller writes to it: a container's /proc comes from its config and
 * image, and a file bound over a /proc entry would silently take a
 * security setting (CVE-2019-16884).  A final symlink is not followed. */
int proc_open_checked(const char *path, int flags, hull_error **err);

/* proc_open_checked() for writing, then DATA in one write(2): procfs
 * files such as uid_map take a value only whole, in a single write. */
int proc_write_checked(const char *path, const void *data, size_t len, hull_error **err);

/* Writes DATA to DIRFD/NAME atomically: a temporary file in the same
 * directory, fsync'ed, then renamed over NAME.  NAME is a plain file name
 * (no "/"): open the directory first. */
int write_file_atomic(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
                      hull_error **err);

/* The same without the fsync: readers never see a torn file, but a power
 * loss may lose the write.  For state that does not outlive a reboot
 * anyway (the runtime's state under /run), where fsync only costs time. */
int write_file_replace(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
                       hull_error **err);

/* A growing string, always NUL-terminated once something was put. */
struct hull_strbuf {
    char *p;
    size_t n, cap;
};

/* Appends the N bytes at S. */
void hull_strbuf_put(struct hull_strbuf *b, const char *s, size_t n);

/* mkdir -p for a host path (not for paths inside a container rootfs). */
int mkdir_p(const char *path, mode_t mode, hull_error **err);

/* Removes a directory tree on the host without crossing mount points. */
int rm_rf_at(int dirfd, const char *path, hull_error **err);

/* Strict number parsing: the whole string must be a number in range. */
int parse_int64(const char *s, int64_t min, int64_t max, int64_t *out);
int parse_uint64(const char *s, uint64_t *out);

/* Sets or clears FD_CLOEXEC / O_NONBLOCK. */
int fd_set_cloexec(int fd, bool on);
int fd_set_nonblock(int fd, bool on);

/* Closes every descriptor >= from except those in keep[0..nkeep). */
int close_fds_from(int from, const int *keep, size_t nkeep);

/* Monotonic clock in nanoseconds. */
uint64_t now_ns(void);

/* The current time as RFC 3339 in UTC with nanoseconds, as OCI state,
 * image configs and Docker write it; a new string. */
char *hull_time_now_rfc3339(void);

/* Random bytes as lowercase hex (2*nbytes chars). */
int random_hex(char *out, size_t nbytes, hull_error **err);

#endif
