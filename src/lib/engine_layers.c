/* A container's init layer: the read-only layer between its image and its
 * upper directory that holds the mount points the runtime needs and the
 * image may lack (/etc/hosts, /etc/hostname, /etc/resolv.conf).
 *
 * Without it the runtime creates those files in the upper directory, and
 * they show up in `hull diff` and in every `hull commit` although what the
 * container sees there is always a bind mount of the engine's own files,
 * never something it wrote.  Docker keeps them out the same way. */
#include "engine_internal.h"
#include "overlay.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#define INIT_DIR "init"

/* The files a container's config may bind mount over. */
static const char *const mount_points[] = {"hostname", "hosts", "resolv.conf"};

/* Whether the merged LAYERS (N, lowest first) show etc/NAME.  *ETC gets
 * the stat of the topmost layer's etc entry (st_mode 0 when none has
 * one). */
static bool image_has(char *const *layers, size_t n, const char *name, struct stat *etc)
{
    memset(etc, 0, sizeof(*etc));
    for (size_t i = n; i-- > 0;) {
        _cleanup_free_ char *dir = xasprintf("%s/etc", layers[i]);
        _cleanup_free_ char *path = xasprintf("%s/etc/%s", layers[i], name);
        struct stat st;
        char v = 0;

        if (lstat(dir, &st) < 0)
            continue;
        if (etc->st_mode == 0)
            *etc = st;
        /* Anything but a directory hides the layers below. */
        if (!S_ISDIR(st.st_mode))
            return false;
        /* A 0:0 character device is an overlay whiteout. */
        if (lstat(path, &st) == 0)
            return !(S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0));
        if (lgetxattr(dir, "trusted.overlay.opaque", &v, 1) == 1 && v == 'y')
            return false;
    }
    return false;
}

int hull_engine_init_layer(const char *ctr_dir, char *const *layers, hull_error **err)
{
    _cleanup_close_ int dirfd = open(ctr_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    _cleanup_close_ int etcfd = -1;
    size_t n = strv_len(layers);
    struct stat etc = {0};

    if (dirfd < 0)
        return hull_err(err, errno, "open \"%s\"", ctr_dir);
    if (faccessat(dirfd, INIT_DIR, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
        return 0;
    if (rm_rf_at(dirfd, INIT_DIR ".new", err) < 0)
        return hull_err_wrap(err, "clear \"%s\"", ctr_dir);
    if (mkdirat(dirfd, INIT_DIR ".new", 0755) < 0)
        return hull_err(err, errno, "create \"%s/" INIT_DIR ".new\"", ctr_dir);
    for (size_t i = 0; i < ARRAY_SIZE(mount_points); i++) {
        /* An image whose /etc is not a directory gets nothing: the
         * runtime resolves what it then mounts inside the root. */
        if (image_has(layers, n, mount_points[i], &etc) ||
            (etc.st_mode != 0 && !S_ISDIR(etc.st_mode)))
            continue;
        if (etcfd < 0) {
            if (mkdirat(dirfd, INIT_DIR ".new/etc", 0755) < 0 ||
                (etcfd = openat(dirfd, INIT_DIR ".new/etc", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) <
                    0)
                return hull_err(err, errno, "create \"%s/" INIT_DIR ".new/etc\"", ctr_dir);
        }
        _cleanup_close_ int fd =
            openat(etcfd, mount_points[i], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0)
            return hull_err(err, errno, "create the mount point /etc/%s", mount_points[i]);
    }
    /* The layer's /etc hides the attributes of the image's own directory
     * in the merged tree: it takes them over. */
    if (etcfd >= 0 && etc.st_mode != 0) {
        const struct timespec times[2] = {etc.st_atim, etc.st_mtim};
        if (fchown(etcfd, etc.st_uid, etc.st_gid) < 0 || fchmod(etcfd, etc.st_mode & 07777) < 0 ||
            futimens(etcfd, times) < 0)
            return hull_err(err, errno, "copy the attributes of the image's /etc");
    }
    /* Renamed into place complete, so a crash never leaves half a layer. */
    if (renameat(dirfd, INIT_DIR ".new", dirfd, INIT_DIR) < 0)
        return hull_err(err, errno, "create \"%s/" INIT_DIR "\"", ctr_dir);
    return 0;
}

char **hull_engine_lower_dirs(const char *ctr_dir, char *const *layers)
{
    _cleanup_free_ char *init = xasprintf("%s/" INIT_DIR, ctr_dir);
    char **out = NULL;

    for (size_t i = 0; layers != NULL && layers[i] != NULL; i++)
        strv_append(&out, layers[i]);
    /* Containers made before init layers existed have none. */
    if (access(init, F_OK) == 0)
        strv_append(&out, init);
    return out;
}

unsigned int hull_engine_overlay_flags(const struct hull_ctr *c)
{
    return c->auto_remove ? HULL_OVERLAY_VOLATILE : 0;
}
