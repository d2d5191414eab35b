/* The volume store: STATE_ROOT/volumes/NAME/{_data,volume.json}. */
#include "volume.h"
#include "log.h"
#include "mountspec.h"
#include "run_config.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define VOLUME_META     "volume.json"
#define ANON_NAME_BYTES 32

void hull_volume_clear(struct hull_volume *v)
{
    free(v->name);
    free(v->mountpoint);
    free(v->created);
    strv_free(v->labels);
    memset(v, 0, sizeof(*v));
}

void hull_volume_list_free(struct hull_volume *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        hull_volume_clear(&list[i]);
    free(list);
}

static char *volumes_dir(const struct hull_engine *e)
{
    return xasprintf("%s/volumes", e->state_root);
}

int hull_volumes_lock(struct hull_engine *e, hull_error **err)
{
    _cleanup_free_ char *dir = volumes_dir(e);
    _cleanup_close_ int fd = -1;

    if (mkdir_p(dir, 0700, err) < 0)
        return -1;
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return hull_err(err, errno, "open \"%s\"", dir);
    if (flock(fd, LOCK_EX) < 0)
        return hull_err(err, errno, "lock \"%s\"", dir);
    return take_fd(fd);
}

static int meta_load(const struct hull_engine *e, int dirfd, const char *name,
                     struct hull_volume *out, hull_error **err)
{
    _cleanup_free_ char *path = xasprintf("%s/" VOLUME_META, name);
    _cleanup_free_ char *text = NULL;
    json_t *doc, *labels, *v;
    const char *key;

    memset(out, 0, sizeof(*out));
    if (read_file_at(dirfd, path, 1 << 20, &text, NULL, NULL) < 0) {
        if (errno == ENOENT)
            return hull_err_kind(err, HULL_ERR_NOT_EXIST, 0, "no such volume: %s", name);
        return hull_err(err, errno, "read volume \"%s\"", name);
    }
    doc = json_loads(text, 0, NULL);
    if (!json_is_object(doc)) {
        json_decref(doc);
        return hull_err(err, 0, "volume \"%s\": %s is not valid", name, VOLUME_META);
    }
    out->name = xstrdup(name);
    out->mountpoint = xasprintf("%s/volumes/%s/_data", e->state_root, name);
    v = json_object_get(doc, "CreatedAt");
    out->created = xstrdup(json_is_string(v) ? json_string_value(v) : "");
    out->anonymous = json_is_true(json_object_get(doc, "Anonymous"));
    labels = json_object_get(doc, "Labels");
    json_object_foreach (labels, key, v) {
        _cleanup_free_ char *kv = xasprintf("%s=%s", key, json_string_value(v));
        strv_append(&out->labels, kv);
    }
    json_decref(doc);
    return 0;
}

static int meta_save(int vdirfd, const struct hull_volume *v, hull_error **err)
{
    json_t *labels = json_object();
    json_t *doc;
    char *text;
    int ret;

    for (size_t i = 0; v->labels != NULL && v->labels[i] != NULL; i++) {
        const char *eq = strchr(v->labels[i], '=');
        _cleanup_free_ char *key =
            xstrndup(v->labels[i], eq ? (size_t)(eq - v->labels[i]) : strlen(v->labels[i]));
        json_object_set_new(labels, key, json_string(eq ? eq + 1 : ""));
    }
    doc = json_pack("{s:s, s:s, s:b, s:o}", "Name", v->name, "CreatedAt", v->created, "Anonymous",
                    v->anonymous, "Labels", labels);
    text = json_dumps(doc, JSON_INDENT(2));
    json_decref(doc);
    ret = write_file_atomic(vdirfd, VOLUME_META, text, strlen(text), 0600, err);
    free(text);
    return ret;
}

/* Makes NAME/_data and then NAME/volume.json: a volume exists once its
 * metadata does, so a crash in between leaves only a directory that the
 * next create of the name completes. */
static int make_volume(struct hull_engine *e, int dirfd, struct hull_volume *v, hull_error **err)
{
    _cleanup_close_ int vfd = -1;

    if (mkdirat(dirfd, v->name, 0755) < 0 && errno != EEXIST)
        return hull_err(err, errno, "create volume \"%s\"", v->name);
    vfd = openat(dirfd, v->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (vfd < 0)
        return hull_err(err, errno, "open volume \"%s\"", v->name);
    if (mkdirat(vfd, "_data", 0755) < 0 && errno != EEXIST)
        return hull_err(err, errno, "create volume \"%s\"", v->name);
    v->mountpoint = xasprintf("%s/volumes/%s/_data", e->state_root, v->name);
    v->created = hull_time_now_rfc3339();
    return meta_save(vfd, v, err);
}

int hull_volume_create_locked(struct hull_engine *e, int dirfd, const char *name,
                              char *const *labels, struct hull_volume *out, bool *created,
                              hull_error **err)
{
    char hex[2 * ANON_NAME_BYTES + 1];
    _cleanup_error_ hull_error *missing = NULL;

    if (created != NULL)
        *created = false;
    if (name != NULL) {
        if (hull_volume_name_validate(name, err) < 0)
            return hull_err_wrap(err, "create %s", name);
        if (meta_load(e, dirfd, name, out, &missing) == 0)
            return 0;
        if (missing->kind != HULL_ERR_NOT_EXIST) {
            *err = take_ptr(missing);
            return -1;
        }
    } else if (random_hex(hex, ANON_NAME_BYTES, err) < 0) {
        return -1;
    }
    memset(out, 0, sizeof(*out));
    out->name = xstrdup(name != NULL ? name : hex);
    out->anonymous = name == NULL;
    out->labels = strv_dup(labels);
    if (make_volume(e, dirfd, out, err) < 0) {
        hull_volume_clear(out);
        return -1;
    }
    if (created != NULL)
        *created = true;
    return 0;
}

int hull_volume_create(struct hull_engine *e, const char *name, char *const *labels,
                       struct hull_volume *out, hull_error **err)
{
    _cleanup_close_ int lock = hull_volumes_lock(e, err);

    if (lock < 0)
        return -1;
    return hull_volume_create_locked(e, lock, name, labels, out, NULL, err);
}

int hull_volume_get(struct hull_engine *e, const char *name, struct hull_volume *out,
                    hull_error **err)
{
    _cleanup_free_ char *dir = volumes_dir(e);
    _cleanup_close_ int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    memset(out, 0, sizeof(*out));
    if (hull_volume_name_validate(name, NULL) < 0 || dirfd < 0)
        return hull_err_kind(err, HULL_ERR_NOT_EXIST, 0, "no such volume: %s", name);
    return meta_load(e, dirfd, name, out, err);
}

static int cmp_volume(const void *a, const void *b)
{
    return strcmp(((const struct hull_volume *)a)->name, ((const struct hull_volume *)b)->name);
}

int hull_volume_list(struct hull_engine *e, struct hull_volume **out, size_t *n, hull_error **err)
{
    _cleanup_free_ char *dir = volumes_dir(e);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct hull_volume *list = NULL;
    size_t count = 0;
    DIR *d;
    struct dirent *de;

    *out = NULL;
    *n = 0;
    if (fd < 0)
        return errno == ENOENT ? 0 : hull_err(err, errno, "open \"%s\"", dir);
    d = fdopendir(fd);
    if (d == NULL) {
        close(fd);
        return hull_err(err, errno, "read \"%s\"", dir);
    }
    while ((de = readdir(d)) != NULL) {
        struct hull_volume v;
        if (de->d_name[0] == '.' || hull_volume_name_validate(de->d_name, NULL) < 0 ||
            meta_load(e, dirfd(d), de->d_name, &v, NULL) < 0)
            continue;
        list = xrealloc(list, (count + 1) * sizeof(*list));
        list[count++] = v;
    }
    closedir(d);
    if (count > 0)
        qsort(list, count, sizeof(*list), cmp_volume);
    *out = list;
    *n = count;
    return 0;
}

int hull_volume_users(struct hull_engine *e, const char *name, char ***ids, hull_error **err)
{
    _cleanup_strv_ char **all = NULL;

    *ids = NULL;
    if (hull_run_mounts_all_volumes(e, &all, err) < 0)
        return -1;
    /* The list pairs ids and names: "ID NAME". */
    for (size_t i = 0; all != NULL && all[i] != NULL; i++) {
        const char *sp = strchr(all[i], ' ');
        if (sp != NULL && strcmp(sp + 1, name) == 0) {
            _cleanup_free_ char *id = xstrndup(all[i], (size_t)(sp - all[i]));
            strv_append(ids, id);
        }
    }
    return 0;
}

/* Removes volume NAME unless a container other than IGNORE (may be NULL)
 * uses it. */
static int remove_locked(struct hull_engine *e, int dirfd, const char *name, const char *ignore,
                         hull_error **err)
{
    _cleanup_strv_ char **users = NULL;
    _cleanup_free_ char *trash = NULL, *list = NULL;
    char hex[17];

    if (hull_volume_users(e, name, &users, err) < 0)
        return -1;
    for (size_t i = 0; users != NULL && users[i] != NULL; i++) {
        if (ignore != NULL && strcmp(users[i], ignore) == 0)
            continue;
        char *next = xasprintf("%s%s%s", list ? list : "", list ? ", " : "", users[i]);
        free(list);
        list = next;
    }
    if (list != NULL)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "remove %s: volume is in use - [%s]", name,
                             list);
    /* Renamed away first: the name is free at once, and a crash midway
     * leaves a dot directory that lists and lookups ignore. */
    if (random_hex(hex, 8, err) < 0)
        return -1;
    trash = xasprintf(".removing-%s", hex);
    if (renameat(dirfd, name, dirfd, trash) < 0)
        return hull_err(err, errno, "remove volume %s", name);
    return rm_rf_at(dirfd, trash, err);
}

int hull_volume_remove(struct hull_engine *e, const char *name, hull_error **err)
{
    _cleanup_close_ int lock = -1;
    struct hull_volume v;

    if (hull_volume_get(e, name, &v, err) < 0)
        return -1;
    hull_volume_clear(&v);
    lock = hull_volumes_lock(e, err);
    if (lock < 0)
        return -1;
    /* Looked up again under the lock: it may have gone meanwhile. */
    if (meta_load(e, lock, name, &v, err) < 0)
        return -1;
    hull_volume_clear(&v);
    return remove_locked(e, lock, name, NULL, err);
}

uint64_t hull_dir_size(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    uint64_t total = 0;
    struct stat top;
    DIR *d;
    struct dirent *de;

    if (fd < 0 || fstat(fd, &top) < 0 || (d = fdopendir(fd)) == NULL) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    while ((de = readdir(d)) != NULL) {
        struct stat st;
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
            fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != top.st_dev)
            continue;
        if (S_ISDIR(st.st_mode)) {
            _cleanup_free_ char *sub = xasprintf("%s/%s", path, de->d_name);
            total += hull_dir_size(sub);
        } else if (S_ISREG(st.st_mode)) {
            total += (uint64_t)st.st_size;
        }
    }
    closedir(d);
    return total;
}

int hull_volume_prune(struct hull_engine *e, bool all, char ***removed, uint64_t *reclaimed,
                      hull_error **err)
{
    _cleanup_close_ int lock = hull_volumes_lock(e, err);
    struct hull_volume *list = NULL;
    size_t n = 0;

    *removed = NULL;
    *reclaimed = 0;
    if (lock < 0 || hull_volume_list(e, &list, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        _cleanup_strv_ char **users = NULL;
        _cleanup_error_ hull_error *e2 = NULL;
        uint64_t size;

        if ((!all && !list[i].anonymous) || hull_volume_users(e, list[i].name, &users, &e2) < 0 ||
            users != NULL)
            continue;
        size = hull_dir_size(list[i].mountpoint);
        if (remove_locked(e, lock, list[i].name, NULL, &e2) < 0) {
            hull_warn("%s", e2->msg);
            continue;
        }
        strv_append(removed, list[i].name);
        *reclaimed += size;
    }
    hull_volume_list_free(list, n);
    return 0;
}

int hull_volumes_release(struct hull_engine *e, const struct hull_ctr *c, hull_error **err)
{
    _cleanup_strv_ char **anon = NULL;
    _cleanup_close_ int lock = -1;
    hull_error *first = NULL;

    if (hull_run_mounts_anonymous(e, c->id, &anon, err) < 0)
        return -1;
    if (anon == NULL)
        return 0;
    lock = hull_volumes_lock(e, err);
    if (lock < 0)
        return -1;
    for (size_t i = 0; anon[i] != NULL; i++) {
        hull_error *step = NULL;

        _cleanup_strv_ char **users = NULL;
        bool others = false;

        if (faccessat(lock, anon[i], F_OK, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        /* C itself still lists the volume until its record goes: only
         * other users keep it. */
        if (hull_volume_users(e, anon[i], &users, &step) == 0) {
            for (size_t j = 0; users != NULL && users[j] != NULL; j++)
                others = others || strcmp(users[j], c->id) != 0;
            if (!others)
                remove_locked(e, lock, anon[i], c->id, &step);
        }
        if (step != NULL && first == NULL)
            first = step;
        else
            hull_error_free(step);
    }
    if (first != NULL) {
        *err = first;
        return hull_err_wrap(err, "remove the anonymous volumes of %.12s", c->id);
    }
    return 0;
}
