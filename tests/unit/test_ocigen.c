#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "error.h"
#include "ocigen.h"
#include "passwd.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A temporary directory holding a container root ("root/") and, next to
 * it, a file an escaping symlink would reach on the host. */
struct fixture {
    char dir[64];
    char root[80];
    int rootfd;
};

static void write_at(const char *dir, const char *path, const char *text)
{
    _cleanup_free_ char *full = xasprintf("%s/%s", dir, path);
    FILE *f = fopen(full, "we");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int setup(void **state)
{
    struct fixture *f = xmalloc0(sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/test-ocigen-%d-XXXXXX", (int)getpid());
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->root, sizeof(f->root), "%s/root", f->dir);
    assert_int_equal(mkdir(f->root, 0755), 0);
    _cleanup_free_ char *etc = xasprintf("%s/etc", f->root);
    assert_int_equal(mkdir(etc, 0755), 0);
    write_at(f->root, "etc/passwd",
             "root:x:0:0:root:/root:/bin/sh\n"
             "# a comment\n"
             "\n"
             "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
             "broken:x:notanumber:1::/:/bin/sh\n"
             "app:x:1000:1000:app:/home/app:/bin/sh\n"
             "big:x:3000000000:1:big:/:/bin/sh\n");
    write_at(f->root, "etc/group",
             "root:x:0:\n"
             "app:x:1000:app\n"
             "extra:x:2000:other,app\n"
             "more:x:2001:app,root\n"
             "unrelated:x:2002:other\n"
             "nogroup:x:65534:\n");
    f->rootfd = open(f->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    assert_true(f->rootfd >= 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    _cleanup_error_ hull_error *err = NULL;
    close(f->rootfd);
    assert_int_equal(rm_rf_at(AT_FDCWD, f->dir, &err), 0);
    free(f);
    return 0;
}

/* ---- args ---- */

static void check_args(const struct hull_ocigen_image *img, const char *ep, const char *const *cmd,
                       const char *want)
{
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_strv_ char **args = NULL;
    _cleanup_free_ char *joined = xstrdup("");

    assert_int_equal(hull_ocigen_args(img, ep, cmd, &args, &err), 0);
    for (size_t i = 0; args[i] != NULL; i++) {
        char *next = xasprintf("%s%s%s", joined, i ? "|" : "", args[i]);
        free(joined);
        joined = next;
    }
    assert_string_equal(joined, want);
}

static void test_args_rules(void **state)
{
    const char *ep[] = {"/entry", "-x", NULL};
    const char *cmd[] = {"default", "cmd", NULL};
    const char *user_cmd[] = {"ls", "-l", NULL};
    const char *empty[] = {NULL};
    struct hull_ocigen_image both = {.entrypoint = ep, .cmd = cmd};
    struct hull_ocigen_image only_cmd = {.cmd = cmd};
    struct hull_ocigen_image only_ep = {.entrypoint = ep};

    (void)state;
    check_args(&both, NULL, NULL, "/entry|-x|default|cmd");
    check_args(&both, NULL, empty, "/entry|-x|default|cmd");
    check_args(&both, NULL, user_cmd, "/entry|-x|ls|-l");
    check_args(&only_cmd, NULL, user_cmd, "ls|-l");
    check_args(&only_cmd, NULL, NULL, "default|cmd");
    check_args(&only_ep, NULL, NULL, "/entry|-x");
    /* --entrypoint replaces the image's entrypoint and drops its Cmd. */
    check_args(&both, "/bin/sh", NULL, "/bin/sh");
    check_args(&both, "/bin/sh", user_cmd, "/bin/sh|ls|-l");
    /* --entrypoint "" clears the entrypoint: the run arguments remain. */
    check_args(&both, "", user_cmd, "ls|-l");
}

static void test_args_none(void **state)
{
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_strv_ char **args = NULL;
    const char *cmd[] = {"default", NULL};
    struct hull_ocigen_image none = {0};
    struct hull_ocigen_image with_cmd = {.cmd = cmd};

    (void)state;
    assert_int_equal(hull_ocigen_args(&none, NULL, NULL, &args, &err), -1);
    assert_non_null(strstr(err->msg, "no command specified"));
    hull_error_freep(&err);
    assert_int_equal(hull_ocigen_args(&with_cmd, "", NULL, &args, &err), -1);
    assert_int_equal(err->kind, HULL_ERR_BAD_INPUT);
}

/* ---- env ---- */

static const char *env_at(char **env, size_t i)
{
    assert_true(i < strv_len(env));
    return env[i];
}

static void test_env_merge(void **state)
{
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_strv_ char **env = NULL;
    const char *image_env[] = {"PATH=/image/bin", "A=image", "B=image", "GONE=1", NULL};
    const char *user_env[] = {"A=user", "FROMHOST", "GONE", "MISSING", "C=x=y", "B=", NULL};
    const char *host_env[] = {"FROMHOSTX=no", "FROMHOST=yes", NULL};
    struct hull_ocigen_image img = {.env = image_env};

    (void)state;
    assert_int_equal(hull_ocigen_env(&img, user_env, host_env, "box", true, &env, &err), 0);
    /* Docker's order: PATH, HOSTNAME, TERM, then the image's, then the
     * user's; a later entry replaces an earlier one where it stands. */
    assert_string_equal(env_at(env, 0), "PATH=/image/bin");
    assert_string_equal(env_at(env, 1), "HOSTNAME=box");
    assert_string_equal(env_at(env, 2), "TERM=xterm");
    assert_string_equal(env_at(env, 3), "A=user");
    assert_string_equal(env_at(env, 4), "B=");
    assert_string_equal(env_at(env, 5), "FROMHOST=yes");
    assert_string_equal(env_at(env, 6), "C=x=y");
    assert_int_equal(strv_len(env), 7);
}

static void test_env_defaults(void **state)
{
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_strv_ char **env = NULL;
    struct hull_ocigen_image img = {0};

    (void)state;
    assert_int_equal(hull_ocigen_env(&img, NULL, NULL, "h", false, &env, &err), 0);
    assert_int_equal(strv_len(env), 2);
    assert_true(str_has_prefix(env[0], "PATH=/usr/local/sbin:"));
    assert_string_equal(env[1], "HOSTNAME=h");
}

static void test_env_invalid(void **state)
{
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_strv_ char **env = NULL;
    const char *bad[] = {"=x", NULL};
    struct hull_ocigen_image img = {0};

    (void)state;
    assert_int_equal(hull_ocigen_env(&img, bad, NULL, "h", false, &env, &err), -1);
    assert_string_equal(err->msg, "invalid environment variable: \"=x\"");
    assert_null(env);
}

static void test_env_file(void **state)
{
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_strv_ char **env = NULL;

    (void)state;
    assert_int_equal(hull_env_file_parse("# comment\n\n  A=1 2 \nB\r\nC==\n", "f.env", &env, &err),
                     0);
    assert_int_equal(strv_len(env), 3);
    assert_string_equal(env[0], "A=1 2 ");
    assert_string_equal(env[1], "B");
    assert_string_equal(env[2], "C==");
    assert_int_equal(hull_env_file_parse("OK=1\nBAD KEY=1\n", "f.env", &env, &err), -1);
    assert_string_equal(err->msg, "f.env:2: variable \"BAD KEY\" contains whitespaces");
    hull_error_freep(&err);
    assert_int_equal(hull_env_file_parse("=v\n", "f.env", &env, &err), -1);
    assert_non_null(strstr(err->msg, "f.env:1: invalid environment variable"));
}

/* ---- user ---- */

static void resolve_ok(struct fixture *f, const char *spec, uint32_t uid, uint32_t gid,
                       const char *home, size_t n_sgids, const uint32_t *sgids)
{
    _cleanup_error_ hull_error *err = NULL;
    struct hull_exec_user u;

    if (hull_passwd_resolve(f->rootfd, spec, &u, &err) < 0)
        fail_msg("resolve \"%s\": %s", spec ? spec : "(null)", err->msg);
    assert_int_equal(u.uid, uid);
    assert_int_equal(u.gid, gid);
    assert_string_equal(u.home, home);
    assert_int_equal(u.n_sgids, n_sgids);
    for (size_t i = 0; i < n_sgids; i++)
        assert_int_equal(u.sgids[i], sgids[i]);
    hull_exec_user_clear(&u);
}

static void resolve_fails(struct fixture *f, const char *spec, const char *want)
{
    _cleanup_error_ hull_error *err = NULL;
    struct hull_exec_user u;

    assert_int_equal(hull_passwd_resolve(f->rootfd, spec, &u, &err), -1);
    if (strstr(err->msg, want) == NULL)
        fail_msg("resolve \"%s\": \"%s\" lacks \"%s\"", spec, err->msg, want);
    assert_null(u.name);
}

static void test_user_resolution(void **state)
{
    struct fixture *f = *state;
    static const uint32_t app_groups[] = {2000, 2001};
    static const uint32_t root_groups[] = {2001};

    resolve_ok(f, NULL, 0, 0, "/root", 1, root_groups);
    resolve_ok(f, "", 0, 0, "/root", 1, root_groups);
    resolve_ok(f, "app", 1000, 1000, "/home/app", 2, app_groups);
    resolve_ok(f, "1000", 1000, 1000, "/home/app", 2, app_groups);
    /* An explicit group replaces the primary group and, as in Docker,
     * drops the supplementary ones. */
    resolve_ok(f, "app:extra", 1000, 2000, "/home/app", 0, NULL);
    resolve_ok(f, "app:2002", 1000, 2002, "/home/app", 0, NULL);
    resolve_ok(f, "app:4242", 1000, 4242, "/home/app", 0, NULL);
    /* A numeric user without an entry is fine: gid 0, home "/". */
    resolve_ok(f, "4242", 4242, 0, "/", 0, NULL);
    resolve_ok(f, "4242:4343", 4242, 4343, "/", 0, NULL);
    resolve_ok(f, ":extra", 0, 2000, "/root", 0, NULL);
}

static void test_user_errors(void **state)
{
    struct fixture *f = *state;

    resolve_fails(f, "nosuch", "unable to find user nosuch: no matching entries in passwd file");
    resolve_fails(f, "app:nosuch",
                  "unable to find group nosuch: no matching entries in group file");
    resolve_fails(f, "2147483648", "uids and gids must be in range 0-2147483647");
    resolve_fails(f, "1:99999999999", "uids and gids must be in range 0-2147483647");
    /* An entry whose id is out of range is skipped, not used. */
    resolve_fails(f, "big", "unable to find user big");
    resolve_fails(f, "broken", "unable to find user broken");
}

/* /etc/passwd as a symlink that climbs out of the root: resolution stays
 * inside the root, so the host file next to the root is never read. */
static void test_user_symlink_stays_inside(void **state)
{
    struct fixture *f = *state;
    _cleanup_free_ char *passwd = xasprintf("%s/etc/passwd", f->root);
    static const uint32_t none[] = {0};

    write_at(f->dir, "host-file", "evil:x:0:0::/host:/bin/sh\n");
    write_at(f->root, "host-file", "inside:x:77:88::/inside:/bin/sh\n");
    assert_int_equal(unlink(passwd), 0);
    assert_int_equal(symlink("/../../host-file", passwd), 0);
    resolve_ok(f, "inside", 77, 88, "/inside", 0, none);
    resolve_fails(f, "evil", "unable to find user evil");
    /* A dangling link reads as an empty database. */
    _cleanup_free_ char *inside = xasprintf("%s/host-file", f->root);
    assert_int_equal(unlink(inside), 0);
    resolve_ok(f, "7", 7, 0, "/", 0, none);
    resolve_fails(f, "inside", "unable to find user inside");
}

static void test_user_fifo_refused(void **state)
{
    struct fixture *f = *state;
    _cleanup_free_ char *group = xasprintf("%s/etc/group", f->root);

    assert_int_equal(unlink(group), 0);
    assert_int_equal(mkfifo(group, 0644), 0);
    resolve_fails(f, "app", "/etc/group in the container is not a regular file");
}

/* ---- whole config ---- */

static json_t *build(struct fixture *f, struct hull_ocigen_opts *o,
                     const struct hull_ocigen_image *img)
{
    _cleanup_error_ hull_error *err = NULL;
    json_t *cfg = NULL;

    o->id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    o->rootfs = f->root;
    o->rootfd = f->rootfd;
    o->cgroups_path = "/hull/0123456789ab";
    if (hull_ocigen_config(o, img, &cfg, &err) < 0)
        fail_msg("config: %s", err->msg);
    return cfg;
}

static bool array_has(json_t *a, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach (a, i, v)
        if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
            return true;
    return false;
}

static void test_config_defaults(void **state)
{
    struct fixture *f = *state;
    const char *cmd[] = {"sh", NULL};
    struct hull_ocigen_image img = {.cmd = cmd, .working_dir = "srv/app", .user = "app"};
    struct hull_ocigen_opts o = {0};
    json_t *cfg = build(f, &o, &img);
    json_t *p = json_object_get(cfg, "process");
    json_t *l = json_object_get(cfg, "linux");
    struct stat st;

    assert_string_equal(json_string_value(json_object_get(cfg, "hostname")), "0123456789ab");
    assert_string_equal(json_string_value(json_object_get(json_object_get(cfg, "root"), "path")),
                        f->root);
    assert_false(json_is_true(json_object_get(p, "terminal")));
    assert_string_equal(json_string_value(json_object_get(p, "cwd")), "/srv/app");
    /* The image's WorkingDir is created inside the root. */
    _cleanup_free_ char *wd = xasprintf("%s/srv/app", f->root);
    assert_int_equal(stat(wd, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    json_t *user = json_object_get(p, "user");
    assert_int_equal(json_integer_value(json_object_get(user, "uid")), 1000);
    assert_int_equal(json_integer_value(json_object_get(user, "gid")), 1000);
    assert_int_equal(json_array_size(json_object_get(user, "additionalGids")), 2);
    assert_true(array_has(json_object_get(p, "env"), "HOME=/home/app"));
    assert_true(array_has(json_object_get(p, "env"), "HOSTNAME=0123456789ab"));
    json_t *caps = json_object_get(p, "capabilities");
    assert_int_equal(json_array_size(json_object_get(caps, "bounding")), 14);
    assert_true(array_has(json_object_get(caps, "effective"), "CAP_NET_BIND_SERVICE"));
    assert_false(array_has(json_object_get(caps, "bounding"), "CAP_SYS_ADMIN"));
    assert_int_equal(json_array_size(json_object_get(caps, "inheritable")), 0);
    assert_int_equal(json_array_size(json_object_get(caps, "ambient")), 0);
    assert_string_equal(json_string_value(json_object_get(l, "cgroupsPath")), "/hull/0123456789ab");
    assert_int_equal(json_array_size(json_object_get(l, "namespaces")), 6);
    assert_true(array_has(json_object_get(l, "maskedPaths"), "/proc/kcore"));
    assert_true(array_has(json_object_get(l, "readonlyPaths"), "/proc/sys"));
    json_t *mounts = json_object_get(cfg, "mounts");
    json_t *m;
    size_t i;
    bool saw_shm = false;
    json_array_foreach (mounts, i, m) {
        if (strcmp(json_string_value(json_object_get(m, "destination")), "/dev/shm") == 0) {
            saw_shm = true;
            assert_true(array_has(json_object_get(m, "options"), "size=67108864"));
        }
    }
    assert_true(saw_shm);
    json_decref(cfg);
}

static void test_config_options(void **state)
{
    struct fixture *f = *state;
    const char *cmd[] = {"sh", NULL};
    const char *user_cmd[] = {"id", NULL};
    const char *env[] = {"HOME=/custom", "X=1", NULL};
    struct hull_ocigen_image img = {.cmd = cmd, .user = "app"};
    struct hull_ocigen_opts o = {.hostname = "box",
                                 .env = env,
                                 .workdir = "/w//x/",
                                 .user = "nobody",
                                 .cmd = user_cmd,
                                 .tty = true};
    json_t *cfg = build(f, &o, &img);
    json_t *p = json_object_get(cfg, "process");

    assert_string_equal(json_string_value(json_object_get(cfg, "hostname")), "box");
    assert_true(json_is_true(json_object_get(p, "terminal")));
    assert_string_equal(json_string_value(json_object_get(p, "cwd")), "/w/x");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(p, "user"), "uid")), 65534);
    assert_true(array_has(json_object_get(p, "env"), "HOME=/custom"));
    assert_true(array_has(json_object_get(p, "env"), "TERM=xterm"));
    assert_true(array_has(json_object_get(p, "args"), "id"));
    assert_int_equal(json_array_size(json_object_get(p, "args")), 1);
    json_decref(cfg);
}

static void test_config_errors(void **state)
{
    struct fixture *f = *state;
    const char *cmd[] = {"sh", NULL};
    struct hull_ocigen_image img = {.cmd = cmd};
    struct {
        struct hull_ocigen_opts o;
        const char *want;
    } cases[] = {
        {{.workdir = "relative"}, "the working directory \"relative\" is invalid"},
        {{.user = "ghost"}, "unable to find user ghost"},
        {{.hostname = ""}, "invalid hostname \"\""},
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        _cleanup_error_ hull_error *err = NULL;
        json_t *cfg = NULL;
        struct hull_ocigen_opts *o = &cases[i].o;
        o->id = "0123456789abcdef";
        o->rootfs = f->root;
        o->rootfd = f->rootfd;
        o->cgroups_path = "/hull/x";
        assert_int_equal(hull_ocigen_config(o, &img, &cfg, &err), -1);
        if (strstr(err->msg, cases[i].want) == NULL)
            fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err->msg, cases[i].want);
        assert_null(cfg);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_args_rules),
        cmocka_unit_test(test_args_none),
        cmocka_unit_test(test_env_merge),
        cmocka_unit_test(test_env_defaults),
        cmocka_unit_test(test_env_invalid),
        cmocka_unit_test(test_env_file),
        cmocka_unit_test_setup_teardown(test_user_resolution, setup, teardown),
        cmocka_unit_test_setup_teardown(test_user_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_user_symlink_stays_inside, setup, teardown),
        cmocka_unit_test_setup_teardown(test_user_fifo_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
