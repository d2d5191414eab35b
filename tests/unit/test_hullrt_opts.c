/* Unit tests of hullrt's flag parser (src/hullrt/opts.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../src/hullrt/opts.h"
#include "util.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct test_opts {
    const char *bundle;
    const char *format;
    int preserve_fds;
    bool detach;
    bool force;
};

#define OPT(field) offsetof(struct test_opts, field)

static const struct hullrt_opt create_like[] = {
    {"bundle", 'b', HULLRT_OPT_STRING, OPT(bundle), "DIR", "\".\"", "bundle directory"},
    {"preserve-fds", 0, HULLRT_OPT_INT, OPT(preserve_fds), "N", "0", "extra descriptors"},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};

static const struct hullrt_opt run_like[] = {
    {"detach", 'd', HULLRT_OPT_BOOL, OPT(detach), NULL, NULL, "detach"},
    {"force", 'f', HULLRT_OPT_BOOL, OPT(force), NULL, NULL, "force"},
    {"format", 0, HULLRT_OPT_STRING, OPT(format), "FORMAT", NULL, "output format"},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};

static const struct hullrt_opt *const tables[] = {create_like, run_like, NULL};

/* Parses an inline word list with flags allowed anywhere. */
#define PARSE_AT(stop, o, p, e, ...)                                                               \
    ({                                                                                             \
        const char *_v[] = {__VA_ARGS__, NULL};                                                    \
        memset((o), 0, sizeof(*(o)));                                                              \
        hullrt_parse_flags(tables, (stop), (int)ARRAY_SIZE(_v) - 1, (char **)_v, (o), (p), (e));   \
    })
#define PARSE(o, p, e, ...) PARSE_AT(-1, o, p, e, __VA_ARGS__)

/* A repeatable flag collects copies of its values; hullrt_opts_free()
 * releases them. */
struct list_opts {
    char **env;
};

static const struct hullrt_opt list_table[] = {
    {"env", 'e', HULLRT_OPT_LIST, offsetof(struct list_opts, env), "KEY=VALUE", NULL, "env"},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};

static void test_list(void **state)
{
    const struct hullrt_opt *const t[] = {list_table, NULL};
    const char *v[] = {"-e", "A=1", "--env=B=2", "id", "-e", "C=3", NULL};
    struct list_opts o = {0};
    struct hullrt_parsed p;
    hull_error *e = NULL;

    /* Stopping after the first argument: "-e C=3" is the command's. */
    assert_int_equal(hullrt_parse_flags(t, 0, 6, (char **)v, &o, &p, &e), 0);
    assert_int_equal(strv_len(o.env), 2);
    assert_string_equal(o.env[0], "A=1");
    assert_string_equal(o.env[1], "B=2");
    assert_int_equal(p.nargs, 3);
    assert_string_equal(p.args[1], "-e");
    hullrt_opts_free(t, &o);
    assert_null(o.env);
    hullrt_parsed_clear(&p);
    (void)state;
}

static void test_value_spellings(void **state)
{
    const char *const spellings[][3] = {
        {"--bundle", "/b", NULL},   {"--bundle=/b", NULL, NULL}, {"-bundle", "/b", NULL},
        {"-bundle=/b", NULL, NULL}, {"-b", "/b", NULL},          {"--b", "/b", NULL},
        {"-b=/b", NULL, NULL},
    };

    for (size_t i = 0; i < ARRAY_SIZE(spellings); i++) {
        char *argv[4] = {(char *)spellings[i][0], (char *)spellings[i][1], NULL, NULL};
        int argc = spellings[i][1] != NULL ? 2 : 1;
        struct test_opts o = {0};
        struct hullrt_parsed p;

        argv[argc++] = (char *)"ctr";
        assert_int_equal(hullrt_parse_flags(tables, -1, argc, argv, &o, &p, NULL), 0);
        assert_string_equal(o.bundle, "/b");
        assert_int_equal(p.nargs, 1);
        assert_string_equal(p.args[0], "ctr");
        assert_null(p.args[1]);
        hullrt_parsed_clear(&p);
    }
}

static void test_value_edge_cases(void **state)
{
    struct test_opts o;
    struct hullrt_parsed p;

    /* the last occurrence wins; "=" inside a value is kept; "" is a value */
    assert_int_equal(PARSE(&o, &p, NULL, "-b", "one", "--bundle=a=b"), 0);
    assert_string_equal(o.bundle, "a=b");
    hullrt_parsed_clear(&p);
    assert_int_equal(PARSE(&o, &p, NULL, "--bundle="), 0);
    assert_string_equal(o.bundle, "");
    hullrt_parsed_clear(&p);
    /* a value may start with a dash: it is never taken for a flag */
    assert_int_equal(PARSE(&o, &p, NULL, "--bundle", "--detach"), 0);
    assert_string_equal(o.bundle, "--detach");
    assert_false(o.detach);
    hullrt_parsed_clear(&p);
    assert_int_equal(PARSE(&o, &p, NULL, "--preserve-fds", "-3"), 0);
    assert_int_equal(o.preserve_fds, -3);
    hullrt_parsed_clear(&p);
    assert_int_equal(PARSE(&o, &p, NULL, "-preserve-fds=12"), 0);
    assert_int_equal(o.preserve_fds, 12);
    hullrt_parsed_clear(&p);
}

static void test_bool_spellings(void **state)
{
    const char *const on[] = {"--detach", "-d",         "-detach",       "--d",     "--detach=true",
                              "-d=1",     "--detach=T", "--detach=TRUE", "-d=True", "-d=t"};
    const char *const off[] = {"--detach=false", "-d=0", "--detach=F",
                               "-d=FALSE",       "-d=f", "--detach=False"};
    struct test_opts o;
    struct hullrt_parsed p;

    for (size_t i = 0; i < ARRAY_SIZE(on); i++) {
        assert_int_equal(PARSE(&o, &p, NULL, on[i], "x"), 0);
        assert_true(o.detach);
        assert_int_equal(p.nargs, 1);
        hullrt_parsed_clear(&p);
    }
    for (size_t i = 0; i < ARRAY_SIZE(off); i++) {
        assert_int_equal(PARSE(&o, &p, NULL, "-d", off[i]), 0);
        assert_false(o.detach);
        hullrt_parsed_clear(&p);
    }
    /* a bool never takes the next word: "true" stays an argument */
    assert_int_equal(PARSE(&o, &p, NULL, "--detach", "true"), 0);
    assert_true(o.detach);
    assert_int_equal(p.nargs, 1);
    assert_string_equal(p.args[0], "true");
    hullrt_parsed_clear(&p);
}

static void expect_error(hull_error *e, const char *fragment)
{
    assert_non_null(e);
    assert_int_equal(e->kind, HULL_ERR_BAD_INPUT);
    if (strstr(e->msg, fragment) == NULL)
        fail_msg("error \"%s\" lacks \"%s\"", e->msg, fragment);
    hull_error_free(e);
}

static void test_errors(void **state)
{
    struct test_opts o;
    struct hullrt_parsed p = {0};
    hull_error *e = NULL;

    assert_int_equal(PARSE(&o, &p, &e, "--detach=yes"), -1);
    expect_error(e, "invalid boolean value \"yes\" for flag --detach");
    assert_null(p.args);
    e = NULL;
    assert_int_equal(PARSE(&o, &p, &e, "--preserve-fds", "abc"), -1);
    expect_error(e, "invalid value \"abc\" for flag --preserve-fds");
    e = NULL;
    assert_int_equal(PARSE(&o, &p, &e, "--preserve-fds=99999999999"), -1);
    expect_error(e, "\"99999999999\"");
    e = NULL;
    assert_int_equal(PARSE(&o, &p, &e, "ctr", "--bundle"), -1);
    expect_error(e, "flag needs an argument: \"--bundle\"");
    e = NULL;
    assert_int_equal(PARSE(&o, &p, &e, "--bogus", "ctr"), -1);
    expect_error(e, "flag provided but not defined: \"--bogus\"");
    e = NULL;
    assert_int_equal(PARSE(&o, &p, &e, "-x=1"), -1);
    expect_error(e, "\"-x=1\"");
    e = NULL;
    assert_int_equal(PARSE(&o, &p, &e, "---detach"), -1);
    expect_error(e, "\"---detach\"");
}

static void test_arguments_and_flags_mixed(void **state)
{
    struct test_opts o;
    struct hullrt_parsed p;

    /* urfave/cli moves defined flags ahead of the arguments */
    assert_int_equal(PARSE(&o, &p, NULL, "ctr", "--force", "KILL", "-b", "/x"), 0);
    assert_true(o.force);
    assert_string_equal(o.bundle, "/x");
    assert_int_equal(p.nargs, 2);
    assert_string_equal(p.args[0], "ctr");
    assert_string_equal(p.args[1], "KILL");
    hullrt_parsed_clear(&p);

    /* ...but an unknown dash word after an argument is an argument */
    assert_int_equal(PARSE(&o, &p, NULL, "ctr", "-9"), 0);
    assert_int_equal(p.nargs, 2);
    assert_string_equal(p.args[1], "-9");
    hullrt_parsed_clear(&p);

    /* "--" ends the flags and is dropped; "-" is an argument */
    assert_int_equal(PARSE(&o, &p, NULL, "-", "--", "--detach", "--"), 0);
    assert_false(o.detach);
    assert_int_equal(p.nargs, 3);
    assert_string_equal(p.args[0], "-");
    assert_string_equal(p.args[1], "--detach");
    assert_string_equal(p.args[2], "--");
    hullrt_parsed_clear(&p);
}

static void test_stop_after(void **state)
{
    struct test_opts o;
    struct hullrt_parsed p;

    /* global flags: the command name ends them, the rest is the command's */
    assert_int_equal(
        PARSE_AT(0, &o, &p, NULL, "-d", "list", "--format", "json", "--", "--bogus", "-d"), 0);
    assert_true(o.detach);
    assert_null(o.format);
    assert_int_equal(p.nargs, 6);
    assert_string_equal(p.args[0], "list");
    assert_string_equal(p.args[1], "--format");
    assert_string_equal(p.args[3], "--");
    assert_string_equal(p.args[5], "-d");
    hullrt_parsed_clear(&p);

    assert_int_equal(PARSE_AT(1, &o, &p, NULL, "ctr", "--force", "x", "--detach"), 0);
    assert_true(o.force);
    assert_false(o.detach);
    assert_int_equal(p.nargs, 3);
    assert_string_equal(p.args[2], "--detach");
    hullrt_parsed_clear(&p);
}

static void test_help(void **state)
{
    struct test_opts o;
    struct hullrt_parsed p;
    hull_error *e = NULL;

    assert_int_equal(PARSE(&o, &p, NULL, "-h"), 0);
    assert_true(p.help);
    hullrt_parsed_clear(&p);
    assert_int_equal(PARSE(&o, &p, NULL, "ctr", "--help"), 0);
    assert_true(p.help);
    hullrt_parsed_clear(&p);
    assert_int_equal(PARSE(&o, &p, NULL, "-help=false", "ctr"), 0);
    assert_false(p.help);
    assert_int_equal(p.nargs, 1);
    hullrt_parsed_clear(&p);
    assert_int_equal(PARSE(&o, &p, &e, "--help=maybe"), -1);
    expect_error(e, "\"maybe\"");
}

static void test_parse_bool(void **state)
{
    bool b = false;

    assert_int_equal(hullrt_parse_bool("1", &b), 0);
    assert_true(b);
    assert_int_equal(hullrt_parse_bool("False", &b), 0);
    assert_false(b);
    assert_int_equal(hullrt_parse_bool("yes", &b), -1);
    assert_int_equal(hullrt_parse_bool("", &b), -1);
    assert_int_equal(hullrt_parse_bool("tRUE", &b), -1);
}

static void expect_args_error(int nargs, int min, int max, const char *msg)
{
    hull_error *e = NULL;

    assert_int_equal(hullrt_check_args("kill", nargs, min, max, &e), -1);
    assert_non_null(e);
    assert_string_equal(e->msg, msg);
    assert_int_equal(e->kind, HULL_ERR_BAD_INPUT);
    hull_error_free(e);
}

static void test_check_args(void **state)
{
    assert_int_equal(hullrt_check_args("kill", 1, 1, 2, NULL), 0);
    assert_int_equal(hullrt_check_args("kill", 2, 1, 2, NULL), 0);
    assert_int_equal(hullrt_check_args("list", 0, 0, 0, NULL), 0);
    assert_int_equal(hullrt_check_args("x", 7, 1, -1, NULL), 0);
    expect_args_error(0, 1, 1, "\"kill\" requires exactly 1 argument(s)");
    expect_args_error(2, 1, 1, "\"kill\" requires exactly 1 argument(s)");
    expect_args_error(0, 1, 2, "\"kill\" requires a minimum of 1 argument(s)");
    expect_args_error(3, 1, 2, "\"kill\" requires a maximum of 2 argument(s)");
}

static void expect_clean(const char *in, const char *want)
{
    char *got = hullrt_clean_abs_path(in);
    assert_string_equal(got, want);
    free(got);
}

static void test_clean_abs_path(void **state)
{
    expect_clean("/", "/");
    expect_clean("//", "/");
    expect_clean("/a//b/", "/a/b");
    expect_clean("/a/./b/../c", "/a/c");
    expect_clean("/../../x", "/x");
    expect_clean("/a/b/..", "/a");
    expect_clean("/a/..", "/");
    expect_clean("/..a/b.", "/..a/b.");
    expect_clean("/a/.../b", "/a/.../b");
}

static void test_abs_path_relative(void **state)
{
    char tmpl[64];
    char *saved = getcwd(NULL, 0);
    char *real, *got = NULL, *want;

    snprintf(tmpl, sizeof(tmpl), "/tmp/hullrt-opts-%d-XXXXXX", (int)getpid());
    assert_non_null(saved);
    assert_non_null(mkdtemp(tmpl));
    assert_int_equal(chdir(tmpl), 0);
    real = getcwd(NULL, 0);
    assert_non_null(real);

    assert_int_equal(hullrt_abs_path("pid/../init.pid", &got, NULL), 0);
    want = xasprintf("%s/init.pid", real);
    assert_string_equal(got, want);
    free(got);
    free(want);
    assert_int_equal(hullrt_abs_path("/x/./y/", &got, NULL), 0);
    assert_string_equal(got, "/x/y");
    free(got);
    assert_int_equal(hullrt_abs_path(".", &got, NULL), 0);
    assert_string_equal(got, real);
    free(got);

    assert_int_equal(chdir(saved), 0);
    assert_int_equal(rmdir(tmpl), 0);
    free(real);
    free(saved);
}

static void test_print_options(void **state)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    const char *bundle, *pfds, *help;

    assert_non_null(f);
    hullrt_print_options(f, tables);
    fclose(f);
    bundle = strstr(text, "-b, --bundle DIR");
    pfds = strstr(text, "    --preserve-fds N");
    help = strstr(text, "-h, --help");
    assert_non_null(bundle);
    assert_non_null(pfds);
    assert_non_null(help);
    assert_non_null(strstr(text, "-d, --detach  "));
    assert_non_null(strstr(text, "bundle directory (default: \".\")\n"));
    /* every help text starts in the same column */
    {
        size_t col = (size_t)(strstr(bundle, "bundle directory") - bundle);
        assert_int_equal(strstr(pfds, "extra descriptors") - pfds, col);
        assert_int_equal(strstr(help, "show this help") - help, col);
    }
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_value_spellings),
        cmocka_unit_test(test_value_edge_cases),
        cmocka_unit_test(test_bool_spellings),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_arguments_and_flags_mixed),
        cmocka_unit_test(test_stop_after),
        cmocka_unit_test(test_help),
        cmocka_unit_test(test_parse_bool),
        cmocka_unit_test(test_check_args),
        cmocka_unit_test(test_clean_abs_path),
        cmocka_unit_test(test_abs_path_relative),
        cmocka_unit_test(test_print_options),
        cmocka_unit_test(test_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
