/* The root filesystem after pivot_root: sysctl, readonlyPaths,
 * maskedPaths, root.readonly and the final propagation of "/".
 *
 * Everything here goes through descriptors and the new mount API, so it
 * does not depend on /proc being mounted (only sysctl needs it, by
 * definition). */
#include "log.h"
#include "mountfd.h"
#include "paths.h"
#include "rootfs_internal.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* The namespace that makes a sysctl the container's own (its type and
 * name), or -1 for a key that would change the host's kernel. */
static int sysctl_namespace(const char *key, const char **name)
{
    if (str_has_prefix(key, "kernel.shm") || str_has_prefix(key, "kernel.msg") ||
        strcmp(key, "kernel.sem") == 0 || str_has_prefix(key, "fs.mqueue.")) {
        *name = "ipc";
        return HULL_NS_IPC;
    }
    if (str_has_prefix(key, "net.")) {
        *name = "network";
        return HULL_NS_NETWORK;
    }
    if (strcmp(key, "kernel.hostname") == 0 || strcmp(key, "kernel.domainname") == 0) {
        *name = "uts";
        return HULL_NS_UTS;
    }
    return -1;
}

/* "net.ipv4.ip_forward" -> "net/ipv4/ip_forward".  A key must name exactly
 * one file below /proc/sys: "/" and empty components (which would give
 * "..") are refused, as is a newline in the value, which the kernel would
 * read as a second assignment (CVE-2022-0811). */
static int sysctl_file(const struct hull_sysctl *s, char **out, hull_error **err)
{
    size_t len = strlen(s->key);

    if (len == 0 || strchr(s->key, '/') != NULL || s->key[0] == '.' || s->key[len - 1] == '.' ||
        strstr(s->key, "..") != NULL)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "linux.sysctl: invalid key \"%s\"",
                             s->key);
    if (strchr(s->value, '\n') != NULL)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "linux.sysctl \"%s\": the value contains a newline", s->key);
    *out = xstrdup(s->key);
    for (char *p = *out; *p != '\0'; p++)
        if (*p == '.')
            *p = '/';
    return 0;
}

/* Whether the namespace file PATH is the runtime's own namespace of TYPE
 * (the host's, for a runtime started on the host). */
static bool same_as_ours(const char *path, const char *type)
{
    _cleanup_free_ char *ours = xasprintf("/proc/self/ns/%s", type);
    struct stat a, b;

    return stat(path, &a) == 0 && stat(ours, &b) == 0 && a.st_dev == b.st_dev &&
           a.st_ino == b.st_ino;
}

int hull_rootfs_check_sysctls(const struct hull_spec *spec, hull_error **err)
{
    static const char *const ns_files[HULL_NS_COUNT] = {
        [HULL_NS_IPC] = "ipc", [HULL_NS_NETWORK] = "net", [HULL_NS_UTS] = "uts"};

    for (size_t i = 0; i < spec->linux_.n_sysctl; i++) {
        const struct hull_sysctl *s = &spec->linux_.sysctl[i];
        _cleanup_free_ char *file = NULL;
        const char *ns_name = NULL;
        int ns = sysctl_namespace(s->key, &ns_name);

        if (sysctl_file(s, &file, err) < 0)
            return -1;
        if (ns < 0)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 "linux.sysctl \"%s\" is not namespaced: it would change the host",
                                 s->key);
        const struct hull_namespace *n = &spec->linux_.namespaces[ns];
        if (!n->present)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 "linux.sysctl \"%s\" needs the container's own %s namespace",
                                 s->key, ns_name);
        /* Joining the runtime's own namespace by path is joining the
         * host's: the write would change the host. */
        if (n->path != NULL && same_as_ours(n->path, ns_files[ns]))
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 "linux.sysctl \"%s\": the %s namespace \"%s\" is the host's",
                                 s->key, ns_name, n->path);
    }
    return 0;
}

static int write_sysctl(const struct hull_spec *spec, int sys_fd, const struct hull_sysctl *s,
                        hull_error **err)
{
    _cleanup_free_ char *file = NULL;
    _cleanup_close_ int fd = -1;
    const char *ns_name = NULL;
    int ns = sysctl_namespace(s->key, &ns_name);
    struct statfs sfs;

    if (sysctl_file(s, &file, err) < 0)
        return -1;
    if (ns < 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "linux.sysctl \"%s\" is not namespaced: it would change the host",
                             s->key);
    if (!spec->linux_.namespaces[ns].present)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "linux.sysctl \"%s\" needs the container's own %s namespace", s->key,
                             ns_name);
    fd = hull_open_in_root(sys_fd, file, O_WRONLY | O_NOFOLLOW, 0,
                           RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV, err);
    if (fd < 0)
        return hull_err_wrap(err, "linux.sysctl \"%s\"", s->key);
    /* Something bound over /proc/sys would receive the write instead. */
    if (fstatfs(fd, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC)
        return hull_err(err, 0, "linux.sysctl \"%s\": /proc/sys/%s is not on procfs", s->key, file);
    if (write_all(fd, s->value, strlen(s->value)) < 0)
        return hull_err(err, errno, "linux.sysctl \"%s\": write \"%s\"", s->key, s->value);
    return 0;
}

static int apply_sysctls(const struct hull_spec *spec, int root, hull_error **err)
{
    _cleanup_close_ int sys_fd = -1;
    struct statfs sfs;

    if (spec->linux_.n_sysctl == 0)
        return 0;
    sys_fd =
        hull_open_in_root(root, "/proc/sys", O_PATH | O_DIRECTORY, 0, RESOLVE_NO_SYMLINKS, err);
    if (sys_fd < 0)
        return hull_err_wrap(err, "linux.sysctl");
    if (fstatfs(sys_fd, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC)
        return hull_err(err, 0, "linux.sysctl: /proc/sys is not on procfs (is /proc mounted?)");
    for (size_t i = 0; i < spec->linux_.n_sysctl; i++)
        if (write_sysctl(spec, sys_fd, &spec->linux_.sysctl[i], err) < 0)
            return -1;
    return 0;
}

/* Opens PATH inside the root for masking or making read-only.  A path
 * that does not exist is skipped: *fd is -1 and 0 is returned. */
static int open_listed_path(int rootfd, const char *path, int *fd, hull_error **err)
{
    _cleanup_error_ hull_error *e = NULL;

    *fd = hull_open_in_root(rootfd, path, O_PATH, 0, 0, &e);
    if (*fd < 0 && e->errnum != ENOENT)
        return hull_err_from_parts(err, e->errnum, e->kind, e->msg);
    return 0;
}

static int make_readonly(int rootfd, const char *path, hull_error **err)
{
    _cleanup_close_ int fd = -1, tree = -1;

    if (open_listed_path(rootfd, path, &fd, err) < 0)
        return hull_err_wrap(err, "readonlyPaths");
    if (fd < 0)
        return 0;
    /* The whole tree below the path, not only its top mount: a mount
     * nested below (binfmt_misc under /proc/sys) would stay writable. */
    tree = mountfd_clone(fd, true);
    if (tree < 0 || mountfd_setattr(tree, true, MOUNT_ATTR_RDONLY, 0) < 0 ||
        mountfd_attach(tree, fd) < 0)
        return hull_err(err, errno, "readonlyPaths: \"%s\"", path);
    return 0;
}

/* The container's /dev/null, checked to be the null device: masking binds
 * it over files, and a rootfs that replaced it (by a symlink, a bind or a
 * regular file) would otherwise choose what is bound there
 * (CVE-2025-31133). */
static int open_dev_null(int rootfd, hull_error **err)
{
    _cleanup_close_ int fd = hull_open_in_root(rootfd, "/dev/null", O_PATH | O_NOFOLLOW, 0, 0, err);
    struct stat st;

    if (fd < 0)
        return hull_err_wrap(err, "maskedPaths");
    if (fstat(fd, &st) < 0)
        return hull_err(err, errno, "maskedPaths: stat /dev/null");
    if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
        return hull_err(err, 0, "maskedPaths: /dev/null is not the null device (c 1:3)");
    return take_fd(fd);
}

static int mask_dir(int target, const char *path, hull_error **err)
{
    _cleanup_close_ int fs = fsopen("tmpfs", FSOPEN_CLOEXEC), mnt = -1;

    if (fs < 0 || fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
        return hull_err(err, errno, "maskedPaths: create a tmpfs for \"%s\"", path);
    mnt = fsmount(fs, FSMOUNT_CLOEXEC,
                  MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
    if (mnt < 0 || mountfd_attach(mnt, target) < 0)
        return hull_err(err, errno, "maskedPaths: mount a tmpfs on \"%s\"", path);
    return 0;
}

static int mask_paths(const struct hull_spec *spec, int root, hull_error **err)
{
    char *const *paths = spec->linux_.masked_paths;
    _cleanup_close_ int null_fd = -1;

    for (size_t i = 0; paths != NULL && paths[i] != NULL; i++) {
        _cleanup_close_ int fd = -1, tree = -1;
        struct stat st;

        if (open_listed_path(root, paths[i], &fd, err) < 0)
            return hull_err_wrap(err, "maskedPaths");
        if (fd < 0)
            continue;
        if (fstat(fd, &st) < 0)
            return hull_err(err, errno, "maskedPaths: stat \"%s\"", paths[i]);
        if (S_ISDIR(st.st_mode)) {
            if (mask_dir(fd, paths[i], err) < 0)
                return -1;
            continue;
        }
        if (null_fd < 0 && (null_fd = open_dev_null(root, err)) < 0)
            return -1;
        tree = mountfd_clone(null_fd, false);
        if (tree < 0 || mountfd_attach(tree, fd) < 0)
            return hull_err(err, errno, "maskedPaths: bind /dev/null on \"%s\"", paths[i]);
    }
    return 0;
}

/* Runs in the container's root after pivot_root; "/" is opened afresh, so
 * ctx->rootfd may already be closed. */
int hull_rootfs_finalize(struct hull_rootfs_ctx *ctx, hull_error **err)
{
    const struct hull_spec *spec = ctx->spec;
    char *const *ro = spec->linux_.readonly_paths;
    _cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    unsigned long prop;

    if (root < 0)
        return hull_err(err, errno, "open \"/\"");
    if (apply_sysctls(spec, root, err) < 0)
        return -1;
    for (size_t i = 0; ro != NULL && ro[i] != NULL; i++)
        if (make_readonly(root, ro[i], err) < 0)
            return -1;
    if (mask_paths(spec, root, err) < 0)
        return -1;
    /* Only the root mount itself: mounts below keep their own "ro". */
    if (spec->root_readonly && mountfd_setattr(root, false, MOUNT_ATTR_RDONLY, 0) < 0)
        return hull_err(err, errno, "root.readonly: remount \"/\" read-only");
    if (hull_rootfs_propagation(spec, &prop, err) < 0)
        return -1;
    if (prop != 0 && mountfd_propagate(root, prop) < 0)
        return hull_err(err, errno, "linux.rootfsPropagation: set the propagation of \"/\"");
    return 0;
}
