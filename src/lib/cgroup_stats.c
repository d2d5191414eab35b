/* Usage statistics of a cgroup, read from either cgroup version into the
 * figures runc's `events --stats` reports: memory (usage, limit, peak,
 * failures, memory+swap, memory.stat), cpu (total, user, system, per cpu,
 * CFS throttling), pids and block I/O per device. */
#include "cgroup_internal.h"
#include "cgroup_ops.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* v1 reports "no limit" as the largest page-aligned signed 64-bit
 * value. */
static uint64_t v1_limit(uint64_t v)
{
    return v >= 0x7ffffffffffff000ULL ? UINT64_MAX : v;
}

/* Reads FILE when it exists; a missing file leaves *out alone. */
static int read_u64_opt(const struct cg_dir *d, const char *file, uint64_t *out, hull_error **err)
{
    if (!cg_exists(d->fd, file))
        return 0;
    return cg_read_u64(d->fd, d->dir, file, out, err);
}

static uint64_t raw_value(const struct hull_cgroup_stats *s, const char *key)
{
    for (size_t i = 0; i < s->n_memory_raw; i++)
        if (strcmp(s->memory_raw[i].key, key) == 0)
            return s->memory_raw[i].value;
    return 0;
}

/* memory.stat: "key value" lines, kept whole for runc's "raw". */
static int read_memory_stat(const struct cg_dir *d, struct hull_cgroup_stats *s, hull_error **err)
{
    _cleanup_free_ char *text = NULL;
    char *save = NULL;

    if (!cg_exists(d->fd, "memory.stat"))
        return 0;
    if (cg_read(d->fd, d->dir, "memory.stat", &text, err) < 0)
        return -1;
    for (char *line = strtok_r(text, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        char *sp = strchr(line, ' ');
        uint64_t v;
        if (sp == NULL)
            continue;
        *sp = '\0';
        if (parse_uint64(sp + 1, &v) < 0)
            continue;
        s->memory_raw = xrealloc(s->memory_raw, (s->n_memory_raw + 1) * sizeof(*s->memory_raw));
        s->memory_raw[s->n_memory_raw++] = (struct hull_cgroup_stat_kv){xstrdup(line), v};
    }
    return 0;
}

static int memory_v1(const struct cg_dir *d, struct hull_cgroup_stats *s, hull_error **err)
{
    if (cg_read_u64(d->fd, d->dir, "memory.usage_in_bytes", &s->memory_usage, err) < 0 ||
        cg_read_u64(d->fd, d->dir, "memory.limit_in_bytes", &s->memory_limit, err) < 0 ||
        cg_read_u64(d->fd, d->dir, "memory.failcnt", &s->memory_failcnt, err) < 0 ||
        read_u64_opt(d, "memory.max_usage_in_bytes", &s->memory_max_usage, err) < 0 ||
        read_memory_stat(d, s, err) < 0)
        return -1;
    s->memory_limit = v1_limit(s->memory_limit);
    s->memory_cache = raw_value(s, "total_cache");
    s->memory_inactive_file = raw_value(s, "total_inactive_file");
    if (!cg_exists(d->fd, "memory.memsw.usage_in_bytes"))
        return 0;
    if (cg_read_u64(d->fd, d->dir, "memory.memsw.usage_in_bytes", &s->swap_usage, err) < 0 ||
        cg_read_u64(d->fd, d->dir, "memory.memsw.limit_in_bytes", &s->swap_limit, err) < 0 ||
        cg_read_u64(d->fd, d->dir, "memory.memsw.max_usage_in_bytes", &s->swap_max_usage, err) <
            0 ||
        cg_read_u64(d->fd, d->dir, "memory.memsw.failcnt", &s->swap_failcnt, err) < 0)
        return -1;
    s->swap_limit = v1_limit(s->swap_limit);
    s->has_swap = true;
    return 0;
}

/* v2 accounts swap apart from memory; runc reports the sum, as v1's
 * memsw did. */
static int memory_v2(const struct cg_dir *d, struct hull_cgroup_stats *s, hull_error **err)
{
    uint64_t swap = 0, swap_max = UINT64_MAX, swap_peak = 0;
    bool found;

    if (cg_read_u64(d->fd, d->dir, "memory.current", &s->memory_usage, err) < 0 ||
        cg_read_u64(d->fd, d->dir, "memory.max", &s->memory_limit, err) < 0 ||
        cg_read_key(d->fd, d->dir, "memory.events", "max", &s->memory_failcnt, &found, err) < 0 ||
        read_u64_opt(d, "memory.peak", &s->memory_max_usage, err) < 0 ||
        read_memory_stat(d, s, err) < 0)
        return -1;
    s->memory_cache = raw_value(s, "file");
    s->memory_inactive_file = raw_value(s, "inactive_file");
    if (!cg_exists(d->fd, "memory.swap.current"))
        return 0;
    if (cg_read_u64(d->fd, d->dir, "memory.swap.current", &swap, err) < 0 ||
        cg_read_u64(d->fd, d->dir, "memory.swap.max", &swap_max, err) < 0 ||
        read_u64_opt(d, "memory.swap.peak", &swap_peak, err) < 0)
        return -1;
    s->swap_usage = s->memory_usage + swap;
    s->swap_limit = swap_max == UINT64_MAX || s->memory_limit == UINT64_MAX
                        ? UINT64_MAX
                        : s->memory_limit + swap_max;
    s->swap_max_usage = swap_peak > 0 ? s->memory_max_usage + swap_peak : 0;
    s->has_swap = true;
    return 0;
}

static int memory_stats(const struct cg_layout *l, const char *path, struct hull_cgroup_stats *s,
                        hull_error **err)
{
    _cleanup_cg_dir_ struct cg_dir d = {.fd = -1};
    bool v2 = l->mode == HULL_CGROUP_V2, found;

    if (cg_open_for(l, CG_MEMORY, path, &d, &found, err) < 0)
        return -1;
    if (!found || !cg_exists(d.fd, v2 ? "memory.current" : "memory.usage_in_bytes"))
        return 0;
    if ((v2 ? memory_v2(&d, s, err) : memory_v1(&d, s, err)) < 0)
        return -1;
    s->has_memory = true;
    return 0;
}

/* cpuacct.usage_percpu: one figure per possible cpu, space separated. */
static int read_percpu(const struct cg_dir *d, struct hull_cgroup_stats *s, hull_error **err)
{
    _cleanup_free_ char *text = NULL;
    char *save = NULL;

    if (!cg_exists(d->fd, "cpuacct.usage_percpu"))
        return 0;
    if (cg_read(d->fd, d->dir, "cpuacct.usage_percpu", &text, err) < 0)
        return -1;
    for (char *t = strtok_r(text, " \n", &save); t != NULL; t = strtok_r(NULL, " \n", &save)) {
        uint64_t v;
        if (parse_uint64(t, &v) < 0)
            return hull_err(err, EINVAL, "\"%s/cpuacct.usage_percpu\": bad value \"%s\"", d->dir,
                            t);
        s->cpu_percpu_ns = xrealloc(s->cpu_percpu_ns, (s->n_cpu_percpu + 1) * sizeof(uint64_t));
        s->cpu_percpu_ns[s->n_cpu_percpu++] = v;
    }
    return 0;
}

static int cpu_usage_v1(const struct cg_layout *l, const char *path, struct hull_cgroup_stats *s,
                        hull_error **err)
{
    _cleanup_cg_dir_ struct cg_dir d = {.fd = -1};
    bool found, f1, f2;
    uint64_t user, sys, tick;
    long hz = sysconf(_SC_CLK_TCK);

    if (cg_open_for(l, CG_CPUACCT, path, &d, &found, err) < 0)
        return -1;
    if (!found)
        return 0;
    /* cpuacct.stat counts USER_HZ ticks. */
    tick = 1000000000ULL / (uint64_t)(hz > 0 ? hz : 100);
    if (cg_read_u64(d.fd, d.dir, "cpuacct.usage", &s->cpu_usage_ns, err) < 0 ||
        cg_read_key(d.fd, d.dir, "cpuacct.stat", "user", &user, &f1, err) < 0 ||
        cg_read_key(d.fd, d.dir, "cpuacct.stat", "system", &sys, &f2, err) < 0 ||
        read_percpu(&d, s, err) < 0)
        return -1;
    s->cpu_user_ns = user * tick;
    s->cpu_system_ns = sys * tick;
    s->has_cpu = f1 && f2;
    return 0;
}

/* cpu.stat of either version: usage (v2 only) and CFS throttling. */
static int cpu_stat(const struct cg_layout *l, const char *path, struct hull_cgroup_stats *s,
                    hull_error **err)
{
    _cleanup_cg_dir_ struct cg_dir d = {.fd = -1};
    bool v2 = l->mode == HULL_CGROUP_V2, found, f1 = false, f2 = false, f3 = false, t1, t2, t3;
    uint64_t usage = 0, user = 0, sys = 0, throttled;

    if (cg_open_for(l, CG_CPU, path, &d, &found, err) < 0)
        return -1;
    if (!found || !cg_exists(d.fd, "cpu.stat"))
        return 0;
    if (v2 && (cg_read_key(d.fd, d.dir, "cpu.stat", "usage_usec", &usage, &f1, err) < 0 ||
               cg_read_key(d.fd, d.dir, "cpu.stat", "user_usec", &user, &f2, err) < 0 ||
               cg_read_key(d.fd, d.dir, "cpu.stat", "system_usec", &sys, &f3, err) < 0))
        return -1;
    if (v2) {
        s->cpu_usage_ns = usage * 1000;
        s->cpu_user_ns = user * 1000;
        s->cpu_system_ns = sys * 1000;
        s->has_cpu = f1 && f2 && f3;
    }
    if (cg_read_key(d.fd, d.dir, "cpu.stat", "nr_periods", &s->cpu_periods, &t1, err) < 0 ||
        cg_read_key(d.fd, d.dir, "cpu.stat", "nr_throttled", &s->cpu_throttled_periods, &t2, err) <
            0 ||
        cg_read_key(d.fd, d.dir, "cpu.stat", v2 ? "throttled_usec" : "throttled_time", &throttled,
                    &t3, err) < 0)
        return -1;
    s->cpu_throttled_ns = v2 ? throttled * 1000 : throttled;
    s->has_throttling = t1 && t2 && t3;
    return 0;
}

static int pids_stats(const struct cg_layout *l, const char *path, struct hull_cgroup_stats *s,
                      hull_error **err)
{
    _cleanup_cg_dir_ struct cg_dir d = {.fd = -1};
    bool found;

    if (cg_open_for(l, CG_PIDS, path, &d, &found, err) < 0)
        return -1;
    if (!found || !cg_exists(d.fd, "pids.current"))
        return 0;
    if (cg_read_u64(d.fd, d.dir, "pids.current", &s->pids_current, err) < 0 ||
        cg_read_u64(d.fd, d.dir, "pids.max", &s->pids_limit, err) < 0)
        return -1;
    if (s->pids_limit == UINT64_MAX)
        s->pids_limit = 0;
    s->has_pids = true;
    return 0;
}

static void add_io(struct hull_cgroup_io_entry **v, size_t *n, unsigned int major,
                   unsigned int minor, const char *op, uint64_t value)
{
    *v = xrealloc(*v, (*n + 1) * sizeof(**v));
    (*v)[(*n)++] = (struct hull_cgroup_io_entry){major, minor, op, value};
}

/* The op names of v1's blkio files, as static strings. */
static const char *v1_op(const char *word)
{
    static const char *const ops[] = {"Read", "Write", "Sync", "Async", "Discard", "Total"};

    for (size_t i = 0; i < ARRAY_SIZE(ops); i++)
        if (strcmp(word, ops[i]) == 0)
            return ops[i];
    return NULL;
}

/* v1: "MAJ:MIN Op N" lines and a final "Total N". */
static void parse_v1_io(const char *text, struct hull_cgroup_io_entry **v, size_t *n)
{
    _cleanup_free_ char *copy = xstrdup(text);
    char *save = NULL;

    for (char *line = strtok_r(copy, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        unsigned int major, minor;
        unsigned long long value;
        char word[16];
        const char *op;
        if (sscanf(line, "%u:%u %15s %llu", &major, &minor, word, &value) == 4 &&
            (op = v1_op(word)) != NULL)
            add_io(v, n, major, minor, op, value);
    }
}

/* v2 io.stat: "MAJ:MIN rbytes=N wbytes=N rios=N wios=N dbytes=N dios=N". */
static void parse_v2_io(const char *text, struct hull_cgroup_stats *s)
{
    static const struct {
        const char *key, *op;
        bool bytes;
    } keys[] = {
        {"rbytes=", "Read", true}, {"wbytes=", "Write", true}, {"dbytes=", "Discard", true},
        {"rios=", "Read", false},  {"wios=", "Write", false},  {"dios=", "Discard", false},
    };
    _cleanup_free_ char *copy = xstrdup(text);
    char *save = NULL;

    for (char *line = strtok_r(copy, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        unsigned int major, minor;
        if (sscanf(line, "%u:%u", &major, &minor) != 2)
            continue;
        for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
            char *at = strstr(line, keys[i].key);
            if (at == NULL || (at != line && at[-1] != ' '))
                continue;
            uint64_t v = strtoull(at + strlen(keys[i].key), NULL, 10);
            if (keys[i].bytes)
                add_io(&s->io_bytes, &s->n_io_bytes, major, minor, keys[i].op, v);
            else
                add_io(&s->io_ops, &s->n_io_ops, major, minor, keys[i].op, v);
        }
    }
}

static int read_v1_io(const struct cg_dir *d, const char *file, struct hull_cgroup_io_entry **v,
                      size_t *n, hull_error **err)
{
    _cleanup_free_ char *text = NULL;

    if (!cg_exists(d->fd, file))
        return 0;
    if (cg_read(d->fd, d->dir, file, &text, err) < 0)
        return -1;
    parse_v1_io(text, v, n);
    return 0;
}

static int io_stats(const struct cg_layout *l, const char *path, struct hull_cgroup_stats *s,
                    hull_error **err)
{
    _cleanup_cg_dir_ struct cg_dir d = {.fd = -1};
    _cleanup_free_ char *text = NULL;
    bool found;

    if (cg_open_for(l, CG_BLKIO, path, &d, &found, err) < 0)
        return -1;
    if (!found)
        return 0;
    if (l->mode == HULL_CGROUP_V2) {
        if (!cg_exists(d.fd, "io.stat"))
            return 0;
        if (cg_read(d.fd, d.dir, "io.stat", &text, err) < 0)
            return -1;
        parse_v2_io(text, s);
    } else if (read_v1_io(&d, "blkio.throttle.io_service_bytes_recursive", &s->io_bytes,
                          &s->n_io_bytes, err) < 0 ||
               read_v1_io(&d, "blkio.throttle.io_serviced_recursive", &s->io_ops, &s->n_io_ops,
                          err) < 0) {
        return -1;
    }
    for (size_t i = 0; i < s->n_io_bytes; i++) {
        if (strcmp(s->io_bytes[i].op, "Read") == 0)
            s->io_read_bytes += s->io_bytes[i].value;
        else if (strcmp(s->io_bytes[i].op, "Write") == 0)
            s->io_write_bytes += s->io_bytes[i].value;
    }
    s->has_io = true;
    return 0;
}

int hull_cgroup_stats(const char *path, struct hull_cgroup_stats *out, hull_error **err)
{
    _cleanup_cg_layout_ struct cg_layout l = {0};

    memset(out, 0, sizeof(*out));
    if (cg_path_check(path, err) < 0 || cg_layout_load(&l, err) < 0)
        goto fail;
    if (memory_stats(&l, path, out, err) < 0 ||
        (l.mode == HULL_CGROUP_V1 && cpu_usage_v1(&l, path, out, err) < 0) ||
        cpu_stat(&l, path, out, err) < 0 || pids_stats(&l, path, out, err) < 0 ||
        io_stats(&l, path, out, err) < 0) {
        hull_cgroup_stats_clear(out);
        goto fail;
    }
    return 0;
fail:
    return hull_err_wrap(err, "statistics of cgroup \"%s\"", path ? path : "");
}

void hull_cgroup_stats_clear(struct hull_cgroup_stats *s)
{
    for (size_t i = 0; i < s->n_memory_raw; i++)
        free(s->memory_raw[i].key);
    free(s->memory_raw);
    free(s->cpu_percpu_ns);
    free(s->io_bytes);
    free(s->io_ops);
    memset(s, 0, sizeof(*s));
}
