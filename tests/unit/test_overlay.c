#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "error.h"
#include "overlay.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct fixture {
    char dir[64];
};

static char *path(struct fixture *f, const char *name)
{
    return xasprintf("%s/%s", f->dir, name);
}

static void write_file(const char *p, const char *text)
{
    FILE *fp = fopen(p, "we");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static int setup(void **state)
{
    struct fixture *f = xmalloc0(sizeof(*f));
    static const char *const dirs[] = {"low", "mid", "upper", "work", "rootfs"};

    snprintf(f->dir, sizeof(f->dir), "/tmp/test-overlay-%d-XXXXXX", (int)getpid());
    assert_non_null(mkdtemp(f->dir));
    for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
        _cleanup_free_ char *p = path(f, dirs[i]);
        assert_int_equal(mkdir(p, 0755), 0);
    }
    _cleanup_free_ char *a = path(f, "low/a"), *b = path(f, "low/b"), *b2 = path(f, "mid/b");
    write_file(a, "low-a");
    write_file(b, "low-b");
    write_file(b2, "mid-b");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_free_ char *rootfs = path(f, "rootfs");

    hull_overlay_unmount(rootfs, &err);
    assert_int_equal(rm_rf_at(AT_FDCWD, f->dir, &err), 0);
    free(f);
    return 0;
}

static char *slurp(const char *p)
{
    _cleanup_error_ hull_error *err = NULL;
    char *text = NULL;
    if (read_file_at(AT_FDCWD, p, 0, &text, NULL, &err) < 0)
        fail_msg("%s", err->msg);
    return text;
}

/* Layers are given lowest first: the later one wins, and writes go to
 * the upper directory only. */
static void test_mount_layers_and_upper(void **state)
{
    struct fixture *f = *state;
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_free_ char *low = path(f, "low"), *mid = path(f, "mid"), *upper = path(f, "upper");
    _cleanup_free_ char *work = path(f, "work"), *rootfs = path(f, "rootfs");
    const char *layers[] = {low, mid};

    if (geteuid() != 0)
        skip();
    assert_int_equal(hull_overlay_is_mounted(rootfs, &err), 0);
    if (hull_overlay_mount(layers, 2, upper, work, rootfs, 0, &err) < 0)
        fail_msg("%s", err->msg);
    assert_int_equal(hull_overlay_is_mounted(rootfs, &err), 1);

    _cleanup_free_ char *a = path(f, "rootfs/a"), *b = path(f, "rootfs/b");
    _cleanup_free_ char *ta = slurp(a), *tb = slurp(b);
    assert_string_equal(ta, "low-a");
    assert_string_equal(tb, "mid-b");

    _cleanup_free_ char *c = path(f, "rootfs/c"), *in_upper = path(f, "upper/c");
    _cleanup_free_ char *in_low = path(f, "low/c"), *in_mid = path(f, "mid/c");
    write_file(c, "new");
    _cleanup_free_ char *tc = slurp(in_upper);
    assert_string_equal(tc, "new");
    assert_int_equal(access(in_low, F_OK), -1);
    assert_int_equal(access(in_mid, F_OK), -1);

    assert_int_equal(hull_overlay_unmount(rootfs, &err), 0);
    assert_int_equal(hull_overlay_is_mounted(rootfs, &err), 0);
    /* Unmounting what is not mounted is not an error. */
    assert_int_equal(hull_overlay_unmount(rootfs, &err), 0);
}

/* The mountinfo line of the mount on P, or NULL. */
static char *mountinfo_of(const char *p)
{
    _cleanup_free_ char *text = slurp("/proc/self/mountinfo");
    char *line = text, *next;

    for (; line != NULL && *line != '\0'; line = next) {
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        char mnt[PATH_MAX];
        if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1 && strcmp(mnt, p) == 0)
            return xstrdup(line);
    }
    return NULL;
}

/* A volatile mount says so in its superblock options and leaves its mark
 * in the work directory; mounting again (either way of mounting) clears
 * the mark first instead of failing on it. */
static void test_volatile(void **state)
{
    struct fixture *f = *state;
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_free_ char *low = path(f, "low"), *upper = path(f, "upper");
    _cleanup_free_ char *work = path(f, "work"), *rootfs = path(f, "rootfs");
    _cleanup_free_ char *mark = path(f, "work/work/incompat/volatile");
    const char *layers[] = {low};

    if (geteuid() != 0)
        skip();
    if (hull_overlay_mount(layers, 1, upper, work, rootfs, HULL_OVERLAY_VOLATILE, &err) < 0)
        fail_msg("%s", err->msg);
    _cleanup_free_ char *line = mountinfo_of(rootfs);
    assert_non_null(line);
    assert_non_null(strstr(line, "volatile"));
    assert_int_equal(access(mark, F_OK), 0);
    assert_int_equal(hull_overlay_unmount(rootfs, &err), 0);
    assert_int_equal(access(mark, F_OK), 0);

    if (hull_overlay_mount(layers, 1, upper, work, rootfs, HULL_OVERLAY_VOLATILE, &err) < 0)
        fail_msg("%s", err->msg);
    assert_int_equal(hull_overlay_unmount(rootfs, &err), 0);
    if (hull_overlay_mount_legacy(layers, 1, upper, work, rootfs, HULL_OVERLAY_VOLATILE, &err) < 0)
        fail_msg("%s", err->msg);
    _cleanup_free_ char *line2 = mountinfo_of(rootfs);
    assert_non_null(line2);
    assert_non_null(strstr(line2, "volatile"));
    assert_int_equal(hull_overlay_unmount(rootfs, &err), 0);

    /* without the flag: an ordinary mount, which syncs */
    _cleanup_free_ char *clean = xasprintf("%s/work", f->dir);
    assert_int_equal(rm_rf_at(AT_FDCWD, clean, &err), 0);
    assert_int_equal(mkdir(clean, 0700), 0);
    if (hull_overlay_mount(layers, 1, upper, work, rootfs, 0, &err) < 0)
        fail_msg("%s", err->msg);
    _cleanup_free_ char *line3 = mountinfo_of(rootfs);
    assert_non_null(line3);
    assert_null(strstr(line3, "volatile"));
    assert_int_equal(access(mark, F_OK), -1);
}

#define MANY 150

/* Layers whose paths together are far longer than a page: each is given
 * to the kernel on its own.  The top layer wins, the lowest still shows,
 * and a whiteout in the middle hides what is below it. */
static char **make_many(struct fixture *f)
{
    char **layers = xmalloc0((MANY + 1) * sizeof(char *));

    for (size_t i = 0; i < MANY; i++) {
        layers[i] = xasprintf("%s/%064zu", f->dir, i);
        assert_int_equal(mkdir(layers[i], 0755), 0);
        _cleanup_free_ char *own = xasprintf("%s/f%zu", layers[i], i);
        _cleanup_free_ char *top = xasprintf("%s/top", layers[i]);
        _cleanup_free_ char *n = xasprintf("%zu", i);
        write_file(own, n);
        write_file(top, n);
    }
    _cleanup_free_ char *wh = xasprintf("%s/f5", layers[100]);
    assert_int_equal(mknod(wh, S_IFCHR | 0600, 0), 0);
    return layers;
}

static void check_many(int root)
{
    char buf[16] = {0};
    int fd = openat(root, "top", O_RDONLY | O_CLOEXEC);

    assert_true(fd >= 0);
    assert_true(read(fd, buf, sizeof(buf) - 1) > 0);
    close(fd);
    assert_string_equal(buf, "149");
    assert_int_equal(faccessat(root, "f0", F_OK, 0), 0);
    assert_int_equal(faccessat(root, "f5", F_OK, 0), -1);
    assert_int_equal(faccessat(root, "f6", F_OK, 0), 0);
}

static void test_many_layers(void **state)
{
    struct fixture *f = *state;
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_free_ char *upper = path(f, "upper"), *work = path(f, "work");
    _cleanup_free_ char *rootfs = path(f, "rootfs");
    _cleanup_strv_ char **layers = NULL;
    _cleanup_close_ int root = -1;

    if (geteuid() != 0)
        skip();
    layers = make_many(f);
    if (hull_overlay_mount((const char *const *)layers, MANY, upper, work, rootfs, 0, &err) < 0)
        fail_msg("%s", err->msg);
    root = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    assert_true(root >= 0);
    check_many(root);
    assert_int_equal(hull_overlay_unmount(rootfs, &err), 0);
}

/* Without the new API: short links next to the upper directory. */
static void test_many_layers_legacy(void **state)
{
    struct fixture *f = *state;
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_free_ char *upper = path(f, "upper"), *work = path(f, "work");
    _cleanup_free_ char *rootfs = path(f, "rootfs"), *link = path(f, "l/149");
    _cleanup_strv_ char **layers = NULL;
    _cleanup_close_ int root = -1;
    char target[PATH_MAX + 1] = {0};

    if (geteuid() != 0)
        skip();
    layers = make_many(f);
    if (hull_overlay_mount_legacy((const char *const *)layers, MANY, upper, work, rootfs, 0, &err) <
        0)
        fail_msg("%s", err->msg);
    root = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    assert_true(root >= 0);
    check_many(root);
    assert_true(readlink(link, target, PATH_MAX) > 0);
    assert_string_equal(target, layers[149]);
    assert_int_equal(hull_overlay_unmount(rootfs, &err), 0);
}

/* The same stack as a detached read-only mount: readable, not writable,
 * gone when its descriptor is closed. */
static void test_open_detached(void **state)
{
    struct fixture *f = *state;
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_strv_ char **layers = NULL;
    int root;

    if (geteuid() != 0)
        skip();
    layers = make_many(f);
    root = hull_overlay_open((const char *const *)layers, MANY, NULL, NULL, true, &err);
    if (root < 0)
        fail_msg("%s", err->msg);
    check_many(root);
    assert_int_equal(openat(root, "new", O_WRONLY | O_CREAT | O_CLOEXEC, 0644), -1);
    assert_int_equal(errno, EROFS);
    close(root);
    assert_int_equal(
        hull_overlay_open((const char *const *)layers, MANY, layers[0], NULL, true, &err), -1);
}

static void test_bad_paths(void **state)
{
    struct fixture *f = *state;
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_free_ char *upper = path(f, "upper"), *work = path(f, "work");
    _cleanup_free_ char *rootfs = path(f, "rootfs");
    const char *colon[] = {"/a:b"};
    const char *relative[] = {"layers/x"};

    assert_int_equal(hull_overlay_mount(colon, 1, upper, work, rootfs, 0, &err), -1);
    assert_non_null(strstr(err->msg, "overlay layer \"/a:b\""));
    hull_error_freep(&err);
    assert_int_equal(hull_overlay_mount(relative, 1, upper, work, rootfs, 0, &err), -1);
    assert_non_null(strstr(err->msg, "is not an absolute path"));
    hull_error_freep(&err);
    assert_int_equal(hull_overlay_mount(relative, 0, upper, work, rootfs, 0, &err), -1);
    assert_non_null(strstr(err->msg, "no layers"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_mount_layers_and_upper, setup, teardown),
        cmocka_unit_test_setup_teardown(test_volatile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_layers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_layers_legacy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_detached, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_paths, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
