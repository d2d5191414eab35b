/* /dev inside the container: default devices, linux.devices and the /dev
 * symlinks.  See devices.h for when each is created. */
#include "devices.h"
#include "log.h"
#include "mountfd.h"
#include "paths.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static const struct hull_default_device default_devices[] = {
    {"/dev/null", 'c', 1, 3, 0666},    {"/dev/zero", 'c', 1, 5, 0666},
    {"/dev/full", 'c', 1, 7, 0666},    {"/dev/random", 'c', 1, 8, 0666},
    {"/dev/urandom", 'c', 1, 9, 0666}, {"/dev/tty", 'c', 5, 0, 0666},
};

const struct hull_default_device *hull_default_devices(size_t *n)
{
    *n = ARRAY_SIZE(default_devices);
    return default_devices;
}

/* One node to create, from either list. */
struct node {
    const char *path; /* inside the container */
    mode_t type;      /* S_IFCHR, S_IFBLK or S_IFIFO */
    dev_t rdev;
    mode_t mode; /* permission bits */
    uid_t uid;   /* container ids: init runs in the container's user namespace */
    gid_t gid;
    /* A default device replaces whatever non-directory is in the way; an
     * entry of linux.devices must match what is there (runtime-spec: "If a
     * file already exists at path that does not match the requested device,
     * the runtime MUST generate an error"). */
    bool replace;
};

static bool node_matches(const struct stat *st, const struct node *n)
{
    return (st->st_mode & S_IFMT) == n->type && (n->type == S_IFIFO || st->st_rdev == n->rdev);
}

static const char *type_name(mode_t type)
{
    return type == S_IFCHR ? "c" : type == S_IFBLK ? "b" : "p";
}

/* In a user namespace mknod(2) of a device fails, so the host's node is
 * bind mounted onto an empty file instead.  The host node keeps its owner
 * and mode: they belong to the host and cannot be changed from here. */
static int bind_host_node(int dirfd, const char *name, const struct node *n, hull_error **err)
{
    _cleanup_close_ int host = open(n->path, O_PATH | O_CLOEXEC);
    _cleanup_close_ int target = -1, tree = -1;
    struct stat st;

    if (host < 0)
        return hull_err(err, errno, "open host device \"%s\" to bind it", n->path);
    if (fstat(host, &st) < 0)
        return hull_err(err, errno, "stat host device \"%s\"", n->path);
    if (!node_matches(&st, n))
        return hull_err(err, 0, "host device \"%s\" is not %s %u:%u", n->path, type_name(n->type),
                        major(n->rdev), minor(n->rdev));
    int fd = openat(dirfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return hull_err(err, errno, "create mount target for device \"%s\"", n->path);
    close(fd);
    target = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (target < 0)
        return hull_err(err, errno, "open mount target for device \"%s\"", n->path);
    tree = mountfd_clone(host, false);
    if (tree < 0 || mountfd_attach(tree, target) < 0)
        return hull_err(err, errno, "bind mount host device \"%s\"", n->path);
    return 0;
}

static int make_node(int dirfd, const char *name, const struct node *n, hull_error **err)
{
    /* umask would strip bits of the requested mode; init is single threaded
     * here, so the process-wide umask can be lifted for the call. */
    mode_t old = umask(0);
    int r = mknodat(dirfd, name, n->type | n->mode, n->rdev);
    int saved = errno;

    umask(old);
    if (r < 0)
        return hull_err(err, saved, "mknod \"%s\" (%s %u:%u)", n->path, type_name(n->type),
                        major(n->rdev), minor(n->rdev));
    if (fchownat(dirfd, name, n->uid, n->gid, AT_SYMLINK_NOFOLLOW) < 0)
        return hull_err(err, errno, "chown \"%s\" to %u:%u", n->path, n->uid, n->gid);
    return 0;
}

/* Brings an existing entry in line: returns 1 when it is already the right
 * node, 0 when the way is clear to create it. */
static int handle_existing(int dirfd, const char *name, const struct node *n, bool in_userns,
                           hull_error **err)
{
    struct stat st;

    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno == ENOENT)
            return 0;
        return hull_err(err, errno, "stat \"%s\"", n->path);
    }
    if (S_ISDIR(st.st_mode))
        return hull_err(err, EEXIST, "device \"%s\": a directory is in the way", n->path);
    if (node_matches(&st, n)) {
        /* A node bound from the host (user namespace) keeps the host's mode
         * and owner; one made here gets the requested ones. */
        if (in_userns && n->type != S_IFIFO)
            return 1;
        if (fchmodat(dirfd, name, n->mode, 0) < 0 ||
            fchownat(dirfd, name, n->uid, n->gid, AT_SYMLINK_NOFOLLOW) < 0)
            return hull_err(err, errno, "set mode and owner of \"%s\"", n->path);
        return 1;
    }
    if (!n->replace)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, EEXIST,
                             "device \"%s\": a different file already exists there", n->path);
    if (unlinkat(dirfd, name, 0) < 0)
        return hull_err(err, errno, "remove \"%s\" to create the device", n->path);
    return 0;
}

static int create_node(int rootfd, const struct node *n, bool in_userns, hull_error **err)
{
    _cleanup_free_ char *clean = hull_path_clean(n->path);
    _cleanup_close_ int dirfd = -1;
    char *slash = strrchr(clean, '/');
    const char *name = slash ? slash + 1 : clean;
    int r;

    if (clean[0] != '/' || *name == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "device path \"%s\" is not valid",
                             n->path);
    *slash = '\0';
    dirfd = hull_mkdirs_in_root(rootfd, clean[0] ? clean : "/", 0755, err);
    if (dirfd < 0)
        return hull_err_wrap(err, "device \"%s\"", n->path);
    r = handle_existing(dirfd, name, n, in_userns, err);
    if (r != 0)
        return r < 0 ? -1 : 0;
    if (in_userns && n->type != S_IFIFO)
        return bind_host_node(dirfd, name, n, err);
    return make_node(dirfd, name, n, err);
}

static int node_from_spec(const struct hull_device *d, struct node *n, hull_error **err)
{
    switch (d->type) {
    case 'c':
    case 'u':
        n->type = S_IFCHR;
        break;
    case 'b':
        n->type = S_IFBLK;
        break;
    case 'p':
        n->type = S_IFIFO;
        break;
    default:
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "device \"%s\": unknown type \"%c\"",
                             d->path, d->type);
    }
    if (n->type != S_IFIFO &&
        (d->major < 0 || d->minor < 0 || d->major > 0xfff || d->minor > 0xfffff))
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "device \"%s\": number %lld:%lld is out of range", d->path,
                             (long long)d->major, (long long)d->minor);
    n->path = d->path;
    n->rdev = n->type == S_IFIFO ? 0 : makedev((unsigned int)d->major, (unsigned int)d->minor);
    n->mode = d->has_file_mode ? (d->file_mode & 07777) : 0666;
    n->uid = d->has_uid ? d->uid : 0;
    n->gid = d->has_gid ? d->gid : 0;
    n->replace = false;
    return 0;
}

/* Creates or replaces the symlink /dev/NAME -> TARGET. */
static int make_link(int devfd, const char *name, const char *target, hull_error **err)
{
    char buf[64];
    struct stat st;

    if (symlinkat(target, devfd, name) == 0)
        return 0;
    if (errno != EEXIST)
        return hull_err(err, errno, "symlink /dev/%s -> %s", name, target);
    if (fstatat(devfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return hull_err(err, errno, "stat /dev/%s", name);
    if (S_ISLNK(st.st_mode)) {
        ssize_t len = readlinkat(devfd, name, buf, sizeof(buf) - 1);
        if (len >= 0 && (size_t)len == strlen(target) && memcmp(buf, target, (size_t)len) == 0)
            return 0;
    }
    if (S_ISDIR(st.st_mode))
        return hull_err(err, EEXIST, "symlink /dev/%s: a directory is in the way", name);
    if (unlinkat(devfd, name, 0) < 0 || symlinkat(target, devfd, name) < 0)
        return hull_err(err, errno, "replace /dev/%s with a symlink to %s", name, target);
    return 0;
}

static bool spec_mounts_at(const struct hull_spec *spec, const char *dest)
{
    for (size_t i = 0; i < spec->n_mounts; i++) {
        _cleanup_free_ char *clean = hull_path_clean(spec->mounts[i].destination);
        if (strcmp(clean, dest) == 0)
            return true;
    }
    return false;
}

static int make_links(int rootfd, const struct hull_spec *spec, hull_error **err)
{
    static const char *const links[][2] = {
        {"fd", "/proc/self/fd"},
        {"stdin", "/proc/self/fd/0"},
        {"stdout", "/proc/self/fd/1"},
        {"stderr", "/proc/self/fd/2"},
    };
    _cleanup_close_ int devfd = hull_open_in_root(rootfd, "/dev", O_PATH | O_DIRECTORY, 0, 0, err);

    if (devfd < 0)
        return -1;
    for (size_t i = 0; i < ARRAY_SIZE(links); i++)
        if (make_link(devfd, links[i][0], links[i][1], err) < 0)
            return -1;
    /* /dev/core only makes sense where the kernel offers /proc/kcore;
     * this runs before pivot_root, so /proc is still the host's. */
    if (access("/proc/kcore", F_OK) == 0 && make_link(devfd, "core", "/proc/kcore", err) < 0)
        return -1;
    /* Without a devpts of its own the target would dangle. */
    if (spec_mounts_at(spec, "/dev/pts") && make_link(devfd, "ptmx", "pts/ptmx", err) < 0)
        return -1;
    return 0;
}

int hull_devices_setup(int rootfd, const struct hull_spec *spec, bool in_userns, bool dev_is_fresh,
                       hull_error **err)
{
    for (size_t i = 0; dev_is_fresh && i < ARRAY_SIZE(default_devices); i++) {
        const struct hull_default_device *d = &default_devices[i];
        struct node n = {
            .path = d->path,
            .type = S_IFCHR,
            .rdev = makedev((unsigned int)d->major, (unsigned int)d->minor),
            .mode = d->mode,
            .replace = true,
        };
        if (create_node(rootfd, &n, in_userns, err) < 0)
            return hull_err_wrap(err, "default devices");
    }
    for (size_t i = 0; i < spec->linux_.n_devices; i++) {
        struct node n;
        if (node_from_spec(&spec->linux_.devices[i], &n, err) < 0 ||
            create_node(rootfd, &n, in_userns, err) < 0)
            return hull_err_wrap(err, "linux.devices[%zu]", i);
    }
    if (dev_is_fresh && make_links(rootfd, spec, err) < 0)
        return hull_err_wrap(err, "/dev symlinks");
    hull_debug("devices set up (fresh /dev: %s, user namespace: %s)", dev_is_fresh ? "yes" : "no",
               in_userns ? "yes" : "no");
    return 0;
}
