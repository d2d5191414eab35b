#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "seccomp_profile.h"
#include "seccomp_bpf.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHILD_CHECK(cond)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "child check failed at line %d: %s\n", __LINE__, #cond);               \
            _exit(1);                                                                              \
        }                                                                                          \
    } while (0)

/* The syscall fails with errno WANT. */
#define CHILD_FAILS_WITH(call, want) CHILD_CHECK((call) == -1 && errno == (want))

#define S(x) ((char *)(x))

static char *names_mkdir[] = {S("mkdir"), S("mkdirat"), NULL};
static char *names_getpid[] = {S("getpid"), NULL};
static char *names_getpgid[] = {S("getpgid"), NULL};
static char *names_getsid[] = {S("getsid"), NULL};
static char *names_getpriority[] = {S("getpriority"), NULL};
static char *names_unknown[] = {S("hull_no_such_syscall"), S("getppid"), NULL};
static char *names_getppid[] = {S("getppid"), NULL};
static char *names_close[] = {S("close"), NULL};
static char *names_fsync[] = {S("fsync"), NULL};
static char *names_fdatasync[] = {S("fdatasync"), NULL};
static char *names_syncfs[] = {S("syncfs"), NULL};
static char *names_fchdir[] = {S("fchdir"), NULL};

static struct hull_seccomp_arg arg_masked[] = {{0, 0xff00, 0x1200, S("SCMP_CMP_MASKED_EQ")}};
static struct hull_seccomp_arg arg_or[] = {{0, 7, 0, S("SCMP_CMP_EQ")},
                                           {0, 9, 0, S("SCMP_CMP_EQ")}};
static struct hull_seccomp_arg arg_and[] = {{0, 5, 0, S("SCMP_CMP_EQ")},
                                            {1, 100, 0, S("SCMP_CMP_GT")}};
static struct hull_seccomp_arg arg_ge[] = {{0, 10000, 0, S("SCMP_CMP_GE")}};
static struct hull_seccomp_arg arg_gt[] = {{0, 10000, 0, S("SCMP_CMP_GT")}};
static struct hull_seccomp_arg arg_le[] = {{0, 9000, 0, S("SCMP_CMP_LE")}};
static struct hull_seccomp_arg arg_lt[] = {{0, 9000, 0, S("SCMP_CMP_LT")}};
static struct hull_seccomp_arg arg_ne[] = {{0, 9000, 0, S("SCMP_CMP_NE")}};

#define RULE(names, action)                                                                        \
    {                                                                                              \
        (names), S(action), false, 0, NULL, 0                                                      \
    }
#define RULE_ERRNO(names, e, args)                                                                 \
    {                                                                                              \
        (names), S("SCMP_ACT_ERRNO"), true, (e), (args), (args) == NULL ? 0 : ARRAY_SIZE(args)     \
    }

static struct hull_seccomp_syscall rules_main[] = {
    RULE(names_mkdir, "SCMP_ACT_ERRNO"),
    {names_getpid, S("SCMP_ACT_ERRNO"), true, 42, NULL, 0},
    {names_getpgid, S("SCMP_ACT_ERRNO"), true, EACCES, arg_masked, 1},
    {names_getsid, S("SCMP_ACT_ERRNO"), true, EXDEV, arg_or, 2},
    {names_getpriority, S("SCMP_ACT_ERRNO"), true, ENOTTY, arg_and, 2},
    {names_close, S("SCMP_ACT_ERRNO"), true, ENOTTY, arg_ge, 1},
    {names_fsync, S("SCMP_ACT_ERRNO"), true, ENOTTY, arg_gt, 1},
    {names_fdatasync, S("SCMP_ACT_ERRNO"), true, ENOTTY, arg_le, 1},
    {names_syncfs, S("SCMP_ACT_ERRNO"), true, ENOTTY, arg_lt, 1},
    {names_fchdir, S("SCMP_ACT_ERRNO"), true, ENOTTY, arg_ne, 1},
    RULE(names_unknown, "SCMP_ACT_ALLOW"), /* the default action: skipped */
};

static struct hull_seccomp profile(struct hull_seccomp_syscall *rules, size_t n)
{
    return (struct hull_seccomp){
        .present = true, .default_action = S("SCMP_ACT_ALLOW"), .syscalls = rules, .n_syscalls = n};
}

/* Runs FN in a child and returns its wait status. */
static int run_in_child(void (*fn)(void *), void *arg)
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
        fn(arg);
        _exit(0);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

static void assert_clean_exit(int status)
{
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void check_main_rules(const char *dir)
{
    _cleanup_free_ char *path = xasprintf("%s/denied", dir);

    CHILD_FAILS_WITH(mkdir(path, 0755), EPERM);
    CHILD_FAILS_WITH(syscall(SYS_mkdirat, AT_FDCWD, path, 0755), EPERM);
    CHILD_FAILS_WITH(syscall(SYS_getpid), 42);

    CHILD_FAILS_WITH(syscall(SYS_getpgid, 0x1234), EACCES);
    CHILD_CHECK(syscall(SYS_getpgid, 0) >= 0);
    long r = syscall(SYS_getpgid, 0x1334); /* masked value 0x1300: not matched */
    CHILD_CHECK(r >= 0 || errno != EACCES);

    CHILD_FAILS_WITH(syscall(SYS_getsid, 7), EXDEV);
    CHILD_FAILS_WITH(syscall(SYS_getsid, 9), EXDEV);
    CHILD_CHECK(syscall(SYS_getsid, 0) >= 0);

    CHILD_FAILS_WITH(syscall(SYS_getpriority, 5, 200), ENOTTY);
    CHILD_FAILS_WITH(syscall(SYS_getpriority, 5, 50), EINVAL);
    CHILD_FAILS_WITH(syscall(SYS_getpriority, 4, 200), EINVAL);

    CHILD_FAILS_WITH(syscall(SYS_close, 10000), ENOTTY);
    CHILD_FAILS_WITH(syscall(SYS_close, 9999), EBADF);
    CHILD_FAILS_WITH(syscall(SYS_fsync, 10001), ENOTTY);
    CHILD_FAILS_WITH(syscall(SYS_fsync, 10000), EBADF);
    CHILD_FAILS_WITH(syscall(SYS_fdatasync, 9000), ENOTTY);
    CHILD_FAILS_WITH(syscall(SYS_fdatasync, 9001), EBADF);
    CHILD_FAILS_WITH(syscall(SYS_syncfs, 8999), ENOTTY);
    CHILD_FAILS_WITH(syscall(SYS_syncfs, 9000), EBADF);
    CHILD_FAILS_WITH(syscall(SYS_fchdir, 9001), ENOTTY);
    CHILD_FAILS_WITH(syscall(SYS_fchdir, 9000), EBADF);

    CHILD_CHECK(syscall(SYS_getppid) > 0);
}

static void child_load_main(void *arg)
{
    struct hull_seccomp sc = profile(rules_main, ARRAY_SIZE(rules_main));
    hull_error *err = NULL;
    int fd = 0;

    CHILD_CHECK(hull_seccomp_load(&sc, &fd, &err) == 0);
    CHILD_CHECK(fd == -1);
    check_main_rules(arg);
}

static void test_load_rules(void **state)
{
    char dir[64];

    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/hull-test-seccomp-%d-XXXXXX", (int)getpid());
    assert_non_null(mkdtemp(dir));
    int status = run_in_child(child_load_main, dir);
    assert_int_equal(rm_rf_at(AT_FDCWD, dir, NULL), 0);
    assert_clean_exit(status);
}

static void child_single_rule(void *arg)
{
    struct hull_seccomp_syscall *rule = arg;
    struct hull_seccomp sc = profile(rule, 1);
    hull_error *err = NULL;
    int fd;

    CHILD_CHECK(hull_seccomp_load(&sc, &fd, &err) == 0);
    long r = syscall(SYS_getppid);
    /* Reached only for actions that let the process live. */
    _exit(r == -1 ? 100 + errno : 0);
}

static int run_action(const char *action, bool has_errno, uint32_t errno_ret)
{
    struct hull_seccomp_syscall rule = {names_getppid, (char *)action, has_errno,
                                        errno_ret,     NULL,           0};
    return run_in_child(child_single_rule, &rule);
}

static void test_actions(void **state)
{
    (void)state;
    const char *killers[] = {"SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_KILL_PROCESS",
                             "SCMP_ACT_TRAP"};
    for (size_t i = 0; i < ARRAY_SIZE(killers); i++) {
        int status = run_action(killers[i], false, 0);
        assert_true(WIFSIGNALED(status));
        assert_int_equal(WTERMSIG(status), SIGSYS);
    }

    int status = run_action("SCMP_ACT_LOG", false, 0);
    assert_clean_exit(status);
    status = run_action("SCMP_ACT_ERRNO", false, 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 100 + EPERM);
    /* With no tracer attached a TRACE rule fails the syscall with ENOSYS. */
    status = run_action("SCMP_ACT_TRACE", true, 5);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 100 + ENOSYS);
}

static void child_notify(void *arg)
{
    struct hull_seccomp_syscall rule = {names_getppid, S("SCMP_ACT_NOTIFY"), false, 0, NULL, 0};
    struct hull_seccomp sc = profile(&rule, 1);
    struct seccomp_notif req;
    struct seccomp_notif_resp resp;
    hull_error *err = NULL;
    char link[64], target[64];
    int fd, status;

    (void)arg;
    sc.listener_path = S("/run/hull-test-agent.sock");
    CHILD_CHECK(hull_seccomp_load(&sc, &fd, &err) == 0);
    CHILD_CHECK(fd >= 0);
    CHILD_CHECK((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof(target) - 1);
    CHILD_CHECK(n > 0);
    target[n] = '\0';
    CHILD_CHECK(strcmp(target, "anon_inode:seccomp notify") == 0);

    /* A grandchild inherits the filter; answer its getppid with errno 77. */
    pid_t pid = fork();
    CHILD_CHECK(pid >= 0);
    if (pid == 0)
        _exit(syscall(SYS_getppid) == -1 && errno == 77 ? 0 : 1);
    memset(&req, 0, sizeof(req));
    CHILD_CHECK(ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) == 0);
    CHILD_CHECK(req.pid == (uint32_t)pid && req.data.nr == SYS_getppid);
    resp = (struct seccomp_notif_resp){.id = req.id, .error = -77};
    CHILD_CHECK(ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) == 0);
    CHILD_CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_notify(void **state)
{
    (void)state;
    assert_clean_exit(run_in_child(child_notify, NULL));
}

/* Runs hull_seccomp_check on SC and compares the error message. */
static void expect_error(const struct hull_seccomp *sc, const char *want)
{
    _cleanup_error_ hull_error *err = NULL;

    assert_int_equal(hull_seccomp_check(sc, &err), -1);
    assert_non_null(err);
    assert_string_equal(err->msg, want);
}

static void test_bad_input(void **state)
{
    static struct hull_seccomp_arg bad_op[] = {{0, 1, 0, S("SCMP_CMP_EQ")},
                                               {1, 1, 0, S("SCMP_CMP_BAD")}};
    static struct hull_seccomp_arg bad_index[] = {{6, 1, 0, S("SCMP_CMP_EQ")}};
    static char *archs[] = {S("SCMP_ARCH_X86"), S("SCMP_ARCH_VAX"), NULL};
    static char *flags[] = {S("SECCOMP_FILTER_FLAG_LOG"), S("SECCOMP_FILTER_FLAG_BOGUS"), NULL};
    struct hull_seccomp_syscall rules[] = {
        RULE(names_getppid, "SCMP_ACT_ERRNO"),
        RULE(names_getpid, "SCMP_ACT_NOPE"),
    };
    struct hull_seccomp sc = profile(rules, 2);

    (void)state;
    expect_error(&sc, "linux.seccomp.syscalls[1].action: unknown action \"SCMP_ACT_NOPE\"");

    sc.n_syscalls = 1;
    sc.default_action = S("SCMP_ACT_FOO");
    expect_error(&sc, "linux.seccomp.defaultAction: unknown action \"SCMP_ACT_FOO\"");
    sc.default_action = S("SCMP_ACT_ALLOW");

    /* Checked even in a rule that is then skipped as the default action. */
    rules[0] =
        (struct hull_seccomp_syscall){names_getppid, S("SCMP_ACT_ALLOW"), false, 0, bad_op, 2};
    expect_error(&sc, "linux.seccomp.syscalls[0].args[1].op: unknown operator \"SCMP_CMP_BAD\"");
    rules[0].args = bad_index;
    rules[0].n_args = 1;
    expect_error(&sc, "linux.seccomp.syscalls[0].args[0].index: 6 is out of range 0..5");

    rules[0] = (struct hull_seccomp_syscall)RULE(names_getppid, "SCMP_ACT_LOG");
    rules[0].has_errno_ret = true;
    expect_error(&sc, "linux.seccomp.syscalls[0].errnoRet: only SCMP_ACT_ERRNO and "
                      "SCMP_ACT_TRACE take an errno, not \"SCMP_ACT_LOG\"");
    rules[0].has_errno_ret = false;

    sc.has_default_errno_ret = true;
    expect_error(&sc, "linux.seccomp.defaultErrnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE "
                      "take an errno, not \"SCMP_ACT_ALLOW\"");
    sc.has_default_errno_ret = false;

    sc.architectures = archs;
    expect_error(&sc, "linux.seccomp.architectures[1]: unknown architecture \"SCMP_ARCH_VAX\"");
    sc.architectures = NULL;

    sc.flags = flags;
    expect_error(&sc, "linux.seccomp.flags[1]: unknown flag \"SECCOMP_FILTER_FLAG_BOGUS\"");
    sc.flags = NULL;

    rules[0].action = S("SCMP_ACT_NOTIFY");
    expect_error(&sc, "linux.seccomp.listenerPath is required when SCMP_ACT_NOTIFY is used");
    sc.default_action = S("SCMP_ACT_NOTIFY");
    expect_error(&sc, "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action");
}

static void test_wait_killable_flag(void **state)
{
    static char *flags[] = {S("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"), NULL};
    struct hull_seccomp sc = profile(NULL, 0);
    _cleanup_error_ hull_error *err = NULL;

    (void)state;
    sc.flags = flags;
    if (hull_seccomp_check(&sc, &err) == 0)
        skip(); /* a libseccomp with SCMP_FLTATR_CTL_WAITKILL */
    assert_non_null(strstr(err->msg,
                           "linux.seccomp.flags[0]: "
                           "\"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\" is not supported"));
}

static void test_check_ok(void **state)
{
    static char *archs[] = {S("SCMP_ARCH_X86"), S("SCMP_ARCH_X32"), S("SCMP_ARCH_X86_64"), NULL};
    static char *flags[] = {S("SECCOMP_FILTER_FLAG_LOG"), S("SECCOMP_FILTER_FLAG_SPEC_ALLOW"),
                            S("SECCOMP_FILTER_FLAG_TSYNC"), NULL};
    struct hull_seccomp sc = profile(rules_main, ARRAY_SIZE(rules_main));
    _cleanup_error_ hull_error *err = NULL;

    (void)state;
    sc.architectures = archs;
    sc.flags = flags;
    sc.default_action = S("SCMP_ACT_ERRNO");
    sc.has_default_errno_ret = true;
    sc.default_errno_ret = ENOSYS;
    assert_int_equal(hull_seccomp_check(&sc, &err), 0);
    assert_null(err);
}

static void test_rule_explosion(void **state)
{
    struct hull_seccomp_arg args[21];
    struct hull_seccomp_syscall rule = {names_getppid, S("SCMP_ACT_ERRNO"), false, 0, args, 21};
    struct hull_seccomp sc = profile(&rule, 1);
    _cleanup_error_ hull_error *err = NULL;

    (void)state;
    for (uint32_t i = 0; i < 21; i++)
        args[i] = (struct hull_seccomp_arg){i % 3, i, 0, S("SCMP_CMP_EQ")};
    assert_int_equal(hull_seccomp_check(&sc, &err), -1);
    assert_string_equal(err->msg, "linux.seccomp.syscalls[0]: syscall \"getppid\": its args "
                                  "expand into 343 rules, more than 256");
    /* Two conditions on each of three args: 8 rules, accepted. */
    rule.n_args = 6;
    assert_int_equal(hull_seccomp_check(&sc, &err), 0);
}

/* More than 32 entries: the filter is built as a binary tree. */
static void child_long_profile(void *arg)
{
    static const char *fillers[] = {"acct",
                                    "add_key",
                                    "bpf",
                                    "create_module",
                                    "delete_module",
                                    "finit_module",
                                    "get_kernel_syms",
                                    "init_module",
                                    "ioperm",
                                    "iopl",
                                    "kcmp",
                                    "kexec_file_load",
                                    "kexec_load",
                                    "keyctl",
                                    "lookup_dcookie",
                                    "mount",
                                    "move_pages",
                                    "nfsservctl",
                                    "open_by_handle_at",
                                    "perf_event_open",
                                    "pivot_root",
                                    "process_vm_readv",
                                    "process_vm_writev",
                                    "ptrace",
                                    "query_module",
                                    "quotactl",
                                    "reboot",
                                    "request_key",
                                    "setns",
                                    "swapoff",
                                    "swapon",
                                    "sysfs",
                                    "umount2",
                                    "unshare",
                                    "uselib",
                                    "userfaultfd",
                                    "ustat",
                                    "vhangup"};
    struct hull_seccomp_syscall rules[ARRAY_SIZE(fillers) + 1];
    char *names[ARRAY_SIZE(fillers)][2];
    struct hull_seccomp sc = profile(rules, ARRAY_SIZE(rules));
    hull_error *err = NULL;
    int fd;

    for (size_t i = 0; i < ARRAY_SIZE(fillers); i++) {
        names[i][0] = (char *)fillers[i];
        names[i][1] = NULL;
        rules[i] = (struct hull_seccomp_syscall)RULE(names[i], "SCMP_ACT_ERRNO");
    }
    rules[ARRAY_SIZE(fillers)] = (struct hull_seccomp_syscall){
        names_getpgid, S("SCMP_ACT_ERRNO"), true, EACCES, arg_masked, 1};
    CHILD_CHECK(hull_seccomp_load(&sc, &fd, &err) == 0);
    CHILD_FAILS_WITH(syscall(SYS_unshare, 0), EPERM);
    CHILD_FAILS_WITH(syscall(SYS_vhangup), EPERM);
    CHILD_FAILS_WITH(syscall(SYS_acct, NULL), EPERM);
    CHILD_FAILS_WITH(syscall(SYS_getpgid, 0x1234), EACCES);
    CHILD_CHECK(syscall(SYS_getpgid, 0) >= 0);
    CHILD_CHECK(syscall(SYS_getppid) > 0);
    (void)arg;
}

static void test_long_profile(void **state)
{
    (void)state;
    assert_clean_exit(run_in_child(child_long_profile, NULL));
}

static void test_absent(void **state)
{
    struct hull_seccomp sc = {.present = false};
    _cleanup_error_ hull_error *err = NULL;
    int fd = 0;

    (void)state;
    assert_int_equal(hull_seccomp_check(&sc, &err), 0);
    assert_int_equal(hull_seccomp_load(&sc, &fd, &err), 0);
    assert_int_equal(fd, -1);
}

struct bpf_case {
    void *bpf;
    size_t len;
    unsigned int flags;
    const char *dir;
};

static void child_load_bpf(void *arg)
{
    struct bpf_case *c = arg;
    hull_error *err = NULL;
    int fd = 0;

    CHILD_CHECK(hull_seccomp_load_bpf(c->bpf, c->len, c->flags, &fd, &err) == 0);
    CHILD_CHECK(fd == -1);
    check_main_rules(c->dir);
}

static void test_export_bpf(void **state)
{
    static char *flags[] = {S("SECCOMP_FILTER_FLAG_LOG"), S("SECCOMP_FILTER_FLAG_TSYNC"), NULL};
    struct hull_seccomp sc = profile(rules_main, ARRAY_SIZE(rules_main));
    struct bpf_case c = {0};
    _cleanup_error_ hull_error *err = NULL;
    char dir[64];
    int fd;

    (void)state;
    assert_int_equal(hull_seccomp_export_bpf(&sc, &c.bpf, &c.len, &err), 0);
    assert_true(c.len > 0);
    assert_int_equal(c.len % sizeof(struct sock_filter), 0);
    assert_int_equal(hull_seccomp_kernel_flags(&sc, &c.flags, &err), 0);
    assert_int_equal(c.flags, 0);

    snprintf(dir, sizeof(dir), "/tmp/hull-test-seccomp-%d-XXXXXX", (int)getpid());
    assert_non_null(mkdtemp(dir));
    c.dir = dir;
    int status = run_in_child(child_load_bpf, &c);
    assert_int_equal(rm_rf_at(AT_FDCWD, dir, NULL), 0);
    assert_clean_exit(status);

    assert_int_equal(hull_seccomp_load_bpf(c.bpf, c.len - 1, 0, &fd, &err), -1);
    assert_int_equal(fd, -1);
    free(c.bpf);

    struct hull_seccomp_syscall notify = RULE(names_getppid, "SCMP_ACT_NOTIFY");
    sc = profile(&notify, 1);
    sc.listener_path = S("/run/x.sock");
    sc.flags = flags;
    assert_int_equal(hull_seccomp_kernel_flags(&sc, &c.flags, &err), 0);
    assert_int_equal(c.flags, SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_TSYNC |
                                  SECCOMP_FILTER_FLAG_NEW_LISTENER |
                                  SECCOMP_FILTER_FLAG_TSYNC_ESRCH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_rules),
        cmocka_unit_test(test_actions),
        cmocka_unit_test(test_notify),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_wait_killable_flag),
        cmocka_unit_test(test_check_ok),
        cmocka_unit_test(test_rule_explosion),
        cmocka_unit_test(test_export_bpf),
        cmocka_unit_test(test_long_profile),
        cmocka_unit_test(test_absent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
