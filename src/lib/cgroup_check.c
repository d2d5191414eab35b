/* Checking linux.resources against the host before anything is created.
 *
 * Every field must be honoured or refused: a limit whose controller is
 * missing, a v1-only knob on a v2 host or the other way round is an error
 * naming the field, never a silent skip.  Zero values of the plain limits
 * mean "unset", as runc reads them, since engines write zeros for limits
 * they leave alone.  Checks that need the container's own cgroup directory
 * (files that only exist below the root) are left to the writes. */
#include "cgroup_internal.h"
#include "log.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#define F "linux.resources."

static int unsupported_v2(const char *field, hull_error **err)
{
    return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "%s is not supported on cgroup v2", field);
}

/* Whether the root of controller C's hierarchy has FILE: for v1 knobs
 * that depend on kernel options (memsw, rt, burst) the root shows them. */
static bool root_has(const struct cg_layout *l, enum cg_ctrl c, const char *file)
{
    const struct cg_hierarchy *h = cg_layout_find(l, c);
    _cleanup_free_ char *p = NULL;

    if (h == NULL)
        return false;
    p = xasprintf("%s/%s", h->mountpoint, file);
    return access(p, F_OK) == 0;
}

static int check_devices(const struct cg_layout *l, const struct hull_resources *r,
                         hull_error **err)
{
    if (r->n_devices == 0)
        return 0;
    if (l->mode == HULL_CGROUP_V1 && cg_need(l, CG_DEVICES, F "devices", err) < 0)
        return -1;
    for (size_t i = 0; i < r->n_devices; i++) {
        const struct hull_device_rule *d = &r->devices[i];
        if (d->type != 'a' && d->type != 'c' && d->type != 'b')
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 F "devices[%zu].type: invalid device type \"%c\" (expected "
                                   "\"a\", \"c\" or \"b\")",
                                 i, d->type);
        if (strspn(d->access, "rwm") != strlen(d->access))
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 F "devices[%zu].access: invalid access \"%s\" (expected letters "
                                   "of \"rwm\")",
                                 i, d->access);
        if (d->major < -1 || d->minor < -1 || d->major > UINT32_MAX || d->minor > UINT32_MAX)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 F "devices[%zu]: invalid device number %lld:%lld", i,
                                 (long long)d->major, (long long)d->minor);
    }
    return 0;
}

static int check_limit_value(const char *field, int64_t v, hull_error **err)
{
    if (v < -1)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "%s: invalid value %lld (expected bytes, or -1 for unlimited)", field,
                             (long long)v);
    return 0;
}

static int check_swap(const struct cg_layout *l, const struct hull_resources *r, hull_error **err)
{
    int64_t swap = r->memory.swap, limit = r->memory.has_limit ? r->memory.limit : 0;

    if (!r->memory.has_swap || swap == 0 || swap == -1)
        return 0;
    if (l->mode == HULL_CGROUP_V1 && !root_has(l, CG_MEMORY, "memory.memsw.limit_in_bytes"))
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             F "memory.swap: swap accounting is not enabled on this host (no "
                               "memory.memsw.limit_in_bytes; boot with swapaccount=1)");
    if (l->mode == HULL_CGROUP_V2 && limit <= 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             F "memory.swap: cgroup v2 limits swap separately, so a swap limit "
                               "needs " F "memory.limit to convert it");
    if (limit > 0 && swap < limit)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             F "memory.swap (%lld) must be at least " F "memory.limit (%lld): "
                               "it limits memory plus swap",
                             (long long)swap, (long long)limit);
    return 0;
}

static int check_memory(const struct cg_layout *l, const struct hull_resources *r, hull_error **err)
{
    const typeof(r->memory) *m = &r->memory;
    bool v2 = l->mode == HULL_CGROUP_V2;
    bool any = (m->has_limit && m->limit != 0) || (m->has_reservation && m->reservation != 0) ||
               (m->has_swap && m->swap != 0) || m->has_swappiness || m->has_disable_oom_killer ||
               m->has_use_hierarchy;

    if (!any)
        return 0;
    if (cg_need(l, CG_MEMORY, F "memory", err) < 0)
        return -1;
    if ((m->has_limit && check_limit_value(F "memory.limit", m->limit, err) < 0) ||
        (m->has_reservation &&
         check_limit_value(F "memory.reservation", m->reservation, err) < 0) ||
        (m->has_swap && check_limit_value(F "memory.swap", m->swap, err) < 0))
        return -1;
    if (check_swap(l, r, err) < 0)
        return -1;
    if (m->has_swappiness && v2)
        return unsupported_v2(F "memory.swappiness", err);
    if (m->has_swappiness && m->swappiness > 100)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             F "memory.swappiness: invalid value %llu (expected 0..100)",
                             (unsigned long long)m->swappiness);
    if (m->has_disable_oom_killer && m->disable_oom_killer && v2)
        return unsupported_v2(F "memory.disableOOMKiller", err);
    if (m->has_use_hierarchy && !m->use_hierarchy && v2)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             F "memory.useHierarchy: false is not supported on cgroup v2, which "
                               "is always hierarchical");
    return 0;
}

static int check_cpu_v1(const struct cg_layout *l, const struct hull_resources *r, hull_error **err)
{
    const typeof(r->cpu) *c = &r->cpu;

    if (((c->has_realtime_runtime && c->realtime_runtime != 0) ||
         (c->has_realtime_period && c->realtime_period != 0)) &&
        !root_has(l, CG_CPU, "cpu.rt_runtime_us"))
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             F "cpu.realtimeRuntime: real-time group scheduling is not available "
                               "(the kernel lacks CONFIG_RT_GROUP_SCHED: no cpu.rt_runtime_us)");
    if (c->has_burst && !root_has(l, CG_CPU, "cpu.cfs_burst_us"))
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             F "cpu.burst is not supported by this kernel (no cpu.cfs_burst_us)");
    if (c->has_idle && !root_has(l, CG_CPU, "cpu.idle"))
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             F "cpu.idle is not supported by this kernel (no cpu.idle)");
    return 0;
}

static int check_cpu(const struct cg_layout *l, const struct hull_resources *r, hull_error **err)
{
    const typeof(r->cpu) *c = &r->cpu;
    bool v2 = l->mode == HULL_CGROUP_V2;
    bool any = (c->has_shares && c->shares != 0) || (c->has_quota && c->quota != 0) ||
               (c->has_period && c->period != 0) || c->has_burst ||
               (c->has_realtime_runtime && c->realtime_runtime != 0) ||
               (c->has_realtime_period && c->realtime_period != 0) || c->has_idle;

    if ((c->cpus != NULL || c->mems != NULL) && cg_need(l, CG_CPUSET, F "cpu.cpus", err) < 0)
        return -1;
    if (!any)
        return 0;
    if (cg_need(l, CG_CPU, F "cpu", err) < 0)
        return -1;
    if (c->has_quota && c->quota < -1)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             F "cpu.quota: invalid value %lld (expected microseconds, or -1 for "
                               "unlimited)",
                             (long long)c->quota);
    if (c->has_idle && c->idle != 0 && c->idle != 1)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             F "cpu.idle: invalid value %lld (expected 0 or 1)",
                             (long long)c->idle);
    if (v2 && c->has_shares && c->shares != 0 && (c->shares < 2 || c->shares > 262144))
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             F "cpu.shares: %llu is outside 2..262144, which cgroup v2 weights "
                               "are converted from",
                             (unsigned long long)c->shares);
    if (v2 && ((c->has_realtime_runtime && c->realtime_runtime != 0) ||
               (c->has_realtime_period && c->realtime_period != 0)))
        return unsupported_v2(F "cpu.realtimeRuntime/realtimePeriod", err);
    return v2 ? 0 : check_cpu_v1(l, r, err);
}

static int check_blkio_weight(const char *field, uint16_t w, hull_error **err)
{
    if (w != 0 && (w < 10 || w > 1000))
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "%s: invalid weight %u (expected 10..1000)", field, w);
    return 0;
}

static int check_blkio(const struct cg_layout *l, const struct hull_resources *r, hull_error **err)
{
    const typeof(r->block_io) *b = &r->block_io;
    bool v2 = l->mode == HULL_CGROUP_V2;
    size_t throttles = b->n_throttle_read_bps + b->n_throttle_write_bps + b->n_throttle_read_iops +
                       b->n_throttle_write_iops;

    if (!b->has_weight && !b->has_leaf_weight && b->n_weight_device == 0 && throttles == 0)
        return 0;
    if (cg_need(l, v2 ? CG_IO : CG_BLKIO, F "blockIO", err) < 0)
        return -1;
    if ((b->has_weight && check_blkio_weight(F "blockIO.weight", b->weight, err) < 0) ||
        (b->has_leaf_weight && check_blkio_weight(F "blockIO.leafWeight", b->leaf_weight, err) < 0))
        return -1;
    for (size_t i = 0; i < b->n_weight_device; i++) {
        const struct hull_weight_device *w = &b->weight_device[i];
        if (w->has_leaf_weight && v2)
            return unsupported_v2(F "blockIO.weightDevice[].leafWeight", err);
        if ((w->has_weight &&
             check_blkio_weight(F "blockIO.weightDevice[].weight", w->weight, err) < 0) ||
            (w->has_leaf_weight &&
             check_blkio_weight(F "blockIO.weightDevice[].leafWeight", w->leaf_weight, err) < 0))
            return -1;
    }
    if (b->has_leaf_weight && v2)
        return unsupported_v2(F "blockIO.leafWeight", err);
    if (!v2 && b->has_leaf_weight && !root_has(l, CG_BLKIO, "blkio.leaf_weight"))
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             F "blockIO.leafWeight is not supported by this kernel's I/O "
                               "schedulers (no blkio.leaf_weight)");
    if (!v2 && throttles > 0 && !root_has(l, CG_BLKIO, "blkio.throttle.read_bps_device"))
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             F "blockIO.throttle*: block I/O throttling is not available "
                               "(the kernel lacks CONFIG_BLK_DEV_THROTTLING)");
    return 0;
}

/* "2MB" -> 2048 (kB), as /sys/kernel/mm/hugepages names the sizes. */
static int page_size_kb(const char *s, uint64_t *kb)
{
    char *end;
    unsigned long long n;

    if (!isdigit((unsigned char)s[0]))
        return -1;
    errno = 0;
    n = strtoull(s, &end, 10);
    if (errno != 0 || n == 0 || n > (1ULL << 40))
        return -1;
    if (strcmp(end, "KB") == 0)
        *kb = n;
    else if (strcmp(end, "MB") == 0)
        *kb = n * 1024;
    else if (strcmp(end, "GB") == 0)
        *kb = n * 1024 * 1024;
    else
        return -1;
    return 0;
}

static int check_hugetlb(const struct cg_layout *l, const struct hull_resources *r,
                         hull_error **err)
{
    if (r->n_hugepage_limits == 0)
        return 0;
    if (cg_need(l, CG_HUGETLB, F "hugepageLimits", err) < 0)
        return -1;
    for (size_t i = 0; i < r->n_hugepage_limits; i++) {
        const char *size = r->hugepage_limits[i].page_size;
        uint64_t kb;
        _cleanup_free_ char *sys = NULL;
        if (size == NULL || page_size_kb(size, &kb) < 0)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 F "hugepageLimits[%zu].pageSize: invalid size \"%s\" (expected "
                                   "a number with KB, MB or GB, e.g. \"2MB\")",
                                 i, size ? size : "");
        sys = xasprintf("/sys/kernel/mm/hugepages/hugepages-%llukB", (unsigned long long)kb);
        if (access(sys, F_OK) < 0)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 F "hugepageLimits[%zu].pageSize: this host has no \"%s\" huge "
                                   "pages (no %s)",
                                 i, size, sys);
    }
    return 0;
}

static int check_network(const struct cg_layout *l, const struct hull_resources *r,
                         hull_error **err)
{
    bool v2 = l->mode == HULL_CGROUP_V2;

    if (r->network.has_class_id) {
        if (v2)
            return unsupported_v2(F "network.classID", err);
        if (cg_need(l, CG_NET_CLS, F "network.classID", err) < 0)
            return -1;
    }
    if (r->network.n_priorities == 0)
        return 0;
    if (v2)
        return unsupported_v2(F "network.priorities", err);
    if (cg_need(l, CG_NET_PRIO, F "network.priorities", err) < 0)
        return -1;
    for (size_t i = 0; i < r->network.n_priorities; i++) {
        const char *name = r->network.priorities[i].name;
        if (name == NULL || name[0] == '\0' || strpbrk(name, " \t\n/") != NULL)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 F "network.priorities[%zu].name: invalid interface name \"%s\"", i,
                                 name ? name : "");
    }
    return 0;
}

static int check_unified(const struct cg_layout *l, const struct hull_resources *r,
                         hull_error **err)
{
    if (r->n_unified == 0)
        return 0;
    if (l->mode == HULL_CGROUP_V1)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             F "unified is not supported on cgroup v1 (this host's controllers "
                               "are on v1 hierarchies)");
    for (size_t i = 0; i < r->n_unified; i++) {
        const char *key = r->unified[i].key;
        const char *dot = key ? strchr(key, '.') : NULL;
        if (key == NULL || dot == NULL || dot == key || strchr(key, '/') != NULL ||
            strcmp(key, "..") == 0)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 F "unified: invalid key \"%s\" (expected a cgroup interface file "
                                   "name such as \"memory.high\")",
                                 key ? key : "");
        if (strcmp(key, "cgroup.procs") == 0 || strcmp(key, "cgroup.threads") == 0)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 F "unified: \"%s\" is managed by the runtime", key);
        _cleanup_free_ char *prefix = xstrndup(key, (size_t)(dot - key));
        _cleanup_free_ char *field = xasprintf(F "unified \"%s\"", key);
        int c = cg_ctrl_from_name(prefix);
        if (c >= 0 && cg_need(l, (enum cg_ctrl)c, field, err) < 0)
            return -1;
    }
    return 0;
}

void cg_warn_ignored(const struct hull_resources *res)
{
    /* runc's behaviour: kernel memory accounting cannot be limited
     * separately on current kernels (v1 kmem limits are gone since 6.1,
     * v2 never had them), and a config carrying them must still run. */
    if (res->memory.has_kernel)
        hull_warn(F "memory.kernel is deprecated and ignored");
    if (res->memory.has_kernel_tcp)
        hull_warn(F "memory.kernelTCP is deprecated and ignored");
}

int cg_check_resources(const struct cg_layout *l, const struct hull_resources *res,
                       hull_error **err)
{
    if (check_devices(l, res, err) < 0 || check_memory(l, res, err) < 0 ||
        check_cpu(l, res, err) < 0 || check_blkio(l, res, err) < 0 ||
        check_hugetlb(l, res, err) < 0 || check_network(l, res, err) < 0 ||
        check_unified(l, res, err) < 0)
        return -1;
    if (res->pids.has_limit && res->pids.limit != 0 && cg_need(l, CG_PIDS, F "pids", err) < 0)
        return -1;
    return 0;
}

bool hull_cgroup_swap_accounting(void)
{
    _cleanup_cg_layout_ struct cg_layout l = {0};
    _cleanup_error_ hull_error *e = NULL;

    if (cg_layout_load(&l, &e) < 0 || cg_layout_find(&l, CG_MEMORY) == NULL)
        return false;
    return l.mode == HULL_CGROUP_V2 || root_has(&l, CG_MEMORY, "memory.memsw.limit_in_bytes");
}
