/* libarchive, loaded the first time it is used.
 *
 * libarchive drags in libxml2, ICU and libstdc++: linked normally, loading
 * and relocating them costs every hull process several milliseconds, and
 * `hull run` starts three (the command, its sealed copy, the monitor's exit
 * hook) without ever reading an archive.  So hull is not linked with it:
 * this file defines each libarchive function hull calls, with the
 * prototype of <archive.h>, as a forwarder to the real one, resolved with
 * dlsym the first time.  Only import, load, save, export, commit, cp and
 * diff pay for the library, once.
 *
 * A libarchive that cannot be loaded, or lacks a function, aborts the
 * process, as an allocation failure does: before, the same installation
 * could not start hull at all. */
#include "log.h"

#include <archive.h>
#include <archive_entry.h>
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef HULL_LIBARCHIVE_SONAME
#define HULL_LIBARCHIVE_SONAME "libarchive.so.13"
#endif

static void *archive_lib(void)
{
    static void *lib;
    void *h = __atomic_load_n(&lib, __ATOMIC_ACQUIRE);

    if (h != NULL)
        return h;
    h = dlopen(HULL_LIBARCHIVE_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        hull_error_log("load %s: %s", HULL_LIBARCHIVE_SONAME, dlerror());
        abort();
    }
    __atomic_store_n(&lib, h, __ATOMIC_RELEASE);
    return h;
}

static void *archive_sym(const char *name)
{
    void *f = dlsym(archive_lib(), name);

    if (f == NULL) {
        hull_error_log("%s has no %s: %s", HULL_LIBARCHIVE_SONAME, name, dlerror());
        abort();
    }
    return f;
}

/* F(ret, name, (params), (args)) for the functions that return a value,
 * V(name, (params), (args)) for the others.  Each forwarder keeps the
 * resolved function in a static of its own; the compiler checks every
 * definition against the library's header. */
#define HULL_ARCHIVE_FUNCTIONS(F, V)                                                               \
    F(int, archive_entry_acl_count, (struct archive_entry * a, int b), (a, b))                     \
    F(time_t, archive_entry_atime, (struct archive_entry * a), (a))                                \
    F(int, archive_entry_atime_is_set, (struct archive_entry * a), (a))                            \
    F(long, archive_entry_atime_nsec, (struct archive_entry * a), (a))                             \
    V(archive_entry_copy_stat, (struct archive_entry * a, const struct stat *b), (a, b))           \
    V(archive_entry_fflags, (struct archive_entry * a, unsigned long *b, unsigned long *c),        \
      (a, b, c))                                                                                   \
    F(const char *, archive_entry_fflags_text, (struct archive_entry * a), (a))                    \
    F(mode_t, archive_entry_filetype, (struct archive_entry * a), (a))                             \
    V(archive_entry_free, (struct archive_entry * a), (a))                                         \
    F(la_int64_t, archive_entry_gid, (struct archive_entry * a), (a))                              \
    F(const char *, archive_entry_hardlink, (struct archive_entry * a), (a))                       \
    V(archive_entry_linkify,                                                                       \
      (struct archive_entry_linkresolver * a, struct archive_entry * *b,                           \
       struct archive_entry * *c),                                                                 \
      (a, b, c))                                                                                   \
    V(archive_entry_linkresolver_free, (struct archive_entry_linkresolver * a), (a))               \
    F(struct archive_entry_linkresolver *, archive_entry_linkresolver_new, (void), ())             \
    V(archive_entry_linkresolver_set_strategy, (struct archive_entry_linkresolver * a, int b),     \
      (a, b))                                                                                      \
    F(time_t, archive_entry_mtime, (struct archive_entry * a), (a))                                \
    F(int, archive_entry_mtime_is_set, (struct archive_entry * a), (a))                            \
    F(long, archive_entry_mtime_nsec, (struct archive_entry * a), (a))                             \
    F(struct archive_entry *, archive_entry_new, (void), ())                                       \
    F(const char *, archive_entry_pathname, (struct archive_entry * a), (a))                       \
    F(mode_t, archive_entry_perm, (struct archive_entry * a), (a))                                 \
    F(dev_t, archive_entry_rdevmajor, (struct archive_entry * a), (a))                             \
    F(dev_t, archive_entry_rdevminor, (struct archive_entry * a), (a))                             \
    V(archive_entry_set_filetype, (struct archive_entry * a, unsigned int b), (a, b))              \
    V(archive_entry_set_gid, (struct archive_entry * a, la_int64_t b), (a, b))                     \
    V(archive_entry_set_mtime, (struct archive_entry * a, time_t b, long c), (a, b, c))            \
    V(archive_entry_set_pathname, (struct archive_entry * a, const char *b), (a, b))               \
    V(archive_entry_set_perm, (struct archive_entry * a, mode_t b), (a, b))                        \
    V(archive_entry_set_size, (struct archive_entry * a, la_int64_t b), (a, b))                    \
    V(archive_entry_set_symlink, (struct archive_entry * a, const char *b), (a, b))                \
    V(archive_entry_set_uid, (struct archive_entry * a, la_int64_t b), (a, b))                     \
    F(la_int64_t, archive_entry_size, (struct archive_entry * a), (a))                             \
    F(int, archive_entry_size_is_set, (struct archive_entry * a), (a))                             \
    F(const char *, archive_entry_symlink, (struct archive_entry * a), (a))                        \
    F(la_int64_t, archive_entry_uid, (struct archive_entry * a), (a))                              \
    V(archive_entry_xattr_add_entry,                                                               \
      (struct archive_entry * a, const char *b, const void *c, size_t d), (a, b, c, d))            \
    F(int, archive_entry_xattr_count, (struct archive_entry * a), (a))                             \
    F(int, archive_entry_xattr_next,                                                               \
      (struct archive_entry * a, const char **b, const void **c, size_t *d), (a, b, c, d))         \
    F(int, archive_entry_xattr_reset, (struct archive_entry * a), (a))                             \
    F(int, archive_errno, (struct archive * a), (a))                                               \
    F(const char *, archive_error_string, (struct archive * a), (a))                               \
    F(int, archive_filter_code, (struct archive * a, int b), (a, b))                               \
    F(const char *, archive_filter_name, (struct archive * a, int b), (a, b))                      \
    F(int, archive_read_data_block,                                                                \
      (struct archive * a, const void **b, size_t *c, la_int64_t *d), (a, b, c, d))                \
    F(int, archive_read_data_skip, (struct archive * a), (a))                                      \
    F(int, archive_read_free, (struct archive * a), (a))                                           \
    F(struct archive *, archive_read_new, (void), ())                                              \
    F(int, archive_read_next_header, (struct archive * a, struct archive_entry * *b), (a, b))      \
    F(int, archive_read_open,                                                                      \
      (struct archive * a, void *b, archive_open_callback *c, archive_read_callback *d,            \
       archive_close_callback *e),                                                                 \
      (a, b, c, d, e))                                                                             \
    F(int, archive_read_open_fd, (struct archive * a, int b, size_t c), (a, b, c))                 \
    F(int, archive_read_support_filter_bzip2, (struct archive * a), (a))                           \
    F(int, archive_read_support_filter_gzip, (struct archive * a), (a))                            \
    F(int, archive_read_support_filter_xz, (struct archive * a), (a))                              \
    F(int, archive_read_support_filter_zstd, (struct archive * a), (a))                            \
    F(int, archive_read_support_format_raw, (struct archive * a), (a))                             \
    F(int, archive_read_support_format_tar, (struct archive * a), (a))                             \
    F(int, archive_write_close, (struct archive * a), (a))                                         \
    F(la_ssize_t, archive_write_data, (struct archive * a, const void *b, size_t c), (a, b, c))    \
    F(int, archive_write_free, (struct archive * a), (a))                                          \
    F(int, archive_write_header, (struct archive * a, struct archive_entry * b), (a, b))           \
    F(struct archive *, archive_write_new, (void), ())                                             \
    F(int, archive_write_open_fd, (struct archive * a, int b), (a, b))                             \
    F(int, archive_write_set_bytes_in_last_block, (struct archive * a, int b), (a, b))             \
    F(int, archive_write_set_format_pax_restricted, (struct archive * a), (a))

#define HULL_ARCHIVE_RESOLVE(name)                                                                 \
    static __typeof__(&name) real;                                                                 \
    __typeof__(&name) f = __atomic_load_n(&real, __ATOMIC_ACQUIRE);                                \
    if (f == NULL) {                                                                               \
        f = (__typeof__(&name))archive_sym(#name);                                                 \
        __atomic_store_n(&real, f, __ATOMIC_RELEASE);                                              \
    }

#define HULL_ARCHIVE_RETURNING(ret, name, params, args)                                            \
    ret name params                                                                                \
    {                                                                                              \
        HULL_ARCHIVE_RESOLVE(name)                                                                 \
        return f args;                                                                             \
    }

#define HULL_ARCHIVE_VOID(name, params, args)                                                      \
    void name params                                                                               \
    {                                                                                              \
        HULL_ARCHIVE_RESOLVE(name)                                                                 \
        f args;                                                                                    \
    }

HULL_ARCHIVE_FUNCTIONS(HULL_ARCHIVE_RETURNING, HULL_ARCHIVE_VOID)

/* The one variadic function: formatted here, passed on as "%s". */
void archive_set_error(struct archive *a, int code, const char *fmt, ...)
{
    HULL_ARCHIVE_RESOLVE(archive_set_error)
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    f(a, code, "%s", msg);
}
