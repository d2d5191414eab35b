/* Unit tests of signal names. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "signals.h"
#include "util.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

static int parse(const char *s)
{
    hull_error *err = NULL;
    int sig = hull_signal_parse(s, &err);

    if (sig < 0) {
        assert_non_null(err);
        hull_error_free(err);
    } else {
        assert_null(err);
    }
    return sig;
}

static void expect_error(const char *s, const char *message)
{
    hull_error *err = NULL;

    assert_int_equal(hull_signal_parse(s, &err), -1);
    assert_string_equal(err->msg, message);
    assert_int_equal(err->kind, HULL_ERR_BAD_INPUT);
    hull_error_free(err);
}

static void test_standard_names(void **state)
{
    assert_int_equal(parse("KILL"), SIGKILL);
    assert_int_equal(parse("SIGKILL"), SIGKILL);
    assert_int_equal(parse("kill"), SIGKILL);
    assert_int_equal(parse("sigKill"), SIGKILL);
    assert_int_equal(parse("TERM"), SIGTERM);
    assert_int_equal(parse("SIGHUP"), SIGHUP);
    assert_int_equal(parse("winch"), SIGWINCH);
    assert_int_equal(parse("SIGSTKFLT"), SIGSTKFLT);
    assert_int_equal(parse("IOT"), SIGABRT);
    assert_int_equal(parse("CLD"), SIGCHLD);
    assert_int_equal(parse("POLL"), SIGIO);
    assert_int_equal(parse("SIGPWR"), SIGPWR);
    assert_int_equal(parse("SYS"), SIGSYS);
}

static void test_numbers(void **state)
{
    assert_int_equal(parse("9"), 9);
    assert_int_equal(parse("1"), 1);
    assert_int_equal(parse("64"), 64);
    assert_int_equal(parse("32"), 32);
    assert_int_equal(parse("015"), 15);
    expect_error("0", "invalid signal \"0\": out of range 1..64");
    expect_error("65", "invalid signal \"65\": out of range 1..64");
    expect_error("999", "invalid signal \"999\": out of range 1..64");
    expect_error("1000", "invalid signal \"1000\"");
    expect_error("-9", "invalid signal \"-9\"");
    expect_error("9x", "invalid signal \"9x\"");
    expect_error(" 9", "invalid signal \" 9\"");
}

static void test_realtime(void **state)
{
    assert_int_equal(parse("RTMIN"), SIGRTMIN);
    assert_int_equal(parse("SIGRTMIN"), SIGRTMIN);
    assert_int_equal(parse("SIGRTMIN+3"), SIGRTMIN + 3);
    assert_int_equal(parse("rtmin+3"), SIGRTMIN + 3);
    assert_int_equal(parse("RTMAX"), SIGRTMAX);
    assert_int_equal(parse("SIGRTMAX-2"), SIGRTMAX - 2);
    assert_int_equal(parse("RTMIN+0"), SIGRTMIN);
    char top[32];
    snprintf(top, sizeof(top), "RTMIN+%d", SIGRTMAX - SIGRTMIN);
    assert_int_equal(parse(top), SIGRTMAX);
    expect_error("RTMIN+31", "invalid signal \"RTMIN+31\"");
    expect_error("SIGRTMAX-31", "invalid signal \"SIGRTMAX-31\"");
    expect_error("RTMIN-1", "invalid signal \"RTMIN-1\"");
    expect_error("RTMAX+1", "invalid signal \"RTMAX+1\"");
    expect_error("RTMIN+", "invalid signal \"RTMIN+\"");
    expect_error("RTMINX", "invalid signal \"RTMINX\"");
}

static void test_unknown(void **state)
{
    expect_error("FOO", "invalid signal \"FOO\"");
    expect_error("SIGFOO", "invalid signal \"SIGFOO\"");
    expect_error("", "invalid signal \"\"");
    expect_error("SIG", "invalid signal \"SIG\"");
    expect_error("SIGSIGKILL", "invalid signal \"SIGSIGKILL\"");
    expect_error("KILL ", "invalid signal \"KILL \"");
}

static void test_names(void **state)
{
    char buf[16];

    assert_string_equal(hull_signal_name(SIGKILL, buf), "SIGKILL");
    assert_string_equal(hull_signal_name(SIGTERM, buf), "SIGTERM");
    assert_string_equal(hull_signal_name(SIGABRT, buf), "SIGABRT");
    assert_string_equal(hull_signal_name(SIGRTMIN, buf), "SIGRTMIN");
    assert_string_equal(hull_signal_name(SIGRTMIN + 3, buf), "SIGRTMIN+3");
    assert_ptr_equal(hull_signal_name(SIGRTMIN + 3, buf), buf);
    assert_null(hull_signal_name(0, buf));
    assert_null(hull_signal_name(-1, buf));
    assert_null(hull_signal_name(65, buf));
}

static void test_round_trip(void **state)
{
    char buf[16];

    for (int sig = 1; sig <= 64; sig++) {
        const char *name = hull_signal_name(sig, buf);
        if (name == NULL) {
            /* Only the two signals the C library keeps for itself. */
            assert_true(sig > 31 && sig < SIGRTMIN);
            continue;
        }
        assert_int_equal(parse(name), sig);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_standard_names), cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_realtime),       cmocka_unit_test(test_unknown),
        cmocka_unit_test(test_names),          cmocka_unit_test(test_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
