#include "engine_resources.h"
#include "cgroup.h"
#include "cpulist.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* Docker's floor for memory limits: below it a container cannot even
 * start its runtime's init reliably. */
#define MIN_MEMORY (6LL << 20)

#define CFS_PERIOD_DEFAULT 100000

/* "rwm", "r", "mw": one to three distinct letters of rwm. */
static bool device_mode_valid(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > 3 || strspn(s, "rwm") != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (strchr(s + i + 1, s[i]) != NULL)
            return false;
    return true;
}

static int split_device(const char *value, char **host, char **path, char *access, hull_error **err)
{
    _cleanup_strv_ char **parts = xmalloc0(sizeof(char *));
    const char *p = value;

    for (;;) {
        const char *colon = strchr(p, ':');
        _cleanup_free_ char *part = colon ? xstrndup(p, (size_t)(colon - p)) : xstrdup(p);
        strv_append(&parts, part);
        if (colon == NULL)
            break;
        p = colon + 1;
    }
    strcpy(access, "rwm");
    switch (strv_len(parts)) {
    case 3:
        if (!device_mode_valid(parts[2]))
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 "--device \"%s\": invalid permissions \"%s\" (expected letters "
                                 "of \"rwm\")",
                                 value, parts[2]);
        strcpy(access, parts[2]);
        *path = xstrdup(parts[1]);
        break;
    case 2:
        /* Docker's reading of "HOST:X": X is the permissions when it can
         * be, else the container path. */
        if (device_mode_valid(parts[1]))
            strcpy(access, parts[1]);
        else
            *path = xstrdup(parts[1]);
        break;
    case 1:
        break;
    default:
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "--device \"%s\": expected HOST[:CONTAINER][:PERMISSIONS]", value);
    }
    *host = xstrdup(parts[0]);
    if (*path == NULL)
        *path = xstrdup(parts[0]);
    if ((*host)[0] != '/' || (*path)[0] != '/')
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "--device \"%s\": device paths must be absolute", value);
    return 0;
}

int hull_run_device_parse(const char *value, struct hull_run_device *out, hull_error **err)
{
    struct stat st;

    memset(out, 0, sizeof(*out));
    if (split_device(value, &out->host_path, &out->path, out->access, err) < 0)
        goto fail;
    if (stat(out->host_path, &st) < 0) {
        hull_err_kind(err, HULL_ERR_BAD_INPUT, errno, "--device \"%s\": \"%s\"", value,
                      out->host_path);
        goto fail;
    }
    if (S_ISDIR(st.st_mode)) {
        hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                      "--device \"%s\": giving a directory of devices is not supported", value);
        goto fail;
    }
    if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode)) {
        hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                      "--device \"%s\": \"%s\" is not a character or block device", value,
                      out->host_path);
        goto fail;
    }
    out->type = S_ISCHR(st.st_mode) ? 'c' : 'b';
    out->major = major(st.st_rdev);
    out->minor = minor(st.st_rdev);
    out->file_mode = st.st_mode & 07777;
    out->uid = st.st_uid;
    out->gid = st.st_gid;
    return 0;
fail:
    free(out->host_path);
    free(out->path);
    memset(out, 0, sizeof(*out));
    return -1;
}

static int bad(hull_error **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(hull_error **err, const char *fmt, ...)
{
    va_list ap;
    _cleanup_free_ char *msg = NULL;

    va_start(ap, fmt);
    msg = xvasprintf(fmt, ap);
    va_end(ap);
    return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "%s", msg);
}

static int check_memory(struct hull_run_resources *r, bool update, hull_error **err)
{
    if (r->memory < 0 || (r->memory > 0 && r->memory < MIN_MEMORY))
        return bad(err, "--memory %lld: the smallest memory limit allowed is 6MB",
                   (long long)r->memory);
    if (r->memory_reservation < 0 ||
        (r->memory_reservation > 0 && r->memory_reservation < MIN_MEMORY))
        return bad(err, "--memory-reservation %lld: the smallest reservation allowed is 6MB",
                   (long long)r->memory_reservation);
    if (r->memory_swap < -1)
        return bad(err, "--memory-swap %lld: expected bytes, or -1 for unlimited swap",
                   (long long)r->memory_swap);
    if (r->memory_swap > 0 && r->memory == 0 && !update)
        return bad(err, "--memory-swap needs --memory: it limits memory plus swap");
    if (r->memory > 0 && r->memory_swap > 0 && r->memory_swap < r->memory)
        return bad(err,
                   "--memory-swap %lld is below --memory %lld: it limits memory plus swap, so it "
                   "must be at least the memory limit",
                   (long long)r->memory_swap, (long long)r->memory);
    if (r->memory > 0 && r->memory_reservation > r->memory)
        return bad(err, "--memory-reservation %lld must not be above --memory %lld",
                   (long long)r->memory_reservation, (long long)r->memory);
    /* Docker's default: as much swap as memory, where swap is accounted. */
    if (!update && r->memory > 0 && r->memory_swap == 0 && hull_cgroup_swap_accounting() &&
        r->memory <= INT64_MAX / 2)
        r->memory_swap = 2 * r->memory;
    return 0;
}

static int online_cpus(void)
{
    cpu_set_t set;

    if (sched_getaffinity(0, sizeof(set), &set) == 0)
        return CPU_COUNT(&set);
    return (int)sysconf(_SC_NPROCESSORS_ONLN);
}

/* Every CPU (or memory node) of LIST must be in the host's ONLINE file. */
static int check_list(const char *list, const char *flag, const char *online_file, hull_error **err)
{
    _cleanup_free_ char *online = NULL;
    _cleanup_error_ hull_error *ignored = NULL, *e = NULL;
    cpu_set_t *want = NULL, *have = NULL;
    size_t want_size, have_size;
    int ret = 0;

    if (hull_cpu_list_parse(list, flag, &want, &want_size, &e) < 0)
        return bad(err, "%s", e->msg);
    if (read_file_at(AT_FDCWD, online_file, 4096, &online, NULL, &ignored) < 0) {
        CPU_FREE(want);
        return 0;
    }
    online[strcspn(online, "\n")] = '\0';
    if (hull_cpu_list_parse(online, online_file, &have, &have_size, &ignored) == 0) {
        for (size_t i = 0; i < want_size * 8 && ret == 0; i++)
            if (CPU_ISSET_S(i, want_size, want) &&
                (i >= have_size * 8 || !CPU_ISSET_S(i, have_size, have)))
                ret = bad(err, "%s \"%s\": not available on this host (available: %s)", flag, list,
                          online);
        CPU_FREE(have);
    }
    CPU_FREE(want);
    return ret;
}

static int check_cpu(struct hull_run_resources *r, hull_error **err)
{
    int ncpu = online_cpus();

    if (r->nano_cpus != 0 && (r->cpu_period != 0 || r->cpu_quota != 0))
        return bad(err, "--cpus and --cpu-period/--cpu-quota cannot be used together");
    if (r->nano_cpus < 0 || (r->nano_cpus > 0 && r->nano_cpus < 10000000) ||
        r->nano_cpus > (int64_t)ncpu * 1000000000)
        return bad(err, "--cpus must be from 0.01 to %d, the number of CPUs of this host", ncpu);
    if (r->cpu_period != 0 && (r->cpu_period < 1000 || r->cpu_period > 1000000))
        return bad(err, "--cpu-period %lld: expected 1000 (1ms) to 1000000 (1s) microseconds",
                   (long long)r->cpu_period);
    if (r->cpu_quota < -1 || (r->cpu_quota > 0 && r->cpu_quota < 1000))
        return bad(err, "--cpu-quota %lld: expected at least 1000 (1ms) microseconds, or -1",
                   (long long)r->cpu_quota);
    if (r->cpu_shares < 0)
        return bad(err, "--cpu-shares %lld: expected a positive number", (long long)r->cpu_shares);
    if (r->cpu_shares > 0 && (r->cpu_shares < 2 || r->cpu_shares > 262144)) {
        int64_t clamped = r->cpu_shares < 2 ? 2 : 262144;
        hull_warn("--cpu-shares %lld is outside the kernel's 2..262144: using %lld",
                  (long long)r->cpu_shares, (long long)clamped);
        r->cpu_shares = clamped;
    }
    if (r->cpu_rt_period < 0 || r->cpu_rt_runtime < -1)
        return bad(err, "--cpu-rt-period/--cpu-rt-runtime: expected microseconds");
    if (r->cpuset_cpus != NULL &&
        check_list(r->cpuset_cpus, "--cpuset-cpus", "/sys/devices/system/cpu/online", err) < 0)
        return -1;
    if (r->cpuset_mems != NULL &&
        check_list(r->cpuset_mems, "--cpuset-mems", "/sys/devices/system/node/online", err) < 0)
        return -1;
    return 0;
}

int hull_run_resources_check(struct hull_run_resources *r, bool update, hull_error **err)
{
    if (check_memory(r, update, err) < 0 || check_cpu(r, err) < 0)
        return -1;
    if (r->blkio_weight != 0 && (r->blkio_weight < 10 || r->blkio_weight > 1000))
        return bad(err, "--blkio-weight %lld: expected 10 to 1000, or 0 for none",
                   (long long)r->blkio_weight);
    /* Docker reads zero and negative pid limits as "no limit". */
    if (r->has_pids_limit && r->pids_limit <= 0)
        r->pids_limit = -1;
    return 0;
}

static json_t *object_member(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);

    if (!json_is_object(v)) {
        v = json_object();
        json_object_set_new(obj, key, v);
    }
    return v;
}

static json_t *array_member(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);

    if (!json_is_array(v)) {
        v = json_array();
        json_object_set_new(obj, key, v);
    }
    return v;
}

static void set_i64(json_t *obj, const char *key, int64_t v)
{
    json_object_set_new(obj, key, json_integer(v));
}

static void memory_json(const struct hull_run_resources *r, json_t *res)
{
    json_t *m;

    if (r->memory == 0 && r->memory_swap == 0 && r->memory_reservation == 0)
        return;
    m = object_member(res, "memory");
    if (r->memory != 0)
        set_i64(m, "limit", r->memory);
    if (r->memory_swap != 0)
        set_i64(m, "swap", r->memory_swap);
    if (r->memory_reservation != 0)
        set_i64(m, "reservation", r->memory_reservation);
}

static void cpu_json(const struct hull_run_resources *r, json_t *res)
{
    int64_t period = r->cpu_period, quota = r->cpu_quota;
    json_t *c;

    /* --cpus is a quota over Docker's default period. */
    if (r->nano_cpus > 0) {
        period = CFS_PERIOD_DEFAULT;
        quota = r->nano_cpus * CFS_PERIOD_DEFAULT / 1000000000;
    }
    if (r->cpu_shares == 0 && period == 0 && quota == 0 && r->cpu_rt_period == 0 &&
        r->cpu_rt_runtime == 0 && r->cpuset_cpus == NULL && r->cpuset_mems == NULL)
        return;
    c = object_member(res, "cpu");
    if (r->cpu_shares != 0)
        set_i64(c, "shares", r->cpu_shares);
    if (period != 0)
        set_i64(c, "period", period);
    if (quota != 0)
        set_i64(c, "quota", quota);
    if (r->cpu_rt_period != 0)
        set_i64(c, "realtimePeriod", r->cpu_rt_period);
    if (r->cpu_rt_runtime != 0)
        set_i64(c, "realtimeRuntime", r->cpu_rt_runtime);
    if (r->cpuset_cpus != NULL)
        json_object_set_new(c, "cpus", json_string(r->cpuset_cpus));
    if (r->cpuset_mems != NULL)
        json_object_set_new(c, "mems", json_string(r->cpuset_mems));
}

static void devices_json(const struct hull_run_resources *r, json_t *linux_obj, json_t *res)
{
    json_t *nodes, *rules;

    if (r->n_devices == 0)
        return;
    nodes = array_member(linux_obj, "devices");
    rules = array_member(res, "devices");
    for (size_t i = 0; i < r->n_devices; i++) {
        const struct hull_run_device *d = &r->devices[i];
        char type[2] = {d->type, '\0'};
        json_array_append_new(nodes,
                              json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "path", d->path,
                                        "type", type, "major", (json_int_t)d->major, "minor",
                                        (json_int_t)d->minor, "fileMode", (json_int_t)d->file_mode,
                                        "uid", (json_int_t)d->uid, "gid", (json_int_t)d->gid));
        json_array_append_new(rules, json_pack("{s:b, s:s, s:I, s:I, s:s}", "allow", 1, "type",
                                               type, "major", (json_int_t)d->major, "minor",
                                               (json_int_t)d->minor, "access", d->access));
    }
}

int hull_run_resources_to_json(const struct hull_run_resources *r, json_t *linux_obj,
                               hull_error **err)
{
    json_t *res;

    if (!json_is_object(linux_obj))
        return hull_err(err, EINVAL, "the config has no \"linux\" object to add resources to");
    res = object_member(linux_obj, "resources");
    memory_json(r, res);
    cpu_json(r, res);
    if (r->has_pids_limit)
        json_object_set_new(res, "pids", json_pack("{s:I}", "limit", (json_int_t)r->pids_limit));
    if (r->blkio_weight != 0)
        json_object_set_new(res, "blockIO",
                            json_pack("{s:I}", "weight", (json_int_t)r->blkio_weight));
    devices_json(r, linux_obj, res);
    return 0;
}

void hull_run_resources_to_spec(const struct hull_run_resources *r, struct hull_resources *out)
{
    memset(out, 0, sizeof(*out));
    out->memory.has_limit = r->memory != 0;
    out->memory.limit = r->memory;
    out->memory.has_swap = r->memory_swap != 0;
    out->memory.swap = r->memory_swap;
    out->memory.has_reservation = r->memory_reservation != 0;
    out->memory.reservation = r->memory_reservation;
    out->cpu.has_shares = r->cpu_shares != 0;
    out->cpu.shares = (uint64_t)r->cpu_shares;
    out->cpu.has_period = r->cpu_period != 0 || r->nano_cpus > 0;
    out->cpu.period = r->nano_cpus > 0 ? CFS_PERIOD_DEFAULT : (uint64_t)r->cpu_period;
    out->cpu.has_quota = r->cpu_quota != 0 || r->nano_cpus > 0;
    out->cpu.quota =
        r->nano_cpus > 0 ? r->nano_cpus * CFS_PERIOD_DEFAULT / 1000000000 : r->cpu_quota;
    out->cpu.has_realtime_period = r->cpu_rt_period != 0;
    out->cpu.realtime_period = (uint64_t)r->cpu_rt_period;
    out->cpu.has_realtime_runtime = r->cpu_rt_runtime != 0;
    out->cpu.realtime_runtime = r->cpu_rt_runtime;
    out->cpu.cpus = r->cpuset_cpus ? xstrdup(r->cpuset_cpus) : NULL;
    out->cpu.mems = r->cpuset_mems ? xstrdup(r->cpuset_mems) : NULL;
    out->pids.has_limit = r->has_pids_limit;
    out->pids.limit = r->pids_limit;
    out->block_io.has_weight = r->blkio_weight != 0;
    out->block_io.weight = (uint16_t)r->blkio_weight;
}

void hull_run_resources_clear(struct hull_run_resources *r)
{
    for (size_t i = 0; i < r->n_devices; i++) {
        free(r->devices[i].host_path);
        free(r->devices[i].path);
    }
    free(r->devices);
    free(r->cpuset_cpus);
    free(r->cpuset_mems);
    memset(r, 0, sizeof(*r));
}
