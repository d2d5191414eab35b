#include "tree.h"
#include "log.h"
#include "paths.h"
#include "util.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#define DATA_BUF    (1 << 20)
#define XATTR_LIST  (64 << 10)
#define XATTR_VALUE (64 << 10)
#define WH_PREFIX   ".wh."
#define WH_OPAQUE   ".wh..wh..opq"

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in directory FD (not "." and ".."), sorted; FD stays open. */
static int sorted_names(int fd, char ***out, hull_error **err)
{
    int dup = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = dup >= 0 ? fdopendir(dup) : NULL;
    char **names = xmalloc0(sizeof(char *));
    struct dirent *de;

    if (d == NULL) {
        if (dup >= 0)
            close(dup);
        free(names);
        return hull_err(err, errno, "read directory");
    }
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            strv_append(&names, de->d_name);
    }
    closedir(d);
    qsort(names, strv_len(names), sizeof(char *), name_cmp);
    *out = names;
    return 0;
}

static bool overlay_xattr(const char *name)
{
    return str_has_prefix(name, "trusted.overlay.") || str_has_prefix(name, "user.overlay.");
}

static bool is_opaque(int fd)
{
    char v[2];
    ssize_t n = fgetxattr(fd, "trusted.overlay.opaque", v, sizeof(v));

    if (n < 0)
        n = fgetxattr(fd, "user.overlay.opaque", v, sizeof(v));
    return n == 1 && v[0] == 'y';
}

static int add_xattrs(struct archive_entry *e, int fd, hull_error **err)
{
    _cleanup_free_ char *list = xmalloc(XATTR_LIST);
    _cleanup_free_ char *value = xmalloc(XATTR_VALUE);
    ssize_t len = flistxattr(fd, list, XATTR_LIST);

    if (len < 0)
        return errno == ENOTSUP ? 0 : hull_err(err, errno, "list xattrs");
    for (char *name = list; name < list + len; name += strlen(name) + 1) {
        if (overlay_xattr(name))
            continue;
        ssize_t n = fgetxattr(fd, name, value, XATTR_VALUE);
        if (n < 0)
            return hull_err(err, errno, "read xattr \"%s\"", name);
        archive_entry_xattr_add_entry(e, name, value, (size_t)n);
    }
    return 0;
}

struct writer {
    struct archive *a;
    struct archive_entry_linkresolver *links;
    const struct hull_tree_tar_opts *o;
    dev_t root_dev;
    char *buf;
};

/* Writes E and DATA_FD's content; with LINKABLE, a file of several links
 * goes through the link resolver (the later names become hardlinks). */
static int write_entry(struct writer *w, struct archive_entry *e, int data_fd, bool linkable,
                       hull_error **err)
{
    struct archive_entry *spare = NULL;

    if (linkable)
        archive_entry_linkify(w->links, &e, &spare);
    if (e != NULL) {
        if (archive_write_header(w->a, e) < ARCHIVE_WARN)
            return hull_err(err, archive_errno(w->a), "write \"%s\": %s", archive_entry_pathname(e),
                            archive_error_string(w->a));
        /* a hardlink to a name already written carries no data */
        if (data_fd >= 0 && archive_entry_size(e) > 0) {
            ssize_t n;
            while ((n = read(data_fd, w->buf, DATA_BUF)) != 0) {
                if (n < 0 && errno == EINTR)
                    continue;
                if (n < 0)
                    return hull_err(err, errno, "read \"%s\"", archive_entry_pathname(e));
                if (archive_write_data(w->a, w->buf, (size_t)n) < 0)
                    return hull_err(err, archive_errno(w->a), "write \"%s\": %s",
                                    archive_entry_pathname(e), archive_error_string(w->a));
            }
        }
    }
    archive_entry_free(spare);
    return 0;
}

/* An empty regular file entry: a whiteout in the OCI form. */
static int write_marker(struct writer *w, const char *path, const struct stat *st, hull_error **err)
{
    struct archive_entry *e = archive_entry_new();
    int ret;

    archive_entry_set_pathname(e, path);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0600);
    archive_entry_set_uid(e, st->st_uid);
    archive_entry_set_gid(e, st->st_gid);
    archive_entry_set_size(e, 0);
    archive_entry_set_mtime(e, st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
    /* Each marker is a file of its own, kept away from the link resolver:
     * it would take every marker (inode 0, no link count) for a link to
     * the first. */
    ret = write_entry(w, e, -1, false, err);
    archive_entry_free(e);
    return ret;
}

static int walk(struct writer *w, int dirfd, const char *prefix, hull_error **err);

static int write_child(struct writer *w, int dirfd, const char *name, const char *path,
                       hull_error **err)
{
    _cleanup_close_ int fd = -1;
    struct archive_entry *e;
    struct stat st;
    int ret = 0;

    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : hull_err(err, errno, "stat \"%s\"", path);
    if (S_ISSOCK(st.st_mode)) {
        hull_debug("export: socket \"%s\" skipped", path);
        return 0;
    }
    if (w->o->overlay_upper && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
        _cleanup_free_ char *wh = xstrdup(path);
        char *base = strrchr(wh, '/');
        _cleanup_free_ char *marker =
            base ? xasprintf("%.*s/" WH_PREFIX "%s", (int)(base - wh), wh, base + 1)
                 : xasprintf(WH_PREFIX "%s", wh);
        return write_marker(w, marker, &st, err);
    }
    if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
        fd = openat(dirfd, name,
                    (S_ISDIR(st.st_mode) ? O_DIRECTORY : 0) | O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            return hull_err(err, errno, "open \"%s\"", path);
    }
    e = archive_entry_new();
    archive_entry_copy_stat(e, &st);
    archive_entry_set_pathname(e, path);
    if (S_ISLNK(st.st_mode)) {
        char target[PATH_MAX + 1];
        ssize_t n = readlinkat(dirfd, name, target, PATH_MAX);
        if (n < 0) {
            archive_entry_free(e);
            return hull_err(err, errno, "read link \"%s\"", path);
        }
        target[n] = '\0';
        archive_entry_set_symlink(e, target);
    }
    if (!S_ISREG(st.st_mode))
        archive_entry_set_size(e, 0);
    if (fd >= 0)
        ret = add_xattrs(e, fd, err);
    if (ret == 0)
        ret = write_entry(w, e, S_ISREG(st.st_mode) ? fd : -1, true, err);
    archive_entry_free(e);
    if (ret < 0 || !S_ISDIR(st.st_mode))
        return ret < 0 ? hull_err_wrap(err, "\"%s\"", path) : 0;
    if (w->o->overlay_upper && is_opaque(fd)) {
        _cleanup_free_ char *marker = xasprintf("%s/" WH_OPAQUE, path);
        if (write_marker(w, marker, &st, err) < 0)
            return -1;
    }
    if (st.st_dev != w->root_dev)
        return 0; /* a mount point: its own filesystem is not the container's */
    return walk(w, fd, path, err);
}

static int walk(struct writer *w, int dirfd, const char *prefix, hull_error **err)
{
    _cleanup_strv_ char **names = NULL;

    if (sorted_names(dirfd, &names, err) < 0)
        return hull_err_wrap(err, "\"%s\"", *prefix ? prefix : ".");
    for (size_t i = 0; names[i] != NULL; i++) {
        _cleanup_free_ char *path =
            *prefix ? xasprintf("%s/%s", prefix, names[i]) : xstrdup(names[i]);
        if (write_child(w, dirfd, names[i], path, err) < 0)
            return -1;
    }
    return 0;
}

int hull_tree_write_tar(int dirfd, int out, const struct hull_tree_tar_opts *o, hull_error **err)
{
    static const struct hull_tree_tar_opts defaults = {0};
    struct writer w = {.o = o ? o : &defaults};
    _cleanup_close_ int root = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct stat st;
    int ret = -1;

    if (root < 0 || fstat(root, &st) < 0)
        return hull_err(err, errno, "open the tree");
    w.root_dev = st.st_dev;
    w.a = archive_write_new();
    w.links = archive_entry_linkresolver_new();
    w.buf = xmalloc(DATA_BUF);
    archive_entry_linkresolver_set_strategy(w.links, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED);
    if (archive_write_set_format_pax_restricted(w.a) != ARCHIVE_OK ||
        archive_write_set_bytes_in_last_block(w.a, 1) != ARCHIVE_OK ||
        archive_write_open_fd(w.a, out) != ARCHIVE_OK) {
        hull_err(err, archive_errno(w.a), "write the tar: %s", archive_error_string(w.a));
        goto out;
    }
    if (walk(&w, root, "", err) < 0)
        goto out;
    if (archive_write_close(w.a) != ARCHIVE_OK) {
        hull_err(err, archive_errno(w.a), "write the tar: %s", archive_error_string(w.a));
        goto out;
    }
    ret = 0;
out:
    archive_write_free(w.a);
    archive_entry_linkresolver_free(w.links);
    free(w.buf);
    return ret;
}

struct differ {
    int *layer_fds; /* top layer first, as overlayfs looks them up */
    size_t n_layers;
    json_t *changed_dirs; /* paths recorded as directories of the upper tree */
    struct hull_change *out;
    size_t n, cap;
};

static void add_change(struct differ *d, const char *path, enum hull_change_kind kind)
{
    if (d->n == d->cap) {
        d->cap = d->cap ? 2 * d->cap : 64;
        d->out = xrealloc(d->out, d->cap * sizeof(*d->out));
    }
    d->out[d->n++] = (struct hull_change){.path = xstrdup(path), .kind = kind};
}

/* PATH as the first lower layer that has it shows it (symlinks followed
 * inside that layer only); false when none has it. */
static bool lower_stat(const struct differ *d, const char *path, struct stat *st)
{
    for (size_t i = 0; i < d->n_layers; i++) {
        _cleanup_close_ int fd = hull_open_in_root(d->layer_fds[i], path, O_PATH, 0, 0, NULL);
        if (fd >= 0 && fstat(fd, st) == 0)
            return true;
    }
    return false;
}

static bool same_dir(const struct stat *a, const struct stat *b)
{
    return a->st_size == b->st_size && a->st_mode == b->st_mode &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static bool is_whiteout(int dirfd, const char *name)
{
    struct stat st;

    return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISCHR(st.st_mode) &&
           st.st_rdev == makedev(0, 0);
}

/* "D" for each name directory PATH shows in the lower layers that the
 * opaque directory UPPER (the same path in the upper tree) lacks.  The
 * lower view is the union of the layers' directories from the top one
 * down, minus their whiteouts, down to the first opaque one. */
static int hidden_deletes(struct differ *d, int upper, const char *path, hull_error **err)
{
    json_t *seen = json_object();
    int ret = 0;

    for (size_t i = 0; i < d->n_layers && ret == 0; i++) {
        _cleanup_close_ int fd =
            hull_open_in_root(d->layer_fds[i], path, O_RDONLY | O_DIRECTORY, 0, 0, NULL);
        _cleanup_strv_ char **names = NULL;
        if (fd < 0 && errno == ENOENT)
            continue;
        if (fd < 0)
            break; /* a file or a whiteout in this layer: nothing below shows */
        if (sorted_names(fd, &names, err) < 0) {
            ret = hull_err_wrap(err, "\"%s\" of a layer", path);
            break;
        }
        for (size_t k = 0; names[k] != NULL; k++) {
            bool hidden = is_whiteout(fd, names[k]);
            if (json_object_get(seen, names[k]) != NULL)
                continue;
            json_object_set_new(seen, names[k], json_boolean(!hidden));
        }
        if (is_opaque(fd))
            break;
    }
    if (ret == 0) {
        const char *name;
        json_t *visible;
        _cleanup_strv_ char **gone = xmalloc0(sizeof(char *));
        json_object_foreach (seen, name, visible) {
            if (json_is_true(visible) && faccessat(upper, name, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
                strv_append(&gone, name);
        }
        qsort(gone, strv_len(gone), sizeof(char *), name_cmp);
        for (size_t k = 0; gone[k] != NULL; k++) {
            _cleanup_free_ char *p = xasprintf("%s/%s", path, gone[k]);
            add_change(d, p, HULL_CHANGE_DELETE);
        }
    }
    json_decref(seen);
    return ret;
}

static int diff_walk(struct differ *d, int dirfd, const char *prefix, hull_error **err);

static int diff_entry(struct differ *d, int dirfd, const char *name, const char *path,
                      hull_error **err)
{
    _cleanup_close_ int fd = -1;
    enum hull_change_kind kind = HULL_CHANGE_ADD;
    struct stat st, lst;
    bool record = true, in_lower;

    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return hull_err(err, errno, "stat \"%s\"", path);
    if (S_ISDIR(st.st_mode)) {
        fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            return hull_err(err, errno, "open \"%s\"", path);
    }
    in_lower = lower_stat(d, path, &lst);
    if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
        kind = HULL_CHANGE_DELETE;
    } else if (fd >= 0 && in_lower && S_ISDIR(lst.st_mode) && is_opaque(fd)) {
        /* A directory made again over one of the layers' (opaque): docker
         * diff shows it changed, what the layers had in it and it lacks
         * deleted, and what it holds added or changed. */
        add_change(d, path, HULL_CHANGE_MODIFY);
        json_object_set_new(d->changed_dirs, path, json_true());
        if (hidden_deletes(d, fd, path, err) < 0)
            return -1;
        return diff_walk(d, fd, path, err);
    } else if (in_lower) {
        /* a directory only copied up as the parent of a change is not
         * itself a change */
        if (S_ISDIR(st.st_mode) && S_ISDIR(lst.st_mode) && same_dir(&st, &lst))
            record = false;
        kind = HULL_CHANGE_MODIFY;
    }
    if (record) {
        if (S_ISDIR(st.st_mode))
            json_object_set_new(d->changed_dirs, path, json_true());
        if (kind != HULL_CHANGE_MODIFY) {
            _cleanup_free_ char *parent = xstrdup(path);
            *strrchr(parent, '/') = '\0';
            if (*parent != '\0' && json_object_get(d->changed_dirs, parent) == NULL) {
                add_change(d, parent, HULL_CHANGE_MODIFY);
                json_object_set_new(d->changed_dirs, parent, json_true());
            }
        }
        add_change(d, path, kind);
    }
    return fd >= 0 ? diff_walk(d, fd, path, err) : 0;
}

static int diff_walk(struct differ *d, int dirfd, const char *prefix, hull_error **err)
{
    _cleanup_strv_ char **names = NULL;

    if (sorted_names(dirfd, &names, err) < 0)
        return hull_err_wrap(err, "\"%s\"", *prefix ? prefix : "/");
    for (size_t i = 0; names[i] != NULL; i++) {
        _cleanup_free_ char *path = xasprintf("%s/%s", prefix, names[i]);
        if (diff_entry(d, dirfd, names[i], path, err) < 0)
            return -1;
    }
    return 0;
}

static int change_cmp(const void *a, const void *b)
{
    return strcmp(((const struct hull_change *)a)->path, ((const struct hull_change *)b)->path);
}

/* Every directory above a change is changed too ("C"), as docker diff
 * shows it; then the list in path order. */
static void add_ancestors(struct differ *d)
{
    json_t *listed = json_object();
    size_t n = d->n;

    for (size_t i = 0; i < n; i++)
        json_object_set_new(listed, d->out[i].path, json_true());
    for (size_t i = 0; i < n; i++) {
        _cleanup_free_ char *p = xstrdup(d->out[i].path);
        char *slash;
        while ((slash = strrchr(p, '/')) != NULL && slash != p) {
            *slash = '\0';
            if (json_object_get(listed, p) != NULL)
                break;
            json_object_set_new(listed, p, json_true());
            add_change(d, p, HULL_CHANGE_MODIFY);
        }
    }
    json_decref(listed);
    if (d->n > 0)
        qsort(d->out, d->n, sizeof(*d->out), change_cmp);
}

int hull_tree_changes(int upper_fd, const char *const *layers, size_t n, struct hull_change **out,
                      size_t *n_out, hull_error **err)
{
    struct differ d = {.n_layers = 0, .changed_dirs = json_object()};
    int ret = 0;

    d.layer_fds = xmalloc0((n + 1) * sizeof(int));
    for (size_t i = n; i > 0 && ret == 0; i--) {
        int fd = open(layers[i - 1], O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
            ret = hull_err(err, errno, "open layer \"%s\"", layers[i - 1]);
        else
            d.layer_fds[d.n_layers++] = fd;
    }
    if (ret == 0)
        ret = diff_walk(&d, upper_fd, "", err);
    if (ret == 0)
        add_ancestors(&d);
    for (size_t i = 0; i < d.n_layers; i++)
        close(d.layer_fds[i]);
    free(d.layer_fds);
    json_decref(d.changed_dirs);
    if (ret < 0) {
        hull_changes_free(d.out, d.n);
        return -1;
    }
    *out = d.out;
    *n_out = d.n;
    return 0;
}

void hull_changes_free(struct hull_change *c, size_t n)
{
    for (size_t i = 0; c != NULL && i < n; i++)
        free(c[i].path);
    free(c);
}
