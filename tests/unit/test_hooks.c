#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "hooks.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define S(x) ((char *)(x))

struct fixture {
    char dir[64];
};

static int setup(void **state)
{
    struct fixture *f = xmalloc0(sizeof(*f));

    snprintf(f->dir, sizeof(f->dir), "/tmp/hull-test-hooks-%d-XXXXXX", (int)getpid());
    assert_non_null(mkdtemp(f->dir));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(rm_rf_at(AT_FDCWD, f->dir, NULL), 0);
    free(f);
    return 0;
}

static char *slurp(const char *path)
{
    char *text = NULL;
    hull_error *err = NULL;

    if (read_file_at(AT_FDCWD, path, 0, &text, NULL, &err) < 0) {
        hull_error_free(err);
        return NULL;
    }
    return text;
}

/* A hook running "/bin/sh -c SCRIPT OUT": the script sees OUT as $0. */
static struct hull_hook sh_hook(char **argv, const char *script, const char *out)
{
    argv[0] = S("sh");
    argv[1] = S("-c");
    argv[2] = (char *)script;
    argv[3] = (char *)out;
    argv[4] = NULL;
    return (struct hull_hook){.path = S("/bin/sh"), .args = argv};
}

static void test_state_args_env(void **state)
{
    struct fixture *f = *state;
    _cleanup_free_ char *out = xasprintf("%s/out", f->dir);
    _cleanup_free_ char *args_file = xasprintf("%s/out.args", f->dir);
    _cleanup_free_ char *env_file = xasprintf("%s/out.env", f->dir);
    const char *script = "cat > \"$0\"; tr '\\0' '\\n' < /proc/$$/cmdline > \"$0.args\"; "
                         "tr '\\0' '\\n' < /proc/$$/environ > \"$0.env\"";
    const char *json = "{\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"status\":\"creating\","
                       "\"pid\":42,\"bundle\":\"/b\"}";
    char *argv[5], *env[] = {S("FOO=bar baz"), S("HULL_X=1"), NULL};
    struct hull_hook hook = sh_hook(argv, script, out);
    struct hull_hook_list list = {&hook, 1};
    _cleanup_error_ hull_error *err = NULL;

    argv[0] = S("hull-hook-argv0");
    hook.env = env;
    assert_int_equal(hull_hooks_run(&list, "createRuntime", json, &err), 0);
    assert_null(err);

    _cleanup_free_ char *got = slurp(out);
    _cleanup_free_ char *got_args = slurp(args_file);
    _cleanup_free_ char *got_env = slurp(env_file);
    _cleanup_free_ char *want_args = xasprintf("hull-hook-argv0\n-c\n%s\n%s\n", script, out);
    assert_non_null(got);
    assert_string_equal(got, json);
    assert_string_equal(got_args, want_args);
    assert_string_equal(got_env, "FOO=bar baz\nHULL_X=1\n");
}

/* No args: argv is [path]; no env: the environment is empty.  /bin/sh
 * without arguments runs its stdin, here the "state". */
static void test_defaults(void **state)
{
    struct fixture *f = *state;
    _cleanup_free_ char *out = xasprintf("%s/defaults", f->dir);
    _cleanup_free_ char *script = xasprintf(
        "tr '\\0' '\\n' < /proc/$$/cmdline > %s; wc -c < /proc/$$/environ >> %s\n", out, out);
    struct hull_hook hook = {.path = S("/bin/sh")};
    struct hull_hook_list list = {&hook, 1};
    _cleanup_error_ hull_error *err = NULL;

    assert_int_equal(hull_hooks_run(&list, "prestart", script, &err), 0);
    _cleanup_free_ char *got = slurp(out);
    assert_non_null(got);
    assert_string_equal(got, "/bin/sh\n0\n");
}

static void test_stops_at_failure(void **state)
{
    struct fixture *f = *state;
    _cleanup_free_ char *first = xasprintf("%s/first", f->dir);
    _cleanup_free_ char *third = xasprintf("%s/third", f->dir);
    char *a0[5], *a1[5], *a2[5];
    struct hull_hook hooks[] = {
        sh_hook(a0, "touch \"$0\"", first),
        sh_hook(a1, "exit 3", "x"),
        sh_hook(a2, "touch \"$0\"", third),
    };
    struct hull_hook_list list = {hooks, 3};
    _cleanup_error_ hull_error *err = NULL;

    assert_int_equal(hull_hooks_run(&list, "poststop", "{}", &err), -1);
    assert_string_equal(err->msg, "hooks.poststop[1] \"/bin/sh\": exited with status 3");
    assert_int_equal(access(first, F_OK), 0);
    assert_int_equal(access(third, F_OK), -1);
}

static void test_killed_by_signal(void **state)
{
    char *argv[5];
    struct hull_hook hook = sh_hook(argv, "kill -TERM $$", "x");
    struct hull_hook_list list = {&hook, 1};
    _cleanup_error_ hull_error *err = NULL;

    (void)state;
    assert_int_equal(hull_hooks_run(&list, "startContainer", "{}", &err), -1);
    assert_non_null(strstr(err->msg, "hooks.startContainer[0] \"/bin/sh\": killed by signal 15"));
}

/* Waits up to two seconds for PID to be gone (or a zombie not ours). */
static bool gone(pid_t pid)
{
    for (int i = 0; i < 200; i++) {
        char path[64];
        _cleanup_free_ char *stat = NULL;
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        waitpid(pid, NULL, WNOHANG); /* reaps it when we are its subreaper */
        if (kill(pid, 0) < 0 && errno == ESRCH)
            return true;
        stat = slurp(path);
        if (stat != NULL && strstr(stat, ") Z ") != NULL)
            return true;
        usleep(10000);
    }
    return false;
}

static pid_t read_pid(const char *path)
{
    _cleanup_free_ char *text = slurp(path);
    assert_non_null(text);
    return (pid_t)atoi(text);
}

static void test_timeout(void **state)
{
    struct fixture *f = *state;
    _cleanup_free_ char *pidfile = xasprintf("%s/pid", f->dir);
    char *argv[5];
    struct hull_hook hook =
        sh_hook(argv, "sleep 100 & echo $! > \"$0.bg\"; echo $$ > \"$0\"; exec sleep 100", pidfile);
    struct hull_hook_list list = {&hook, 1};
    _cleanup_error_ hull_error *err = NULL;
    /* A state larger than a pipe holds, which the hook never reads. */
    _cleanup_free_ char *big = xmalloc(1 << 20);

    memset(big, 'x', (1 << 20) - 1);
    big[(1 << 20) - 1] = '\0';
    hook.has_timeout = true;
    hook.timeout = 1;
    uint64_t start = now_ns();
    assert_int_equal(hull_hooks_run(&list, "createContainer", big, &err), -1);
    uint64_t elapsed_ms = (now_ns() - start) / 1000000;
    assert_true(elapsed_ms >= 900 && elapsed_ms < 3000);
    assert_string_equal(err->msg,
                        "hooks.createContainer[0] \"/bin/sh\": timed out after 1 s: killed");

    _cleanup_free_ char *bgfile = xasprintf("%s.bg", pidfile);
    pid_t pid = read_pid(pidfile), bg = read_pid(bgfile);
    /* The hook was reaped: nothing is left under its pid. */
    assert_int_equal(kill(pid, 0), -1);
    assert_int_equal(errno, ESRCH);
    /* What it started in its process group died with it. */
    assert_true(gone(bg));
}

static void test_ignores_stdin(void **state)
{
    char *argv[5];
    struct hull_hook hook = sh_hook(argv, "exit 0", "x");
    struct hull_hook_list list = {&hook, 1};
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_free_ char *big = xmalloc(1 << 20);
    sigset_t pending;

    (void)state;
    memset(big, 'y', (1 << 20) - 1);
    big[(1 << 20) - 1] = '\0';
    /* Neither SIGPIPE nor a blocked write: the hook succeeded. */
    assert_int_equal(hull_hooks_run(&list, "poststart", big, &err), 0);
    assert_int_equal(sigpending(&pending), 0);
    assert_false(sigismember(&pending, SIGPIPE));
}

static void test_big_state(void **state)
{
    struct fixture *f = *state;
    _cleanup_free_ char *out = xasprintf("%s/big", f->dir);
    char *argv[5];
    struct hull_hook hook = sh_hook(argv, "cat > \"$0\"", out);
    struct hull_hook_list list = {&hook, 1};
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_free_ char *big = xmalloc(1 << 20);
    struct stat st;

    memset(big, 'z', (1 << 20) - 1);
    big[(1 << 20) - 1] = '\0';
    hook.has_timeout = true;
    hook.timeout = 10;
    assert_int_equal(hull_hooks_run(&list, "prestart", big, &err), 0);
    assert_int_equal(stat(out, &st), 0);
    assert_int_equal(st.st_size, (1 << 20) - 1);
}

static void test_no_fd_leak(void **state)
{
    char *argv[5];
    struct hull_hook hook = sh_hook(argv, "[ -e /proc/$$/fd/50 ] && exit 9; exit 0", "x");
    struct hull_hook_list list = {&hook, 1};
    _cleanup_error_ hull_error *err = NULL;

    (void)state;
    /* Not close-on-exec, like a --preserve-fds descriptor. */
    assert_int_equal(dup2(STDERR_FILENO, 50), 50);
    int r = hull_hooks_run(&list, "prestart", "{}", &err);
    close(50);
    assert_int_equal(r, 0);
}

static void test_bad_path(void **state)
{
    struct hull_hook hook = {.path = S("/nonexistent/hull-hook")};
    struct hull_hook_list list = {&hook, 1};
    _cleanup_error_ hull_error *err = NULL;

    (void)state;
    assert_int_equal(hull_hooks_run(&list, "prestart", "{}", &err), -1);
    assert_string_equal(err->msg, "hooks.prestart[0] \"/nonexistent/hull-hook\": exec: No such "
                                  "file or directory");
    assert_int_equal(err->errnum, ENOENT);

    hook.path = S("bin/true");
    assert_int_equal(hull_hooks_run(&list, "prestart", "{}", &err), -1);
    assert_string_equal(err->msg, "hooks.prestart[0] \"bin/true\": path must be absolute");

    hook.path = S("/tmp");
    assert_int_equal(hull_hooks_run(&list, "prestart", "{}", &err), -1);
    assert_string_equal(err->msg, "hooks.prestart[0] \"/tmp\": exec: Permission denied");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_state_args_env, setup, teardown),
        cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stops_at_failure, setup, teardown),
        cmocka_unit_test(test_killed_by_signal),
        cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
        cmocka_unit_test(test_ignores_stdin),
        cmocka_unit_test_setup_teardown(test_big_state, setup, teardown),
        cmocka_unit_test(test_no_fd_leak),
        cmocka_unit_test(test_bad_path),
    };

    /* Orphans of the hooks (the timeout test's background sleep) come back
     * to us, so they can be reaped and seen to be gone. */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
