#include "resflags.h"
#include "units.h"
#include "util.h"

#include <string.h>

static int bad_arg(const char *flag, const char *value, const hull_error *why, const char *what,
                   hull_error **err)
{
    return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                         "invalid argument \"%s\" for \"--%s\" flag: %s", value, flag,
                         why != NULL ? why->msg : what);
}

static int get_int(const char *flag, const char *value, int64_t min, int64_t max, int64_t *out,
                   hull_error **err)
{
    if (value == NULL)
        return 0;
    if (parse_int64(value, min, max, out) < 0)
        return bad_arg(flag, value, NULL,
                       min == 0 ? "expected a number in 0..65535" : "expected an integer", err);
    return 0;
}

/* Sizes with Docker's units; ALLOW_UNLIMITED takes "-1" too. */
static int get_bytes(const char *flag, const char *value, bool allow_unlimited, int64_t *out,
                     hull_error **err)
{
    _cleanup_error_ hull_error *why = NULL;

    if (value == NULL)
        return 0;
    if (allow_unlimited && strcmp(value, "-1") == 0) {
        *out = -1;
        return 0;
    }
    if (hull_units_ram_bytes(value, out, &why) < 0)
        return bad_arg(flag, value, why, NULL, err);
    return 0;
}

static int get_devices(char *const *values, struct hull_run_resources *out, hull_error **err)
{
    size_t n = strv_len(values);

    if (n == 0)
        return 0;
    out->devices = xmalloc0(n * sizeof(*out->devices));
    for (size_t i = 0; i < n; i++) {
        if (hull_run_device_parse(values[i], &out->devices[i], err) < 0)
            return -1;
        out->n_devices++;
    }
    return 0;
}

static int parse_all(const struct hull_res_flags *f, struct hull_run_resources *out,
                     hull_error **err)
{
    _cleanup_error_ hull_error *why = NULL;

    if (get_bytes("memory", f->memory, false, &out->memory, err) < 0 ||
        get_bytes("memory-swap", f->memory_swap, true, &out->memory_swap, err) < 0 ||
        get_bytes("memory-reservation", f->memory_reservation, false, &out->memory_reservation,
                  err) < 0)
        return -1;
    if (f->cpus != NULL && hull_units_nano_cpus(f->cpus, &out->nano_cpus, &why) < 0)
        return bad_arg("cpus", f->cpus, why, NULL, err);
    if (get_int("cpu-shares", f->cpu_shares, INT64_MIN, INT64_MAX, &out->cpu_shares, err) < 0 ||
        get_int("cpu-period", f->cpu_period, INT64_MIN, INT64_MAX, &out->cpu_period, err) < 0 ||
        get_int("cpu-quota", f->cpu_quota, INT64_MIN, INT64_MAX, &out->cpu_quota, err) < 0 ||
        get_int("cpu-rt-period", f->cpu_rt_period, INT64_MIN, INT64_MAX, &out->cpu_rt_period, err) <
            0 ||
        get_int("cpu-rt-runtime", f->cpu_rt_runtime, INT64_MIN, INT64_MAX, &out->cpu_rt_runtime,
                err) < 0 ||
        get_int("pids-limit", f->pids_limit, INT64_MIN, INT64_MAX, &out->pids_limit, err) < 0 ||
        get_int("blkio-weight", f->blkio_weight, 0, UINT16_MAX, &out->blkio_weight, err) < 0)
        return -1;
    out->has_pids_limit = f->pids_limit != NULL;
    if (f->cpuset_cpus != NULL && f->cpuset_cpus[0] != '\0')
        out->cpuset_cpus = xstrdup(f->cpuset_cpus);
    if (f->cpuset_mems != NULL && f->cpuset_mems[0] != '\0')
        out->cpuset_mems = xstrdup(f->cpuset_mems);
    return get_devices(f->device, out, err);
}

int hull_res_flags_parse(const struct hull_res_flags *f, bool update,
                         struct hull_run_resources *out, hull_error **err)
{
    memset(out, 0, sizeof(*out));
    if (parse_all(f, out, err) < 0 || hull_run_resources_check(out, update, err) < 0) {
        hull_run_resources_clear(out);
        return -1;
    }
    return 0;
}
