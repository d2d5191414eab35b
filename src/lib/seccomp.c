#include "seccomp_profile.h"
#include "log.h"
#include "seccomp_bpf.h"
#include "util.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 6)
#define HAVE_SCMP_WAITKILL 1
#endif

/* Syscall arguments a condition may name (seccomp_data.args). */
#define N_SYSCALL_ARGS 6
/* Most rules one syscalls[] entry may expand into (see add_syscall_rules). */
#define MAX_RULES_PER_ENTRY 256
/* A filter flag libseccomp has no attribute for. */
#define NO_ATTR (-1)

static const struct {
    const char *name;
    uint32_t token;
} arch_names[] = {
    {"SCMP_ARCH_X86", SCMP_ARCH_X86},
    {"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64},
    {"SCMP_ARCH_X32", SCMP_ARCH_X32},
    {"SCMP_ARCH_ARM", SCMP_ARCH_ARM},
    {"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64},
    {"SCMP_ARCH_MIPS", SCMP_ARCH_MIPS},
    {"SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64},
    {"SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32},
    {"SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL},
    {"SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64},
    {"SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32},
    {"SCMP_ARCH_PPC", SCMP_ARCH_PPC},
    {"SCMP_ARCH_PPC64", SCMP_ARCH_PPC64},
    {"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE},
    {"SCMP_ARCH_S390", SCMP_ARCH_S390},
    {"SCMP_ARCH_S390X", SCMP_ARCH_S390X},
    {"SCMP_ARCH_PARISC", SCMP_ARCH_PARISC},
    {"SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64},
    {"SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64},
#ifdef SCMP_ARCH_LOONGARCH64
    {"SCMP_ARCH_LOONGARCH64", SCMP_ARCH_LOONGARCH64},
#endif
#ifdef SCMP_ARCH_M68K
    {"SCMP_ARCH_M68K", SCMP_ARCH_M68K},
#endif
#ifdef SCMP_ARCH_SH
    {"SCMP_ARCH_SH", SCMP_ARCH_SH},
    {"SCMP_ARCH_SHEB", SCMP_ARCH_SHEB},
#endif
};

static const struct {
    const char *name;
    enum scmp_compare op;
} op_names[] = {
    {"SCMP_CMP_NE", SCMP_CMP_NE},
    {"SCMP_CMP_LT", SCMP_CMP_LT},
    {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SCMP_CMP_EQ},
    {"SCMP_CMP_GE", SCMP_CMP_GE},
    {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

/* TAKES_ERRNO actions carry a 16-bit value: the errno for ERRNO, the
 * message for the tracer for TRACE. */
static const struct {
    const char *name;
    uint32_t action;
    bool takes_errno;
} action_names[] = {
    {"SCMP_ACT_KILL", SCMP_ACT_KILL, false},
    {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, false},
    {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, false},
    {"SCMP_ACT_TRAP", SCMP_ACT_TRAP, false},
    {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), true},
    {"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), true},
    {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, false},
    {"SCMP_ACT_LOG", SCMP_ACT_LOG, false},
    {"SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, false},
};

static const struct {
    const char *name;
    unsigned int kernel_flag;
    int attr;
} flag_names[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC, SCMP_FLTATR_CTL_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG, SCMP_FLTATR_CTL_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW, SCMP_FLTATR_CTL_SSB},
#ifdef HAVE_SCMP_WAITKILL
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
     SCMP_FLTATR_CTL_WAITKILL},
#else
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, NO_ATTR},
#endif
};

#define TABLE_HAS(table, field, value)                                                             \
    ({                                                                                             \
        bool _found = false;                                                                       \
        for (size_t _i = 0; (value) != NULL && _i < ARRAY_SIZE(table) && !_found; _i++)            \
            _found = strcmp(table[_i].field, (value)) == 0;                                        \
        _found;                                                                                    \
    })

bool hull_seccomp_action_known(const char *name)
{
    return TABLE_HAS(action_names, name, name);
}

bool hull_seccomp_op_known(const char *name)
{
    return TABLE_HAS(op_names, name, name);
}

bool hull_seccomp_arch_known(const char *name)
{
    return TABLE_HAS(arch_names, name, name);
}

bool hull_seccomp_flag_known(const char *name)
{
    return TABLE_HAS(flag_names, name, name);
}

const char *hull_seccomp_arch_native(void)
{
    uint32_t token = seccomp_arch_native();
    for (size_t i = 0; i < ARRAY_SIZE(arch_names); i++)
        if (arch_names[i].token == token)
            return arch_names[i].name;
    return NULL;
}

static void seccomp_releasep(scmp_filter_ctx *ctx)
{
    if (*ctx != NULL)
        seccomp_release(*ctx);
    *ctx = NULL;
}

#define _cleanup_seccomp_ __attribute__((cleanup(seccomp_releasep)))

/* A built filter and what loading it needs to know. */
struct filter {
    scmp_filter_ctx ctx;
    bool uses_notify; /* a NOTIFY rule made it into the filter */
    unsigned int kernel_flags;
};

/* Turns an action name and its optional errnoRet into a libseccomp action.
 * ERRNO and TRACE default to EPERM, as the spec says; errnoRet on any other
 * action is an error (the spec's MUST). */
static int resolve_action(const char *name, bool has_errno, uint32_t errno_ret,
                          const char *action_field, const char *errno_field, uint32_t *out,
                          hull_error **err)
{
    size_t i;

    if (name == NULL)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "%s is required", action_field);
    for (i = 0; i < ARRAY_SIZE(action_names); i++)
        if (strcmp(name, action_names[i].name) == 0)
            break;
    if (i == ARRAY_SIZE(action_names))
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "%s: unknown action \"%s\"", action_field,
                             name);
    if (!action_names[i].takes_errno) {
        if (has_errno)
            return hull_err_kind(
                err, HULL_ERR_BAD_INPUT, 0,
                "%s: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno, not \"%s\"", errno_field,
                name);
        *out = action_names[i].action;
        return 0;
    }
    if (has_errno && errno_ret > 0xffff)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "%s: %u is out of range 0..65535",
                             errno_field, errno_ret);
    *out = action_names[i].action | (has_errno ? errno_ret : (uint32_t)EPERM);
    return 0;
}

static int add_architectures(scmp_filter_ctx ctx, char *const *archs, hull_error **err)
{
    for (size_t i = 0; archs != NULL && archs[i] != NULL; i++) {
        size_t j;
        for (j = 0; j < ARRAY_SIZE(arch_names); j++)
            if (strcmp(archs[i], arch_names[j].name) == 0)
                break;
        if (j == ARRAY_SIZE(arch_names))
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 "linux.seccomp.architectures[%zu]: unknown architecture \"%s\"", i,
                                 archs[i]);
        /* The native architecture is in every new filter: EEXIST. */
        int r = seccomp_arch_add(ctx, arch_names[j].token);
        if (r < 0 && r != -EEXIST)
            return hull_err(err, -r, "linux.seccomp.architectures[%zu]: add \"%s\"", i, archs[i]);
    }
    return 0;
}

static int set_flags(struct filter *f, char *const *flags, hull_error **err)
{
    for (size_t i = 0; flags != NULL && flags[i] != NULL; i++) {
        size_t j;
        for (j = 0; j < ARRAY_SIZE(flag_names); j++)
            if (strcmp(flags[i], flag_names[j].name) == 0)
                break;
        if (j == ARRAY_SIZE(flag_names))
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 "linux.seccomp.flags[%zu]: unknown flag \"%s\"", i, flags[i]);
        if (flag_names[j].attr == NO_ATTR)
            return hull_err_kind(
                err, HULL_ERR_BAD_INPUT, 0,
                "linux.seccomp.flags[%zu]: \"%s\" is not supported by libseccomp %u.%u.%u", i,
                flags[i], SCMP_VER_MAJOR, SCMP_VER_MINOR, SCMP_VER_MICRO);
        int r = seccomp_attr_set(f->ctx, (enum scmp_filter_attr)flag_names[j].attr, 1);
        if (r < 0)
            return hull_err(
                err, -r,
                "linux.seccomp.flags[%zu]: \"%s\" is not supported by this kernel or libseccomp", i,
                flags[i]);
        f->kernel_flags |= flag_names[j].kernel_flag;
    }
    return 0;
}

/* Checks the args of syscalls[IDX] and turns them into conditions. */
static int resolve_args(const struct hull_seccomp_syscall *s, size_t idx,
                        struct scmp_arg_cmp *conds, hull_error **err)
{
    for (size_t i = 0; i < s->n_args; i++) {
        const struct hull_seccomp_arg *a = &s->args[i];
        size_t j;

        if (a->index >= N_SYSCALL_ARGS)
            return hull_err_kind(
                err, HULL_ERR_BAD_INPUT, 0,
                "linux.seccomp.syscalls[%zu].args[%zu].index: %u is out of range 0..%d", idx, i,
                a->index, N_SYSCALL_ARGS - 1);
        for (j = 0; j < ARRAY_SIZE(op_names); j++)
            if (a->op != NULL && strcmp(a->op, op_names[j].name) == 0)
                break;
        if (j == ARRAY_SIZE(op_names))
            return hull_err_kind(
                err, HULL_ERR_BAD_INPUT, 0,
                "linux.seccomp.syscalls[%zu].args[%zu].op: unknown operator \"%s\"", idx, i,
                a->op != NULL ? a->op : "");
        /* For MASKED_EQ, value is the mask and valueTwo the datum. */
        conds[i] = (struct scmp_arg_cmp){
            .arg = a->index, .op = op_names[j].op, .datum_a = a->value, .datum_b = a->value_two};
    }
    return 0;
}

static int cmp_arg_index(const void *a, const void *b)
{
    const struct scmp_arg_cmp *x = a, *y = b;
    return (x->arg > y->arg) - (x->arg < y->arg);
}

/* Adds the rules of syscall NR.  Conditions on different arguments are
 * ANDed within one rule; several conditions on the same argument are ORed,
 * which libseccomp can only express as separate rules, so the entry turns
 * into one rule per combination of one condition from each argument.  When
 * a single argument repeats, that is runc's one rule per condition. */
static int add_syscall_rules(scmp_filter_ctx ctx, uint32_t action, int nr,
                             struct scmp_arg_cmp *conds, size_t n, hull_error **err)
{
    size_t start[N_SYSCALL_ARGS], count[N_SYSCALL_ARGS], pick[N_SYSCALL_ARGS] = {0};
    struct scmp_arg_cmp rule[N_SYSCALL_ARGS];
    size_t groups = 0, total = 1;

    qsort(conds, n, sizeof(*conds), cmp_arg_index);
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || conds[i].arg != conds[i - 1].arg) {
            start[groups] = i;
            count[groups++] = 0;
        }
        count[groups - 1]++;
    }
    for (size_t g = 0; g < groups; g++)
        total *= count[g];
    if (total > MAX_RULES_PER_ENTRY)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "its args expand into %zu rules, more than %d", total,
                             MAX_RULES_PER_ENTRY);
    for (size_t k = 0; k < total; k++) {
        for (size_t g = 0; g < groups; g++)
            rule[g] = conds[start[g] + pick[g]];
        int r = seccomp_rule_add_array(ctx, action, nr, (unsigned int)groups, rule);
        if (r < 0)
            return hull_err(err, -r, "add rule");
        for (size_t g = 0; g < groups && ++pick[g] == count[g]; g++)
            pick[g] = 0;
    }
    return 0;
}

static int add_entry(struct filter *f, const struct hull_seccomp_syscall *s, size_t idx,
                     uint32_t default_action, hull_error **err)
{
    _cleanup_free_ char *afield = xasprintf("linux.seccomp.syscalls[%zu].action", idx);
    _cleanup_free_ char *efield = xasprintf("linux.seccomp.syscalls[%zu].errnoRet", idx);
    _cleanup_free_ struct scmp_arg_cmp *conds = xmalloc0((s->n_args + 1) * sizeof(*conds));
    uint32_t action;

    if (s->names == NULL || s->names[0] == NULL)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "linux.seccomp.syscalls[%zu].names: must name at least one syscall",
                             idx);
    if (resolve_action(s->action, s->has_errno_ret, s->errno_ret, afield, efield, &action, err) < 0)
        return -1;
    if (resolve_args(s, idx, conds, err) < 0)
        return -1;
    /* libseccomp refuses a rule that repeats the default action; such a
     * rule changes nothing anyway. */
    if (action == default_action) {
        hull_debug("seccomp: linux.seccomp.syscalls[%zu] has the default action, skipped", idx);
        return 0;
    }
    for (size_t i = 0; s->names[i] != NULL; i++) {
        int nr = seccomp_syscall_resolve_name(s->names[i]);
        /* Profiles list syscalls of newer kernels and other architectures;
         * like runc, a name libseccomp does not know is skipped. */
        if (nr == __NR_SCMP_ERROR) {
            hull_debug("seccomp: unknown syscall \"%s\" in linux.seccomp.syscalls[%zu] skipped",
                       s->names[i], idx);
            continue;
        }
        if (add_syscall_rules(f->ctx, action, nr, conds, s->n_args, err) < 0)
            return hull_err_wrap(err, "linux.seccomp.syscalls[%zu]: syscall \"%s\"", idx,
                                 s->names[i]);
        if (action == SCMP_ACT_NOTIFY)
            f->uses_notify = true;
    }
    return 0;
}

/* Validates SC and builds its filter context (nothing is loaded). */
static int build_filter(const struct hull_seccomp *sc, struct filter *out, hull_error **err)
{
    _cleanup_seccomp_ scmp_filter_ctx ctx = NULL;
    struct filter f = {0};
    uint32_t def;

    if (resolve_action(sc->default_action, sc->has_default_errno_ret, sc->default_errno_ret,
                       "linux.seccomp.defaultAction", "linux.seccomp.defaultErrnoRet", &def,
                       err) < 0)
        return -1;
    if (sc->listener_metadata != NULL && sc->listener_path == NULL)
        return hull_err_kind(
            err, HULL_ERR_BAD_INPUT, 0,
            "linux.seccomp.listenerMetadata is set without linux.seccomp.listenerPath");
    /* The runtime itself still makes syscalls between loading the filter
     * and execve, and nobody answers notifications before the listener fd
     * has reached the agent: they would hang. */
    if (def == SCMP_ACT_NOTIFY)
        return hull_err_kind(
            err, HULL_ERR_BAD_INPUT, 0,
            "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action");
    ctx = seccomp_init(def);
    if (ctx == NULL)
        return hull_err_kind(
            err, HULL_ERR_BAD_INPUT, 0,
            "linux.seccomp.defaultAction: libseccomp refuses \"%s\" as default action",
            sc->default_action);
    f.ctx = ctx;
    /* no_new_privs is process.noNewPrivileges' business, not the filter's:
     * the caller loads the filter while it still has CAP_SYS_ADMIN. */
    int r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
    if (r < 0)
        return hull_err(err, -r, "seccomp: clear the no_new_privs attribute");
    if (add_architectures(ctx, sc->architectures, err) < 0 || set_flags(&f, sc->flags, err) < 0)
        return -1;
    /* A binary tree instead of a linear list of syscall checks pays off
     * for long profiles (Docker's default lists some 300 syscalls).  Short
     * ones stay linear: libseccomp up to 2.5.4 builds a broken tree for a
     * filter without rules. */
    if (sc->n_syscalls > 32 && (r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2)) < 0)
        hull_debug("seccomp: binary tree optimization not available: %s", strerror(-r));
    for (size_t i = 0; i < sc->n_syscalls; i++)
        if (add_entry(&f, &sc->syscalls[i], i, def, err) < 0)
            return -1;
    if (f.uses_notify && sc->listener_path == NULL)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "linux.seccomp.listenerPath is required when SCMP_ACT_NOTIFY is used");
    if (f.uses_notify) {
        f.kernel_flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
        if (f.kernel_flags & SECCOMP_FILTER_FLAG_TSYNC)
            f.kernel_flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
    }
    *out = f;
    out->ctx = take_ptr(ctx);
    return 0;
}

int hull_seccomp_check(const struct hull_seccomp *sc, hull_error **err)
{
    struct filter f;

    if (!sc->present)
        return 0;
    if (build_filter(sc, &f, err) < 0)
        return -1;
    seccomp_release(f.ctx);
    return 0;
}

/* The caller must have no_new_privs set or CAP_SYS_ADMIN in its user
 * namespace: the filter does not set no_new_privs itself. */
int hull_seccomp_load(const struct hull_seccomp *sc, int *listener_fd, hull_error **err)
{
    _cleanup_seccomp_ scmp_filter_ctx ctx = NULL;
    struct filter f;

    *listener_fd = -1;
    if (!sc->present)
        return 0;
    if (build_filter(sc, &f, err) < 0)
        return -1;
    ctx = f.ctx;
    int r = seccomp_load(ctx);
    if (r < 0)
        return hull_err(err, -r, "load seccomp filter");
    if (f.uses_notify) {
        int fd = seccomp_notify_fd(ctx);
        if (fd < 0)
            return hull_err(err, -fd, "get the seccomp notification fd");
        *listener_fd = fd;
    }
    return 0;
}

/* libseccomp 2.5 exports only to a descriptor; a memfd keeps the program
 * off the filesystem. */
static int export_filter(scmp_filter_ctx ctx, void **bpf, size_t *len, hull_error **err)
{
    _cleanup_close_ int fd = -1;
    _cleanup_free_ void *buf = NULL;
    struct stat st;

    fd = memfd_create("hull-seccomp-bpf", MFD_CLOEXEC);
    if (fd < 0)
        return hull_err(err, errno, "seccomp: memfd_create");
    int r = seccomp_export_bpf(ctx, fd);
    if (r < 0)
        return hull_err(err, -r, "seccomp: export the BPF program");
    if (fstat(fd, &st) < 0)
        return hull_err(err, errno, "seccomp: stat the exported BPF program");
    size_t size = (size_t)st.st_size;
    if (size == 0 || size % sizeof(struct sock_filter) != 0)
        return hull_err(err, 0, "seccomp: exported BPF program has an odd size of %zu bytes", size);
    buf = xmalloc(size);
    if (lseek(fd, 0, SEEK_SET) < 0 || read_all(fd, buf, size) != (ssize_t)size)
        return hull_err(err, errno, "seccomp: read back the exported BPF program");
    *bpf = take_ptr(buf);
    *len = size;
    return 0;
}

int hull_seccomp_compile(const struct hull_seccomp *sc, void **bpf, size_t *len,
                         unsigned int *flags, hull_error **err)
{
    _cleanup_seccomp_ scmp_filter_ctx ctx = NULL;
    struct filter f;

    if (build_filter(sc, &f, err) < 0)
        return -1;
    ctx = f.ctx;
    if (export_filter(ctx, bpf, len, err) < 0)
        return -1;
    *flags = f.kernel_flags;
    return 0;
}

int hull_seccomp_export_bpf(const struct hull_seccomp *sc, void **bpf, size_t *len,
                            hull_error **err)
{
    unsigned int flags;
    return hull_seccomp_compile(sc, bpf, len, &flags, err);
}

int hull_seccomp_kernel_flags(const struct hull_seccomp *sc, unsigned int *flags, hull_error **err)
{
    struct filter f;

    if (build_filter(sc, &f, err) < 0)
        return -1;
    seccomp_release(f.ctx);
    *flags = f.kernel_flags;
    return 0;
}

int hull_seccomp_load_bpf(const void *bpf, size_t len, unsigned int flags, int *listener_fd,
                          hull_error **err)
{
    size_t count = len / sizeof(struct sock_filter);
    struct sock_fprog prog = {.len = (unsigned short)count, .filter = (struct sock_filter *)bpf};

    *listener_fd = -1;
    if (count == 0 || len % sizeof(struct sock_filter) != 0 || count > BPF_MAXINSNS)
        return hull_err(err, EINVAL, "seccomp: %zu bytes are not a BPF program", len);
    long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
    if (r < 0)
        return hull_err(err, errno, "seccomp: load BPF program (flags 0x%x)", flags);
    if (flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) {
        *listener_fd = (int)r;
    } else if ((flags & SECCOMP_FILTER_FLAG_TSYNC) && r > 0) {
        return hull_err(err, 0, "seccomp: thread %ld could not be synchronized to the filter", r);
    }
    return 0;
}
