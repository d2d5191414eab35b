/* File trees copied descriptor to descriptor, never through a path. */
#include "fscopy.h"
#include "log.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

/* Deeper trees are refused rather than exhausting descriptors. */
#define COPY_MAX_DEPTH 256

static int copy_at(int sdir, const char *sname, int ddir, const char *dname,
                   const struct hull_copy_opts *o, int depth, hull_error **err);

/* Owner, then mode (a chown clears set-id bits), then times. */
static int finish(int ddir, const char *name, int fd, const struct stat *st,
                  const struct hull_copy_opts *o, hull_error **err)
{
    uid_t uid = o->keep_owner ? st->st_uid : o->uid;
    gid_t gid = o->keep_owner ? st->st_gid : o->gid;
    struct timespec times[2] = {st->st_atim, st->st_mtim};

    if ((uid != (uid_t)-1 || gid != (gid_t)-1) &&
        (fd >= 0 ? fchown(fd, uid, gid) : fchownat(ddir, name, uid, gid, AT_SYMLINK_NOFOLLOW)) < 0)
        return hull_err(err, errno, "set the owner of \"%s\"", name);
    if (!S_ISLNK(st->st_mode) && (fd >= 0 ? fchmod(fd, st->st_mode & 07777)
                                          : fchmodat(ddir, name, st->st_mode & 07777, 0)) < 0)
        return hull_err(err, errno, "set the mode of \"%s\"", name);
    if ((fd >= 0 ? futimens(fd, times) : utimensat(ddir, name, times, AT_SYMLINK_NOFOLLOW)) < 0)
        hull_debug("copy: times of \"%s\" not kept: %s", name, strerror(errno));
    return 0;
}

/* Removes a non-directory in the way of the new entry. */
static int clear_way(int ddir, const char *name, bool want_dir, hull_error **err)
{
    struct stat st;

    if (fstatat(ddir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : hull_err(err, errno, "stat \"%s\"", name);
    if (S_ISDIR(st.st_mode)) {
        if (want_dir)
            return 0;
        return hull_err(err, EISDIR, "cannot overwrite directory \"%s\" with a non-directory",
                        name);
    }
    if (unlinkat(ddir, name, 0) < 0)
        return hull_err(err, errno, "replace \"%s\"", name);
    return 0;
}

static int copy_file(int sdir, const char *sname, int ddir, const char *dname,
                     const struct stat *st, const struct hull_copy_opts *o, hull_error **err)
{
    _cleanup_close_ int in = openat(sdir, sname, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
    _cleanup_close_ int out = -1;
    struct stat now;

    if (in < 0)
        return hull_err(err, errno, "open \"%s\"", sname);
    /* The entry may have changed since it was listed. */
    if (fstat(in, &now) < 0 || !S_ISREG(now.st_mode))
        return hull_err(err, EAGAIN, "\"%s\" changed during the copy", sname);
    out = openat(ddir, dname, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (out < 0)
        return hull_err(err, errno, "create \"%s\"", dname);
    for (;;) {
        ssize_t n = sendfile(out, in, NULL, 1 << 20);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return hull_err(err, errno, "copy \"%s\"", sname);
        if (n == 0)
            break;
    }
    return finish(ddir, dname, out, &now, o, err);
}

static int copy_symlink(int sdir, const char *sname, int ddir, const char *dname,
                        const struct stat *st, const struct hull_copy_opts *o, hull_error **err)
{
    size_t size = (size_t)st->st_size + 1;
    _cleanup_free_ char *target = xmalloc(size);
    ssize_t n = readlinkat(sdir, sname, target, size);

    if (n < 0 || (size_t)n >= size)
        return hull_err(err, n < 0 ? errno : EOVERFLOW, "read symlink \"%s\"", sname);
    target[n] = '\0';
    if (symlinkat(target, ddir, dname) < 0)
        return hull_err(err, errno, "create symlink \"%s\"", dname);
    return finish(ddir, dname, -1, st, o, err);
}

static int copy_node(int ddir, const char *dname, const struct stat *st,
                     const struct hull_copy_opts *o, hull_error **err)
{
    if (mknodat(ddir, dname, (st->st_mode & S_IFMT) | 0600, st->st_rdev) < 0)
        return hull_err(err, errno, "create \"%s\"", dname);
    return finish(ddir, dname, -1, st, o, err);
}

static int copy_dir_entries(int src, int dst, const struct hull_copy_opts *o, int depth,
                            hull_error **err)
{
    int fd = dup(src);
    DIR *d;
    struct dirent *de;
    int ret = 0;

    if (fd < 0 || (d = fdopendir(fd)) == NULL) {
        if (fd >= 0)
            close(fd);
        return hull_err(err, errno, "read a directory");
    }
    rewinddir(d);
    while (ret == 0 && (errno = 0, de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        ret = copy_at(src, de->d_name, dst, de->d_name, o, depth + 1, err);
    }
    if (ret == 0 && errno != 0)
        ret = hull_err(err, errno, "read a directory");
    closedir(d);
    return ret;
}

static int copy_dir(int sdir, const char *sname, int ddir, const char *dname, const struct stat *st,
                    const struct hull_copy_opts *o, int depth, hull_error **err)
{
    _cleanup_close_ int src = -1, dst = -1;

    if (depth > COPY_MAX_DEPTH)
        return hull_err(err, ELOOP, "\"%s\" is nested more than %d levels deep", sname,
                        COPY_MAX_DEPTH);
    src = openat(sdir, sname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (src < 0)
        return hull_err(err, errno, "open \"%s\"", sname);
    if (mkdirat(ddir, dname, 0700) < 0 && errno != EEXIST)
        return hull_err(err, errno, "create \"%s\"", dname);
    dst = openat(ddir, dname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dst < 0)
        return hull_err(err, errno, "open \"%s\"", dname);
    if (copy_dir_entries(src, dst, o, depth, err) < 0)
        return hull_err_wrap(err, "%s", sname);
    return finish(ddir, dname, dst, st, o, err);
}

static int copy_at(int sdir, const char *sname, int ddir, const char *dname,
                   const struct hull_copy_opts *o, int depth, hull_error **err)
{
    struct stat st;

    if (fstatat(sdir, sname, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return hull_err(err, errno, "stat \"%s\"", sname);
    if (S_ISSOCK(st.st_mode))
        return 0;
    if (clear_way(ddir, dname, S_ISDIR(st.st_mode), err) < 0)
        return -1;
    switch (st.st_mode & S_IFMT) {
    case S_IFDIR:
        return copy_dir(sdir, sname, ddir, dname, &st, o, depth, err);
    case S_IFREG:
        return copy_file(sdir, sname, ddir, dname, &st, o, err);
    case S_IFLNK:
        return copy_symlink(sdir, sname, ddir, dname, &st, o, err);
    default:
        return copy_node(ddir, dname, &st, o, err);
    }
}

int hull_copy_entry(int src_dir, const char *src_name, int dst_dir, const char *dst_name,
                    const struct hull_copy_opts *o, hull_error **err)
{
    return copy_at(src_dir, src_name, dst_dir, dst_name, o, 0, err);
}

int hull_copy_contents(int src, int dst, const struct hull_copy_opts *o, hull_error **err)
{
    struct stat st;

    if (fstat(src, &st) < 0)
        return hull_err(err, errno, "stat the source directory");
    if (copy_dir_entries(src, dst, o, 0, err) < 0)
        return -1;
    return finish(dst, ".", dst, &st, o, err);
}
