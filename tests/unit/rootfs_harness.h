/* The harness of test_rootfs.c: a rootfs and a spec built by hand in a
 * temporary directory, a child that runs the library in new namespaces and
 * reports what it saw as "key=value" lines, and assertions on those lines.
 * Only test_rootfs.c includes it. */
#ifndef HULL_TEST_ROOTFS_HARNESS_H
#define HULL_TEST_ROOTFS_HARNESS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "rootfs.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

/* A spec under construction and the temporary directory it lives in. */
struct tspec {
    struct hull_spec spec;
    char dir[64];   /* /tmp/hull-test-rootfs-PID-RANDOM */
    char root[128]; /* DIR/rootfs */
    char host[128]; /* DIR/host: a host directory to bind */
};

static void tspec_init(struct tspec *t)
{
    memset(t, 0, sizeof(*t));
    char suffix[17];
    assert_int_equal(random_hex(suffix, 8, NULL), 0);
    snprintf(t->dir, sizeof(t->dir), "/tmp/hull-test-rootfs-%d-%s", (int)getpid(), suffix);
    assert_int_equal(mkdir(t->dir, 0700), 0);
    snprintf(t->root, sizeof(t->root), "%s/rootfs", t->dir);
    snprintf(t->host, sizeof(t->host), "%s/host", t->dir);
    assert_int_equal(mkdir(t->root, 0755), 0);
    assert_int_equal(mkdir(t->host, 0755), 0);
    t->spec.root_path = t->root;
}

static int tspec_setup(void **state)
{
    struct tspec *t = xmalloc0(sizeof(*t));
    tspec_init(t);
    *state = t;
    return 0;
}

static void tspec_free(struct tspec *t);

/* Runs even when a test failed, so nothing is left in /tmp. */
static int tspec_teardown(void **state)
{
    struct tspec *t = *state;
    tspec_free(t);
    free(t);
    return 0;
}

static char **split_opts(const char *opts)
{
    char **v = xmalloc0(sizeof(char *));
    _cleanup_free_ char *copy = opts ? xstrdup(opts) : NULL;
    char *save = NULL;

    for (char *o = copy ? strtok_r(copy, ",", &save) : NULL; o; o = strtok_r(NULL, ",", &save))
        strv_append(&v, o);
    return v;
}

static void add_mount(struct tspec *t, const char *dest, const char *type, const char *src,
                      const char *opts)
{
    struct hull_spec *s = &t->spec;
    struct hull_mount *m;

    s->mounts = xrealloc(s->mounts, (s->n_mounts + 1) * sizeof(*s->mounts));
    m = &s->mounts[s->n_mounts++];
    memset(m, 0, sizeof(*m));
    m->destination = xstrdup(dest);
    m->type = type ? xstrdup(type) : NULL;
    m->source = src ? xstrdup(src) : NULL;
    m->options = split_opts(opts);
}

static void add_std_mounts(struct tspec *t)
{
    add_mount(t, "/proc", "proc", "proc", NULL);
    add_mount(t, "/dev", "tmpfs", "tmpfs", "nosuid,strictatime,mode=755,size=65536k");
    add_mount(t, "/dev/pts", "devpts", "devpts", "nosuid,noexec,newinstance,ptmxmode=0666");
    add_mount(t, "/dev/shm", "tmpfs", "shm", "nosuid,noexec,nodev,mode=1777,size=65536k");
    add_mount(t, "/dev/mqueue", "mqueue", "mqueue", "nosuid,noexec,nodev");
    add_mount(t, "/sys", "sysfs", "sysfs", "nosuid,noexec,nodev,ro");
}

static void set_ns(struct tspec *t, int flags)
{
    struct hull_namespace *ns = t->spec.linux_.namespaces;

    ns[HULL_NS_MOUNT].present = true;
    ns[HULL_NS_PID].present = flags & CLONE_NEWPID;
    ns[HULL_NS_NETWORK].present = flags & CLONE_NEWNET;
    ns[HULL_NS_IPC].present = flags & CLONE_NEWIPC;
    ns[HULL_NS_UTS].present = flags & CLONE_NEWUTS;
    ns[HULL_NS_CGROUP].present = flags & CLONE_NEWCGROUP;
    ns[HULL_NS_USER].present = flags & CLONE_NEWUSER;
}

static void add_sysctl(struct hull_spec *s, const char *key, const char *value)
{
    s->linux_.sysctl =
        xrealloc(s->linux_.sysctl, (s->linux_.n_sysctl + 1) * sizeof(struct hull_sysctl));
    s->linux_.sysctl[s->linux_.n_sysctl].key = xstrdup(key);
    s->linux_.sysctl[s->linux_.n_sysctl].value = xstrdup(value);
    s->linux_.n_sysctl++;
}

static void tspec_free(struct tspec *t)
{
    struct hull_spec *s = &t->spec;

    for (size_t i = 0; i < s->n_mounts; i++) {
        free(s->mounts[i].destination);
        free(s->mounts[i].type);
        free(s->mounts[i].source);
        strv_free(s->mounts[i].options);
    }
    free(s->mounts);
    for (size_t i = 0; i < s->linux_.n_sysctl; i++) {
        free(s->linux_.sysctl[i].key);
        free(s->linux_.sysctl[i].value);
    }
    free(s->linux_.sysctl);
    for (size_t i = 0; i < s->linux_.n_devices; i++)
        free(s->linux_.devices[i].path);
    free(s->linux_.devices);
    strv_free(s->linux_.masked_paths);
    strv_free(s->linux_.readonly_paths);
    if (rm_rf_at(AT_FDCWD, t->dir, NULL) < 0)
        fprintf(stderr, "could not remove %s\n", t->dir);
}

/* Creates DIR/REL (a file with CONTENT, or a directory when CONTENT is
 * NULL) below BASE. */
static void make(const char *base, const char *rel, const char *content)
{
    _cleanup_free_ char *p = xasprintf("%s/%s", base, rel);

    if (content == NULL) {
        assert_int_equal(mkdir(p, 0755), 0);
        return;
    }
    _cleanup_close_ int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write_all(fd, content, strlen(content)), 0);
}

/* ---- the child side ---- */

static void report(FILE *out, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void report(FILE *out, const char *key, const char *fmt, ...)
{
    va_list ap;
    _cleanup_free_ char *v = NULL;

    va_start(ap, fmt);
    v = xvasprintf(fmt, ap);
    va_end(ap);
    for (char *p = v; *p; p++)
        if (*p == '\n')
            *p = ' ';
    fprintf(out, "%s=%s\n", key, v);
}

static const char *fs_name(const char *path)
{
    static char buf[32];
    struct statfs s;

    if (statfs(path, &s) < 0)
        return "missing";
    switch (s.f_type) {
    case PROC_SUPER_MAGIC:
        return "proc";
    case TMPFS_MAGIC:
        return "tmpfs";
    case DEVPTS_SUPER_MAGIC:
        return "devpts";
    case 0x19800202: /* MQUEUE_MAGIC, not in the uapi headers */
        return "mqueue";
    case SYSFS_MAGIC:
        return "sysfs";
    case CGROUP_SUPER_MAGIC:
        return "cgroup";
    case CGROUP2_SUPER_MAGIC:
        return "cgroup2";
    case EXT4_SUPER_MAGIC:
        return "ext4";
    }
    snprintf(buf, sizeof(buf), "%lx", (unsigned long)s.f_type);
    return buf;
}

static int is_ro(const char *path)
{
    struct statvfs s;
    return statvfs(path, &s) == 0 && (s.f_flag & ST_RDONLY) ? 1 : 0;
}

/* errno of creating PATH, 0 on success */
static int create_errno(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return errno;
    close(fd);
    unlink(path);
    return 0;
}

static void report_node(FILE *out, const char *key, const char *path)
{
    struct stat st;

    if (lstat(path, &st) < 0) {
        report(out, key, "missing");
        return;
    }
    char type = S_ISCHR(st.st_mode)    ? 'c'
                : S_ISBLK(st.st_mode)  ? 'b'
                : S_ISFIFO(st.st_mode) ? 'p'
                                       : '?';
    report(out, key, "%c %u:%u %o %u:%u", type, major(st.st_rdev), minor(st.st_rdev),
           st.st_mode & 07777, st.st_uid, st.st_gid);
}

static void report_link(FILE *out, const char *key, const char *path)
{
    char buf[PATH_MAX];
    ssize_t n = readlink(path, buf, sizeof(buf) - 1);

    buf[n < 0 ? 0 : n] = '\0';
    report(out, key, "%s", n < 0 ? "missing" : buf);
}

/* Reports *E under KEY when R failed.  E is read only after R was
 * computed (it is passed by address for that reason). */
static bool report_err(FILE *out, const char *key, int r, hull_error **e)
{
    if (r < 0)
        report(out, key, "%s", *e ? (*e)->msg : "(no message)");
    return r < 0;
}

/* mount, pivot, finalize: false (with "error" reported) on failure. */
static bool setup_all(struct hull_rootfs_ctx *ctx, FILE *out)
{
    _cleanup_error_ hull_error *e = NULL;

    if (report_err(out, "error", hull_rootfs_mount(ctx, &e), &e) ||
        report_err(out, "error", hull_rootfs_pivot(ctx, &e), &e) ||
        report_err(out, "error", hull_rootfs_finalize(ctx, &e), &e))
        return false;
    return true;
}

typedef void (*child_fn)(struct tspec *t, FILE *out);

static void child_main(struct tspec *t, child_fn fn, int fd)
{
    FILE *out = fdopen(fd, "w");
    if (out == NULL)
        _exit(20);
    setvbuf(out, NULL, _IONBF, 0);
    fn(t, out);
    fclose(out);
    _exit(0);
}

static void write_map(const char *file, const char *text)
{
    int fd = open(file, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write_all(fd, text, strlen(text)) < 0)
        _exit(21);
    close(fd);
}

typedef bool (*pre_fn)(struct tspec *t);

/* Forks; the child runs PRE (if any) as real root in a mount namespace of
 * its own, enters new namespaces (FLAGS, plus a mount namespace;
 * CLONE_NEWUSER maps root to root), forks again for a new pid namespace so
 * FN runs as pid 1, and runs FN.  Returns what FN reported; asserts the
 * child exited cleanly. */
static char *run_child_pre(struct tspec *t, int flags, pre_fn pre, child_fn fn)
{
    int p[2], status;
    size_t len = 0, cap = 4096;
    char *buf = xmalloc(cap);
    pid_t pid;

    fflush(NULL);
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        if (pre != NULL && (unshare(CLONE_NEWNS) < 0 ||
                            mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0 || !pre(t)))
            _exit(26);
        if (flags & CLONE_NEWUSER) {
            if (unshare(CLONE_NEWUSER) < 0)
                _exit(22);
            write_map("/proc/self/setgroups", "deny");
            write_map("/proc/self/uid_map", "0 0 1");
            write_map("/proc/self/gid_map", "0 0 1");
        }
        if (unshare(CLONE_NEWNS | (flags & ~CLONE_NEWUSER)) < 0)
            _exit(23);
        if (!(flags & CLONE_NEWPID))
            child_main(t, fn, p[1]);
        pid_t inner = fork();
        if (inner == 0)
            child_main(t, fn, p[1]);
        close(p[1]);
        if (inner < 0 || waitpid(inner, &status, 0) < 0)
            _exit(24);
        _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 25);
    }
    close(p[1]);
    for (;;) {
        if (len + 1 >= cap)
            buf = xrealloc(buf, cap *= 2);
        ssize_t n = read(p[0], buf + len, cap - len - 1);
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    buf[len] = '\0';
    close(p[0]);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("child failed (status %d), reported:\n%s", status, buf);
    return buf;
}

static char *run_child(struct tspec *t, int flags, child_fn fn)
{
    return run_child_pre(t, flags, NULL, fn);
}

/* The value reported for KEY (a static copy), or NULL. */
static const char *field(const char *text, const char *key)
{
    static char value[1024];
    size_t klen = strlen(key);

    for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        if (strncmp(l, key, klen) == 0 && l[klen] == '=') {
            size_t n = strcspn(l + klen + 1, "\n");
            snprintf(value, sizeof(value), "%.*s", (int)n, l + klen + 1);
            return value;
        }
    }
    return NULL;
}

#define assert_field(text, key, expected)                                                          \
    do {                                                                                           \
        const char *_v = field((text), (key));                                                     \
        if (_v == NULL || strcmp(_v, (expected)) != 0)                                             \
            fail_msg("%s: expected \"%s\", got \"%s\"\nreport:\n%s", (key), (expected),            \
                     _v ? _v : "(none)", (text));                                                  \
    } while (0)

#define assert_field_has(text, key, part)                                                          \
    do {                                                                                           \
        const char *_v = field((text), (key));                                                     \
        if (_v == NULL || strstr(_v, (part)) == NULL)                                              \
            fail_msg("%s: expected to contain \"%s\", got \"%s\"\nreport:\n%s", (key), (part),     \
                     _v ? _v : "(none)", (text));                                                  \
    } while (0)

#endif
