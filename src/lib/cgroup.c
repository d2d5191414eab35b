/* The container's cgroup over its lifetime: naming it, creating it under
 * every hierarchy with its limits, moving processes in, signalling and
 * removing it.  The per-version writes live in cgroup_v1.c and cgroup_v2.c,
 * host discovery in cgroup_layout.c. */
#include "cgroup.h"
#include "cgroup_internal.h"
#include "log.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/sched.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

enum hull_cgroup_mode hull_cgroup_mode(void)
{
    static enum hull_cgroup_mode mode;

    if (mode == 0) {
        struct statfs fs;
        if (statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
            mode = HULL_CGROUP_V2;
        else
            mode = HULL_CGROUP_V1;
    }
    return mode;
}

/* Hands the error E on to the caller's ERR. */
static void pass_error(hull_error **err, hull_error **e)
{
    if (err != NULL) {
        hull_error_free(*err);
        *err = take_ptr(*e);
    }
}

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* "slice:prefix:name", what containerd and Podman pass with the systemd
 * driver.  A path containing "/" is a cgroupfs path even with colons. */
static bool is_systemd_form(const char *p)
{
    size_t colons = 0;

    if (strchr(p, '/') != NULL)
        return false;
    for (; *p != '\0'; p++)
        colons += *p == ':';
    return colons == 2;
}

/* Collapses "//" and "/./", drops a trailing "/".  ".." is refused: in a
 * relative path it would climb above the runtime's cgroup, in an absolute
 * one it only obscures where the cgroup lands (runc folds it away
 * lexically; an error names the mistake). */
static int clean_path(const char *value, const char *what, char **out, hull_error **err)
{
    char *clean = xmalloc(strlen(value) + 2);
    size_t o = 0;

    for (const char *p = value; *p != '\0';) {
        const char *end = strchrnul(p, '/');
        size_t len = (size_t)(end - p);
        if (len == 2 && p[0] == '.' && p[1] == '.') {
            free(clean);
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 "%s \"%s\": \"..\" components are not allowed", what, value);
        }
        if (len > 0 && !(len == 1 && p[0] == '.')) {
            if (o > 0 || value[0] == '/')
                clean[o++] = '/';
            memcpy(clean + o, p, len);
            o += len;
        }
        p = *end == '/' ? end + 1 : end;
    }
    if (o == 0 && value[0] == '/')
        clean[o++] = '/';
    clean[o] = '\0';
    *out = clean;
    return 0;
}

static int resolve_relative(const char *value, const char *rel, char **out, hull_error **err)
{
    _cleanup_cg_layout_ struct cg_layout l = {0};
    _cleanup_free_ char *self = NULL;

    if (rel[0] == '\0')
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "linux.cgroupsPath \"%s\" does not name a cgroup", value);
    if (cg_layout_load(&l, err) < 0 ||
        read_file_at(AT_FDCWD, "/proc/self/cgroup", 0, &self, NULL, err) < 0)
        return hull_err_wrap(err, "linux.cgroupsPath \"%s\"", value);
    return cg_resolve_relative(&l, self, rel, out, err);
}

int hull_cgroup_path_resolve(const char *cgroups_path, const char *default_parent, const char *id,
                             char **out, hull_error **err)
{
    _cleanup_free_ char *clean = NULL, *joined = NULL;

    if (cgroups_path == NULL || cgroups_path[0] == '\0') {
        if (id == NULL || id[0] == '\0' || strchr(id, '/') != NULL || strcmp(id, "..") == 0 ||
            strcmp(id, ".") == 0)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 "container id \"%s\" cannot name a cgroup", id ? id : "");
        if (clean_path(default_parent ? default_parent : "", "cgroup parent", &clean, err) < 0)
            return -1;
        joined = xasprintf("/%s/%s", clean[0] == '/' ? clean + 1 : clean, id);
        free(clean);
        clean = NULL;
        if (clean_path(joined, "cgroup path", &clean, err) < 0)
            return -1;
    } else if (is_systemd_form(cgroups_path)) {
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "linux.cgroupsPath \"%s\": the systemd cgroup driver is not "
                             "supported (use a cgroupfs path such as \"/hull/ID\")",
                             cgroups_path);
    } else if (clean_path(cgroups_path, "linux.cgroupsPath", &clean, err) < 0) {
        return -1;
    } else if (clean[0] != '/') {
        char *abs = NULL;
        if (resolve_relative(cgroups_path, clean, &abs, err) < 0)
            return -1;
        free(clean);
        clean = abs;
    }
    if (strcmp(clean, "/") == 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "linux.cgroupsPath \"%s\": the root cgroup cannot be a container's "
                             "cgroup",
                             cgroups_path ? cgroups_path : "");
    *out = take_ptr(clean);
    return 0;
}

int hull_cgroup_check_resources(const struct hull_resources *res, hull_error **err)
{
    _cleanup_cg_layout_ struct cg_layout l = {0};

    if (res == NULL)
        return 0;
    if (cg_layout_load(&l, err) < 0)
        return -1;
    return cg_check_resources(&l, res, err);
}

/* Moves PID into DIR.  EINVAL can mean the task is still being created
 * (TASK_NEW), which passes within moments. */
static int write_procs(const char *dir, pid_t pid, hull_error **err)
{
    _cleanup_close_ int dfd = cg_open_dir(dir, err);

    if (dfd < 0)
        return -1;
    for (int attempt = 0;; attempt++) {
        _cleanup_error_ hull_error *e = NULL;
        if (cg_writef(dfd, dir, "cgroup.procs", &e, "%d", (int)pid) == 0)
            return 0;
        if (e->errnum != EINVAL || attempt == 4) {
            pass_error(err, &e);
            return -1;
        }
        sleep_ms(20);
    }
}

/* Removes DIR, retrying while it is busy: the last tasks of a killed
 * container leave their cgroup only once they are fully reaped. */
static int rmdir_retry(const char *dir, hull_error **err)
{
    for (long wait = 5;; wait *= 2) {
        if (rmdir(dir) == 0 || errno == ENOENT)
            return 0;
        if (errno != EBUSY || wait > 640)
            return hull_err(err, errno, "remove cgroup \"%s\"", dir);
        sleep_ms(wait);
    }
}

struct create_ctx {
    const struct cg_layout *l;
    const char *path;
    pid_t pid;
    char **made;        /* directories created, in order */
    size_t entered;     /* hierarchies PID was moved into */
    char *orig_cgroups; /* /proc/PID/cgroup before the move */
    uint32_t v2_needed;
};

/* mkdir -p of the cgroup under H, one level at a time, so that on v2 each
 * parent gets its controllers enabled before the child exists and on v1
 * each new cpuset gets cpus and mems before anything can join it. */
static int make_tree(struct create_ctx *c, const struct cg_hierarchy *h, hull_error **err)
{
    _cleanup_free_ char *cur = xstrdup(h->mountpoint);
    _cleanup_close_ int parent = cg_open_dir(cur, err);
    bool v2 = h->unified && c->l->mode == HULL_CGROUP_V2;
    bool cpuset = !h->unified && (h->ctrls & CG_BIT(CG_CPUSET));

    if (parent < 0)
        return -1;
    for (const char *p = c->path + 1; *p != '\0';) {
        const char *end = strchrnul(p, '/');
        _cleanup_free_ char *name = xstrndup(p, (size_t)(end - p));
        _cleanup_free_ char *child = xasprintf("%s/%s", cur, name);
        p = *end == '/' ? end + 1 : end;

        if (v2 && cg_v2_enable_controllers(parent, cur, c->v2_needed, err) < 0)
            return -1;
        if (mkdirat(parent, name, 0755) == 0)
            strv_append(&c->made, child);
        else if (errno != EEXIST)
            return hull_err(err, errno, "create cgroup \"%s\"", child);
        int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            return hull_err(err, errno, "open cgroup \"%s\"", child);
        if (cpuset && cg_v1_cpuset_inherit(parent, fd, child, err) < 0) {
            close(fd);
            return -1;
        }
        closep(&parent);
        parent = fd;
        free(cur);
        cur = take_ptr(child);
    }
    return 0;
}

static int apply(const struct cg_layout *l, const char *path, const struct hull_resources *res,
                 bool update, hull_error **err)
{
    if (res == NULL)
        return 0;
    cg_warn_ignored(res);
    if (l->mode == HULL_CGROUP_V1)
        return cg_v1_apply(l, path, res, update, err);

    _cleanup_free_ char *dir = cg_hier_dir(&l->hier[0], path);
    _cleanup_close_ int dfd = cg_open_dir(dir, err);
    if (dfd < 0)
        return -1;
    return cg_v2_apply(dfd, dir, res, update, err);
}

/* Undoes a failed create: PID goes back where it was (a cgroup holding a
 * task cannot be removed), then the new directories go, deepest first. */
static void rollback(struct create_ctx *c)
{
    for (size_t i = 0; i < c->entered; i++) {
        _cleanup_error_ hull_error *e = NULL;
        const struct cg_hierarchy *h = &c->l->hier[i];
        _cleanup_free_ char *orig = cg_proc_cgroup_of(h, c->orig_cgroups);
        _cleanup_free_ char *dir = orig ? cg_hier_dir(h, orig) : NULL;
        if (dir == NULL || write_procs(dir, c->pid, &e) < 0)
            hull_warn("cgroup rollback: move %d back to \"%s\": %s", (int)c->pid, dir ? dir : "?",
                      e ? e->msg : "its original cgroup is unknown");
    }
    for (size_t i = strv_len(c->made); i > 0; i--) {
        _cleanup_error_ hull_error *e = NULL;
        if (rmdir_retry(c->made[i - 1], &e) < 0)
            hull_warn("cgroup rollback: %s", e->msg);
    }
}

static int create_steps(struct create_ctx *c, const struct hull_resources *res, hull_error **err)
{
    if (res != NULL && cg_check_resources(c->l, res, err) < 0)
        return -1;
    for (size_t i = 0; i < c->l->n_hier; i++)
        if (make_tree(c, &c->l->hier[i], err) < 0)
            return -1;
    if (apply(c->l, c->path, res, false, err) < 0)
        return -1;
    for (size_t i = 0; c->pid > 0 && i < c->l->n_hier; i++) {
        _cleanup_free_ char *dir = cg_hier_dir(&c->l->hier[i], c->path);
        if (write_procs(dir, c->pid, err) < 0)
            return hull_err_wrap(err, "move process %d into its cgroup", (int)c->pid);
        c->entered++;
    }
    return 0;
}

int hull_cgroup_create(const char *path, const struct hull_resources *res, pid_t pid,
                       hull_error **err)
{
    _cleanup_cg_layout_ struct cg_layout l = {0};
    _cleanup_free_ char *proc = NULL;
    struct create_ctx c = {.l = &l, .path = path, .pid = pid};
    int ret;

    if (cg_path_check(path, err) < 0)
        return -1;
    if (pid <= 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "create cgroup \"%s\": invalid pid %d",
                             path, (int)pid);
    if (cg_layout_load(&l, err) < 0)
        return hull_err_wrap(err, "create cgroup \"%s\"", path);
    proc = xasprintf("/proc/%d/cgroup", (int)pid);
    if (read_file_at(AT_FDCWD, proc, 0, &c.orig_cgroups, NULL, err) < 0)
        return hull_err_wrap(err, "create cgroup \"%s\"", path);
    c.v2_needed = res ? cg_v2_needed(res) : 0;
    ret = create_steps(&c, res, err);
    if (ret < 0) {
        rollback(&c);
        hull_err_wrap(err, "create cgroup \"%s\"", path);
    }
    strv_free(c.made);
    free(c.orig_cgroups);
    return ret;
}

void hull_cgroup_join_release(struct hull_cgroup_join *j)
{
    for (size_t i = 0; i < j->n_tasks; i++)
        closep(&j->tasks[i]);
    free(j->tasks);
    j->tasks = NULL;
    j->n_tasks = 0;
    closep(&j->v2_dir);
    closep(&j->v2_procs);
}

/* The descriptors of hull_cgroup_join for PATH, which exists under every
 * hierarchy of L. */
static int join_open(const struct cg_layout *l, const char *path, struct hull_cgroup_join *j,
                     hull_error **err)
{
    j->tasks = xmalloc(l->n_hier * sizeof(int));
    for (size_t i = 0; i < l->n_hier; i++) {
        const struct cg_hierarchy *h = &l->hier[i];
        _cleanup_free_ char *dir = cg_hier_dir(h, path);
        _cleanup_close_ int dfd = cg_open_dir(dir, err);
        if (dfd < 0)
            return -1;
        const char *file = h->unified ? "cgroup.procs" : "tasks";
        int fd = openat(dfd, file, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
            return hull_err(err, errno, "open \"%s/%s\"", dir, file);
        if (!h->unified) {
            j->tasks[j->n_tasks++] = fd;
            continue;
        }
        j->v2_procs = fd;
        j->v2_dir = take_fd(dfd);
    }
    return 0;
}

int hull_cgroup_create_empty(const char *path, const struct hull_resources *res,
                             struct hull_cgroup_join *j, hull_error **err)
{
    _cleanup_cg_layout_ struct cg_layout l = {0};
    struct create_ctx c = {.l = &l, .path = path};
    int ret;

    *j = (struct hull_cgroup_join)HULL_CGROUP_JOIN_INIT;
    if (cg_path_check(path, err) < 0)
        return -1;
    if (cg_layout_load(&l, err) < 0)
        return hull_err_wrap(err, "create cgroup \"%s\"", path);
    c.v2_needed = res ? cg_v2_needed(res) : 0;
    ret = create_steps(&c, res, err);
    if (ret == 0)
        ret = join_open(&l, path, j, err);
    if (ret < 0) {
        hull_cgroup_join_release(j);
        rollback(&c);
        hull_err_wrap(err, "create cgroup \"%s\"", path);
    }
    strv_free(c.made);
    return ret;
}

int hull_cgroup_join_open(const char *path, struct hull_cgroup_join *j, hull_error **err)
{
    _cleanup_cg_layout_ struct cg_layout l = {0};

    *j = (struct hull_cgroup_join)HULL_CGROUP_JOIN_INIT;
    if (cg_path_check(path, err) < 0 || cg_layout_load(&l, err) < 0 ||
        join_open(&l, path, j, err) < 0) {
        hull_cgroup_join_release(j);
        return hull_err_wrap(err, "join cgroup \"%s\"", path ? path : "");
    }
    return 0;
}

pid_t hull_cgroup_fork(struct hull_cgroup_join *j, hull_error **err)
{
    pid_t pid;

    if (j->v2_dir >= 0) {
        struct clone_args args = {
            .flags = CLONE_INTO_CGROUP,
            .exit_signal = SIGCHLD,
            .cgroup = (uint64_t)j->v2_dir,
        };
        /* Set before the child exists: its copy of J must say so. */
        j->in_v2 = true;
        pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
        if (pid >= 0)
            return pid;
        /* Kernels before 5.7, or a cgroup that cannot take the process
         * this way: the child writes cgroup.procs itself. */
        j->in_v2 = false;
    }
    pid = fork();
    if (pid < 0)
        return hull_err(err, errno, "fork");
    return pid;
}

int hull_cgroup_join_self(const struct hull_cgroup_join *j, hull_error **err)
{
    for (size_t i = 0; i < j->n_tasks; i++) {
        if (write(j->tasks[i], "0", 1) != 1)
            return hull_err(err, errno, "join the container's cgroup (v1 tasks)");
    }
    if (j->v2_procs >= 0 && !j->in_v2 && write(j->v2_procs, "0", 1) != 1)
        return hull_err(err, errno, "join the container's cgroup (cgroup.procs)");
    return 0;
}

int hull_cgroup_enter(const char *path, pid_t pid, hull_error **err)
{
    _cleanup_cg_layout_ struct cg_layout l = {0};

    if (cg_path_check(path, err) < 0 || cg_layout_load(&l, err) < 0)
        return hull_err_wrap(err, "join cgroup \"%s\"", path ? path : "");
    for (size_t i = 0; i < l.n_hier; i++) {
        _cleanup_free_ char *dir = cg_hier_dir(&l.hier[i], path);
        if (write_procs(dir, pid, err) < 0)
            return hull_err_wrap(err, "move process %d into cgroup \"%s\"", (int)pid, path);
    }
    return 0;
}

int hull_cgroup_update(const char *path, const struct hull_resources *res, hull_error **err)
{
    _cleanup_cg_layout_ struct cg_layout l = {0};

    if (cg_path_check(path, err) < 0 || cg_layout_load(&l, err) < 0)
        return hull_err_wrap(err, "update cgroup \"%s\"", path ? path : "");
    if (res == NULL)
        return 0;
    if (cg_check_resources(&l, res, err) < 0 || apply(&l, path, res, true, err) < 0)
        return hull_err_wrap(err, "update cgroup \"%s\"", path);
    return 0;
}

struct pid_set {
    pid_t *v;
    size_t n, cap;
};

static int read_procs_file(int dfd, const char *dir, struct pid_set *s, hull_error **err)
{
    _cleanup_free_ char *text = NULL;
    char *save = NULL;

    if (cg_read(dfd, dir, "cgroup.procs", &text, err) < 0)
        return -1;
    for (char *t = strtok_r(text, "\n", &save); t != NULL; t = strtok_r(NULL, "\n", &save)) {
        int64_t v;
        if (parse_int64(t, 1, INT32_MAX, &v) < 0)
            return hull_err(err, EINVAL, "\"%s/cgroup.procs\": bad pid \"%s\"", dir, t);
        if (s->n == s->cap) {
            s->cap = s->cap ? s->cap * 2 : 16;
            s->v = xrealloc(s->v, s->cap * sizeof(pid_t));
        }
        s->v[s->n++] = (pid_t)v;
    }
    return 0;
}

/* cgroup.procs of DIR and of every cgroup below it.  A sub-cgroup removed
 * while we walk is skipped. */
static int collect_pids(const char *dir, struct pid_set *s, int depth, hull_error **err)
{
    _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d;
    struct dirent *de;
    int ret = 0;

    if (dfd < 0)
        return errno == ENOENT && depth > 0 ? 0 : hull_err(err, errno, "open cgroup \"%s\"", dir);
    if (read_procs_file(dfd, dir, s, err) < 0)
        return -1;
    d = fdopendir(take_fd(dfd));
    if (d == NULL)
        return hull_err(err, errno, "read cgroup \"%s\"", dir);
    while (ret == 0 && (de = readdir(d)) != NULL) {
        if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        _cleanup_free_ char *sub = xasprintf("%s/%s", dir, de->d_name);
        ret = collect_pids(sub, s, depth + 1, err);
    }
    closedir(d);
    return ret;
}

static int pid_cmp(const void *a, const void *b)
{
    pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
    return (x > y) - (x < y);
}

static int layout_pids(const struct cg_layout *l, const char *path, pid_t **pids, size_t *n,
                       hull_error **err)
{
    struct pid_set s = {0};
    size_t found = 0, o = 0;

    /* Every hierarchy, not one: a process that only made it into some of
     * them (a failed exec) still belongs to the container. */
    for (size_t i = 0; i < l->n_hier; i++) {
        _cleanup_free_ char *dir = cg_hier_dir(&l->hier[i], path);
        if (access(dir, F_OK) < 0)
            continue;
        found++;
        if (collect_pids(dir, &s, 0, err) < 0) {
            free(s.v);
            return -1;
        }
    }
    if (found == 0)
        return hull_err_kind(err, HULL_ERR_NOT_EXIST, ENOENT, "cgroup \"%s\" does not exist", path);
    if (s.n > 1)
        qsort(s.v, s.n, sizeof(pid_t), pid_cmp);
    for (size_t i = 0; i < s.n; i++)
        if (o == 0 || s.v[o - 1] != s.v[i])
            s.v[o++] = s.v[i];
    *pids = s.v;
    *n = o;
    return 0;
}

int hull_cgroup_pids(const char *path, pid_t **pids, size_t *n, hull_error **err)
{
    _cleanup_cg_layout_ struct cg_layout l = {0};

    *pids = NULL;
    *n = 0;
    if (cg_path_check(path, err) < 0 || cg_layout_load(&l, err) < 0 ||
        layout_pids(&l, path, pids, n, err) < 0)
        return hull_err_wrap(err, "list processes of cgroup \"%s\"", path ? path : "");
    return 0;
}

static int signal_all(const struct cg_layout *l, const char *path, int sig, hull_error **err)
{
    _cleanup_free_ pid_t *pids = NULL;
    size_t n;
    int ret = 0;

    if (layout_pids(l, path, &pids, &n, err) < 0)
        return -1;
    /* One process refusing the signal does not shield the others. */
    for (size_t i = 0; i < n; i++)
        if (kill(pids[i], sig) < 0 && errno != ESRCH && ret == 0)
            ret = hull_err(err, errno, "send signal %d to process %d", sig, (int)pids[i]);
    return ret;
}

/* v2's cgroup.kill (Linux 5.14) kills the whole subtree atomically, forks
 * in flight included. */
static int v2_kill(const struct cg_layout *l, const char *path, bool *done, hull_error **err)
{
    _cleanup_free_ char *dir = cg_hier_dir(&l->hier[0], path);
    _cleanup_close_ int dfd = cg_open_dir(dir, err);

    *done = false;
    if (dfd < 0)
        return -1;
    if (!cg_exists(dfd, "cgroup.kill"))
        return 0;
    if (cg_write(dfd, dir, "cgroup.kill", "1", err) < 0)
        return -1;
    *done = true;
    return 0;
}

/* Freezing first means a process cannot fork a child between our reading
 * of cgroup.procs and the signal, and so escape the sweep. */
static int kill_frozen(const struct cg_layout *l, const char *path, int sig, hull_error **err)
{
    bool was_frozen = false, thaw;
    int ret;

    if (!cg_freeze_available(l)) {
        hull_warn("kill all processes of cgroup \"%s\": no freezer available, a process forking "
                  "during the sweep may escape it",
                  path);
        return signal_all(l, path, sig, err);
    }
    if (cg_freeze_get(l, path, &was_frozen, err) < 0)
        return -1;
    if (!was_frozen) {
        _cleanup_error_ hull_error *e = NULL;
        /* A freeze that times out has thawed again; the signal still has
         * to go out, to the processes there are. */
        if (cg_freeze_set(l, path, true, &e) < 0) {
            hull_warn("kill all processes of cgroup \"%s\": %s; signalling unfrozen", path, e->msg);
            return signal_all(l, path, sig, err);
        }
    }
    ret = signal_all(l, path, sig, err);
    /* A paused container stays paused, except that SIGKILL only takes
     * effect once its tasks run again. */
    thaw = !was_frozen || sig == SIGKILL;
    if (thaw) {
        _cleanup_error_ hull_error *e = NULL;
        if (cg_freeze_set(l, path, false, &e) < 0) {
            if (ret == 0)
                pass_error(err, &e);
            ret = -1;
        }
    }
    return ret;
}

int hull_cgroup_kill_all(const char *path, int sig, hull_error **err)
{
    _cleanup_cg_layout_ struct cg_layout l = {0};

    if (cg_path_check(path, err) < 0 || cg_layout_load(&l, err) < 0)
        goto fail;
    if (l.mode == HULL_CGROUP_V2 && sig == SIGKILL) {
        bool done;
        if (v2_kill(&l, path, &done, err) < 0)
            goto fail;
        if (done)
            return 0;
    }
    if (kill_frozen(&l, path, sig, err) < 0)
        goto fail;
    return 0;
fail:
    return hull_err_wrap(err, "kill all processes of cgroup \"%s\"", path ? path : "");
}

/* rmdir of DIR after its sub-cgroups, deepest first.  Only directories
 * exist to be removed: a cgroup's files vanish with it. */
static int remove_tree(const char *dir, hull_error **err)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *d;
    struct dirent *de;
    int ret = 0;

    if (dfd < 0)
        return errno == ENOENT ? 0 : hull_err(err, errno, "open cgroup \"%s\"", dir);
    d = fdopendir(dfd);
    if (d == NULL) {
        close(dfd);
        return hull_err(err, errno, "read cgroup \"%s\"", dir);
    }
    while (ret == 0 && (de = readdir(d)) != NULL) {
        if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        _cleanup_free_ char *sub = xasprintf("%s/%s", dir, de->d_name);
        ret = remove_tree(sub, err);
    }
    closedir(d);
    if (ret < 0)
        return -1;
    return rmdir_retry(dir, err);
}

int hull_cgroup_destroy(const char *path, hull_error **err)
{
    _cleanup_cg_layout_ struct cg_layout l = {0};
    int ret = 0;

    if (cg_path_check(path, err) < 0 || cg_layout_load(&l, err) < 0)
        return hull_err_wrap(err, "remove cgroup \"%s\"", path ? path : "");
    /* Every hierarchy is tried even after a failure, so one busy
     * hierarchy does not leave the others behind. */
    for (size_t i = 0; i < l.n_hier; i++) {
        _cleanup_free_ char *dir = cg_hier_dir(&l.hier[i], path);
        _cleanup_error_ hull_error *e = NULL;
        if (remove_tree(dir, &e) < 0 && ret == 0) {
            pass_error(err, &e);
            ret = -1;
        }
    }
    if (ret < 0)
        return hull_err_wrap(err, "remove cgroup \"%s\"", path);
    return 0;
}
