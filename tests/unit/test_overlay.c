#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "error.h"
#include "overlay.h"
#include "util.h"

#include <fcntl.h>
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
    if (hull_overlay_mount(layers, 2, upper, work, rootfs, &err) < 0)
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

static void test_too_many_layers(void **state)
{
    struct fixture *f = *state;
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_free_ char *upper = path(f, "upper"), *work = path(f, "work");
    _cleanup_free_ char *rootfs = path(f, "rootfs");
    char *layers[200];

    for (size_t i = 0; i < ARRAY_SIZE(layers); i++)
        layers[i] = xasprintf("/var/lib/hull/layers/%064zu", i);
    assert_int_equal(hull_overlay_mount((const char *const *)layers, ARRAY_SIZE(layers), upper,
                                        work, rootfs, &err),
                     -1);
    assert_string_equal(err->msg, "image has too many layers for one mount: 200");
    assert_int_equal(hull_overlay_is_mounted(rootfs, &err), 0);
    for (size_t i = 0; i < ARRAY_SIZE(layers); i++)
        free(layers[i]);
}

static void test_bad_paths(void **state)
{
    struct fixture *f = *state;
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_free_ char *upper = path(f, "upper"), *work = path(f, "work");
    _cleanup_free_ char *rootfs = path(f, "rootfs");
    const char *colon[] = {"/a:b"};
    const char *relative[] = {"layers/x"};

    assert_int_equal(hull_overlay_mount(colon, 1, upper, work, rootfs, &err), -1);
    assert_non_null(strstr(err->msg, "overlay layer \"/a:b\""));
    hull_error_freep(&err);
    assert_int_equal(hull_overlay_mount(relative, 1, upper, work, rootfs, &err), -1);
    assert_non_null(strstr(err->msg, "is not an absolute path"));
    hull_error_freep(&err);
    assert_int_equal(hull_overlay_mount(relative, 0, upper, work, rootfs, &err), -1);
    assert_non_null(strstr(err->msg, "no layers"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_mount_layers_and_upper, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_many_layers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_paths, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
