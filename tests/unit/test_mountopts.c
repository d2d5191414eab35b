/* Unit tests of the mount option table (mountopts.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "mountopts.h"
#include "util.h"

#include <string.h>
#include <sys/mount.h>

/* Parses a NULL-terminated list given inline. */
#define PARSE(o, ...)                                                                              \
    ({                                                                                             \
        const char *_v[] = {__VA_ARGS__, NULL};                                                    \
        hull_mount_opts_parse((char *const *)_v, (o), NULL);                                       \
    })

static void test_empty_and_null(void **state)
{
    struct hull_mount_opts o;

    assert_int_equal(hull_mount_opts_parse(NULL, &o, NULL), 0);
    assert_int_equal(o.flags, 0);
    assert_null(o.data);
    assert_false(o.bind);
    assert_int_equal(PARSE(&o, "defaults"), 0);
    assert_int_equal(o.flags, 0);
    assert_int_equal(o.clear, 0);
    assert_null(o.data);
}

static void test_set_flags(void **state)
{
    struct hull_mount_opts o;

    assert_int_equal(PARSE(&o, "ro", "nosuid", "nodev", "noexec", "sync", "dirsync", "mand",
                           "iversion", "lazytime", "silent", "nodiratime", "nosymfollow"),
                     0);
    assert_int_equal(o.flags, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_SYNCHRONOUS |
                                  MS_DIRSYNC | MS_MANDLOCK | MS_I_VERSION | MS_LAZYTIME |
                                  MS_SILENT | MS_NODIRATIME | MS_NOSYMFOLLOW);
    assert_int_equal(o.clear, 0);
    assert_false(o.has_rec_attrs);
    hull_mount_opts_clear(&o);
}

static void test_clear_flags_and_order(void **state)
{
    struct hull_mount_opts o;

    assert_int_equal(PARSE(&o, "rw", "suid", "dev", "exec", "async", "loud", "nomand", "noiversion",
                           "nolazytime", "diratime", "symfollow"),
                     0);
    assert_int_equal(o.flags, 0);
    assert_int_equal(o.clear, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_SYNCHRONOUS |
                                  MS_SILENT | MS_MANDLOCK | MS_I_VERSION | MS_LAZYTIME |
                                  MS_NODIRATIME | MS_NOSYMFOLLOW);

    /* the later option wins, in both directions */
    assert_int_equal(PARSE(&o, "ro", "rw"), 0);
    assert_int_equal(o.flags & MS_RDONLY, 0);
    assert_int_equal(o.clear, MS_RDONLY);
    assert_int_equal(PARSE(&o, "rw", "ro"), 0);
    assert_int_equal(o.flags, MS_RDONLY);
    assert_int_equal(o.clear, 0);
}

static void test_atime_modes_exclusive(void **state)
{
    struct hull_mount_opts o;

    assert_int_equal(PARSE(&o, "noatime"), 0);
    assert_int_equal(o.flags, MS_NOATIME);
    assert_int_equal(PARSE(&o, "noatime", "strictatime"), 0);
    assert_int_equal(o.flags, MS_STRICTATIME);
    assert_true(o.clear & MS_NOATIME);
    assert_int_equal(PARSE(&o, "strictatime", "relatime"), 0);
    assert_int_equal(o.flags, MS_RELATIME);
    assert_int_equal(PARSE(&o, "atime", "norelatime", "nostrictatime"), 0);
    assert_int_equal(o.flags, 0);
    assert_int_equal(o.clear, MS_NOATIME | MS_RELATIME | MS_STRICTATIME);
}

static void test_propagation(void **state)
{
    static const struct {
        const char *name;
        unsigned long value;
    } cases[] = {
        {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
        {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
        {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
        {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
    };
    struct hull_mount_opts o;

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        const char *v[] = {"rbind", cases[i].name, NULL};
        assert_int_equal(hull_mount_opts_parse((char *const *)v, &o, NULL), 0);
        assert_int_equal(o.propagation, cases[i].value);
        assert_int_equal(o.flags, 0);
        assert_true(o.rbind);
    }
    /* repeating the same request is fine */
    assert_int_equal(PARSE(&o, "rprivate", "rprivate"), 0);
    assert_int_equal(o.propagation, MS_PRIVATE | MS_REC);
}

static void test_propagation_conflict(void **state)
{
    struct hull_mount_opts o = {0};
    const char *v[] = {"shared", "nosuid", "rprivate", NULL};
    hull_error *e = NULL;

    assert_int_equal(hull_mount_opts_parse((char *const *)v, &o, &e), -1);
    assert_non_null(e);
    assert_int_equal(e->kind, HULL_ERR_BAD_INPUT);
    assert_non_null(strstr(e->msg, "\"shared\""));
    assert_non_null(strstr(e->msg, "\"rprivate\""));
    hull_error_free(e);
}

static void test_recursive_attrs(void **state)
{
    struct hull_mount_opts o;

    assert_int_equal(
        PARSE(&o, "rro", "rnosuid", "rnodev", "rnoexec", "rnodiratime", "rnosymfollow"), 0);
    assert_true(o.has_rec_attrs);
    assert_int_equal(o.rec_attr_set, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
                                         MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NODIRATIME |
                                         MOUNT_ATTR_NOSYMFOLLOW);
    assert_int_equal(o.rec_attr_clr, 0);
    assert_int_equal(o.flags, 0);

    assert_int_equal(PARSE(&o, "rrw", "rsuid", "rdev", "rexec", "rdiratime", "rsymfollow"), 0);
    assert_int_equal(o.rec_attr_set, 0);
    assert_int_equal(o.rec_attr_clr, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
                                         MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NODIRATIME |
                                         MOUNT_ATTR_NOSYMFOLLOW);

    /* a later recursive option undoes an earlier one */
    assert_int_equal(PARSE(&o, "rro", "rrw"), 0);
    assert_int_equal(o.rec_attr_set, 0);
    assert_int_equal(o.rec_attr_clr, MOUNT_ATTR_RDONLY);
    assert_int_equal(PARSE(&o, "rrw", "rro"), 0);
    assert_int_equal(o.rec_attr_set, MOUNT_ATTR_RDONLY);
    assert_int_equal(o.rec_attr_clr, 0);
}

static void test_recursive_atime(void **state)
{
    static const struct {
        const char *name;
        uint64_t mode;
    } cases[] = {
        {"rnoatime", MOUNT_ATTR_NOATIME},     {"rstrictatime", MOUNT_ATTR_STRICTATIME},
        {"rrelatime", MOUNT_ATTR_RELATIME},   {"ratime", MOUNT_ATTR_RELATIME},
        {"rnorelatime", MOUNT_ATTR_RELATIME}, {"rnostrictatime", MOUNT_ATTR_RELATIME},
    };
    struct hull_mount_opts o;

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        const char *v[] = {"rnoatime", cases[i].name, NULL};
        assert_int_equal(hull_mount_opts_parse((char *const *)v, &o, NULL), 0);
        assert_true(o.has_rec_attrs);
        /* the whole atime field is replaced: the kernel refuses a partial
         * MOUNT_ATTR__ATIME in attr_clr */
        assert_int_equal(o.rec_attr_clr & MOUNT_ATTR__ATIME, MOUNT_ATTR__ATIME);
        assert_int_equal(o.rec_attr_set & MOUNT_ATTR__ATIME, cases[i].mode);
    }
}

static void test_bind_idmap_tmpcopyup(void **state)
{
    struct hull_mount_opts o;

    assert_int_equal(PARSE(&o, "bind"), 0);
    assert_true(o.bind);
    assert_false(o.rbind);
    assert_int_equal(o.flags, 0);
    assert_int_equal(PARSE(&o, "rbind"), 0);
    assert_true(o.bind);
    assert_true(o.rbind);
    assert_int_equal(PARSE(&o, "idmap"), 0);
    assert_true(o.idmap);
    assert_false(o.ridmap);
    assert_int_equal(PARSE(&o, "ridmap"), 0);
    assert_true(o.idmap);
    assert_true(o.ridmap);
    assert_int_equal(PARSE(&o, "tmpcopyup"), 0);
    assert_true(o.tmpcopyup);
    assert_null(o.data);
}

static void test_remount(void **state)
{
    struct hull_mount_opts o;
    hull_error *e = NULL;

    assert_int_equal(PARSE(&o, "remount", "bind", "ro"), 0);
    assert_int_equal(o.flags, MS_REMOUNT | MS_RDONLY);
    assert_true(o.bind);

    const char *bad[] = {"rbind", "remount", NULL};
    assert_int_equal(hull_mount_opts_parse((char *const *)bad, &o, &e), -1);
    assert_non_null(strstr(e->msg, "\"rbind\""));
    hull_error_free(e);
    e = NULL;

    const char *bad2[] = {"remount", "tmpcopyup", "size=1k", NULL};
    assert_int_equal(hull_mount_opts_parse((char *const *)bad2, &o, &e), -1);
    assert_non_null(strstr(e->msg, "\"tmpcopyup\""));
    hull_error_free(e);
}

static void test_unknown_become_data(void **state)
{
    struct hull_mount_opts o;

    assert_int_equal(
        PARSE(&o, "nosuid", "mode=755", "size=65536k", "newinstance", "noexec", "ptmxmode=0666"),
        0);
    assert_string_equal(o.data, "mode=755,size=65536k,newinstance,ptmxmode=0666");
    assert_int_equal(o.flags, MS_NOSUID | MS_NOEXEC);
    hull_mount_opts_clear(&o);
    assert_null(o.data);
    assert_int_equal(o.flags, 0);

    /* an option that only looks like one of the table's is data */
    assert_int_equal(PARSE(&o, "ro=1", "RO"), 0);
    assert_string_equal(o.data, "ro=1,RO");
    assert_int_equal(o.flags, 0);
    hull_mount_opts_clear(&o);
}

static void test_empty_option(void **state)
{
    struct hull_mount_opts o;
    const char *v[] = {"ro", "", NULL};
    hull_error *e = NULL;

    assert_int_equal(hull_mount_opts_parse((char *const *)v, &o, &e), -1);
    assert_non_null(strstr(e->msg, "index 1"));
    hull_error_free(e);
}

static void test_known_and_names(void **state)
{
    /* runtime-spec's "Linux mount options" table plus the extensions */
    char required[] =
        "async atime bind defaults dev diratime dirsync exec iversion lazytime loud mand noatime "
        "nodev nodiratime noexec noiversion nolazytime nomand norelatime nostrictatime nosuid "
        "nosymfollow private ratime rbind rdev rdiratime relatime remount rexec rnoatime rnodev "
        "rnodiratime rnoexec rnorelatime rnostrictatime rnosuid rnosymfollow ro rprivate "
        "rrelatime rro rrw rshared rslave rstrictatime rsuid rsymfollow runbindable rw shared "
        "silent slave strictatime suid symfollow sync tmpcopyup unbindable idmap ridmap";
    const char *const *names = hull_mount_opt_names();
    size_t n = 0, n_required = 0;
    char *save = NULL;

    for (char *r = strtok_r(required, " ", &save); r != NULL; r = strtok_r(NULL, " ", &save)) {
        bool listed = false;
        assert_true(hull_mount_opt_known(r));
        for (size_t j = 0; names[j] != NULL; j++)
            listed = listed || strcmp(names[j], r) == 0;
        assert_true(listed);
        n_required++;
    }
    while (names[n] != NULL) {
        if (n > 0)
            assert_true(strcmp(names[n - 1], names[n]) < 0); /* sorted, no duplicates */
        n++;
    }
    assert_int_equal(n, n_required);
    assert_false(hull_mount_opt_known("mode=755"));
    assert_false(hull_mount_opt_known(""));
    assert_false(hull_mount_opt_known(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_and_null),        cmocka_unit_test(test_set_flags),
        cmocka_unit_test(test_clear_flags_and_order), cmocka_unit_test(test_atime_modes_exclusive),
        cmocka_unit_test(test_propagation),           cmocka_unit_test(test_propagation_conflict),
        cmocka_unit_test(test_recursive_attrs),       cmocka_unit_test(test_recursive_atime),
        cmocka_unit_test(test_bind_idmap_tmpcopyup),  cmocka_unit_test(test_remount),
        cmocka_unit_test(test_unknown_become_data),   cmocka_unit_test(test_empty_option),
        cmocka_unit_test(test_known_and_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
