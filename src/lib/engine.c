/* The engine context and removing containers. */
#include "engine_internal.h"
#include "log.h"
#include "overlay.h"
#include "paths.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

static int check_root(const char *what, const char *path, hull_error **err)
{
    if (path[0] != '/')
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "%s \"%s\" is not an absolute path", what,
                             path);
    return 0;
}

int hull_engine_open(const struct hull_engine_opts *o, struct hull_engine **out, hull_error **err)
{
    struct hull_engine *e = xmalloc0(sizeof(*e));
    const char *state = o->state_root ? o->state_root : HULL_DEFAULT_STATE_ROOT;
    const char *run = o->run_root ? o->run_root : HULL_DEFAULT_RUN_ROOT;

    e->ctr_dirfd = -1;
    if (check_root("state root", state, err) < 0 || check_root("run root", run, err) < 0)
        goto fail;
    e->state_root = hull_path_clean(state);
    e->run_root = hull_path_clean(run);
    e->runtime_root = xasprintf("%s/runtime", e->run_root);
    e->rt.root = e->runtime_root;
    e->rt.cgroup_parent = HULL_CGROUP_PARENT;
    if (mkdir_p(e->state_root, 0700, err) < 0 || mkdir_p(e->runtime_root, 0700, err) < 0)
        goto fail;
    e->ctr_dirfd = hull_ctr_dir_open(e->state_root, err);
    if (e->ctr_dirfd < 0 || hull_store_open(e->state_root, &e->store, err) < 0)
        goto fail;
    *out = e;
    return 0;
fail:
    hull_engine_close(e);
    return hull_err_wrap(err, "open the engine");
}

void hull_engine_close(struct hull_engine *e)
{
    if (e == NULL)
        return;
    if (e->store != NULL)
        hull_store_close(e->store);
    closep(&e->ctr_dirfd);
    free(e->state_root);
    free(e->run_root);
    free(e->runtime_root);
    free(e);
}

void hull_engine_closep(struct hull_engine **e)
{
    hull_engine_close(*e);
    *e = NULL;
}

char *hull_engine_ctr_path(const struct hull_engine *e, const char *id, const char *name)
{
    if (name == NULL)
        return xasprintf("%s/containers/%s", e->state_root, id);
    return xasprintf("%s/containers/%s/%s", e->state_root, id, name);
}

/* Keeps the first error of a sequence of cleanup steps. */
static void keep_first(hull_error **first, hull_error **e)
{
    if (*e == NULL)
        return;
    if (*first == NULL)
        *first = take_ptr(*e);
    else
        hull_error_freep(e);
}

int hull_engine_teardown(struct hull_engine *e, const char *id, bool remove_record,
                         hull_error **err)
{
    _cleanup_free_ char *rootfs = hull_engine_ctr_path(e, id, "rootfs");
    _cleanup_free_ char *run_dir = xasprintf("%s/containers/%s", e->run_root, id);
    hull_error *first = NULL, *step = NULL;

    if (hull_container_delete(&e->rt, id, true, &step) < 0 && step->kind == HULL_ERR_NOT_EXIST)
        hull_error_freep(&step);
    keep_first(&first, &step);
    hull_overlay_unmount(rootfs, &step);
    keep_first(&first, &step);
    rm_rf_at(AT_FDCWD, run_dir, &step);
    keep_first(&first, &step);
    /* The record stays when the mount could not be removed: deleting the
     * directory would then reach into the merged tree. */
    if (remove_record && first == NULL)
        hull_ctr_remove(e->ctr_dirfd, id, &step);
    keep_first(&first, &step);
    if (first != NULL) {
        *err = first;
        return hull_err_wrap(err, "clean up container %.12s", id);
    }
    return 0;
}

enum hull_ctr_status hull_engine_ctr_status(const struct hull_ctr *c)
{
    if (c->status == HULL_CTR_RUNNING && !hull_ctr_is_running(c))
        return HULL_CTR_EXITED;
    return c->status;
}

int hull_engine_rm(struct hull_engine *e, const char *ref, bool force, hull_error **err)
{
    _cleanup_free_ char *id = NULL;
    _cleanup_close_ int lock = -1;
    struct hull_ctr c;
    bool running;

    if (hull_ctr_lookup(e->ctr_dirfd, ref, &id, err) < 0)
        return -1;
    lock = hull_ctr_lock(e->ctr_dirfd, id, err);
    if (lock < 0 || hull_ctr_load(e->ctr_dirfd, id, &c, err) < 0)
        return -1;
    running = hull_ctr_is_running(&c);
    if (running && !force)
        hull_err_kind(
            err, HULL_ERR_BAD_INPUT, 0,
            "cannot remove container \"/%s\": container is running: stop the container before removing or force remove",
            c.name);
    hull_ctr_clear(&c);
    if (running && !force)
        return -1;
    /* The lock stays held: a `hull run` waiting to record the exit finds
     * the record gone afterwards instead of writing into a removed one. */
    return hull_engine_teardown(e, id, true, err);
}
