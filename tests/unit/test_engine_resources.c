/* Unit tests of hull's resource options: --device parsing, Docker's
 * checks, and the linux.resources they become. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "cgroup.h"
#include "engine_resources.h"
#include "util.h"

#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

static void test_device_forms(void **state)
{
    static const struct {
        const char *value, *path, *access;
    } forms[] = {
        {"/dev/null", "/dev/null", "rwm"},   {"/dev/null:/dev/x", "/dev/x", "rwm"},
        {"/dev/null:r", "/dev/null", "r"},   {"/dev/null:/dev/x:rw", "/dev/x", "rw"},
        {"/dev/null:mr", "/dev/null", "mr"},
    };
    struct stat st;

    (void)state;
    assert_int_equal(stat("/dev/null", &st), 0);
    for (size_t i = 0; i < ARRAY_SIZE(forms); i++) {
        hull_error *err = NULL;
        struct hull_run_device d;
        if (hull_run_device_parse(forms[i].value, &d, &err) < 0)
            fail_msg("%s: %s", forms[i].value, err->msg);
        assert_string_equal(d.host_path, "/dev/null");
        assert_string_equal(d.path, forms[i].path);
        assert_string_equal(d.access, forms[i].access);
        assert_int_equal(d.type, 'c');
        assert_int_equal(d.major, major(st.st_rdev));
        assert_int_equal(d.minor, minor(st.st_rdev));
        assert_int_equal(d.file_mode, st.st_mode & 07777);
        free(d.host_path);
        free(d.path);
    }
}

static void expect_device_error(const char *value, const char *part)
{
    hull_error *err = NULL;
    struct hull_run_device d;

    if (hull_run_device_parse(value, &d, &err) == 0)
        fail_msg("--device %s was accepted", value);
    if (strstr(err->msg, part) == NULL)
        fail_msg("--device %s: \"%s\" lacks \"%s\"", value, err->msg, part);
    assert_int_equal(err->kind, HULL_ERR_BAD_INPUT);
    assert_null(d.host_path);
    hull_error_free(err);
}

static void test_device_errors(void **state)
{
    (void)state;
    expect_device_error("/dev/null:/dev/x:rwz", "\"rwz\"");
    expect_device_error("/dev/null:/dev/x:rr", "\"rr\"");
    expect_device_error("/dev/null:a:b:c", "HOST[:CONTAINER][:PERMISSIONS]");
    expect_device_error("null", "absolute");
    expect_device_error("/dev/null:x", "absolute");
    expect_device_error("/no/such/dev", "No such file");
    expect_device_error("/etc/passwd", "not a character or block device");
    expect_device_error("/dev", "directory");
}

/* CHECK of R must fail with a message holding PART. */
static void expect_check_error(struct hull_run_resources *r, bool update, const char *part)
{
    hull_error *err = NULL;

    if (hull_run_resources_check(r, update, &err) == 0)
        fail_msg("accepted, expected an error about \"%s\"", part);
    if (strstr(err->msg, part) == NULL)
        fail_msg("\"%s\" lacks \"%s\"", err->msg, part);
    assert_int_equal(err->kind, HULL_ERR_BAD_INPUT);
    hull_error_free(err);
}

static void test_check_rules(void **state)
{
    struct hull_run_resources r;

    (void)state;
    r = (struct hull_run_resources){.memory = 1024};
    expect_check_error(&r, false, "6MB");
    r = (struct hull_run_resources){.memory_swap = 64 << 20};
    expect_check_error(&r, false, "needs --memory");
    r = (struct hull_run_resources){.memory = 64 << 20, .memory_swap = 32 << 20};
    expect_check_error(&r, false, "--memory-swap");
    r = (struct hull_run_resources){.memory = 32 << 20, .memory_reservation = 64 << 20};
    expect_check_error(&r, false, "--memory-reservation");
    r = (struct hull_run_resources){.memory_swap = -2};
    expect_check_error(&r, false, "--memory-swap");
    r = (struct hull_run_resources){.nano_cpus = 1000000000, .cpu_quota = 50000};
    expect_check_error(&r, false, "together");
    r = (struct hull_run_resources){.nano_cpus = 1000};
    expect_check_error(&r, false, "--cpus");
    r = (struct hull_run_resources){.nano_cpus = 100000LL * 1000000000};
    expect_check_error(&r, false, "--cpus");
    r = (struct hull_run_resources){.cpu_period = 10};
    expect_check_error(&r, false, "--cpu-period");
    r = (struct hull_run_resources){.cpu_quota = 10};
    expect_check_error(&r, false, "--cpu-quota");
    r = (struct hull_run_resources){.cpu_shares = -1};
    expect_check_error(&r, false, "--cpu-shares");
    r = (struct hull_run_resources){.blkio_weight = 5};
    expect_check_error(&r, false, "--blkio-weight");
    r = (struct hull_run_resources){.cpuset_cpus = (char *)"1-0"};
    expect_check_error(&r, false, "--cpuset-cpus");
    r = (struct hull_run_resources){.cpuset_cpus = (char *)"4000"};
    expect_check_error(&r, false, "--cpuset-cpus");
    /* An update may change swap alone. */
    r = (struct hull_run_resources){.memory_swap = 64 << 20};
    assert_int_equal(hull_run_resources_check(&r, true, NULL), 0);
}

static void test_check_defaults(void **state)
{
    struct hull_run_resources r;

    (void)state;
    r = (struct hull_run_resources){.memory = 64 << 20};
    assert_int_equal(hull_run_resources_check(&r, false, NULL), 0);
    assert_int_equal(r.memory_swap, hull_cgroup_swap_accounting() ? 128 << 20 : 0);
    r = (struct hull_run_resources){.memory = 64 << 20};
    assert_int_equal(hull_run_resources_check(&r, true, NULL), 0);
    assert_int_equal(r.memory_swap, 0);
    r = (struct hull_run_resources){.cpu_shares = 1};
    assert_int_equal(hull_run_resources_check(&r, false, NULL), 0);
    assert_int_equal(r.cpu_shares, 2);
    r = (struct hull_run_resources){.cpu_shares = 1000000};
    assert_int_equal(hull_run_resources_check(&r, false, NULL), 0);
    assert_int_equal(r.cpu_shares, 262144);
    r = (struct hull_run_resources){.pids_limit = 0, .has_pids_limit = true};
    assert_int_equal(hull_run_resources_check(&r, false, NULL), 0);
    assert_int_equal(r.pids_limit, -1);
}

static void test_to_json(void **state)
{
    struct hull_run_device dev = {.host_path = (char *)"/dev/null",
                                  .path = (char *)"/dev/mynull",
                                  .type = 'c',
                                  .major = 1,
                                  .minor = 3,
                                  .file_mode = 0666,
                                  .access = "r"};
    struct hull_run_resources r = {.memory = 64 << 20,
                                   .memory_swap = -1,
                                   .nano_cpus = 1500000000,
                                   .cpu_shares = 512,
                                   .cpuset_cpus = (char *)"0",
                                   .pids_limit = 100,
                                   .has_pids_limit = true,
                                   .blkio_weight = 300,
                                   .devices = &dev,
                                   .n_devices = 1};
    json_t *linux_obj =
        json_pack("{s:{s:[{s:b, s:s}]}}", "resources", "devices", "allow", 0, "access", "rwm");
    hull_error *err = NULL;
    char *text;

    (void)state;
    assert_int_equal(hull_run_resources_to_json(&r, linux_obj, &err), 0);
    text = json_dumps(linux_obj, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(
        text, "{\"devices\":[{\"fileMode\":438,\"gid\":0,\"major\":1,\"minor\":3,"
              "\"path\":\"/dev/mynull\",\"type\":\"c\",\"uid\":0}],"
              "\"resources\":{\"blockIO\":{\"weight\":300},"
              "\"cpu\":{\"cpus\":\"0\",\"period\":100000,\"quota\":150000,\"shares\":512},"
              "\"devices\":[{\"access\":\"rwm\",\"allow\":false},"
              "{\"access\":\"r\",\"allow\":true,\"major\":1,\"minor\":3,\"type\":\"c\"}],"
              "\"memory\":{\"limit\":67108864,\"swap\":-1},\"pids\":{\"limit\":100}}}");
    free(text);
    json_decref(linux_obj);
    assert_int_equal(hull_run_resources_to_json(&r, NULL, &err), -1);
    hull_error_free(err);
}

static void test_to_spec(void **state)
{
    struct hull_run_resources r = {.memory = 64 << 20,
                                   .nano_cpus = 500000000,
                                   .cpuset_mems = (char *)"0",
                                   .pids_limit = -1,
                                   .has_pids_limit = true};
    struct hull_resources s;

    (void)state;
    hull_run_resources_to_spec(&r, &s);
    assert_true(s.memory.has_limit && s.memory.limit == 64 << 20);
    assert_false(s.memory.has_swap || s.memory.has_reservation);
    assert_true(s.cpu.has_quota && s.cpu.quota == 50000);
    assert_true(s.cpu.has_period && s.cpu.period == 100000);
    assert_false(s.cpu.has_shares);
    assert_null(s.cpu.cpus);
    assert_string_equal(s.cpu.mems, "0");
    assert_true(s.pids.has_limit && s.pids.limit == -1);
    assert_false(s.block_io.has_weight);
    free(s.cpu.cpus);
    free(s.cpu.mems);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_device_forms), cmocka_unit_test(test_device_errors),
        cmocka_unit_test(test_check_rules),  cmocka_unit_test(test_check_defaults),
        cmocka_unit_test(test_to_json),      cmocka_unit_test(test_to_spec),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
