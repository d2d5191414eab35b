/* `hull cp`: the container's root as a descriptor, docker cp's rules for
 * where things land, and fscopy.c for the copy itself. */
#include "engine_cp.h"
#include "engine_internal.h"
#include "fscopy.h"
#include "log.h"
#include "overlay.h"
#include "paths.h"
#include "state.h"
#include "sync.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Symlinks followed for -L before giving up, as the kernel's limit. */
#define FOLLOW_MAX 40

struct ctr_root {
    int rootfd;   /* the container's "/" */
    int lock;     /* the container's lock, held while it is stopped */
    pid_t helper; /* holds the private mount namespace of a stopped container */
    int helper_sock;
    bool readonly; /* root.readonly */
    char *name;
};

/* One side of the copy: the container (paths resolved in ROOT) or the
 * host (ROOT is AT_FDCWD). */
struct side {
    int root;
    const char *ctr_name; /* NULL for the host */
};

static void ctr_root_close(struct ctr_root *r)
{
    closep(&r->rootfd);
    closep(&r->helper_sock); /* the helper exits on end-of-file */
    if (r->helper > 0)
        while (waitpid(r->helper, NULL, 0) < 0 && errno == EINTR)
            ;
    r->helper = 0;
    closep(&r->lock);
    free(r->name);
    r->name = NULL;
}

/* Bind mounts of config.json (volumes and binds), made again over the
 * overlay at ROOTFD; a read-only one stays read-only. */
static int bind_mounts(int rootfd, json_t *mounts, hull_error **err)
{
    size_t i;
    json_t *m;

    json_array_foreach (mounts, i, m) {
        const char *type = json_string_value(json_object_get(m, "type"));
        const char *src = json_string_value(json_object_get(m, "source"));
        const char *dst = json_string_value(json_object_get(m, "destination"));
        char buf[HULL_FD_PATH_MAX];
        bool ro = false;
        struct stat st;
        size_t j;
        json_t *o;

        if (type == NULL || strcmp(type, "bind") != 0 || src == NULL || dst == NULL ||
            stat(src, &st) < 0)
            continue;
        json_array_foreach (json_object_get(m, "options"), j, o)
            ro = ro || (json_is_string(o) && strcmp(json_string_value(o), "ro") == 0);
        _cleanup_close_ int target =
            hull_mount_target_in_root(rootfd, dst, S_ISDIR(st.st_mode), err);
        if (target < 0)
            return hull_err_wrap(err, "mount point %s", dst);
        if (mount(src, hull_fd_path(target, buf), NULL, MS_BIND | MS_REC, NULL) < 0)
            return hull_err(err, errno, "bind %s on %s", src, dst);
        if (ro) {
            _cleanup_close_ int mnt = hull_open_in_root(rootfd, dst, O_PATH, 0, 0, err);
            if (mnt < 0 || mount(NULL, hull_fd_path(mnt, buf), NULL,
                                 MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
                return hull_err(err, errno, "make %s read-only", dst);
        }
    }
    return 0;
}

struct helper_args {
    char **layers;
    char *upper, *work, *rootfs;
    unsigned int flags; /* hull_overlay_mount()'s */
    json_t *mounts;
};

static int helper_setup(const struct helper_args *a, int *rootfd, hull_error **err)
{
    int mounted;

    if (unshare(CLONE_NEWNS) < 0)
        return hull_err(err, errno, "unshare the mount namespace");
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        return hull_err(err, errno, "make the mounts private");
    mounted = hull_overlay_is_mounted(a->rootfs, err);
    if (mounted < 0)
        return -1;
    if (!mounted && hull_overlay_mount((const char *const *)a->layers, strv_len(a->layers),
                                       a->upper, a->work, a->rootfs, a->flags, err) < 0)
        return -1;
    *rootfd = open(a->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (*rootfd < 0)
        return hull_err(err, errno, "open \"%s\"", a->rootfs);
    return bind_mounts(*rootfd, a->mounts, err);
}

/* The helper: assembles the container's tree in a mount namespace of its
 * own (nothing of it is seen on the host), hands its root over and keeps
 * the namespace alive until the copy is done. */
__attribute__((noreturn)) static void helper_main(int sock, const struct helper_args *a)
{
    hull_error *err = NULL;
    int rootfd = -1;
    char c;

    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (helper_setup(a, &rootfd, &err) < 0) {
        hull_sync_send_error(sock, err);
        _exit(1);
    }
    if (hull_sync_send(sock, HULL_SYNC_CONTINUE, 0, NULL, rootfd, &err) < 0)
        _exit(1);
    while (read(sock, &c, 1) != 0 && errno == EINTR)
        ;
    _exit(0);
}

static int start_helper(struct hull_engine *e, const struct hull_ctr *c, json_t *cfg,
                        struct ctr_root *r, hull_error **err)
{
    struct helper_args a = {.mounts = json_object_get(cfg, "mounts")};
    struct hull_image *img = NULL;
    struct hull_sync_msg msg;
    int sv[2];

    if (hull_store_image_get(e->store, c->image_id, &img, err) < 0)
        return hull_err_wrap(err, "the image of container %s", c->name);
    {
        _cleanup_free_ char *dir = hull_engine_ctr_path(e, c->id, NULL);
        a.layers = hull_engine_lower_dirs(dir, img->layer_dirs);
    }
    a.upper = hull_engine_ctr_path(e, c->id, "upper");
    a.work = hull_engine_ctr_path(e, c->id, "work");
    a.rootfs = hull_engine_ctr_path(e, c->id, "rootfs");
    a.flags = hull_engine_overlay_flags(c);
    int ret = hull_sync_pair(sv, err);
    if (ret == 0) {
        r->helper = fork();
        if (r->helper == 0) {
            close(sv[0]);
            helper_main(sv[1], &a);
        }
        close(sv[1]);
        r->helper_sock = sv[0];
        ret = r->helper < 0 ? hull_err(err, errno, "fork")
                            : hull_sync_expect(sv[0], HULL_SYNC_CONTINUE, &msg, &r->rootfd, err);
    }
    strv_free(a.layers);
    free(a.upper);
    free(a.work);
    free(a.rootfs);
    hull_image_free(img);
    return ret;
}

static int load_config(struct hull_engine *e, const char *id, json_t **cfg, hull_error **err)
{
    _cleanup_free_ char *path = xasprintf("%s/config.json", id);
    _cleanup_free_ char *text = NULL;

    if (read_file_at(e->ctr_dirfd, path, 16 << 20, &text, NULL, err) < 0)
        return -1;
    *cfg = json_loads(text, 0, NULL);
    if (*cfg == NULL)
        return hull_err(err, 0, "config.json of container %.12s is not valid JSON", id);
    return 0;
}

/* A running container's root, as its init sees it. */
static int open_running_root(struct hull_engine *e, const char *id, struct ctr_root *r,
                             hull_error **err)
{
    struct hull_state st;
    _cleanup_free_ char *path = NULL;

    if (hull_container_state(&e->rt, id, &st, err) < 0)
        return -1;
    path = xasprintf("/proc/%d/root", (int)st.pid);
    r->rootfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    /* The start time proves the root is still the init's, not that of a
     * process that reused its pid. */
    if (r->rootfd < 0 || !hull_proc_is_same(st.pid, st.pid_start)) {
        hull_state_clear(&st);
        return hull_err(err, errno, "open the root of container %s", r->name);
    }
    hull_state_clear(&st);
    return 0;
}

static int ctr_root_open(struct hull_engine *e, const char *ref, struct ctr_root *r,
                         hull_error **err)
{
    _cleanup_free_ char *id = NULL;
    struct hull_ctr c;
    json_t *cfg = NULL;
    int ret = -1;

    *r = (struct ctr_root){.rootfd = -1, .lock = -1, .helper_sock = -1};
    if (hull_ctr_lookup(e->ctr_dirfd, ref, &id, err) < 0 ||
        hull_ctr_load(e->ctr_dirfd, id, &c, err) < 0)
        return -1;
    r->name = xstrdup(c.name);
    if (load_config(e, id, &cfg, err) < 0)
        goto out;
    r->readonly = json_is_true(json_object_get(json_object_get(cfg, "root"), "readonly"));
    if (hull_ctr_is_running(&c)) {
        ret = open_running_root(e, id, r, err);
        goto out;
    }
    r->lock = hull_ctr_lock(e->ctr_dirfd, id, err);
    if (r->lock < 0)
        goto out;
    hull_ctr_clear(&c);
    /* Loaded again under the lock: it may have started meanwhile. */
    if (hull_ctr_load(e->ctr_dirfd, id, &c, err) < 0)
        goto out;
    if (hull_ctr_is_running(&c)) {
        closep(&r->lock);
        ret = open_running_root(e, id, r, err);
    } else {
        ret = start_helper(e, &c, cfg, r, err);
    }
out:
    json_decref(cfg);
    hull_ctr_clear(&c);
    if (ret < 0)
        ctr_root_close(r);
    return ret;
}

/* PATH split into its directory and last name; "." stands for the
 * directory itself ("/", "dir/." or "dir/").  *contents is set for a path
 * ending in "/." (docker cp: the directory's contents). */
static void split_path(const char *path, char **dir, char **name, bool *contents, bool *slash)
{
    size_t len = strlen(path);
    const char *last;

    *slash = len > 0 && path[len - 1] == '/';
    *contents = (len >= 2 && strcmp(path + len - 2, "/.") == 0) || strcmp(path, ".") == 0;
    while (len > 1 && path[len - 1] == '/')
        len--;
    _cleanup_free_ char *p = xstrndup(path, len);
    last = strrchr(p, '/');
    if (last == NULL) {
        *dir = xstrdup(".");
        *name = xstrdup(p);
    } else {
        *dir = last == p ? xstrdup("/") : xstrndup(p, (size_t)(last - p));
        *name = xstrdup(last[1] != '\0' ? last + 1 : ".");
    }
}

/* Opens directory PATH of side S. */
static int open_dir(const struct side *s, const char *path, hull_error **err)
{
    int fd;

    if (s->ctr_name != NULL)
        return hull_open_in_root(s->root, path, O_RDONLY | O_DIRECTORY, 0, 0, err);
    fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return hull_err(err, errno, "open \"%s\"", path);
    return fd;
}

static int not_found(const struct side *s, const char *path, hull_error **err)
{
    if (s->ctr_name != NULL)
        return hull_err_kind(err, HULL_ERR_NOT_EXIST, 0,
                             "Could not find the file %s in container %s", path, s->ctr_name);
    return hull_err_kind(err, HULL_ERR_NOT_EXIST, ENOENT, "lstat %s", path);
}

/* The source: *dirfd holds the entry *name (a directory and "." for
 * "DIR/."), *st describes it.  With FOLLOW a symlink is replaced by its
 * target, resolved again on the same side. */
static int open_source(const struct side *s, const char *path, bool follow, int *dirfd, char **name,
                       struct stat *st, bool *contents, hull_error **err)
{
    _cleanup_free_ char *cur = xstrdup(path);

    for (int hops = 0;; hops++) {
        _cleanup_free_ char *dir = NULL;
        bool slash;
        char target[4096];
        ssize_t n;

        split_path(cur, &dir, name, contents, &slash);
        *dirfd = open_dir(s, dir, err);
        if (*dirfd < 0) {
            hull_error_freep(err);
            return not_found(s, path, err);
        }
        if (fstatat(*dirfd, *name, st, AT_SYMLINK_NOFOLLOW) < 0)
            return errno == ENOENT ? not_found(s, path, err)
                                   : hull_err(err, errno, "lstat %s", path);
        if (slash && !S_ISDIR(st->st_mode) && !S_ISLNK(st->st_mode))
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, ENOTDIR, "%s", path);
        if (!S_ISLNK(st->st_mode) || !(follow || slash || *contents))
            return 0;
        if (hops == FOLLOW_MAX)
            return hull_err(err, ELOOP, "%s", path);
        n = readlinkat(*dirfd, *name, target, sizeof(target) - 1);
        if (n < 0)
            return hull_err(err, errno, "readlink %s", cur);
        target[n] = '\0';
        char *next = target[0] == '/' ? xstrdup(target) : xasprintf("%s/%s", dir, target);
        if (slash || *contents) {
            char *with = xasprintf("%s/%s", next, *contents ? "." : "");
            free(next);
            next = with;
        }
        free(cur);
        cur = next;
        closep(dirfd);
        freep(name);
        *name = NULL;
    }
}

/* Copies the source to DST on side D by docker cp's rules. */
static int place(const struct side *d, const char *dst, int sdir, const char *sname,
                 const struct stat *sst, bool contents, const struct hull_copy_opts *o,
                 hull_error **err)
{
    _cleanup_free_ char *dir = NULL, *name = NULL;
    _cleanup_close_ int target = -1, parent = -1;
    _cleanup_error_ hull_error *open_err = NULL;
    bool dst_contents, slash, src_dir = S_ISDIR(sst->st_mode);

    target = open_dir(d, dst, &open_err);
    if (target >= 0) {
        if (contents)
            return hull_copy_contents(sdir, target, o, err);
        return hull_copy_entry(sdir, sname, target, sname, o, err);
    }
    split_path(dst, &dir, &name, &dst_contents, &slash);
    if (open_err->errnum == ENOTDIR) {
        if (src_dir)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "cannot copy a directory to a file");
        if (slash)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, ENOTDIR, "%s", dst);
    } else if (open_err->errnum == ENOENT) {
        if (slash && !src_dir)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "destination directory %s must exist",
                                 dst);
    } else {
        *err = take_ptr(open_err);
        return -1;
    }
    parent = open_dir(d, dir, err);
    if (parent < 0)
        return hull_err_wrap(err, "destination %s", dst);
    if (contents) {
        _cleanup_close_ int made = -1;
        if (mkdirat(parent, name, 0755) < 0)
            return hull_err(err, errno, "create %s", dst);
        made = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (made < 0)
            return hull_err(err, errno, "open %s", dst);
        return hull_copy_contents(sdir, made, o, err);
    }
    return hull_copy_entry(sdir, sname, parent, name, o, err);
}

static int copy(const struct side *s, const char *src, const struct side *d, const char *dst,
                const struct hull_copy_opts *co, bool follow, hull_error **err)
{
    _cleanup_close_ int sdir = -1, inner = -1;
    _cleanup_free_ char *sname = NULL;
    struct stat st;
    bool contents;

    if (open_source(s, src, follow, &sdir, &sname, &st, &contents, err) < 0)
        return -1;
    if (contents || strcmp(sname, ".") == 0) {
        /* The directory itself is the source: its contents go. */
        inner = openat(sdir, sname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (inner < 0)
            return hull_err(err, errno, "open %s", src);
        return place(d, dst, inner, ".", &st, true, co, err);
    }
    return place(d, dst, sdir, sname, &st, false, co, err);
}

int hull_engine_cp_from(struct hull_engine *e, const char *ref, const char *src, const char *dst,
                        const struct hull_cp_opts *o, hull_error **err)
{
    struct ctr_root r;
    struct hull_copy_opts co = {.keep_owner = o->archive, .uid = (uid_t)-1, .gid = (gid_t)-1};
    int ret;

    if (ctr_root_open(e, ref, &r, err) < 0)
        return -1;
    {
        struct side s = {.root = r.rootfd, .ctr_name = r.name};
        struct side d = {.root = AT_FDCWD};
        _cleanup_free_ char *abs = src[0] == '/' ? xstrdup(src) : xasprintf("/%s", src);
        ret = copy(&s, abs, &d, dst, &co, o->follow_link, err);
    }
    ctr_root_close(&r);
    return ret;
}

int hull_engine_cp_to(struct hull_engine *e, const char *ref, const char *src, const char *dst,
                      const struct hull_cp_opts *o, hull_error **err)
{
    struct ctr_root r;
    struct hull_copy_opts co = {.keep_owner = o->archive, .uid = 0, .gid = 0};
    int ret;

    if (ctr_root_open(e, ref, &r, err) < 0)
        return -1;
    if (r.readonly) {
        ret = hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "container rootfs is marked read-only");
    } else {
        struct side s = {.root = AT_FDCWD};
        struct side d = {.root = r.rootfd, .ctr_name = r.name};
        _cleanup_free_ char *abs = dst[0] == '/' ? xstrdup(dst) : xasprintf("/%s", dst);
        ret = copy(&s, src, &d, abs, &co, o->follow_link, err);
    }
    ctr_root_close(&r);
    return ret;
}
