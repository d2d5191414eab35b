/* hullrt update: new limits for a running container, from a
 * linux.resources file or from runc's individual flags. */
#include "commands.h"
#include "log.h"
#include "units.h"
#include "util.h"

#include <fcntl.h>
#include <stddef.h>
#include <string.h>

#define U(field) offsetof(struct hullrt_cmd_opts, update.field)

static const struct hullrt_opt update_flags[] = {
    {"resources", 'r', HULLRT_OPT_STRING, U(resources), "FILE", NULL,
     "linux.resources JSON to apply, from FILE or \"-\" for standard input; the other flags are "
     "then ignored"},
    {"blkio-weight", 0, HULLRT_OPT_STRING, U(blkio_weight), "N", NULL,
     "block I/O weight, 10 to 1000"},
    {"cpu-period", 0, HULLRT_OPT_STRING, U(cpu_period), "USECS", NULL,
     "CPU CFS period (0: the system default)"},
    {"cpu-quota", 0, HULLRT_OPT_STRING, U(cpu_quota), "USECS", NULL,
     "CPU CFS quota: CPU time allowed per period (-1: no limit)"},
    {"cpu-burst", 0, HULLRT_OPT_STRING, U(cpu_burst), "USECS", NULL,
     "CPU CFS burst: unused quota that may be spent later"},
    {"cpu-share", 0, HULLRT_OPT_STRING, U(cpu_shares), "N", NULL,
     "CPU shares, the weight against other containers"},
    {"cpu-shares", 0, HULLRT_OPT_STRING, U(cpu_shares), "N", NULL, "same as --cpu-share"},
    {"cpu-rt-period", 0, HULLRT_OPT_STRING, U(cpu_rt_period), "USECS", NULL,
     "CPU real-time period"},
    {"cpu-rt-runtime", 0, HULLRT_OPT_STRING, U(cpu_rt_runtime), "USECS", NULL,
     "CPU real-time runtime allowed per period"},
    {"cpuset-cpus", 0, HULLRT_OPT_STRING, U(cpuset_cpus), "LIST", NULL, "CPUs to run on (0-3,5)"},
    {"cpuset-mems", 0, HULLRT_OPT_STRING, U(cpuset_mems), "LIST", NULL,
     "memory nodes to allocate from"},
    {"cpu-idle", 0, HULLRT_OPT_STRING, U(cpu_idle), "0|1", NULL,
     "1: the SCHED_IDLE policy for the cgroup"},
    {"memory", 0, HULLRT_OPT_STRING, U(memory), "BYTES", NULL,
     "memory limit (a number with an optional unit: 512m, 1g; -1: no limit)"},
    {"memory-reservation", 0, HULLRT_OPT_STRING, U(memory_reservation), "BYTES", NULL,
     "memory soft limit"},
    {"memory-swap", 0, HULLRT_OPT_STRING, U(memory_swap), "BYTES", NULL,
     "limit of memory plus swap (-1: unlimited swap)"},
    {"pids-limit", 0, HULLRT_OPT_STRING, U(pids_limit), "N", NULL,
     "maximum number of processes (-1: no limit)"},
    {"kernel-memory", 0, HULLRT_OPT_STRING, U(kernel_memory), "BYTES", NULL,
     "obsolete: accepted and ignored with a warning"},
    {"kernel-memory-tcp", 0, HULLRT_OPT_STRING, U(kernel_memory_tcp), "BYTES", NULL,
     "obsolete: accepted and ignored with a warning"},
    {"l3-cache-schema", 0, HULLRT_OPT_STRING, U(l3_cache_schema), "SCHEMA", NULL,
     "Intel RDT L3 cache schema: not supported"},
    {"mem-bw-schema", 0, HULLRT_OPT_STRING, U(mem_bw_schema), "SCHEMA", NULL,
     "Intel RDT memory bandwidth schema: not supported"},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};

static int bad_value(const char *flag, const char *value, const char *what, hull_error **err)
{
    return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "invalid value \"%s\" for flag --%s: %s",
                         value, flag, what);
}

static int get_u64(const char *flag, const char *value, uint64_t *out, bool *has, hull_error **err)
{
    if (value == NULL)
        return 0;
    if (parse_uint64(value, out) < 0)
        return bad_value(flag, value, "expected a non-negative integer", err);
    *has = true;
    return 0;
}

static int get_i64(const char *flag, const char *value, int64_t *out, bool *has, hull_error **err)
{
    if (value == NULL)
        return 0;
    if (parse_int64(value, INT64_MIN, INT64_MAX, out) < 0)
        return bad_value(flag, value, "expected an integer", err);
    *has = true;
    return 0;
}

/* "-1" or a size with Docker's units, as runc takes them. */
static int get_bytes(const char *flag, const char *value, int64_t *out, bool *has, hull_error **err)
{
    if (value == NULL)
        return 0;
    if (strcmp(value, "-1") == 0)
        *out = -1;
    else if (hull_units_ram_bytes(value, out, err) < 0)
        return hull_err_wrap(err, "flag --%s", flag);
    *has = true;
    return 0;
}

static int cpu_flags(const struct hullrt_update_opts *u, struct hull_resources *r, hull_error **err)
{
    if (get_u64("cpu-period", u->cpu_period, &r->cpu.period, &r->cpu.has_period, err) < 0 ||
        get_i64("cpu-quota", u->cpu_quota, &r->cpu.quota, &r->cpu.has_quota, err) < 0 ||
        get_u64("cpu-burst", u->cpu_burst, &r->cpu.burst, &r->cpu.has_burst, err) < 0 ||
        get_u64("cpu-share", u->cpu_shares, &r->cpu.shares, &r->cpu.has_shares, err) < 0 ||
        get_u64("cpu-rt-period", u->cpu_rt_period, &r->cpu.realtime_period,
                &r->cpu.has_realtime_period, err) < 0 ||
        get_i64("cpu-rt-runtime", u->cpu_rt_runtime, &r->cpu.realtime_runtime,
                &r->cpu.has_realtime_runtime, err) < 0 ||
        get_i64("cpu-idle", u->cpu_idle, &r->cpu.idle, &r->cpu.has_idle, err) < 0)
        return -1;
    if (u->cpuset_cpus != NULL && u->cpuset_cpus[0] != '\0')
        r->cpu.cpus = xstrdup(u->cpuset_cpus);
    if (u->cpuset_mems != NULL && u->cpuset_mems[0] != '\0')
        r->cpu.mems = xstrdup(u->cpuset_mems);
    return 0;
}

static int memory_flags(const struct hullrt_update_opts *u, struct hull_resources *r,
                        hull_error **err)
{
    static const char *const ignored[] = {"kernel-memory", "kernel-memory-tcp"};
    const char *values[] = {u->kernel_memory, u->kernel_memory_tcp};

    if (get_bytes("memory", u->memory, &r->memory.limit, &r->memory.has_limit, err) < 0 ||
        get_bytes("memory-swap", u->memory_swap, &r->memory.swap, &r->memory.has_swap, err) < 0 ||
        get_bytes("memory-reservation", u->memory_reservation, &r->memory.reservation,
                  &r->memory.has_reservation, err) < 0)
        return -1;
    for (size_t i = 0; i < ARRAY_SIZE(ignored); i++)
        if (values[i] != NULL && values[i][0] != '\0')
            hull_warn("setting --%s is ignored and will be removed", ignored[i]);
    return 0;
}

/* The individual flags as a resources object; unset flags stay unset. */
static int flags_to_resources(const struct hullrt_update_opts *u, struct hull_resources *r,
                              hull_error **err)
{
    int64_t v;

    if (u->l3_cache_schema != NULL || u->mem_bw_schema != NULL)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "--%s: Intel RDT is not supported",
                             u->l3_cache_schema != NULL ? "l3-cache-schema" : "mem-bw-schema");
    if (u->blkio_weight != NULL) {
        if (parse_int64(u->blkio_weight, 0, UINT16_MAX, &v) < 0)
            return bad_value("blkio-weight", u->blkio_weight, "expected an integer in 10..1000",
                             err);
        r->block_io.has_weight = v != 0;
        r->block_io.weight = (uint16_t)v;
    }
    if (u->pids_limit != NULL) {
        if (parse_int64(u->pids_limit, INT64_MIN, INT64_MAX, &v) < 0)
            return bad_value("pids-limit", u->pids_limit, "expected an integer", err);
        if (v < -1)
            return bad_value("pids-limit", u->pids_limit, "expected a positive number, or -1", err);
        r->pids.has_limit = v != 0;
        r->pids.limit = v;
    }
    if (cpu_flags(u, r, err) < 0 || memory_flags(u, r, err) < 0)
        return -1;
    /* v1 cannot hold an unlimited memory limit under a finite memsw one:
     * -1 alone means both, as runc reads it. */
    if (r->memory.has_limit && r->memory.limit == -1 && !r->memory.has_swap) {
        r->memory.has_swap = true;
        r->memory.swap = -1;
    }
    return 0;
}

static int read_resources(const char *file, struct hull_resources *r, hull_error **err)
{
    _cleanup_free_ char *text = NULL;
    bool std_in = strcmp(file, "-") == 0;

    if (read_file_at(AT_FDCWD, std_in ? "/dev/stdin" : file, 1 << 20, &text, NULL, err) < 0)
        return hull_err_wrap(err, "--resources");
    return hull_spec_parse_resources(text, std_in ? "standard input" : file, r, err);
}

static int update_run(const struct hullrt_ctx *ctx, int *exit_status, hull_error **err)
{
    const struct hullrt_update_opts *u = &ctx->opts->update;
    struct hull_resources r = {0};
    int ret;

    *exit_status = 0;
    if (u->resources != NULL && u->resources[0] != '\0')
        ret = read_resources(u->resources, &r, err);
    else
        ret = flags_to_resources(u, &r, err);
    if (ret == 0)
        ret = hull_container_update(&ctx->rt, ctx->args[0], &r, err);
    hull_resources_clear(&r);
    return ret;
}

const struct hullrt_command hullrt_cmd_update = {
    .name = "update",
    .summary = "update the resource limits of a container",
    .args_usage = "<container-id>",
    .description =
        "Applies new resource limits to the cgroup of <container-id>, which must not have\n"
        "stopped.  The limits come from --resources, a linux.resources object of the OCI\n"
        "runtime specification (unchanged values can be left out), or from the flags\n"
        "below when --resources is not given.  Device rules cannot be updated.\n"
        "\n"
        "Sizes take a number of bytes or a number with a unit (512m, 1.5g); -1 means no\n"
        "limit.  A limit the host cannot honour is an error, and nothing is changed by\n"
        "a value the checks refuse.\n"
        "\n"
        "Examples:\n"
        "    hullrt update --memory 256m --pids-limit 100 web1\n"
        "    echo '{\"cpu\": {\"quota\": 50000, \"period\": 100000}}' | hullrt update -r - web1",
    .flags = (const struct hullrt_opt *const[]){update_flags, NULL},
    .min_args = 1,
    .max_args = 1,
    .stop_after = -1,
    .run = update_run,
};
