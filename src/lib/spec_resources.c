/* config.json "linux.resources": the cgroup settings.  Only the config's
 * own rules are checked here; whether the host has each controller is
 * cgroup.c's business. */
#include "spec_internal.h"
#include "util.h"

#include <inttypes.h>
#include <string.h>

/* -1 is how the spec writes "unlimited" for the signed limits. */
#define UNLIMITED_OK (-1)

static int parse_device_rule(struct spec_ctx *c, json_t *item, struct hull_device_rule *d,
                             hull_error **err)
{
    _cleanup_free_ char *type = NULL, *access = NULL;
    int r;

    if (spec_expect(c, item, JSON_OBJECT, err) < 0 ||
        spec_get_bool(c, item, "allow", SPEC_REQUIRED, &d->allow, err) < 0 ||
        spec_get_string(c, item, "type", 0, &type, err) < 0)
        return -1;
    d->type = 'a';
    if (type != NULL) {
        if (strlen(type) != 1 || strchr("acb", type[0]) == NULL) {
            spec_push_key(c, "type");
            return spec_fail(c, err, "unknown device type \"%s\" (expected a, c or b)", type);
        }
        d->type = type[0];
    }
    d->major = d->minor = -1;
    if (spec_get_i64(c, item, "major", 0, -1, INT64_MAX, &d->major, err) < 0 ||
        spec_get_i64(c, item, "minor", 0, -1, INT64_MAX, &d->minor, err) < 0)
        return -1;
    r = spec_get_string(c, item, "access", 0, &access, err);
    if (r < 0)
        return -1;
    /* An absent access means every access, like an absent type or number. */
    const char *a = r > 0 ? access : "rwm";
    bool bad = strlen(a) > 3;
    for (size_t i = 0; a[i] != '\0' && !bad; i++)
        bad = strchr("rwm", a[i]) == NULL || strchr(a + i + 1, a[i]) != NULL;
    if (bad) {
        spec_push_key(c, "access");
        return spec_fail(c, err, "invalid access \"%s\" (a combination of r, w and m)", a);
    }
    snprintf(d->access, sizeof(d->access), "%s", a);
    return 0;
}

static int parse_device_rules(struct spec_ctx *c, json_t *obj, struct hull_resources *res,
                              hull_error **err)
{
    json_t *arr, *item;
    size_t i;
    int r = spec_get_array(c, obj, "devices", 0, &arr, err);

    if (r <= 0)
        return r;
    res->devices = xmalloc0(json_array_size(arr) * sizeof(*res->devices));
    spec_push_key(c, "devices");
    json_array_foreach (arr, i, item) {
        spec_push_index(c, i);
        if (parse_device_rule(c, item, &res->devices[i], err) < 0)
            return -1;
        res->n_devices = i + 1;
        spec_pop(c);
    }
    spec_pop(c);
    return 0;
}

/* Reads an optional signed limit where -1 means unlimited. */
static int get_limit(struct spec_ctx *c, json_t *obj, const char *key, int64_t *out, bool *has,
                     hull_error **err)
{
    int r = spec_get_i64(c, obj, key, 0, UNLIMITED_OK, INT64_MAX, out, err);
    if (r < 0)
        return -1;
    *has = r > 0;
    return 0;
}

static int get_opt_u64(struct spec_ctx *c, json_t *obj, const char *key, uint64_t max,
                       uint64_t *out, bool *has, hull_error **err)
{
    int r = spec_get_u64(c, obj, key, 0, max, out, err);
    if (r < 0)
        return -1;
    *has = r > 0;
    return 0;
}

static int get_opt_bool(struct spec_ctx *c, json_t *obj, const char *key, bool *out, bool *has,
                        hull_error **err)
{
    int r = spec_get_bool(c, obj, key, 0, out, err);
    if (r < 0)
        return -1;
    if (has != NULL)
        *has = r > 0;
    return 0;
}

static int parse_memory(struct spec_ctx *c, json_t *obj, struct hull_resources *res,
                        hull_error **err)
{
    json_t *m;
    int r = spec_get_object(c, obj, "memory", 0, &m, err);

    if (r <= 0)
        return r;
    spec_push_key(c, "memory");
    typeof(res->memory) *mem = &res->memory;
    if (get_limit(c, m, "limit", &mem->limit, &mem->has_limit, err) < 0 ||
        get_limit(c, m, "reservation", &mem->reservation, &mem->has_reservation, err) < 0 ||
        get_limit(c, m, "swap", &mem->swap, &mem->has_swap, err) < 0 ||
        get_limit(c, m, "kernel", &mem->kernel, &mem->has_kernel, err) < 0 ||
        get_limit(c, m, "kernelTCP", &mem->kernel_tcp, &mem->has_kernel_tcp, err) < 0 ||
        get_opt_u64(c, m, "swappiness", 100, &mem->swappiness, &mem->has_swappiness, err) < 0 ||
        get_opt_bool(c, m, "disableOOMKiller", &mem->disable_oom_killer,
                     &mem->has_disable_oom_killer, err) < 0 ||
        get_opt_bool(c, m, "useHierarchy", &mem->use_hierarchy, &mem->has_use_hierarchy, err) < 0 ||
        get_opt_bool(c, m, "checkBeforeUpdate", &mem->check_before_update, NULL, err) < 0)
        return -1;
    spec_pop(c);
    return 0;
}

static int parse_cpuset(struct spec_ctx *c, json_t *obj, const char *key, char **out,
                        hull_error **err)
{
    int r = spec_get_string(c, obj, key, 0, out, err);

    /* "" leaves the cpuset as inherited. */
    if (r <= 0 || (*out)[0] == '\0' || spec_cpu_list_valid(*out))
        return r;
    spec_push_key(c, key);
    return spec_fail(c, err, "invalid list \"%s\"", *out);
}

static int parse_cpu(struct spec_ctx *c, json_t *obj, struct hull_resources *res, hull_error **err)
{
    json_t *o;
    int r = spec_get_object(c, obj, "cpu", 0, &o, err);

    if (r <= 0)
        return r;
    spec_push_key(c, "cpu");
    typeof(res->cpu) *cpu = &res->cpu;
    if (get_opt_u64(c, o, "shares", UINT64_MAX, &cpu->shares, &cpu->has_shares, err) < 0 ||
        get_limit(c, o, "quota", &cpu->quota, &cpu->has_quota, err) < 0 ||
        get_opt_u64(c, o, "burst", UINT64_MAX, &cpu->burst, &cpu->has_burst, err) < 0 ||
        get_opt_u64(c, o, "period", UINT64_MAX, &cpu->period, &cpu->has_period, err) < 0 ||
        get_limit(c, o, "realtimeRuntime", &cpu->realtime_runtime, &cpu->has_realtime_runtime,
                  err) < 0 ||
        get_opt_u64(c, o, "realtimePeriod", UINT64_MAX, &cpu->realtime_period,
                    &cpu->has_realtime_period, err) < 0 ||
        parse_cpuset(c, o, "cpus", &cpu->cpus, err) < 0 ||
        parse_cpuset(c, o, "mems", &cpu->mems, err) < 0)
        return -1;
    r = spec_get_i64(c, o, "idle", 0, 0, 1, &cpu->idle, err);
    if (r < 0)
        return -1;
    cpu->has_idle = r > 0;
    /* runtime-spec: a positive quota must be no smaller than burst. */
    if (cpu->has_burst && cpu->has_quota && cpu->quota > 0 && cpu->burst > (uint64_t)cpu->quota) {
        spec_push_key(c, "burst");
        return spec_fail(c, err, "burst %" PRIu64 " is larger than quota %" PRId64, cpu->burst,
                         cpu->quota);
    }
    spec_pop(c);
    return 0;
}

static int parse_pids(struct spec_ctx *c, json_t *obj, struct hull_resources *res, hull_error **err)
{
    json_t *o;
    int r = spec_get_object(c, obj, "pids", 0, &o, err);

    if (r <= 0)
        return r;
    spec_push_key(c, "pids");
    if (spec_get_i64(c, o, "limit", SPEC_REQUIRED, UNLIMITED_OK, INT64_MAX, &res->pids.limit, err) <
        0)
        return -1;
    res->pids.has_limit = true;
    spec_pop(c);
    return 0;
}

static int get_device_numbers(struct spec_ctx *c, json_t *item, int64_t *major, int64_t *minor,
                              hull_error **err)
{
    if (spec_expect(c, item, JSON_OBJECT, err) < 0 ||
        spec_get_i64(c, item, "major", SPEC_REQUIRED, 0, INT64_MAX, major, err) < 0 ||
        spec_get_i64(c, item, "minor", SPEC_REQUIRED, 0, INT64_MAX, minor, err) < 0)
        return -1;
    return 0;
}

static int get_weight(struct spec_ctx *c, json_t *obj, const char *key, uint16_t *out, bool *has,
                      hull_error **err)
{
    uint64_t v;
    int r = spec_get_u64(c, obj, key, 0, UINT16_MAX, &v, err);
    if (r < 0)
        return -1;
    *has = r > 0;
    *out = (uint16_t)(r > 0 ? v : 0);
    return 0;
}

static int parse_weight_device(struct spec_ctx *c, json_t *item, struct hull_weight_device *w,
                               hull_error **err)
{
    if (get_device_numbers(c, item, &w->major, &w->minor, err) < 0 ||
        get_weight(c, item, "weight", &w->weight, &w->has_weight, err) < 0 ||
        get_weight(c, item, "leafWeight", &w->leaf_weight, &w->has_leaf_weight, err) < 0)
        return -1;
    if (!w->has_weight && !w->has_leaf_weight)
        return spec_fail(c, err, "needs weight or leafWeight");
    return 0;
}

static int parse_weight_devices(struct spec_ctx *c, json_t *obj, struct hull_resources *res,
                                hull_error **err)
{
    json_t *arr, *item;
    size_t i;
    int r = spec_get_array(c, obj, "weightDevice", 0, &arr, err);

    if (r <= 0)
        return r;
    res->block_io.weight_device =
        xmalloc0(json_array_size(arr) * sizeof(struct hull_weight_device));
    spec_push_key(c, "weightDevice");
    json_array_foreach (arr, i, item) {
        spec_push_index(c, i);
        if (parse_weight_device(c, item, &res->block_io.weight_device[i], err) < 0)
            return -1;
        res->block_io.n_weight_device = i + 1;
        spec_pop(c);
    }
    spec_pop(c);
    return 0;
}

static int parse_throttle(struct spec_ctx *c, json_t *obj, const char *key,
                          struct hull_throttle_device **out, size_t *n, hull_error **err)
{
    json_t *arr, *item;
    size_t i;
    int r = spec_get_array(c, obj, key, 0, &arr, err);

    if (r <= 0)
        return r;
    *out = xmalloc0(json_array_size(arr) * sizeof(**out));
    spec_push_key(c, key);
    json_array_foreach (arr, i, item) {
        struct hull_throttle_device *t = &(*out)[i];
        spec_push_index(c, i);
        if (get_device_numbers(c, item, &t->major, &t->minor, err) < 0 ||
            spec_get_u64(c, item, "rate", SPEC_REQUIRED, UINT64_MAX, &t->rate, err) < 0)
            return -1;
        *n = i + 1;
        spec_pop(c);
    }
    spec_pop(c);
    return 0;
}

static int parse_block_io(struct spec_ctx *c, json_t *obj, struct hull_resources *res,
                          hull_error **err)
{
    json_t *o;
    int r = spec_get_object(c, obj, "blockIO", 0, &o, err);

    if (r <= 0)
        return r;
    spec_push_key(c, "blockIO");
    typeof(res->block_io) *b = &res->block_io;
    if (get_weight(c, o, "weight", &b->weight, &b->has_weight, err) < 0 ||
        get_weight(c, o, "leafWeight", &b->leaf_weight, &b->has_leaf_weight, err) < 0 ||
        parse_weight_devices(c, o, res, err) < 0 ||
        parse_throttle(c, o, "throttleReadBpsDevice", &b->throttle_read_bps,
                       &b->n_throttle_read_bps, err) < 0 ||
        parse_throttle(c, o, "throttleWriteBpsDevice", &b->throttle_write_bps,
                       &b->n_throttle_write_bps, err) < 0 ||
        parse_throttle(c, o, "throttleReadIOPSDevice", &b->throttle_read_iops,
                       &b->n_throttle_read_iops, err) < 0 ||
        parse_throttle(c, o, "throttleWriteIOPSDevice", &b->throttle_write_iops,
                       &b->n_throttle_write_iops, err) < 0)
        return -1;
    /* runc reads a weight of 0 (outside the kernel's 1..1000) as "not set",
     * and Docker writes "weight": 0 into every config it generates. */
    b->has_weight = b->has_weight && b->weight != 0;
    b->has_leaf_weight = b->has_leaf_weight && b->leaf_weight != 0;
    spec_pop(c);
    return 0;
}

/* "<size><unit>B" as the hugetlb controller names its files: 2MB, 1GB. */
static bool page_size_valid(const char *s)
{
    size_t digits = strspn(s, "0123456789");
    const char *unit = s + digits;

    if (digits == 0 || s[0] == '0')
        return false;
    if (unit[0] != '\0' && strchr("KMGTP", unit[0]) != NULL)
        unit++;
    return strcmp(unit, "B") == 0;
}

static int parse_hugepages(struct spec_ctx *c, json_t *obj, struct hull_resources *res,
                           hull_error **err)
{
    json_t *arr, *item;
    size_t i;
    int r = spec_get_array(c, obj, "hugepageLimits", 0, &arr, err);

    if (r <= 0)
        return r;
    res->hugepage_limits = xmalloc0(json_array_size(arr) * sizeof(*res->hugepage_limits));
    spec_push_key(c, "hugepageLimits");
    json_array_foreach (arr, i, item) {
        struct hull_hugepage_limit *h = &res->hugepage_limits[i];
        res->n_hugepage_limits = i + 1;
        spec_push_index(c, i);
        if (spec_expect(c, item, JSON_OBJECT, err) < 0 ||
            spec_get_string(c, item, "pageSize", SPEC_REQUIRED, &h->page_size, err) < 0 ||
            spec_get_u64(c, item, "limit", SPEC_REQUIRED, UINT64_MAX, &h->limit, err) < 0)
            return -1;
        if (!page_size_valid(h->page_size)) {
            spec_push_key(c, "pageSize");
            return spec_fail(c, err, "invalid page size \"%s\" (expected e.g. \"2MB\")",
                             h->page_size);
        }
        spec_pop(c);
    }
    spec_pop(c);
    return 0;
}

static int parse_network(struct spec_ctx *c, json_t *obj, struct hull_resources *res,
                         hull_error **err)
{
    json_t *o, *arr, *item;
    size_t i;
    int r = spec_get_object(c, obj, "network", 0, &o, err);

    if (r <= 0)
        return r;
    spec_push_key(c, "network");
    r = spec_get_u32(c, o, "classID", 0, UINT32_MAX, &res->network.class_id, err);
    if (r < 0)
        return -1;
    res->network.has_class_id = r > 0;
    r = spec_get_array(c, o, "priorities", 0, &arr, err);
    if (r < 0)
        return -1;
    if (r > 0) {
        res->network.priorities = xmalloc0(json_array_size(arr) * sizeof(struct hull_net_priority));
        spec_push_key(c, "priorities");
        json_array_foreach (arr, i, item) {
            struct hull_net_priority *p = &res->network.priorities[i];
            res->network.n_priorities = i + 1;
            spec_push_index(c, i);
            if (spec_expect(c, item, JSON_OBJECT, err) < 0 ||
                spec_get_string(c, item, "name", SPEC_REQUIRED | SPEC_NONEMPTY, &p->name, err) <
                    0 ||
                spec_get_u32(c, item, "priority", SPEC_REQUIRED, UINT32_MAX, &p->priority, err) < 0)
                return -1;
            spec_pop(c);
        }
        spec_pop(c);
    }
    spec_pop(c);
    return 0;
}

static int parse_unified(struct spec_ctx *c, json_t *obj, struct hull_resources *res,
                         hull_error **err)
{
    char **kv = NULL;
    size_t n = 0;
    int r = spec_get_string_map(c, obj, "unified", &kv, &n, err);

    if (r <= 0)
        return r;
    res->unified = xmalloc0(n * sizeof(*res->unified));
    for (size_t i = 0; i < n; i++) {
        res->unified[i].key = kv[2 * i];
        res->unified[i].value = kv[2 * i + 1];
    }
    res->n_unified = n;
    free(kv);
    return 0;
}

int spec_parse_resources(struct spec_ctx *c, json_t *obj, struct hull_resources *res,
                         hull_error **err)
{
    if (spec_reject(c, obj, "rdma", err) < 0 || parse_device_rules(c, obj, res, err) < 0 ||
        parse_memory(c, obj, res, err) < 0 || parse_cpu(c, obj, res, err) < 0 ||
        parse_pids(c, obj, res, err) < 0 || parse_block_io(c, obj, res, err) < 0 ||
        parse_hugepages(c, obj, res, err) < 0 || parse_network(c, obj, res, err) < 0 ||
        parse_unified(c, obj, res, err) < 0)
        return -1;
    return 0;
}

void spec_resources_clear(struct hull_resources *r)
{
    free(r->devices);
    free(r->cpu.cpus);
    free(r->cpu.mems);
    free(r->block_io.weight_device);
    free(r->block_io.throttle_read_bps);
    free(r->block_io.throttle_write_bps);
    free(r->block_io.throttle_read_iops);
    free(r->block_io.throttle_write_iops);
    for (size_t i = 0; i < r->n_hugepage_limits; i++)
        free(r->hugepage_limits[i].page_size);
    free(r->hugepage_limits);
    for (size_t i = 0; i < r->network.n_priorities; i++)
        free(r->network.priorities[i].name);
    free(r->network.priorities);
    for (size_t i = 0; i < r->n_unified; i++) {
        free(r->unified[i].key);
        free(r->unified[i].value);
    }
    free(r->unified);
    memset(r, 0, sizeof(*r));
}
