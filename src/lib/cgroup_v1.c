/* Writing linux.resources to the cgroup v1 hierarchies.
 *
 * Each controller has its own directory; limits are written in an order
 * the kernel accepts from whatever the current values are (memory+swap
 * must stay >= memory, a CFS burst <= its quota, rt runtime <= period), with
 * the opposite order tried when the first is refused. */
#include "cgroup_internal.h"
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define F "linux.resources."

struct v1_dir {
    int fd;
    char *dir;
};

static void v1_dir_clear(struct v1_dir *d)
{
    closep(&d->fd);
    free(d->dir);
    d->dir = NULL;
}
#define _cleanup_v1_dir_ __attribute__((cleanup(v1_dir_clear)))

static int open_ctrl(const struct cg_layout *l, enum cg_ctrl c, const char *path, const char *field,
                     struct v1_dir *d, hull_error **err)
{
    const struct cg_hierarchy *h = cg_layout_find(l, c);

    if (h == NULL)
        return cg_need(l, c, field, err);
    d->dir = cg_hier_dir(h, path);
    d->fd = cg_open_dir(d->dir, err);
    return d->fd < 0 ? -1 : 0;
}

/* Writes one value and names FIELD in the error. */
static int put(const struct v1_dir *d, const char *file, const char *field, hull_error **err,
               const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int put(const struct v1_dir *d, const char *file, const char *field, hull_error **err,
               const char *fmt, ...)
{
    va_list ap;
    _cleanup_free_ char *value = NULL;

    va_start(ap, fmt);
    value = xvasprintf(fmt, ap);
    va_end(ap);
    if (cg_write(d->fd, d->dir, file, value, err) < 0)
        return hull_err_wrap(err, "%s", field);
    return 0;
}

struct knob {
    const char *file, *field;
    char value[32];
    bool set;
};

static int write_knobs(const struct v1_dir *d, const struct knob *k, size_t n, bool reverse,
                       hull_error **err)
{
    for (size_t i = 0; i < n; i++) {
        const struct knob *x = &k[reverse ? n - 1 - i : i];
        if (x->set && put(d, x->file, x->field, err, "%s", x->value) < 0)
            return -1;
    }
    return 0;
}

/* Writes K in order, and when the kernel refuses a value as out of range
 * for the current state (EINVAL), in the opposite order. */
static int write_knobs_either_order(const struct v1_dir *d, const struct knob *k, size_t n,
                                    hull_error **err)
{
    _cleanup_error_ hull_error *first = NULL;

    if (write_knobs(d, k, n, false, &first) == 0)
        return 0;
    if (first->errnum == EINVAL && write_knobs(d, k, n, true, err) == 0)
        return 0;
    if (err != NULL) {
        hull_error_free(*err);
        *err = take_ptr(first);
    }
    return -1;
}

static void knob_i64(struct knob *k, const char *file, const char *field, int64_t v)
{
    *k = (struct knob){.file = file, .field = field, .set = true};
    snprintf(k->value, sizeof(k->value), "%lld", (long long)v);
}

static int v1_devices(const struct cg_layout *l, const char *path, const struct hull_resources *r,
                      hull_error **err)
{
    _cleanup_v1_dir_ struct v1_dir d = {.fd = -1};

    if (r->n_devices == 0)
        return 0;
    if (open_ctrl(l, CG_DEVICES, path, F "devices", &d, err) < 0)
        return -1;
    /* OCI rules start from "nothing allowed" and apply in order, later
     * rules overriding earlier ones; v1's devices.allow/deny behave that
     * way when written in sequence (a config that starts with denying
     * all says so itself). */
    if ((r->devices[0].allow || r->devices[0].type != 'a') &&
        put(&d, "devices.deny", F "devices", err, "a") < 0)
        return -1;
    for (size_t i = 0; i < r->n_devices; i++) {
        const struct hull_device_rule *rule = &r->devices[i];
        char text[80];
        _cleanup_free_ char *field = xasprintf(F "devices[%zu]", i);
        cg_format_device_rule(rule, text, sizeof(text));
        if (put(&d, rule->allow ? "devices.allow" : "devices.deny", field, err, "%s", text) < 0)
            return -1;
    }
    return 0;
}

/* Memory and memory+swap limits: raise memsw first when the new value is
 * above the current memory limit, otherwise lower the memory limit first. */
static int v1_memory_limits(const struct v1_dir *d, int64_t limit, int64_t swap, hull_error **err)
{
    struct knob k[2] = {0};
    uint64_t cur;

    if (limit != 0)
        knob_i64(&k[0], "memory.limit_in_bytes", F "memory.limit", limit);
    if (swap != 0)
        knob_i64(&k[1], "memory.memsw.limit_in_bytes", F "memory.swap", swap);
    if (limit != 0 && swap != 0) {
        if (cg_read_u64(d->fd, d->dir, "memory.limit_in_bytes", &cur, err) < 0)
            return -1;
        if (swap == -1 || (uint64_t)swap > cur) {
            struct knob t = k[0];
            k[0] = k[1];
            k[1] = t;
        }
    }
    return write_knobs_either_order(d, k, 2, err);
}

static int check_usage(const struct v1_dir *d, int64_t limit, hull_error **err)
{
    uint64_t usage;

    if (cg_read_u64(d->fd, d->dir, "memory.usage_in_bytes", &usage, err) < 0)
        return -1;
    if (limit > 0 && usage >= (uint64_t)limit)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             F "memory.limit: %lld is not above the current usage %llu "
                               "(memory.checkBeforeUpdate is set)",
                             (long long)limit, (unsigned long long)usage);
    return 0;
}

static int v1_memory(const struct cg_layout *l, const char *path, const struct hull_resources *r,
                     bool update, hull_error **err)
{
    const typeof(r->memory) *m = &r->memory;
    _cleanup_v1_dir_ struct v1_dir d = {.fd = -1};
    int64_t limit = m->has_limit ? m->limit : 0, swap = m->has_swap ? m->swap : 0;
    int64_t reservation = m->has_reservation ? m->reservation : 0;

    if (limit == 0 && swap == 0 && reservation == 0 && !m->has_swappiness &&
        !m->has_disable_oom_killer && !m->has_use_hierarchy)
        return 0;
    if (open_ctrl(l, CG_MEMORY, path, F "memory", &d, err) < 0)
        return -1;
    if (update && m->check_before_update && limit > 0 && check_usage(&d, limit, err) < 0)
        return -1;
    if (!cg_exists(d.fd, "memory.memsw.limit_in_bytes")) {
        /* Without swap accounting an unlimited memsw is what the kernel
         * already does; a finite one was refused by the check. */
        if (swap > 0)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 F "memory.swap: swap accounting is not enabled on this host");
        swap = 0;
    } else if (limit == -1 && swap == 0) {
        /* An unlimited memory limit cannot sit above a finite memsw one. */
        swap = -1;
    }
    if (v1_memory_limits(&d, limit, swap, err) < 0)
        return -1;
    if (reservation != 0 && put(&d, "memory.soft_limit_in_bytes", F "memory.reservation", err,
                                "%lld", (long long)reservation) < 0)
        return -1;
    if (m->has_swappiness && put(&d, "memory.swappiness", F "memory.swappiness", err, "%llu",
                                 (unsigned long long)m->swappiness) < 0)
        return -1;
    if (m->has_disable_oom_killer && put(&d, "memory.oom_control", F "memory.disableOOMKiller", err,
                                         "%d", m->disable_oom_killer ? 1 : 0) < 0)
        return -1;
    if (m->has_use_hierarchy && put(&d, "memory.use_hierarchy", F "memory.useHierarchy", err, "%d",
                                    m->use_hierarchy ? 1 : 0) < 0)
        return -1;
    return 0;
}

/* cpu.shares is clamped by the kernel without an error; reading it back
 * turns the clamp into one. */
static int v1_shares(const struct v1_dir *d, uint64_t shares, hull_error **err)
{
    uint64_t got;

    if (put(d, "cpu.shares", F "cpu.shares", err, "%llu", (unsigned long long)shares) < 0 ||
        cg_read_u64(d->fd, d->dir, "cpu.shares", &got, err) < 0)
        return -1;
    if (got != shares)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             F "cpu.shares: the kernel clamped %llu to %llu (its range is "
                               "2..262144)",
                             (unsigned long long)shares, (unsigned long long)got);
    return 0;
}

static int v1_cpu(const struct cg_layout *l, const char *path, const struct hull_resources *r,
                  hull_error **err)
{
    const typeof(r->cpu) *c = &r->cpu;
    _cleanup_v1_dir_ struct v1_dir d = {.fd = -1};
    struct knob bw[3] = {0}, rt[2] = {0};

    if (c->has_period && c->period != 0)
        knob_i64(&bw[0], "cpu.cfs_period_us", F "cpu.period", (int64_t)c->period);
    if (c->has_quota && c->quota != 0)
        knob_i64(&bw[1], "cpu.cfs_quota_us", F "cpu.quota", c->quota);
    if (c->has_burst)
        knob_i64(&bw[2], "cpu.cfs_burst_us", F "cpu.burst", (int64_t)c->burst);
    if (c->has_realtime_period && c->realtime_period != 0)
        knob_i64(&rt[0], "cpu.rt_period_us", F "cpu.realtimePeriod", (int64_t)c->realtime_period);
    if (c->has_realtime_runtime && c->realtime_runtime != 0)
        knob_i64(&rt[1], "cpu.rt_runtime_us", F "cpu.realtimeRuntime", c->realtime_runtime);
    if (!(c->has_shares && c->shares != 0) && !bw[0].set && !bw[1].set && !bw[2].set &&
        !rt[0].set && !rt[1].set && !c->has_idle)
        return 0;
    if (open_ctrl(l, CG_CPU, path, F "cpu", &d, err) < 0)
        return -1;
    if (c->has_shares && c->shares != 0 && v1_shares(&d, c->shares, err) < 0)
        return -1;
    if (write_knobs_either_order(&d, bw, 3, err) < 0 ||
        write_knobs_either_order(&d, rt, 2, err) < 0)
        return -1;
    if (c->has_idle && put(&d, "cpu.idle", F "cpu.idle", err, "%lld", (long long)c->idle) < 0)
        return -1;
    return 0;
}

static int v1_cpuset(const struct cg_layout *l, const char *path, const struct hull_resources *r,
                     hull_error **err)
{
    _cleanup_v1_dir_ struct v1_dir d = {.fd = -1};

    if (r->cpu.cpus == NULL && r->cpu.mems == NULL)
        return 0;
    if (open_ctrl(l, CG_CPUSET, path, F "cpu.cpus", &d, err) < 0)
        return -1;
    if (r->cpu.mems != NULL && put(&d, "cpuset.mems", F "cpu.mems", err, "%s", r->cpu.mems) < 0)
        return -1;
    if (r->cpu.cpus != NULL && put(&d, "cpuset.cpus", F "cpu.cpus", err, "%s", r->cpu.cpus) < 0)
        return -1;
    return 0;
}

int cg_v1_cpuset_inherit(int parent_fd, int dfd, const char *dir, hull_error **err)
{
    static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
    _cleanup_free_ char *parent_dir = xasprintf("%s/..", dir);

    for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
        _cleanup_free_ char *own = NULL, *parent = NULL;
        if (cg_read(dfd, dir, files[i], &own, err) < 0)
            return -1;
        if (own[0] != '\0')
            continue;
        if (cg_read(parent_fd, parent_dir, files[i], &parent, err) < 0 ||
            cg_write(dfd, dir, files[i], parent, err) < 0)
            return hull_err_wrap(err, "inherit %s", files[i]);
    }
    return 0;
}

static int v1_pids(const struct cg_layout *l, const char *path, const struct hull_resources *r,
                   hull_error **err)
{
    _cleanup_v1_dir_ struct v1_dir d = {.fd = -1};

    if (!r->pids.has_limit || r->pids.limit == 0)
        return 0;
    if (open_ctrl(l, CG_PIDS, path, F "pids", &d, err) < 0)
        return -1;
    if (r->pids.limit < 0)
        return put(&d, "pids.max", F "pids.limit", err, "max");
    return put(&d, "pids.max", F "pids.limit", err, "%lld", (long long)r->pids.limit);
}

/* CFQ had blkio.weight; BFQ, its successor, names it blkio.bfq.weight. */
static const char *weight_file(const struct v1_dir *d, bool per_device)
{
    if (cg_exists(d->fd, per_device ? "blkio.weight_device" : "blkio.weight"))
        return per_device ? "blkio.weight_device" : "blkio.weight";
    if (cg_exists(d->fd, per_device ? "blkio.bfq.weight_device" : "blkio.bfq.weight"))
        return per_device ? "blkio.bfq.weight_device" : "blkio.bfq.weight";
    return NULL;
}

static int v1_throttle(const struct v1_dir *d, const char *file, const char *field,
                       const struct hull_throttle_device *t, size_t n, hull_error **err)
{
    for (size_t i = 0; i < n; i++)
        if (put(d, file, field, err, "%lld:%lld %llu", (long long)t[i].major, (long long)t[i].minor,
                (unsigned long long)t[i].rate) < 0)
            return -1;
    return 0;
}

static int v1_weights(const struct v1_dir *d, const struct hull_resources *r, hull_error **err)
{
    const typeof(r->block_io) *b = &r->block_io;
    const char *wf = weight_file(d, false), *wdf = weight_file(d, true);

    if ((b->has_weight || b->n_weight_device > 0) && (wf == NULL || wdf == NULL))
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             F "blockIO.weight: the I/O scheduler offers no weights (no "
                               "blkio.weight or blkio.bfq.weight in \"%s\")",
                             d->dir);
    if (b->has_weight && put(d, wf, F "blockIO.weight", err, "%u", b->weight) < 0)
        return -1;
    if (b->has_leaf_weight &&
        put(d, "blkio.leaf_weight", F "blockIO.leafWeight", err, "%u", b->leaf_weight) < 0)
        return -1;
    for (size_t i = 0; i < b->n_weight_device; i++) {
        const struct hull_weight_device *w = &b->weight_device[i];
        if (w->has_weight && put(d, wdf, F "blockIO.weightDevice", err, "%lld:%lld %u",
                                 (long long)w->major, (long long)w->minor, w->weight) < 0)
            return -1;
        if (w->has_leaf_weight &&
            put(d, "blkio.leaf_weight_device", F "blockIO.weightDevice", err, "%lld:%lld %u",
                (long long)w->major, (long long)w->minor, w->leaf_weight) < 0)
            return -1;
    }
    return 0;
}

static int v1_blkio(const struct cg_layout *l, const char *path, const struct hull_resources *r,
                    hull_error **err)
{
    const typeof(r->block_io) *b = &r->block_io;
    _cleanup_v1_dir_ struct v1_dir d = {.fd = -1};

    if (!b->has_weight && !b->has_leaf_weight && b->n_weight_device == 0 &&
        b->n_throttle_read_bps + b->n_throttle_write_bps + b->n_throttle_read_iops +
                b->n_throttle_write_iops ==
            0)
        return 0;
    if (open_ctrl(l, CG_BLKIO, path, F "blockIO", &d, err) < 0 || v1_weights(&d, r, err) < 0)
        return -1;
    if (v1_throttle(&d, "blkio.throttle.read_bps_device", F "blockIO.throttleReadBpsDevice",
                    b->throttle_read_bps, b->n_throttle_read_bps, err) < 0 ||
        v1_throttle(&d, "blkio.throttle.write_bps_device", F "blockIO.throttleWriteBpsDevice",
                    b->throttle_write_bps, b->n_throttle_write_bps, err) < 0 ||
        v1_throttle(&d, "blkio.throttle.read_iops_device", F "blockIO.throttleReadIOPSDevice",
                    b->throttle_read_iops, b->n_throttle_read_iops, err) < 0 ||
        v1_throttle(&d, "blkio.throttle.write_iops_device", F "blockIO.throttleWriteIOPSDevice",
                    b->throttle_write_iops, b->n_throttle_write_iops, err) < 0)
        return -1;
    return 0;
}

static int v1_hugetlb(const struct cg_layout *l, const char *path, const struct hull_resources *r,
                      hull_error **err)
{
    _cleanup_v1_dir_ struct v1_dir d = {.fd = -1};

    if (r->n_hugepage_limits == 0)
        return 0;
    if (open_ctrl(l, CG_HUGETLB, path, F "hugepageLimits", &d, err) < 0)
        return -1;
    for (size_t i = 0; i < r->n_hugepage_limits; i++) {
        const struct hull_hugepage_limit *h = &r->hugepage_limits[i];
        _cleanup_free_ char *file = xasprintf("hugetlb.%s.limit_in_bytes", h->page_size);
        _cleanup_free_ char *rsvd = xasprintf("hugetlb.%s.rsvd.limit_in_bytes", h->page_size);
        _cleanup_free_ char *field = xasprintf(F "hugepageLimits[%zu]", i);
        if (put(&d, file, field, err, "%llu", (unsigned long long)h->limit) < 0)
            return -1;
        /* Reservations (Linux 5.7) count pages before they are faulted
         * in; limiting both keeps a mmap from reserving past the limit. */
        if (cg_exists(d.fd, rsvd) &&
            put(&d, rsvd, field, err, "%llu", (unsigned long long)h->limit) < 0)
            return -1;
    }
    return 0;
}

static int v1_network(const struct cg_layout *l, const char *path, const struct hull_resources *r,
                      hull_error **err)
{
    if (r->network.has_class_id) {
        _cleanup_v1_dir_ struct v1_dir d = {.fd = -1};
        if (open_ctrl(l, CG_NET_CLS, path, F "network.classID", &d, err) < 0 ||
            put(&d, "net_cls.classid", F "network.classID", err, "%u", r->network.class_id) < 0)
            return -1;
    }
    if (r->network.n_priorities > 0) {
        _cleanup_v1_dir_ struct v1_dir d = {.fd = -1};
        if (open_ctrl(l, CG_NET_PRIO, path, F "network.priorities", &d, err) < 0)
            return -1;
        for (size_t i = 0; i < r->network.n_priorities; i++) {
            const struct hull_net_priority *p = &r->network.priorities[i];
            if (put(&d, "net_prio.ifpriomap", F "network.priorities", err, "%s %u", p->name,
                    p->priority) < 0)
                return -1;
        }
    }
    return 0;
}

int cg_v1_apply(const struct cg_layout *l, const char *path, const struct hull_resources *res,
                bool update, hull_error **err)
{
    if (v1_cpuset(l, path, res, err) < 0 || v1_devices(l, path, res, err) < 0 ||
        v1_memory(l, path, res, update, err) < 0 || v1_cpu(l, path, res, err) < 0 ||
        v1_pids(l, path, res, err) < 0 || v1_blkio(l, path, res, err) < 0 ||
        v1_hugetlb(l, path, res, err) < 0 || v1_network(l, path, res, err) < 0)
        return -1;
    return 0;
}
