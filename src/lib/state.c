#include "state.h"
#include "cgroup_ops.h"
#include "config.h"
#include "util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <jansson.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define STATE_FILE "state.json"

static const char *const status_names[] = {"creating", "created", "running", "stopped", "paused"};

const char *hull_status_name(enum hull_status s)
{
    return status_names[s];
}

int hull_id_validate(const char *id, hull_error **err)
{
    size_t len = strlen(id);

    if (len == 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "invalid container id: it is empty");
    /* The id names the state directory: it must fit a file name. */
    if (len > 255)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "invalid container id \"%.32s...\": longer than 255 bytes", id);
    if (strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "invalid container id \"%s\"", id);
    for (const char *p = id; *p != '\0'; p++) {
        if (isalnum((unsigned char)*p) || *p == '_' || *p == '+' || *p == '-' || *p == '.')
            continue;
        return hull_err_kind(
            err, HULL_ERR_BAD_INPUT, 0,
            "invalid container id \"%s\": only letters, digits and _+-. are allowed", id);
    }
    return 0;
}

int hull_root_open(const char *root, bool create, hull_error **err)
{
    int fd;

    if (create && mkdir_p(root, 0700, err) < 0)
        return hull_err_wrap(err, "create runtime root");
    fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return hull_err(err, errno, "open runtime root \"%s\"", root);
    return fd;
}

static json_t *annotations_json(const struct hull_state *st)
{
    json_t *obj = json_object();
    for (size_t i = 0; i < st->n_annotations; i++)
        json_object_set_new(obj, st->annotations[i].key, json_string(st->annotations[i].value));
    return obj;
}

int hull_state_save(int root_fd, const struct hull_state *st, hull_error **err)
{
    _cleanup_close_ int dfd = openat(root_fd, st->id, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    json_t *obj;
    char *text;
    int ret;

    if (dfd < 0)
        return hull_err(err, errno, "open state directory of \"%s\"", st->id);
    obj = json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:s,s:s,s:s,s:I,s:s,s:b,s:b,s:o}", "ociVersion",
                    HULL_OCI_VERSION, "id", st->id, "pid", (json_int_t)st->pid, "pidStart",
                    (json_int_t)st->pid_start, "creator", (json_int_t)st->creator, "creatorStart",
                    (json_int_t)st->creator_start, "bundle", st->bundle, "rootfs", st->rootfs,
                    "created", st->created, "owner", (json_int_t)st->owner, "cgroupPath",
                    st->cgroup_path ? st->cgroup_path : "", "pidNamespace", st->has_pid_ns,
                    "userNamespace", st->has_user_ns, "annotations", annotations_json(st));
    if (obj == NULL)
        return hull_err(err, EINVAL, "encode state of \"%s\"", st->id);
    if (st->no_late_hooks)
        json_object_set_new(obj, "lateHooks", json_false());
    text = json_dumps(obj, JSON_COMPACT);
    json_decref(obj);
    ret = write_file_replace(dfd, STATE_FILE, text, strlen(text), 0600, err);
    free(text);
    return ret;
}

static char *get_str(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return xstrdup(json_is_string(v) ? json_string_value(v) : "");
}

static void parse_annotations(json_t *obj, struct hull_state *st)
{
    json_t *ann = json_object_get(obj, "annotations");
    const char *key;
    json_t *value;

    if (!json_is_object(ann))
        return;
    st->annotations = xmalloc0(json_object_size(ann) * sizeof(*st->annotations) + 1);
    json_object_foreach (ann, key, value) {
        if (!json_is_string(value))
            continue;
        st->annotations[st->n_annotations].key = xstrdup(key);
        st->annotations[st->n_annotations].value = xstrdup(json_string_value(value));
        st->n_annotations++;
    }
}

int hull_state_load(int root_fd, const char *id, struct hull_state *st, hull_error **err)
{
    _cleanup_free_ char *text = NULL;
    _cleanup_free_ char *path = NULL;
    json_error_t jerr;
    struct stat sb;
    json_t *obj;

    memset(st, 0, sizeof(*st));
    if (hull_id_validate(id, err) < 0)
        return -1;
    if (fstatat(root_fd, id, &sb, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(sb.st_mode))
        return hull_err_kind(err, HULL_ERR_NOT_EXIST, 0, "container \"%s\" does not exist", id);
    path = xasprintf("%s/%s", id, STATE_FILE);
    if (read_file_at(root_fd, path, 1 << 20, &text, NULL, NULL) < 0) {
        if (errno != ENOENT)
            return hull_err(err, errno, "read state of container \"%s\"", id);
        /* A create that has not finished, or one that crashed. */
        st->id = xstrdup(id);
        st->bundle = xstrdup("");
        st->rootfs = xstrdup("");
        st->created = xstrdup("");
        st->cgroup_path = xstrdup("");
        st->owner = sb.st_uid;
        st->status = HULL_STATUS_CREATING;
        return 0;
    }
    obj = json_loads(text, 0, &jerr);
    if (!json_is_object(obj)) {
        json_decref(obj);
        return hull_err(err, 0, "state of container \"%s\" is corrupt: %s", id, jerr.text);
    }
    st->id = xstrdup(id);
    st->pid = (pid_t)json_integer_value(json_object_get(obj, "pid"));
    st->pid_start = (unsigned long long)json_integer_value(json_object_get(obj, "pidStart"));
    st->creator = (pid_t)json_integer_value(json_object_get(obj, "creator"));
    st->creator_start =
        (unsigned long long)json_integer_value(json_object_get(obj, "creatorStart"));
    st->bundle = get_str(obj, "bundle");
    st->rootfs = get_str(obj, "rootfs");
    st->created = get_str(obj, "created");
    st->owner = (uid_t)json_integer_value(json_object_get(obj, "owner"));
    st->cgroup_path = get_str(obj, "cgroupPath");
    st->has_pid_ns = json_is_true(json_object_get(obj, "pidNamespace"));
    st->has_user_ns = json_is_true(json_object_get(obj, "userNamespace"));
    st->no_late_hooks = json_is_false(json_object_get(obj, "lateHooks"));
    parse_annotations(obj, st);
    json_decref(obj);
    hull_state_refresh(root_fd, st);
    return 0;
}

/* Reads field 3 (state) and 22 (start time) of /proc/PID/stat.  The command
 * name (field 2) may hold spaces and parentheses, so parsing starts after
 * its last ')'. */
static int read_proc_stat(pid_t pid, char *state, unsigned long long *start)
{
    char path[64], buf[1024];
    _cleanup_close_ int fd = -1;
    ssize_t n;

    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    n = read(fd, buf, sizeof(buf) - 1);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    if (p == NULL || p[1] == '\0')
        return -1;
    p += 2;
    *state = *p;
    /* field 3 is at p; advance to field 22 */
    for (int field = 3; field < 22; field++) {
        p = strchr(p, ' ');
        if (p == NULL)
            return -1;
        p++;
    }
    *start = strtoull(p, NULL, 10);
    return 0;
}

unsigned long long hull_proc_start_time(pid_t pid)
{
    char state;
    unsigned long long start;
    if (pid <= 0 || read_proc_stat(pid, &state, &start) < 0)
        return 0;
    return start;
}

bool hull_proc_is_same(pid_t pid, unsigned long long start_time)
{
    char state;
    unsigned long long start;
    if (pid <= 0 || read_proc_stat(pid, &state, &start) < 0)
        return false;
    /* A zombie has exited: its container is stopped. */
    return state != 'Z' && state != 'X' && start == start_time;
}

bool hull_state_creator_alive(const struct hull_state *st)
{
    return st->status == HULL_STATUS_CREATING && st->creator > 0 &&
           hull_proc_is_same(st->creator, st->creator_start);
}

enum hull_status hull_state_refresh(int root_fd, struct hull_state *st)
{
    char fifo[PATH_MAX];
    struct stat sb;

    if (st->status == HULL_STATUS_CREATING && st->pid == 0)
        return st->status;
    if (!hull_proc_is_same(st->pid, st->pid_start)) {
        st->status = HULL_STATUS_STOPPED;
        return st->status;
    }
    /* As with runc, a frozen cgroup reads as paused whether or not the
     * container had been started. */
    if (st->cgroup_path != NULL && st->cgroup_path[0] != '\0') {
        _cleanup_error_ hull_error *e = NULL;
        bool frozen = false;
        if (hull_cgroup_is_frozen(st->cgroup_path, &frozen, &e) == 0 && frozen) {
            st->status = HULL_STATUS_PAUSED;
            return st->status;
        }
    }
    snprintf(fifo, sizeof(fifo), "%s/exec.fifo", st->id);
    if (fstatat(root_fd, fifo, &sb, AT_SYMLINK_NOFOLLOW) == 0)
        st->status = HULL_STATUS_CREATED;
    else
        st->status = HULL_STATUS_RUNNING;
    return st->status;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int hull_state_list_ids(int root_fd, char ***ids, hull_error **err)
{
    int dfd = dup(root_fd);
    DIR *d;
    struct dirent *de;
    char **out = xmalloc0(sizeof(char *));

    if (dfd < 0 || (d = fdopendir(dfd)) == NULL) {
        if (dfd >= 0)
            close(dfd);
        free(out);
        return hull_err(err, errno, "read runtime root");
    }
    rewinddir(d);
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.' || hull_id_validate(de->d_name, NULL) < 0)
            continue;
        if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
            continue;
        strv_append(&out, de->d_name);
    }
    closedir(d);
    qsort(out, strv_len(out), sizeof(char *), cmp_str);
    *ids = out;
    return 0;
}

static const char *owner_name(uid_t uid, char *buf, size_t len)
{
    struct passwd pw, *res = NULL;
    char pwbuf[1024];
    if (getpwuid_r(uid, &pw, pwbuf, sizeof(pwbuf), &res) == 0 && res != NULL)
        snprintf(buf, len, "%s", res->pw_name);
    else
        snprintf(buf, len, "#%u", (unsigned int)uid);
    return buf;
}

char *hull_state_to_runc_json(const struct hull_state *st)
{
    char owner[256];
    json_t *obj;
    char *text, *out;
    bool stopped = st->status == HULL_STATUS_STOPPED;

    obj = json_pack("{s:s,s:s,s:I,s:s,s:s,s:s,s:s,s:s}", "ociVersion", HULL_OCI_VERSION, "id",
                    st->id, "pid", (json_int_t)(stopped ? 0 : st->pid), "status",
                    hull_status_name(st->status), "bundle", st->bundle, "rootfs", st->rootfs,
                    "created", st->created, "owner", owner_name(st->owner, owner, sizeof(owner)));
    if (st->n_annotations > 0)
        json_object_set_new(obj, "annotations", annotations_json(st));
    text = json_dumps(obj, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(obj);
    out = xasprintf("%s\n", text);
    free(text);
    return out;
}

char *hull_state_to_oci_json(const struct hull_state *st)
{
    json_t *obj;
    char *text;

    obj = json_pack("{s:s,s:s,s:s,s:s,s:o}", "ociVersion", HULL_OCI_VERSION, "id", st->id, "status",
                    hull_status_name(st->status), "bundle", st->bundle, "annotations",
                    annotations_json(st));
    if (st->status != HULL_STATUS_STOPPED && st->pid > 0)
        json_object_set_new(obj, "pid", json_integer(st->pid));
    text = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(obj);
    return text;
}

void hull_state_clear(struct hull_state *st)
{
    free(st->id);
    free(st->bundle);
    free(st->rootfs);
    free(st->created);
    free(st->cgroup_path);
    for (size_t i = 0; i < st->n_annotations; i++) {
        free(st->annotations[i].key);
        free(st->annotations[i].value);
    }
    free(st->annotations);
    memset(st, 0, sizeof(*st));
}
