/* Discovering the host's cgroup hierarchies, and the cgroupfs file helpers
 * shared by the v1 and v2 back ends.
 *
 * Nothing about the layout is assumed: controllers come from /proc/cgroups,
 * hierarchies from /proc/self/mountinfo, so co-mounted controllers
 * ("cpu,cpuacct"), hierarchies mounted elsewhere than /sys/fs/cgroup and
 * hybrid hosts (v1 controllers plus a v2 hierarchy) all work. */
#include "cgroup_internal.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const ctrl_names[CG_CTRL_COUNT] = {
    [CG_CPU] = "cpu",         [CG_CPUACCT] = "cpuacct",   [CG_CPUSET] = "cpuset",
    [CG_MEMORY] = "memory",   [CG_DEVICES] = "devices",   [CG_FREEZER] = "freezer",
    [CG_BLKIO] = "blkio",     [CG_PIDS] = "pids",         [CG_HUGETLB] = "hugetlb",
    [CG_NET_CLS] = "net_cls", [CG_NET_PRIO] = "net_prio", [CG_PERF_EVENT] = "perf_event",
    [CG_RDMA] = "rdma",       [CG_MISC] = "misc",         [CG_IO] = "io",
};

const char *cg_ctrl_name(enum cg_ctrl c)
{
    return c < CG_CTRL_COUNT ? ctrl_names[c] : "?";
}

int cg_ctrl_from_name(const char *name)
{
    for (int i = 0; i < CG_CTRL_COUNT; i++)
        if (strcmp(ctrl_names[i], name) == 0)
            return i;
    return -1;
}

static uint32_t mask_from_names(char *const *names)
{
    uint32_t mask = 0;
    for (size_t i = 0; names != NULL && names[i] != NULL; i++) {
        int c = cg_ctrl_from_name(names[i]);
        if (c >= 0)
            mask |= CG_BIT(c);
    }
    return mask;
}

static char **split(const char *s, const char *sep)
{
    _cleanup_free_ char *copy = xstrdup(s);
    char **out = xmalloc0(sizeof(char *));
    char *save = NULL;

    for (char *tok = strtok_r(copy, sep, &save); tok != NULL; tok = strtok_r(NULL, sep, &save))
        strv_append(&out, tok);
    return out;
}

static bool strv_contains(char *const *v, const char *s)
{
    for (size_t i = 0; v != NULL && v[i] != NULL; i++)
        if (strcmp(v[i], s) == 0)
            return true;
    return false;
}

/* Enabled controllers from /proc/cgroups ("name hierarchy count enabled"). */
static char **parse_proc_cgroups(const char *text)
{
    _cleanup_strv_ char **lines = split(text, "\n");
    char **names = xmalloc0(sizeof(char *));

    for (size_t i = 0; lines[i] != NULL; i++) {
        char name[64];
        unsigned int hier, count, enabled;
        if (lines[i][0] == '#')
            continue;
        if (sscanf(lines[i], "%63s %u %u %u", name, &hier, &count, &enabled) == 4 && enabled)
            strv_append(&names, name);
    }
    return names;
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static char *unescape_mountinfo(const char *s)
{
    char *out = xmalloc(strlen(s) + 1);
    size_t o = 0;

    for (size_t i = 0; s[i] != '\0'; i++) {
        if (s[i] == '\\' && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' &&
            s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
            out[o++] = (char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
            i += 3;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return out;
}

struct mount_entry {
    char *dev, *root, *mountpoint, *opts, *fstype, *superopts;
};

static void mount_entry_clear(struct mount_entry *m)
{
    free(m->dev);
    free(m->root);
    free(m->mountpoint);
    free(m->opts);
    free(m->fstype);
    free(m->superopts);
}

/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS" */
static bool parse_mount_line(const char *line, struct mount_entry *m)
{
    _cleanup_strv_ char **f = split(line, " ");
    size_t n = strv_len(f), sep;

    for (sep = 6; sep < n && strcmp(f[sep], "-") != 0; sep++)
        ;
    if (n < 6 || sep + 3 >= n)
        return false;
    m->dev = xstrdup(f[2]);
    m->root = unescape_mountinfo(f[3]);
    m->mountpoint = unescape_mountinfo(f[4]);
    m->opts = xstrdup(f[5]);
    m->fstype = xstrdup(f[sep + 1]);
    m->superopts = xstrdup(f[sep + 3]);
    return true;
}

/* A v1 hierarchy mounted read-only (or whose superblock is, as when a
 * container's read-only cgroup mount created it) cannot hold a
 * container's cgroup; it is left out as if it were not mounted. */
static bool mount_read_only(const struct mount_entry *m)
{
    _cleanup_strv_ char **opts = split(m->opts, ",");
    _cleanup_strv_ char **super = split(m->superopts, ",");

    return strv_contains(opts, "ro") || strv_contains(super, "ro");
}

struct hier_build {
    struct cg_hierarchy h;
    char *dev;
    bool root_is_slash;
};

/* Adds M's hierarchy, or prefers M over an earlier mount of the same
 * hierarchy (same device) when M shows the whole hierarchy and the earlier
 * one only a subtree, or when M sits at PREFER. */
static void add_hierarchy(struct hier_build **b, size_t *n, const struct mount_entry *m,
                          char **names, bool unified, const char *prefer)
{
    bool slash = strcmp(m->root, "/") == 0;

    for (size_t i = 0; i < *n; i++) {
        struct hier_build *e = &(*b)[i];
        if (strcmp(e->dev, m->dev) != 0)
            continue;
        if ((slash && !e->root_is_slash) ||
            (slash && prefer != NULL && strcmp(m->mountpoint, prefer) == 0)) {
            free(e->h.mountpoint);
            e->h.mountpoint = xstrdup(m->mountpoint);
            e->root_is_slash = true;
        }
        strv_free(names);
        return;
    }
    *b = xrealloc(*b, (*n + 1) * sizeof(**b));
    (*b)[*n] = (struct hier_build){
        .h = {.mountpoint = xstrdup(m->mountpoint),
              .names = names,
              .ctrls = mask_from_names(names),
              .unified = unified},
        .dev = xstrdup(m->dev),
        .root_is_slash = slash,
    };
    (*n)++;
}

/* The v1 hierarchies a container joins: every one with a controller, plus
 * the name=systemd one that systemd tracks services with. */
static char **v1_hierarchy_names(const char *superopts, char *const *kernel)
{
    _cleanup_strv_ char **opts = split(superopts, ",");
    char **names = xmalloc0(sizeof(char *));
    bool useful = false;

    for (size_t i = 0; opts[i] != NULL; i++) {
        if (strv_contains(kernel, opts[i]) || cg_ctrl_from_name(opts[i]) >= 0) {
            strv_append(&names, opts[i]);
            useful = true;
        } else if (str_has_prefix(opts[i], "name=")) {
            strv_append(&names, opts[i]);
            useful = useful || strcmp(opts[i], "name=systemd") == 0;
        }
    }
    if (!useful) {
        strv_free(names);
        return NULL;
    }
    return names;
}

static void finish_layout(struct cg_layout *l, struct hier_build *b, size_t n)
{
    l->hier = xmalloc0((n ? n : 1) * sizeof(*l->hier));
    l->n_hier = 0;
    for (size_t i = 0; i < n; i++) {
        if (l->mode == HULL_CGROUP_V1 && b[i].h.unified) {
            /* Joined for process tracking only: its controllers are not
             * the ones the v1 back end writes to. */
            l->hybrid_mount = xstrdup(b[i].h.mountpoint);
        }
        l->hier[l->n_hier++] = b[i].h;
        if (l->mode == HULL_CGROUP_V1 && !b[i].h.unified)
            l->avail |= b[i].h.ctrls;
        free(b[i].dev);
    }
    free(b);
}

int cg_layout_parse(struct cg_layout *l, enum hull_cgroup_mode mode, const char *proc_cgroups,
                    const char *mountinfo, hull_error **err)
{
    _cleanup_strv_ char **kernel = parse_proc_cgroups(proc_cgroups);
    _cleanup_strv_ char **lines = split(mountinfo, "\n");
    struct hier_build *b = NULL;
    size_t n = 0;

    *l = (struct cg_layout){.mode = mode, .kernel = mask_from_names(kernel)};
    for (size_t i = 0; lines[i] != NULL; i++) {
        struct mount_entry m = {0};
        if (!parse_mount_line(lines[i], &m))
            continue;
        if (strcmp(m.fstype, "cgroup2") == 0) {
            add_hierarchy(&b, &n, &m, xmalloc0(sizeof(char *)), true,
                          mode == HULL_CGROUP_V2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/unified");
        } else if (strcmp(m.fstype, "cgroup") == 0 && mode == HULL_CGROUP_V1 &&
                   !mount_read_only(&m)) {
            char **names = v1_hierarchy_names(m.superopts, kernel);
            if (names != NULL)
                add_hierarchy(&b, &n, &m, names, false, NULL);
        }
        mount_entry_clear(&m);
    }
    finish_layout(l, b, n);
    if (l->n_hier == 0 || (mode == HULL_CGROUP_V2 && !l->hier[0].unified))
        return hull_err(err, 0, "no cgroup %s hierarchy is mounted (see /proc/self/mountinfo)",
                        mode == HULL_CGROUP_V2 ? "v2" : "v1");
    return 0;
}

/* Controllers a v2 cgroup directory offers (its cgroup.controllers). */
static int v2_controllers(const char *dir, uint32_t *out, hull_error **err)
{
    _cleanup_close_ int dfd = cg_open_dir(dir, err);
    _cleanup_free_ char *text = NULL;
    _cleanup_strv_ char **names = NULL;

    if (dfd < 0 || cg_read(dfd, dir, "cgroup.controllers", &text, err) < 0)
        return -1;
    names = split(text, " \n");
    *out = mask_from_names(names);
    return 0;
}

static int layout_read(struct cg_layout *l, hull_error **err)
{
    _cleanup_free_ char *proc_cgroups = NULL, *mountinfo = NULL;
    _cleanup_error_ hull_error *ignored = NULL;
    enum hull_cgroup_mode mode = hull_cgroup_mode();

    /* /proc/cgroups only refines the list of controller names and the
     * error messages; kernels may drop it, mountinfo is what counts. */
    if (read_file_at(AT_FDCWD, "/proc/cgroups", 0, &proc_cgroups, NULL, &ignored) < 0)
        proc_cgroups = xstrdup("");
    if (read_file_at(AT_FDCWD, "/proc/self/mountinfo", 0, &mountinfo, NULL, err) < 0)
        return hull_err_wrap(err, "discover cgroup hierarchies");
    if (cg_layout_parse(l, mode, proc_cgroups, mountinfo, err) < 0) {
        cg_layout_clear(l);
        return -1;
    }
    for (size_t i = 0; i < l->n_hier; i++) {
        struct cg_hierarchy *h = &l->hier[i];
        if (!h->unified)
            continue;
        if (v2_controllers(h->mountpoint, &h->ctrls, err) < 0) {
            cg_layout_clear(l);
            return hull_err_wrap(err, "discover cgroup hierarchies");
        }
        if (mode == HULL_CGROUP_V2)
            l->avail = h->ctrls;
        else
            l->on_hybrid_v2 = h->ctrls;
    }
    return 0;
}

static void layout_copy(struct cg_layout *dst, const struct cg_layout *src)
{
    *dst = *src;
    dst->hier = xmalloc0((src->n_hier ? src->n_hier : 1) * sizeof(*dst->hier));
    for (size_t i = 0; i < src->n_hier; i++) {
        dst->hier[i] = src->hier[i];
        dst->hier[i].mountpoint = xstrdup(src->hier[i].mountpoint);
        dst->hier[i].names = strv_dup(src->hier[i].names);
    }
    dst->hybrid_mount = src->hybrid_mount != NULL ? xstrdup(src->hybrid_mount) : NULL;
}

/* The layout is read once per process and mount namespace: a `hull run`
 * asks for it in nearly every cgroup call (create, apply, join, kill,
 * destroy) and each read parses the whole of /proc/self/mountinfo.
 * Keeping it is safe because what it records is fixed for the life of a
 * command: which hierarchies exist and where they are mounted changes only
 * when an administrator mounts or unmounts cgroupfs, which would race with
 * a single read just the same, and the controllers of a v2 root change only
 * when a v1 hierarchy takes or releases one, which needs that hierarchy to
 * be mounted or unmounted too.  A process that enters another mount
 * namespace (the rootless re-entry, a container's init) or changes its root
 * (pivot_root) sees other mounts, so both are part of the key. */
static struct {
    pthread_mutex_t lock;
    bool valid;
    struct stat ns, root;
    struct cg_layout layout;
} cache = {.lock = PTHREAD_MUTEX_INITIALIZER};

static bool same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

int cg_layout_load(struct cg_layout *l, hull_error **err)
{
    struct stat ns, root;
    int ret = 0;

    if (stat("/proc/self/ns/mnt", &ns) < 0 || stat("/", &root) < 0)
        return layout_read(l, err);
    pthread_mutex_lock(&cache.lock);
    if (!cache.valid || !same_file(&cache.ns, &ns) || !same_file(&cache.root, &root)) {
        if (cache.valid)
            cg_layout_clear(&cache.layout);
        cache.valid = false;
        ret = layout_read(&cache.layout, err);
        if (ret == 0) {
            cache.valid = true;
            cache.ns = ns;
            cache.root = root;
        }
    }
    if (ret == 0)
        layout_copy(l, &cache.layout);
    pthread_mutex_unlock(&cache.lock);
    return ret;
}

void cg_layout_clear(struct cg_layout *l)
{
    for (size_t i = 0; i < l->n_hier; i++) {
        free(l->hier[i].mountpoint);
        strv_free(l->hier[i].names);
    }
    free(l->hier);
    free(l->hybrid_mount);
    *l = (struct cg_layout){0};
}

const struct cg_hierarchy *cg_layout_find(const struct cg_layout *l, enum cg_ctrl c)
{
    if (!(l->avail & CG_BIT(c)))
        return NULL;
    for (size_t i = 0; i < l->n_hier; i++) {
        const struct cg_hierarchy *h = &l->hier[i];
        if ((h->ctrls & CG_BIT(c)) && (h->unified == (l->mode == HULL_CGROUP_V2)))
            return h;
    }
    return NULL;
}

int cg_need(const struct cg_layout *l, enum cg_ctrl c, const char *field, hull_error **err)
{
    const char *name = cg_ctrl_name(c);

    if (cg_layout_find(l, c) != NULL)
        return 0;
    if (l->kernel != 0 && !(l->kernel & CG_BIT(c)) && c != CG_IO)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "%s: the %s controller is not available: the kernel does not have it "
                             "enabled (see /proc/cgroups)",
                             field, name);
    if (l->mode == HULL_CGROUP_V2)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "%s: the %s controller is not available: the cgroup v2 root does not "
                             "offer it in cgroup.controllers",
                             field, name);
    if (l->on_hybrid_v2 & CG_BIT(c))
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "%s: the %s controller is not available: it is bound to the cgroup v2 "
                             "hierarchy at %s, while containers on this cgroup v1 host get their "
                             "limits from the v1 hierarchies",
                             field, name, l->hybrid_mount);
    return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                         "%s: the %s controller is not available: no cgroup v1 hierarchy has it "
                         "mounted",
                         field, name);
}

char *cg_hier_dir(const struct cg_hierarchy *h, const char *path)
{
    if (strcmp(path, "/") == 0)
        return xstrdup(h->mountpoint);
    return xasprintf("%s%s", h->mountpoint, path);
}

char *cg_proc_cgroup_of(const struct cg_hierarchy *h, const char *proc_cgroup)
{
    _cleanup_strv_ char **lines = split(proc_cgroup, "\n");

    for (size_t i = 0; lines[i] != NULL; i++) {
        char *c1 = strchr(lines[i], ':'), *c2;
        if (c1 == NULL || (c2 = strchr(c1 + 1, ':')) == NULL)
            continue;
        _cleanup_free_ char *list = xstrndup(c1 + 1, (size_t)(c2 - c1 - 1));
        if (h->unified) {
            if (list[0] == '\0' && strncmp(lines[i], "0:", 2) == 0)
                return xstrdup(c2 + 1);
            continue;
        }
        _cleanup_strv_ char **names = split(list, ",");
        if (h->names[0] != NULL && strv_contains(names, h->names[0]))
            return xstrdup(c2 + 1);
    }
    return NULL;
}

static char *path_dirname(const char *p)
{
    const char *slash = strrchr(p, '/');
    if (slash == NULL || slash == p)
        return xstrdup("/");
    return xstrndup(p, (size_t)(slash - p));
}

int cg_resolve_relative(const struct cg_layout *l, const char *self_cgroup, const char *rel,
                        char **out, hull_error **err)
{
    _cleanup_free_ char *base = NULL;
    const char *base_name = NULL;

    for (size_t i = 0; i < l->n_hier; i++) {
        const struct cg_hierarchy *h = &l->hier[i];
        const char *hname = h->unified ? "the cgroup v2 hierarchy" : h->names[0];
        _cleanup_free_ char *own = cg_proc_cgroup_of(h, self_cgroup);
        if (own == NULL)
            return hull_err(err, 0,
                            "linux.cgroupsPath \"%s\": the runtime's own cgroup in %s is missing "
                            "from /proc/self/cgroup",
                            rel, hname);
        if (l->mode == HULL_CGROUP_V2) {
            /* runc's choice: the runtime's own cgroup usually holds
             * processes, so its parent is where children can get
             * controllers. */
            char *parent = path_dirname(own);
            free(own);
            own = parent;
        }
        if (base == NULL) {
            base = take_ptr(own);
            base_name = hname;
        } else if (strcmp(base, own) != 0) {
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 "linux.cgroupsPath \"%s\": a relative path is placed under the "
                                 "runtime's own cgroup, which differs between hierarchies (%s: "
                                 "\"%s\", %s: \"%s\"); use an absolute path",
                                 rel, base_name, base, hname, own);
        }
    }
    if (base == NULL)
        return hull_err(err, 0, "linux.cgroupsPath \"%s\": no cgroup hierarchy is mounted", rel);
    *out = strcmp(base, "/") == 0 ? xasprintf("/%s", rel) : xasprintf("%s/%s", base, rel);
    return 0;
}

int cg_path_check(const char *path, hull_error **err)
{
    if (path == NULL || path[0] != '/')
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "cgroup path \"%s\" is not absolute",
                             path ? path : "");
    if (strcmp(path, "/") == 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "cgroup path \"/\": the root cgroup cannot be a container's cgroup");
    for (const char *p = path; *p != '\0';) {
        const char *end = strchrnul(p + 1, '/');
        size_t len = (size_t)(end - p - 1);
        if (len == 0 || (len == 1 && p[1] == '.') || (len == 2 && p[1] == '.' && p[2] == '.'))
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 "cgroup path \"%s\" is not normalized (empty, \".\" or \"..\" "
                                 "component)",
                                 path);
        p = end;
    }
    return 0;
}

int cg_open_dir(const char *dir, hull_error **err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return hull_err(err, errno, "open cgroup \"%s\"", dir);
    return fd;
}

bool cg_exists(int dfd, const char *file)
{
    struct stat st;
    return fstatat(dfd, file, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

int cg_write(int dfd, const char *dir, const char *file, const char *value, hull_error **err)
{
    /* O_TRUNC is meaningless to cgroupfs but lets the same code write
     * plain files, which the tests use to stand in for a v2 host. */
    _cleanup_close_ int fd = openat(dfd, file, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);
    size_t len = strlen(value);
    ssize_t n;

    if (fd < 0)
        return hull_err(err, errno, "open \"%s/%s\"", dir, file);
    do {
        n = write(fd, value, len);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return hull_err(err, errno, "write \"%s\" to \"%s/%s\"", value, dir, file);
    if ((size_t)n != len)
        return hull_err(err, EIO, "write \"%s\" to \"%s/%s\": short write", value, dir, file);
    return 0;
}

int cg_writef(int dfd, const char *dir, const char *file, hull_error **err, const char *fmt, ...)
{
    va_list ap;
    _cleanup_free_ char *value = NULL;

    va_start(ap, fmt);
    value = xvasprintf(fmt, ap);
    va_end(ap);
    return cg_write(dfd, dir, file, value, err);
}

int cg_read(int dfd, const char *dir, const char *file, char **out, hull_error **err)
{
    size_t len;

    if (read_file_at(dfd, file, 1 << 20, out, &len, err) < 0)
        return hull_err_wrap(err, "cgroup \"%s\"", dir);
    while (len > 0 && (*out)[len - 1] == '\n')
        (*out)[--len] = '\0';
    return 0;
}

int cg_read_u64(int dfd, const char *dir, const char *file, uint64_t *out, hull_error **err)
{
    _cleanup_free_ char *text = NULL;

    if (cg_read(dfd, dir, file, &text, err) < 0)
        return -1;
    if (strcmp(text, "max") == 0) {
        *out = UINT64_MAX;
        return 0;
    }
    if (parse_uint64(text, out) < 0)
        return hull_err(err, EINVAL, "\"%s/%s\": expected a number, read \"%s\"", dir, file, text);
    return 0;
}

int cg_read_key(int dfd, const char *dir, const char *file, const char *key, uint64_t *out,
                bool *found, hull_error **err)
{
    _cleanup_free_ char *text = NULL;
    _cleanup_strv_ char **lines = NULL;
    size_t klen = strlen(key);

    *found = false;
    if (cg_read(dfd, dir, file, &text, err) < 0)
        return -1;
    lines = split(text, "\n");
    for (size_t i = 0; lines[i] != NULL; i++) {
        if (strncmp(lines[i], key, klen) != 0 || lines[i][klen] != ' ')
            continue;
        if (parse_uint64(lines[i] + klen + 1, out) < 0)
            return hull_err(err, EINVAL, "\"%s/%s\": bad value in line \"%s\"", dir, file,
                            lines[i]);
        *found = true;
        return 0;
    }
    return 0;
}

static void format_number(int64_t v, char *buf, size_t len)
{
    if (v < 0)
        snprintf(buf, len, "*");
    else
        snprintf(buf, len, "%lld", (long long)v);
}

void cg_format_device_rule(const struct hull_device_rule *r, char *buf, size_t len)
{
    char major[24], minor[24];

    if (r->type == 'a') {
        snprintf(buf, len, "a");
        return;
    }
    format_number(r->major, major, sizeof(major));
    format_number(r->minor, minor, sizeof(minor));
    snprintf(buf, len, "%c %s:%s %s", r->type, major, minor, r->access[0] ? r->access : "rwm");
}
