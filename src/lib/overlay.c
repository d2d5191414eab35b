/* The overlayfs root filesystem of an engine container.
 *
 * Layers are given to the kernel one by one through the new mount API
 * (fsopen + fsconfig "lowerdir+", Linux 6.8), which has no limit on their
 * number.  Older kernels take one option string, which mount(2) copies
 * into a single page: when the absolute paths do not fit, each layer gets
 * a short symbolic link ("l/7") in a directory next to the container's
 * upper directory, and the mount is made by a child that works from that
 * directory, so the string holds only the short relative names. */
#include "overlay.h"
#include "mountfd.h"
#include "rootless.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define LINKS_DIR "l"

/* overlayfs splits its options at ',' and lowerdir at ':' (with '\' as an
 * escape): a path holding them would name other directories than meant. */
static int check_path(const char *what, const char *path, hull_error **err)
{
    if (path[0] != '/')
        return hull_err(err, EINVAL, "overlay %s \"%s\" is not an absolute path", what, path);
    if (strpbrk(path, ",:\\") != NULL)
        return hull_err(err, EINVAL,
                        "overlay %s \"%s\": ',', ':' and '\\' are not supported in paths", what,
                        path);
    return 0;
}

static int check_paths(const char *const *layers, size_t n, const char *upper, const char *work,
                       hull_error **err)
{
    if (n == 0)
        return hull_err(err, EINVAL, "overlay: the image has no layers");
    for (size_t i = 0; i < n; i++) {
        if (check_path("layer", layers[i], err) < 0)
            return -1;
    }
    if (upper != NULL && check_path("upperdir", upper, err) < 0)
        return -1;
    if (work != NULL && check_path("workdir", work, err) < 0)
        return -1;
    return 0;
}

/* Options that keep the upper directory in the plain form hull commit and
 * hull diff read: a renamed directory is copied up whole instead of
 * getting a redirect, and a chmod copies data instead of metadata only. */
static const char *const fixed_opts[][2] = {
    {"redirect_dir", "off"},
    {"index", "off"},
    {"metacopy", "off"},
};

static int fs_set(int fsfd, const char *key, const char *value, hull_error **err)
{
    if (fsconfig(fsfd, FSCONFIG_SET_STRING, key, value, 0) < 0)
        return hull_err(err, errno, "overlay: %s=%s", key, value);
    return 0;
}

/* An overlay superblock through the new API.  Returns the fs context or
 * -1; *unsupported tells that the kernel lacks fsopen or "lowerdir+". */
static int fs_context(const char *const *layers, size_t n, const char *upper, const char *work,
                      unsigned int flags, bool *unsupported, hull_error **err)
{
    _cleanup_close_ int fsfd = fsopen("overlay", FSOPEN_CLOEXEC);

    *unsupported = false;
    if (fsfd < 0) {
        *unsupported = errno == ENOSYS;
        return hull_err(err, errno, "overlay: fsopen");
    }
    /* lowest layer last: overlayfs stacks "lowerdir+" top first */
    for (size_t i = n; i > 0; i--) {
        if (fsconfig(fsfd, FSCONFIG_SET_STRING, "lowerdir+", layers[i - 1], 0) < 0) {
            *unsupported = errno == EINVAL && i == n;
            return hull_err(err, errno, "overlay: layer \"%s\"", layers[i - 1]);
        }
    }
    if (upper != NULL &&
        (fs_set(fsfd, "upperdir", upper, err) < 0 || fs_set(fsfd, "workdir", work, err) < 0))
        return -1;
    for (size_t i = 0; i < ARRAY_SIZE(fixed_opts); i++) {
        if (fs_set(fsfd, fixed_opts[i][0], fixed_opts[i][1], err) < 0)
            return -1;
    }
    /* Without root on the host overlayfs may not use trusted.* xattrs:
     * the store then marks layers with user.overlay.* (layer.h), which
     * "userxattr" makes the mount read.  userxattr only goes with
     * redirect_dir=nofollow, which creates no redirects either. */
    if (hull_rootless() && (fs_set(fsfd, "redirect_dir", "nofollow", err) < 0 ||
                            fsconfig(fsfd, FSCONFIG_SET_FLAG, "userxattr", NULL, 0) < 0))
        return hull_err(err, errno, "overlay: userxattr");
    if ((flags & HULL_OVERLAY_VOLATILE) &&
        fsconfig(fsfd, FSCONFIG_SET_FLAG, "volatile", NULL, 0) < 0)
        return hull_err(err, errno, "overlay: volatile");
    if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
        return hull_err(err, errno, "overlay: create the filesystem");
    return take_fd(fsfd);
}

int hull_overlay_open(const char *const *layers, size_t n, const char *upper, const char *work,
                      bool readonly, hull_error **err)
{
    _cleanup_close_ int fsfd = -1;
    bool unsupported;
    int mfd;

    if ((upper == NULL) != (work == NULL))
        return hull_err(err, EINVAL, "overlay: upperdir and workdir go together");
    if (check_paths(layers, n, upper, work, err) < 0)
        return -1;
    fsfd = fs_context(layers, n, upper, work, 0, &unsupported, err);
    if (fsfd < 0) {
        if (unsupported)
            hull_err(err, ENOTSUP, "overlay: this kernel has no \"lowerdir+\" (Linux 6.8)");
        return -1;
    }
    mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, MOUNT_ATTR_NODEV | (readonly ? MOUNT_ATTR_RDONLY : 0));
    if (mfd < 0)
        return hull_err(err, errno, "overlay: fsmount");
    return mfd;
}

/* "lowerdir=TOP:...:LOWEST,upperdir=U,workdir=W,..." for mount(2);
 * LINKS (non-NULL) replaces each layer by "l/I". */
static char *mount_data(const char *const *layers, size_t n, bool links, const char *upper,
                        const char *work, unsigned int flags)
{
    size_t len = strlen("lowerdir=,upperdir=,workdir=,volatile") + strlen(upper) + strlen(work) + 1;
    char *data, *p;

    for (size_t i = 0; i < n; i++)
        len += (links ? 24 : strlen(layers[i])) + 1;
    for (size_t i = 0; i < ARRAY_SIZE(fixed_opts); i++)
        len += strlen(fixed_opts[i][0]) + strlen(fixed_opts[i][1]) + 2;
    p = data = xmalloc(len);
    p = stpcpy(p, "lowerdir=");
    for (size_t i = n; i > 0; i--) {
        if (links)
            p += sprintf(p, LINKS_DIR "/%zu", i - 1);
        else
            p = stpcpy(p, layers[i - 1]);
        if (i > 1)
            *p++ = ':';
    }
    p += sprintf(p, ",upperdir=%s,workdir=%s", upper, work);
    for (size_t i = 0; i < ARRAY_SIZE(fixed_opts); i++)
        p += sprintf(p, ",%s=%s", fixed_opts[i][0], fixed_opts[i][1]);
    if (flags & HULL_OVERLAY_VOLATILE)
        strcpy(p, ",volatile");
    return data;
}

/* DIR/l/I -> layers[I], made afresh. */
static int make_links(int dirfd, const char *const *layers, size_t n, hull_error **err)
{
    _cleanup_close_ int lfd = -1;

    if (rm_rf_at(dirfd, LINKS_DIR, err) < 0)
        return -1;
    if (mkdirat(dirfd, LINKS_DIR, 0700) < 0)
        return hull_err(err, errno, "overlay: create the layer links");
    lfd = openat(dirfd, LINKS_DIR, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (lfd < 0)
        return hull_err(err, errno, "overlay: open the layer links");
    for (size_t i = 0; i < n; i++) {
        char name[24];
        snprintf(name, sizeof(name), "%zu", i);
        if (symlinkat(layers[i], lfd, name) < 0)
            return hull_err(err, errno, "overlay: link layer \"%s\"", layers[i]);
    }
    return 0;
}

/* mount(2) from a child working in DIRFD, so relative layer paths in
 * DATA resolve there and hull's own working directory never changes. */
static int mount_from(int dirfd, const char *data, const char *target, hull_error **err)
{
    int status, errnum = 0;
    int pipefd[2];
    pid_t pid;

    if (pipe2(pipefd, O_CLOEXEC) < 0)
        return hull_err(err, errno, "pipe");
    pid = fork();
    if (pid < 0) {
        close(pipefd[0]);
        close(pipefd[1]);
        return hull_err(err, errno, "fork");
    }
    if (pid == 0) {
        int e = 0;
        if (fchdir(dirfd) < 0 || mount("overlay", target, "overlay", MS_NODEV, data) < 0)
            e = errno;
        _exit(write(pipefd[1], &e, sizeof(e)) == sizeof(e) ? 0 : 1);
    }
    close(pipefd[1]);
    if (read_all(pipefd[0], &errnum, sizeof(errnum)) != sizeof(errnum))
        errnum = EIO;
    close(pipefd[0]);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (errnum != 0)
        return hull_err(err, errnum, "mount overlay on \"%s\"", target);
    return 0;
}

/* What a volatile mount needs of WORK (overlay.h). */
static int prepare_work(const char *work, unsigned int flags, hull_error **err)
{
    _cleanup_free_ char *mark = xasprintf("%s/work/incompat", work);

    if (!(flags & HULL_OVERLAY_VOLATILE) || access(mark, F_OK) < 0)
        return 0;
    if (rm_rf_at(AT_FDCWD, work, err) < 0)
        return hull_err_wrap(err, "overlay: empty the work directory");
    if (mkdir(work, 0700) < 0)
        return hull_err(err, errno, "overlay: create \"%s\"", work);
    return 0;
}

int hull_overlay_mount_legacy(const char *const *layers, size_t n, const char *upper,
                              const char *work, const char *target, unsigned int flags,
                              hull_error **err)
{
    _cleanup_free_ char *data = mount_data(layers, n, false, upper, work, flags);
    _cleanup_free_ char *updir = xstrdup(upper);
    _cleanup_close_ int dirfd = -1;
    long page = sysconf(_SC_PAGESIZE);

    if (check_paths(layers, n, upper, work, err) < 0 || check_path("target", target, err) < 0 ||
        prepare_work(work, flags, err) < 0)
        return -1;
    /* mount(2) copies at most one page of options: a longer string would
     * be cut short and mount a different set of layers */
    if (page <= 0 || strlen(data) < (size_t)page) {
        if (mount("overlay", target, "overlay", MS_NODEV, data) < 0)
            return hull_err(err, errno, "mount overlay on \"%s\"", target);
        return 0;
    }
    dirfd = open(dirname(updir), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0)
        return hull_err(err, errno, "overlay: open \"%s\"", updir);
    free(data);
    data = mount_data(layers, n, true, upper, work, flags);
    if (strlen(data) >= (size_t)page)
        return hull_err(err, 0, "image has too many layers for one mount: %zu", n);
    if (make_links(dirfd, layers, n, err) < 0)
        return -1;
    return mount_from(dirfd, data, target, err);
}

int hull_overlay_mount(const char *const *layers, size_t n, const char *upper, const char *work,
                       const char *target, unsigned int flags, hull_error **err)
{
    _cleanup_error_ hull_error *e = NULL;
    _cleanup_close_ int fsfd = -1;
    _cleanup_close_ int mfd = -1;
    bool unsupported;

    if (check_paths(layers, n, upper, work, err) < 0 || check_path("target", target, err) < 0 ||
        prepare_work(work, flags, err) < 0)
        return -1;
    fsfd = fs_context(layers, n, upper, work, flags, &unsupported, &e);
    if (fsfd < 0 && unsupported)
        return hull_overlay_mount_legacy(layers, n, upper, work, target, flags, err);
    if (fsfd < 0) {
        *err = take_ptr(e);
        return -1;
    }
    mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, MOUNT_ATTR_NODEV);
    if (mfd < 0)
        return hull_err(err, errno, "overlay: fsmount");
    if (move_mount(mfd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
        return hull_err(err, errno, "mount overlay on \"%s\"", target);
    return 0;
}

int hull_overlay_is_mounted(const char *target, hull_error **err)
{
    struct statx stx;

    if (statx(AT_FDCWD, target, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) < 0) {
        if (errno == ENOENT)
            return 0;
        return hull_err(err, errno, "stat \"%s\"", target);
    }
    if (!(stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT))
        return hull_err(err, ENOTSUP, "stat \"%s\": the kernel does not report mount points",
                        target);
    return (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
}

int hull_overlay_unmount(const char *target, hull_error **err)
{
    /* UMOUNT_NOFOLLOW: TARGET is under the engine's own directory, but a
     * symlink there must never turn this into an unmount elsewhere. */
    if (umount2(target, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL && errno != ENOENT)
        return hull_err(err, errno, "unmount \"%s\"", target);
    return 0;
}
