/* Unit tests of Docker's sizes and CPU counts and Go's durations. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "units.h"
#include "util.h"

#include <string.h>

static int64_t bytes_ok(const char *s)
{
    hull_error *err = NULL;
    int64_t v = -42;

    if (hull_units_ram_bytes(s, &v, &err) < 0)
        fail_msg("\"%s\": %s", s, err->msg);
    return v;
}

/* The value must be refused, with an error that quotes it. */
static void expect_bad(int (*fn)(const char *, int64_t *, hull_error **), const char *s)
{
    hull_error *err = NULL;
    int64_t v = 0;
    _cleanup_free_ char *quoted = xasprintf("\"%s\"", s);

    if (fn(s, &v, &err) == 0)
        fail_msg("\"%s\" was accepted as %lld", s, (long long)v);
    assert_non_null(strstr(err->msg, quoted));
    assert_int_equal(err->kind, HULL_ERR_BAD_INPUT);
    hull_error_free(err);
}

static void test_ram_bytes(void **state)
{
    (void)state;
    assert_int_equal(bytes_ok("100"), 100);
    assert_int_equal(bytes_ok("0"), 0);
    assert_int_equal(bytes_ok("1b"), 1);
    assert_int_equal(bytes_ok("2k"), 2048);
    assert_int_equal(bytes_ok("2K"), 2048);
    assert_int_equal(bytes_ok("512m"), 512LL << 20);
    assert_int_equal(bytes_ok("512MB"), 512LL << 20);
    assert_int_equal(bytes_ok("512MiB"), 512LL << 20);
    assert_int_equal(bytes_ok("512 m"), 512LL << 20);
    assert_int_equal(bytes_ok("1.5g"), 3LL << 29);
    assert_int_equal(bytes_ok("2t"), 2LL << 40);
    assert_int_equal(bytes_ok("1p"), 1LL << 50);
    /* Fractions of a byte are cut off, as Docker's int64() does. */
    assert_int_equal(bytes_ok("1.7"), 1);
}

static void test_ram_bytes_bad(void **state)
{
    static const char *const bad[] = {"",    "m",    "-1",   "-5m", "1.",    ".5m", "1x",
                                      "1mm", "1  m", "lots", "1e3", "9000p", "0x10"};

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
        expect_bad(hull_units_ram_bytes, bad[i]);
}

static void test_nano_cpus(void **state)
{
    hull_error *err = NULL;
    int64_t v;

    (void)state;
    assert_int_equal(hull_units_nano_cpus("1.5", &v, &err), 0);
    assert_int_equal(v, 1500000000);
    assert_int_equal(hull_units_nano_cpus("2", &v, &err), 0);
    assert_int_equal(v, 2000000000);
    assert_int_equal(hull_units_nano_cpus("0.01", &v, &err), 0);
    assert_int_equal(v, 10000000);
    assert_int_equal(hull_units_nano_cpus("0.000000001", &v, &err), 0);
    assert_int_equal(v, 1);
    expect_bad(hull_units_nano_cpus, "-1");
    expect_bad(hull_units_nano_cpus, "1.5x");
    expect_bad(hull_units_nano_cpus, "0.0000000001");
    expect_bad(hull_units_nano_cpus, "");
    expect_bad(hull_units_nano_cpus, "99999999999999");
}

static void test_durations(void **state)
{
    hull_error *err = NULL;
    static const struct {
        const char *s;
        int64_t ns;
    } good[] = {
        {"0", 0},
        {"5s", 5000000000LL},
        {"100ms", 100000000LL},
        {"1m30s", 90000000000LL},
        {"1h", 3600000000000LL},
        {"1.5s", 1500000000LL},
        {"250us", 250000LL},
        {"250\xc2\xb5s", 250000LL},
        {"7ns", 7},
        {"-2s", -2000000000LL},
        {"+1m", 60000000000LL},
    };
    int64_t v;

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
        if (hull_units_duration_ns(good[i].s, &v, &err) < 0)
            fail_msg("\"%s\": %s", good[i].s, err->msg);
        assert_int_equal(v, good[i].ns);
    }
    expect_bad(hull_units_duration_ns, "5");
    expect_bad(hull_units_duration_ns, "s");
    expect_bad(hull_units_duration_ns, "5x");
    expect_bad(hull_units_duration_ns, "");
    expect_bad(hull_units_duration_ns, "1s ");
    expect_bad(hull_units_duration_ns, "100000000h");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ram_bytes),
        cmocka_unit_test(test_ram_bytes_bad),
        cmocka_unit_test(test_nano_cpus),
        cmocka_unit_test(test_durations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
