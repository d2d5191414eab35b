/* Device rules on cgroup v2: a BPF_PROG_TYPE_CGROUP_DEVICE program.
 *
 * v2 has no devices.allow/deny; the kernel instead runs every program
 * attached to the cgroup (and its ancestors) on each open or mknod of a
 * device node, and denies unless all of them return 1.  The program is
 * assembled here from the OCI rules, no compiler or libbpf involved:
 *
 *   load the request (type, access, major, minor) from the context
 *   for each rule, last to first:
 *       if it matches the request: return allow ? 1 : 0
 *   return 0
 *
 * so the last matching rule wins and nothing is allowed by default, the
 * same outcome as writing the rules in order to the v1 files after a
 * "deny a".  A rule of type "a" matches every device whatever its
 * numbers or access (as v1 reads it), so rules before it are never
 * reached and are not emitted: the verifier refuses unreachable code. */
#include "cgroup_internal.h"
#include "util.h"

#include <errno.h>
#include <linux/bpf.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Registers: r1 is the context on entry; r2 = device type, r3 = access
 * mask, r4 = major, r5 = minor; r0 scratch and result. */
enum { R0 = 0, R1, R2, R3, R4, R5 };

struct prog {
    struct bpf_insn *insns;
    size_t n, cap;
};

static size_t emit(struct prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 64;
        p->insns = xrealloc(p->insns, p->cap * sizeof(*p->insns));
    }
    p->insns[p->n] = (struct bpf_insn){
        .code = code, .dst_reg = dst & 0xf, .src_reg = src & 0xf, .off = off, .imm = imm};
    return p->n++;
}

static uint32_t access_mask(const char *access)
{
    uint32_t m = 0;

    if (access[0] == '\0')
        return BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD;
    for (const char *a = access; *a != '\0'; a++) {
        if (*a == 'r')
            m |= BPF_DEVCG_ACC_READ;
        else if (*a == 'w')
            m |= BPF_DEVCG_ACC_WRITE;
        else if (*a == 'm')
            m |= BPF_DEVCG_ACC_MKNOD;
    }
    return m;
}

/* Emits one rule: a chain of "if not matching, jump past this rule"
 * tests, then the verdict. */
static void emit_rule(struct prog *p, const struct hull_device_rule *r)
{
    const uint32_t all = BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD;
    size_t jumps[4], nj = 0;
    uint32_t acc = access_mask(r->access);

    if (r->type != 'a') {
        int32_t type = r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR;
        jumps[nj++] = emit(p, BPF_JMP32 | BPF_JNE | BPF_K, R2, 0, 0, type);
        if (acc != all) {
            /* An allow rule covers a request whose access it fully
             * contains; a deny rule hits a request asking for any of its
             * access, as v1 decides. */
            emit(p, BPF_ALU | BPF_MOV | BPF_X, R0, R3, 0, 0);
            emit(p, BPF_ALU | BPF_AND | BPF_K, R0, 0, 0, (int32_t)(r->allow ? all & ~acc : acc));
            jumps[nj++] = emit(p, BPF_JMP32 | (r->allow ? BPF_JNE : BPF_JEQ) | BPF_K, R0, 0, 0, 0);
        }
        if (r->major >= 0)
            jumps[nj++] =
                emit(p, BPF_JMP32 | BPF_JNE | BPF_K, R4, 0, 0, (int32_t)(uint32_t)r->major);
        if (r->minor >= 0)
            jumps[nj++] =
                emit(p, BPF_JMP32 | BPF_JNE | BPF_K, R5, 0, 0, (int32_t)(uint32_t)r->minor);
    }
    emit(p, BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, r->allow ? 1 : 0);
    emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
    for (size_t i = 0; i < nj; i++)
        p->insns[jumps[i]].off = (int16_t)(p->n - jumps[i] - 1);
}

static void build(const struct hull_device_rule *rules, size_t n, struct prog *p)
{
    emit(p, BPF_LDX | BPF_W | BPF_MEM, R2, R1, offsetof(struct bpf_cgroup_dev_ctx, access_type), 0);
    emit(p, BPF_ALU | BPF_MOV | BPF_X, R3, R2, 0, 0);
    emit(p, BPF_ALU | BPF_AND | BPF_K, R2, 0, 0, 0xffff);
    emit(p, BPF_ALU | BPF_RSH | BPF_K, R3, 0, 0, 16);
    emit(p, BPF_LDX | BPF_W | BPF_MEM, R4, R1, offsetof(struct bpf_cgroup_dev_ctx, major), 0);
    emit(p, BPF_LDX | BPF_W | BPF_MEM, R5, R1, offsetof(struct bpf_cgroup_dev_ctx, minor), 0);
    for (size_t i = n; i > 0; i--) {
        emit_rule(p, &rules[i - 1]);
        if (rules[i - 1].type == 'a')
            return;
    }
    emit(p, BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, 0);
    emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

static long sys_bpf(int cmd, union bpf_attr *attr)
{
    return syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

/* Loads the program; on a verifier refusal the verifier's log is part of
 * the error, since that is the only account of what it disliked. */
static int load(const struct prog *p, hull_error **err)
{
    const size_t log_size = 1 << 16;
    _cleanup_free_ char *vlog = NULL;
    union bpf_attr attr;
    int fd;

    memset(&attr, 0, sizeof(attr));
    attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    attr.insns = (uint64_t)(uintptr_t)p->insns;
    attr.insn_cnt = (uint32_t)p->n;
    attr.license = (uint64_t)(uintptr_t) "Apache-2.0";
    fd = (int)sys_bpf(BPF_PROG_LOAD, &attr);
    if (fd >= 0)
        return fd;
    if (errno != EINVAL && errno != EACCES)
        return hull_err(err, errno, "load the device eBPF program");
    vlog = xmalloc0(log_size);
    attr.log_buf = (uint64_t)(uintptr_t)vlog;
    attr.log_size = (uint32_t)log_size;
    attr.log_level = 1;
    fd = (int)sys_bpf(BPF_PROG_LOAD, &attr);
    if (fd >= 0)
        return fd;
    return hull_err(err, errno, "load the device eBPF program (verifier: %s)", vlog);
}

/* Ids of the device programs attached to the cgroup itself (not those
 * inherited from its ancestors). */
static int query(int cgroup_fd, uint32_t **ids, uint32_t *n, hull_error **err)
{
    uint32_t cap = 16;

    for (;;) {
        union bpf_attr attr;
        *ids = xrealloc(*ids, cap * sizeof(uint32_t));
        memset(&attr, 0, sizeof(attr));
        attr.query.target_fd = (uint32_t)cgroup_fd;
        attr.query.attach_type = BPF_CGROUP_DEVICE;
        attr.query.prog_ids = (uint64_t)(uintptr_t)*ids;
        attr.query.prog_cnt = cap;
        if (sys_bpf(BPF_PROG_QUERY, &attr) == 0) {
            *n = attr.query.prog_cnt;
            return 0;
        }
        if (errno != ENOSPC || cap >= 4096)
            return hull_err(err, errno, "list the device eBPF programs of the cgroup");
        cap *= 4;
    }
}

static int detach(int cgroup_fd, uint32_t id, hull_error **err)
{
    union bpf_attr attr;
    _cleanup_close_ int fd = -1;

    memset(&attr, 0, sizeof(attr));
    attr.prog_id = id;
    fd = (int)sys_bpf(BPF_PROG_GET_FD_BY_ID, &attr);
    if (fd < 0)
        return errno == ENOENT ? 0 : hull_err(err, errno, "open device eBPF program %u", id);
    memset(&attr, 0, sizeof(attr));
    attr.target_fd = (uint32_t)cgroup_fd;
    attr.attach_bpf_fd = (uint32_t)fd;
    attr.attach_type = BPF_CGROUP_DEVICE;
    if (sys_bpf(BPF_PROG_DETACH, &attr) < 0 && errno != ENOENT)
        return hull_err(err, errno, "detach device eBPF program %u", id);
    return 0;
}

int cg_bpf_devices_set(int cgroup_fd, const struct hull_device_rule *rules, size_t n,
                       hull_error **err)
{
    struct prog p = {0};
    _cleanup_free_ uint32_t *old = NULL;
    _cleanup_close_ int prog_fd = -1;
    uint32_t n_old = 0;
    union bpf_attr attr;

    build(rules, n, &p);
    prog_fd = load(&p, err);
    free(p.insns);
    if (prog_fd < 0 || query(cgroup_fd, &old, &n_old, err) < 0)
        return -1;
    /* The new program goes in before the old ones leave: while both are
     * attached a device needs both to allow it, so there is no moment
     * when the cgroup is less restricted than either set of rules. */
    memset(&attr, 0, sizeof(attr));
    attr.target_fd = (uint32_t)cgroup_fd;
    attr.attach_bpf_fd = (uint32_t)prog_fd;
    attr.attach_type = BPF_CGROUP_DEVICE;
    attr.attach_flags = BPF_F_ALLOW_MULTI;
    if (sys_bpf(BPF_PROG_ATTACH, &attr) < 0)
        return hull_err(err, errno, "attach the device eBPF program");
    for (uint32_t i = 0; i < n_old; i++)
        if (detach(cgroup_fd, old[i], err) < 0)
            return -1;
    return 0;
}
