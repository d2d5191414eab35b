/* The container's root filesystem before pivot_root: the rootfs bind, the
 * spec's mounts in order, then /dev; and pivot_root itself.  The steps after
 * pivot_root live in rootfs_finalize.c, cgroup mounts in rootfs_cgroup.c.
 *
 * Every destination is resolved inside the rootfs (paths.h) and mounted
 * through its descriptor, so a symlink planted in the rootfs can neither
 * send a mount to the host nor be swapped in between check and mount. */
#include "devices.h"
#include "log.h"
#include "mountfd.h"
#include "mountinfo.h"
#include "paths.h"
#include "rootfs_internal.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

static bool type_is(const struct hull_mount *m, const char *type)
{
    return m->type != NULL && strcmp(m->type, type) == 0;
}

static bool spec_mounts_on(const struct hull_spec *spec, const char *dest)
{
    for (size_t i = 0; i < spec->n_mounts; i++) {
        _cleanup_free_ char *clean = hull_path_clean(spec->mounts[i].destination);
        if (strcmp(clean, dest) == 0)
            return true;
    }
    return false;
}

/* Refuses a rootfs whose /proc or /dev/null is a symlink: the proc mount
 * or the /dev/null binds of maskedPaths would follow it (CVE-2019-19921,
 * CVE-2025-31133).  Mounting resolves inside the rootfs regardless; this
 * check reports the problem before anything is created. */
int hull_rootfs_check(const struct hull_spec *spec, hull_error **err)
{
    _cleanup_close_ int root = -1, null_fd = -1;
    struct stat st;

    root = open(spec->root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, errno, "root.path \"%s\"", spec->root_path);
    if (fstatat(root, "proc", &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode))
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "rootfs \"%s\": /proc is %s, it must be a directory", spec->root_path,
                             S_ISLNK(st.st_mode) ? "a symlink" : "not a directory");
    if (fstatat(root, "dev", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode) &&
        !spec_mounts_on(spec, "/dev"))
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "rootfs \"%s\": /dev is a symlink and no mount covers /dev",
                             spec->root_path);
    null_fd = hull_open_in_root(root, "/dev/null", O_PATH | O_NOFOLLOW, 0, 0, NULL);
    if (null_fd >= 0 && fstat(null_fd, &st) == 0 && S_ISLNK(st.st_mode))
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "rootfs \"%s\": /dev/null is a symlink, refusing it", spec->root_path);
    return hull_rootfs_check_sysctls(spec, err);
}

int hull_rootfs_propagation(const struct hull_spec *spec, unsigned long *out, hull_error **err)
{
    static const struct {
        const char *name;
        unsigned long flags;
    } values[] = {
        {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
        {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
        {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
        {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
    };
    const char *v = spec->linux_.rootfs_propagation;

    *out = 0;
    if (v == NULL)
        return 0;
    for (size_t i = 0; i < ARRAY_SIZE(values); i++) {
        if (strcmp(values[i].name, v) == 0) {
            *out = values[i].flags;
            return 0;
        }
    }
    return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                         "linux.rootfsPropagation: unknown value \"%s\"", v);
}

void hull_ms_to_attr(unsigned long set, unsigned long clear, uint64_t *attr_set, uint64_t *attr_clr)
{
    static const struct {
        unsigned long ms;
        uint64_t attr;
    } map[] = {
        {MS_RDONLY, MOUNT_ATTR_RDONLY},         {MS_NOSUID, MOUNT_ATTR_NOSUID},
        {MS_NODEV, MOUNT_ATTR_NODEV},           {MS_NOEXEC, MOUNT_ATTR_NOEXEC},
        {MS_NODIRATIME, MOUNT_ATTR_NODIRATIME}, {MS_NOSYMFOLLOW, MOUNT_ATTR_NOSYMFOLLOW},
    };

    *attr_set = 0;
    *attr_clr = 0;
    for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
        if (set & map[i].ms)
            *attr_set |= map[i].attr;
        if (clear & map[i].ms)
            *attr_clr |= map[i].attr;
    }
    /* The atime mode is one value: replacing it needs the whole field in
     * attr_clr.  Clearing a mode without naming another means relatime,
     * the kernel's default, as with mount(2). */
    if ((set | clear) & (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)) {
        *attr_clr |= MOUNT_ATTR__ATIME;
        if (set & MS_NOATIME)
            *attr_set |= MOUNT_ATTR_NOATIME;
        else if (set & MS_STRICTATIME)
            *attr_set |= MOUNT_ATTR_STRICTATIME;
    }
}

/* pivot_root(2) and MS_MOVE refuse a rootfs whose parent mount is shared,
 * and a shared parent would also carry the container's mounts back to the
 * host's namespace.  Makes the mount holding ROOT_PATH private if it is
 * shared (a slave is left alone: it receives, but never sends). */
static int make_parent_private(const char *root_path, hull_error **err)
{
    _cleanup_close_ int fd = open(root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    struct hull_mountinfo *mi = NULL;
    const struct hull_mountinfo *e;
    struct statx stx;
    size_t n = 0;
    int ret = 0;

    if (fd < 0)
        return hull_err(err, errno, "open root.path \"%s\"", root_path);
    for (;;) {
        if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) < 0)
            return hull_err(err, errno, "statx \"%s\"", root_path);
        if (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT)
            break;
        int parent = openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (parent < 0)
            return hull_err(err, errno, "find the mount holding \"%s\"", root_path);
        close(fd);
        fd = parent;
    }
    if (hull_mountinfo_read(&mi, &n, err) < 0)
        return -1;
    e = hull_mountinfo_find(mi, n, (int)stx.stx_mnt_id);
    if (e != NULL && strstr(e->optional, "shared:") != NULL &&
        mountfd_propagate(fd, MS_PRIVATE) < 0)
        ret = hull_err(err, errno, "make the mount \"%s\" holding the rootfs private",
                       e->mount_point);
    hull_mountinfo_free(mi, n);
    return ret;
}

/* Propagation of "/", then the rootfs bound onto itself (pivot_root needs
 * the new root to be a mount point).  Sets ctx->rootfd to the bind. */
static int prepare_root(struct hull_rootfs_ctx *ctx, hull_error **err)
{
    const struct hull_spec *spec = ctx->spec;
    _cleanup_close_ int src = -1, tree = -1;
    unsigned long prop;

    /* Slave by default: host mounts still reach the container, but
     * nothing done here (mounts, the final detach of the old root) can
     * propagate back to the host. */
    if (hull_rootfs_propagation(spec, &prop, err) < 0)
        return -1;
    if (prop == 0)
        prop = MS_SLAVE | MS_REC;
    if (mount(NULL, "/", NULL, prop, NULL) < 0)
        return hull_err(err, errno, "set the propagation of \"/\"");
    /* After a recursive change to anything but shared, no mount of this
     * namespace is shared any more: nothing to look for. */
    if (!((prop & MS_REC) && (prop & (MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE))) &&
        make_parent_private(spec->root_path, err) < 0)
        return -1;
    src = open(spec->root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (src < 0)
        return hull_err(err, errno, "open root.path \"%s\"", spec->root_path);
    tree = mountfd_clone(src, true);
    if (tree < 0 || mountfd_attach(tree, src) < 0)
        return hull_err(err, errno, "bind mount root.path \"%s\" onto itself", spec->root_path);
    ctx->rootfd = take_fd(tree);
    return 0;
}

/* Files of /proc that may be bind mounted over (lxcfs and friends provide
 * them); everything else under /proc is refused, since a bind there could
 * hide the kernel's view the LSM profiles rely on (CVE-2019-16884). */
static const char *const proc_bind_allowed[] = {
    "/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo", "/proc/stat",
    "/proc/swaps",   "/proc/uptime",    "/proc/loadavg", "/proc/slabinfo",
};

/* The path inside the rootfs that TARGET_FD ended up at, after symlinks in
 * the rootfs were followed (inside it). */
static int resolved_path(const struct hull_rootfs_ctx *ctx, int target_fd, char **out,
                         hull_error **err)
{
    char buf[HULL_FD_PATH_MAX], root[PATH_MAX], target[PATH_MAX];
    ssize_t rl = readlink(hull_fd_path(ctx->rootfd, buf), root, sizeof(root) - 1);
    ssize_t tl = readlink(hull_fd_path(target_fd, buf), target, sizeof(target) - 1);
    size_t skip;

    if (rl < 0 || tl < 0)
        return hull_err(err, errno, "read the path of a mount target");
    root[rl] = '\0';
    target[tl] = '\0';
    skip = strcmp(root, "/") == 0 ? 0 : (size_t)rl;
    if (strncmp(target, root, (size_t)rl) != 0 || (target[skip] != '/' && target[skip] != '\0'))
        return hull_err(err, EXDEV, "mount target \"%s\" is outside the rootfs \"%s\"", target,
                        root);
    *out = xstrdup(target[skip] == '\0' ? "/" : target + skip);
    return 0;
}

static int check_destination(const struct hull_mount *m, bool bind, const char *resolved,
                             hull_error **err)
{
    if (strcmp(resolved, "/") == 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "destination \"%s\" resolves to the root of the container",
                             m->destination);
    if (strcmp(resolved, "/proc") == 0 && (bind || !type_is(m, "proc")))
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "destination \"%s\" is /proc: only a proc filesystem may be mounted "
                             "there",
                             m->destination);
    if (!str_has_prefix(resolved, "/proc/"))
        return 0;
    for (size_t i = 0; bind && i < ARRAY_SIZE(proc_bind_allowed); i++)
        if (strcmp(resolved, proc_bind_allowed[i]) == 0)
            return 0;
    return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                         "destination \"%s\" (\"%s\") is inside /proc, which is not allowed",
                         m->destination, resolved);
}

int hull_rootfs_open_mounted(const struct hull_rootfs_ctx *ctx, const char *resolved, int below_fd,
                             hull_error **err)
{
    _cleanup_close_ int fd = -1;
    struct statx below, top;

    fd = hull_open_in_root(ctx->rootfd, resolved, O_PATH, 0, 0, err);
    if (fd < 0)
        return -1;
    if (statx(below_fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &below) < 0 ||
        statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &top) < 0)
        return hull_err(err, errno, "statx \"%s\"", resolved);
    if (top.stx_mnt_id == below.stx_mnt_id || !(top.stx_attributes & STATX_ATTR_MOUNT_ROOT))
        return hull_err(err, 0, "the new mount is not found at \"%s\"", resolved);
    return take_fd(fd);
}

int hull_rootfs_bind_host(const char *host_path, const struct hull_mount_opts *o, int target_fd,
                          hull_error **err)
{
    _cleanup_close_ int src = open(host_path, O_PATH | O_CLOEXEC), tree = -1;
    uint64_t set, clr;

    if (src < 0)
        return hull_err(err, errno, "open \"%s\"", host_path);
    hull_ms_to_attr(o->flags, 0, &set, &clr);
    tree = mountfd_clone(src, true);
    if (tree < 0)
        return hull_err(err, errno, "clone the mounts at \"%s\"", host_path);
    if ((set | clr) != 0 && mountfd_setattr(tree, true, set, clr) < 0)
        return hull_err(err, errno, "set the flags of the bind of \"%s\"", host_path);
    if (mountfd_attach(tree, target_fd) < 0)
        return hull_err(err, errno, "bind mount \"%s\"", host_path);
    return 0;
}

/* flags the source of a bind has; in a user namespace they are locked
 * (they came from a more privileged namespace), and trying to clear one
 * fails with EPERM, so a bind keeps them, as runc does. */
static unsigned long source_flags(int src_fd)
{
    static const struct {
        unsigned long st, ms;
    } map[] = {
        {ST_RDONLY, MS_RDONLY},         {ST_NOSUID, MS_NOSUID},   {ST_NODEV, MS_NODEV},
        {ST_NOEXEC, MS_NOEXEC},         {ST_NOATIME, MS_NOATIME}, {ST_RELATIME, MS_RELATIME},
        {ST_NODIRATIME, MS_NODIRATIME},
    };
    char buf[HULL_FD_PATH_MAX];
    struct statvfs sv;
    unsigned long ms = 0;

    if (statvfs(hull_fd_path(src_fd, buf), &sv) < 0)
        return 0;
    for (size_t i = 0; i < ARRAY_SIZE(map); i++)
        if (sv.f_flag & map[i].st)
            ms |= map[i].ms;
    return ms;
}

/* Superblock options and filesystem data cannot be given to a bind: it
 * shares the source's superblock.  Asking for them is an error rather than
 * a silent no-op. */
static int check_bind_opts(const struct hull_mount_opts *o, hull_error **err)
{
    static const struct {
        unsigned long flag;
        const char *name;
    } sb_opts[] = {
        {MS_SYNCHRONOUS, "sync"},   {MS_DIRSYNC, "dirsync"},   {MS_MANDLOCK, "mand"},
        {MS_I_VERSION, "iversion"}, {MS_LAZYTIME, "lazytime"}, {MS_SILENT, "silent"},
    };

    for (size_t i = 0; i < ARRAY_SIZE(sb_opts); i++)
        if (o->flags & sb_opts[i].flag)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 "option \"%s\" does not apply to a bind mount", sb_opts[i].name);
    if (o->data != NULL)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "options \"%s\" do not apply to a bind mount", o->data);
    return 0;
}

/* A bind (rbind) of the host path m->source: cloned, its per-mount flags
 * set while still detached (so it is never visible writable when "ro" was
 * asked), then attached. */
static int mount_bind(const struct hull_rootfs_ctx *ctx, const struct hull_mount *m,
                      const struct hull_mount_opts *o, int src, int target, hull_error **err)
{
    _cleanup_close_ int tree = -1;
    unsigned long clear = o->clear;
    uint64_t set, clr;

    if (check_bind_opts(o, err) < 0)
        return -1;
    tree = mountfd_clone(src, o->rbind);
    if (tree < 0)
        return hull_err(err, errno, "clone the mount of source \"%s\"", m->source);
    if (ctx->in_userns)
        clear &= ~source_flags(src);
    hull_ms_to_attr(o->flags, clear, &set, &clr);
    if ((set | clr) != 0 && mountfd_setattr(tree, false, set, clr) < 0)
        return hull_err(err, errno, "set the flags of the bind of \"%s\"", m->source);
    if (mountfd_attach(tree, target) < 0)
        return hull_err(err, errno, "bind mount \"%s\"", m->source);
    return 0;
}

/* A fresh filesystem; with tmpcopyup the directory's previous content is
 * copied into it, read through a descriptor opened before the mount hid
 * it (and the mount is made read-only, if asked, only once it is filled). */
static int mount_fs(const struct hull_rootfs_ctx *ctx, const struct hull_mount *m,
                    const struct hull_mount_opts *o, int target, const char *resolved,
                    hull_error **err)
{
    _cleanup_close_ int below = -1, top = -1, top_dir = -1;
    char buf[HULL_FD_PATH_MAX];
    const char *source = m->source != NULL ? m->source : m->type;
    unsigned long flags = o->flags & ~(o->tmpcopyup ? MS_RDONLY : 0);

    if (o->tmpcopyup) {
        below = openat(target, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (below < 0)
            return hull_err(err, errno, "open \"%s\" to copy it up", resolved);
    }
    if (mount(source, hull_fd_path(target, buf), m->type, flags, o->data) < 0)
        return hull_err(err, errno, "mount %s (source \"%s\", data \"%s\")", m->type, source,
                        o->data ? o->data : "");
    if (!o->tmpcopyup)
        return 0;
    top = hull_rootfs_open_mounted(ctx, resolved, target, err);
    if (top < 0)
        return -1;
    top_dir = openat(top, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (top_dir < 0)
        return hull_err(err, errno, "open the new mount at \"%s\"", resolved);
    if (hull_copy_up(below, top_dir, err) < 0)
        return hull_err_wrap(err, "tmpcopyup into \"%s\"", resolved);
    if ((o->flags & MS_RDONLY) && mountfd_setattr(top, false, MOUNT_ATTR_RDONLY, 0) < 0)
        return hull_err(err, errno, "make \"%s\" read-only after tmpcopyup", resolved);
    return 0;
}

/* sysfs belongs to the network namespace: a user namespace without a
 * network namespace of its own may not mount it, so the host's /sys is
 * bound instead, keeping the requested flags (ro) on the whole tree. */
static int mount_sysfs(const struct hull_rootfs_ctx *ctx, const struct hull_mount *m,
                       const struct hull_mount_opts *o, int target, const char *resolved,
                       hull_error **err)
{
    _cleanup_error_ hull_error *e = NULL;

    if (!(ctx->in_userns && !ctx->new_netns)) {
        if (mount_fs(ctx, m, o, target, resolved, &e) == 0)
            return 0;
        if (!ctx->in_userns || (e->errnum != EPERM && e->errnum != EBUSY))
            return hull_err_from_parts(err, e->errnum, e->kind, e->msg);
    }
    hull_debug("mounting sysfs at \"%s\" is not permitted; binding the host's /sys", resolved);
    return hull_rootfs_bind_host("/sys", o, target, err);
}

/* "remount": changes the mount that is already at the destination, then
 * its propagation and recursive attributes like any other entry. */
static int remount_entry(const struct hull_rootfs_ctx *ctx, const struct hull_mount *m,
                         const struct hull_mount_opts *o, bool bind, hull_error **err)
{
    _cleanup_close_ int fd = hull_open_in_root(ctx->rootfd, m->destination, O_PATH, 0, 0, err);
    char buf[HULL_FD_PATH_MAX];
    unsigned long clear = o->clear;
    uint64_t set, clr;

    if (fd < 0)
        return -1;
    if (!bind) {
        if (mount(m->source, hull_fd_path(fd, buf), m->type, o->flags, o->data) < 0)
            return hull_err(err, errno, "remount");
    } else {
        if (check_bind_opts(o, err) < 0)
            return -1;
        if (ctx->in_userns)
            clear &= ~source_flags(fd);
        hull_ms_to_attr(o->flags, clear, &set, &clr);
        if (mountfd_setattr(fd, false, set, clr) < 0)
            return hull_err(err, errno, "remount");
    }
    if (o->has_rec_attrs && mountfd_setattr(fd, true, o->rec_attr_set, o->rec_attr_clr) < 0)
        return hull_err(err, errno, "set recursive mount attributes");
    if (o->propagation != 0 && mountfd_propagate(fd, o->propagation) < 0)
        return hull_err(err, errno, "set mount propagation");
    return 0;
}

/* Propagation and the recursive attributes are applied once the mount is
 * in place, to the mount itself. */
static int apply_after(const struct hull_rootfs_ctx *ctx, const struct hull_mount_opts *o,
                       int target, const char *resolved, hull_error **err)
{
    _cleanup_close_ int fd = -1;

    if (o->propagation == 0 && !o->has_rec_attrs)
        return 0;
    fd = hull_rootfs_open_mounted(ctx, resolved, target, err);
    if (fd < 0)
        return -1;
    if (o->has_rec_attrs && mountfd_setattr(fd, true, o->rec_attr_set, o->rec_attr_clr) < 0)
        return hull_err(err, errno, "set recursive mount attributes");
    if (o->propagation != 0 && mountfd_propagate(fd, o->propagation) < 0)
        return hull_err(err, errno, "set mount propagation");
    return 0;
}

/* Checks what can be checked before touching the rootfs and opens the bind
 * source (-1 when not a bind). */
static int prepare_entry(const struct hull_mount *m, const struct hull_mount_opts *o, bool bind,
                         int *src, hull_error **err)
{
    *src = -1;
    if (o->idmap)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "option \"%s\" is not supported",
                             o->ridmap ? "ridmap" : "idmap");
    if (m->n_uid_mappings > 0 || m->n_gid_mappings > 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "uidMappings and gidMappings of mounts are not supported");
    if (o->tmpcopyup && !type_is(m, "tmpfs"))
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "option \"tmpcopyup\" applies only to tmpfs mounts");
    if (!bind) {
        if (m->type == NULL)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "type is required");
        return 0;
    }
    if (m->source == NULL)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "a bind mount needs a source");
    /* The source is a host path: it is not resolved inside the rootfs. */
    *src = open(m->source, O_PATH | O_CLOEXEC);
    if (*src < 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, errno, "source \"%s\"", m->source);
    return 0;
}

static int mount_entry(struct hull_rootfs_ctx *ctx, const struct hull_mount *m,
                       const struct hull_mount_opts *o, bool *dev_bound, hull_error **err)
{
    bool bind = o->bind || type_is(m, "bind");
    _cleanup_close_ int src = -1, target = -1;
    _cleanup_free_ char *resolved = NULL;
    struct stat st;
    int r;

    if (o->flags & MS_REMOUNT)
        return remount_entry(ctx, m, o, bind, err);
    if (prepare_entry(m, o, bind, &src, err) < 0)
        return -1;
    if (src >= 0 && fstat(src, &st) < 0)
        return hull_err(err, errno, "stat source \"%s\"", m->source);
    target =
        hull_mount_target_in_root(ctx->rootfd, m->destination, src < 0 || S_ISDIR(st.st_mode), err);
    if (target < 0)
        return -1;
    if (resolved_path(ctx, target, &resolved, err) < 0 ||
        check_destination(m, bind, resolved, err) < 0)
        return -1;
    if (bind)
        r = mount_bind(ctx, m, o, src, target, err);
    else if (type_is(m, "cgroup"))
        r = hull_rootfs_mount_cgroup(ctx, o, target, resolved, err);
    else if (type_is(m, "sysfs"))
        r = mount_sysfs(ctx, m, o, target, resolved, err);
    else
        r = mount_fs(ctx, m, o, target, resolved, err);
    if (r < 0 || apply_after(ctx, o, target, resolved, err) < 0)
        return -1;
    if (bind && strcmp(resolved, "/dev") == 0)
        *dev_bound = true;
    return 0;
}

int hull_rootfs_mount(struct hull_rootfs_ctx *ctx, hull_error **err)
{
    const struct hull_spec *spec = ctx->spec;
    bool dev_bound = false;

    ctx->rootfd = -1;
    if (prepare_root(ctx, err) < 0)
        return hull_err_wrap(err, "prepare rootfs \"%s\"", spec->root_path);
    for (size_t i = 0; i < spec->n_mounts; i++) {
        const struct hull_mount *m = &spec->mounts[i];
        struct hull_mount_opts o;
        int r;

        if (hull_mount_opts_parse(m->options, &o, err) < 0)
            return hull_err_wrap(err, "mounts[%zu] (\"%s\"): options", i, m->destination);
        r = mount_entry(ctx, m, &o, &dev_bound, err);
        hull_mount_opts_clear(&o);
        if (r < 0)
            return hull_err_wrap(err, "mounts[%zu] (\"%s\")", i, m->destination);
        hull_debug("mounted %s on \"%s\"", m->type ? m->type : "bind", m->destination);
    }
    /* As runc does: the default devices and links are made unless /dev is
     * a bind mount of something prepared elsewhere. */
    if (hull_devices_setup(ctx->rootfd, spec, ctx->in_userns, !dev_bound, err) < 0)
        return -1;
    return 0;
}

/* The old root is made a slave before it is detached, so the detach
 * (which unmounts everything below it in this namespace) cannot propagate
 * to the host's mounts.  It is reached through a descriptor taken before
 * pivot_root: after it, "." names the new root, whose own propagation
 * (rshared binds, rootfsPropagation) must stay as configured. */
static int pivot(int rootfd, hull_error **err)
{
    _cleanup_close_ int old_root = (int)syscall(SYS_open_tree, AT_FDCWD, "/", OPEN_TREE_CLOEXEC);

    if (old_root < 0)
        return hull_err(err, errno, "open the old root");
    if (fchdir(rootfd) < 0)
        return hull_err(err, errno, "enter the rootfs");
    if (syscall(SYS_pivot_root, ".", ".") < 0)
        return hull_err(err, errno, "pivot_root");
    if (mountfd_propagate(old_root, MS_SLAVE | MS_REC) < 0)
        return hull_err(err, errno, "make the old root a slave");
    if (umount2(".", MNT_DETACH) < 0)
        return hull_err(err, errno, "detach the old root");
    if (chdir("/") < 0)
        return hull_err(err, errno, "chdir to the new root");
    return 0;
}

/* --no-pivot: for a rootfs on a filesystem where pivot_root is refused
 * (e.g. a ramfs root).  The host's mounts stay reachable below the chroot
 * for anyone who can escape a chroot, which is why it is not the default. */
static int move_root(int rootfd, hull_error **err)
{
    if (fchdir(rootfd) < 0)
        return hull_err(err, errno, "enter the rootfs");
    if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
        return hull_err(err, errno, "move the rootfs onto \"/\"");
    if (chroot(".") < 0)
        return hull_err(err, errno, "chroot");
    if (chdir("/") < 0)
        return hull_err(err, errno, "chdir to the new root");
    return 0;
}

int hull_rootfs_pivot(struct hull_rootfs_ctx *ctx, hull_error **err)
{
    int r = ctx->no_pivot ? move_root(ctx->rootfd, err) : pivot(ctx->rootfd, err);
    if (r < 0)
        return hull_err_wrap(err, "switch to rootfs \"%s\"", ctx->spec->root_path);
    return 0;
}

/* The console is bound by descriptor; the target is created in /dev
 * without following a symlink there, so a rootfs cannot direct the pty
 * bind onto another file. */
int hull_rootfs_mount_console(int pty_fd, hull_error **err)
{
    _cleanup_close_ int root = -1, dev = -1, target = -1, tree = -1;
    struct stat st;

    root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0)
        return hull_err(err, errno, "open \"/\"");
    dev = hull_mkdirs_in_root(root, "/dev", 0755, err);
    if (dev < 0)
        return hull_err_wrap(err, "/dev/console");
    if (fstatat(dev, "console", &st, AT_SYMLINK_NOFOLLOW) == 0) {
        if (S_ISDIR(st.st_mode))
            return hull_err(err, EISDIR, "/dev/console is a directory");
        if (S_ISLNK(st.st_mode) && unlinkat(dev, "console", 0) < 0)
            return hull_err(err, errno, "remove the /dev/console symlink");
    }
    /* O_EXCL: an existing node is bound over, never opened. */
    int fd = openat(dev, "console", O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 && errno != EEXIST)
        return hull_err(err, errno, "create /dev/console");
    if (fd >= 0)
        close(fd);
    target = openat(dev, "console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (target < 0)
        return hull_err(err, errno, "open /dev/console");
    tree = mountfd_clone(pty_fd, false);
    if (tree < 0 || mountfd_attach(tree, target) < 0)
        return hull_err(err, errno, "bind mount the terminal onto /dev/console");
    return 0;
}
