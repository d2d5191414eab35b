/* cgroup tests: path resolution and layout parsing on canned input, then
 * the real thing on this host (root needed): a cgroup created with limits
 * around a child process, checked file by file, updated, frozen, killed
 * and removed, a failing create that must leave nothing behind, and the
 * v2 device eBPF program enforced on a real process. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "cgroup.h"
#include "cgroup_internal.h"
#include "cgroup_ops.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* What the tests leave behind when an assertion stops them halfway; the
 * group teardown removes it. */
static pid_t live_children[8];
static char *tmp_dirs[8];

static void track_child(pid_t pid, bool alive)
{
    for (size_t i = 0; i < ARRAY_SIZE(live_children); i++) {
        if (alive && live_children[i] == 0) {
            live_children[i] = pid;
            return;
        }
        if (!alive && live_children[i] == pid)
            live_children[i] = 0;
    }
}

static char *track_tmp_dir(char *dir)
{
    for (size_t i = 0; i < ARRAY_SIZE(tmp_dirs); i++) {
        if (tmp_dirs[i] == NULL) {
            tmp_dirs[i] = xstrdup(dir);
            break;
        }
    }
    return dir;
}

static void expect_error(hull_error *e, const char *fragment)
{
    if (e == NULL)
        fail_msg("expected an error containing \"%s\", got success", fragment);
    if (strstr(e->msg, fragment) == NULL)
        fail_msg("error \"%s\" lacks \"%s\"", e->msg, fragment);
}

static void check_ok(int ret, hull_error *e)
{
    if (ret < 0)
        fail_msg("%s", e ? e->msg : "failed without an error");
}

static char *resolve(const char *path, const char *parent, const char *id, hull_error **e)
{
    char *out = NULL;
    if (hull_cgroup_path_resolve(path, parent, id, &out, e) < 0)
        return NULL;
    return out;
}

static void test_resolve_absolute(void **state)
{
    _cleanup_error_ hull_error *e = NULL;
    _cleanup_free_ char *a = resolve("/hull/c1", "ignored", "id", &e);
    _cleanup_free_ char *b = resolve("//hull/./x//y/", NULL, "id", &e);

    (void)state;
    check_ok(a ? 0 : -1, e);
    assert_string_equal(a, "/hull/c1");
    check_ok(b ? 0 : -1, e);
    assert_string_equal(b, "/hull/x/y");
}

static void test_resolve_empty(void **state)
{
    _cleanup_error_ hull_error *e = NULL;
    _cleanup_free_ char *a = resolve("", "hull", "c1", &e);
    _cleanup_free_ char *b = resolve(NULL, "/machine/hull/", "c2", &e);
    _cleanup_free_ char *c = resolve(NULL, NULL, "c3", &e);

    (void)state;
    check_ok(a && b && c ? 0 : -1, e);
    assert_string_equal(a, "/hull/c1");
    assert_string_equal(b, "/machine/hull/c2");
    assert_string_equal(c, "/c3");
}

static void test_resolve_rejects(void **state)
{
    static const struct {
        const char *path, *parent, *id, *fragment;
    } bad[] = {
        {"/hull/../etc", NULL, "x", "linux.cgroupsPath \"/hull/../etc\": \"..\" components"},
        {"../escape", NULL, "x", "\"../escape\": \"..\""},
        {"/a/b/..", NULL, "x", "\"..\" components are not allowed"},
        {"system.slice:hull:c1", NULL, "x", "systemd cgroup driver is not supported"},
        {"/", NULL, "x", "the root cgroup cannot be"},
        {"", "../up", "x", "cgroup parent \"../up\""},
        {"", "hull", "a/b", "container id \"a/b\""},
        {"", "hull", "..", "container id \"..\""},
    };

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        _cleanup_error_ hull_error *e = NULL;
        _cleanup_free_ char *out = resolve(bad[i].path, bad[i].parent, bad[i].id, &e);
        if (out != NULL)
            fail_msg("\"%s\" resolved to \"%s\"", bad[i].path, out);
        expect_error(e, bad[i].fragment);
        assert_int_equal(e->kind, HULL_ERR_BAD_INPUT);
    }
}

/* A colon inside a path with slashes is a plain cgroupfs name. */
static void test_resolve_colons_in_path(void **state)
{
    _cleanup_error_ hull_error *e = NULL;
    _cleanup_free_ char *a = resolve("/pod:1/ctr:2", NULL, "x", &e);

    (void)state;
    check_ok(a ? 0 : -1, e);
    assert_string_equal(a, "/pod:1/ctr:2");
}

static const char hybrid_cgroups[] = "#subsys_name\thierarchy\tnum_cgroups\tenabled\n"
                                     "cpuset\t3\t1\t1\ncpu\t1\t1\t1\ncpuacct\t1\t1\t1\n"
                                     "memory\t4\t2\t1\ndevices\t5\t1\t1\nfreezer\t6\t1\t1\n"
                                     "hugetlb\t0\t1\t1\npids\t8\t1\t1\nrdma\t0\t1\t0\n";

static const char hybrid_mountinfo[] =
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:9 - cgroup cgroup rw,cpu,cpuacct\n"
    "34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n"
    "37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"
    "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup "
    "rw,xattr,release_agent=/x,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
    "50 23 0:32 /sub /mnt/mem\\040copy rw - cgroup cgroup rw,memory\n"
    "51 23 0:60 / /mnt/other rw - cgroup cgroup rw,name=elogind\n";

/* cmocka's failures longjmp out but are not declared noreturn; abort()
 * tells the compiler that nothing follows them. */
#define FAIL(...)                                                                                  \
    do {                                                                                           \
        fail_msg(__VA_ARGS__);                                                                     \
        abort();                                                                                   \
    } while (0)

static const struct cg_hierarchy *hier_named(const struct cg_layout *l, const char *name)
{
    for (size_t i = 0; i < l->n_hier; i++)
        if (l->hier[i].names[0] != NULL && strcmp(l->hier[i].names[0], name) == 0)
            return &l->hier[i];
    FAIL("no hierarchy named %s", name);
}

static void test_layout_parse_hybrid(void **state)
{
    _cleanup_cg_layout_ struct cg_layout l = {0};
    _cleanup_error_ hull_error *e = NULL;
    const struct cg_hierarchy *cpu, *mem, *sysd;

    (void)state;
    check_ok(cg_layout_parse(&l, HULL_CGROUP_V1, hybrid_cgroups, hybrid_mountinfo, &e), e);
    /* cpu+cpuacct, cpuset, memory (once), devices, freezer, pids, systemd,
     * unified; not the name=elogind one */
    assert_int_equal(l.n_hier, 8);
    cpu = hier_named(&l, "cpu");
    assert_string_equal(cpu->mountpoint, "/sys/fs/cgroup/cpu,cpuacct");
    assert_int_equal(cpu->ctrls, CG_BIT(CG_CPU) | CG_BIT(CG_CPUACCT));
    mem = hier_named(&l, "memory");
    assert_string_equal(mem->mountpoint, "/sys/fs/cgroup/memory");
    sysd = hier_named(&l, "name=systemd");
    assert_int_equal(sysd->ctrls, 0);
    assert_non_null(l.hybrid_mount);
    assert_string_equal(l.hybrid_mount, "/sys/fs/cgroup/unified");
    assert_true(cg_layout_find(&l, CG_MEMORY) == mem);
    assert_null(cg_layout_find(&l, CG_HUGETLB));
    assert_null(cg_layout_find(&l, CG_BLKIO));
    assert_false(l.kernel & CG_BIT(CG_RDMA));
}

static void test_layout_parse_v2(void **state)
{
    _cleanup_cg_layout_ struct cg_layout l = {0};
    _cleanup_error_ hull_error *e = NULL;
    static const char mi[] = "25 1 0:23 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n"
                             "26 1 0:23 / /mnt/cg2 rw - cgroup2 cgroup2 rw\n";

    (void)state;
    check_ok(cg_layout_parse(&l, HULL_CGROUP_V2, hybrid_cgroups, mi, &e), e);
    assert_int_equal(l.n_hier, 1);
    assert_true(l.hier[0].unified);
    assert_string_equal(l.hier[0].mountpoint, "/sys/fs/cgroup");

    cg_layout_clear(&l);
    assert_int_equal(cg_layout_parse(&l, HULL_CGROUP_V2, hybrid_cgroups, "", &e), -1);
    expect_error(e, "no cgroup v2 hierarchy is mounted");
}

/* A v1 hierarchy mounted read-only, or whose superblock is (a container's
 * read-only cgroup mount made it), cannot hold a container's cgroup. */
/* In a mount namespace of its own where the last hierarchy is gone, a
 * process sees the layout without it: the cached one is keyed by the
 * namespace.  Returns 0 when it does, a bit per failed expectation. */
static int layout_after_unmount(void)
{
    struct cg_layout a = {0}, b = {0}, c = {0};
    hull_error *e = NULL;
    char *gone;
    int res = 0;

    if (cg_layout_load(&a, &e) < 0 || a.n_hier == 0)
        return 64;
    gone = xstrdup(a.hier[a.n_hier - 1].mountpoint);
    /* a copy that the caller may change, the cache keeps its own */
    free(a.hier[0].mountpoint);
    a.hier[0].mountpoint = xstrdup("/changed");
    if (cg_layout_load(&b, &e) < 0 || b.n_hier != a.n_hier ||
        strcmp(b.hier[0].mountpoint, "/changed") == 0)
        res |= 1;
    if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
        umount2(gone, MNT_DETACH) < 0)
        return 128;
    if (cg_layout_load(&c, &e) == 0) {
        for (size_t i = 0; i < c.n_hier; i++)
            if (strcmp(c.hier[i].mountpoint, gone) == 0)
                res |= 2;
    }
    return res;
}

static void test_layout_cached_per_namespace(void **state)
{
    int status;
    pid_t pid;

    (void)state;
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(layout_after_unmount());
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_layout_skips_read_only(void **state)
{
    _cleanup_cg_layout_ struct cg_layout l = {0};
    _cleanup_error_ hull_error *e = NULL;
    static const char mi[] =
        "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
        "36 31 0:33 / /sys/fs/cgroup/devices ro,relatime - cgroup cgroup rw,devices\n"
        "71 27 0:65 / /run/hugetlb rw,relatime - cgroup cgroup ro,hugetlb\n";

    (void)state;
    check_ok(cg_layout_parse(&l, HULL_CGROUP_V1, hybrid_cgroups, mi, &e), e);
    assert_int_equal(l.n_hier, 1);
    assert_non_null(cg_layout_find(&l, CG_MEMORY));
    assert_null(cg_layout_find(&l, CG_DEVICES));
    assert_null(cg_layout_find(&l, CG_HUGETLB));
}

/* The message a config gets when a controller lives on the hybrid v2
 * hierarchy only, as hugetlb does on this project's test machine. */
static void test_need_hybrid_message(void **state)
{
    _cleanup_cg_layout_ struct cg_layout l = {0};
    _cleanup_error_ hull_error *e = NULL;

    (void)state;
    check_ok(cg_layout_parse(&l, HULL_CGROUP_V1, hybrid_cgroups, hybrid_mountinfo, &e), e);
    l.on_hybrid_v2 = CG_BIT(CG_HUGETLB);
    assert_int_equal(cg_need(&l, CG_HUGETLB, "linux.resources.hugepageLimits", &e), -1);
    expect_error(e, "linux.resources.hugepageLimits: the hugetlb controller is not available: "
                    "it is bound to the cgroup v2 hierarchy at /sys/fs/cgroup/unified");
    assert_int_equal(cg_need(&l, CG_RDMA, "linux.resources.unified \"rdma.max\"", &e), -1);
    expect_error(e, "the rdma controller is not available: the kernel does not have it");
    assert_int_equal(cg_need(&l, CG_MEMORY, "x", &e), 0);
}

static void test_resolve_relative_rules(void **state)
{
    _cleanup_cg_layout_ struct cg_layout l = {0};
    _cleanup_error_ hull_error *e = NULL;
    _cleanup_free_ char *out = NULL, *out2 = NULL;
    static const char same[] = "9:name=systemd:/user.slice\n8:pids:/user.slice\n"
                               "6:freezer:/user.slice\n5:devices:/user.slice\n"
                               "4:memory:/user.slice\n3:cpuset:/user.slice\n"
                               "1:cpu,cpuacct:/user.slice\n0::/user.slice\n";
    static const char split_own[] = "9:name=systemd:/user.slice/session-1.scope\n"
                                    "8:pids:/user.slice\n6:freezer:/\n5:devices:/user.slice\n"
                                    "4:memory:/user.slice\n3:cpuset:/\n1:cpu,cpuacct:/\n0::/\n";

    (void)state;
    check_ok(cg_layout_parse(&l, HULL_CGROUP_V1, hybrid_cgroups, hybrid_mountinfo, &e), e);
    check_ok(cg_resolve_relative(&l, same, "ctr/a", &out, &e), e);
    assert_string_equal(out, "/user.slice/ctr/a");

    assert_int_equal(cg_resolve_relative(&l, split_own, "ctr", &out2, &e), -1);
    expect_error(e, "differs between hierarchies");
    assert_int_equal(e->kind, HULL_ERR_BAD_INPUT);

    /* v2: under the parent of the runtime's own cgroup */
    cg_layout_clear(&l);
    check_ok(cg_layout_parse(&l, HULL_CGROUP_V2, hybrid_cgroups,
                             "25 1 0:23 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n", &e),
             e);
    free(out);
    out = NULL;
    check_ok(cg_resolve_relative(&l, "0::/user.slice/session-3.scope\n", "ctr", &out, &e), e);
    assert_string_equal(out, "/user.slice/ctr");
    free(out);
    out = NULL;
    check_ok(cg_resolve_relative(&l, "0::/\n", "ctr", &out, &e), e);
    assert_string_equal(out, "/ctr");
}

/* On the real host a relative path either lands under the runtime's own
 * cgroup or is refused because that cgroup differs between hierarchies. */
static void test_resolve_relative_host(void **state)
{
    _cleanup_error_ hull_error *e = NULL;
    _cleanup_free_ char *out = resolve("ctr/./x", NULL, "id", &e);

    (void)state;
    if (out == NULL) {
        expect_error(e, "differs between hierarchies");
        return;
    }
    assert_true(out[0] == '/');
    assert_true(str_has_suffix(out, "/ctr/x"));
}

static bool host_has(const struct cg_layout *l, enum cg_ctrl c)
{
    return cg_layout_find(l, c) != NULL;
}

static void test_check_resources_host(void **state)
{
    _cleanup_cg_layout_ struct cg_layout l = {0};
    _cleanup_error_ hull_error *e = NULL;
    char key[] = "memory.high", value[] = "1000000", bad_key[] = "memory/../../x";
    char size[] = "2MB", bad_size[] = "3XB";
    struct hull_unified_entry unified = {key, value};
    struct hull_hugepage_limit huge = {size, 1 << 21};
    const struct cg_hierarchy *cpu;
    _cleanup_free_ char *rt = NULL;
    struct hull_resources r;
    bool v2 = hull_cgroup_mode() == HULL_CGROUP_V2;

    (void)state;
    check_ok(cg_layout_load(&l, &e), e);
    cpu = cg_layout_find(&l, CG_CPU);

    /* kernel memory is ignored, not refused */
    memset(&r, 0, sizeof(r));
    r.memory.has_kernel = true;
    r.memory.kernel = 1 << 20;
    check_ok(hull_cgroup_check_resources(&r, &e), e);

    memset(&r, 0, sizeof(r));
    r.unified = &unified;
    r.n_unified = 1;
    if (v2) {
        unified.key = bad_key;
        assert_int_equal(hull_cgroup_check_resources(&r, &e), -1);
        expect_error(e, "linux.resources.unified: invalid key \"memory/../../x\"");
    } else {
        assert_int_equal(hull_cgroup_check_resources(&r, &e), -1);
        expect_error(e, "linux.resources.unified is not supported on cgroup v1");
    }

    memset(&r, 0, sizeof(r));
    r.memory.has_swappiness = true;
    r.memory.swappiness = 200;
    assert_int_equal(hull_cgroup_check_resources(&r, &e), -1);
    expect_error(e, v2 ? "linux.resources.memory.swappiness is not supported on cgroup v2"
                       : "linux.resources.memory.swappiness: invalid value 200");

    memset(&r, 0, sizeof(r));
    r.memory.has_limit = r.memory.has_swap = true;
    r.memory.limit = 64 << 20;
    r.memory.swap = 32 << 20;
    assert_int_equal(hull_cgroup_check_resources(&r, &e), -1);
    expect_error(e, "linux.resources.memory.swap");

    memset(&r, 0, sizeof(r));
    r.hugepage_limits = &huge;
    r.n_hugepage_limits = 1;
    if (host_has(&l, CG_HUGETLB)) {
        huge.page_size = bad_size;
        assert_int_equal(hull_cgroup_check_resources(&r, &e), -1);
        expect_error(e, "pageSize: invalid size \"3XB\"");
    } else {
        assert_int_equal(hull_cgroup_check_resources(&r, &e), -1);
        expect_error(e, "linux.resources.hugepageLimits: the hugetlb controller is not available");
    }

    memset(&r, 0, sizeof(r));
    r.cpu.has_realtime_runtime = true;
    r.cpu.realtime_runtime = 1000;
    if (cpu != NULL)
        rt = xasprintf("%s/cpu.rt_runtime_us", cpu->mountpoint);
    if (!v2 && rt != NULL && access(rt, F_OK) == 0) {
        check_ok(hull_cgroup_check_resources(&r, &e), e);
    } else {
        assert_int_equal(hull_cgroup_check_resources(&r, &e), -1);
        expect_error(e, "linux.resources.cpu.realtime");
    }
}

/* A child that waits for commands on a pipe: 'd' tries /dev/null and
 * /dev/zero and answers with a byte, anything else is ignored. */
struct child {
    pid_t pid;
    int cmd, reply;
};

static void child_loop(int cmd, int reply)
{
    char c;
    while (read(cmd, &c, 1) == 1) {
        if (c == 'd') {
            int n = open("/dev/null", O_RDWR | O_CLOEXEC);
            int z = open("/dev/zero", O_RDONLY | O_CLOEXEC);
            char r = (char)('0' + (n >= 0 ? 1 : 0) + (z < 0 && errno == EPERM ? 2 : 0));
            if (write(reply, &r, 1) != 1)
                _exit(3);
        }
    }
    pause();
    _exit(0);
}

static void child_start(struct child *c)
{
    int cmd[2], reply[2];

    assert_int_equal(pipe2(cmd, O_CLOEXEC), 0);
    assert_int_equal(pipe2(reply, O_CLOEXEC), 0);
    c->pid = fork();
    assert_true(c->pid >= 0);
    if (c->pid == 0) {
        close(cmd[1]);
        close(reply[0]);
        child_loop(cmd[0], reply[1]);
    }
    track_child(c->pid, true);
    close(cmd[0]);
    close(reply[1]);
    c->cmd = cmd[1];
    c->reply = reply[0];
}

static void child_stop(struct child *c)
{
    if (c->pid > 0) {
        kill(c->pid, SIGKILL);
        waitpid(c->pid, NULL, 0);
        track_child(c->pid, false);
        c->pid = 0;
    }
    closep(&c->cmd);
    closep(&c->reply);
}

static char *slurp(const char *dir, const char *file)
{
    _cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
    _cleanup_error_ hull_error *e = NULL;
    char *text = NULL;
    size_t len;

    if (read_file_at(AT_FDCWD, p, 0, &text, &len, &e) < 0)
        fail_msg("%s", e->msg);
    while (len > 0 && text[len - 1] == '\n')
        text[--len] = '\0';
    return text;
}

static void assert_file(const char *dir, const char *file, const char *want)
{
    _cleanup_free_ char *got = slurp(dir, file);
    if (strcmp(got, want) != 0)
        fail_msg("%s/%s holds \"%s\", expected \"%s\"", dir, file, got, want);
}

static char *dir_of(const struct cg_layout *l, enum cg_ctrl c, const char *path)
{
    const struct cg_hierarchy *h = l->mode == HULL_CGROUP_V2 ? &l->hier[0] : cg_layout_find(l, c);
    if (h == NULL)
        FAIL("this host has no usable %s controller", cg_ctrl_name(c));
    return cg_hier_dir(h, path);
}

static void assert_gone_everywhere(const struct cg_layout *l, const char *path)
{
    for (size_t i = 0; i < l->n_hier; i++) {
        _cleanup_free_ char *dir = cg_hier_dir(&l->hier[i], path);
        if (access(dir, F_OK) == 0 || errno != ENOENT)
            fail_msg("\"%s\" still exists", dir);
    }
}

static void assert_files_v1(const struct cg_layout *l, const char *path)
{
    _cleanup_free_ char *mem = dir_of(l, CG_MEMORY, path), *pids = dir_of(l, CG_PIDS, path);
    _cleanup_free_ char *cpu = dir_of(l, CG_CPU, path), *dev = dir_of(l, CG_DEVICES, path);
    _cleanup_free_ char *cpuset = dir_of(l, CG_CPUSET, path);
    _cleanup_free_ char *root = dir_of(l, CG_CPUSET, "/");
    _cleanup_free_ char *root_cpus = slurp(root, "cpuset.cpus");
    _cleanup_free_ char *root_mems = slurp(root, "cpuset.mems");

    assert_file(mem, "memory.limit_in_bytes", "67108864");
    assert_file(pids, "pids.max", "10");
    assert_file(cpu, "cpu.cfs_quota_us", "50000");
    assert_file(cpu, "cpu.cfs_period_us", "100000");
    assert_file(cpu, "cpu.shares", "512");
    assert_file(dev, "devices.list", "c 1:3 rwm");
    assert_file(cpuset, "cpuset.cpus", root_cpus);
    assert_file(cpuset, "cpuset.mems", root_mems);
}

static void assert_files_v2(const struct cg_layout *l, const char *path)
{
    _cleanup_free_ char *dir = cg_hier_dir(&l->hier[0], path);
    _cleanup_free_ char *root_cpus = slurp(l->hier[0].mountpoint, "cpuset.cpus.effective");

    assert_file(dir, "memory.max", "67108864");
    assert_file(dir, "pids.max", "10");
    assert_file(dir, "cpu.max", "50000 100000");
    /* 1 + (512 - 2) * 9999 / 262142 */
    assert_file(dir, "cpu.weight", "20");
    assert_file(dir, "cpuset.cpus.effective", root_cpus);
}

/* The child's /proc/PID/cgroup names PATH in every hierarchy. */
static void assert_member(const struct cg_layout *l, pid_t pid, const char *path)
{
    _cleanup_free_ char *proc = xasprintf("/proc/%d", (int)pid);
    _cleanup_free_ char *text = slurp(proc, "cgroup");

    for (size_t i = 0; i < l->n_hier; i++) {
        _cleanup_free_ char *in = cg_proc_cgroup_of(&l->hier[i], text);
        if (in == NULL || strcmp(in, path) != 0)
            fail_msg("process %d is in \"%s\" of %s, expected \"%s\"", (int)pid, in ? in : "(none)",
                     l->hier[i].mountpoint, path);
    }
}

static void fill_resources(struct hull_resources *r, struct hull_device_rule rules[2])
{
    memset(r, 0, sizeof(*r));
    r->memory.has_limit = true;
    r->memory.limit = 64 << 20;
    r->pids.has_limit = true;
    r->pids.limit = 10;
    r->cpu.has_quota = r->cpu.has_period = r->cpu.has_shares = true;
    r->cpu.quota = 50000;
    r->cpu.period = 100000;
    r->cpu.shares = 512;
    rules[0] = (struct hull_device_rule){
        .allow = false, .type = 'a', .major = -1, .minor = -1, .access = "rwm"};
    rules[1] = (struct hull_device_rule){
        .allow = true, .type = 'c', .major = 1, .minor = 3, .access = "rwm"};
    r->devices = rules;
    r->n_devices = 2;
}

/* A watch of a group without OOM events reports none, and the group's
 * removal once it is gone. */
static void exercise_oom_watch(const char *path)
{
    _cleanup_error_ hull_error *e = NULL;
    struct hull_cgroup_oom_watch w;
    uint64_t events = 1;
    bool gone = true;

    check_ok(hull_cgroup_oom_watch_open(path, &w, &e), e);
    assert_true(w.fd >= 0);
    check_ok(hull_cgroup_oom_watch_read(&w, &events, &gone, &e), e);
    assert_int_equal(events, 0);
    assert_false(gone);
    hull_cgroup_oom_watch_close(&w);
    assert_int_equal(w.fd, -1);
}

static void exercise_running(const struct cg_layout *l, const char *path, struct child *c)
{
    _cleanup_error_ hull_error *e = NULL;
    _cleanup_free_ pid_t *pids = NULL;
    _cleanup_free_ char *pdir = dir_of(l, CG_PIDS, path);
    struct hull_resources upd = {0};
    struct hull_cgroup_stats st;
    size_t n = 0;
    uint64_t ooms = 1;
    bool frozen = true;
    char answer = 0;

    /* the device rules hold for the process: null yes, zero no */
    assert_int_equal(write(c->cmd, "d", 1), 1);
    assert_int_equal(read(c->reply, &answer, 1), 1);
    assert_int_equal(answer, '3');

    upd.pids.has_limit = true;
    upd.pids.limit = 20;
    check_ok(hull_cgroup_update(path, &upd, &e), e);
    assert_file(pdir, "pids.max", "20");

    check_ok(hull_cgroup_pids(path, &pids, &n, &e), e);
    assert_int_equal(n, 1);
    assert_int_equal(pids[0], c->pid);

    check_ok(hull_cgroup_is_frozen(path, &frozen, &e), e);
    assert_false(frozen);
    check_ok(hull_cgroup_freeze(path, &e), e);
    check_ok(hull_cgroup_is_frozen(path, &frozen, &e), e);
    assert_true(frozen);
    check_ok(hull_cgroup_thaw(path, &e), e);
    check_ok(hull_cgroup_is_frozen(path, &frozen, &e), e);
    assert_false(frozen);

    check_ok(hull_cgroup_stats(path, &st, &e), e);
    assert_true(st.has_memory && st.has_pids && st.has_cpu);
    assert_true(st.memory_usage > 0);
    assert_int_equal(st.memory_limit, 64 << 20);
    assert_true(st.n_memory_raw > 0);
    assert_int_equal(st.pids_current, 1);
    assert_int_equal(st.pids_limit, 20);
    /* a quota was set: the CFS bandwidth figures are there */
    assert_true(st.has_throttling);
    assert_true(st.cpu_usage_ns > 0);
    if (l->mode == HULL_CGROUP_V1)
        assert_true(st.n_cpu_percpu > 0);
    hull_cgroup_stats_clear(&st);
    assert_null(st.memory_raw);
    check_ok(hull_cgroup_oom_kill_count(path, &ooms, &e), e);
    assert_int_equal(ooms, 0);
    exercise_oom_watch(path);
}

static void test_create_lifecycle(void **state)
{
    _cleanup_cg_layout_ struct cg_layout l = {0};
    _cleanup_error_ hull_error *e = NULL;
    _cleanup_free_ char *top = xasprintf("/hull-test-%d", (int)getpid());
    _cleanup_free_ char *path = xasprintf("%s/a", top);
    struct hull_device_rule rules[2];
    struct hull_resources r;
    struct child c = {.cmd = -1, .reply = -1};
    int status;

    (void)state;
    check_ok(cg_layout_load(&l, &e), e);
    fill_resources(&r, rules);
    child_start(&c);
    if (hull_cgroup_create(path, &r, c.pid, &e) < 0) {
        child_stop(&c);
        fail_msg("create: %s", e->msg);
    }
    if (l.mode == HULL_CGROUP_V1)
        assert_files_v1(&l, path);
    else
        assert_files_v2(&l, path);
    assert_member(&l, c.pid, path);
    exercise_running(&l, path, &c);

    check_ok(hull_cgroup_kill_all(path, SIGKILL, &e), e);
    assert_int_equal(waitpid(c.pid, &status, 0), c.pid);
    track_child(c.pid, false);
    c.pid = 0;
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    child_stop(&c);

    check_ok(hull_cgroup_destroy(path, &e), e);
    assert_gone_everywhere(&l, path);
    /* destroy leaves the shared parent alone; the test removes it */
    check_ok(hull_cgroup_destroy(top, &e), e);
    assert_gone_everywhere(&l, top);
    /* removing what is gone is fine */
    check_ok(hull_cgroup_destroy(path, &e), e);
}

/* A process forked by hull_cgroup_fork() that joins by itself ends up in
 * the cgroup under every hierarchy, with the limits applied before it. */
static void test_create_empty_and_join(void **state)
{
    _cleanup_cg_layout_ struct cg_layout l = {0};
    _cleanup_error_ hull_error *e = NULL;
    _cleanup_free_ char *path = xasprintf("/hull-test-%d-join", (int)getpid());
    struct hull_cgroup_join j = HULL_CGROUP_JOIN_INIT;
    struct hull_device_rule rules[2];
    struct hull_resources r;
    int go[2], ready[2], status;
    pid_t pid;
    char b;

    (void)state;
    check_ok(cg_layout_load(&l, &e), e);
    fill_resources(&r, rules);
    check_ok(hull_cgroup_create_empty(path, &r, &j, &e), e);
    if (l.mode == HULL_CGROUP_V1)
        assert_files_v1(&l, path);
    else
        assert_files_v2(&l, path);
    assert_int_equal(pipe2(go, O_CLOEXEC), 0);
    assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
    pid = hull_cgroup_fork(&j, &e);
    assert_true(pid >= 0);
    if (pid == 0) {
        int ok = hull_cgroup_join_self(&j, NULL) == 0;
        close(go[1]);
        close(ready[0]);
        /* Joined: the parent looks, then lets it go. */
        if (!ok || write(ready[1], "j", 1) != 1)
            _exit(1);
        _exit(read(go[0], &b, 1) == 0 ? 0 : 1);
    }
    track_child(pid, true);
    /* Born in its v2 cgroup where there is one (clone3, Linux 5.7). */
    for (size_t i = 0; i < l.n_hier; i++)
        if (l.hier[i].unified)
            assert_true(j.in_v2);
    hull_cgroup_join_release(&j);
    assert_int_equal(j.v2_dir, -1);
    close(go[0]);
    close(ready[1]);
    assert_int_equal(read(ready[0], &b, 1), 1);
    close(ready[0]);
    assert_member(&l, pid, path);
    close(go[1]);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    track_child(pid, false);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    check_ok(hull_cgroup_destroy(path, &e), e);
    assert_gone_everywhere(&l, path);
}

static void set_memory(struct hull_resources *r, int64_t limit, int64_t swap)
{
    memset(r, 0, sizeof(*r));
    r->memory.has_limit = r->memory.has_swap = true;
    r->memory.limit = limit;
    r->memory.swap = swap;
}

static void assert_memory(const struct cg_layout *l, const char *path, int64_t limit, int64_t swap)
{
    _cleanup_free_ char *dir = dir_of(l, CG_MEMORY, path);
    _cleanup_free_ char *want_limit = xasprintf("%lld", (long long)limit);
    _cleanup_free_ char *want_swap = xasprintf("%lld", (long long)swap);
    _cleanup_free_ char *want_v2_swap = xasprintf("%lld", (long long)(swap - limit));

    if (l->mode == HULL_CGROUP_V2) {
        assert_file(dir, "memory.max", want_limit);
        assert_file(dir, "memory.swap.max", want_v2_swap);
    } else {
        assert_file(dir, "memory.limit_in_bytes", want_limit);
        assert_file(dir, "memory.memsw.limit_in_bytes", want_swap);
    }
}

/* Raising and lowering memory and memory+swap together: on v1 only one
 * order of the two writes is valid each time. */
static void test_memory_swap_order(void **state)
{
    _cleanup_cg_layout_ struct cg_layout l = {0};
    _cleanup_error_ hull_error *e = NULL;
    _cleanup_free_ char *path = xasprintf("/hull-test-%d-mem", (int)getpid());
    struct child c = {.cmd = -1, .reply = -1};
    struct hull_resources r;
    int ret;

    (void)state;
    check_ok(cg_layout_load(&l, &e), e);
    set_memory(&r, 64 << 20, 128 << 20);
    child_start(&c);
    ret = hull_cgroup_create(path, &r, c.pid, &e);
    if (ret == 0) {
        assert_memory(&l, path, 64 << 20, 128 << 20);
        set_memory(&r, 256 << 20, 512 << 20); /* memsw first */
        ret = hull_cgroup_update(path, &r, &e);
    }
    if (ret == 0) {
        assert_memory(&l, path, 256 << 20, 512 << 20);
        set_memory(&r, 32 << 20, 48 << 20); /* memory first */
        ret = hull_cgroup_update(path, &r, &e);
    }
    if (ret == 0)
        assert_memory(&l, path, 32 << 20, 48 << 20);
    child_stop(&c);
    {
        _cleanup_error_ hull_error *e2 = NULL;
        check_ok(hull_cgroup_destroy(path, &e2), e2);
    }
    check_ok(ret, e);
    assert_gone_everywhere(&l, path);
}

static void test_create_failure_leaves_nothing(void **state)
{
    _cleanup_cg_layout_ struct cg_layout l = {0};
    _cleanup_error_ hull_error *e = NULL;
    _cleanup_free_ char *top = xasprintf("/hull-test-%d-fail", (int)getpid());
    _cleanup_free_ char *path = xasprintf("%s/x/y", top);
    _cleanup_free_ char *before = NULL, *after = NULL, *proc = NULL;
    char impossible[] = "999";
    struct hull_resources r;
    struct child c = {.cmd = -1, .reply = -1};
    int ret;

    (void)state;
    check_ok(cg_layout_load(&l, &e), e);
    memset(&r, 0, sizeof(r));
    r.pids.has_limit = true;
    r.pids.limit = 5;
    r.cpu.cpus = impossible;
    child_start(&c);
    proc = xasprintf("/proc/%d", (int)c.pid);
    before = slurp(proc, "cgroup");
    ret = hull_cgroup_create(path, &r, c.pid, &e);
    after = slurp(proc, "cgroup");
    child_stop(&c);
    assert_int_equal(ret, -1);
    expect_error(e, "linux.resources.cpu.cpus");
    expect_error(e, "\"999\"");
    assert_string_equal(before, after);
    assert_gone_everywhere(&l, path);
    assert_gone_everywhere(&l, top);
}

static void test_lifecycle_errors(void **state)
{
    _cleanup_error_ hull_error *e = NULL;
    _cleanup_free_ char *missing = xasprintf("/hull-test-%d-missing", (int)getpid());
    pid_t *pids = NULL;
    size_t n;

    (void)state;
    assert_int_equal(hull_cgroup_pids(missing, &pids, &n, &e), -1);
    expect_error(e, "does not exist");
    assert_int_equal(e->kind, HULL_ERR_NOT_EXIST);
    assert_int_equal(hull_cgroup_create("relative/x", NULL, getpid(), &e), -1);
    expect_error(e, "is not absolute");
    assert_int_equal(hull_cgroup_enter("/a/../b", getpid(), &e), -1);
    expect_error(e, "not normalized");
    assert_int_equal(hull_cgroup_destroy("/", &e), -1);
    expect_error(e, "root cgroup");
}

static void put_file(const char *dir, const char *name, const char *content)
{
    _cleanup_free_ char *p = xasprintf("%s/%s", dir, name);
    _cleanup_close_ int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

    assert_true(fd >= 0);
    assert_int_equal(write_all(fd, content, strlen(content)), 0);
}

/* A directory of plain files standing in for a v2 cgroup: what the
 * conversions write, without a v2 host. */
static char *fake_v2_dir(void)
{
    static const char *const files[] = {
        "memory.max", "memory.swap.max", "memory.low",  "cpu.weight", "cpu.max.burst",
        "cpu.idle",   "cpuset.cpus",     "cpuset.mems", "pids.max",   "io.weight",
        "io.max",     "hugetlb.2MB.max", "memory.high",
    };
    char tmpl[] = "/tmp/hull-test-cg-XXXXXX";
    char *dir;

    assert_non_null(mkdtemp(tmpl));
    dir = track_tmp_dir(xstrdup(tmpl));
    for (size_t i = 0; i < ARRAY_SIZE(files); i++)
        put_file(dir, files[i], "");
    put_file(dir, "cpu.max", "max 100000");
    put_file(dir, "memory.current", "1000");
    return dir;
}

static void fill_v2_resources(struct hull_resources *r, struct hull_throttle_device *t,
                              struct hull_hugepage_limit *h, struct hull_unified_entry *u)
{
    memset(r, 0, sizeof(*r));
    r->memory.has_limit = r->memory.has_swap = r->memory.has_reservation = true;
    r->memory.limit = 64 << 20;
    r->memory.swap = 96 << 20;
    r->memory.reservation = 32 << 20;
    r->cpu.has_shares = r->cpu.has_quota = r->cpu.has_burst = r->cpu.has_idle = true;
    r->cpu.shares = 1024;
    r->cpu.quota = 20000;
    r->cpu.burst = 1000;
    r->cpu.idle = 1;
    r->pids.has_limit = true;
    r->pids.limit = -1;
    r->block_io.has_weight = true;
    r->block_io.weight = 500;
    *t = (struct hull_throttle_device){.major = 8, .minor = 0, .rate = 1 << 20};
    r->block_io.throttle_read_bps = t;
    r->block_io.n_throttle_read_bps = 1;
    r->hugepage_limits = h;
    r->n_hugepage_limits = 1;
    r->unified = u;
    r->n_unified = 1;
}

static void test_v2_apply_converts(void **state)
{
    _cleanup_free_ char *dir = fake_v2_dir();
    _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    _cleanup_error_ hull_error *e = NULL;
    char size[] = "2MB", key[] = "memory.high", value[] = "50000000", missing[] = "pids.nothing";
    struct hull_hugepage_limit huge = {size, 4 << 20};
    struct hull_unified_entry unified = {key, value};
    struct hull_throttle_device t;
    struct hull_resources r;

    (void)state;
    fill_v2_resources(&r, &t, &huge, &unified);
    check_ok(cg_v2_apply(fd, dir, &r, false, &e), e);
    assert_file(dir, "memory.max", "67108864");
    assert_file(dir, "memory.swap.max", "33554432"); /* memory+swap minus memory */
    assert_file(dir, "memory.low", "33554432");
    assert_file(dir, "cpu.weight", "39"); /* 1 + (1024 - 2) * 9999 / 262142 */
    assert_file(dir, "cpu.max", "20000");
    assert_file(dir, "cpu.max.burst", "1000");
    assert_file(dir, "cpu.idle", "1");
    assert_file(dir, "pids.max", "max");
    assert_file(dir, "io.weight", "4950"); /* 1 + (500 - 10) * 9999 / 990 */
    assert_file(dir, "io.max", "8:0 rbps=1048576");
    assert_file(dir, "hugetlb.2MB.max", "4194304");
    assert_file(dir, "memory.high", "50000000");

    /* a period alone keeps the quota; an unlimited memory unlimits swap */
    memset(&r, 0, sizeof(r));
    r.cpu.has_period = true;
    r.cpu.period = 50000;
    r.memory.has_limit = true;
    r.memory.limit = -1;
    check_ok(cg_v2_apply(fd, dir, &r, false, &e), e);
    assert_file(dir, "cpu.max", "20000 50000");
    assert_file(dir, "memory.max", "max");
    assert_file(dir, "memory.swap.max", "max");

    r.memory.limit = 500;
    r.memory.check_before_update = true;
    assert_int_equal(cg_v2_apply(fd, dir, &r, true, &e), -1);
    expect_error(e, "linux.resources.memory.limit: 500 is not above the current usage 1000");

    memset(&r, 0, sizeof(r));
    unified.key = missing;
    r.unified = &unified;
    r.n_unified = 1;
    assert_int_equal(cg_v2_apply(fd, dir, &r, false, &e), -1);
    expect_error(e, "linux.resources.unified \"pids.nothing\": no such interface file");

    check_ok(rm_rf_at(AT_FDCWD, dir, &e), e);
}

static void test_v2_enable_controllers(void **state)
{
    char tmpl[] = "/tmp/hull-test-cg-XXXXXX";
    _cleanup_free_ char *dir = track_tmp_dir(xstrdup(mkdtemp(tmpl)));
    _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    _cleanup_error_ hull_error *e = NULL;

    (void)state;
    put_file(dir, "cgroup.controllers", "cpuset cpu memory pids\n");
    put_file(dir, "cgroup.subtree_control", "memory pids\n");
    assert_int_equal(cg_v2_enable_controllers(fd, dir, CG_BIT(CG_CPU) | CG_BIT(CG_IO), &e), -1);
    expect_error(e, "the io controller is not offered by");
    /* cpu then cpuset get enabled, one write each (the plain file keeps
     * the last); memory and pids already are */
    put_file(dir, "cgroup.subtree_control", "memory pids\n");
    check_ok(cg_v2_enable_controllers(fd, dir, CG_BIT(CG_CPU), &e), e);
    assert_file(dir, "cgroup.subtree_control", "+cpuset");
    check_ok(rm_rf_at(AT_FDCWD, dir, &e), e);
}

/* The v2 writer against the kernel: a core interface file through
 * "unified" and a device program, on a real v2 cgroup (the hybrid
 * hierarchy on a v1 host). */
static void test_v2_apply_real(void **state)
{
    _cleanup_cg_layout_ struct cg_layout l = {0};
    _cleanup_error_ hull_error *e = NULL;
    _cleanup_free_ char *dir = NULL;
    _cleanup_close_ int fd = -1;
    char key[] = "cgroup.max.descendants", value[] = "3";
    struct hull_unified_entry unified = {key, value};
    struct hull_device_rule rule = {
        .allow = true, .type = 'c', .major = 1, .minor = 3, .access = "rw"};
    struct hull_resources r = {
        .unified = &unified, .n_unified = 1, .devices = &rule, .n_devices = 1};
    const char *root;
    int ret;

    (void)state;
    check_ok(cg_layout_load(&l, &e), e);
    root = l.mode == HULL_CGROUP_V2 ? l.hier[0].mountpoint : l.hybrid_mount;
    if (root == NULL) {
        print_message("no cgroup v2 hierarchy on this host: the v2 writer cannot run here\n");
        skip();
    }
    dir = xasprintf("%s/hull-test-%d-v2", root, (int)getpid());
    assert_int_equal(mkdir(dir, 0755), 0);
    fd = cg_open_dir(dir, &e);
    ret = fd < 0 ? -1 : cg_v2_apply(fd, dir, &r, false, &e);
    _cleanup_free_ char *got = ret == 0 ? slurp(dir, "cgroup.max.descendants") : NULL;
    closep(&fd);
    assert_int_equal(rmdir(dir), 0);
    check_ok(ret, e);
    assert_string_equal(got, "3");
}

/* The v2 device program on a real process.  A v1 host with a hybrid v2
 * hierarchy runs eBPF device programs too, so this runs on this project's
 * machine as well as on v2 hosts. */
static int bpf_probe(const char *dir)
{
    _cleanup_free_ char *procs = xasprintf("%s/cgroup.procs", dir);
    int fd = open(procs, O_WRONLY | O_CLOEXEC), res = 0;
    struct {
        const char *dev;
        int flags;
        bool ok;
    } cases[] = {
        {"/dev/null", O_RDONLY, true},  {"/dev/null", O_WRONLY, false},
        {"/dev/zero", O_RDONLY, true},  {"/dev/zero", O_RDWR, false},
        {"/dev/full", O_RDONLY, false},
    };

    if (fd < 0 || write(fd, "0", 1) != 1)
        return 100;
    close(fd);
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        int d = open(cases[i].dev, cases[i].flags | O_CLOEXEC);
        bool ok = d >= 0;
        if (d >= 0)
            close(d);
        if (ok != cases[i].ok || (!ok && errno != EPERM))
            res |= 1 << i;
    }
    return res;
}

static int run_probe(const char *dir)
{
    int status;
    pid_t pid = fork();

    assert_true(pid >= 0);
    if (pid == 0)
        _exit(bpf_probe(dir));
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static void test_bpf_devices(void **state)
{
    _cleanup_cg_layout_ struct cg_layout l = {0};
    _cleanup_error_ hull_error *e = NULL;
    _cleanup_free_ char *dir = NULL;
    _cleanup_close_ int fd = -1;
    const char *root;
    struct hull_device_rule rules[] = {
        {.allow = false, .type = 'a', .major = -1, .minor = -1, .access = "rwm"},
        {.allow = true, .type = 'c', .major = 1, .minor = 3, .access = "rwm"},
        {.allow = true, .type = 'c', .major = 1, .minor = 5, .access = "r"},
        {.allow = false, .type = 'c', .major = 1, .minor = 3, .access = "w"},
        {.allow = true, .type = 'b', .major = -1, .minor = -1, .access = "m"},
    };
    struct hull_device_rule all = {.allow = true, .type = 'a', .major = -1, .minor = -1};

    (void)state;
    check_ok(cg_layout_load(&l, &e), e);
    root = l.mode == HULL_CGROUP_V2 ? l.hier[0].mountpoint : l.hybrid_mount;
    if (root == NULL) {
        /* a pure v1 host: test_create_lifecycle covered the v1 rules */
        print_message("no cgroup v2 hierarchy: the eBPF device path cannot run here\n");
        skip();
    }
    dir = xasprintf("%s/hull-test-%d-bpf", root, (int)getpid());
    assert_int_equal(mkdir(dir, 0755), 0);
    fd = cg_open_dir(dir, &e);
    if (fd < 0 || cg_bpf_devices_set(fd, rules, ARRAY_SIZE(rules), &e) < 0) {
        rmdir(dir);
        fail_msg("%s", e->msg);
    }
    int bad = run_probe(dir);
    /* replacing the program: allow everything, the old one must go */
    if (bad == 0 && cg_bpf_devices_set(fd, &all, 1, &e) < 0) {
        rmdir(dir);
        fail_msg("%s", e->msg);
    }
    int bad_after = bad == 0 ? run_probe(dir) : 0;
    assert_int_equal(rmdir(dir), 0);
    if (bad != 0)
        fail_msg("device rules misapplied, failed cases mask 0x%x", bad);
    /* with only "allow a" left every device opens, so exactly the cases
     * expecting a refusal report */
    assert_int_equal(bad_after, (1 << 1) | (1 << 3) | (1 << 4));
}

static int group_teardown(void **state)
{
    static const char *const suffixes[] = {"", "-fail", "-mem"};
    _cleanup_cg_layout_ struct cg_layout l = {0};
    _cleanup_error_ hull_error *e = NULL;

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(live_children); i++) {
        if (live_children[i] > 0) {
            kill(live_children[i], SIGKILL);
            waitpid(live_children[i], NULL, 0);
        }
    }
    for (size_t i = 0; i < ARRAY_SIZE(tmp_dirs); i++) {
        if (tmp_dirs[i] != NULL)
            rm_rf_at(AT_FDCWD, tmp_dirs[i], &e);
        free(tmp_dirs[i]);
    }
    for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++) {
        _cleanup_free_ char *path = xasprintf("/hull-test-%d%s", (int)getpid(), suffixes[i]);
        hull_cgroup_destroy(path, &e);
    }
    if (cg_layout_load(&l, &e) == 0) {
        const char *root = l.mode == HULL_CGROUP_V2 ? l.hier[0].mountpoint : l.hybrid_mount;
        _cleanup_free_ char *bpf =
            root ? xasprintf("%s/hull-test-%d-bpf", root, (int)getpid()) : NULL;
        _cleanup_free_ char *v2 =
            root ? xasprintf("%s/hull-test-%d-v2", root, (int)getpid()) : NULL;
        if (root != NULL) {
            rmdir(bpf);
            rmdir(v2);
        }
    }
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resolve_absolute),
        cmocka_unit_test(test_resolve_empty),
        cmocka_unit_test(test_resolve_rejects),
        cmocka_unit_test(test_resolve_colons_in_path),
        cmocka_unit_test(test_layout_parse_hybrid),
        cmocka_unit_test(test_layout_parse_v2),
        cmocka_unit_test(test_layout_skips_read_only),
        cmocka_unit_test(test_layout_cached_per_namespace),
        cmocka_unit_test(test_need_hybrid_message),
        cmocka_unit_test(test_resolve_relative_rules),
        cmocka_unit_test(test_resolve_relative_host),
        cmocka_unit_test(test_check_resources_host),
        cmocka_unit_test(test_create_lifecycle),
        cmocka_unit_test(test_create_empty_and_join),
        cmocka_unit_test(test_memory_swap_order),
        cmocka_unit_test(test_create_failure_leaves_nothing),
        cmocka_unit_test(test_lifecycle_errors),
        cmocka_unit_test(test_v2_apply_converts),
        cmocka_unit_test(test_v2_enable_controllers),
        cmocka_unit_test(test_v2_apply_real),
        cmocka_unit_test(test_bpf_devices),
    };
    return cmocka_run_group_tests(tests, NULL, group_teardown);
}
