#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../src/hull/opts.h"
#include "error.h"
#include "util.h"

#include <string.h>

struct run_like {
    bool rm, interactive, tty;
    const char *name;
    const char *hostname;
    char **env;
};

#define O(f) offsetof(struct run_like, f)

static const struct hull_flag flags[] = {
    {"rm", 0, HULL_FLAG_BOOL, O(rm), NULL, "remove"},
    {"interactive", 'i', HULL_FLAG_BOOL, O(interactive), NULL, "keep stdin"},
    {"tty", 't', HULL_FLAG_BOOL, O(tty), NULL, "allocate a tty"},
    {"name", 0, HULL_FLAG_STRING, O(name), "string", "name"},
    {"hostname", 'h', HULL_FLAG_STRING, O(hostname), "string", "hostname"},
    {"env", 'e', HULL_FLAG_LIST, O(env), "list", "env"},
    {NULL, 0, 0, 0, NULL, NULL},
};

/* Parses the words of LINE (split at spaces) into *R. */
static int parse(const char *line, bool interspersed, struct run_like *r, struct hull_args *a,
                 hull_error **err)
{
    static char buf[512];
    char *argv[64];
    int argc = 0;

    memset(r, 0, sizeof(*r));
    snprintf(buf, sizeof(buf), "%s", line);
    for (char *w = strtok(buf, " "); w != NULL; w = strtok(NULL, " "))
        argv[argc++] = w;
    return hull_flags_parse(flags, interspersed, argc, argv, r, a, err);
}

static void test_combined_and_values(void **state)
{
    struct run_like r;
    struct hull_args a;
    _cleanup_error_ hull_error *err = NULL;

    (void)state;
    assert_int_equal(parse("-it --rm -e A=1 -eB=2 --env C=3 --env=D=4 -e=E=5 --name n1 --name=n2 "
                           "busybox sh -c -x",
                           false, &r, &a, &err),
                     0);
    assert_true(r.interactive);
    assert_true(r.tty);
    assert_true(r.rm);
    assert_string_equal(r.name, "n2");
    assert_int_equal(strv_len(r.env), 5);
    assert_string_equal(r.env[0], "A=1");
    assert_string_equal(r.env[1], "B=2");
    assert_string_equal(r.env[2], "C=3");
    assert_string_equal(r.env[3], "D=4");
    assert_string_equal(r.env[4], "E=5");
    /* Flags stop at the image: "-c" and "-x" belong to the command. */
    assert_int_equal(a.n, 4);
    assert_string_equal(a.args[0], "busybox");
    assert_string_equal(a.args[2], "-c");
    assert_string_equal(a.args[3], "-x");
    hull_flags_free(flags, &r);
    assert_null(r.env);
    hull_args_clear(&a);
}

static void test_short_value_at_end_of_group(void **state)
{
    struct run_like r;
    struct hull_args a;
    _cleanup_error_ hull_error *err = NULL;

    (void)state;
    assert_int_equal(parse("-ite K=V img", false, &r, &a, &err), 0);
    assert_true(r.interactive && r.tty);
    assert_string_equal(r.env[0], "K=V");
    assert_int_equal(a.n, 1);
    hull_flags_free(flags, &r);
    hull_args_clear(&a);
    /* -h is the hostname here, not help. */
    assert_int_equal(parse("-h box img", false, &r, &a, &err), 0);
    assert_string_equal(r.hostname, "box");
    assert_false(a.help);
    hull_args_clear(&a);
}

static void test_bool_values(void **state)
{
    struct run_like r;
    struct hull_args a;
    _cleanup_error_ hull_error *err = NULL;

    (void)state;
    assert_int_equal(parse("--rm=false -i=false -t=true img", false, &r, &a, &err), 0);
    assert_false(r.rm);
    assert_false(r.interactive);
    assert_true(r.tty);
    hull_args_clear(&a);
    assert_int_equal(parse("--rm=maybe img", false, &r, &a, &err), -1);
    assert_string_equal(err->msg, "invalid argument \"maybe\" for \"--rm\" flag: not a boolean");
    assert_int_equal(err->kind, HULL_ERR_BAD_INPUT);
}

static void test_double_dash_and_interspersed(void **state)
{
    struct run_like r;
    struct hull_args a;
    _cleanup_error_ hull_error *err = NULL;

    (void)state;
    assert_int_equal(parse("a --rm b -- --name c", true, &r, &a, &err), 0);
    assert_true(r.rm);
    assert_null(r.name);
    assert_int_equal(a.n, 4);
    assert_string_equal(a.args[0], "a");
    assert_string_equal(a.args[1], "b");
    assert_string_equal(a.args[2], "--name");
    assert_string_equal(a.args[3], "c");
    hull_args_clear(&a);
    /* "-" alone is an argument (standard input for import). */
    assert_int_equal(parse("- --rm", true, &r, &a, &err), 0);
    assert_string_equal(a.args[0], "-");
    assert_true(r.rm);
    hull_args_clear(&a);
    assert_int_equal(parse("--help x", true, &r, &a, &err), 0);
    assert_true(a.help);
    hull_args_clear(&a);
}

static void test_errors(void **state)
{
    static const struct {
        const char *line;
        const char *msg;
    } cases[] = {
        {"--bogus img", "unknown flag: --bogus"},
        {"--bogus=1 img", "unknown flag: --bogus"},
        {"-iz img", "unknown shorthand flag: 'z' in -iz"},
        {"--name", "flag needs an argument: --name"},
        {"-it -e", "flag needs an argument: 'e' in -e"},
    };

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct run_like r;
        struct hull_args a;
        _cleanup_error_ hull_error *err = NULL;
        assert_int_equal(parse(cases[i].line, false, &r, &a, &err), -1);
        assert_string_equal(err->msg, cases[i].msg);
        assert_int_equal(err->kind, HULL_ERR_BAD_INPUT);
        assert_null(a.args);
        hull_flags_free(flags, &r);
    }
}

static void test_parse_bool(void **state)
{
    bool b = false;

    (void)state;
    assert_int_equal(hull_parse_bool("True", &b), 0);
    assert_true(b);
    assert_int_equal(hull_parse_bool("0", &b), 0);
    assert_false(b);
    assert_int_equal(hull_parse_bool("yes", &b), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_combined_and_values),
        cmocka_unit_test(test_short_value_at_end_of_group),
        cmocka_unit_test(test_bool_values),
        cmocka_unit_test(test_double_dash_and_interspersed),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_parse_bool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
