/* tmpcopyup: a tmpfs mounted over a directory starts with a copy of what
 * the directory held, so an image's /tmp or /run content survives the
 * mount.  Extended attributes and hard links are not preserved: each link
 * becomes its own copy. */
#include "rootfs_internal.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

/* Deeper trees are refused rather than exhausting descriptors. */
#define COPY_MAX_DEPTH 128

static int copy_dir(int src, int dst, int depth, hull_error **err);

static int copy_file(int sdir, int ddir, const char *name, const struct stat *st, hull_error **err)
{
    _cleanup_close_ int in = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    _cleanup_close_ int out = -1;

    if (in < 0)
        return hull_err(err, errno, "open \"%s\"", name);
    out = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                 st->st_mode & 07777);
    if (out < 0)
        return hull_err(err, errno, "create \"%s\"", name);
    for (;;) {
        ssize_t n = sendfile(out, in, NULL, 1 << 20);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return hull_err(err, errno, "copy \"%s\"", name);
        if (n == 0)
            return 0;
    }
}

static int copy_symlink(int sdir, int ddir, const char *name, const struct stat *st,
                        hull_error **err)
{
    size_t size = (size_t)st->st_size + 1;
    _cleanup_free_ char *target = xmalloc(size);
    ssize_t n = readlinkat(sdir, name, target, size);

    if (n < 0 || (size_t)n >= size)
        return hull_err(err, n < 0 ? errno : EOVERFLOW, "read symlink \"%s\"", name);
    target[n] = '\0';
    if (symlinkat(target, ddir, name) < 0)
        return hull_err(err, errno, "create symlink \"%s\"", name);
    return 0;
}

static int copy_subdir(int sdir, int ddir, const char *name, int depth, hull_error **err)
{
    _cleanup_close_ int s = -1, d = -1;

    if (depth >= COPY_MAX_DEPTH)
        return hull_err(err, ELOOP, "\"%s\" is nested deeper than %d levels", name, COPY_MAX_DEPTH);
    if (mkdirat(ddir, name, 0700) < 0)
        return hull_err(err, errno, "create directory \"%s\"", name);
    s = openat(sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    d = openat(ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (s < 0 || d < 0)
        return hull_err(err, errno, "open directory \"%s\"", name);
    if (copy_dir(s, d, depth + 1, err) < 0)
        return hull_err_wrap(err, "%s", name);
    return 0;
}

/* Owner, mode and times, set last so that writing the content (or, for a
 * directory, its entries) does not change them again. */
static int copy_meta(int ddir, const char *name, const struct stat *st, hull_error **err)
{
    struct timespec times[2] = {st->st_atim, st->st_mtim};

    if (fchownat(ddir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
        return hull_err(err, errno, "chown \"%s\"", name);
    if (!S_ISLNK(st->st_mode) && fchmodat(ddir, name, st->st_mode & 07777, 0) < 0)
        return hull_err(err, errno, "chmod \"%s\"", name);
    if (utimensat(ddir, name, times, AT_SYMLINK_NOFOLLOW) < 0)
        return hull_err(err, errno, "set the times of \"%s\"", name);
    return 0;
}

static int copy_entry(int sdir, int ddir, const char *name, int depth, hull_error **err)
{
    struct stat st;
    int r;

    if (fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return hull_err(err, errno, "stat \"%s\"", name);
    switch (st.st_mode & S_IFMT) {
    case S_IFDIR:
        r = copy_subdir(sdir, ddir, name, depth, err);
        break;
    case S_IFREG:
        r = copy_file(sdir, ddir, name, &st, err);
        break;
    case S_IFLNK:
        r = copy_symlink(sdir, ddir, name, &st, err);
        break;
    default:
        r = mknodat(ddir, name, st.st_mode, st.st_rdev);
        if (r < 0)
            hull_err(err, errno, "create special file \"%s\"", name);
        break;
    }
    if (r < 0)
        return -1;
    return copy_meta(ddir, name, &st, err);
}

static int copy_dir(int src, int dst, int depth, hull_error **err)
{
    int fd = openat(src, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct dirent *de;
    DIR *d;
    int ret = 0;

    if (fd < 0 || (d = fdopendir(fd)) == NULL) {
        int saved = errno;
        if (fd >= 0)
            close(fd);
        return hull_err(err, saved, "read directory");
    }
    while (ret == 0 && (errno = 0, de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        ret = copy_entry(src, dst, de->d_name, depth, err);
    }
    if (ret == 0 && errno != 0)
        ret = hull_err(err, errno, "read directory");
    closedir(d);
    return ret;
}

int hull_copy_up(int src_dirfd, int dst_dirfd, hull_error **err)
{
    struct stat st;

    if (copy_dir(src_dirfd, dst_dirfd, 0, err) < 0)
        return -1;
    if (fstat(src_dirfd, &st) < 0)
        return hull_err(err, errno, "stat the copied directory");
    if (fchown(dst_dirfd, st.st_uid, st.st_gid) < 0 || fchmod(dst_dirfd, st.st_mode & 07777) < 0)
        return hull_err(err, errno, "set the owner and mode of the new mount's root");
    return 0;
}
