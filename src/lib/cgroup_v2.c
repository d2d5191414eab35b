/* Writing linux.resources to a cgroup v2 directory.
 *
 * The OCI fields were designed for v1; they are converted as runc and crun
 * convert them, so one config gives the same container on either kind of
 * host:
 *   cpu.shares 2..262144      -> cpu.weight 1..10000 (linear)
 *   blockIO weight 10..1000   -> io.weight 1..10000 (io.bfq.weight takes
 *                                the v1 value as it is)
 *   memory.swap (memory+swap) -> memory.swap.max = swap - limit
 *   cpu.quota/period          -> cpu.max "QUOTA PERIOD"
 * Devices have no files on v2: an eBPF program guards them
 * (cgroup_bpf.c). */
#include "cgroup_internal.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define F "linux.resources."

static int put(int dfd, const char *dir, const char *file, const char *field, hull_error **err,
               const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static int put(int dfd, const char *dir, const char *file, const char *field, hull_error **err,
               const char *fmt, ...)
{
    va_list ap;
    _cleanup_free_ char *value = NULL;

    va_start(ap, fmt);
    value = xvasprintf(fmt, ap);
    va_end(ap);
    if (cg_write(dfd, dir, file, value, err) < 0)
        return hull_err_wrap(err, "%s", field);
    return 0;
}

uint32_t cg_v2_needed(const struct hull_resources *r)
{
    uint32_t m = 0;

    if ((r->memory.has_limit && r->memory.limit != 0) ||
        (r->memory.has_reservation && r->memory.reservation != 0) ||
        (r->memory.has_swap && r->memory.swap != 0))
        m |= CG_BIT(CG_MEMORY);
    if ((r->cpu.has_shares && r->cpu.shares != 0) || (r->cpu.has_quota && r->cpu.quota != 0) ||
        (r->cpu.has_period && r->cpu.period != 0) || r->cpu.has_burst || r->cpu.has_idle)
        m |= CG_BIT(CG_CPU);
    if (r->cpu.cpus != NULL || r->cpu.mems != NULL)
        m |= CG_BIT(CG_CPUSET);
    if (r->pids.has_limit && r->pids.limit != 0)
        m |= CG_BIT(CG_PIDS);
    if (r->block_io.has_weight || r->block_io.n_weight_device > 0 ||
        r->block_io.n_throttle_read_bps + r->block_io.n_throttle_write_bps +
                r->block_io.n_throttle_read_iops + r->block_io.n_throttle_write_iops >
            0)
        m |= CG_BIT(CG_IO);
    if (r->n_hugepage_limits > 0)
        m |= CG_BIT(CG_HUGETLB);
    for (size_t i = 0; i < r->n_unified; i++) {
        const char *dot = strchr(r->unified[i].key, '.');
        _cleanup_free_ char *prefix =
            dot ? xstrndup(r->unified[i].key, (size_t)(dot - r->unified[i].key)) : NULL;
        int c = prefix ? cg_ctrl_from_name(prefix) : -1;
        if (c >= 0)
            m |= CG_BIT(c);
    }
    return m;
}

static bool word_in(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; (p = strstr(p, word)) != NULL; p += n)
        if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0' || p[n] == '\n'))
            return true;
    return false;
}

int cg_v2_enable_controllers(int parent_fd, const char *parent_dir, uint32_t needed,
                             hull_error **err)
{
    _cleanup_free_ char *offered = NULL, *enabled = NULL;

    if (cg_read(parent_fd, parent_dir, "cgroup.controllers", &offered, err) < 0 ||
        cg_read(parent_fd, parent_dir, "cgroup.subtree_control", &enabled, err) < 0)
        return -1;
    /* All of them, not only those this config needs: a later update may
     * set any limit, and enabling needs the parent to hold no process,
     * which only holds now. */
    for (int c = 0; c < CG_CTRL_COUNT; c++) {
        const char *name = cg_ctrl_name((enum cg_ctrl)c);
        _cleanup_error_ hull_error *e = NULL;
        if (!word_in(offered, name) && (needed & CG_BIT(c)))
            return hull_err(err, 0, "the %s controller is not offered by \"%s\"", name, parent_dir);
        if (!word_in(offered, name) || word_in(enabled, name))
            continue;
        if (cg_writef(parent_fd, parent_dir, "cgroup.subtree_control", &e, "+%s", name) == 0)
            continue;
        if (needed & CG_BIT(c)) {
            if (err != NULL) {
                hull_error_free(*err);
                *err = take_ptr(e);
            }
            return hull_err_wrap(err, "enable the %s controller", name);
        }
        hull_debug("enable the %s controller in \"%s\": %s", name, parent_dir, e->msg);
    }
    return 0;
}

static int check_usage(int dfd, const char *dir, int64_t limit, hull_error **err)
{
    uint64_t usage;

    if (cg_read_u64(dfd, dir, "memory.current", &usage, err) < 0)
        return -1;
    if (limit > 0 && usage >= (uint64_t)limit)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             F "memory.limit: %lld is not above the current usage %llu "
                               "(memory.checkBeforeUpdate is set)",
                             (long long)limit, (unsigned long long)usage);
    return 0;
}

static void limit_str(int64_t v, char *buf, size_t len)
{
    if (v < 0)
        snprintf(buf, len, "max");
    else
        snprintf(buf, len, "%lld", (long long)v);
}

static int v2_memory(int dfd, const char *dir, const struct hull_resources *r, bool update,
                     hull_error **err)
{
    const typeof(r->memory) *m = &r->memory;
    int64_t limit = m->has_limit ? m->limit : 0, swap = m->has_swap ? m->swap : 0;
    int64_t reservation = m->has_reservation ? m->reservation : 0, v2_swap = 0;
    char buf[32];

    if (update && m->check_before_update && limit > 0 && check_usage(dfd, dir, limit, err) < 0)
        return -1;
    if ((limit == -1 && swap == 0) || swap == -1)
        v2_swap = -1;
    else if (swap > 0)
        v2_swap = swap - limit; /* the check made sure limit > 0 and swap >= limit */
    if (swap != 0 || limit == -1) {
        if (!cg_exists(dfd, "memory.swap.max")) {
            if (v2_swap != -1)
                return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                     F "memory.swap: swap accounting is not enabled on this "
                                       "host (no memory.swap.max)");
        } else {
            limit_str(v2_swap, buf, sizeof(buf));
            if (put(dfd, dir, "memory.swap.max", F "memory.swap", err, "%s", buf) < 0)
                return -1;
        }
    }
    if (limit != 0) {
        limit_str(limit, buf, sizeof(buf));
        if (put(dfd, dir, "memory.max", F "memory.limit", err, "%s", buf) < 0)
            return -1;
    }
    if (reservation != 0) {
        limit_str(reservation, buf, sizeof(buf));
        if (put(dfd, dir, "memory.low", F "memory.reservation", err, "%s", buf) < 0)
            return -1;
    }
    return 0;
}

/* cpu.max always holds both numbers; the one the config leaves out keeps
 * its current value. */
static int cpu_max_value(int dfd, const char *dir, const struct hull_resources *r, char **out,
                         hull_error **err)
{
    _cleanup_free_ char *cur = NULL;
    char quota[32];

    if (r->cpu.has_quota && r->cpu.quota != 0) {
        limit_str(r->cpu.quota, quota, sizeof(quota));
    } else {
        if (cg_read(dfd, dir, "cpu.max", &cur, err) < 0)
            return -1;
        snprintf(quota, sizeof(quota), "%.*s", (int)strcspn(cur, " "), cur);
    }
    if (r->cpu.has_period && r->cpu.period != 0)
        *out = xasprintf("%s %llu", quota, (unsigned long long)r->cpu.period);
    else
        *out = xstrdup(quota);
    return 0;
}

static int write_bandwidth(int dfd, const char *dir, const char *max,
                           const struct hull_resources *r, bool burst_first, hull_error **err)
{
    bool burst = r->cpu.has_burst;

    if (burst && burst_first &&
        put(dfd, dir, "cpu.max.burst", F "cpu.burst", err, "%llu",
            (unsigned long long)r->cpu.burst) < 0)
        return -1;
    if (max != NULL && put(dfd, dir, "cpu.max", F "cpu.quota", err, "%s", max) < 0)
        return -1;
    if (burst && !burst_first &&
        put(dfd, dir, "cpu.max.burst", F "cpu.burst", err, "%llu",
            (unsigned long long)r->cpu.burst) < 0)
        return -1;
    return 0;
}

static int v2_cpu_bandwidth(int dfd, const char *dir, const struct hull_resources *r,
                            hull_error **err)
{
    _cleanup_free_ char *max = NULL;
    _cleanup_error_ hull_error *first = NULL;
    bool bw = (r->cpu.has_quota && r->cpu.quota != 0) || (r->cpu.has_period && r->cpu.period != 0);

    if (bw && cpu_max_value(dfd, dir, r, &max, err) < 0)
        return -1;
    /* The burst must stay within the quota: lowering both works burst
     * first, raising both quota first. */
    if (write_bandwidth(dfd, dir, max, r, false, &first) == 0)
        return 0;
    if (first->errnum == EINVAL && max != NULL && r->cpu.has_burst &&
        write_bandwidth(dfd, dir, max, r, true, err) == 0)
        return 0;
    if (err != NULL) {
        hull_error_free(*err);
        *err = take_ptr(first);
    }
    return -1;
}

static int v2_cpu(int dfd, const char *dir, const struct hull_resources *r, hull_error **err)
{
    const typeof(r->cpu) *c = &r->cpu;

    if (c->has_shares && c->shares != 0) {
        uint64_t weight = 1 + ((c->shares - 2) * 9999) / 262142;
        if (put(dfd, dir, "cpu.weight", F "cpu.shares", err, "%llu", (unsigned long long)weight) <
            0)
            return -1;
    }
    if (v2_cpu_bandwidth(dfd, dir, r, err) < 0)
        return -1;
    if (c->has_idle && put(dfd, dir, "cpu.idle", F "cpu.idle", err, "%lld", (long long)c->idle) < 0)
        return -1;
    if (c->mems != NULL && put(dfd, dir, "cpuset.mems", F "cpu.mems", err, "%s", c->mems) < 0)
        return -1;
    if (c->cpus != NULL && put(dfd, dir, "cpuset.cpus", F "cpu.cpus", err, "%s", c->cpus) < 0)
        return -1;
    return 0;
}

static int v2_io_max(int dfd, const char *dir, const char *key, const char *field,
                     const struct hull_throttle_device *t, size_t n, hull_error **err)
{
    for (size_t i = 0; i < n; i++) {
        char rate[32];
        limit_str(t[i].rate == 0 ? -1 : (int64_t)t[i].rate, rate, sizeof(rate));
        if (put(dfd, dir, "io.max", field, err, "%lld:%lld %s=%s", (long long)t[i].major,
                (long long)t[i].minor, key, rate) < 0)
            return -1;
    }
    return 0;
}

static int v2_io(int dfd, const char *dir, const struct hull_resources *r, hull_error **err)
{
    const typeof(r->block_io) *b = &r->block_io;
    bool bfq = cg_exists(dfd, "io.bfq.weight");
    const char *wf = bfq ? "io.bfq.weight" : "io.weight";

    if ((b->has_weight || b->n_weight_device > 0) && !bfq && !cg_exists(dfd, "io.weight"))
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             F "blockIO.weight: the I/O scheduler offers no weights (no io.weight "
                               "or io.bfq.weight in \"%s\")",
                             dir);
    if (b->has_weight) {
        uint64_t w = bfq ? b->weight : 1 + ((uint64_t)b->weight - 10) * 9999 / 990;
        if (put(dfd, dir, wf, F "blockIO.weight", err, "%llu", (unsigned long long)w) < 0)
            return -1;
    }
    for (size_t i = 0; i < b->n_weight_device; i++) {
        const struct hull_weight_device *d = &b->weight_device[i];
        uint64_t w = bfq ? d->weight : 1 + ((uint64_t)d->weight - 10) * 9999 / 990;
        if (d->has_weight &&
            put(dfd, dir, wf, F "blockIO.weightDevice", err, "%lld:%lld %llu", (long long)d->major,
                (long long)d->minor, (unsigned long long)w) < 0)
            return -1;
    }
    if (v2_io_max(dfd, dir, "rbps", F "blockIO.throttleReadBpsDevice", b->throttle_read_bps,
                  b->n_throttle_read_bps, err) < 0 ||
        v2_io_max(dfd, dir, "wbps", F "blockIO.throttleWriteBpsDevice", b->throttle_write_bps,
                  b->n_throttle_write_bps, err) < 0 ||
        v2_io_max(dfd, dir, "riops", F "blockIO.throttleReadIOPSDevice", b->throttle_read_iops,
                  b->n_throttle_read_iops, err) < 0 ||
        v2_io_max(dfd, dir, "wiops", F "blockIO.throttleWriteIOPSDevice", b->throttle_write_iops,
                  b->n_throttle_write_iops, err) < 0)
        return -1;
    return 0;
}

static int v2_hugetlb(int dfd, const char *dir, const struct hull_resources *r, hull_error **err)
{
    for (size_t i = 0; i < r->n_hugepage_limits; i++) {
        const struct hull_hugepage_limit *h = &r->hugepage_limits[i];
        _cleanup_free_ char *file = xasprintf("hugetlb.%s.max", h->page_size);
        _cleanup_free_ char *rsvd = xasprintf("hugetlb.%s.rsvd.max", h->page_size);
        _cleanup_free_ char *field = xasprintf(F "hugepageLimits[%zu]", i);
        if (put(dfd, dir, file, field, err, "%llu", (unsigned long long)h->limit) < 0)
            return -1;
        if (cg_exists(dfd, rsvd) &&
            put(dfd, dir, rsvd, field, err, "%llu", (unsigned long long)h->limit) < 0)
            return -1;
    }
    return 0;
}

/* Unified entries go last so they override the converted fields, as the
 * spec intends them for exactly that. */
static int v2_unified(int dfd, const char *dir, const struct hull_resources *r, hull_error **err)
{
    for (size_t i = 0; i < r->n_unified; i++) {
        const struct hull_unified_entry *u = &r->unified[i];
        _cleanup_free_ char *field = xasprintf(F "unified \"%s\"", u->key);
        if (!cg_exists(dfd, u->key))
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 "%s: no such interface file in \"%s\" (is its controller "
                                 "enabled?)",
                                 field, dir);
        if (put(dfd, dir, u->key, field, err, "%s", u->value) < 0)
            return -1;
    }
    return 0;
}

int cg_v2_apply(int dfd, const char *dir, const struct hull_resources *res, bool update,
                hull_error **err)
{
    if (res->n_devices > 0 && cg_bpf_devices_set(dfd, res->devices, res->n_devices, err) < 0)
        return hull_err_wrap(err, F "devices");
    if (v2_memory(dfd, dir, res, update, err) < 0 || v2_cpu(dfd, dir, res, err) < 0 ||
        v2_io(dfd, dir, res, err) < 0 || v2_hugetlb(dfd, dir, res, err) < 0)
        return -1;
    if (res->pids.has_limit && res->pids.limit != 0) {
        char buf[32];
        limit_str(res->pids.limit, buf, sizeof(buf));
        if (put(dfd, dir, "pids.max", F "pids.limit", err, "%s", buf) < 0)
            return -1;
    }
    return v2_unified(dfd, dir, res, err);
}
