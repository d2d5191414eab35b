/* The engine's container records: CONTAINERS/ID/hull.json. */
#include "ctr.h"
#include "state.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define RECORD         "hull.json"
#define LOCK_FILE      ".lock"
#define REMOVED_DIR    ".removed"
#define RECORD_VERSION 1
#define RECORD_MAX     (1u << 20)

static const char *const status_names[] = {
    [HULL_CTR_CREATED] = "created",
    [HULL_CTR_RUNNING] = "running",
    [HULL_CTR_EXITED] = "exited",
    [HULL_CTR_RESTARTING] = "restarting",
};

const char *hull_ctr_status_name(enum hull_ctr_status s)
{
    return (size_t)s < ARRAY_SIZE(status_names) ? status_names[s] : "unknown";
}

static int status_parse(const char *s, enum hull_ctr_status *out)
{
    for (size_t i = 0; i < ARRAY_SIZE(status_names); i++) {
        if (s != NULL && strcmp(s, status_names[i]) == 0) {
            *out = (enum hull_ctr_status)i;
            return 0;
        }
    }
    return -1;
}

int hull_ctr_dir_open(const char *state_root, hull_error **err)
{
    _cleanup_free_ char *path = xasprintf("%s/containers", state_root);
    int fd;

    if (mkdir_p(path, 0700, err) < 0)
        return -1;
    fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return hull_err(err, errno, "open \"%s\"", path);
    return fd;
}

int hull_ctr_name_validate(const char *name, hull_error **err)
{
    static const char first[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    static const char rest[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-";
    const char *n = name[0] == '/' ? name + 1 : name;

    /* Docker's rule: at least two characters, so "-"-like names and single
     * letters never collide with flags or id prefixes users type. */
    if (strlen(n) < 2 || strchr(first, n[0]) == NULL || strspn(n + 1, rest) != strlen(n + 1) ||
        strlen(n) > 255)
        return hull_err_kind(
            err, HULL_ERR_BAD_INPUT, 0,
            "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", name);
    return 0;
}

static bool is_id(const char *s)
{
    return strlen(s) == HULL_CTR_ID_LEN && strspn(s, "0123456789abcdef") == HULL_CTR_ID_LEN;
}

/* ---- record <-> JSON ---- */

static json_t *opt_string(const char *s)
{
    return s != NULL ? json_string(s) : json_null();
}

static json_t *strv_json(char *const *v)
{
    json_t *a = json_array();
    for (size_t i = 0; v != NULL && v[i] != NULL; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

static json_t *state_json(const struct hull_ctr *c)
{
    json_t *st = json_object();

    json_object_set_new(st, "status", json_string(hull_ctr_status_name(c->status)));
    json_object_set_new(st, "pid", json_integer(c->pid));
    json_object_set_new(st, "pid_start", json_integer((json_int_t)c->pid_start));
    json_object_set_new(st, "monitor_pid", json_integer(c->monitor_pid));
    json_object_set_new(st, "monitor_start", json_integer((json_int_t)c->monitor_start));
    json_object_set_new(st, "started_at", opt_string(c->started_at));
    json_object_set_new(st, "finished_at", opt_string(c->finished_at));
    json_object_set_new(st, "exit_code", json_integer(c->exit_code));
    json_object_set_new(st, "oom_killed", json_boolean(c->oom_killed));
    json_object_set_new(st, "restart_count", json_integer(c->restart_count));
    json_object_set_new(st, "stop_requested", json_boolean(c->stop_requested));
    json_object_set_new(st, "error", opt_string(c->error));
    return st;
}

static json_t *record_json(const struct hull_ctr *c)
{
    json_t *r = json_object();

    json_object_set_new(r, "version", json_integer(RECORD_VERSION));
    json_object_set_new(r, "id", json_string(c->id));
    json_object_set_new(r, "name", json_string(c->name));
    json_object_set_new(r, "image", json_string(c->image));
    json_object_set_new(r, "image_id", json_string(c->image_id));
    json_object_set_new(r, "created", json_string(c->created));
    json_object_set_new(r, "command", strv_json(c->command));
    json_object_set_new(r, "auto_remove", json_boolean(c->auto_remove));
    json_object_set_new(r, "tty", json_boolean(c->tty));
    json_object_set_new(r, "interactive", json_boolean(c->interactive));
    json_object_set_new(r, "init", json_boolean(c->init));
    json_object_set_new(r, "labels", strv_json(c->labels));
    json_object_set_new(r, "restart",
                        json_pack("{s:s, s:i}", "policy",
                                  hull_restart_policy_name(c->restart.policy), "max_retries",
                                  c->restart.max_retries));
    json_object_set_new(r, "stop_signal", opt_string(c->stop_signal));
    json_object_set_new(r, "stop_timeout", json_integer(c->stop_timeout));
    json_object_set_new(r, "log",
                        json_pack("{s:I, s:i}", "max_size", (json_int_t)c->log.max_size, "max_file",
                                  (int)c->log.max_file));
    if (c->network != NULL)
        json_object_set(r, "network", c->network);
    json_object_set_new(r, "state", state_json(c));
    return r;
}

static char *dup_field(json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s != NULL ? xstrdup(s) : NULL;
}

static char **strv_field(json_t *obj, const char *key)
{
    char **v = NULL;
    size_t i;
    json_t *e;

    json_array_foreach (json_object_get(obj, key), i, e)
        if (json_is_string(e))
            strv_append(&v, json_string_value(e));
    return v;
}

/* Fields added after the first records were written: absent means the
 * defaults a record of that time had. */
static void parse_options(json_t *root, struct hull_ctr *c)
{
    json_t *restart = json_object_get(root, "restart");
    json_t *log = json_object_get(root, "log");
    json_t *timeout = json_object_get(root, "stop_timeout");
    struct hull_restart r = {0};

    c->init = json_is_true(json_object_get(root, "init"));
    c->labels = strv_field(root, "labels");
    if (json_is_object(restart) &&
        hull_restart_parse(json_string_value(json_object_get(restart, "policy")), &r, NULL) == 0) {
        c->restart.policy = r.policy;
        c->restart.max_retries = (int)json_integer_value(json_object_get(restart, "max_retries"));
    }
    c->stop_signal = dup_field(root, "stop_signal");
    c->stop_timeout = json_is_integer(timeout) ? (int)json_integer_value(timeout) : -1;
    c->network = json_incref(json_object_get(root, "network"));
    c->log.max_size = (unsigned long long)json_integer_value(json_object_get(log, "max_size"));
    c->log.max_file = (unsigned int)json_integer_value(json_object_get(log, "max_file"));
    if (c->log.max_file < 1)
        c->log.max_file = 1;
}

static void parse_state(json_t *state, struct hull_ctr *c)
{
    c->pid = (pid_t)json_integer_value(json_object_get(state, "pid"));
    c->pid_start = (unsigned long long)json_integer_value(json_object_get(state, "pid_start"));
    c->monitor_pid = (pid_t)json_integer_value(json_object_get(state, "monitor_pid"));
    c->monitor_start =
        (unsigned long long)json_integer_value(json_object_get(state, "monitor_start"));
    c->started_at = dup_field(state, "started_at");
    c->finished_at = dup_field(state, "finished_at");
    c->exit_code = (int)json_integer_value(json_object_get(state, "exit_code"));
    c->oom_killed = json_is_true(json_object_get(state, "oom_killed"));
    c->restart_count = (int)json_integer_value(json_object_get(state, "restart_count"));
    c->stop_requested = json_is_true(json_object_get(state, "stop_requested"));
    c->error = dup_field(state, "error");
}

static int record_parse(const char *text, const char *id, struct hull_ctr *c, hull_error **err)
{
    json_error_t jerr;
    json_t *root = json_loads(text, 0, &jerr);
    json_t *state;
    int ret = -1;

    memset(c, 0, sizeof(*c));
    if (root == NULL)
        return hull_err(err, 0, "container %s: %s:%d: %s", id, RECORD, jerr.line, jerr.text);
    state = json_object_get(root, "state");
    c->id = dup_field(root, "id");
    c->name = dup_field(root, "name");
    c->image = dup_field(root, "image");
    c->image_id = dup_field(root, "image_id");
    c->created = dup_field(root, "created");
    c->auto_remove = json_is_true(json_object_get(root, "auto_remove"));
    c->tty = json_is_true(json_object_get(root, "tty"));
    c->interactive = json_is_true(json_object_get(root, "interactive"));
    c->command = strv_field(root, "command");
    if (c->id == NULL || strcmp(c->id, id) != 0 || c->name == NULL || c->image == NULL ||
        c->image_id == NULL || c->created == NULL || !json_is_object(state) ||
        status_parse(json_string_value(json_object_get(state, "status")), &c->status) < 0) {
        hull_err(err, 0, "container %s: %s: missing or invalid fields", id, RECORD);
        goto out;
    }
    parse_options(root, c);
    parse_state(state, c);
    ret = 0;
out:
    json_decref(root);
    if (ret < 0)
        hull_ctr_clear(c);
    return ret;
}

int hull_ctr_load(int dirfd, const char *id, struct hull_ctr *c, hull_error **err)
{
    _cleanup_free_ char *path = NULL, *text = NULL;
    _cleanup_error_ hull_error *read_err = NULL;

    memset(c, 0, sizeof(*c));
    if (!is_id(id))
        return hull_err_kind(err, HULL_ERR_NOT_EXIST, 0, "No such container: %s", id);
    path = xasprintf("%s/" RECORD, id);
    if (read_file_at(dirfd, path, RECORD_MAX, &text, NULL, &read_err) < 0) {
        if (read_err->errnum == ENOENT)
            return hull_err_kind(err, HULL_ERR_NOT_EXIST, 0, "No such container: %s", id);
        *err = take_ptr(read_err);
        return hull_err_wrap(err, "container %s", id);
    }
    return record_parse(text, id, c, err);
}

/* A record is written durably (fsync) when it is made, so a container
 * that was reported created survives a crash of the host; later state
 * changes are only atomic: one lost to a crash of the host is what the
 * repair (engine_repair.c) reconstructs anyway, and an fsync on every
 * start and exit would cost more than the rest of them.  A --rm container
 * does not outlive a crash of the host (the repair removes it), so its
 * record is not synced either: the journal commit an fsync waits for is
 * the largest single cost of `hull run --rm`.  Such a record lost to a
 * crash reads as empty, which hull_ctr_orphans() counts as no record. */
static int save(int dirfd, const struct hull_ctr *c, bool durable, hull_error **err)
{
    _cleanup_close_ int fd = openat(dirfd, c->id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    _cleanup_free_ char *text = NULL;
    json_t *j;

    if (fd < 0) {
        if (errno == ENOENT)
            return hull_err_kind(err, HULL_ERR_NOT_EXIST, 0, "No such container: %s", c->id);
        return hull_err(err, errno, "open the directory of container %s", c->id);
    }
    j = record_json(c);
    text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(j);
    if (text == NULL)
        return hull_err(err, ENOMEM, "serialize container %s", c->id);
    if ((durable ? write_file_atomic : write_file_replace)(fd, RECORD, text, strlen(text), 0600,
                                                           err) < 0)
        return hull_err_wrap(err, "save container %s", c->id);
    return 0;
}

int hull_ctr_save(int dirfd, const struct hull_ctr *c, hull_error **err)
{
    return save(dirfd, c, false, err);
}

int hull_ctr_lock(int dirfd, const char *id, hull_error **err)
{
    _cleanup_close_ int fd = -1;

    if (!is_id(id))
        return hull_err_kind(err, HULL_ERR_NOT_EXIST, 0, "No such container: %s", id);
    fd = openat(dirfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return hull_err_kind(err, HULL_ERR_NOT_EXIST, 0, "No such container: %s", id);
        return hull_err(err, errno, "open the directory of container %s", id);
    }
    if (flock(fd, LOCK_EX) < 0)
        return hull_err(err, errno, "lock container %s", id);
    /* A remove that held the lock before us has deleted the directory we
     * opened: the container is gone even though the open succeeded. */
    if (faccessat(fd, RECORD, F_OK, 0) < 0)
        return hull_err_kind(err, HULL_ERR_NOT_EXIST, 0, "No such container: %s", id);
    return take_fd(fd);
}

/* ---- scanning ---- */

/* Calls FN for every readable record under DIRFD; stops when FN returns
 * nonzero and returns that value. */
static int for_each_record(int dirfd, int (*fn)(struct hull_ctr *c, void *data), void *data,
                           hull_error **err)
{
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d;
    struct dirent *de;
    int ret = 0;

    if (fd < 0)
        return hull_err(err, errno, "open the containers directory");
    d = fdopendir(fd);
    if (d == NULL) {
        close(fd);
        return hull_err(err, errno, "read the containers directory");
    }
    while (ret == 0 && (de = readdir(d)) != NULL) {
        struct hull_ctr c;
        _cleanup_error_ hull_error *e = NULL;
        if (!is_id(de->d_name) || hull_ctr_load(dirfd, de->d_name, &c, &e) < 0)
            continue;
        ret = fn(&c, data);
        hull_ctr_clear(&c);
    }
    closedir(d);
    return ret;
}

struct name_search {
    const char *name;
    char *id;
};

static int match_name(struct hull_ctr *c, void *data)
{
    struct name_search *s = data;
    if (strcmp(c->name, s->name) != 0)
        return 0;
    s->id = xstrdup(c->id);
    return 1;
}

/* The id of the container named NAME, or NULL. */
static int find_name(int dirfd, const char *name, char **id, hull_error **err)
{
    struct name_search s = {.name = name[0] == '/' ? name + 1 : name};
    if (for_each_record(dirfd, match_name, &s, err) < 0)
        return -1;
    *id = s.id;
    return 0;
}

struct prefix_search {
    const char *prefix;
    char **ids;
};

static int match_prefix(struct hull_ctr *c, void *data)
{
    struct prefix_search *s = data;
    if (str_has_prefix(c->id, s->prefix))
        strv_append(&s->ids, c->id);
    return 0;
}

static int ambiguous(const char *ref, char **ids, hull_error **err)
{
    _cleanup_free_ char *list = xstrdup("");
    for (size_t i = 0; ids[i] != NULL; i++) {
        char *next = xasprintf("%s%s%.*s", list, i ? ", " : "", HULL_CTR_SHORT_LEN, ids[i]);
        free(list);
        list = next;
    }
    return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                         "multiple containers match the id prefix \"%s\": %s", ref, list);
}

int hull_ctr_lookup(int dirfd, const char *ref, char **id, hull_error **err)
{
    struct prefix_search s = {.prefix = ref};
    _cleanup_strv_ char **ids = NULL;
    struct stat st;

    *id = NULL;
    if (is_id(ref) && fstatat(dirfd, ref, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        *id = xstrdup(ref);
        return 0;
    }
    if (ref[0] != '\0' && find_name(dirfd, ref, id, err) < 0)
        return -1;
    if (*id != NULL)
        return 0;
    if (ref[0] != '\0' && strspn(ref, "0123456789abcdef") == strlen(ref) &&
        for_each_record(dirfd, match_prefix, &s, err) < 0)
        return -1;
    ids = s.ids;
    if (ids == NULL)
        return hull_err_kind(err, HULL_ERR_NOT_EXIST, 0, "No such container: %s", ref);
    if (ids[1] != NULL)
        return ambiguous(ref, ids, err);
    *id = xstrdup(ids[0]);
    return 0;
}

struct collect {
    struct hull_ctr *list;
    size_t n;
};

static int collect_one(struct hull_ctr *c, void *data)
{
    struct collect *col = data;
    col->list = xrealloc(col->list, (col->n + 1) * sizeof(*col->list));
    col->list[col->n++] = *c;
    memset(c, 0, sizeof(*c));
    return 0;
}

/* Newest first; RFC 3339 times of one fixed format compare as strings. */
static int newest_first(const void *a, const void *b)
{
    const struct hull_ctr *x = a, *y = b;
    int c = strcmp(y->created, x->created);
    return c != 0 ? c : strcmp(x->id, y->id);
}

int hull_ctr_list(int dirfd, struct hull_ctr **out, size_t *n, hull_error **err)
{
    struct collect col = {0};

    if (for_each_record(dirfd, collect_one, &col, err) < 0) {
        hull_ctr_list_free(col.list, col.n);
        return -1;
    }
    if (col.n > 1)
        qsort(col.list, col.n, sizeof(*col.list), newest_first);
    *out = col.list;
    *n = col.n;
    return 0;
}

/* ---- creation ---- */

static const char *const adjectives[] = {
    "amber",    "ancient", "bold",      "brave",  "brisk", "calm",    "clever",   "cosmic",
    "crisp",    "curious", "daring",    "dusty",  "eager", "early",   "electric", "fancy",
    "fearless", "fluffy",  "frosty",    "gentle", "giddy", "golden",  "happy",    "hidden",
    "humble",   "icy",     "jolly",     "keen",   "kind",  "lively",  "lucky",    "lunar",
    "merry",    "misty",   "modest",    "nimble", "noble", "patient", "plucky",   "polite",
    "proud",    "quick",   "quiet",     "rapid",  "rusty", "serene",  "shiny",    "silent",
    "snowy",    "solar",   "spry",      "steady", "stoic", "sunny",   "swift",    "tender",
    "tidy",     "vivid",   "wandering", "warm",   "wise",  "witty",   "young",    "zealous",
};

static const char *const nouns[] = {
    "albatross", "antelope", "badger",  "beacon",  "bison",   "canyon",   "comet",  "condor",
    "coral",     "crane",    "delta",   "dolphin", "dune",    "eagle",    "ember",  "falcon",
    "fern",      "fjord",    "gazelle", "glacier", "harbor",  "hedgehog", "heron",  "ibis",
    "island",    "jaguar",   "kestrel", "koala",   "lagoon",  "lantern",  "lemur",  "lynx",
    "magpie",    "meadow",   "meteor",  "narwhal", "nebula",  "ocelot",   "orchid", "osprey",
    "otter",     "panda",    "pelican", "pine",    "quartz",  "raven",    "reef",   "river",
    "salmon",    "sparrow",  "summit",  "tapir",   "thistle", "tundra",   "urchin", "valley",
    "walrus",    "willow",   "wombat",  "yak",     "zebra",
};

static unsigned int random_index(size_t n)
{
    char hex[9];
    _cleanup_error_ hull_error *e = NULL;
    unsigned long v = 0;

    if (random_hex(hex, 4, &e) == 0)
        v = strtoul(hex, NULL, 16);
    else
        v = (unsigned long)now_ns();
    return (unsigned int)(v % n);
}

char *hull_ctr_generate_name(void)
{
    return xasprintf("%s_%s", adjectives[random_index(ARRAY_SIZE(adjectives))],
                     nouns[random_index(ARRAY_SIZE(nouns))]);
}

static int name_taken(const char *name, const char *owner, hull_error **err)
{
    return hull_err_kind(
        err, HULL_ERR_BAD_INPUT, 0,
        "the container name \"/%s\" is already in use by container \"%s\". You have to remove (or rename) that container to be able to reuse that name",
        name, owner);
}

/* Picks C's name under the directory lock: the given one if unused, or a
 * generated one that is unused (a numbered one after many collisions). */
static int pick_name(int dirfd, struct hull_ctr *c, hull_error **err)
{
    _cleanup_free_ char *owner = NULL;

    if (c->name != NULL) {
        if (hull_ctr_name_validate(c->name, err) < 0 || find_name(dirfd, c->name, &owner, err) < 0)
            return -1;
        if (owner != NULL)
            return name_taken(c->name[0] == '/' ? c->name + 1 : c->name, owner, err);
        if (c->name[0] == '/')
            memmove(c->name, c->name + 1, strlen(c->name));
        return 0;
    }
    for (unsigned int attempt = 0;; attempt++) {
        _cleanup_free_ char *name = hull_ctr_generate_name();
        if (attempt >= 16) {
            char *numbered = xasprintf("%s%u", name, random_index(100));
            free(name);
            name = numbered;
        }
        if (find_name(dirfd, name, &owner, err) < 0)
            return -1;
        if (owner == NULL) {
            c->name = take_ptr(name);
            return 0;
        }
        free(owner);
        owner = NULL;
    }
}

/* Makes a new id's directory.  An id whose short form is all digits is
 * drawn again, as Docker does: "hull rm 123456789012" must not look like
 * a number to scripts. */
static int make_id_dir(int dirfd, char **id, hull_error **err)
{
    char hex[HULL_CTR_ID_LEN + 1];

    for (;;) {
        if (random_hex(hex, HULL_CTR_ID_LEN / 2, err) < 0)
            return -1;
        if (strspn(hex, "0123456789") >= HULL_CTR_SHORT_LEN)
            continue;
        if (mkdirat(dirfd, hex, 0700) == 0)
            break;
        if (errno != EEXIST)
            return hull_err(err, errno, "create the directory of container %s", hex);
    }
    *id = xstrdup(hex);
    return 0;
}

int hull_ctr_create(int dirfd, struct hull_ctr *c, int *ctr_lock, hull_error **err)
{
    _cleanup_close_ int lock = hull_ctr_dir_lock(dirfd, err);
    _cleanup_close_ int own = -1;
    bool named = c->name != NULL;

    if (lock < 0)
        return -1;
    if (pick_name(dirfd, c, err) < 0)
        return -1;
    if (make_id_dir(dirfd, &c->id, err) < 0)
        goto fail;
    /* Locked before the record exists: the record is visible from here
     * on, and whoever finds it unlocked while it is still incomplete
     * knows that its creator is gone. */
    own = openat(dirfd, c->id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (own < 0 || flock(own, LOCK_EX) < 0) {
        hull_err(err, errno, "lock container %s", c->id);
        goto fail;
    }
    free(c->created);
    c->created = hull_time_now_rfc3339();
    c->status = HULL_CTR_CREATED;
    if (save(dirfd, c, !c->auto_remove, err) < 0)
        goto fail;
    if (ctr_lock != NULL)
        *ctr_lock = take_fd(own);
    return 0;
fail:
    if (c->id != NULL) {
        _cleanup_error_ hull_error *e = NULL;
        rm_rf_at(dirfd, c->id, &e);
        free(c->id);
        c->id = NULL;
    }
    if (!named) {
        free(c->name);
        c->name = NULL;
    }
    return -1;
}

int hull_ctr_orphans(int dirfd, char ***ids, hull_error **err)
{
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d;
    struct dirent *de;

    *ids = NULL;
    if (fd < 0)
        return hull_err(err, errno, "open the containers directory");
    d = fdopendir(fd);
    if (d == NULL) {
        close(fd);
        return hull_err(err, errno, "read the containers directory");
    }
    while ((de = readdir(d)) != NULL) {
        _cleanup_free_ char *record = xasprintf("%s/" RECORD, de->d_name);
        struct stat st;
        if (!is_id(de->d_name))
            continue;
        /* Records are replaced whole, never seen empty, unless written
         * without fsync before a crash of the host (see save()). */
        if (fstatat(dirfd, record, &st, AT_SYMLINK_NOFOLLOW) < 0 ? errno == ENOENT
                                                                 : st.st_size == 0)
            strv_append(ids, de->d_name);
    }
    closedir(d);
    return 0;
}

int hull_ctr_dir_lock(int dirfd, hull_error **err)
{
    _cleanup_close_ int lock = openat(dirfd, LOCK_FILE, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

    if (lock < 0)
        return hull_err(err, errno, "open the containers lock");
    if (flock(lock, LOCK_EX) < 0)
        return hull_err(err, errno, "lock the containers directory");
    return take_fd(lock);
}

int hull_ctr_remove(int dirfd, const char *id, hull_error **err)
{
    if (!is_id(id))
        return hull_err_kind(err, HULL_ERR_NOT_EXIST, 0, "No such container: %s", id);
    /* The record goes first: a crash halfway leaves a directory no lookup
     * returns rather than a record whose files are half gone. */
    _cleanup_free_ char *record = xasprintf("%s/" RECORD, id);
    if (unlinkat(dirfd, record, 0) < 0 && errno != ENOENT)
        return hull_err(err, errno, "remove the record of container %s", id);
    /* A monitor whose container was just killed writes its exit file
     * into the directory once, through a descriptor of its own: a
     * removal that raced it finds one more entry and goes again. */
    for (int tries = 0;; tries++) {
        _cleanup_error_ hull_error *step = NULL;
        if (rm_rf_at(dirfd, id, &step) == 0)
            return 0;
        if (step->errnum != ENOTEMPTY || tries == 4) {
            if (err != NULL)
                *err = take_ptr(step);
            return hull_err_wrap(err, "remove container %s", id);
        }
    }
}

int hull_ctr_unlist(int dirfd, const char *id, hull_error **err)
{
    _cleanup_free_ char *record = NULL, *aside = NULL;

    if (!is_id(id))
        return hull_err_kind(err, HULL_ERR_NOT_EXIST, 0, "No such container: %s", id);
    record = xasprintf("%s/" RECORD, id);
    if (unlinkat(dirfd, record, 0) < 0 && errno != ENOENT)
        return hull_err(err, errno, "remove the record of container %s", id);
    if (mkdirat(dirfd, REMOVED_DIR, 0700) < 0 && errno != EEXIST)
        return hull_err(err, errno, "create the directory of removed containers");
    aside = xasprintf(REMOVED_DIR "/%s", id);
    if (renameat(dirfd, id, dirfd, aside) == 0)
        return 0;
    /* Left where it is, without its record, it is an orphan that any
     * reconcile removes; removed right away here all the same. */
    if (rm_rf_at(dirfd, id, err) < 0)
        return hull_err_wrap(err, "remove container %s", id);
    return 0;
}

int hull_ctr_purge(int dirfd, hull_error **err)
{
    int fd = openat(dirfd, REMOVED_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    _cleanup_close_ int aside = -1;
    struct dirent *de;
    DIR *d;
    int ret = 0;

    if (fd < 0)
        return errno == ENOENT ? 0 : hull_err(err, errno, "open the removed containers");
    aside = dup(fd);
    d = fdopendir(fd);
    if (d == NULL || aside < 0) {
        if (d == NULL)
            close(fd);
        else
            closedir(d);
        return hull_err(err, errno, "read the removed containers");
    }
    while ((de = readdir(d)) != NULL) {
        _cleanup_close_ int lock = -1;
        if (!is_id(de->d_name))
            continue;
        /* Another purge holds it: that one deletes it. */
        lock = openat(aside, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (lock < 0 || flock(lock, LOCK_EX | LOCK_NB) < 0)
            continue;
        if (rm_rf_at(aside, de->d_name, ret == 0 ? err : NULL) < 0)
            ret = -1;
    }
    closedir(d);
    return ret;
}

int hull_ctr_rename(int dirfd, const char *id, const char *name, hull_error **err)
{
    _cleanup_close_ int dir_lock = hull_ctr_dir_lock(dirfd, err);
    _cleanup_close_ int lock = -1;
    _cleanup_free_ char *owner = NULL;
    const char *n = name[0] == '/' ? name + 1 : name;
    struct hull_ctr c;
    int ret;

    if (dir_lock < 0)
        return -1;
    if (hull_ctr_name_validate(name, err) < 0 || find_name(dirfd, n, &owner, err) < 0)
        return -1;
    if (owner != NULL && strcmp(owner, id) != 0)
        return name_taken(n, owner, err);
    if (owner != NULL)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "Renaming a container with the same name as its current name");
    lock = hull_ctr_lock(dirfd, id, err);
    if (lock < 0 || hull_ctr_load(dirfd, id, &c, err) < 0)
        return -1;
    free(c.name);
    c.name = xstrdup(n);
    ret = hull_ctr_save(dirfd, &c, err);
    hull_ctr_clear(&c);
    return ret;
}

bool hull_ctr_is_running(const struct hull_ctr *c)
{
    return c->status == HULL_CTR_RUNNING && c->pid > 0 && hull_proc_is_same(c->pid, c->pid_start);
}

bool hull_ctr_monitor_alive(const struct hull_ctr *c)
{
    return c->monitor_pid > 0 && hull_proc_is_same(c->monitor_pid, c->monitor_start);
}

void hull_ctr_clear(struct hull_ctr *c)
{
    free(c->id);
    free(c->name);
    free(c->image);
    free(c->image_id);
    free(c->created);
    strv_free(c->command);
    strv_free(c->labels);
    free(c->stop_signal);
    free(c->started_at);
    free(c->finished_at);
    free(c->error);
    json_decref(c->network);
    memset(c, 0, sizeof(*c));
}

void hull_ctr_list_free(struct hull_ctr *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        hull_ctr_clear(&list[i]);
    free(list);
}
