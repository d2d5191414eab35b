/* Unit tests of capability names and of applying the capability sets (in
 * forked children, which are thrown away afterwards). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "caps.h"
#include "util.h"

#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define BIT(n) (UINT64_C(1) << (n))

static void test_names_round_trip(void **state)
{
    assert_int_equal(hull_cap_last_known(), 40);
    for (int cap = 0; cap <= hull_cap_last_known(); cap++) {
        const char *name = hull_cap_name(cap);
        assert_non_null(name);
        assert_true(str_has_prefix(name, "CAP_"));
        assert_int_equal(hull_cap_from_name(name), cap);
    }
    assert_string_equal(hull_cap_name(0), "CAP_CHOWN");
    assert_string_equal(hull_cap_name(21), "CAP_SYS_ADMIN");
    assert_string_equal(hull_cap_name(40), "CAP_CHECKPOINT_RESTORE");
    assert_int_equal(hull_cap_from_name("CAP_NET_BIND_SERVICE"), 10);
    assert_int_equal(hull_cap_from_name("CAP_BPF"), 39);
    assert_null(hull_cap_name(41));
    assert_null(hull_cap_name(-1));
}

static void test_unknown_names(void **state)
{
    assert_int_equal(hull_cap_from_name("CAP_FOO"), -1);
    assert_int_equal(hull_cap_from_name("cap_chown"), -1);
    assert_int_equal(hull_cap_from_name("CHOWN"), -1);
    assert_int_equal(hull_cap_from_name(""), -1);
    assert_int_equal(hull_cap_from_name("CAP_CHOWN "), -1);
}

static void test_last_supported(void **state)
{
    char *text = NULL;
    hull_error *err = NULL;
    int64_t want;

    assert_int_equal(read_file_at(AT_FDCWD, "/proc/sys/kernel/cap_last_cap", 64, &text, NULL, &err),
                     0);
    text[strcspn(text, "\n")] = '\0';
    assert_int_equal(parse_int64(text, 0, 63, &want), 0);
    free(text);
    assert_int_equal(hull_cap_last_supported(), want);
    /* Cached: the same answer again. */
    assert_int_equal(hull_cap_last_supported(), want);
}

static void test_parse_names(void **state)
{
    char *names[] = {(char *)"CAP_KILL", (char *)"CAP_CHOWN", (char *)"CAP_KILL",
                     (char *)"CAP_CHECKPOINT_RESTORE", NULL};
    char *bad[] = {(char *)"CAP_KILL", (char *)"CAP_CHOWN", (char *)"CAP_NOPE", NULL};
    char *empty[] = {NULL};
    uint64_t mask = 12345;
    hull_error *err = NULL;

    assert_int_equal(hull_caps_parse_names(names, "f", &mask, &err), 0);
    assert_true(mask == (BIT(5) | BIT(0) | BIT(40)));
    assert_int_equal(hull_caps_parse_names(empty, "f", &mask, &err), 0);
    assert_true(mask == 0);
    mask = 7;
    assert_int_equal(hull_caps_parse_names(NULL, "f", &mask, &err), 0);
    assert_true(mask == 0);

    mask = 7;
    assert_int_equal(hull_caps_parse_names(bad, "process.capabilities.bounding", &mask, &err), -1);
    assert_string_equal(err->msg,
                        "process.capabilities.bounding[2]: unknown capability \"CAP_NOPE\"");
    assert_int_equal(err->kind, HULL_ERR_BAD_INPUT);
    assert_true(mask == 7);
    hull_error_free(err);
}

/* ---- applying, in a child ---- */

typedef int (*apply_fn)(const struct hull_caps *caps, hull_error **err);

/* Applies CAPS with FN (and FN2 if set) in a forked child and returns what the child
 * reports: its Cap* lines of /proc/self/status, or "error: MESSAGE". */
static char *apply_in_child(const struct hull_caps *caps, apply_fn fn, apply_fn fn2)
{
    int p[2];
    int status;
    char buf[4096];

    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        hull_error *err = NULL;
        char *text = NULL;
        close(p[0]);
        if (fn(caps, &err) < 0 || (fn2 != NULL && fn2(caps, &err) < 0)) {
            dprintf(p[1], "error: %s", err->msg);
            _exit(1);
        }
        if (read_file_at(AT_FDCWD, "/proc/self/status", 0, &text, NULL, &err) < 0)
            _exit(2);
        for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n"))
            if (str_has_prefix(line, "Cap"))
                dprintf(p[1], "%s\n", line);
        _exit(0);
    }
    close(p[1]);
    ssize_t n = read_all(p[0], buf, sizeof(buf) - 1);
    close(p[0]);
    assert_true(n >= 0);
    buf[n] = '\0';
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    return xstrdup(buf);
}

static uint64_t cap_line(const char *report, const char *key)
{
    const char *at = strstr(report, key);
    uint64_t v = 0;

    if (at == NULL)
        fail_msg("no %s in \"%s\"", key, report);
    assert_int_equal(sscanf(at + strlen(key), ":\t%" SCNx64, &v), 1);
    return v;
}

static uint64_t supported_mask(void)
{
    int last = hull_cap_last_supported();
    return last >= 63 ? UINT64_MAX : BIT(last + 1) - 1;
}

static void test_apply_bounding(void **state)
{
    struct hull_caps caps = {.bounding = BIT(0) | BIT(5) | BIT(8) | BIT(21), .has_bounding = true};
    char *report = apply_in_child(&caps, hull_caps_apply_bounding, NULL);

    assert_false(str_has_prefix(report, "error"));
    assert_true(cap_line(report, "CapBnd") == (caps.bounding & supported_mask()));
    /* The bounding set limits what exec may gain; the current sets keep
     * what root had. */
    assert_true(cap_line(report, "CapEff") != 0);
    free(report);

    /* An absent bounding set means an empty one. */
    struct hull_caps none = {0};
    report = apply_in_child(&none, hull_caps_apply_bounding, NULL);
    assert_true(cap_line(report, "CapBnd") == 0);
    free(report);
}

static void test_apply_final(void **state)
{
    struct hull_caps caps = {
        .effective = BIT(0),
        .permitted = BIT(0) | BIT(5) | BIT(10),
        .inheritable = BIT(5) | BIT(10),
        .ambient = BIT(10),
        .bounding = BIT(0) | BIT(5) | BIT(10),
        .has_effective = true,
        .has_permitted = true,
        .has_inheritable = true,
        .has_ambient = true,
        .has_bounding = true,
    };
    char *report = apply_in_child(&caps, hull_caps_apply_bounding, hull_caps_apply_final);

    assert_false(str_has_prefix(report, "error"));
    assert_true(cap_line(report, "CapEff") == BIT(0));
    assert_true(cap_line(report, "CapPrm") == (BIT(0) | BIT(5) | BIT(10)));
    assert_true(cap_line(report, "CapInh") == (BIT(5) | BIT(10)));
    assert_true(cap_line(report, "CapAmb") == BIT(10));
    assert_true(cap_line(report, "CapBnd") == (BIT(0) | BIT(5) | BIT(10)));
    free(report);
}

static void test_apply_final_absent_sets_are_empty(void **state)
{
    struct hull_caps none = {0};
    char *report = apply_in_child(&none, hull_caps_apply_final, NULL);

    assert_true(cap_line(report, "CapEff") == 0);
    assert_true(cap_line(report, "CapPrm") == 0);
    assert_true(cap_line(report, "CapInh") == 0);
    assert_true(cap_line(report, "CapAmb") == 0);
    free(report);
}

static void test_ambient_without_inheritable_is_not_raised(void **state)
{
    struct hull_caps caps = {
        .permitted = BIT(5),
        .ambient = BIT(5),
        .has_permitted = true,
        .has_ambient = true,
    };
    char *report = apply_in_child(&caps, hull_caps_apply_final, NULL);

    /* As runc: a warning, and the capability is not raised. */
    assert_true(cap_line(report, "CapPrm") == BIT(5));
    assert_true(cap_line(report, "CapAmb") == 0);
    free(report);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_round_trip),
        cmocka_unit_test(test_unknown_names),
        cmocka_unit_test(test_last_supported),
        cmocka_unit_test(test_parse_names),
        cmocka_unit_test(test_apply_bounding),
        cmocka_unit_test(test_apply_final),
        cmocka_unit_test(test_apply_final_absent_sets_are_empty),
        cmocka_unit_test(test_ambient_without_inheritable_is_not_raised),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
