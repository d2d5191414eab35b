#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "digest.h"
#include "error.h"
#include "image.h"
#include "util.h"

#include <string.h>

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define DIG   "sha256:" HEX64

static void check_ref(const char *in, const char *name, const char *tag, const char *digest,
                      const char *formatted)
{
    struct hull_ref r;
    _cleanup_error_ hull_error *err = NULL;

    if (hull_ref_parse(in, &r, &err) < 0)
        fail_msg("parse \"%s\": %s", in, err->msg);
    assert_string_equal(r.name, name);
    if (tag == NULL)
        assert_null(r.tag);
    else
        assert_string_equal(r.tag, tag);
    if (digest == NULL)
        assert_null(r.digest);
    else
        assert_string_equal(r.digest, digest);
    _cleanup_free_ char *s = hull_ref_format(&r);
    assert_string_equal(s, formatted);
    hull_ref_clear(&r);
}

static void test_ref_valid(void **state)
{
    check_ref("busybox", "busybox", "latest", NULL, "busybox:latest");
    check_ref("busybox:1.36", "busybox", "1.36", NULL, "busybox:1.36");
    check_ref("reg:5000/a/b:t", "reg:5000/a/b", "t", NULL, "reg:5000/a/b:t");
    check_ref("reg:5000/a/b", "reg:5000/a/b", "latest", NULL, "reg:5000/a/b:latest");
    check_ref("localhost/app_x/y-z.w", "localhost/app_x/y-z.w", "latest", NULL,
              "localhost/app_x/y-z.w:latest");
    check_ref("Registry.Example.com/team/app:V_1.0-rc", "Registry.Example.com/team/app", "V_1.0-rc",
              NULL, "Registry.Example.com/team/app:V_1.0-rc");
    check_ref("name@" DIG, "name", NULL, DIG, "name@" DIG);
    check_ref("name:t@" DIG, "name", "t", DIG, "name:t@" DIG);
    check_ref("docker.io/library/busybox", "busybox", "latest", NULL, "busybox:latest");
    check_ref("index.docker.io/library/debian:12", "debian", "12", NULL, "debian:12");
    check_ref("docker.io/someone/tool:x", "someone/tool", "x", NULL, "someone/tool:x");
    /* no registry is Docker Hub, where "library/" is implied */
    check_ref("library/busybox", "busybox", "latest", NULL, "busybox:latest");
    check_ref("library/debian:12@" DIG, "debian", "12", DIG, "debian:12@" DIG);
    check_ref("library/a/b", "library/a/b", "latest", NULL, "library/a/b:latest");
    check_ref("reg.example/library/app", "reg.example/library/app", "latest", NULL,
              "reg.example/library/app:latest");
    check_ref("a__b", "a__b", "latest", NULL, "a__b:latest");
    check_ref("a---b", "a---b", "latest", NULL, "a---b:latest");
}

static void test_ref_invalid(void **state)
{
    static const char *const bad[] = {
        "",     "BusyBox", "Busybox:latest", "a b",          "a//b",      "a/",   "-a",
        "a-",   "a:",      "a:-t",           "a@sha256:xyz", "a@md5:abc", "a..b", "a___b",
        "a.-b", "/a",      "reg:port/a",     "a:t:t",        "my-.reg/a", HEX64,
    };

    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        struct hull_ref r = {0};
        _cleanup_error_ hull_error *err = NULL;
        if (hull_ref_parse(bad[i], &r, &err) == 0)
            fail_msg("\"%s\" was accepted as %s", bad[i], r.name);
        assert_int_equal(err->kind, HULL_ERR_BAD_INPUT);
        _cleanup_free_ char *quoted = xasprintf("\"%s\"", bad[i]);
        if (strstr(err->msg, quoted) == NULL)
            fail_msg("error for %s does not quote it: %s", quoted, err->msg);
    }

    struct hull_ref r = {0};
    _cleanup_error_ hull_error *err = NULL;
    char tag[140];
    memset(tag, 't', sizeof(tag));
    memcpy(tag, "a:", 2);
    tag[sizeof(tag) - 1] = '\0';
    assert_int_equal(hull_ref_parse(tag, &r, &err), -1);
    assert_non_null(strstr(err->msg, "invalid tag"));
    hull_error_freep(&err);
    assert_int_equal(hull_ref_parse("Upper/x", &r, &err), -1);
    assert_non_null(strstr(err->msg, "must be lowercase"));
    assert_non_null(strstr(err->msg, "invalid reference format"));
}

static json_t *new_config(void)
{
    json_t *cfg = NULL;
    _cleanup_error_ hull_error *err = NULL;
    if (hull_image_config_new("2024-01-02T03:04:05.000000006Z", &cfg, &err) < 0)
        fail_msg("%s", err->msg);
    return cfg;
}

static void test_config_build_parse(void **state)
{
    json_t *cfg = new_config();
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_strv_ char **env = NULL;
    _cleanup_strv_ char **ids = NULL;

    assert_int_equal(
        hull_image_config_add_layer(cfg, DIG, "2024-01-02T03:04:05Z", "hull import", NULL, &err),
        0);
    assert_int_equal(hull_image_config_add_layer(cfg, "sha256:bad", "x", NULL, NULL, &err), -1);
    assert_non_null(strstr(err->msg, "\"sha256:bad\""));
    _cleanup_free_ char *text = hull_image_config_dump(cfg);
    /* canonical: compact with sorted keys, so the id is reproducible */
    assert_true(str_has_prefix(text, "{\"architecture\":\"amd64\",\"config\":{\"Env\":[\"PATH="));
    json_decref(cfg);

    cfg = NULL;
    assert_int_equal(hull_image_config_parse(text, strlen(text), &cfg, &err), 0);
    env = hull_image_config_env(cfg);
    assert_int_equal(strv_len(env), 1);
    assert_string_equal(env[0], HULL_DEFAULT_PATH);
    ids = hull_image_config_diff_ids(cfg);
    assert_int_equal(strv_len(ids), 1);
    assert_string_equal(ids[0], DIG);
    assert_null(hull_image_config_entrypoint(cfg));
    assert_null(hull_image_config_cmd(cfg));
    assert_null(hull_image_config_working_dir(cfg));
    assert_null(hull_image_config_labels(cfg));
    assert_null(hull_image_config_exposed_ports(cfg));
    json_t *hist = json_array_get(json_object_get(cfg, "history"), 0);
    assert_string_equal(json_string_value(json_object_get(hist, "created_by")), "hull import");
    json_decref(cfg);
}

static void check_parse_error(const char *json, const char *want)
{
    json_t *cfg = NULL;
    _cleanup_error_ hull_error *err = NULL;

    assert_int_equal(hull_image_config_parse(json, strlen(json), &cfg, &err), -1);
    assert_null(cfg);
    if (strstr(err->msg, want) == NULL)
        fail_msg("expected \"%s\" in: %s", want, err->msg);
}

static void test_config_parse_errors(void **state)
{
    const char *base =
        "\"architecture\":\"amd64\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}";
    _cleanup_free_ char *win = xasprintf("{\"os\":\"windows\",%s}", base);
    _cleanup_free_ char *env = xasprintf("{\"os\":\"linux\",%s,\"config\":{\"Env\":\"x\"}}", base);
    _cleanup_free_ char *cmd =
        xasprintf("{\"os\":\"linux\",%s,\"config\":{\"Cmd\":[\"a\",1]}}", base);
    _cleanup_free_ char *lab =
        xasprintf("{\"os\":\"linux\",%s,\"config\":{\"Labels\":{\"k\":2}}}", base);

    check_parse_error("{\"os\":", "image config:1:");
    check_parse_error(win, "os \"windows\" is not supported");
    check_parse_error(env, "config.Env: expected an array of strings");
    check_parse_error(cmd, "config.Cmd[1]: expected a string");
    check_parse_error(lab, "config.Labels.k: expected a string");
    check_parse_error("{\"os\":\"linux\",\"architecture\":\"amd64\",\"rootfs\":{\"type\":"
                      "\"layers\",\"diff_ids\":[\"sha256:00\"]}}",
                      "rootfs.diff_ids[0]");
    check_parse_error("{\"os\":\"linux\",\"architecture\":\"amd64\"}", "rootfs.type");
}

static json_t *changed(const char *const *changes)
{
    json_t *cfg = new_config();
    _cleanup_error_ hull_error *err = NULL;
    if (hull_image_config_apply_changes(cfg, (char *const *)changes, &err) < 0)
        fail_msg("%s", err->msg);
    return cfg;
}

static void assert_strv(char **v, const char *const *want, size_t n)
{
    assert_non_null(v);
    assert_int_equal(strv_len(v), n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(v[i], want[i]);
    strv_free(v);
}

static const char *env_get(json_t *cfg, const char *key)
{
    json_t *env = json_object_get(json_object_get(cfg, "config"), "Env");
    size_t i, n = strlen(key);
    json_t *x;
    json_array_foreach (env, i, x) {
        const char *s = json_string_value(x);
        if (strncmp(s, key, n) == 0 && s[n] == '=')
            return s + n + 1;
    }
    return NULL;
}

static void test_change_cmd_entrypoint(void **state)
{
    const char *c1[] = {"CMD [\"/bin/echo\", \"hi there\"]", "ENTRYPOINT /init --x", NULL};
    const char *c2[] = {"CMD top", "ENTRYPOINT [\"/e\"]", "cmd [\"a\"]", NULL};
    const char *c3[] = {"CMD [not json", NULL};
    const char *c4[] = {"CMD []", NULL};
    json_t *cfg;

    cfg = changed(c1);
    assert_strv(hull_image_config_cmd(cfg), (const char *[]){"/bin/echo", "hi there"}, 2);
    assert_strv(hull_image_config_entrypoint(cfg), (const char *[]){"/bin/sh", "-c", "/init --x"},
                3);
    json_decref(cfg);

    cfg = changed(c2);
    assert_strv(hull_image_config_entrypoint(cfg), (const char *[]){"/e"}, 1);
    assert_strv(hull_image_config_cmd(cfg), (const char *[]){"a"}, 1);
    json_decref(cfg);

    cfg = changed(c3);
    assert_strv(hull_image_config_cmd(cfg), (const char *[]){"/bin/sh", "-c", "[not json"}, 3);
    json_decref(cfg);

    cfg = changed(c4);
    char **empty = hull_image_config_cmd(cfg);
    assert_non_null(empty);
    assert_int_equal(strv_len(empty), 0);
    strv_free(empty);
    json_decref(cfg);

    /* an ENTRYPOINT alone drops the Cmd, as a Dockerfile does */
    const char *c5[] = {"ENTRYPOINT [\"/e\"]", NULL};
    cfg = new_config();
    json_object_set_new(json_object_get(cfg, "config"), "Cmd", json_pack("[s]", "old"));
    _cleanup_error_ hull_error *err = NULL;
    assert_int_equal(hull_image_config_apply_changes(cfg, (char *const *)c5, &err), 0);
    assert_null(hull_image_config_cmd(cfg));
    json_decref(cfg);
}

static void test_change_env(void **state)
{
    const char *c[] = {
        "ENV A=1 B=\"two words\" C=$A",
        "ENV D hello  \"quoted\" world",
        "ENV PATH=/opt/bin:$PATH",
        "env A=${A}0 E=${UNSET:-dflt} F=${A:+alt} G='$A' H=\\$A I=\"$A\"",
        "ENV J=${UNSET:+x}${B:-y}",
        NULL,
    };
    json_t *cfg = changed(c);

    assert_string_equal(env_get(cfg, "A"), "10");
    assert_string_equal(env_get(cfg, "B"), "two words");
    /* as in a Dockerfile, one ENV sees only the values from before it */
    assert_string_equal(env_get(cfg, "C"), "");
    assert_string_equal(env_get(cfg, "D"), "hello  quoted world");
    assert_string_equal(env_get(cfg, "PATH"), "/opt/bin:/usr/local/sbin:/usr/local/bin:"
                                              "/usr/sbin:/usr/bin:/sbin:/bin");
    assert_string_equal(env_get(cfg, "E"), "dflt");
    assert_string_equal(env_get(cfg, "F"), "alt");
    assert_string_equal(env_get(cfg, "G"), "$A");
    assert_string_equal(env_get(cfg, "H"), "$A");
    assert_string_equal(env_get(cfg, "I"), "1");
    assert_string_equal(env_get(cfg, "J"), "two words");
    /* PATH stays first: replaced in place, not appended */
    _cleanup_strv_ char **env = hull_image_config_env(cfg);
    assert_true(str_has_prefix(env[0], "PATH=/opt/bin:"));
    json_decref(cfg);
}

static void test_change_others(void **state)
{
    const char *c[] = {
        "LABEL a=b \"c d\"=e",
        "LABEL legacy value with spaces",
        "EXPOSE 80 53/udp 8000-8002/TCP",
        "VOLUME [\"/data\", \"/logs\"]",
        "VOLUME /a /b",
        "WORKDIR /app",
        "WORKDIR sub/./dir",
        "USER nobody:nogroup",
        "STOPSIGNAL SIGINT",
        NULL,
    };
    json_t *cfg = changed(c);
    json_t *labels = hull_image_config_labels(cfg);

    assert_non_null(labels);
    assert_string_equal(json_string_value(json_object_get(labels, "a")), "b");
    assert_string_equal(json_string_value(json_object_get(labels, "c d")), "e");
    assert_string_equal(json_string_value(json_object_get(labels, "legacy")), "value with spaces");
    assert_strv(hull_image_config_exposed_ports(cfg),
                (const char *[]){"53/udp", "80/tcp", "8000/tcp", "8001/tcp", "8002/tcp"}, 5);
    assert_strv(hull_image_config_volumes(cfg), (const char *[]){"/a", "/b", "/data", "/logs"}, 4);
    assert_string_equal(hull_image_config_working_dir(cfg), "/app/sub/dir");
    assert_string_equal(hull_image_config_user(cfg), "nobody:nogroup");
    assert_string_equal(hull_image_config_stop_signal(cfg), "SIGINT");
    json_decref(cfg);
}

static void check_change_error(const char *change, const char *want)
{
    json_t *cfg = new_config();
    char *c[] = {xstrdup(change), NULL};
    _cleanup_error_ hull_error *err = NULL;

    assert_int_equal(hull_image_config_apply_changes(cfg, c, &err), -1);
    assert_int_equal(err->kind, HULL_ERR_BAD_INPUT);
    _cleanup_free_ char *quoted = xasprintf("--change \"%s\"", change);
    if (strstr(err->msg, quoted) == NULL || strstr(err->msg, want) == NULL)
        fail_msg("expected %s and \"%s\" in: %s", quoted, want, err->msg);
    free(c[0]);
    json_decref(cfg);
}

static void test_change_errors(void **state)
{
    check_change_error("RUN apt-get update", "instruction \"RUN\" is not supported");
    check_change_error("HEALTHCHECK NONE", "not supported");
    check_change_error("FROBNICATE x", "unknown instruction \"FROBNICATE\"");
    check_change_error("CMD", "CMD requires an argument");
    check_change_error("ENV   ", "ENV requires an argument");
    check_change_error("ENV =x", "expected KEY=VALUE");
    check_change_error("ENV A", "expected KEY=VALUE or KEY VALUE");
    check_change_error("ENV A=\"open", "unterminated quote");
    check_change_error("LABEL a='open", "unterminated quote");
    check_change_error("ENV A=${B?x}", "only ${NAME}");
    check_change_error("ENV A=${B:-x", "missing \"}\"");
    check_change_error("ENV A=${B", "missing \"}\"");
    check_change_error("EXPOSE 70000", "invalid port \"70000\"");
    check_change_error("EXPOSE 0", "invalid port \"0\"");
    check_change_error("EXPOSE 90-80", "invalid port range \"90-80\"");
    check_change_error("EXPOSE 80/foo", "protocol \"foo\" is not supported");
    check_change_error("USER a b", "USER takes exactly one argument");
    check_change_error("STOPSIGNAL NOTASIG", "NOTASIG");
    check_change_error("WORKDIR \"\"", "WORKDIR requires a path");
    check_change_error("VOLUME [\"\"]", "VOLUME: empty path");
    check_change_error("LABEL k=\xff", "not valid UTF-8");
}

static void test_digest(void **state)
{
    char out[HULL_DIGEST_SIZE];
    _cleanup_error_ hull_error *err = NULL;

    assert_int_equal(hull_sha256_buf("abc", 3, out, &err), 0);
    assert_string_equal(out,
                        "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_int_equal(hull_digest_validate(out, &err), 0);
    assert_string_equal(hull_digest_hex(out), out + 7);
    assert_int_equal(hull_digest_validate("sha256:ABC", &err), -1);
    assert_non_null(strstr(err->msg, "\"sha256:ABC\""));
    hull_error_freep(&err);
    assert_int_equal(hull_digest_validate("sha512:abc", &err), -1);
    assert_non_null(strstr(err->msg, "not supported"));
    hull_error_freep(&err);
    assert_int_equal(hull_digest_validate("nocolon", &err), -1);
    hull_error_freep(&err);
    assert_int_equal(hull_digest_validate("sha256:", &err), -1);
    hull_error_freep(&err);
    assert_int_equal(hull_digest_validate(DIG "0", &err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ref_valid),
        cmocka_unit_test(test_ref_invalid),
        cmocka_unit_test(test_config_build_parse),
        cmocka_unit_test(test_config_parse_errors),
        cmocka_unit_test(test_change_cmd_entrypoint),
        cmocka_unit_test(test_change_env),
        cmocka_unit_test(test_change_others),
        cmocka_unit_test(test_change_errors),
        cmocka_unit_test(test_digest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
