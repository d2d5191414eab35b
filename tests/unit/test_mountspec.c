#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "error.h"
#include "mountspec.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Parses SPEC with PARSE, expecting success. */
static void parse_ok(int (*parse)(const char *, struct hull_mount_spec *, hull_error **),
                     const char *spec, struct hull_mount_spec *m)
{
    _cleanup_error_ hull_error *err = NULL;
    int r = parse(spec, m, &err);
    if (r < 0)
        fail_msg("%s: %s", spec, err->msg);
}

/* Parses SPEC with PARSE, expecting an error whose message holds WANT. */
static void parse_fails(int (*parse)(const char *, struct hull_mount_spec *, hull_error **),
                        const char *spec, const char *want)
{
    _cleanup_error_ hull_error *err = NULL;
    struct hull_mount_spec m;

    assert_int_equal(parse(spec, &m, &err), -1);
    assert_non_null(err);
    if (strstr(err->msg, want) == NULL)
        fail_msg("%s: \"%s\" does not contain \"%s\"", spec, err->msg, want);
    assert_int_equal(err->kind, HULL_ERR_BAD_INPUT);
}

static void test_volume_forms(void **state)
{
    struct hull_mount_spec m;

    parse_ok(hull_mount_spec_parse_volume, "/data", &m);
    assert_int_equal(m.kind, HULL_MOUNT_VOLUME);
    assert_null(m.source);
    assert_string_equal(m.target, "/data");
    hull_mount_spec_clear(&m);

    parse_ok(hull_mount_spec_parse_volume, "cache:/var/cache/", &m);
    assert_int_equal(m.kind, HULL_MOUNT_VOLUME);
    assert_string_equal(m.source, "cache");
    assert_string_equal(m.target, "/var/cache");
    assert_false(m.readonly);
    hull_mount_spec_clear(&m);

    parse_ok(hull_mount_spec_parse_volume, "/srv//www:/www:ro,z", &m);
    assert_int_equal(m.kind, HULL_MOUNT_BIND);
    assert_string_equal(m.source, "/srv/www");
    assert_string_equal(m.target, "/www");
    assert_true(m.readonly);
    assert_string_equal(m.propagation, "rprivate");
    hull_mount_spec_clear(&m);

    parse_ok(hull_mount_spec_parse_volume, "/a:/b:rshared", &m);
    assert_string_equal(m.propagation, "rshared");
    hull_mount_spec_clear(&m);

    parse_ok(hull_mount_spec_parse_volume, "v1:/b:nocopy", &m);
    assert_true(m.nocopy);
    hull_mount_spec_clear(&m);
    (void)state;
}

static void test_volume_errors(void **state)
{
    parse_fails(hull_mount_spec_parse_volume, "relative", "must be absolute");
    parse_fails(hull_mount_spec_parse_volume, "/a:/", "destination can't be '/'");
    parse_fails(hull_mount_spec_parse_volume, "/a:/b:ro,rw", "invalid mode: ro,rw");
    parse_fails(hull_mount_spec_parse_volume, "/a:/b:bogus", "invalid mode: bogus");
    parse_fails(hull_mount_spec_parse_volume, "/a:/b:nocopy", "invalid mode");
    parse_fails(hull_mount_spec_parse_volume, "vol:/b:shared", "invalid mode");
    parse_fails(hull_mount_spec_parse_volume, "../x:/b", "invalid characters");
    parse_fails(hull_mount_spec_parse_volume, "a:/b:ro:x", "invalid volume specification");
    parse_fails(hull_mount_spec_parse_volume, ":/b", "invalid volume specification");
    (void)state;
}

static void test_mount_forms(void **state)
{
    struct hull_mount_spec m;

    parse_ok(hull_mount_spec_parse_mount, "type=bind,source=/h,target=/c,readonly", &m);
    assert_int_equal(m.kind, HULL_MOUNT_BIND);
    assert_string_equal(m.source, "/h");
    assert_string_equal(m.target, "/c");
    assert_true(m.readonly);
    hull_mount_spec_clear(&m);

    parse_ok(hull_mount_spec_parse_mount, "src=named,dst=/d,volume-nocopy,ro=false", &m);
    assert_int_equal(m.kind, HULL_MOUNT_VOLUME);
    assert_string_equal(m.source, "named");
    assert_true(m.nocopy);
    assert_false(m.readonly);
    hull_mount_spec_clear(&m);

    parse_ok(hull_mount_spec_parse_mount, "type=tmpfs,destination=/t,tmpfs-size=1m,tmpfs-mode=1770",
             &m);
    assert_int_equal(m.kind, HULL_MOUNT_TMPFS);
    char **opts = hull_mount_spec_tmpfs_options(&m);
    assert_string_equal(opts[0], "rw");
    assert_string_equal(opts[4], "size=1048576");
    assert_string_equal(opts[5], "mode=1770");
    assert_null(opts[6]);
    strv_free(opts);
    hull_mount_spec_clear(&m);

    parse_ok(hull_mount_spec_parse_mount, "type=volume,target=/anon", &m);
    assert_null(m.source);
    hull_mount_spec_clear(&m);
    (void)state;
}

static void test_mount_errors(void **state)
{
    parse_fails(hull_mount_spec_parse_mount, "type=bind,target=/c", "source is required");
    parse_fails(hull_mount_spec_parse_mount, "type=bind,source=/h", "target is required");
    parse_fails(hull_mount_spec_parse_mount, "type=nfs,target=/c", "invalid mount type");
    parse_fails(hull_mount_spec_parse_mount, "target=/c,color=red", "unexpected key 'color'");
    parse_fails(hull_mount_spec_parse_mount, "target=/c,source", "must be a key=value pair");
    parse_fails(hull_mount_spec_parse_mount, "type=tmpfs,src=x,target=/c", "not allowed for tmpfs");
    parse_fails(hull_mount_spec_parse_mount, "type=volume,target=/c,bind-propagation=shared",
                "bind options");
    parse_fails(hull_mount_spec_parse_mount, "type=tmpfs,target=/c,tmpfs-mode=99", "tmpfs-mode");
    parse_fails(hull_mount_spec_parse_mount, "target=/c,ro=maybe", "invalid value for ro");
    parse_fails(hull_mount_spec_parse_mount, "target=/c,volume-opt=type=nfs", "not supported");
    (void)state;
}

static void test_tmpfs(void **state)
{
    struct hull_mount_spec m;

    parse_ok(hull_mount_spec_parse_tmpfs, "/run:size=64k,exec", &m);
    assert_string_equal(m.target, "/run");
    char **opts = hull_mount_spec_tmpfs_options(&m);
    assert_string_equal(opts[1], "noexec");
    assert_string_equal(opts[4], "size=64k");
    assert_string_equal(opts[5], "exec");
    assert_null(opts[6]);
    strv_free(opts);
    hull_mount_spec_clear(&m);
    parse_fails(hull_mount_spec_parse_tmpfs, "run", "must be absolute");
    (void)state;
}

static void test_volume_names(void **state)
{
    assert_int_equal(hull_volume_name_validate("data_1.x-y", NULL), 0);
    assert_int_equal(hull_volume_name_validate("a", NULL), -1);
    assert_int_equal(hull_volume_name_validate("_x", NULL), -1);
    assert_int_equal(hull_volume_name_validate("a/b", NULL), -1);
    assert_int_equal(hull_volume_name_validate("..", NULL), -1);
    (void)state;
}

/* "." and "./PATH" are host paths relative to the current directory. */
static void test_relative_binds(void **state)
{
    struct hull_mount_spec m;
    char dir[] = "/tmp/hull-mountspec-XXXXXX";
    _cleanup_free_ char *cwd = getcwd(NULL, 0);
    _cleanup_free_ char *want = NULL;

    assert_non_null(mkdtemp(dir));
    assert_int_equal(chdir(dir), 0);

    parse_ok(hull_mount_spec_parse_volume, ".:/b", &m);
    assert_int_equal(m.kind, HULL_MOUNT_BIND);
    assert_string_equal(m.source, dir);
    assert_string_equal(m.propagation, "rprivate");
    hull_mount_spec_clear(&m);

    want = xasprintf("%s/box/in", dir);
    parse_ok(hull_mount_spec_parse_volume, "./box//in/:/b:ro", &m);
    assert_int_equal(m.kind, HULL_MOUNT_BIND);
    assert_string_equal(m.source, want);
    assert_true(m.readonly);
    hull_mount_spec_clear(&m);

    parse_ok(hull_mount_spec_parse_mount, "type=bind,source=./box/in,target=/b", &m);
    assert_int_equal(m.kind, HULL_MOUNT_BIND);
    assert_string_equal(m.source, want);
    hull_mount_spec_clear(&m);

    /* only "./" makes a path: a volume name cannot hold "/" */
    parse_fails(hull_mount_spec_parse_volume, "box/in:/b", "invalid characters");
    parse_fails(hull_mount_spec_parse_mount, "type=volume,source=./box,target=/b",
                "invalid characters");

    assert_int_equal(chdir(cwd), 0);
    assert_int_equal(rmdir(dir), 0);
    (void)state;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_volume_forms),   cmocka_unit_test(test_volume_errors),
        cmocka_unit_test(test_mount_forms),    cmocka_unit_test(test_mount_errors),
        cmocka_unit_test(test_tmpfs),          cmocka_unit_test(test_volume_names),
        cmocka_unit_test(test_relative_binds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
