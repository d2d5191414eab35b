/* Docker's profile format, hull's default profile and the cache of
 * compiled programs. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "seccomp_bpf.h"
#include "seccomp_cache.h"
#include "seccomp_docker.h"
#include "seccomp_profile.h"
#include "spec.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define S(x) ((char *)(x))

static char *default_caps[] = {
    S("CAP_CHOWN"),
    S("CAP_DAC_OVERRIDE"),
    S("CAP_FSETID"),
    S("CAP_FOWNER"),
    S("CAP_MKNOD"),
    S("CAP_NET_RAW"),
    S("CAP_SETGID"),
    S("CAP_SETUID"),
    S("CAP_SETFCAP"),
    S("CAP_SETPCAP"),
    S("CAP_NET_BIND_SERVICE"),
    S("CAP_SYS_CHROOT"),
    S("CAP_KILL"),
    S("CAP_AUDIT_WRITE"),
    NULL,
};

static struct hull_seccomp_target amd64(char *const *caps)
{
    return (struct hull_seccomp_target){.caps = caps,
                                        .arch = "amd64",
                                        .scmp_arch = "SCMP_ARCH_X86_64",
                                        .kernel_major = 6,
                                        .kernel_minor = 1};
}

static json_t *translate_default(const struct hull_seccomp_target *t)
{
    _cleanup_error_ hull_error *err = NULL;
    json_t *prof = hull_seccomp_default_profile(), *out = NULL;

    assert_int_equal(hull_seccomp_docker_translate(prof, "default", t, &out, &err), 0);
    json_decref(prof);
    return out;
}

/* The rules of OUT naming SYSCALL, as a JSON array (new reference). */
static json_t *rules_for(const json_t *out, const char *syscall_name)
{
    json_t *found = json_array(), *rule, *name;
    size_t i, j;

    json_array_foreach (json_object_get(out, "syscalls"), i, rule) {
        json_array_foreach (json_object_get(rule, "names"), j, name) {
            if (strcmp(json_string_value(name), syscall_name) == 0)
                json_array_append(found, rule);
        }
    }
    return found;
}

static size_t count_rules(const json_t *out, const char *syscall_name)
{
    json_t *r = rules_for(out, syscall_name);
    size_t n = json_array_size(r);
    json_decref(r);
    return n;
}

static void test_default_translation(void **state)
{
    struct hull_seccomp_target t = amd64(default_caps);
    json_t *out = translate_default(&t), *a, *r;

    (void)state;
    assert_string_equal(json_string_value(json_object_get(out, "defaultAction")), "SCMP_ACT_ERRNO");
    assert_int_equal(json_integer_value(json_object_get(out, "defaultErrnoRet")), EPERM);
    a = json_object_get(out, "architectures");
    assert_int_equal(json_array_size(a), 3);
    assert_string_equal(json_string_value(json_array_get(a, 0)), "SCMP_ARCH_X86_64");
    assert_string_equal(json_string_value(json_array_get(a, 1)), "SCMP_ARCH_X86");
    /* Never in the default set, with any capability. */
    assert_int_equal(count_rules(out, "keyctl"), 0);
    assert_int_equal(count_rules(out, "add_key"), 0);
    assert_int_equal(count_rules(out, "kexec_load"), 0);
    /* Only with CAP_SYS_ADMIN. */
    assert_int_equal(count_rules(out, "mount"), 0);
    assert_int_equal(count_rules(out, "unshare"), 0);
    assert_int_equal(count_rules(out, "bpf"), 0);
    /* Given with a default capability (CAP_SYS_CHROOT) or an arch. */
    assert_int_equal(count_rules(out, "chroot"), 1);
    assert_int_equal(count_rules(out, "arch_prctl"), 1);
    assert_int_equal(count_rules(out, "s390_runtime_instr"), 0);
    /* clone without namespace flags, clone3 with ENOSYS. */
    r = rules_for(out, "clone");
    assert_int_equal(json_array_size(r), 1);
    json_t *arg = json_array_get(json_object_get(json_array_get(r, 0), "args"), 0);
    assert_int_equal(json_integer_value(json_object_get(arg, "index")), 0);
    assert_int_equal(json_integer_value(json_object_get(arg, "value")), 0x7E020000);
    assert_string_equal(json_string_value(json_object_get(arg, "op")), "SCMP_CMP_MASKED_EQ");
    json_decref(r);
    r = rules_for(out, "clone3");
    assert_int_equal(json_array_size(r), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(r, 0), "errnoRet")), ENOSYS);
    json_decref(r);
    /* ptrace needs kernel 4.8; this target has 6.1. */
    assert_int_equal(count_rules(out, "ptrace"), 1);
    json_decref(out);
}

static void test_default_with_caps(void **state)
{
    char *caps[] = {S("CAP_SYS_ADMIN"), S("CAP_SYS_PTRACE"), NULL};
    struct hull_seccomp_target t = amd64(caps);
    json_t *out, *r;

    (void)state;
    t.kernel_major = 4;
    t.kernel_minor = 4;
    out = translate_default(&t);
    assert_int_equal(count_rules(out, "mount"), 1);
    assert_int_equal(count_rules(out, "unshare"), 1);
    assert_int_equal(count_rules(out, "chroot"), 0);
    /* CAP_SYS_ADMIN lifts the clone restriction and the clone3 ENOSYS. */
    r = rules_for(out, "clone");
    assert_int_equal(json_array_size(r), 1);
    assert_null(json_object_get(json_array_get(r, 0), "args"));
    json_decref(r);
    r = rules_for(out, "clone3");
    assert_int_equal(json_array_size(r), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(r, 0), "action")),
                        "SCMP_ACT_ALLOW");
    json_decref(r);
    /* Old kernel: ptrace only through CAP_SYS_PTRACE's rule. */
    assert_int_equal(count_rules(out, "ptrace"), 1);
    json_decref(out);
}

static void expect_translate_error(const char *profile, const char *want)
{
    struct hull_seccomp_target t = amd64(default_caps);
    _cleanup_error_ hull_error *err = NULL;
    json_t *out = NULL;

    assert_int_equal(hull_seccomp_docker_translate_text(profile, "p.json", &t, &out, &err), -1);
    assert_null(out);
    assert_non_null(err);
    assert_int_equal(err->kind, HULL_ERR_BAD_INPUT);
    assert_string_equal(err->msg, want);
}

static void test_translate_errors(void **state)
{
    (void)state;
    expect_translate_error("{",
                           "seccomp profile p.json:1: string or '}' expected near end of file");
    expect_translate_error("{\"defaultAction\": \"SCMP_ACT_NOPE\"}",
                           "seccomp profile p.json: defaultAction: unknown action "
                           "\"SCMP_ACT_NOPE\"");
    expect_translate_error("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"sycalls\": []}",
                           "seccomp profile p.json: sycalls: unknown field");
    expect_translate_error(
        "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getpid\"], "
        "\"action\": \"SCMP_ACT_BOGUS\"}]}",
        "seccomp profile p.json: syscalls[0].action: unknown action \"SCMP_ACT_BOGUS\"");
    expect_translate_error(
        "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getpid\"], "
        "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 1, \"op\": "
        "\"SCMP_CMP_ALMOST\"}]}]}",
        "seccomp profile p.json: syscalls[0].args[0].op: unknown operator \"SCMP_CMP_ALMOST\"");
    expect_translate_error(
        "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"name\": \"getpid\", "
        "\"names\": [\"getppid\"], \"action\": \"SCMP_ACT_ERRNO\"}]}",
        "seccomp profile p.json: syscalls[0]: both \"name\" and \"names\" are given, use one of "
        "them");
    expect_translate_error(
        "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_X86\"], "
        "\"archMap\": [{\"architecture\": \"SCMP_ARCH_X86_64\"}]}",
        "seccomp profile p.json: both \"architectures\" and \"archMap\" are given, use one of "
        "them");
    expect_translate_error(
        "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getpid\"], "
        "\"action\": \"SCMP_ACT_ERRNO\", \"includes\": {\"capabilities\": [\"CAP_KILL\"]}}]}",
        "seccomp profile p.json: syscalls[0].includes.capabilities: unknown field");
    expect_translate_error(
        "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getpid\"], "
        "\"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 70000}]}",
        "seccomp profile p.json: syscalls[0].errnoRet: expected an integer in 0..65535");
    expect_translate_error(
        "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getpid\"], "
        "\"action\": \"SCMP_ACT_ERRNO\", \"excludes\": {\"minKernel\": \"four\"}}]}",
        "seccomp profile p.json: syscalls[0].excludes.minKernel: expected a version like \"4.8\"");
}

static void test_translate_conditions(void **state)
{
    const char *profile =
        "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38,"
        " \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\"], \"listenerPath\": \"/run/agent.sock\","
        " \"syscalls\": ["
        "  {\"name\": \"getpid\", \"action\": \"SCMP_ACT_ALLOW\", \"comment\": \"old style\"},"
        "  {\"names\": [\"a\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"arches\": "
        "[\"arm64\"]}},"
        "  {\"names\": [\"b\"], \"action\": \"SCMP_ACT_ALLOW\", \"excludes\": {\"arches\": "
        "[\"amd64\"]}},"
        "  {\"names\": [\"c\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"minKernel\": "
        "\"6.2\"}},"
        "  {\"names\": [\"d\"], \"action\": \"SCMP_ACT_ALLOW\", \"excludes\": {\"minKernel\": "
        "\"5.10\"}},"
        "  {\"names\": [\"e\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"caps\": "
        "[\"CAP_KILL\", \"CAP_CHOWN\"]}},"
        "  {\"names\": [\"f\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"caps\": "
        "[\"CAP_KILL\", \"CAP_SYS_ADMIN\"]}},"
        "  {\"names\": [\"g\"], \"action\": \"SCMP_ACT_NOTIFY\", \"excludes\": {}}"
        " ]}";
    struct hull_seccomp_target t = amd64(default_caps);
    _cleanup_error_ hull_error *err = NULL;
    json_t *out = NULL;

    (void)state;
    assert_int_equal(hull_seccomp_docker_translate_text(profile, "p.json", &t, &out, &err), 0);
    assert_int_equal(count_rules(out, "getpid"), 1);
    assert_int_equal(count_rules(out, "a"), 0);
    assert_int_equal(count_rules(out, "b"), 0);
    assert_int_equal(count_rules(out, "c"), 0);
    assert_int_equal(count_rules(out, "d"), 0);
    assert_int_equal(count_rules(out, "e"), 1);
    assert_int_equal(count_rules(out, "f"), 0);
    assert_int_equal(count_rules(out, "g"), 1);
    assert_int_equal(json_integer_value(json_object_get(out, "defaultErrnoRet")), 38);
    assert_string_equal(json_string_value(json_object_get(out, "listenerPath")), "/run/agent.sock");
    assert_int_equal(json_array_size(json_object_get(out, "flags")), 1);
    /* No archMap: libseccomp's native architecture only. */
    assert_null(json_object_get(out, "architectures"));
    json_decref(out);
}

/* The OCI object as the runtime parses it. */
static struct hull_spec *spec_with_seccomp(json_t *seccomp)
{
    json_t *cfg = json_pack("{s:s, s:{s:s}, s:{s:O}}", "ociVersion", "1.2.0", "root", "path", "/",
                            "linux", "seccomp", seccomp);
    char *text = json_dumps(cfg, 0);
    struct hull_spec *spec = NULL;
    hull_error *err = NULL;

    json_decref(cfg);
    if (hull_spec_parse(text, "config.json", NULL, &spec, &err) < 0)
        fail_msg("%s", err->msg);
    free(text);
    return spec;
}

#define CHILD_CHECK(cond)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "child check failed at line %d: %s\n", __LINE__, #cond);               \
            _exit(1);                                                                              \
        }                                                                                          \
    } while (0)
#define CHILD_FAILS_WITH(call, want) CHILD_CHECK((call) == -1 && errno == (want))

/* What the default profile must stop, from inside: loaded from a cached
 * program, as hull loads it. */
static void child_default(const void *bpf, size_t len, unsigned int flags)
{
    int listener;
    hull_error *err = NULL;

    signal(SIGSYS, SIG_DFL);
    alarm(30);
    CHILD_CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0);
    CHILD_CHECK(hull_seccomp_load_bpf(bpf, len, flags, &listener, &err) == 0);
    CHILD_FAILS_WITH(syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL), EPERM);
    CHILD_FAILS_WITH(syscall(SYS_add_key, "user", "k", "v", 1, KEY_SPEC_PROCESS_KEYRING), EPERM);
    CHILD_FAILS_WITH(mount("none", "/", NULL, MS_REMOUNT, NULL), EPERM);
    CHILD_FAILS_WITH(unshare(CLONE_NEWUSER), EPERM);
    CHILD_FAILS_WITH(syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0), EPERM);
    CHILD_FAILS_WITH(syscall(SYS_clone3, NULL, 0), ENOSYS);
    CHILD_FAILS_WITH(syscall(SYS_bpf, 0, NULL, 0), EPERM);
    CHILD_FAILS_WITH(syscall(SYS_kexec_load, 0, 0, NULL, 0), EPERM);
    CHILD_FAILS_WITH(socket(40 /* AF_VSOCK */, SOCK_STREAM, 0), EPERM);
    CHILD_FAILS_WITH(personality(PER_BSD), EPERM);
    CHILD_CHECK(personality(0xffffffff) >= 0);
    CHILD_CHECK(syscall(SYS_getpid) > 0);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHILD_CHECK(fd >= 0);
    pid_t pid = fork();
    CHILD_CHECK(pid >= 0);
    if (pid == 0)
        _exit(0);
    CHILD_CHECK(waitpid(pid, NULL, 0) == pid);
    _exit(0);
}

/* Inverts the byte at OFFSET of file PATH. */
static void flip_byte(const char *path, off_t offset)
{
    int fd = open(path, O_RDWR | O_CLOEXEC);
    unsigned char b;

    assert_true(fd >= 0);
    assert_int_equal(pread(fd, &b, 1, offset), 1);
    b = (unsigned char)~b;
    assert_int_equal(pwrite(fd, &b, 1, offset), 1);
    close(fd);
}

static void test_default_loaded_through_cache(void **state)
{
    struct hull_seccomp_target t = amd64(default_caps);
    _cleanup_error_ hull_error *err = NULL;
    char dir[64];
    void *bpf = NULL, *bpf2 = NULL;
    size_t len, len2;
    unsigned int flags, flags2;
    struct stat st;
    int status;

    (void)state;
    if (hull_seccomp_target_host(default_caps, &t, &err) < 0)
        fail_msg("%s", err->msg);
    json_t *oci = translate_default(&t);
    struct hull_spec *spec = spec_with_seccomp(oci);
    snprintf(dir, sizeof(dir), "/tmp/hull-test-sccache-%d-XXXXXX", (int)getpid());
    assert_non_null(mkdtemp(dir));
    _cleanup_free_ char *sub = xasprintf("%s/cache", dir);

    size_t key_len, key2_len;
    _cleanup_free_ char *key = hull_seccomp_cache_key(&spec->linux_.seccomp, &key_len);
    _cleanup_free_ char *name = hull_seccomp_cache_name(key, key_len);
    assert_int_equal(hull_seccomp_cache_get(sub, &spec->linux_.seccomp, &bpf, &len, &flags, &err),
                     0);
    _cleanup_free_ char *entry = xasprintf("%s/%s", sub, name);
    assert_int_equal(stat(entry, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    /* A second start reads what the first compiled. */
    assert_int_equal(
        hull_seccomp_cache_get(sub, &spec->linux_.seccomp, &bpf2, &len2, &flags2, &err), 0);
    assert_int_equal(len, len2);
    assert_memory_equal(bpf, bpf2, len);
    assert_int_equal(flags, flags2);
    free(bpf2);
    /* A damaged entry is compiled again: cut in its header, short of its
     * last instruction (a program the kernel would load as another), one
     * byte of the program changed; and no entry but a FIFO put there does
     * not block the start. */
    assert_int_equal(stat(entry, &st), 0);
    off_t whole = st.st_size;
    for (int damage = 0; damage < 4; damage++) {
        if (damage == 0)
            assert_int_equal(truncate(entry, 9), 0);
        else if (damage == 1)
            assert_int_equal(truncate(entry, whole - 8), 0);
        else if (damage == 2)
            flip_byte(entry, whole - 3);
        else
            assert_true(unlink(entry) == 0 && mkfifo(entry, 0600) == 0);
        assert_int_equal(
            hull_seccomp_cache_get(sub, &spec->linux_.seccomp, &bpf2, &len2, &flags2, &err), 0);
        assert_int_equal(len, len2);
        assert_memory_equal(bpf, bpf2, len);
        free(bpf2);
        /* Written anew, whole. */
        assert_int_equal(stat(entry, &st), 0);
        assert_true(S_ISREG(st.st_mode));
        assert_int_equal(st.st_size, whole);
    }
    /* A cache that cannot be made costs only speed. */
    _cleanup_free_ char *not_dir = xasprintf("%s/%s", entry, "sub");
    assert_int_equal(
        hull_seccomp_cache_get(not_dir, &spec->linux_.seccomp, &bpf2, &len2, &flags2, &err), 0);
    assert_memory_equal(bpf, bpf2, len);
    free(bpf2);
    /* Another profile, another key: an entry found under the same name
     * but holding that other profile (a collision of names) is not used. */
    spec->linux_.seccomp.default_errno_ret = EACCES;
    _cleanup_free_ char *key2 = hull_seccomp_cache_key(&spec->linux_.seccomp, &key2_len);
    assert_false(key_len == key2_len && memcmp(key, key2, key_len) == 0);
    _cleanup_free_ char *name2 = hull_seccomp_cache_name(key2, key2_len);
    _cleanup_free_ char *entry2 = xasprintf("%s/%s", sub, name2);
    assert_int_equal(rename(entry, entry2), 0);
    assert_int_equal(
        hull_seccomp_cache_get(sub, &spec->linux_.seccomp, &bpf2, &len2, &flags2, &err), 0);
    assert_false(len == len2 && memcmp(bpf, bpf2, len) == 0);
    _cleanup_free_ char *text = NULL;
    size_t text_len;
    assert_int_equal(read_file_at(AT_FDCWD, entry2, 0, &text, &text_len, &err), 0);
    assert_true(text_len > 32 + key2_len);
    assert_memory_equal(text + 32, key2, key2_len);
    free(bpf2);

    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        child_default(bpf, len, flags);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    free(bpf);
    hull_spec_free(spec);
    json_decref(oci);
    assert_int_equal(rm_rf_at(AT_FDCWD, dir, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_translation),
        cmocka_unit_test(test_default_with_caps),
        cmocka_unit_test(test_translate_errors),
        cmocka_unit_test(test_translate_conditions),
        cmocka_unit_test(test_default_loaded_through_cache),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
