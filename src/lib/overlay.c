/* The overlayfs root filesystem of an engine container. */
#include "overlay.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* "lowerdir=TOP:...:LOWEST,upperdir=U,workdir=W": overlayfs lists the
 * lower layers top first, the store lowest first. */
static char *mount_data(const char *const *layers, size_t n, const char *upper, const char *work)
{
    size_t len = strlen("lowerdir=,upperdir=,workdir=") + strlen(upper) + strlen(work) + 1;
    char *data, *p;

    for (size_t i = 0; i < n; i++)
        len += strlen(layers[i]) + 1;
    p = data = xmalloc(len);
    p = stpcpy(p, "lowerdir=");
    for (size_t i = n; i > 0; i--) {
        p = stpcpy(p, layers[i - 1]);
        if (i > 1)
            *p++ = ':';
    }
    p = stpcpy(p, ",upperdir=");
    p = stpcpy(p, upper);
    p = stpcpy(p, ",workdir=");
    stpcpy(p, work);
    return data;
}

int hull_overlay_mount(const char *const *layers, size_t n, const char *upper, const char *work,
                       const char *target, hull_error **err)
{
    _cleanup_free_ char *data = NULL;
    long page = sysconf(_SC_PAGESIZE);

    if (n == 0)
        return hull_err(err, EINVAL, "overlay: the image has no layers");
    for (size_t i = 0; i < n; i++)
        if (check_path("layer", layers[i], err) < 0)
            return -1;
    if (check_path("upperdir", upper, err) < 0 || check_path("workdir", work, err) < 0)
        return -1;
    data = mount_data(layers, n, upper, work);
    /* mount(2) copies at most one page of options: a longer string would
     * be cut short and mount a different set of layers, or fail obscurely. */
    if (page > 0 && strlen(data) >= (size_t)page)
        return hull_err(err, 0, "image has too many layers for one mount: %zu", n);
    if (mount("overlay", target, "overlay", MS_NODEV, data) < 0)
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
