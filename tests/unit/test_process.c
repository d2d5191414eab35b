#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "cpulist.h"
#include "process.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/ioprio.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

/* Checks inside a forked child: a failure names the line and exits 1, and
 * the parent asserts a clean exit. */
#define CHILD_CHECK(cond)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "child check failed at line %d: %s\n", __LINE__, #cond);               \
            _exit(1);                                                                              \
        }                                                                                          \
    } while (0)

static void run_in_child(void (*fn)(void))
{
    int status;
    pid_t pid = fork();

    assert_true(pid >= 0);
    if (pid == 0) {
        /* cmocka catches SIGSYS and friends to go on with the next test:
         * a child must die of them instead, and never hang. */
        signal(SIGSYS, SIG_DFL);
        signal(SIGSEGV, SIG_DFL);
        alarm(30);
        fn();
        _exit(0);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

struct tree {
    char root[64];
};

static void write_file(const char *path, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "#!/bin/sh\n", 10), 10);
    close(fd);
    assert_int_equal(chmod(path, mode), 0);
}

/* ROOT/noexec/cmd (0644), ROOT/exec/cmd (0755), ROOT/dir/cmd (a directory). */
static int tree_setup(void **state)
{
    struct tree *t = xmalloc0(sizeof(*t));
    char path[128];

    snprintf(t->root, sizeof(t->root), "/tmp/hull-test-process-%d-XXXXXX", (int)getpid());
    assert_non_null(mkdtemp(t->root));
    const char *dirs[] = {"noexec", "exec", "dir", "dir/cmd"};
    for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
        snprintf(path, sizeof(path), "%s/%s", t->root, dirs[i]);
        assert_int_equal(mkdir(path, 0755), 0);
    }
    snprintf(path, sizeof(path), "%s/noexec/cmd", t->root);
    write_file(path, 0644);
    snprintf(path, sizeof(path), "%s/exec/cmd", t->root);
    write_file(path, 0755);
    *state = t;
    return 0;
}

static int tree_teardown(void **state)
{
    struct tree *t = *state;
    assert_int_equal(rm_rf_at(AT_FDCWD, t->root, NULL), 0);
    free(t);
    return 0;
}

/* Runs find_executable for NAME with "PATH=<dirs under root>" (or no PATH
 * when path_dirs is NULL). */
static int find(struct tree *t, const char *name, const char *path_dirs, char **out,
                hull_error **err)
{
    _cleanup_free_ char *pathvar = NULL;
    char *args[] = {(char *)name, NULL};
    char *env[] = {NULL, NULL};
    struct hull_process p = {.args = args, .env = env};

    if (path_dirs != NULL) {
        _cleanup_free_ char *copy = xstrdup(path_dirs);
        pathvar = xstrdup("PATH=");
        char *cursor = copy, *dir;
        bool first = true;
        while ((dir = strsep(&cursor, ":")) != NULL) {
            char *next = xasprintf("%s%s%s/%s", pathvar, first ? "" : ":", t->root, dir);
            free(pathvar);
            pathvar = next;
            first = false;
        }
        env[0] = pathvar;
    }
    return hull_process_find_executable(&p, out, err);
}

static void test_find_in_path(void **state)
{
    struct tree *t = *state;
    _cleanup_free_ char *out = NULL, *want = xasprintf("%s/exec/cmd", t->root);
    _cleanup_error_ hull_error *err = NULL;

    /* A non-executable file and a directory earlier in PATH are passed over. */
    assert_int_equal(find(t, "cmd", "noexec:dir:exec", &out, &err), 0);
    assert_string_equal(out, want);
}

static void test_find_denied(void **state)
{
    struct tree *t = *state;
    const char *paths[] = {"noexec", "dir", "noexec:dir:missing"};

    for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
        _cleanup_free_ char *out = NULL;
        _cleanup_error_ hull_error *err = NULL;
        assert_int_equal(find(t, "cmd", paths[i], &out, &err), -1);
        assert_null(out);
        assert_int_equal(err->kind, HULL_ERR_EXEC_DENIED);
        assert_string_equal(err->msg, "exec: \"cmd\": permission denied");
    }
}

static void test_find_not_found(void **state)
{
    struct tree *t = *state;
    _cleanup_free_ char *out = NULL;
    _cleanup_error_ hull_error *err = NULL;

    assert_int_equal(find(t, "nothere", "noexec:exec:missing", &out, &err), -1);
    assert_int_equal(err->kind, HULL_ERR_EXEC_NOT_FOUND);
    assert_int_equal(err->errnum, ENOENT);
    assert_string_equal(err->msg, "exec: \"nothere\": executable file not found in $PATH");
}

static void test_find_default_path(void **state)
{
    _cleanup_free_ char *out = NULL;
    _cleanup_error_ hull_error *err = NULL;

    assert_int_equal(find(*state, "sh", NULL, &out, &err), 0);
    assert_true(strcmp(out, "/usr/bin/sh") == 0 || strcmp(out, "/bin/sh") == 0);
}

static void test_find_absolute(void **state)
{
    struct tree *t = *state;
    _cleanup_free_ char *exec = xasprintf("%s/exec/cmd", t->root);
    _cleanup_free_ char *noexec = xasprintf("%s/noexec/cmd", t->root);
    _cleanup_free_ char *dir = xasprintf("%s/dir/cmd", t->root);
    _cleanup_free_ char *missing = xasprintf("%s/missing/cmd", t->root);
    _cleanup_free_ char *out = NULL, *want = NULL;
    _cleanup_error_ hull_error *err = NULL;

    /* PATH is not consulted for a name with a slash. */
    assert_int_equal(find(t, exec, "noexec", &out, &err), 0);
    assert_string_equal(out, exec);

    const char *denied[] = {noexec, dir};
    for (size_t i = 0; i < ARRAY_SIZE(denied); i++) {
        _cleanup_free_ char *msg = xasprintf("exec: \"%s\": permission denied", denied[i]);
        _cleanup_error_ hull_error *e = NULL;
        char *o = NULL;
        assert_int_equal(find(t, denied[i], "exec", &o, &e), -1);
        assert_int_equal(e->kind, HULL_ERR_EXEC_DENIED);
        assert_string_equal(e->msg, msg);
    }

    want = xasprintf("exec: \"%s\": stat %s: no such file or directory", missing, missing);
    free(take_ptr(out));
    assert_int_equal(find(t, missing, "exec", &out, &err), -1);
    assert_int_equal(err->kind, HULL_ERR_EXEC_NOT_FOUND);
    assert_string_equal(err->msg, want);
}

static void test_find_no_args(void **state)
{
    char *args[] = {NULL};
    struct hull_process p = {.args = args};
    _cleanup_error_ hull_error *err = NULL;
    char *out = NULL;

    (void)state;
    assert_int_equal(hull_process_find_executable(&p, &out, &err), -1);
    assert_int_equal(err->kind, HULL_ERR_BAD_INPUT);
}

/* Clears CAP_SYS_RESOURCE from the effective set, so raising a hard limit
 * fails the same way on hosts that grant it to root. */
static void drop_sys_resource(void)
{
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
    struct __user_cap_data_struct data[2];

    CHILD_CHECK(syscall(SYS_capget, &hdr, data) == 0);
    data[CAP_SYS_RESOURCE / 32].effective &= ~(1U << (CAP_SYS_RESOURCE % 32));
    CHILD_CHECK(syscall(SYS_capset, &hdr, data) == 0);
}

static void child_rlimits(void)
{
    char name[] = "RLIMIT_NOFILE";
    struct hull_rlimit lower = {RLIMIT_NOFILE, name, 100, 200};
    struct hull_rlimit raise = {RLIMIT_NOFILE, name, 100, 400};
    struct hull_process p = {.rlimits = &lower, .n_rlimits = 1};
    hull_error *err = NULL;
    struct rlimit rl;

    drop_sys_resource();
    CHILD_CHECK(hull_process_set_rlimits(&p, &err) == 0);
    CHILD_CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0);
    CHILD_CHECK(rl.rlim_cur == 100 && rl.rlim_max == 200);

    p.rlimits = &raise;
    CHILD_CHECK(hull_process_set_rlimits(&p, &err) == -1);
    CHILD_CHECK(err->errnum == EPERM);
    CHILD_CHECK(strstr(err->msg, "RLIMIT_NOFILE") != NULL);
    CHILD_CHECK(strstr(err->msg, "hard 400") != NULL);
    CHILD_CHECK(strstr(err->msg, "current 200") != NULL);
    CHILD_CHECK(strstr(err->msg, "CAP_SYS_RESOURCE") != NULL);
    hull_error_free(err);
    CHILD_CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max == 200);
}

static void test_rlimits(void **state)
{
    (void)state;
    run_in_child(child_rlimits);
}

static void child_set_ids(void)
{
    uint32_t groups[] = {5, 6};
    struct hull_process p = {
        .user = {.uid = 1000, .gid = 1000, .additional_gids = groups, .n_additional_gids = 2}};
    hull_error *err = NULL;
    gid_t got[8];
    uid_t r, e, s;
    gid_t gr, ge, gs;

    CHILD_CHECK(hull_process_set_ids(&p, &err) == 0);
    CHILD_CHECK(getgroups(8, got) == 2 && got[0] == 5 && got[1] == 6);
    CHILD_CHECK(getresuid(&r, &e, &s) == 0 && r == 1000 && e == 1000 && s == 1000);
    CHILD_CHECK(getresgid(&gr, &ge, &gs) == 0 && gr == 1000 && ge == 1000 && gs == 1000);
    CHILD_CHECK(prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0) == 0);

    /* KEEPCAPS kept the permitted set across the uid change. */
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
    struct __user_cap_data_struct data[2];
    CHILD_CHECK(syscall(SYS_capget, &hdr, data) == 0);
    CHILD_CHECK((data[0].permitted & (1U << CAP_SETUID)) != 0);
}

static void child_empty_groups(void)
{
    gid_t inherited[] = {7, 8};
    struct hull_process p = {.user = {.uid = 0, .gid = 0}};
    hull_error *err = NULL;
    gid_t got[8];

    CHILD_CHECK(setgroups(2, inherited) == 0);
    CHILD_CHECK(hull_process_set_ids(&p, &err) == 0);
    CHILD_CHECK(getgroups(8, got) == 0);
}

static int write_self(const char *file, const char *text)
{
    hull_error *err = NULL;
    int r = write_file_at(AT_FDCWD, file, text, strlen(text), &err);
    hull_error_free(err);
    return r;
}

/* In a user namespace set up the unprivileged way (setgroups "deny"), an
 * empty group list is accepted and a non-empty one is an error. */
static void child_setgroups_deny(void)
{
    uint32_t groups[] = {5};
    struct hull_process p = {.user = {.uid = 0, .gid = 0}};
    hull_error *err = NULL;

    CHILD_CHECK(unshare(CLONE_NEWUSER) == 0);
    CHILD_CHECK(write_self("/proc/self/setgroups", "deny") == 0);
    CHILD_CHECK(write_self("/proc/self/uid_map", "0 0 1") == 0);
    CHILD_CHECK(write_self("/proc/self/gid_map", "0 0 1") == 0);
    CHILD_CHECK(hull_process_set_ids(&p, &err) == 0);

    p.user.additional_gids = groups;
    p.user.n_additional_gids = 1;
    CHILD_CHECK(hull_process_set_ids(&p, &err) == -1);
    CHILD_CHECK(strstr(err->msg, "process.user.additionalGids") != NULL);
    CHILD_CHECK(strstr(err->msg, "deny") != NULL);
    hull_error_free(err);
}

static void test_set_ids(void **state)
{
    (void)state;
    run_in_child(child_set_ids);
    run_in_child(child_empty_groups);
    run_in_child(child_setgroups_deny);
}

static void child_attrs(void)
{
    char cpu_list[] = "0";
    struct hull_process p = {.user = {.has_umask = true, .umask = 027}};
    hull_error *err = NULL;
    cpu_set_t set;

    CHILD_CHECK(hull_process_set_attrs(&p, NULL, &err) == 0);
    CHILD_CHECK(umask(0) == 027);

    p.user.has_umask = false;
    p.exec_cpu_affinity_initial = cpu_list;
    CHILD_CHECK(hull_process_set_attrs(&p, NULL, &err) == 0);
    CHILD_CHECK(umask(0) == 0022);
    CHILD_CHECK(sched_getaffinity(0, sizeof(set), &set) == 0);
    CHILD_CHECK(CPU_COUNT(&set) == 1 && CPU_ISSET(0, &set));
}

/* Scheduler, I/O priority and personality, each read back. */
static void child_sched_ioprio_personality(void)
{
    char policy[] = "SCHED_BATCH", flag[] = "SCHED_FLAG_RESET_ON_FORK", bad[] = "SCHED_FLAG_NOPE";
    char *flags[] = {flag, NULL};
    struct hull_process p = {
        .scheduler = {.present = true,
                      .policy = policy,
                      .policy_value = SCHED_BATCH,
                      .nice = 5,
                      .flags = flags},
        .io_priority = {.present = true, .class_value = IOPRIO_CLASS_BE, .priority = 6},
    };
    struct hull_spec spec = {
        .linux_ = {.has_personality = true, .personality_domain = PER_LINUX32}};
    hull_error *err = NULL;
    struct utsname u;

    CHILD_CHECK(hull_process_set_attrs(&p, &spec, &err) == 0);
    CHILD_CHECK(sched_getscheduler(0) == (SCHED_BATCH | SCHED_RESET_ON_FORK));
    errno = 0;
    CHILD_CHECK(getpriority(PRIO_PROCESS, 0) == 5 && errno == 0);
    CHILD_CHECK(syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, 0) ==
                IOPRIO_PRIO_VALUE(IOPRIO_CLASS_BE, 6));
    CHILD_CHECK(uname(&u) == 0 && strcmp(u.machine, "i686") == 0);

    flags[0] = bad;
    CHILD_CHECK(hull_process_set_attrs(&p, NULL, &err) == -1);
    CHILD_CHECK(strcmp(err->msg, "process.scheduler.flags[0]: unknown flag \"SCHED_FLAG_NOPE\"") ==
                0);
    hull_error_free(err);
}

static void test_attrs(void **state)
{
    (void)state;
    run_in_child(child_attrs);
    run_in_child(child_sched_ioprio_personality);
}

static bool apparmor_on(void)
{
    _cleanup_free_ char *text = NULL;
    if (read_file_at(AT_FDCWD, "/sys/module/apparmor/parameters/enabled", 16, &text, NULL, NULL) <
        0)
        return false;
    return text[0] == 'Y';
}

static void test_security_labels(void **state)
{
    char label[] = "system_u:system_r:container_t:s0";
    char profile[] = "hull-test";
    struct hull_process p = {.selinux_label = label};
    _cleanup_error_ hull_error *err = NULL;

    (void)state;
    mode_t old = umask(0022);
    assert_int_equal(hull_process_set_attrs(&p, NULL, &err), -1);
    assert_non_null(strstr(err->msg, "process.selinuxLabel \"system_u:system_r:container_t:s0\""));
    assert_non_null(strstr(err->msg, "not supported"));

    if (!apparmor_on()) {
        p.selinux_label = NULL;
        p.apparmor_profile = profile;
        assert_int_equal(hull_process_set_attrs(&p, NULL, &err), -1);
        assert_string_equal(err->msg, "process.apparmorProfile \"hull-test\": not supported: "
                                      "AppArmor is not enabled on this host");
    }
    umask(old);
}

static void test_cpu_list(void **state)
{
    _cleanup_error_ hull_error *err = NULL;
    cpu_set_t *set = NULL;
    size_t size;

    (void)state;
    assert_int_equal(hull_cpu_list_parse("0-3,5", "f", &set, &size, &err), 0);
    assert_int_equal(CPU_COUNT_S(size, set), 5);
    for (int cpu = 0; cpu <= 5; cpu++)
        assert_int_equal(CPU_ISSET_S(cpu, size, set) != 0, cpu != 4);
    CPU_FREE(set);

    assert_int_equal(hull_cpu_list_parse("1000,7-7", "f", &set, &size, &err), 0);
    assert_int_equal(CPU_COUNT_S(size, set), 2);
    assert_true(CPU_ISSET_S(1000, size, set) && CPU_ISSET_S(7, size, set));
    CPU_FREE(set);

    const char *bad[] = {"", "1-", "-1", "3-1", "1,,2", "a", "1 ", " 1", "0-3,", "+1", "1-+2"};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        _cleanup_free_ char *want =
            xasprintf("process.execCPUAffinity.initial: invalid CPU list \"%s\"", bad[i]);
        set = NULL;
        assert_int_equal(
            hull_cpu_list_parse(bad[i], "process.execCPUAffinity.initial", &set, &size, &err), -1);
        assert_null(set);
        assert_string_equal(err->msg, want);
        assert_int_equal(err->kind, HULL_ERR_BAD_INPUT);
    }
    assert_int_equal(hull_cpu_list_parse("0,70000", "f", &set, &size, &err), -1);
    assert_non_null(strstr(err->msg, "CPU 70000"));
}

static void child_oom_nnp_chdir(void)
{
    char cwd[] = "/tmp";
    struct hull_process p = {
        .has_oom_score_adj = true, .oom_score_adj = 500, .no_new_privileges = true, .cwd = cwd};
    _cleanup_free_ char *text = NULL;
    hull_error *err = NULL;
    char buf[64];

    CHILD_CHECK(hull_process_set_oom_score_adj(&p, &err) == 0);
    CHILD_CHECK(read_file_at(AT_FDCWD, "/proc/self/oom_score_adj", 0, &text, NULL, &err) == 0);
    CHILD_CHECK(strcmp(text, "500\n") == 0);
    CHILD_CHECK(hull_process_set_no_new_privs(&p, &err) == 0);
    CHILD_CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1);
    CHILD_CHECK(hull_process_chdir(&p, &err) == 0);
    CHILD_CHECK(getcwd(buf, sizeof(buf)) != NULL && strcmp(buf, "/tmp") == 0);
}

static void test_oom_nnp_chdir(void **state)
{
    (void)state;
    run_in_child(child_oom_nnp_chdir);
}

static void test_chdir_errors(void **state)
{
    char rel[] = "tmp", missing[] = "/nonexistent-hull-dir";
    struct hull_process p = {.cwd = rel};
    _cleanup_error_ hull_error *err = NULL;

    (void)state;
    assert_int_equal(hull_process_chdir(&p, &err), -1);
    assert_string_equal(err->msg, "process.cwd \"tmp\" is not absolute");
    p.cwd = missing;
    assert_int_equal(hull_process_chdir(&p, &err), -1);
    assert_string_equal(
        err->msg, "chdir to process.cwd \"/nonexistent-hull-dir\": No such file or directory");
}

static void test_exec(void **state)
{
    struct tree *t = *state;
    _cleanup_free_ char *missing = xasprintf("%s/missing", t->root);
    _cleanup_free_ char *dir = xasprintf("%s/dir", t->root);
    _cleanup_free_ char *noexec = xasprintf("%s/noexec/cmd", t->root);
    char *args[] = {(char *)"x", NULL};
    struct hull_process p = {.args = args};
    _cleanup_error_ hull_error *err = NULL;

    assert_int_equal(hull_process_exec(&p, missing, &err), -1);
    assert_int_equal(err->kind, HULL_ERR_EXEC_NOT_FOUND);
    assert_non_null(strstr(err->msg, "no such file or directory"));
    assert_int_equal(hull_process_exec(&p, dir, &err), -1);
    assert_int_equal(err->kind, HULL_ERR_EXEC_DENIED);
    assert_int_equal(hull_process_exec(&p, noexec, &err), -1);
    assert_int_equal(err->kind, HULL_ERR_EXEC_DENIED);
    assert_non_null(strstr(err->msg, "permission denied"));

    int status;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char *sh_args[] = {(char *)"sh", (char *)"-c", (char *)"exit 7", NULL};
        struct hull_process sh = {.args = sh_args};
        hull_process_exec(&sh, "/bin/sh", NULL);
        _exit(99);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_find_in_path, tree_setup, tree_teardown),
        cmocka_unit_test_setup_teardown(test_find_denied, tree_setup, tree_teardown),
        cmocka_unit_test_setup_teardown(test_find_not_found, tree_setup, tree_teardown),
        cmocka_unit_test_setup_teardown(test_find_default_path, tree_setup, tree_teardown),
        cmocka_unit_test_setup_teardown(test_find_absolute, tree_setup, tree_teardown),
        cmocka_unit_test(test_find_no_args),
        cmocka_unit_test(test_rlimits),
        cmocka_unit_test(test_set_ids),
        cmocka_unit_test(test_attrs),
        cmocka_unit_test(test_security_labels),
        cmocka_unit_test(test_cpu_list),
        cmocka_unit_test(test_oom_nnp_chdir),
        cmocka_unit_test(test_chdir_errors),
        cmocka_unit_test_setup_teardown(test_exec, tree_setup, tree_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
