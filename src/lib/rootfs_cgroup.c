/* Mounts of type "cgroup": what the container sees at /sys/fs/cgroup.
 *
 * On a cgroup v2 host that is one cgroup2 mount.  On a v1 (or hybrid) host
 * it is a tmpfs holding one mount per hierarchy listed in
 * /proc/self/cgroup, with the same controllers ("cpu,cpuacct" gets symlinks
 * "cpu" and "cpuacct" beside it), and the unified hierarchy as "unified".
 * Inside a cgroup namespace each mount shows the container's own cgroup as
 * its root.  Without a cgroup namespace, or in a user namespace that may
 * not mount cgroup filesystems, the container's own cgroup directories of
 * the host are bound instead. */
#include "log.h"
#include "mountfd.h"
#include "mountinfo.h"
#include "paths.h"
#include "rootfs_internal.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

/* What every hierarchy mount needs to know. */
struct cg_mount {
    const struct hull_rootfs_ctx *ctx;
    const struct hull_mount_opts *o;
    struct hull_mountinfo *mi; /* the host's mounts, for the bind fallback */
    size_t n_mi;
    /* Without a cgroup namespace a fresh mount would show the host's whole
     * tree; the container's own cgroup directories are bound instead. */
    bool own_ns;
};

/* The host directory of the caller's own cgroup PATH in the hierarchy
 * mounted with FSTYPE and (for v1) CONTROLLERS, or NULL. */
static char *host_cgroup_dir(const struct cg_mount *cg, const char *fstype, const char *controllers,
                             const char *path)
{
    for (size_t i = 0; i < cg->n_mi; i++) {
        const struct hull_mountinfo *e = &cg->mi[i];
        _cleanup_free_ char *want = controllers ? xstrdup(controllers) : NULL;
        bool match = strcmp(e->fstype, fstype) == 0;
        char *save = NULL;

        for (char *c = want ? strtok_r(want, ",", &save) : NULL; match && c != NULL;
             c = strtok_r(NULL, ",", &save))
            match = hull_opt_list_has(e->super_opts, c);
        if (!match)
            continue;
        size_t rl = strcmp(e->root, "/") == 0 ? 0 : strlen(e->root);
        if (strncmp(path, e->root, rl) != 0 || (path[rl] != '/' && path[rl] != '\0'))
            continue;
        return hull_path_join(e->mount_point, path + rl);
    }
    return NULL;
}

/* Mounts one hierarchy (FSTYPE with DATA) at DIRFD/NAME; PATH is the
 * caller's cgroup in it, for the fallback. */
static int mount_hierarchy(const struct cg_mount *cg, int dirfd, const char *name,
                           const char *fstype, const char *data, const char *path, hull_error **err)
{
    _cleanup_close_ int sub = -1;
    _cleanup_free_ char *host = NULL;
    char buf[HULL_FD_PATH_MAX];

    if (mkdirat(dirfd, name, 0755) < 0 && errno != EEXIST)
        return hull_err(err, errno, "create directory \"%s\"", name);
    sub = openat(dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sub < 0)
        return hull_err(err, errno, "open directory \"%s\"", name);
    if (cg->own_ns) {
        if (mount(fstype, hull_fd_path(sub, buf), fstype, cg->o->flags, data) == 0)
            return 0;
        if (errno != EPERM || !cg->ctx->in_userns)
            return hull_err(err, errno, "mount %s (%s) on \"%s\"", fstype, data ? data : "", name);
    }
    host = host_cgroup_dir(cg, fstype, data, path);
    if (host == NULL && !cg->own_ns) {
        /* A hierarchy that exists but is mounted nowhere on the host. */
        hull_debug("cgroup hierarchy \"%s\" is not mounted on the host: left out", name);
        closep(&sub);
        unlinkat(dirfd, name, AT_REMOVEDIR);
        return 0;
    }
    if (host == NULL)
        return hull_err(err, EPERM,
                        "mount %s (%s) on \"%s\", and the host has no such mount to bind", fstype,
                        data ? data : "", name);
    hull_debug("binding the host's \"%s\" at cgroup \"%s\"", host, name);
    return hull_rootfs_bind_host(host, cg->o, sub, err);
}

/* "cpu,cpuacct" also answers to "cpu" and "cpuacct". */
static int link_comounted(int dirfd, const char *name, const char *controllers, hull_error **err)
{
    _cleanup_free_ char *list = xstrdup(controllers);
    char *save = NULL;

    if (strchr(controllers, ',') == NULL)
        return 0;
    for (char *c = strtok_r(list, ",", &save); c != NULL; c = strtok_r(NULL, ",", &save)) {
        if (strchr(c, '=') != NULL || strcmp(c, name) == 0)
            continue;
        if (symlinkat(name, dirfd, c) < 0 && errno != EEXIST)
            return hull_err(err, errno, "symlink \"%s\" -> \"%s\"", c, name);
    }
    return 0;
}

/* One line of /proc/self/cgroup, "ID:CONTROLLERS:PATH". */
static int mount_v1_line(const struct cg_mount *cg, int dirfd, char *line, hull_error **err)
{
    char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    const char *controllers, *path, *name;

    if (c2 == NULL)
        return hull_err(err, 0, "/proc/self/cgroup: malformed line \"%s\"", line);
    *c2 = '\0';
    controllers = c1 + 1;
    path = c2 + 1;
    if (*controllers == '\0') {
        /* The unified hierarchy of a hybrid host, where the host has it. */
        for (size_t i = 0; i < cg->n_mi; i++)
            if (strcmp(cg->mi[i].fstype, "cgroup2") == 0)
                return mount_hierarchy(cg, dirfd, "unified", "cgroup2", NULL, path, err);
        return 0;
    }
    name = str_has_prefix(controllers, "name=") ? controllers + 5 : controllers;
    if (mount_hierarchy(cg, dirfd, name, "cgroup", controllers, path, err) < 0)
        return -1;
    return link_comounted(dirfd, name, controllers, err);
}

static int mount_v1(const struct cg_mount *cg, int target, const char *resolved, hull_error **err)
{
    _cleanup_free_ char *text = NULL;
    _cleanup_close_ int top = -1;
    char buf[HULL_FD_PATH_MAX], *save = NULL;
    unsigned long flags = (cg->o->flags & ~MS_RDONLY) | MS_NOSUID | MS_NODEV | MS_NOEXEC;

    if (cg->o->data != NULL)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "options \"%s\" are not supported for cgroup mounts on a cgroup v1 "
                             "host",
                             cg->o->data);
    if (read_file_at(AT_FDCWD, "/proc/self/cgroup", 0, &text, NULL, err) < 0)
        return -1;
    /* Writable until the hierarchies' directories exist; "ro" comes last. */
    if (mount("tmpfs", hull_fd_path(target, buf), "tmpfs", flags, "mode=755") < 0)
        return hull_err(err, errno, "mount the tmpfs for cgroup v1 hierarchies");
    top = hull_rootfs_open_mounted(cg->ctx, resolved, target, err);
    if (top < 0)
        return -1;
    for (char *l = strtok_r(text, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save))
        if (mount_v1_line(cg, top, l, err) < 0)
            return -1;
    if ((cg->o->flags & MS_RDONLY) && mountfd_setattr(top, false, MOUNT_ATTR_RDONLY, 0) < 0)
        return hull_err(err, errno, "make the cgroup tmpfs read-only");
    return 0;
}

/* The caller's cgroup in the unified hierarchy ("0::PATH"). */
static char *own_v2_path(const char *text)
{
    const char *p = strstr(text, "0::");

    while (p != NULL && p != text && p[-1] != '\n')
        p = strstr(p + 1, "0::");
    if (p == NULL)
        return xstrdup("/");
    return xstrndup(p + 3, strcspn(p + 3, "\n"));
}

static int mount_v2(const struct cg_mount *cg, int target, hull_error **err)
{
    _cleanup_free_ char *text = NULL, *path = NULL, *host = NULL;
    char buf[HULL_FD_PATH_MAX];

    if (cg->own_ns) {
        if (mount("cgroup2", hull_fd_path(target, buf), "cgroup2", cg->o->flags, cg->o->data) == 0)
            return 0;
        if (errno != EPERM || !cg->ctx->in_userns)
            return hull_err(err, errno, "mount cgroup2");
    }
    if (read_file_at(AT_FDCWD, "/proc/self/cgroup", 0, &text, NULL, err) < 0)
        return -1;
    path = own_v2_path(text);
    host = host_cgroup_dir(cg, "cgroup2", NULL, path);
    if (host == NULL)
        return hull_err(err, EPERM, "mount cgroup2, and the host has no cgroup2 mount to bind");
    return hull_rootfs_bind_host(host, cg->o, target, err);
}

int hull_rootfs_mount_cgroup(const struct hull_rootfs_ctx *ctx, const struct hull_mount_opts *o,
                             int target_fd, const char *resolved, hull_error **err)
{
    struct cg_mount cg = {
        .ctx = ctx,
        .o = o,
        .own_ns = ctx->spec->linux_.namespaces[HULL_NS_CGROUP].present,
    };
    struct statfs sfs;
    int r;

    /* Before pivot_root, /sys/fs/cgroup is still the host's. */
    if (statfs("/sys/fs/cgroup", &sfs) < 0)
        return hull_err(err, errno, "statfs /sys/fs/cgroup of the host");
    if (hull_mountinfo_read(&cg.mi, &cg.n_mi, err) < 0)
        return -1;
    if (sfs.f_type == CGROUP2_SUPER_MAGIC)
        r = mount_v2(&cg, target_fd, err);
    else
        r = mount_v1(&cg, target_fd, resolved, err);
    hull_mountinfo_free(cg.mi, cg.n_mi);
    return r;
}
