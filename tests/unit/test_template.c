#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../src/hull/template.h"
#include "error.h"
#include "util.h"

#include <string.h>

/* A container much like Docker's inspect shows one. */
static const char *const doc_text =
    "{\"Id\": \"abc\", \"Name\": \"/web\","
    " \"State\": {\"Status\": \"running\", \"Running\": true, \"Pid\": 42, \"ExitCode\": 0},"
    " \"Config\": {\"Cmd\": null, \"Entrypoint\": [\"/bin/sh\", \"-c\"], \"Env\": [\"A=1\", \"B=2\"],"
    "   \"Labels\": {\"x\": \"1\", \"com.example.y\": \"two\", \"Z\": \"3\"}, \"Volumes\": null,"
    "   \"Healthcheck\": null},"
    " \"HostConfig\": {\"Memory\": 1048576, \"NanoCpus\": 1500000000, \"Ratio\": 1.5,"
    "   \"PidsLimit\": null, \"Privileged\": false},"
    " \"Mounts\": [{\"Type\": \"volume\", \"Destination\": \"/data\"}],"
    " \"NetworkSettings\": {\"Networks\": {\"net2\": {\"IPAddress\": \"10.0.0.3\"},"
    "   \"bridge\": {\"IPAddress\": \"172.17.0.2\"}}}}";

static json_t *doc;

static int setup(void **state)
{
    (void)state;
    doc = json_loads(doc_text, 0, NULL);
    return doc == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    json_decref(doc);
    return 0;
}

static void expect(const char *tmpl, const char *want)
{
    _cleanup_error_ hull_error *err = NULL;
    char *out = NULL;

    if (hull_template_render(tmpl, doc, &out, &err) < 0)
        fail_msg("%s: %s", tmpl, err->msg);
    if (strcmp(out, want) != 0)
        fail_msg("%s: got \"%s\", want \"%s\"", tmpl, out, want);
    free(out);
}

/* TMPL fails with a message containing WANT. */
static void expect_error(const char *tmpl, const char *want)
{
    _cleanup_error_ hull_error *err = NULL;
    char *out = NULL;

    if (hull_template_render(tmpl, doc, &out, &err) == 0)
        fail_msg("%s: rendered \"%s\", want an error", tmpl, out);
    assert_int_equal(err->kind, HULL_ERR_BAD_INPUT);
    if (strstr(err->msg, want) == NULL)
        fail_msg("%s: error \"%s\" lacks \"%s\"", tmpl, err->msg, want);
}

static void test_fields(void **state)
{
    (void)state;
    expect("id={{.Id}} {{.State.Pid}}", "id=abc 42");
    expect("{{.Config.Labels.x}}|{{.Config.Labels.nope}}", "1|<no value>");
    expect("{{.State.Running}} {{.HostConfig.Privileged}}", "true false");
    expect("{{.HostConfig.Memory}} {{.HostConfig.Ratio}} {{.HostConfig.NanoCpus}}",
           "1048576 1.5 1500000000");
    expect("{{$.Name}}{{ .Name }}", "/web/web");
    expect("{{(index .NetworkSettings.Networks \"bridge\").IPAddress}}", "172.17.0.2");
}

static void test_printing(void **state)
{
    (void)state;
    /* nil slices and maps print as Go prints them, other nils as <nil> */
    expect("{{.Config.Cmd}} {{.Config.Volumes}} {{.HostConfig.PidsLimit}}", "[] map[] <nil>");
    expect("{{.Config.Entrypoint}}", "[/bin/sh -c]");
    expect("{{.Config.Labels}}", "map[Z:3 com.example.y:two x:1]");
    expect("{{.State}}", "{running true 42 0}");
    expect("{{json .Mounts}}", "[{\"Type\":\"volume\",\"Destination\":\"/data\"}]");
    expect("{{json .Config.Cmd}} {{json .Config.Labels.nope}}", "null null");
}

static void test_range(void **state)
{
    (void)state;
    expect("{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}", "172.17.0.2 10.0.0.3 ");
    expect("{{range $k, $v := .Config.Labels}}{{$k}}={{$v}} {{end}}", "Z=3 com.example.y=two x=1 ");
    expect("{{range $i, $e := .Config.Env}}{{$i}}:{{$e}},{{end}}", "0:A=1,1:B=2,");
    expect("{{range .Config.Cmd}}x{{else}}empty{{end}}", "empty");
    expect("{{range .Config.Env}}{{if eq . \"B=2\"}}{{break}}{{end}}{{.}}{{end}}", "A=1");
    expect("{{range .Config.Env}}{{if eq . \"A=1\"}}{{continue}}{{end}}{{.}}{{end}}", "B=2");
}

static void test_conditions(void **state)
{
    (void)state;
    expect("{{if .State.Running}}up{{else}}down{{end}}", "up");
    expect("{{if .HostConfig.Privileged}}a{{else if .Config.Cmd}}b{{else}}c{{end}}", "c");
    expect("{{with .Config.Labels.x}}[{{.}}]{{end}}{{with .Config.Cmd}}no{{else}}none{{end}}",
           "[1]none");
    expect("{{if and .State.Running (gt .State.Pid 1)}}y{{end}}", "y");
    expect("{{or .Config.Cmd \"dflt\"}} {{not .State.Running}}", "dflt false");
    expect("{{eq .State.Status \"exited\" \"running\"}} {{ne .State.Pid 42}}", "true false");
    expect("{{lt 1 2}} {{le 2 2}} {{ge \"a\" \"b\"}} {{gt 2.5 2}}", "true true false true");
}

static void test_functions(void **state)
{
    (void)state;
    expect("{{index .Config.Labels \"com.example.y\"}}|{{index .Config.Labels \"no\"}}|", "two||");
    expect("{{index .Config.Env 1}}", "B=2");
    expect("{{len .Config.Env}} {{len .Config.Labels}} {{len .Name}}", "2 3 4");
    expect("{{join .Config.Env \",\"}}", "A=1,B=2");
    expect("{{split \"a:b:c\" \":\"}} {{len (split .Name \"/\")}}", "[a b c] 2");
    expect("{{upper .State.Status}} {{lower \"AbC\"}} {{title \"hello big world\"}}",
           "RUNNING abc Hello Big World");
    expect("{{.State.Status | upper | printf \"<%s>\"}}", "<RUNNING>");
    expect("{{printf \"%5d|%-4s|%.2f|%x|%q|%v\" 42 \"ab\" 1.5 255 \"q\" .State.Running}}",
           "   42|ab  |1.50|ff|\"q\"|true");
    expect("{{printf \"%s %s\" \"a\"}}", "a %!s(MISSING)");
    expect("{{print 1 2 \"a\" \"b\"}}|{{println \"x\" 1}}", "1 2ab|x 1\n");
    expect("{{pad .Id 1 2}}|{{truncate .Id 2}}", " abc  |ab");
}

static void test_variables_and_trim(void **state)
{
    (void)state;
    expect("{{$n := .Name}}{{$n}}{{$n = \"x\"}}{{$n}}", "/webx");
    expect("{{$out := .Id}}{{range .Config.Env}}{{$out}}{{end}}", "abcabc");
    expect("a  {{- .Id -}}  b", "aabcb");
    expect("a{{/* a comment */}}b{{- /* trimmed */ -}} c", "abc");
    expect("{{with $v := .State.Pid}}{{$v}}{{end}}", "42");
    expect("{{-3}} {{1e3}}", "-3 1000");
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("{{.Bogus}}", "1:2: executing at <.Bogus>: can't evaluate field Bogus");
    expect_error("{{.State.Nope}}", "can't evaluate field Nope");
    expect_error("{{.Config.Nope}}", "can't evaluate field Nope in type struct");
    expect_error("{{.Config.Healthcheck.Test}}", "nil pointer evaluating Healthcheck.Test");
    expect_error("{{.Id.X}}", "can't evaluate field X in type string");
    expect_error("a\n{{if .Id}}", "2:0: unexpected EOF: if without end");
    expect_error("{{end}}", "unexpected {{end}}");
    expect_error("{{nosuch .Id}}", "function \"nosuch\" not defined");
    expect_error("{{.Id", "unclosed action");
    expect_error("{{index .Config.Env 5}}", "index out of range: 5");
    expect_error("{{$x}}", "undefined variable \"$x\"");
    expect_error("{{eq .Id 1}}", "incompatible types for comparison");
    expect_error("{{range .Id}}{{end}}", "range can't iterate over abc");
    expect_error("{{break}}", "{{break}} outside {{range}}");
    expect_error("{{\"abc}}", "unterminated quoted string");
    expect_error("{{(.Id}}", "unclosed left paren");
    expect_error("{{.Id .Name}}", "can't give argument to non-function");
    expect_error("{{template \"x\"}}", "is not supported");
    /* the template is quoted */
    expect_error("{{.Bogus}}", "template \"{{.Bogus}}\"");
}

static void test_label_method(void **state)
{
    _cleanup_error_ hull_error *err = NULL;
    json_t *row = json_pack("{s:s, s:s}", "Names", "web", "Labels", "a=1,com.x.y=two,e=");
    char *out = NULL;

    (void)state;
    assert_int_equal(hull_template_render("{{.Label \"com.x.y\"}}|{{.Label \"a\"}}|{{.Label "
                                          "\"e\"}}|{{.Label \"no\"}}|{{\"a\" | .Label}}",
                                          row, &out, &err),
                     0);
    assert_string_equal(out, "two|1|||1");
    free(out);
    json_decref(row);
    /* an object's labels, as inspect shows them */
    expect("{{.Config.Label \"com.example.y\"}}", "two");
    expect_error("{{.Config.Label 1}}", "can't call method Label");
}

static void test_map_root(void **state)
{
    _cleanup_error_ hull_error *err = NULL;
    struct hull_template *t = NULL;
    json_t *head = json_pack("{s:s}", "ID", "CONTAINER ID");
    char *out = NULL;

    (void)state;
    assert_int_equal(hull_template_parse("{{.ID}}\t{{.Other}}", &t, &err), 0);
    assert_int_equal(hull_template_exec(t, head, HULL_TEMPLATE_MAP_ROOT, &out, &err), 0);
    assert_string_equal(out, "CONTAINER ID\t<no value>");
    free(out);
    assert_int_equal(hull_template_exec(t, head, 0, &out, &err), -1);
    hull_template_free(t);
    json_decref(head);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields),       cmocka_unit_test(test_printing),
        cmocka_unit_test(test_range),        cmocka_unit_test(test_conditions),
        cmocka_unit_test(test_functions),    cmocka_unit_test(test_variables_and_trim),
        cmocka_unit_test(test_errors),       cmocka_unit_test(test_map_root),
        cmocka_unit_test(test_label_method),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
