/* Unit tests of id map validation, formatting and writing (into the user
 * namespace of a child this test creates and reaps). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "idmap.h"
#include "util.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void expect_invalid(const struct hull_idmap *maps, size_t n, const char *message)
{
    hull_error *err = NULL;

    assert_int_equal(hull_idmap_validate(maps, n, "linux.uidMappings", &err), -1);
    assert_non_null(err);
    assert_string_equal(err->msg, message);
    assert_int_equal(err->kind, HULL_ERR_BAD_INPUT);
    hull_error_free(err);
}

static void test_validate_ok(void **state)
{
    struct hull_idmap maps[] = {{0, 100000, 1000}, {1000, 1000, 1}, {1001, 101001, 64535}};
    struct hull_idmap edge[] = {{4294967294u, 0, 1}, {0, 1, 4294967294u}};
    hull_error *err = NULL;

    assert_int_equal(hull_idmap_validate(maps, 3, "f", &err), 0);
    assert_int_equal(hull_idmap_validate(NULL, 0, "f", &err), 0);
    /* The last mappable id is 2^32 - 2. */
    assert_int_equal(hull_idmap_validate(edge, 1, "f", &err), 0);
    assert_int_equal(hull_idmap_validate(edge + 1, 1, "f", &err), 0);
    assert_null(err);
}

static void test_validate_zero_size(void **state)
{
    struct hull_idmap maps[] = {{0, 1000, 1}, {1, 2000, 0}};
    expect_invalid(maps, 2, "linux.uidMappings[1]: size must be greater than 0");
}

static void test_validate_container_overlap(void **state)
{
    struct hull_idmap maps[] = {{0, 100000, 1000}, {2000, 300000, 10}, {999, 200000, 2}};
    expect_invalid(maps, 3,
                   "linux.uidMappings[2]: container ids 999..1000 overlap those of "
                   "linux.uidMappings[0]");
}

static void test_validate_host_overlap(void **state)
{
    struct hull_idmap maps[] = {{0, 100000, 1000}, {1000, 100999, 5}};
    expect_invalid(maps, 2,
                   "linux.uidMappings[1]: host ids 100999..101003 overlap those of "
                   "linux.uidMappings[0]");
}

static void test_validate_overflow(void **state)
{
    struct hull_idmap past[] = {{4294967295u, 0, 1}};
    struct hull_idmap wrap[] = {{10, 4294967000u, 1000}};
    struct hull_idmap exact[] = {{1, 0, 4294967295u}};

    expect_invalid(past, 1,
                   "linux.uidMappings[0]: containerID 4294967295 + size 1 goes past the largest id "
                   "4294967294");
    expect_invalid(wrap, 1,
                   "linux.uidMappings[0]: hostID 4294967000 + size 1000 goes past the largest id "
                   "4294967294");
    /* id + size == 2^32 wraps to 0 in the kernel's u32 arithmetic. */
    expect_invalid(exact, 1,
                   "linux.uidMappings[0]: containerID 1 + size 4294967295 goes past the largest id "
                   "4294967294");
}

static void test_validate_too_many_lines(void **state)
{
    struct hull_idmap maps[341];
    hull_error *err = NULL;

    for (uint32_t i = 0; i < 341; i++)
        maps[i] =
            (struct hull_idmap){.container_id = i * 10, .host_id = 100000 + i * 10, .size = 10};
    assert_int_equal(hull_idmap_validate(maps, 340, "linux.uidMappings", &err), 0);
    expect_invalid(maps, 341, "linux.uidMappings: 341 mappings exceed the kernel's limit of 340");
}

static void test_format(void **state)
{
    struct hull_idmap maps[] = {{0, 1000, 1}, {1, 100000, 65536}};
    struct hull_idmap big[] = {{4294967294u, 4294967294u, 4294967295u}};
    char *s = hull_idmap_format(maps, 2);

    assert_string_equal(s, "0 1000 1\n1 100000 65536\n");
    free(s);
    s = hull_idmap_format(maps, 0);
    assert_string_equal(s, "");
    free(s);
    s = hull_idmap_format(big, 1);
    assert_string_equal(s, "4294967294 4294967294 4294967295\n");
    free(s);
}

static void test_to_host(void **state)
{
    struct hull_idmap maps[] = {{0, 100000, 1000}, {1000, 1000, 1}, {5000, 4000000000u, 10}};

    assert_int_equal(hull_idmap_to_host(maps, 3, 0), 100000);
    assert_int_equal(hull_idmap_to_host(maps, 3, 999), 100999);
    assert_int_equal(hull_idmap_to_host(maps, 3, 1000), 1000);
    assert_int_equal(hull_idmap_to_host(maps, 3, 1001), -1);
    assert_int_equal(hull_idmap_to_host(maps, 3, 5009), 4000000009LL);
    assert_int_equal(hull_idmap_to_host(maps, 3, 5010), -1);
    assert_int_equal(hull_idmap_to_host(maps, 0, 0), -1);
}

static void test_setgroups_rule(void **state)
{
    struct hull_idmap one[] = {{0, 1000, 1}};
    struct hull_idmap range[] = {{0, 100000, 65536}};

    assert_true(hull_idmap_needs_setgroups_deny(one, 1, false));
    assert_false(hull_idmap_needs_setgroups_deny(one, 1, true));
    assert_false(hull_idmap_needs_setgroups_deny(range, 1, true));
    assert_false(hull_idmap_needs_setgroups_deny(range, 1, false));
}

/* A child in a new user namespace that waits until its pipe is closed. */
static pid_t spawn_userns_child(int *release)
{
    int ready[2], hold[2];
    char c;

    assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
    assert_int_equal(pipe2(hold, O_CLOEXEC), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(ready[0]);
        close(hold[1]);
        if (unshare(CLONE_NEWUSER) < 0)
            _exit(1);
        if (write(ready[1], "x", 1) != 1)
            _exit(2);
        while (read(hold[0], &c, 1) > 0)
            ;
        _exit(0);
    }
    close(ready[1]);
    close(hold[0]);
    assert_int_equal(read(ready[0], &c, 1), 1);
    close(ready[0]);
    *release = hold[1];
    return pid;
}

static void reap(pid_t pid, int release)
{
    int status;
    close(release);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_write_real(void **state)
{
    struct hull_idmap uids[] = {{0, 100000, 1000}, {1000, 2000, 10}};
    struct hull_idmap gids[] = {{0, 100000, 65536}};
    hull_error *err = NULL;
    char *text = NULL;
    int release;
    pid_t pid = spawn_userns_child(&release);
    char *path = xasprintf("/proc/%d/uid_map", (int)pid);
    unsigned a, b, c, d, e, f;

    assert_int_equal(hull_idmap_write(pid, "uid_map", uids, 2, &err), 0);
    assert_int_equal(read_file_at(AT_FDCWD, path, 0, &text, NULL, &err), 0);
    assert_int_equal(sscanf(text, "%u %u %u\n%u %u %u", &a, &b, &c, &d, &e, &f), 6);
    assert_true(a == 0 && b == 100000 && c == 1000);
    assert_true(d == 1000 && e == 2000 && f == 10);
    free(text);
    free(path);

    /* The kernel takes one map per namespace. */
    assert_int_equal(hull_idmap_write(pid, "uid_map", uids, 1, &err), -1);
    assert_non_null(strstr(err->msg, "uid_map"));
    hull_error_free(err);
    err = NULL;

    assert_int_equal(hull_setgroups_write(pid, true, &err), 0);
    path = xasprintf("/proc/%d/setgroups", (int)pid);
    assert_int_equal(read_file_at(AT_FDCWD, path, 0, &text, NULL, &err), 0);
    assert_string_equal(text, "deny\n");
    free(text);
    free(path);

    assert_int_equal(hull_idmap_write(pid, "gid_map", gids, 1, &err), 0);
    path = xasprintf("/proc/%d/gid_map", (int)pid);
    assert_int_equal(read_file_at(AT_FDCWD, path, 0, &text, NULL, &err), 0);
    assert_int_equal(sscanf(text, "%u %u %u", &a, &b, &c), 3);
    assert_true(a == 0 && b == 100000 && c == 65536);
    free(text);
    free(path);

    assert_int_equal(hull_idmap_write(pid, "projid_map", uids, 1, &err), -1);
    assert_non_null(strstr(err->msg, "\"projid_map\""));
    hull_error_free(err);
    reap(pid, release);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validate_ok),
        cmocka_unit_test(test_validate_zero_size),
        cmocka_unit_test(test_validate_container_overlap),
        cmocka_unit_test(test_validate_host_overlap),
        cmocka_unit_test(test_validate_overflow),
        cmocka_unit_test(test_validate_too_many_lines),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_to_host),
        cmocka_unit_test(test_setgroups_rule),
        cmocka_unit_test(test_write_real),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
