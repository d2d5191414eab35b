/* Tests of the root filesystem setup (rootfs.c and friends, devices.c),
 * run for real as root.
 *
 * Each test builds a rootfs of empty directories in a temporary directory
 * and a struct hull_spec by hand, then forks a child that unshares a mount
 * namespace (and pid, net, ipc, uts, cgroup, user namespaces as the test
 * needs) and calls the library.  The child looks at the result from the
 * inside (statfs, stat, /proc/self/mountinfo) and writes what it saw as
 * "key=value" lines to a pipe; the parent asserts on them.  Every mount
 * lives in the child's namespace and disappears with it; the parent removes
 * the temporary directory. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "devices.h"
#include "mountinfo.h"
#include "rootfs.h"
#include "rootfs_harness.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- hull_rootfs_check (no namespaces needed) ---- */

static void test_check(void **state)
{
    struct tspec *t = *state;
    hull_error *e = NULL;
    _cleanup_free_ char *p = NULL, *q = NULL;

    assert_int_equal(hull_rootfs_check(&t->spec, &e), 0);

    /* /proc as a symlink: CVE-2019-19921 */
    p = xasprintf("%s/proc", t->root);
    assert_int_equal(symlink("/etc", p), 0);
    assert_int_equal(hull_rootfs_check(&t->spec, &e), -1);
    assert_non_null(strstr(e->msg, "/proc is a symlink"));
    assert_non_null(strstr(e->msg, t->root));
    hull_error_free(e);
    e = NULL;
    assert_int_equal(unlink(p), 0);
    make(t->root, "proc", NULL);

    /* /dev/null as a symlink */
    make(t->root, "dev", NULL);
    q = xasprintf("%s/dev/null", t->root);
    assert_int_equal(symlink("/proc/sys/kernel/core_pattern", q), 0);
    assert_int_equal(hull_rootfs_check(&t->spec, &e), -1);
    assert_non_null(strstr(e->msg, "/dev/null is a symlink"));
    hull_error_free(e);
    e = NULL;
}

static void test_check_dev_symlink_and_missing(void **state)
{
    struct tspec *t = *state;
    hull_error *e = NULL;
    _cleanup_free_ char *p = NULL;

    p = xasprintf("%s/dev", t->root);
    assert_int_equal(symlink("/dev", p), 0);
    assert_int_equal(hull_rootfs_check(&t->spec, &e), -1);
    assert_non_null(strstr(e->msg, "/dev is a symlink"));
    hull_error_free(e);
    e = NULL;
    /* a mount covering /dev makes it acceptable */
    add_mount(t, "/dev/", "tmpfs", "tmpfs", NULL);
    assert_int_equal(hull_rootfs_check(&t->spec, &e), 0);

    t->spec.root_path = t->host; /* exists */
    assert_int_equal(hull_rootfs_check(&t->spec, &e), 0);
    t->spec.root_path = (char *)"/nonexistent-hull-rootfs";
    assert_int_equal(hull_rootfs_check(&t->spec, &e), -1);
    assert_non_null(strstr(e->msg, "root.path \"/nonexistent-hull-rootfs\""));
    assert_int_equal(e->kind, HULL_ERR_BAD_INPUT);
    hull_error_free(e);
    e = NULL;
    t->spec.root_path = (char *)"/etc/hostname"; /* not a directory */
    assert_int_equal(hull_rootfs_check(&t->spec, &e), -1);
    hull_error_free(e);
    t->spec.root_path = t->root;
}

/* ---- the standard mounts, cgroups and devices ---- */

static void child_standard(struct tspec *t, FILE *out)
{
    struct hull_rootfs_ctx ctx = {.spec = &t->spec, .new_netns = true, .rootfd = -1};
    static const char *const devs[] = {"null", "zero", "full", "random", "urandom", "tty"};
    _cleanup_close_ int master = -1, slave = -1;
    _cleanup_error_ hull_error *e = NULL;
    struct stat pty, console;

    if (!setup_all(&ctx, out))
        return;
    /* a pty of the container's own devpts, through /dev/ptmx -> pts/ptmx */
    master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0 ||
        (slave = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0 ||
        fstat(slave, &pty) < 0) {
        report(out, "error", "open a pty: %s", strerror(errno));
        return;
    }
    if (report_err(out, "error", hull_rootfs_mount_console(slave, &e), &e))
        return;
    report(out, "console", "%d",
           stat("/dev/console", &console) == 0 && S_ISCHR(console.st_mode) &&
               console.st_rdev == pty.st_rdev);
    report(out, "pid", "%d", (int)getpid());
    report(out, "fs_proc", "%s", fs_name("/proc"));
    report(out, "fs_dev", "%s", fs_name("/dev"));
    report(out, "fs_pts", "%s", fs_name("/dev/pts"));
    report(out, "fs_shm", "%s", fs_name("/dev/shm"));
    report(out, "fs_mqueue", "%s", fs_name("/dev/mqueue"));
    report(out, "fs_sys", "%s", fs_name("/sys"));
    report(out, "ro_sys", "%d", is_ro("/sys"));
    report(out, "fs_cgroup", "%s", fs_name("/sys/fs/cgroup"));
    report(out, "ro_cgroup", "%d", is_ro("/sys/fs/cgroup"));
    report(out, "fs_cg_memory", "%s", fs_name("/sys/fs/cgroup/memory"));
    report(out, "fs_cg_cpu", "%s", fs_name("/sys/fs/cgroup/cpu"));
    report(out, "fs_cg_systemd", "%s", fs_name("/sys/fs/cgroup/systemd"));
    report(out, "fs_cg_unified", "%s", fs_name("/sys/fs/cgroup/unified"));
    for (size_t i = 0; i < ARRAY_SIZE(devs); i++) {
        _cleanup_free_ char *path = xasprintf("/dev/%s", devs[i]);
        _cleanup_free_ char *key = xasprintf("dev_%s", devs[i]);
        report_node(out, key, path);
    }
    report_node(out, "fuse", "/dev/fuse");
    report_node(out, "fifo", "/run/hull.fifo");
    report_link(out, "link_fd", "/dev/fd");
    report_link(out, "link_stdin", "/dev/stdin");
    report_link(out, "link_stderr", "/dev/stderr");
    report_link(out, "link_ptmx", "/dev/ptmx");
    report(out, "core", "%s", access("/proc/kcore", F_OK) == 0 ? "host-has-kcore" : "");
    report_link(out, "link_core", "/dev/core");
    report(out, "null_works", "%d", create_errno("/dev/null") == 0);

    /* nothing of the host's tree is left in the namespace */
    struct hull_mountinfo *mi = NULL;
    size_t n = 0;
    int leaked = 0, cg_memory_root_ok = 0;
    if (hull_mountinfo_read(&mi, &n, NULL) == 0) {
        for (size_t i = 0; i < n; i++) {
            leaked += str_has_prefix(mi[i].mount_point, t->dir);
            if (strcmp(mi[i].mount_point, "/sys/fs/cgroup/memory") == 0)
                cg_memory_root_ok = strcmp(mi[i].root, "/") == 0;
        }
        hull_mountinfo_free(mi, n);
    }
    report(out, "leaked", "%d", leaked);
    report(out, "cg_memory_root_is_own", "%d", cg_memory_root_ok);
}

/* The container's /sys/fs/cgroup mirrors the host's: cgroup2 on a v2
 * host; on a v1 or hybrid host (like the VM these tests were written on) a
 * read-only tmpfs with each hierarchy the host has. */
static void assert_cgroups_like_host(const char *r)
{
    static const char *const names[] = {"memory", "cpu", "systemd", "unified"};
    _cleanup_free_ char *top = xstrdup(fs_name("/sys/fs/cgroup"));

    assert_field(r, "fs_cgroup", strcmp(top, "cgroup2") == 0 ? "cgroup2" : "tmpfs");
    assert_field(r, "ro_cgroup", "1");
    for (size_t i = 0; strcmp(top, "cgroup2") != 0 && i < ARRAY_SIZE(names); i++) {
        _cleanup_free_ char *host = xasprintf("/sys/fs/cgroup/%s", names[i]);
        _cleanup_free_ char *key = xasprintf("fs_cg_%s", names[i]);
        _cleanup_free_ char *want = xstrdup(fs_name(host));
        if (strcmp(want, "cgroup") == 0 || strcmp(want, "cgroup2") == 0)
            assert_field(r, key, want);
    }
}

static void test_standard_mounts_and_devices(void **state)
{
    const int flags = CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP;
    struct hull_device devs[2] = {
        {.path = xstrdup("/dev/fuse"),
         .type = 'c',
         .major = 10,
         .minor = 229,
         .has_file_mode = true,
         .file_mode = 0600,
         .has_uid = true,
         .uid = 1000,
         .has_gid = true,
         .gid = 1001},
        {.path = xstrdup("/run/hull.fifo"), .type = 'p', .has_file_mode = true, .file_mode = 0640},
    };
    struct tspec *t = *state;
    _cleanup_free_ char *r = NULL;

    set_ns(t, flags);
    add_std_mounts(t);
    add_mount(t, "/sys/fs/cgroup", "cgroup", "cgroup", "nosuid,noexec,nodev,relatime,ro");
    t->spec.linux_.devices = xmalloc(sizeof(devs));
    memcpy(t->spec.linux_.devices, devs, sizeof(devs));
    t->spec.linux_.n_devices = 2;
    r = run_child(t, flags, child_standard);
    assert_field(r, "pid", "1");
    assert_field(r, "pid", "1");
    assert_field(r, "fs_proc", "proc");
    assert_field(r, "fs_dev", "tmpfs");
    assert_field(r, "fs_pts", "devpts");
    assert_field(r, "fs_shm", "tmpfs");
    assert_field(r, "fs_mqueue", "mqueue");
    assert_field(r, "fs_sys", "sysfs");
    assert_field(r, "ro_sys", "1");
    assert_cgroups_like_host(r);
    if (strcmp(fs_name("/sys/fs/cgroup/memory"), "cgroup") == 0)
        assert_field(r, "cg_memory_root_is_own", "1"); /* the cgroup namespace's root */
    assert_field(r, "dev_null", "c 1:3 666 0:0");
    assert_field(r, "dev_zero", "c 1:5 666 0:0");
    assert_field(r, "dev_full", "c 1:7 666 0:0");
    assert_field(r, "dev_random", "c 1:8 666 0:0");
    assert_field(r, "dev_urandom", "c 1:9 666 0:0");
    assert_field(r, "dev_tty", "c 5:0 666 0:0");
    assert_field(r, "fuse", "c 10:229 600 1000:1001");
    assert_field(r, "fifo", "p 0:0 640 0:0");
    assert_field(r, "link_fd", "/proc/self/fd");
    assert_field(r, "link_stdin", "/proc/self/fd/0");
    assert_field(r, "link_stderr", "/proc/self/fd/2");
    assert_field(r, "link_ptmx", "pts/ptmx");
    bool kcore = *field(r, "core") != '\0';
    assert_field(r, "link_core", kcore ? "/proc/kcore" : "missing");
    assert_field(r, "null_works", "1");
    assert_field(r, "console", "1");
    assert_field(r, "leaked", "0");
}

/* Without a fresh /dev only linux.devices are made. */
static void child_devices_only(struct tspec *t, FILE *out)
{
    _cleanup_close_ int root = open(t->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    hull_error *e = NULL;

    if (report_err(out, "error", hull_devices_setup(root, &t->spec, false, false, &e), &e))
        return;
    _cleanup_free_ char *null = xasprintf("%s/dev/null", t->root);
    _cleanup_free_ char *fd = xasprintf("%s/dev/fd", t->root);
    _cleanup_free_ char *kvm = xasprintf("%s/dev/kvm", t->root);
    report_node(out, "null", null);
    report_link(out, "fd", fd);
    report_node(out, "kvm", kvm);
    /* an existing different file is an error for linux.devices */
    t->spec.linux_.devices[0].minor = 233;
    report_err(out, "mismatch", hull_devices_setup(root, &t->spec, false, false, &e), &e);
}

static void test_devices_not_fresh(void **state)
{
    struct tspec *t = *state;
    _cleanup_free_ char *r = NULL;
    size_t n;

    t->spec.linux_.devices = xmalloc0(sizeof(struct hull_device));
    t->spec.linux_.devices[0] =
        (struct hull_device){.path = xstrdup("/dev/kvm"), .type = 'c', .major = 10, .minor = 232};
    t->spec.linux_.n_devices = 1;
    r = run_child(t, 0, child_devices_only);
    assert_null(field(r, "error"));
    assert_field(r, "null", "missing");
    assert_field(r, "fd", "missing");
    assert_field(r, "kvm", "c 10:232 666 0:0");
    assert_field_has(r, "mismatch", "\"/dev/kvm\": a different file already exists");
    assert_non_null(hull_default_devices(&n));
    assert_int_equal(n, 6);
}

/* ---- bind mounts ---- */

static void child_bind(struct tspec *t, FILE *out)
{
    _cleanup_free_ char *sub = xasprintf("%s/sub", t->host);
    struct hull_rootfs_ctx ctx = {.spec = &t->spec, .rootfd = -1};
    char buf[64] = "";

    /* a submount in the source, to tell "ro" (top only) from "rro" */
    if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0 ||
        mount("tmpfs", sub, "tmpfs", 0, "size=1m") < 0) {
        report(out, "error", "prepare: %s", strerror(errno));
        return;
    }
    if (!setup_all(&ctx, out))
        return;
    report(out, "data_write", "%d", create_errno("/data/new"));
    report(out, "data_sub_write", "%d", create_errno("/data/sub/new"));
    report(out, "rdata_write", "%d", create_errno("/rdata/new"));
    report(out, "rdata_sub_write", "%d", create_errno("/rdata/sub/new"));
    report(out, "rw_write", "%d", create_errno("/rw/new"));
    _cleanup_close_ int fd = open("/data/file.txt", O_RDONLY | O_CLOEXEC);
    if (fd >= 0 && read(fd, buf, sizeof(buf) - 1) < 0)
        buf[0] = '\0';
    report(out, "data_read", "%s", buf);
    report(out, "file_write", "%d", create_errno("/etc/hostfile"));
    report(out, "file_fs", "%s", fs_name("/etc/hostfile"));
    report(out, "later_write", "%d", create_errno("/later/new"));
    report(out, "scratch_write", "%d", create_errno("/scratch/new"));
    struct statvfs sv;
    report(out, "scratch_noexec", "%d", statvfs("/scratch", &sv) == 0 && (sv.f_flag & ST_NOEXEC));
    report(out, "rw_nosuid", "%d", statvfs("/rw", &sv) == 0 && (sv.f_flag & ST_NOSUID));
}

static void test_bind_mounts(void **state)
{
    struct tspec *t = *state;
    _cleanup_free_ char *r = NULL, *file = NULL;

    make(t->host, "file.txt", "hello from the host");
    make(t->host, "sub", NULL);
    file = xasprintf("%s/file.txt", t->host);
    add_mount(t, "/data", "bind", t->host, "rbind,ro");
    add_mount(t, "/rdata", NULL, t->host, "rbind,rro,rprivate");
    add_mount(t, "/rw", "none", t->host, "bind,nosuid");
    add_mount(t, "/etc/hostfile", "bind", file, "bind,ro");
    /* remounts of what an earlier entry mounted */
    add_mount(t, "/later", "bind", t->host, "bind");
    add_mount(t, "/later", NULL, NULL, "remount,bind,ro");
    add_mount(t, "/scratch", "tmpfs", "tmpfs", "size=1m");
    add_mount(t, "/scratch", "tmpfs", "tmpfs", "remount,ro,rnoexec");
    r = run_child(t, 0, child_bind);
    assert_null(field(r, "error"));
    assert_field(r, "data_write", "30"); /* EROFS */
    assert_field(r, "data_sub_write", "0");
    assert_field(r, "rdata_write", "30");
    assert_field(r, "rdata_sub_write", "30");
    assert_field(r, "rw_write", "0");
    assert_field(r, "rw_nosuid", "1");
    assert_field(r, "data_read", "hello from the host");
    assert_field(r, "file_write", "30");
    assert_field(r, "file_fs", fs_name(t->host)); /* the host file itself, not a copy */
    assert_field(r, "later_write", "30");
    assert_field(r, "scratch_write", "30");
    assert_field(r, "scratch_noexec", "1");
}

/* ---- symlinks in the rootfs cannot send a mount to the host ---- */

static void child_escape(struct tspec *t, FILE *out)
{
    struct hull_rootfs_ctx ctx = {.spec = &t->spec, .rootfd = -1};
    hull_error *e = NULL;
    _cleanup_free_ char *etc = xasprintf("%s/etc", t->root);
    _cleanup_free_ char *hn = xasprintf("%s/var/hostname", t->root);
    _cleanup_free_ char *root_hn = NULL;

    if (report_err(out, "error", hull_rootfs_mount(&ctx, &e), &e))
        return;
    report(out, "host_etc", "%s", fs_name("/etc"));
    report(out, "rootfs_etc", "%s", fs_name(etc));
    report(out, "host_var_hostname", "%d", access("/var/hostname", F_OK) == 0);
    if (read_file_at(AT_FDCWD, hn, 0, &root_hn, NULL, NULL) == 0)
        report(out, "rootfs_hostname", "%s", root_hn);
}

static void test_symlink_destination_stays_inside(void **state)
{
    struct tspec *t = *state;
    _cleanup_free_ char *r = NULL, *l1 = NULL, *l2 = NULL, *src = NULL;

    make(t->root, "etc", NULL);
    make(t->root, "var", NULL);
    make(t->root, "var/hostname", "rootfs-hostname\n");
    make(t->host, "hostname", "bound-hostname\n");
    l1 = xasprintf("%s/escape", t->root);
    l2 = xasprintf("%s/escfile", t->root);
    /* both climb out of the rootfs if resolved on the host */
    assert_int_equal(symlink("/../../etc", l1), 0);
    assert_int_equal(symlink("../../../../var/hostname", l2), 0);
    src = xasprintf("%s/hostname", t->host);
    add_mount(t, "/escape", "tmpfs", "tmpfs", "size=1m");
    add_mount(t, "/escfile", "bind", src, "bind");
    assert_int_equal(access("/var/hostname", F_OK), -1);
    r = run_child(t, 0, child_escape);
    assert_null(field(r, "error"));
    /* the mounts landed on the rootfs's own /etc and /var/hostname */
    assert_string_not_equal(fs_name("/etc"), "tmpfs");
    assert_field(r, "host_etc", fs_name("/etc"));
    assert_field(r, "rootfs_etc", "tmpfs");
    assert_field(r, "host_var_hostname", "0");
    assert_field(r, "rootfs_hostname", "bound-hostname ");
}

/* ---- destinations that are refused ---- */

/* Each case of test_rejected_destinations: mounts[first .. first+count). */
static const size_t reject_cases[][2] = {
    {0, 1}, {1, 1}, {2, 1}, {3, 1}, {4, 1}, {4, 2}, {6, 1}, {7, 1}, {8, 1}, {9, 1},
};

static void child_reject(struct tspec *t, FILE *out)
{
    struct hull_mount *all = t->spec.mounts;

    for (size_t i = 0; i < ARRAY_SIZE(reject_cases); i++) {
        struct hull_rootfs_ctx ctx = {.spec = &t->spec, .rootfd = -1};
        _cleanup_free_ char *key = xasprintf("case%zu", i);
        hull_error *e = NULL;

        t->spec.mounts = &all[reject_cases[i][0]];
        t->spec.n_mounts = reject_cases[i][1];
        if (hull_rootfs_mount(&ctx, &e) == 0)
            report(out, key, "mounted");
        else
            report(out, key, "%s", e->msg);
        hull_error_free(e);
        if (ctx.rootfd >= 0)
            close(ctx.rootfd);
    }
}

static void test_rejected_destinations(void **state)
{
    struct tspec *t = *state;
    _cleanup_free_ char *r = NULL, *l = NULL;

    l = xasprintf("%s/toroot", t->root);
    assert_int_equal(symlink("/", l), 0);
    add_mount(t, "/proc", "tmpfs", "tmpfs", NULL);
    add_mount(t, "/", "tmpfs", "tmpfs", NULL);
    add_mount(t, "/toroot", "tmpfs", "tmpfs", NULL);
    add_mount(t, "/data", "bind", t->host, "bind,idmap");
    add_mount(t, "/proc", "proc", "proc", NULL);
    add_mount(t, "/proc/sys/kernel", "bind", t->host, "rbind");
    add_mount(t, "/x", "tmpfs", "tmpfs", "shared,private");
    add_mount(t, "/y", "proc", "proc", "bind,tmpcopyup");
    add_mount(t, "/z", "bind", t->host, "rbind,sync");
    add_mount(t, "/z", "bind", t->host, "rbind,mode=755");
    r = run_child(t, CLONE_NEWPID, child_reject);
    /* CVE-2019-16884: nothing but procfs on /proc */
    assert_field_has(r, "case0", "mounts[0] (\"/proc\")");
    assert_field_has(r, "case0", "only a proc filesystem may be mounted there");
    assert_field_has(r, "case1", "resolves to the root");
    assert_field_has(r, "case2", "\"/toroot\" resolves to the root");
    assert_field_has(r, "case3", "option \"idmap\" is not supported");
    assert_field(r, "case4", "mounted");
    assert_field_has(r, "case5", "mounts[1] (\"/proc/sys/kernel\")");
    assert_field_has(r, "case5", "inside /proc");
    assert_field_has(r, "case6", "conflicting propagation options \"shared\" and \"private\"");
    assert_field_has(r, "case7", "\"tmpcopyup\" applies only to tmpfs");
    assert_field_has(r, "case8", "option \"sync\" does not apply to a bind mount");
    assert_field_has(r, "case9", "options \"mode=755\" do not apply to a bind mount");
}

/* ---- maskedPaths, readonlyPaths, root.readonly ---- */

static void child_finalize(struct tspec *t, FILE *out)
{
    struct hull_rootfs_ctx ctx = {.spec = &t->spec, .rootfd = -1};
    char buf[16];

    if (!setup_all(&ctx, out))
        return;
    report_node(out, "secret", "/secret.txt");
    int fd = open("/secret.txt", O_RDONLY | O_CLOEXEC);
    report(out, "secret_read", "%zd", fd < 0 ? (ssize_t)-1 : read(fd, buf, sizeof(buf)));
    if (fd >= 0)
        close(fd);
    report_node(out, "timer_list", "/proc/timer_list");
    report(out, "secretdir_fs", "%s", fs_name("/secretdir"));
    report(out, "secretdir_ro", "%d", is_ro("/secretdir"));
    report(out, "secretdir_inner", "%d", access("/secretdir/inner", F_OK) == 0);
    report(out, "proc_sys_write", "%d", create_errno("/proc/sys/kernel/hostname"));
    report(out, "rodir_write", "%d", create_errno("/rodir/x"));
    report(out, "root_write", "%d", create_errno("/newfile"));
    report(out, "dev_write", "%d", create_errno("/dev/newfile"));
}

static void test_masked_and_readonly_paths(void **state)
{
    struct tspec *t = *state;
    _cleanup_free_ char *r = NULL;

    set_ns(t, CLONE_NEWPID);
    make(t->root, "secret.txt", "top secret");
    make(t->root, "secretdir", NULL);
    make(t->root, "secretdir/inner", "x");
    make(t->root, "rodir", NULL);
    add_mount(t, "/proc", "proc", "proc", NULL);
    add_mount(t, "/dev", "tmpfs", "tmpfs", "mode=755");
    t->spec.linux_.masked_paths = split_opts("/secret.txt,/secretdir,/missing,/proc/timer_list");
    t->spec.linux_.readonly_paths = split_opts("/proc/sys,/rodir,/missing2");
    t->spec.root_readonly = true;
    r = run_child(t, CLONE_NEWPID, child_finalize);
    assert_null(field(r, "error"));
    assert_field(r, "secret", "c 1:3 666 0:0");
    assert_field(r, "secret_read", "0");
    assert_field(r, "timer_list", "c 1:3 666 0:0");
    assert_field(r, "secretdir_fs", "tmpfs");
    assert_field(r, "secretdir_ro", "1");
    assert_field(r, "secretdir_inner", "0");
    assert_field(r, "proc_sys_write", "30");
    assert_field(r, "rodir_write", "30");
    assert_field(r, "root_write", "30");
    assert_field(r, "dev_write", "0");
}

/* A /dev/null that is not the null device is not used for masking. */
static void child_fake_null(struct tspec *t, FILE *out)
{
    struct hull_rootfs_ctx ctx = {.spec = &t->spec, .rootfd = -1};
    setup_all(&ctx, out);
}

static void test_mask_refuses_fake_dev_null(void **state)
{
    struct tspec *t = *state;
    _cleanup_free_ char *r = NULL;

    /* /dev is a bind mount here: only then are no default devices made,
     * so the fake null survives to the masking step. */
    make(t->root, "dev", NULL);
    make(t->host, "null", "not a device");
    make(t->root, "secret.txt", "top secret");
    add_mount(t, "/dev", "bind", t->host, "rbind");
    t->spec.linux_.masked_paths = split_opts("/secret.txt");
    r = run_child(t, 0, child_fake_null);
    assert_field_has(r, "error", "/dev/null is not the null device");
}

/* ---- sysctl ---- */

static void child_sysctl(struct tspec *t, FILE *out)
{
    struct hull_rootfs_ctx ctx = {.spec = &t->spec, .rootfd = -1};
    static const char *const bad[][3] = {
        {"newline", "kernel.shmmax", "1\nkernel.x"}, {"slash", "kernel/shmmax", "1"},
        {"dotdot", "kernel..shmmax", "1"},           {"host", "vm.swappiness", "10"},
        {"leading", ".kernel.shmmax", "1"},
    };
    _cleanup_free_ char *shmmax = NULL, *hostname = NULL, *fwd = NULL;
    hull_error *e = NULL;

    if (!setup_all(&ctx, out))
        return;
    if (read_file_at(AT_FDCWD, "/proc/sys/kernel/shmmax", 0, &shmmax, NULL, NULL) == 0)
        report(out, "shmmax", "%s", shmmax);
    if (read_file_at(AT_FDCWD, "/proc/sys/kernel/hostname", 0, &hostname, NULL, NULL) == 0)
        report(out, "hostname", "%s", hostname);
    if (read_file_at(AT_FDCWD, "/proc/sys/net/ipv4/ip_forward", 0, &fwd, NULL, NULL) == 0)
        report(out, "ip_forward", "%s", fwd);

    struct hull_sysctl one;
    t->spec.linux_.sysctl = &one;
    t->spec.linux_.n_sysctl = 1;
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        one.key = (char *)bad[i][1];
        one.value = (char *)bad[i][2];
        if (hull_rootfs_finalize(&ctx, &e) == 0)
            report(out, bad[i][0], "accepted");
        else
            report(out, bad[i][0], "%s", e->msg);
    }
    /* net.* without the container's own network namespace */
    one.key = (char *)"net.ipv4.ip_forward";
    one.value = (char *)"0";
    t->spec.linux_.namespaces[HULL_NS_NETWORK].present = false;
    if (hull_rootfs_finalize(&ctx, &e) == 0)
        report(out, "no_netns", "accepted");
    else
        report(out, "no_netns", "%s", e->msg);
    hull_error_free(e);
    _cleanup_free_ char *after = NULL;
    if (read_file_at(AT_FDCWD, "/proc/sys/kernel/shmmax", 0, &after, NULL, NULL) == 0)
        report(out, "shmmax_after", "%s", after);
}

static void test_sysctl(void **state)
{
    const int flags = CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS;
    struct tspec *t = *state;
    _cleanup_free_ char *r = NULL;

    set_ns(t, flags);
    add_mount(t, "/proc", "proc", "proc", NULL);
    add_sysctl(&t->spec, "kernel.shmmax", "12345678");
    add_sysctl(&t->spec, "kernel.hostname", "hull-sysctl");
    add_sysctl(&t->spec, "net.ipv4.ip_forward", "1");
    struct hull_sysctl *saved = t->spec.linux_.sysctl;
    size_t n_saved = t->spec.linux_.n_sysctl;
    r = run_child(t, flags, child_sysctl);
    t->spec.linux_.sysctl = saved; /* the child pointed it elsewhere in its own copy only */
    t->spec.linux_.n_sysctl = n_saved;
    assert_null(field(r, "error"));
    assert_field(r, "shmmax", "12345678 ");
    assert_field(r, "hostname", "hull-sysctl ");
    assert_field(r, "ip_forward", "1 ");
    /* CVE-2022-0811: no second assignment smuggled in through the value */
    assert_field_has(r, "newline", "linux.sysctl \"kernel.shmmax\": the value contains a newline");
    assert_field_has(r, "slash", "invalid key \"kernel/shmmax\"");
    assert_field_has(r, "dotdot", "invalid key \"kernel..shmmax\"");
    assert_field_has(r, "leading", "invalid key");
    assert_field_has(r, "host", "\"vm.swappiness\" is not namespaced");
    assert_field_has(r, "no_netns", "needs the container's own network namespace");
    assert_field(r, "shmmax_after", "12345678 ");
}

/* ---- --no-pivot ---- */

static void child_no_pivot(struct tspec *t, FILE *out)
{
    struct hull_rootfs_ctx ctx = {.spec = &t->spec, .no_pivot = true, .rootfd = -1};
    char cwd[PATH_MAX];

    if (!setup_all(&ctx, out))
        return;
    report(out, "marker", "%d", access("/marker", F_OK) == 0);
    report(out, "host_dir_visible", "%d", access(t->dir, F_OK) == 0);
    report(out, "cwd", "%s", getcwd(cwd, sizeof(cwd)) ? cwd : "?");
    report(out, "root_ro", "%d", is_ro("/"));
}

static void test_no_pivot(void **state)
{
    struct tspec *t = *state;
    _cleanup_free_ char *r = NULL;

    make(t->root, "marker", "here");
    t->spec.root_readonly = true;
    r = run_child(t, 0, child_no_pivot);
    assert_null(field(r, "error"));
    assert_field(r, "marker", "1");
    assert_field(r, "host_dir_visible", "0");
    assert_field(r, "cwd", "/");
    assert_field(r, "root_ro", "1");
}

/* ---- tmpcopyup ---- */

static void child_copyup(struct tspec *t, FILE *out)
{
    struct hull_rootfs_ctx ctx = {.spec = &t->spec, .rootfd = -1};
    _cleanup_free_ char *a = NULL;
    struct stat st;

    if (!setup_all(&ctx, out))
        return;
    report(out, "fs", "%s", fs_name("/data"));
    if (read_file_at(AT_FDCWD, "/data/a", 0, &a, NULL, NULL) == 0)
        report(out, "a", "%s", a);
    report(out, "a_mode", "%o", stat("/data/a", &st) == 0 ? st.st_mode & 07777 : 0);
    report(out, "root_mode", "%o", stat("/data", &st) == 0 ? st.st_mode & 07777 : 0);
    report_link(out, "link", "/data/d/l");
    report(out, "ro", "%d", is_ro("/data"));
}

static void test_tmpcopyup(void **state)
{
    struct tspec *t = *state;
    _cleanup_free_ char *r = NULL, *a = NULL, *l = NULL, *d = NULL;

    make(t->root, "data", NULL);
    make(t->root, "data/a", "hello");
    make(t->root, "data/d", NULL);
    a = xasprintf("%s/data/a", t->root);
    d = xasprintf("%s/data", t->root);
    l = xasprintf("%s/data/d/l", t->root);
    assert_int_equal(chmod(a, 0640), 0);
    assert_int_equal(chmod(d, 0710), 0);
    assert_int_equal(symlink("../a", l), 0);
    add_mount(t, "/data", "tmpfs", "tmpfs", "tmpcopyup,size=1m,ro");
    r = run_child(t, 0, child_copyup);
    assert_null(field(r, "error"));
    assert_field(r, "fs", "tmpfs");
    assert_field(r, "a", "hello");
    assert_field(r, "a_mode", "640");
    assert_field(r, "root_mode", "710");
    assert_field(r, "link", "../a");
    assert_field(r, "ro", "1");
}

/* ---- a user namespace: device binds, sysfs and cgroup fallbacks, locked
 * flags ---- */

static void child_userns(struct tspec *t, FILE *out)
{
    struct hull_rootfs_ctx ctx = {.spec = &t->spec, .in_userns = true, .rootfd = -1};
    struct statvfs sv;

    if (!setup_all(&ctx, out))
        return;
    report_node(out, "dev_null", "/dev/null");
    report(out, "null_works", "%d", create_errno("/dev/null") == 0);
    report(out, "fs_sys", "%s", fs_name("/sys"));
    report(out, "ro_sys", "%d", is_ro("/sys"));
    report(out, "fs_cgroup", "%s", fs_name("/sys/fs/cgroup"));
    report(out, "ro_cgroup", "%d", is_ro("/sys/fs/cgroup"));
    report(out, "fs_cg_memory", "%s", fs_name("/sys/fs/cgroup/memory"));
    report(out, "ro_cg_memory", "%d", is_ro("/sys/fs/cgroup/memory"));
    report(out, "fs_proc", "%s", fs_name("/proc"));
    report(out, "locked_nosuid", "%d", statvfs("/locked", &sv) == 0 && (sv.f_flag & ST_NOSUID));
    report(out, "locked_ro", "%d", is_ro("/locked"));
}

/* As real root, before the user namespace exists: a nosuid tmpfs, whose
 * flag is locked in the user namespace's copy of the mounts. */
static bool pre_locked_mount(struct tspec *t)
{
    _cleanup_free_ char *locked = xasprintf("%s/locked", t->host);
    return mount("tmpfs", locked, "tmpfs", MS_NOSUID, "size=1m") == 0;
}

static void test_user_namespace(void **state)
{
    const int flags = CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS;
    struct tspec *t = *state;
    _cleanup_free_ char *r = NULL, *locked = NULL;

    set_ns(t, flags);
    make(t->host, "locked", NULL);
    locked = xasprintf("%s/locked", t->host);
    add_mount(t, "/proc", "proc", "proc", NULL);
    add_mount(t, "/dev", "tmpfs", "tmpfs", "nosuid,mode=755");
    add_mount(t, "/dev/pts", "devpts", "devpts", "newinstance,ptmxmode=0666");
    add_mount(t, "/dev/mqueue", "mqueue", "mqueue", NULL);
    add_mount(t, "/sys", "sysfs", "sysfs", "ro,nosuid");
    add_mount(t, "/sys/fs/cgroup", "cgroup", "cgroup", "ro");
    /* "suid" cannot be had: the source's nosuid is locked */
    add_mount(t, "/locked", "bind", locked, "rbind,suid,ro");
    r = run_child_pre(t, flags, pre_locked_mount, child_userns);
    assert_null(field(r, "error"));
    /* mknod is refused in a user namespace: the host's node is bound */
    assert_field_has(r, "dev_null", "c 1:3 666");
    assert_field(r, "null_works", "1");
    /* no network namespace of its own: the host's /sys, read-only */
    assert_field(r, "fs_sys", "sysfs");
    assert_field(r, "ro_sys", "1");
    /* no cgroup namespace: the container's own cgroup bound from the host */
    if (strcmp(fs_name("/sys/fs/cgroup"), "cgroup2") == 0) {
        assert_field(r, "fs_cgroup", "cgroup2");
        assert_field(r, "ro_cgroup", "1");
    } else if (strcmp(fs_name("/sys/fs/cgroup/memory"), "cgroup") == 0) {
        assert_field(r, "fs_cg_memory", "cgroup");
        assert_field(r, "ro_cg_memory", "1");
    }
    assert_field(r, "fs_proc", "proc");
    assert_field(r, "locked_nosuid", "1");
    assert_field(r, "locked_ro", "1");
}

/* ---- linux.rootfsPropagation ---- */

static void child_propagation(struct tspec *t, FILE *out)
{
    struct hull_rootfs_ctx ctx = {.spec = &t->spec, .rootfd = -1};
    struct hull_mountinfo *mi = NULL;
    size_t n = 0;

    if (!setup_all(&ctx, out))
        return;
    if (hull_mountinfo_read(&mi, &n, NULL) < 0) {
        report(out, "error", "read mountinfo");
        return;
    }
    for (size_t i = 0; i < n; i++)
        if (strcmp(mi[i].mount_point, "/") == 0)
            report(out, "root", "%s", strstr(mi[i].optional, "shared:") ? "shared" : "not shared");
    hull_mountinfo_free(mi, n);
}

static void test_rootfs_propagation(void **state)
{
    struct tspec *t = *state;
    _cleanup_free_ char *shared = NULL, *priv = NULL, *bad = NULL;

    /* pivot_root needs a parent that is not shared: made private first */
    add_mount(t, "/proc", "proc", "proc", NULL);
    t->spec.linux_.rootfs_propagation = (char *)"shared";
    shared = run_child(t, 0, child_propagation);
    t->spec.linux_.rootfs_propagation = (char *)"rprivate";
    priv = run_child(t, 0, child_propagation);
    t->spec.linux_.rootfs_propagation = (char *)"sideways";
    bad = run_child(t, 0, child_propagation);
    t->spec.linux_.rootfs_propagation = NULL;
    assert_null(field(shared, "error"));
    assert_field(shared, "root", "shared");
    assert_null(field(priv, "error"));
    assert_field(priv, "root", "not shared");
    assert_field_has(bad, "error", "linux.rootfsPropagation: unknown value \"sideways\"");
}

/* ---- mountinfo parsing ---- */

static void test_mountinfo_parse(void **state)
{
    const char *text =
        "22 27 0:21 / /proc rw,relatime shared:5 master:1 - proc proc rw\n"
        "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard\n"
        "40 31 0:37 /a\\040b /mnt/with\\040space\\134x rw - cgroup cgroup rw,cpu,cpuacct\n";
    struct hull_mountinfo *m = NULL;
    size_t n = 0;
    hull_error *e = NULL;

    assert_int_equal(hull_mountinfo_parse(text, &m, &n, &e), 0);
    assert_int_equal(n, 3);
    assert_int_equal(m[0].id, 22);
    assert_int_equal(m[0].parent_id, 27);
    assert_string_equal(m[0].optional, "shared:5 master:1");
    assert_string_equal(m[0].fstype, "proc");
    assert_string_equal(m[1].optional, "");
    assert_int_equal(m[1].major, 254);
    assert_string_equal(m[1].source, "/dev/vda");
    assert_string_equal(m[1].super_opts, "rw,discard");
    assert_string_equal(m[2].root, "/a b");
    assert_string_equal(m[2].mount_point, "/mnt/with space\\x");
    assert_true(hull_opt_list_has(m[2].super_opts, "cpuacct"));
    assert_true(hull_opt_list_has(m[2].super_opts, "cpu"));
    assert_false(hull_opt_list_has(m[2].super_opts, "cpuset"));
    assert_ptr_equal(hull_mountinfo_find(m, n, 40), &m[2]);
    assert_null(hull_mountinfo_find(m, n, 41));
    hull_mountinfo_free(m, n);

    assert_int_equal(hull_mountinfo_parse("1 2 0:1 / / rw\n", &m, &n, &e), -1);
    assert_non_null(strstr(e->msg, "line 1"));
    hull_error_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mountinfo_parse),
        cmocka_unit_test_setup_teardown(test_check, tspec_setup, tspec_teardown),
        cmocka_unit_test_setup_teardown(test_check_dev_symlink_and_missing, tspec_setup,
                                        tspec_teardown),
        cmocka_unit_test_setup_teardown(test_standard_mounts_and_devices, tspec_setup,
                                        tspec_teardown),
        cmocka_unit_test_setup_teardown(test_devices_not_fresh, tspec_setup, tspec_teardown),
        cmocka_unit_test_setup_teardown(test_bind_mounts, tspec_setup, tspec_teardown),
        cmocka_unit_test_setup_teardown(test_symlink_destination_stays_inside, tspec_setup,
                                        tspec_teardown),
        cmocka_unit_test_setup_teardown(test_rejected_destinations, tspec_setup, tspec_teardown),
        cmocka_unit_test_setup_teardown(test_masked_and_readonly_paths, tspec_setup,
                                        tspec_teardown),
        cmocka_unit_test_setup_teardown(test_mask_refuses_fake_dev_null, tspec_setup,
                                        tspec_teardown),
        cmocka_unit_test_setup_teardown(test_sysctl, tspec_setup, tspec_teardown),
        cmocka_unit_test_setup_teardown(test_no_pivot, tspec_setup, tspec_teardown),
        cmocka_unit_test_setup_teardown(test_tmpcopyup, tspec_setup, tspec_teardown),
        cmocka_unit_test_setup_teardown(test_user_namespace, tspec_setup, tspec_teardown),
        cmocka_unit_test_setup_teardown(test_rootfs_propagation, tspec_setup, tspec_teardown),
    };
    if (geteuid() != 0) {
        fprintf(stderr, "test_rootfs needs root: skipped\n");
        return 77;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
