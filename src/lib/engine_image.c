#include "engine_image.h"
#include "engine_internal.h"
#include "log.h"
#include "overlay.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

int hull_engine_image_users(struct hull_engine *e, struct hull_engine_users *out, hull_error **err)
{
    *out = (struct hull_engine_users){0};
    if (hull_ctr_list(e->ctr_dirfd, &out->ctrs, &out->n_ctrs, err) < 0)
        return hull_err_wrap(err, "list containers");
    out->users = xmalloc0((out->n_ctrs + 1) * sizeof(*out->users));
    for (size_t i = 0; i < out->n_ctrs; i++) {
        const struct hull_ctr *c = &out->ctrs[i];
        enum hull_ctr_status st = hull_engine_ctr_status(c);
        out->users[i] = (struct hull_image_user){
            .image_id = c->image_id ? c->image_id : "",
            .ctr_id = c->id,
            /* a restarting container counts as running, as in Docker */
            .running = st != HULL_CTR_CREATED && st != HULL_CTR_EXITED,
        };
    }
    return 0;
}

void hull_engine_users_clear(struct hull_engine_users *u)
{
    hull_ctr_list_free(u->ctrs, u->n_ctrs);
    free(u->users);
    *u = (struct hull_engine_users){0};
}

int hull_engine_rmi(struct hull_engine *e, const char *ref, bool force, char ***untagged,
                    char ***deleted, hull_error **err)
{
    struct hull_engine_users u;
    int ret;

    if (hull_engine_image_users(e, &u, err) < 0)
        return -1;
    struct hull_rmi_opts o = {.force = force, .users = u.users, .n_users = u.n_ctrs};
    ret = hull_store_image_remove(e->store, ref, &o, untagged, deleted, err);
    hull_engine_users_clear(&u);
    return ret;
}

int hull_engine_image_prune(struct hull_engine *e, bool all, char ***untagged, char ***deleted,
                            uint64_t *reclaimed, hull_error **err)
{
    struct hull_engine_users u;
    int ret;

    if (hull_engine_image_users(e, &u, err) < 0)
        return -1;
    ret = hull_store_prune(e->store, all, u.users, u.n_ctrs, untagged, deleted, reclaimed, err);
    hull_engine_users_clear(&u);
    return ret;
}

/* A container's record and image, looked up from REF. */
struct ctr_view {
    struct hull_ctr c;
    struct hull_image *img;
    char *upper, *rootfs;
    char **lower; /* the image's layers and the container's init layer */
    bool loaded;
};

static int view_open(struct hull_engine *e, const char *ref, struct ctr_view *v, hull_error **err)
{
    _cleanup_free_ char *id = NULL;

    *v = (struct ctr_view){0};
    if (hull_ctr_lookup(e->ctr_dirfd, ref, &id, err) < 0 ||
        hull_ctr_load(e->ctr_dirfd, id, &v->c, err) < 0)
        return -1;
    v->loaded = true;
    if (hull_store_image_get(e->store, v->c.image_id, &v->img, err) < 0)
        return hull_err_wrap(err, "container %.12s", id);
    v->upper = hull_engine_ctr_path(e, id, "upper");
    v->rootfs = hull_engine_ctr_path(e, id, "rootfs");
    {
        _cleanup_free_ char *dir = hull_engine_ctr_path(e, id, NULL);
        v->lower = hull_engine_lower_dirs(dir, v->img->layer_dirs);
    }
    return 0;
}

static void view_clear(struct ctr_view *v)
{
    if (v->loaded)
        hull_ctr_clear(&v->c);
    hull_image_free(v->img);
    free(v->upper);
    free(v->rootfs);
    strv_free(v->lower);
}

/* The merged tree of a container: its mounted root while it has one,
 * else a read-only overlay of its layers with its upper directory as the
 * top layer. */
static int open_merged(const struct ctr_view *v, hull_error **err)
{
    size_t n = strv_len(v->lower);
    _cleanup_free_ const char **layers = xmalloc0((n + 2) * sizeof(char *));
    int mounted = hull_overlay_is_mounted(v->rootfs, err);
    int fd;

    if (mounted < 0)
        return -1;
    if (mounted) {
        fd = open(v->rootfs, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            return hull_err(err, errno, "open \"%s\"", v->rootfs);
        return fd;
    }
    for (size_t i = 0; i < n; i++)
        layers[i] = v->lower[i];
    layers[n] = v->upper;
    return hull_overlay_open(layers, n + 1, NULL, NULL, true, err);
}

int hull_engine_export(struct hull_engine *e, const char *ref, int out, hull_error **err)
{
    struct ctr_view v;
    _cleanup_close_ int root = -1;
    int ret = -1;

    if (view_open(e, ref, &v, err) == 0 && (root = open_merged(&v, err)) >= 0)
        ret = hull_tree_write_tar(root, out, NULL, err);
    view_clear(&v);
    if (ret < 0)
        return hull_err_wrap(err, "export \"%s\"", ref);
    return 0;
}

int hull_engine_diff(struct hull_engine *e, const char *ref, struct hull_change **out, size_t *n,
                     hull_error **err)
{
    struct ctr_view v;
    _cleanup_close_ int upper = -1;
    int ret = -1;

    if (view_open(e, ref, &v, err) == 0) {
        upper = open(v.upper, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (upper < 0)
            hull_err(err, errno, "open \"%s\"", v.upper);
        else
            ret = hull_tree_changes(upper, (const char *const *)v.lower, strv_len(v.lower), out, n,
                                    err);
    }
    view_clear(&v);
    if (ret < 0)
        return hull_err_wrap(err, "diff \"%s\"", ref);
    return 0;
}

static int write_upper(int fd, void *data, hull_error **err)
{
    const char *upper = data;
    const struct hull_tree_tar_opts o = {.overlay_upper = true};
    _cleanup_close_ int dir = open(upper, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

    if (dir < 0)
        return hull_err(err, errno, "open \"%s\"", upper);
    return hull_tree_write_tar(dir, fd, &o, err);
}

static char *joined_command(char *const *args)
{
    size_t len = 1;
    char *s, *p;

    for (size_t i = 0; args != NULL && args[i] != NULL; i++)
        len += strlen(args[i]) + 1;
    p = s = xmalloc0(len);
    for (size_t i = 0; args != NULL && args[i] != NULL; i++)
        p += sprintf(p, "%s%s", i ? " " : "", args[i]);
    return s;
}

int hull_engine_commit(struct hull_engine *e, const char *ref, const struct hull_commit_request *r,
                       char **image_id, hull_error **err)
{
    struct ctr_view v;
    _cleanup_free_ char *created_by = NULL;
    _cleanup_close_ int mark = -1;
    bool paused = false;
    int ret = -1;

    if (view_open(e, ref, &v, err) < 0)
        goto out;
    created_by = joined_command(v.c.command);
    /* a layer read while processes write into it would mix two states;
     * the pause is marked first, so a commit killed while it holds the
     * container paused leaves something the next command resumes */
    if (r->pause && hull_engine_ctr_status(&v.c) == HULL_CTR_RUNNING) {
        mark = hull_engine_commit_pause_begin(e, &v.c, err);
        if (mark < 0)
            goto out;
        if (hull_container_pause(&e->rt, v.c.id, err) < 0) {
            hull_err_wrap(err, "pause container %.12s", v.c.id);
            goto out;
        }
        paused = true;
    }
    struct hull_store_commit_opts o = {
        .base = v.img->id,
        .ref = r->ref,
        .author = r->author,
        .comment = r->message,
        .created_by = created_by,
        .changes = r->changes,
        .write_tar = write_upper,
        .data = v.upper,
    };
    ret = hull_store_commit(e->store, &o, image_id, err);
    if (paused) {
        _cleanup_error_ hull_error *e2 = NULL;
        if (hull_container_resume(&e->rt, v.c.id, &e2) < 0)
            hull_warn("resume container %.12s: %s", v.c.id, e2->msg);
    }
out:
    if (mark >= 0)
        hull_engine_commit_pause_end(e, &v.c, take_fd(mark));
    view_clear(&v);
    if (ret < 0)
        return hull_err_wrap(err, "commit \"%s\"", ref);
    return 0;
}
