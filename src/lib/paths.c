#include "paths.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int sys_openat2(int dirfd, const char *path, struct open_how *how)
{
    return (int)syscall(SYS_openat2, dirfd, path, how, sizeof(*how));
}

int hull_open_in_root(int rootfd, const char *path, int flags, mode_t mode, uint64_t extra_resolve,
                      hull_error **err)
{
    struct open_how how = {
        .flags = (uint64_t)(flags | O_CLOEXEC),
        /* O_TMPFILE includes the O_DIRECTORY bit: test it whole. */
        .mode = ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) ? mode : 0,
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | extra_resolve,
    };
    int fd;

    do
        fd = sys_openat2(rootfd, path, &how);
    while (fd < 0 && errno == EAGAIN);
    if (fd < 0)
        return hull_err(err, errno, "open \"%s\" inside the root", path);
    return fd;
}

/* Opens the directory PREFIX inside the root, creating its last component
 * below PARENT_FD when it is missing. */
static int open_or_create_dir(int rootfd, int parent_fd, const char *prefix, const char *name,
                              mode_t mode, hull_error **err)
{
    int fd = hull_open_in_root(rootfd, prefix, O_PATH | O_DIRECTORY, 0, 0, NULL);
    if (fd >= 0)
        return fd;
    if (errno != ENOENT)
        return hull_err(err, errno, "open \"%s\" inside the root", prefix);
    if (mkdirat(parent_fd, name, mode) < 0 && errno != EEXIST)
        return hull_err(err, errno, "create directory \"%s\" inside the root", prefix);
    /* Reopen through the root: if NAME was a symlink (mkdirat left it
     * alone), resolution stays inside the root or fails. */
    fd = hull_open_in_root(rootfd, prefix, O_PATH | O_DIRECTORY, 0, 0, NULL);
    if (fd < 0) {
        int saved = errno;
        char target[PATH_MAX];
        ssize_t n = readlinkat(parent_fd, name, target, sizeof(target) - 1);
        if (n >= 0) {
            target[n] = '\0';
            return hull_err(err, saved, "open \"%s\" inside the root: it is a symlink to \"%s\"",
                            prefix, target);
        }
        return hull_err(err, saved, "open \"%s\" inside the root", prefix);
    }
    return fd;
}

int hull_mkdirs_in_root(int rootfd, const char *path, mode_t mode, hull_error **err)
{
    _cleanup_free_ char *clean = hull_path_clean(path);
    _cleanup_close_ int cur = -1;
    char *p = clean;

    cur = hull_open_in_root(rootfd, "/", O_PATH | O_DIRECTORY, 0, 0, err);
    if (cur < 0)
        return -1;
    while (*p == '/')
        p++;
    while (*p != '\0') {
        char *slash = strchr(p, '/');
        char saved = slash ? '/' : '\0';
        if (slash)
            *slash = '\0';
        _cleanup_free_ char *name = xstrdup(p);
        int next = open_or_create_dir(rootfd, cur, clean, name, mode, err);
        if (slash)
            *slash = saved;
        if (next < 0)
            return -1;
        close(cur);
        cur = next;
        if (!slash)
            break;
        p = slash + 1;
        while (*p == '/')
            p++;
    }
    return take_fd(cur);
}

int hull_mount_target_in_root(int rootfd, const char *path, bool want_dir, hull_error **err)
{
    _cleanup_free_ char *clean = hull_path_clean(path);
    _cleanup_close_ int parent = -1;
    struct stat st;
    int fd;

    if (want_dir)
        return hull_mkdirs_in_root(rootfd, clean, 0755, err);

    fd = hull_open_in_root(rootfd, clean, O_PATH, 0, 0, NULL);
    if (fd >= 0) {
        if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
            close(fd);
            return hull_err(err, EISDIR, "mount target \"%s\" is a directory, expected a file",
                            path);
        }
        return fd;
    }
    if (errno != ENOENT)
        return hull_err(err, errno, "open mount target \"%s\" inside the root", path);

    char *slash = strrchr(clean, '/');
    const char *name = slash ? slash + 1 : clean;
    if (*name == '\0' || strcmp(name, "..") == 0 || strcmp(name, ".") == 0)
        return hull_err(err, EINVAL, "mount target \"%s\" has no file name", path);
    if (slash && slash != clean) {
        *slash = '\0';
        parent = hull_mkdirs_in_root(rootfd, clean, 0755, err);
        *slash = '/';
    } else {
        parent = hull_open_in_root(rootfd, "/", O_PATH | O_DIRECTORY, 0, 0, err);
    }
    if (parent < 0)
        return -1;
    fd = openat(parent, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0 && errno != EEXIST)
        return hull_err(err, errno, "create mount target \"%s\" inside the root", path);
    if (fd >= 0)
        close(fd);
    fd = hull_open_in_root(rootfd, clean, O_PATH, 0, 0, err);
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        return hull_err(err, EISDIR, "mount target \"%s\" is a directory, expected a file", path);
    }
    return fd;
}

const char *hull_fd_path(int fd, char buf[HULL_FD_PATH_MAX])
{
    snprintf(buf, HULL_FD_PATH_MAX, "/proc/self/fd/%d", fd);
    return buf;
}

char *hull_path_clean(const char *path)
{
    size_t len = strlen(path);
    char *out = xmalloc(len + 2);
    size_t o = 0;

    for (size_t i = 0; i < len;) {
        if (path[i] == '/') {
            if (o == 0 ? path[0] == '/' : out[o - 1] != '/')
                out[o++] = '/';
            i++;
            continue;
        }
        /* "." as a whole component is dropped */
        if (path[i] == '.' && (i + 1 == len || path[i + 1] == '/') &&
            (i == 0 || path[i - 1] == '/')) {
            i++;
            continue;
        }
        out[o++] = path[i++];
    }
    while (o > 1 && out[o - 1] == '/')
        o--;
    if (o == 0)
        out[o++] = path[0] == '/' ? '/' : '.';
    out[o] = '\0';
    return out;
}

char *hull_path_join(const char *a, const char *b)
{
    size_t la = strlen(a);
    while (la > 0 && a[la - 1] == '/')
        la--;
    while (*b == '/')
        b++;
    return xasprintf("%.*s/%s", (int)la, a, b);
}
