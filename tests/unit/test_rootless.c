/* Rootless helpers: subordinate id ranges, limits that need a cgroup, the
 * engine's roots for an ordinary user. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "rootless.h"
#include "util.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *write_temp(const char *text)
{
    char *path = xasprintf("/tmp/hull-test-subid-%d-XXXXXX", (int)getpid());
    int fd = mkstemp(path);

    assert_true(fd >= 0);
    assert_int_equal(write_all(fd, text, strlen(text)), 0);
    close(fd);
    return path;
}

static void test_subid_range(void **state)
{
    _cleanup_free_ char *file = write_temp("alice:100000:65536\n"
                                           "# a comment\n"
                                           "bob:200000\n"
                                           "bob:300000:1000\n"
                                           "1002:400000:5\n"
                                           "bob:500000:65536\n");
    _cleanup_error_ hull_error *err = NULL;
    uint32_t start = 0, count = 0;

    (void)state;
    assert_int_equal(hull_subid_range(file, "alice", 1001, &start, &count, &err), 0);
    assert_int_equal(start, 100000);
    assert_int_equal(count, 65536);
    /* The first complete line wins; a malformed one is skipped. */
    assert_int_equal(hull_subid_range(file, "bob", 1000, &start, &count, &err), 0);
    assert_int_equal(start, 300000);
    assert_int_equal(count, 1000);
    /* By uid, as shadow's tools accept. */
    assert_int_equal(hull_subid_range(file, "carol", 1002, &start, &count, &err), 0);
    assert_int_equal(start, 400000);
    assert_int_equal(hull_subid_range(file, "dave", 1003, &start, &count, &err), -1);
    assert_int_equal(err->kind, HULL_ERR_BAD_INPUT);
    assert_non_null(strstr(err->msg, "has no range for user \"dave\""));
    unlink(file);
}

static void test_resources_have_limits(void **state)
{
    struct hull_resources r;
    struct hull_device_rule rule = {false, 'a', -1, -1, "rwm"};

    (void)state;
    memset(&r, 0, sizeof(r));
    assert_false(hull_resources_have_limits(&r));
    /* Device rules need no cgroup of the container's own. */
    r.devices = &rule;
    r.n_devices = 1;
    assert_false(hull_resources_have_limits(&r));
    r.pids.has_limit = true;
    assert_true(hull_resources_have_limits(&r));
    memset(&r, 0, sizeof(r));
    r.cpu.cpus = (char *)"0-1";
    assert_true(hull_resources_have_limits(&r));
    memset(&r, 0, sizeof(r));
    r.memory.has_limit = true;
    assert_true(hull_resources_have_limits(&r));
}

static void test_engine_roots(void **state)
{
    _cleanup_error_ hull_error *err = NULL;
    char *state_root = NULL, *run_root = NULL;

    (void)state;
    setenv("XDG_DATA_HOME", "/data/u", 1);
    setenv("XDG_RUNTIME_DIR", "/run/user/7", 1);
    assert_int_equal(hull_rootless_engine_roots(&state_root, &run_root, &err), 0);
    assert_string_equal(state_root, "/data/u/hull");
    assert_string_equal(run_root, "/run/user/7/hull");
    free(state_root);
    free(run_root);
    /* Relative XDG values are ignored (XDG base directory spec). */
    setenv("XDG_DATA_HOME", "rel", 1);
    setenv("HOME", "/home/u", 1);
    unsetenv("XDG_RUNTIME_DIR");
    state_root = run_root = NULL;
    assert_int_equal(hull_rootless_engine_roots(&state_root, &run_root, &err), 0);
    assert_string_equal(state_root, "/home/u/.local/share/hull");
    assert_true(str_has_prefix(run_root, "/tmp/hull-run-"));
    free(state_root);
    free(run_root);
    /* Roots already given stay. */
    state_root = xstrdup("/given");
    run_root = xstrdup("/given-run");
    assert_int_equal(hull_rootless_engine_roots(&state_root, &run_root, &err), 0);
    assert_string_equal(state_root, "/given");
    free(state_root);
    free(run_root);
}

static void test_rootless_detection(void **state)
{
    (void)state;
    /* The unit tests run as root on the host. */
    if (geteuid() != 0)
        skip();
    assert_false(hull_rootless());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_subid_range),
        cmocka_unit_test(test_resources_have_limits),
        cmocka_unit_test(test_engine_roots),
        cmocka_unit_test(test_rootless_detection),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
