#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "caps.h"
#include "error.h"
#include "ocigen.h"
#include "util.h"

#include <string.h>
#include <sys/prctl.h>

static bool has(char *const *v, const char *s)
{
    for (size_t i = 0; v != NULL && v[i] != NULL; i++)
        if (strcmp(v[i], s) == 0)
            return true;
    return false;
}

static char **caps_of(const char *const *add, const char *const *drop, bool privileged)
{
    _cleanup_error_ hull_error *err = NULL;
    char **caps = NULL;

    if (hull_ocigen_caps(add, drop, privileged, &caps, &err) < 0)
        fail_msg("%s", err->msg);
    return caps;
}

static void test_caps_default(void **state)
{
    char **caps = caps_of(NULL, NULL, false);

    assert_int_equal(strv_len(caps), 14);
    assert_true(has(caps, "CAP_CHOWN"));
    assert_false(has(caps, "CAP_SYS_ADMIN"));
    strv_free(caps);
    (void)state;
}

static void test_caps_add_drop(void **state)
{
    const char *add[] = {"net_admin", "CAP_SYS_TIME", "NET_ADMIN", NULL};
    const char *drop[] = {"chown", "CAP_KILL", NULL};
    char **caps = caps_of(add, drop, false);

    assert_true(has(caps, "CAP_NET_ADMIN"));
    assert_true(has(caps, "CAP_SYS_TIME"));
    assert_false(has(caps, "CAP_CHOWN"));
    assert_false(has(caps, "CAP_KILL"));
    assert_int_equal(strv_len(caps), 14);
    strv_free(caps);
    (void)state;
}

/* Capabilities of our own bounding set: what "every capability" can be. */
static int own_caps(void)
{
    int n = 0;
    for (int cap = 0; cap <= hull_cap_last_supported(); cap++)
        n += prctl(PR_CAPBSET_READ, (unsigned long)cap, 0, 0, 0) == 1;
    return n;
}

static void test_caps_all(void **state)
{
    const char *all[] = {"ALL", NULL};
    const char *some[] = {"NET_RAW", NULL};
    char **caps;

    caps = caps_of(some, all, false);
    assert_int_equal(strv_len(caps), 1);
    assert_string_equal(caps[0], "CAP_NET_RAW");
    strv_free(caps);

    caps = caps_of(all, some, false);
    assert_int_equal((int)strv_len(caps), own_caps() - 1);
    assert_false(has(caps, "CAP_NET_RAW"));
    assert_true(has(caps, "CAP_SYS_ADMIN"));
    strv_free(caps);

    caps = caps_of(NULL, all, true);
    assert_int_equal((int)strv_len(caps), own_caps());
    strv_free(caps);
    (void)state;
}

static void test_caps_unknown(void **state)
{
    const char *bad[] = {"CAP_BOGUS", NULL};
    _cleanup_error_ hull_error *err = NULL;
    char **caps = NULL;

    assert_int_equal(hull_ocigen_caps(bad, NULL, false, &caps, &err), -1);
    assert_non_null(strstr(err->msg, "unknown capability: \"CAP_BOGUS\""));
    (void)state;
}

static void test_ulimit(void **state)
{
    _cleanup_error_ hull_error *err = NULL;
    json_t *r = NULL;

    assert_int_equal(hull_ocigen_ulimit("nofile=1024:2048", &r, &err), 0);
    assert_string_equal(json_string_value(json_object_get(r, "type")), "RLIMIT_NOFILE");
    assert_int_equal(json_integer_value(json_object_get(r, "soft")), 1024);
    assert_int_equal(json_integer_value(json_object_get(r, "hard")), 2048);
    json_decref(r);
    assert_int_equal(hull_ocigen_ulimit("core=0", &r, &err), 0);
    assert_int_equal(json_integer_value(json_object_get(r, "hard")), 0);
    json_decref(r);

    static const char *const bad[] = {"nofile",   "bogus=1",   "nofile=2:1",
                                      "nofile=x", "nofile=-1", "=1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        hull_error_freep(&err);
        if (hull_ocigen_ulimit(bad[i], &r, &err) != -1)
            fail_msg("%s was accepted", bad[i]);
        assert_int_equal(err->kind, HULL_ERR_BAD_INPUT);
    }
    (void)state;
}

static void test_security_opts(void **state)
{
    const char *ok[] = {"no-new-privileges", "apparmor=docker-default", "label=disable",
                        "seccomp:unconfined", NULL};
    const char *off[] = {"no-new-privileges:true", "no-new-privileges=false", NULL};
    _cleanup_error_ hull_error *err = NULL;
    struct hull_security_opts s;

    assert_int_equal(hull_security_opts_parse(ok, &s, &err), 0);
    assert_true(s.no_new_privileges);
    assert_string_equal(s.apparmor, "docker-default");
    assert_string_equal(s.seccomp, "unconfined");
    hull_security_opts_clear(&s);
    assert_int_equal(hull_security_opts_parse(off, &s, &err), 0);
    assert_false(s.no_new_privileges);
    hull_security_opts_clear(&s);

    const char *bad[][2] = {{"label=type:foo", NULL},
                            {"bogus=1", NULL},
                            {"apparmor", NULL},
                            {"no-new-privileges=maybe", NULL}};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        hull_error_freep(&err);
        assert_int_equal(hull_security_opts_parse(bad[i], &s, &err), -1);
        assert_int_equal(err->kind, HULL_ERR_BAD_INPUT);
    }
    (void)state;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_caps_default), cmocka_unit_test(test_caps_add_drop),
        cmocka_unit_test(test_caps_all),     cmocka_unit_test(test_caps_unknown),
        cmocka_unit_test(test_ulimit),       cmocka_unit_test(test_security_opts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
