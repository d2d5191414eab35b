#include "layer.h"
#include "log.h"
#include "paths.h"
#include "util.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#define WHITEOUT_PREFIX ".wh."
#define WHITEOUT_META   ".wh..wh."
#define WHITEOUT_OPAQUE ".wh..wh..opq"
#define OVERLAY_XATTR_T "trusted.overlay."
#define OVERLAY_XATTR_U "user.overlay."

/* Inode numbers of everything this archive created or merged into.  A
 * whiteout must hide only lower layers' files, and a hardlink may only
 * point at a file of this archive; both are decided by membership here. */
struct ino_set {
    uint64_t *slots; /* 0 marks a free slot; inode numbers are stored + 1 */
    size_t cap, n;
};

/* Directory mtimes are set in a final pass: creating entries inside a
 * directory would otherwise overwrite the time the archive gave it. */
struct dir_time {
    char *path;
    struct timespec ts[2];
};

struct apply {
    struct archive *a;
    int root;
    dev_t root_dev;
    bool overlay, userxattr;
    struct hull_layer_stats st;
    char *parent_path; /* cached descriptor of the last entry's parent */
    int parent_fd;
    bool parent_stale; /* something was removed: the cached path may resolve elsewhere now */
    struct ino_set created;
    struct dir_time *dirs;
    size_t n_dirs, cap_dirs;
};

static size_t ino_slot(const struct ino_set *s, uint64_t key)
{
    return (size_t)((key * 0x9E3779B97F4A7C15ULL) >> 32) & (s->cap - 1);
}

static void ino_set_add(struct ino_set *s, ino_t ino)
{
    uint64_t key = (uint64_t)ino + 1;

    if (2 * (s->n + 1) > s->cap) {
        struct ino_set bigger = {.cap = s->cap ? 2 * s->cap : 1024};
        bigger.slots = xmalloc0(bigger.cap * sizeof(uint64_t));
        for (size_t i = 0; i < s->cap; i++) {
            if (s->slots[i] == 0)
                continue;
            size_t j = ino_slot(&bigger, s->slots[i]);
            while (bigger.slots[j] != 0)
                j = (j + 1) & (bigger.cap - 1);
            bigger.slots[j] = s->slots[i];
            bigger.n++;
        }
        free(s->slots);
        *s = bigger;
    }
    size_t i = ino_slot(s, key);
    while (s->slots[i] != 0) {
        if (s->slots[i] == key)
            return;
        i = (i + 1) & (s->cap - 1);
    }
    s->slots[i] = key;
    s->n++;
}

static bool ino_set_has(const struct ino_set *s, ino_t ino)
{
    uint64_t key = (uint64_t)ino + 1;

    if (s->cap == 0)
        return false;
    for (size_t i = ino_slot(s, key); s->slots[i] != 0; i = (i + 1) & (s->cap - 1)) {
        if (s->slots[i] == key)
            return true;
    }
    return false;
}

/* Turns an archive name into a relative path below the root: leading "/"
 * and "." components are dropped (as tar does), ".." is refused so that
 * no entry can even name a place outside; "" is the root itself. */
static int clean_entry_path(const char *raw, char **out, hull_error **err)
{
    char *res = xmalloc(strlen(raw) + 1);
    size_t o = 0;
    const char *p = raw;

    while (*p != '\0') {
        const char *end = strchrnul(p, '/');
        size_t len = (size_t)(end - p);
        if (len == 2 && p[0] == '.' && p[1] == '.') {
            free(res);
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "path contains \"..\"");
        }
        if (len > 0 && !(len == 1 && p[0] == '.')) {
            if (o > 0)
                res[o++] = '/';
            memcpy(res + o, p, len);
            o += len;
        }
        p = *end == '/' ? end + 1 : end;
    }
    res[o] = '\0';
    *out = res;
    return 0;
}

/* Splits a clean path into its parent ("" for the root) and last name;
 * rejects whiteout names used as directories, which no layer can mean. */
static int split_path(char *path, const char **parent, const char **name, hull_error **err)
{
    char *slash = strrchr(path, '/');

    /* Set on every path, the error one too: callers read them only on
     * success, but the compiler cannot tell. */
    *parent = "";
    *name = path;
    for (const char *p = path; slash != NULL && p < slash; p = strchr(p, '/') + 1) {
        if (str_has_prefix(p, WHITEOUT_PREFIX))
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 "a whiteout name is used as a directory");
    }
    if (slash != NULL) {
        *slash = '\0';
        *parent = path;
        *name = slash + 1;
    }
    return 0;
}

static int record_created_at(struct apply *ap, int dirfd, const char *name, hull_error **err)
{
    struct stat st;

    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return hull_err(err, errno, "stat \"%s\"", name);
    ino_set_add(&ap->created, st.st_ino);
    return 0;
}

/* Creates the missing directories of PARENT one by one, each below the
 * descriptor of the previous one as resolved inside the root, and records
 * them as created by this archive so an opaque marker keeps them. */
static int make_parents(struct apply *ap, const char *parent, hull_error **err)
{
    _cleanup_free_ char *prefix = xstrdup(parent);
    _cleanup_close_ int cur = -1;
    char *p = prefix;

    cur = openat(ap->root, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (cur < 0)
        return hull_err(err, errno, "open the layer root");
    for (;;) {
        char *slash = strchr(p, '/');
        if (slash != NULL)
            *slash = '\0';
        _cleanup_error_ hull_error *e = NULL;
        int next = hull_open_in_root(ap->root, prefix, O_PATH | O_DIRECTORY, 0, 0, &e);
        if (next < 0 && e->errnum != ENOENT)
            return hull_err(err, e->errnum, "open directory \"%s\"", prefix);
        if (next < 0) {
            /* EEXIST: a dangling symlink, which the reopen below refuses */
            if (mkdirat(cur, p, 0755) == 0) {
                if (record_created_at(ap, cur, p, err) < 0)
                    return -1;
            } else if (errno != EEXIST) {
                return hull_err(err, errno, "create directory \"%s\"", prefix);
            }
            next = hull_open_in_root(ap->root, prefix, O_PATH | O_DIRECTORY, 0, 0, err);
            if (next < 0)
                return -1;
        }
        close(cur);
        cur = next;
        if (slash == NULL)
            break;
        *slash = '/';
        p = slash + 1;
    }
    return take_fd(cur);
}

static void forget_parent(struct apply *ap)
{
    closep(&ap->parent_fd);
    free(ap->parent_path);
    ap->parent_path = NULL;
    ap->parent_stale = false;
}

/* Returns a borrowed O_PATH descriptor of PARENT inside the root, creating
 * missing directories when CREATE is set (-2 without an error otherwise).
 * The last parent is cached: creating a name below it cannot change what
 * its path resolves to, only removing something can (a symlink or
 * directory on the way), and every removal marks the cache stale.  Even a
 * stale descriptor still points inside the root. */
static int open_parent(struct apply *ap, const char *parent, bool create, hull_error **err)
{
    _cleanup_error_ hull_error *e = NULL;
    int fd;

    if (ap->parent_path != NULL && !ap->parent_stale && strcmp(ap->parent_path, parent) == 0)
        return ap->parent_fd;
    fd = hull_open_in_root(ap->root, *parent ? parent : ".", O_PATH | O_DIRECTORY, 0, 0, &e);
    if (fd < 0 && e->errnum == ENOENT && create)
        fd = make_parents(ap, parent, err);
    else if (fd < 0 && !create && (e->errnum == ENOENT || e->errnum == ENOTDIR))
        return -2;
    else if (fd < 0)
        return hull_err(err, e->errnum, "open directory \"%s\"", parent);
    if (fd < 0)
        return -1;
    forget_parent(ap);
    ap->parent_fd = fd;
    ap->parent_path = xstrdup(parent);
    return fd;
}

/* Clears NAME in DIRFD for a new entry.  Returns 1 when NAME is a
 * directory that a directory entry merges into, 0 when NAME is free. */
static int make_room(struct apply *ap, int dirfd, const char *name, bool want_dir, hull_error **err)
{
    struct stat st;

    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno == ENOENT)
            return 0;
        return hull_err(err, errno, "stat existing \"%s\"", name);
    }
    if (S_ISDIR(st.st_mode) && want_dir)
        return 1;
    ap->parent_stale = true;
    if (S_ISDIR(st.st_mode))
        return rm_rf_at(dirfd, name, err) < 0 ? -1 : 0;
    if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
        return hull_err(err, errno, "remove existing \"%s\"", name);
    return 0;
}

static void entry_times(struct archive_entry *e, struct timespec ts[2])
{
    if (!archive_entry_mtime_is_set(e)) {
        ts[0].tv_nsec = ts[1].tv_nsec = UTIME_OMIT;
        ts[0].tv_sec = ts[1].tv_sec = 0;
        return;
    }
    ts[1].tv_sec = archive_entry_mtime(e);
    ts[1].tv_nsec = archive_entry_mtime_nsec(e);
    if (archive_entry_atime_is_set(e)) {
        ts[0].tv_sec = archive_entry_atime(e);
        ts[0].tv_nsec = archive_entry_atime_nsec(e);
    } else {
        ts[0] = ts[1];
    }
}

/* Overlayfs keeps its own state in these xattrs (opaque, redirect,
 * metacopy, origin); a layer that sets them could make overlayfs follow a
 * redirect it did not get from us, so they are refused. */
static bool xattr_reserved(const char *name)
{
    return str_has_prefix(name, OVERLAY_XATTR_T) || str_has_prefix(name, OVERLAY_XATTR_U);
}

/* Sets the entry's xattrs on FD, or through PROC_PATH (a /proc/self/fd
 * link of an O_PATH descriptor) when FD is -1.  Called after chown and
 * after the data is written: both clear security.capability. */
static int apply_xattrs(struct archive_entry *e, int fd, const char *proc_path, hull_error **err)
{
    const char *name;
    const void *value;
    size_t size;

    archive_entry_xattr_reset(e);
    while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
        if (xattr_reserved(name))
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 "xattr \"%s\" is reserved for overlayfs", name);
        int r = fd >= 0 ? fsetxattr(fd, name, value, size, 0)
                        : setxattr(proc_path, name, value, size, 0);
        if (r < 0)
            return hull_err(err, errno, "set xattr \"%s\"", name);
    }
    return 0;
}

static int check_unsupported_metadata(struct archive_entry *e, hull_error **err)
{
    unsigned long set = 0, clear = 0;

    if (archive_entry_acl_count(e, ARCHIVE_ENTRY_ACL_TYPE_POSIX1E | ARCHIVE_ENTRY_ACL_TYPE_NFS4) >
        0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "ACLs are not supported");
    archive_entry_fflags(e, &set, &clear);
    if (set != 0)
        hull_debug("layer entry \"%s\": file flags \"%s\" are not applied",
                   archive_entry_pathname(e), archive_entry_fflags_text(e));
    return 0;
}

/* Owner, then mode (chown clears set-id bits), then xattrs, on the real
 * descriptor FD of a file or directory. */
static int apply_fd_metadata(struct archive_entry *e, int fd, hull_error **err)
{
    if (fchown(fd, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e)) < 0)
        return hull_err(err, errno, "chown to %lld:%lld", (long long)archive_entry_uid(e),
                        (long long)archive_entry_gid(e));
    if (fchmod(fd, archive_entry_perm(e)) < 0)
        return hull_err(err, errno, "chmod to %04o", (unsigned)archive_entry_perm(e));
    return apply_xattrs(e, fd, NULL, err);
}

static int pwrite_all(int fd, const char *buf, size_t len, off_t off)
{
    while (len > 0) {
        ssize_t n = pwrite(fd, buf, len, off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        buf += n;
        len -= (size_t)n;
        off += n;
    }
    return 0;
}

/* Copies the entry's data into FD straight from libarchive's buffers;
 * holes of sparse entries stay holes. */
static int write_data(struct apply *ap, struct archive_entry *e, int fd, hull_error **err)
{
    const void *buf;
    size_t size;
    la_int64_t off;
    off_t end = 0;
    int r;

    while ((r = archive_read_data_block(ap->a, &buf, &size, &off)) == ARCHIVE_OK) {
        if (pwrite_all(fd, buf, size, (off_t)off) < 0)
            return hull_err(err, errno, "write data");
        ap->st.bytes += size;
        if ((off_t)(off + (la_int64_t)size) > end)
            end = (off_t)(off + (la_int64_t)size);
    }
    if (r != ARCHIVE_EOF)
        return hull_err(err, archive_errno(ap->a) > 0 ? archive_errno(ap->a) : 0, "read data: %s",
                        archive_error_string(ap->a));
    if (archive_entry_size_is_set(e) && end < (off_t)archive_entry_size(e) &&
        ftruncate(fd, (off_t)archive_entry_size(e)) < 0)
        return hull_err(err, errno, "extend to %lld bytes", (long long)archive_entry_size(e));
    return 0;
}

static int apply_file(struct apply *ap, struct archive_entry *e, int parent, const char *name,
                      hull_error **err)
{
    const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
    _cleanup_close_ int fd = openat(parent, name, flags, 0600);
    struct timespec ts[2];
    struct stat st;

    if (fd < 0 && errno == EEXIST) {
        if (make_room(ap, parent, name, false, err) < 0)
            return -1;
        fd = openat(parent, name, flags, 0600);
    }
    if (fd < 0)
        return hull_err(err, errno, "create file");
    if (write_data(ap, e, fd, err) < 0 || apply_fd_metadata(e, fd, err) < 0)
        return -1;
    entry_times(e, ts);
    if (futimens(fd, ts) < 0)
        return hull_err(err, errno, "set times");
    if (fstat(fd, &st) < 0)
        return hull_err(err, errno, "stat");
    ino_set_add(&ap->created, st.st_ino);
    return 0;
}

static void remember_dir_time(struct apply *ap, const char *path, struct archive_entry *e)
{
    struct dir_time *d;

    if (!archive_entry_mtime_is_set(e))
        return;
    if (ap->n_dirs == ap->cap_dirs) {
        ap->cap_dirs = ap->cap_dirs ? 2 * ap->cap_dirs : 64;
        ap->dirs = xrealloc(ap->dirs, ap->cap_dirs * sizeof(*ap->dirs));
    }
    d = &ap->dirs[ap->n_dirs++];
    d->path = xstrdup(*path ? path : ".");
    entry_times(e, d->ts);
}

/* A directory entry below PARENT, or the root itself ("./") when PARENT
 * is -1.  PATH is its clean path, for the final pass over mtimes. */
static int apply_dir(struct apply *ap, struct archive_entry *e, int parent, const char *name,
                     const char *path, hull_error **err)
{
    _cleanup_close_ int fd = -1;
    struct stat st;

    if (parent < 0) {
        fd = openat(ap->root, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    } else {
        if (mkdirat(parent, name, 0700) < 0) {
            if (errno != EEXIST)
                return hull_err(err, errno, "create directory");
            int merge = make_room(ap, parent, name, true, err);
            if (merge < 0)
                return -1;
            if (merge == 0 && mkdirat(parent, name, 0700) < 0)
                return hull_err(err, errno, "create directory");
        }
        fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (fd < 0)
        return hull_err(err, errno, "open directory");
    if (apply_fd_metadata(e, fd, err) < 0)
        return -1;
    if (fstat(fd, &st) < 0)
        return hull_err(err, errno, "stat");
    ino_set_add(&ap->created, st.st_ino);
    remember_dir_time(ap, path, e);
    return 0;
}

static int apply_symlink(struct apply *ap, struct archive_entry *e, int parent, const char *name,
                         hull_error **err)
{
    const char *target = archive_entry_symlink(e);
    struct timespec ts[2];

    if (target == NULL || *target == '\0')
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "symlink without a target");
    int r = symlinkat(target, parent, name);
    if (r < 0 && errno == EEXIST) {
        if (make_room(ap, parent, name, false, err) < 0)
            return -1;
        r = symlinkat(target, parent, name);
    }
    if (r < 0)
        return hull_err(err, errno, "create symlink");
    if (fchownat(parent, name, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e),
                 AT_SYMLINK_NOFOLLOW) < 0)
        return hull_err(err, errno, "chown symlink");
    entry_times(e, ts);
    if (utimensat(parent, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
        return hull_err(err, errno, "set symlink times");
    archive_entry_xattr_reset(e);
    if (archive_entry_xattr_count(e) > 0)
        hull_debug("layer entry \"%s\": xattrs on a symlink are not applied",
                   archive_entry_pathname(e));
    return record_created_at(ap, parent, name, err);
}

/* Devices, fifos: there is no descriptor to open them with (opening a
 * device node has side effects), so metadata goes through an O_PATH
 * descriptor of the node just made, never through its name. */
static int apply_node(struct apply *ap, struct archive_entry *e, int parent, const char *name,
                      hull_error **err)
{
    mode_t type = archive_entry_filetype(e);
    dev_t rdev =
        type == AE_IFIFO ? 0 : makedev(archive_entry_rdevmajor(e), archive_entry_rdevminor(e));
    _cleanup_close_ int fd = -1;
    char proc[HULL_FD_PATH_MAX];
    struct timespec ts[2];
    struct stat st;

    int r = mknodat(parent, name, type | 0600, rdev);
    if (r < 0 && errno == EEXIST) {
        if (make_room(ap, parent, name, false, err) < 0)
            return -1;
        r = mknodat(parent, name, type | 0600, rdev);
    }
    if (r < 0)
        return hull_err(err, errno, "create node");
    fd = openat(parent, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) < 0)
        return hull_err(err, errno, "open node");
    if ((st.st_mode & S_IFMT) != type)
        return hull_err(err, EEXIST, "node was replaced while being created");
    if (fchownat(fd, "", (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e), AT_EMPTY_PATH) <
        0)
        return hull_err(err, errno, "chown node");
    hull_fd_path(fd, proc);
    if (fchmodat(AT_FDCWD, proc, archive_entry_perm(e), 0) < 0)
        return hull_err(err, errno, "chmod node to %04o", (unsigned)archive_entry_perm(e));
    if (apply_xattrs(e, -1, proc, err) < 0)
        return -1;
    entry_times(e, ts);
    if (utimensat(fd, "", ts, AT_EMPTY_PATH) < 0)
        return hull_err(err, errno, "set node times");
    ino_set_add(&ap->created, st.st_ino);
    return 0;
}

/* The link target is resolved inside the root like any entry name, so a
 * link to "/etc/passwd" names ROOT/etc/passwd, and it must be a file this
 * archive created: linking to a lower layer's file cannot be expressed in
 * a layer directory and would alias another layer's data. */
static int apply_hardlink(struct apply *ap, struct archive_entry *e, int parent, const char *name,
                          hull_error **err)
{
    const char *raw = archive_entry_hardlink(e);
    _cleanup_free_ char *target = NULL;
    _cleanup_close_ int tparent = -1;
    const char *tdir, *tname;
    struct stat st, cur;

    if (clean_entry_path(raw, &target, err) < 0 || split_path(target, &tdir, &tname, err) < 0)
        return hull_err_wrap(err, "hardlink target \"%s\"", raw);
    if (*tname == '\0')
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "hardlink to the root directory");
    tparent = hull_open_in_root(ap->root, *tdir ? tdir : ".", O_PATH | O_DIRECTORY, 0, 0, NULL);
    if (tparent < 0 || fstatat(tparent, tname, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "hardlink target \"%s\" is not a file of this layer", raw);
    if (S_ISDIR(st.st_mode) || !ino_set_has(&ap->created, st.st_ino))
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "hardlink target \"%s\" is not a file of this layer", raw);
    if (fstatat(parent, name, &cur, AT_SYMLINK_NOFOLLOW) == 0 && cur.st_ino == st.st_ino &&
        cur.st_dev == st.st_dev)
        return 0;
    if (make_room(ap, parent, name, false, err) < 0)
        return -1;
    if (linkat(tparent, tname, parent, name, 0) < 0)
        return hull_err(err, errno, "link to \"%s\"", raw);
    if (archive_entry_size_is_set(e) && archive_entry_size(e) > 0) {
        _cleanup_close_ int fd = openat(parent, name, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            return hull_err(err, errno, "open hardlink for its data");
        return write_data(ap, e, fd, err);
    }
    return 0;
}

static int prune_dir(struct apply *ap, int fd, bool *kept, hull_error **err);

/* Removes what lower layers put at DIRFD/NAME while keeping everything
 * this archive created below it.  *kept tells whether anything stayed. */
static int prune_entry(struct apply *ap, int dirfd, const char *name, bool *kept, hull_error **err)
{
    bool mine, inner = false;
    struct stat st;
    int fd;

    *kept = false;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : hull_err(err, errno, "stat \"%s\"", name);
    mine = ino_set_has(&ap->created, st.st_ino);
    if (!mine)
        ap->parent_stale = true;
    if (!S_ISDIR(st.st_mode)) {
        if (mine)
            *kept = true;
        else if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
            return hull_err(err, errno, "remove \"%s\"", name);
        return 0;
    }
    if (st.st_dev != ap->root_dev)
        return hull_err(err, EBUSY, "remove \"%s\": a mount point", name);
    fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return hull_err(err, errno, "open \"%s\"", name);
    if (prune_dir(ap, fd, &inner, err) < 0)
        return hull_err_wrap(err, "%s", name);
    if (mine || inner)
        *kept = true;
    else if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0)
        return hull_err(err, errno, "remove \"%s\"", name);
    return 0;
}

/* Takes ownership of FD. */
static int prune_dir(struct apply *ap, int fd, bool *kept, hull_error **err)
{
    DIR *d = fdopendir(fd);
    struct dirent *de;
    int ret = 0;

    *kept = false;
    if (d == NULL) {
        close(fd);
        return hull_err(err, errno, "read directory");
    }
    while ((de = readdir(d)) != NULL) {
        bool k;
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (prune_entry(ap, dirfd(d), de->d_name, &k, err) < 0) {
            ret = -1;
            break;
        }
        *kept |= k;
    }
    closedir(d);
    return ret;
}

static int apply_opaque(struct apply *ap, int parent, hull_error **err)
{
    const char *xname = ap->userxattr ? OVERLAY_XATTR_U "opaque" : OVERLAY_XATTR_T "opaque";
    _cleanup_close_ int fd = openat(parent, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    bool kept;

    if (fd < 0)
        return hull_err(err, errno, "open directory");
    if (!ap->overlay)
        return prune_dir(ap, take_fd(fd), &kept, err);
    if (fsetxattr(fd, xname, "y", 1, 0) < 0)
        return hull_err(err, errno, "set xattr \"%s\"", xname);
    return 0;
}

static int apply_whiteout(struct apply *ap, int parent, const char *name, hull_error **err)
{
    const char *victim = name + strlen(WHITEOUT_PREFIX);
    bool kept;

    if (strcmp(name, WHITEOUT_OPAQUE) == 0)
        return apply_opaque(ap, parent, err);
    if (str_has_prefix(name, WHITEOUT_META))
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "aufs metadata is not supported");
    if (*victim == '\0' || strcmp(victim, ".") == 0 || strcmp(victim, "..") == 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "invalid whiteout");
    if (prune_entry(ap, parent, victim, &kept, err) < 0)
        return -1;
    if (!ap->overlay || kept)
        return 0;
    if (mknodat(parent, victim, S_IFCHR | 0600, makedev(0, 0)) < 0)
        return hull_err(err, errno, "create whiteout \"%s\"", victim);
    return 0;
}

static int apply_entry(struct apply *ap, struct archive_entry *e, hull_error **err)
{
    _cleanup_free_ char *path = NULL;
    const char *dir, *name;
    bool whiteout;
    int parent;

    if (archive_entry_pathname(e) == NULL)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "entry name cannot be decoded");
    if (clean_entry_path(archive_entry_pathname(e), &path, err) < 0 ||
        check_unsupported_metadata(e, err) < 0)
        return -1;
    if (*path == '\0') {
        if (archive_entry_filetype(e) != AE_IFDIR || archive_entry_hardlink(e) != NULL)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "the root must be a directory");
        return apply_dir(ap, e, -1, ".", "", err);
    }
    _cleanup_free_ char *full = xstrdup(path);
    if (split_path(path, &dir, &name, err) < 0)
        return -1;
    /* a flattened whiteout in a directory that does not exist hides
     * nothing; creating the directory for it would add a path */
    whiteout = str_has_prefix(name, WHITEOUT_PREFIX);
    parent = open_parent(ap, dir, !whiteout || ap->overlay, err);
    if (parent == -2)
        return 0;
    if (parent < 0)
        return -1;
    if (whiteout)
        return apply_whiteout(ap, parent, name, err);
    if (archive_entry_hardlink(e) != NULL)
        return apply_hardlink(ap, e, parent, name, err);
    switch (archive_entry_filetype(e)) {
    case AE_IFREG:
        return apply_file(ap, e, parent, name, err);
    case AE_IFDIR:
        return apply_dir(ap, e, parent, name, full, err);
    case AE_IFLNK:
        return apply_symlink(ap, e, parent, name, err);
    case AE_IFCHR:
    case AE_IFBLK:
    case AE_IFIFO:
        return apply_node(ap, e, parent, name, err);
    case AE_IFSOCK:
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "socket entries are not supported");
    default:
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "entry type %06o is not supported",
                             (unsigned)archive_entry_filetype(e));
    }
}

static int apply_dir_times(struct apply *ap, hull_error **err)
{
    for (size_t i = ap->n_dirs; i-- > 0;) {
        struct dir_time *d = &ap->dirs[i];
        _cleanup_error_ hull_error *e = NULL;
        _cleanup_close_ int fd =
            hull_open_in_root(ap->root, d->path, O_PATH | O_DIRECTORY | O_NOFOLLOW, 0, 0, &e);
        if (fd < 0) {
            /* a later entry replaced or whited out this directory */
            if (e->errnum == ENOENT || e->errnum == ENOTDIR || e->errnum == ELOOP)
                continue;
            return hull_err(err, e->errnum, "open directory \"%s\"", d->path);
        }
        if (utimensat(fd, "", d->ts, AT_EMPTY_PATH) < 0)
            return hull_err(err, errno, "set times of directory \"%s\"", d->path);
    }
    return 0;
}

static int apply_all(struct apply *ap, hull_error **err)
{
    struct archive_entry *e;
    int r;

    while ((r = archive_read_next_header(ap->a, &e)) != ARCHIVE_EOF) {
        if (r < ARCHIVE_WARN)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "read layer: %s",
                                 archive_error_string(ap->a));
        if (r == ARCHIVE_WARN)
            hull_debug("read layer: %s", archive_error_string(ap->a));
        if (apply_entry(ap, e, err) < 0)
            return hull_err_wrap(err, "layer entry \"%s\"",
                                 archive_entry_pathname(e) ? archive_entry_pathname(e) : "?");
        ap->st.entries++;
    }
    return apply_dir_times(ap, err);
}

int hull_layer_apply(struct archive *a, int dirfd, const struct hull_layer_opts *o,
                     struct hull_layer_stats *st, hull_error **err)
{
    struct apply ap = {.a = a, .root = dirfd, .parent_fd = -1};
    struct stat rst;
    int ret;

    if (fstat(dirfd, &rst) < 0)
        return hull_err(err, errno, "stat the layer directory");
    ap.root_dev = rst.st_dev;
    ap.overlay = o != NULL && o->overlay;
    ap.userxattr = o != NULL && o->userxattr;
    ret = apply_all(&ap, err);
    forget_parent(&ap);
    for (size_t i = 0; i < ap.n_dirs; i++)
        free(ap.dirs[i].path);
    free(ap.dirs);
    free(ap.created.slots);
    if (st != NULL)
        *st = ap.st;
    return ret;
}
