/* Unit tests of path resolution inside a root (paths.c).  Each test gets a
 * fresh temporary root under /tmp with a rootfs-like layout and symlinks
 * that would leave it if they were resolved on the host. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "paths.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct troot {
    char dir[64]; /* /tmp/hull-test-paths-PID-RANDOM: the root */
    int fd;       /* O_PATH descriptor of dir */
};

static void put(const struct troot *r, const char *rel, const char *content)
{
    _cleanup_free_ char *p = xasprintf("%s/%s", r->dir, rel);
    _cleanup_close_ int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

    assert_true(fd >= 0);
    assert_int_equal(write_all(fd, content, strlen(content)), 0);
}

static void link_in(const struct troot *r, const char *rel, const char *target)
{
    _cleanup_free_ char *p = xasprintf("%s/%s", r->dir, rel);
    assert_int_equal(symlink(target, p), 0);
}

/* etc/hostname, and symlinks that point out of the root if followed on
 * the host: abs -> /etc, up -> ../../../../etc, self -> / */
static int setup(void **state)
{
    struct troot *r = xmalloc0(sizeof(*r));
    _cleanup_free_ char *etc = NULL;

    char suffix[17];
    assert_int_equal(random_hex(suffix, 8, NULL), 0);
    snprintf(r->dir, sizeof(r->dir), "/tmp/hull-test-paths-%d-%s", (int)getpid(), suffix);
    assert_int_equal(mkdir(r->dir, 0700), 0);
    etc = xasprintf("%s/etc", r->dir);
    assert_int_equal(mkdir(etc, 0755), 0);
    put(r, "etc/hostname", "inside\n");
    link_in(r, "abs", "/etc");
    link_in(r, "up", "../../../../etc");
    link_in(r, "self", "/");
    r->fd = open(r->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    assert_true(r->fd >= 0);
    *state = r;
    return 0;
}

static int teardown(void **state)
{
    struct troot *r = *state;

    close(r->fd);
    if (rm_rf_at(AT_FDCWD, r->dir, NULL) < 0)
        fprintf(stderr, "could not remove %s\n", r->dir);
    free(r);
    return 0;
}

/* Reads the file at FD (an O_PATH descriptor) through a new descriptor. */
static char *read_fd(int fd)
{
    char path[HULL_FD_PATH_MAX];
    char *text = NULL;

    assert_int_equal(read_file_at(AT_FDCWD, hull_fd_path(fd, path), 0, &text, NULL, NULL), 0);
    return text;
}

static void assert_inside(const struct troot *r, int fd)
{
    char buf[HULL_FD_PATH_MAX], target[PATH_MAX];
    ssize_t n = readlink(hull_fd_path(fd, buf), target, sizeof(target) - 1);

    assert_true(n > 0);
    target[n] = '\0';
    assert_true(str_has_prefix(target, r->dir));
}

static void test_path_clean(void **state)
{
    static const char *const cases[][2] = {
        {"/", "/"},
        {"//", "/"},
        {"/./", "/"},
        {"/a//b/./c/", "/a/b/c"},
        {"/a/../b", "/a/../b"}, /* ".." is kept: resolution clamps it */
        {"/.hidden/x.", "/.hidden/x."},
        {"/a/.../b", "/a/.../b"},
        {"/dev/", "/dev"},
        {"a/./b", "a/b"},
        {"", "."},
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        _cleanup_free_ char *c = hull_path_clean(cases[i][0]);
        if (strcmp(c, cases[i][1]) != 0)
            fail_msg("clean(\"%s\") = \"%s\", expected \"%s\"", cases[i][0], c, cases[i][1]);
    }
}

static void test_path_join_and_fd_path(void **state)
{
    char buf[HULL_FD_PATH_MAX];
    _cleanup_free_ char *a = hull_path_join("/a/", "/b");
    _cleanup_free_ char *b = hull_path_join("/", "x/y");
    _cleanup_free_ char *c = hull_path_join("/sys/fs/cgroup", "memory");

    assert_string_equal(a, "/a/b");
    assert_string_equal(b, "/x/y");
    assert_string_equal(c, "/sys/fs/cgroup/memory");
    assert_string_equal(hull_fd_path(42, buf), "/proc/self/fd/42");
}

static void test_open_in_root_stays_inside(void **state)
{
    struct troot *r = *state;
    static const char *const paths[] = {
        "/etc/hostname",      "etc/hostname",        "/abs/hostname",
        "/up/hostname",       "/../../etc/hostname", "/self/self/etc/hostname",
        "abs/../up/hostname",
    };

    for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
        _cleanup_close_ int fd = hull_open_in_root(r->fd, paths[i], O_PATH, 0, 0, NULL);
        _cleanup_free_ char *text = NULL;

        if (fd < 0)
            fail_msg("open \"%s\": %s", paths[i], strerror(errno));
        assert_inside(r, fd);
        text = read_fd(fd);
        assert_string_equal(text, "inside\n");
        /* O_CLOEXEC is always added */
        assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    }
}

static void test_open_in_root_errors(void **state)
{
    struct troot *r = *state;
    _cleanup_close_ int host_root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    hull_error *e = NULL;

    assert_int_equal(hull_open_in_root(r->fd, "/etc/missing", O_PATH, 0, 0, &e), -1);
    assert_int_equal(e->errnum, ENOENT);
    assert_non_null(strstr(e->msg, "\"/etc/missing\""));
    hull_error_free(e);
    e = NULL;

    /* magic links (/proc/self/root ...) are refused even where they exist */
    assert_true(host_root >= 0);
    assert_int_equal(hull_open_in_root(host_root, "/proc/self/root/etc", O_PATH, 0, 0, &e), -1);
    assert_int_equal(e->errnum, ELOOP);
    hull_error_free(e);
    e = NULL;

    /* extra resolve flags are honoured */
    assert_int_equal(hull_open_in_root(r->fd, "/abs/hostname", O_PATH, 0, RESOLVE_NO_SYMLINKS, &e),
                     -1);
    assert_int_equal(e->errnum, ELOOP);
    hull_error_free(e);
}

static void test_open_in_root_creates(void **state)
{
    struct troot *r = *state;
    _cleanup_free_ char *name = xasprintf("hull-test-paths-%d", (int)getpid());
    _cleanup_free_ char *rel = xasprintf("/abs/%s", name);
    _cleanup_free_ char *inside = xasprintf("%s/etc/%s", r->dir, name);
    _cleanup_free_ char *host = xasprintf("/etc/%s", name);
    _cleanup_close_ int fd = -1;
    struct stat st;

    /* creation through a symlink to /etc lands in the root's etc */
    fd = hull_open_in_root(r->fd, rel, O_WRONLY | O_CREAT | O_EXCL, 0600, 0, NULL);
    assert_true(fd >= 0);
    assert_int_equal(stat(inside, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(access(host, F_OK), -1);
}

static void test_mkdirs_in_root(void **state)
{
    struct troot *r = *state;
    _cleanup_close_ int a = -1, b = -1, c = -1;
    _cleanup_free_ char *p1 = xasprintf("%s/a/b/c", r->dir);
    _cleanup_free_ char *p2 = xasprintf("%s/etc/made/here", r->dir);
    hull_error *e = NULL;
    struct stat st;

    a = hull_mkdirs_in_root(r->fd, "/a//b/./c/", 0755, NULL);
    assert_true(a >= 0);
    assert_true(fcntl(a, F_GETFL) & O_PATH);
    assert_int_equal(stat(p1, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    /* again: nothing to create, same directory */
    b = hull_mkdirs_in_root(r->fd, "/a/b/c", 0755, NULL);
    assert_true(b >= 0);
    assert_inside(r, b);
    /* through symlinks that point out of the root if followed on the host */
    c = hull_mkdirs_in_root(r->fd, "/up/made/here", 0755, NULL);
    assert_true(c >= 0);
    assert_int_equal(stat(p2, &st), 0);
    assert_int_equal(access("/etc/made", F_OK), -1);
    /* the root itself */
    int root = hull_mkdirs_in_root(r->fd, "/", 0755, NULL);
    assert_true(root >= 0);
    close(root);
    /* a file in the way */
    assert_int_equal(hull_mkdirs_in_root(r->fd, "/etc/hostname/x", 0755, &e), -1);
    assert_int_equal(e->errnum, ENOTDIR);
    hull_error_free(e);
}

static void test_mount_target_in_root(void **state)
{
    struct troot *r = *state;
    _cleanup_close_ int f = -1, d = -1, l = -1;
    _cleanup_free_ char *pf = xasprintf("%s/x/y/file", r->dir);
    _cleanup_free_ char *text = NULL;
    hull_error *e = NULL;
    struct stat st;

    /* a file target with missing parents: created empty */
    f = hull_mount_target_in_root(r->fd, "/x/y/file", false, NULL);
    assert_true(f >= 0);
    assert_int_equal(stat(pf, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_size, 0);
    /* a directory target */
    d = hull_mount_target_in_root(r->fd, "/x/dir", true, NULL);
    assert_true(d >= 0);
    assert_int_equal(fstat(d, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    /* a symlink as the last component is followed inside the root */
    link_in(r, "hn", "/../../etc/hostname");
    l = hull_mount_target_in_root(r->fd, "/hn", false, NULL);
    assert_true(l >= 0);
    assert_inside(r, l);
    text = read_fd(l);
    assert_string_equal(text, "inside\n");
    /* a file wanted where a directory is */
    assert_int_equal(hull_mount_target_in_root(r->fd, "/etc", false, &e), -1);
    assert_int_equal(e->errnum, EISDIR);
    assert_non_null(strstr(e->msg, "\"/etc\""));
    hull_error_free(e);
    e = NULL;
    /* a dangling symlink is not created through: its target would be
     * chosen by the rootfs */
    link_in(r, "dangling", "/nowhere/file");
    assert_int_equal(hull_mount_target_in_root(r->fd, "/dangling", false, &e), -1);
    hull_error_free(e);
    assert_int_equal(access("/nowhere", F_OK), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_path_clean),
        cmocka_unit_test(test_path_join_and_fd_path),
        cmocka_unit_test_setup_teardown(test_open_in_root_stays_inside, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_in_root_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_in_root_creates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mkdirs_in_root, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mount_target_in_root, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
