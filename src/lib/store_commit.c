/* Making the results of an import, a load or a commit part of the store.
 *
 * Everything is prepared in a private work directory under tmp/; only
 * here, under the store's exclusive lock, does it move into blobs/ and
 * layers/ (renames within one filesystem), and only images.json, replaced
 * atomically last, makes it visible.  A crash before that leaves
 * unreferenced files that the next writer's garbage collection removes. */
#include "log.h"
#include "store_internal.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static int item_dirfd(const struct hull_store *s, const struct store_item *it)
{
    return it->layer ? s->layers_fd : s->blobs_fd;
}

static int move_in(struct hull_store *s, int ws_fd, struct store_item *it, hull_error **err)
{
    if (renameat2(ws_fd, it->ws_name, item_dirfd(s, it), hull_digest_hex(it->digest),
                  RENAME_NOREPLACE) == 0) {
        it->moved = true;
        return 0;
    }
    if (errno == EEXIST || errno == ENOTEMPTY)
        return 0;
    return hull_err(err, errno, "move %s %s into the store", it->layer ? "layer" : "blob",
                    it->digest);
}

static int must_exist(int dirfd, const char *what, const char *digest, hull_error **err)
{
    struct stat st;

    if (fstatat(dirfd, hull_digest_hex(digest), &st, AT_SYMLINK_NOFOLLOW) == 0)
        return 0;
    /* it was there when the work began, and another hull removed it */
    return hull_err(err, errno, "%s %s was removed by another hull command meanwhile: try again",
                    what, digest);
}

static int record(struct hull_store *s, json_t *state, const struct store_item *items, size_t n,
                  const struct store_new_image *img, hull_error **err)
{
    json_t *layers = json_object_get(state, "layers");
    json_t *ids = json_array(), *blobs = json_array();

    if (must_exist(s->blobs_fd, "config", img->id, err) < 0 ||
        must_exist(s->blobs_fd, "manifest", img->manifest, err) < 0)
        goto fail;
    for (size_t i = 0; img->diff_ids[i] != NULL; i++) {
        const char *d = img->diff_ids[i], *b = img->layer_blobs[i];
        if (must_exist(s->layers_fd, "layer", d, err) < 0 ||
            must_exist(s->blobs_fd, "layer blob", b, err) < 0)
            goto fail;
        json_array_append_new(ids, json_string(d));
        json_array_append_new(blobs, json_string(b));
        if (json_object_get(layers, d) != NULL)
            continue;
        for (size_t k = 0; k < n; k++) {
            if (items[k].layer && strcmp(items[k].digest, d) == 0)
                json_object_set_new(layers, d,
                                    json_pack("{s:I, s:I}", "size", (json_int_t)items[k].size,
                                              "tar_size", (json_int_t)items[k].tar_size));
        }
        if (json_object_get(layers, d) == NULL) {
            hull_err(err, 0, "layer %s is not recorded in the store", d);
            goto fail;
        }
    }
    json_object_set_new(json_object_get(state, "images"), img->id,
                        json_pack("{s:s, s:o, s:o, s:s}", "manifest", img->manifest, "diff_ids",
                                  ids, "layer_blobs", blobs, "created", img->created));
    if (img->repo_digest)
        json_object_set_new(json_object_get(json_object_get(state, "images"), img->id),
                            "repo_digest", json_true());
    for (size_t i = 0; img->tags != NULL && img->tags[i] != NULL; i++)
        json_object_set_new(json_object_get(state, "tags"), img->tags[i], json_string(img->id));
    return 0;
fail:
    json_decref(ids);
    json_decref(blobs);
    return -1;
}

int store_commit(struct hull_store *s, int ws_fd, struct store_item *items, size_t n_items,
                 const struct store_new_image *images, size_t n_images, hull_error **err)
{
    json_t *state = NULL;
    int ret = -1;

    /* the data must be on disk before images.json can point at it */
    if (syncfs(ws_fd) < 0)
        return hull_err(err, errno, "sync the image store");
    if (store_lock(s, LOCK_EX, err) < 0)
        return -1;
    store_sweep_tmp(s);
    if (store_state_load(s, &state, err) < 0)
        goto out;
    for (size_t i = 0; i < n_items; i++) {
        if (move_in(s, ws_fd, &items[i], err) < 0)
            goto out;
    }
    for (size_t i = 0; i < n_images; i++) {
        if (record(s, state, items, n_items, &images[i], err) < 0)
            goto out;
    }
    ret = store_state_save(s, state, err);
out:
    for (size_t i = 0; i < n_items; i++) {
        if (ret < 0 && items[i].moved &&
            renameat(item_dirfd(s, &items[i]), hull_digest_hex(items[i].digest), ws_fd,
                     items[i].ws_name) < 0)
            hull_warn("image store: take back %s: %s", items[i].digest, strerror(errno));
        items[i].moved = false;
    }
    store_unlock(s);
    json_decref(state);
    return ret;
}

int store_has_layer(struct hull_store *s, const char *diff_id, bool *has, hull_error **err)
{
    json_t *state = NULL;
    struct stat st;

    if (store_lock(s, LOCK_SH, err) < 0)
        return -1;
    if (store_state_load(s, &state, err) < 0) {
        store_unlock(s);
        return -1;
    }
    *has = json_object_get(json_object_get(state, "layers"), diff_id) != NULL &&
           fstatat(s->layers_fd, hull_digest_hex(diff_id), &st, AT_SYMLINK_NOFOLLOW) == 0;
    store_unlock(s);
    json_decref(state);
    return 0;
}

bool store_has_blob(struct hull_store *s, const char *digest)
{
    struct stat st;

    return fstatat(s->blobs_fd, hull_digest_hex(digest), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
           S_ISREG(st.st_mode);
}
