/* The resource flags `hull run` and `hull update` share (Docker's -m,
 * --memory-swap, --cpus, -c, --pids-limit, --blkio-weight, ...), kept as
 * written until hull_res_flags_parse() turns them into limits.  A command
 * embeds struct hull_res_flags in its flag struct and puts
 * HULL_RES_FLAGS(its struct, member) into its flag table. */
#ifndef HULL_RESFLAGS_H
#define HULL_RESFLAGS_H

#include "engine_resources.h"
#include "error.h"
#include "opts.h"

#include <stdbool.h>
#include <stddef.h>

struct hull_res_flags {
    const char *memory, *memory_swap, *memory_reservation, *cpus, *cpu_shares, *cpu_period,
        *cpu_quota, *cpu_rt_period, *cpu_rt_runtime, *cpuset_cpus, *cpuset_mems, *pids_limit,
        *blkio_weight;
    char **device; /* run only */
};

#define HULL_RES_FLAG_(T, m, name, sh, field, vname, usage)                                        \
    HULL_FLAG_IN(T, m, name, sh, HULL_FLAG_STRING, field, vname, usage)

/* The flags of both commands, as entries of a flag table. */
#define HULL_RES_FLAGS(T, m)                                                                       \
    HULL_RES_FLAG_(T, m, "blkio-weight", 0, blkio_weight, "uint16",                                \
                   "Block IO weight, 10 to 1000 (0: none)"),                                       \
        HULL_RES_FLAG_(T, m, "cpu-period", 0, cpu_period, "int",                                   \
                       "Length of the CPU CFS period, in microseconds"),                           \
        HULL_RES_FLAG_(T, m, "cpu-quota", 0, cpu_quota, "int",                                     \
                       "CPU time allowed per CFS period, in microseconds"),                        \
        HULL_RES_FLAG_(T, m, "cpu-rt-period", 0, cpu_rt_period, "int",                             \
                       "Length of the CPU real-time period, in microseconds"),                     \
        HULL_RES_FLAG_(T, m, "cpu-rt-runtime", 0, cpu_rt_runtime, "int",                           \
                       "CPU real-time runtime per period, in microseconds"),                       \
        HULL_RES_FLAG_(T, m, "cpu-shares", 'c', cpu_shares, "int",                                 \
                       "CPU shares: the weight against other containers"),                         \
        HULL_RES_FLAG_(T, m, "cpus", 0, cpus, "decimal", "Number of CPUs (e.g. 1.5)"),             \
        HULL_RES_FLAG_(T, m, "cpuset-cpus", 0, cpuset_cpus, "string",                              \
                       "CPUs allowed to run on (0-3, 0,1)"),                                       \
        HULL_RES_FLAG_(T, m, "cpuset-mems", 0, cpuset_mems, "string",                              \
                       "Memory nodes allowed to allocate from (0-3, 0,1)"),                        \
        HULL_RES_FLAG_(T, m, "memory", 'm', memory, "bytes", "Memory limit (e.g. 512m, 1g)"),      \
        HULL_RES_FLAG_(T, m, "memory-reservation", 0, memory_reservation, "bytes",                 \
                       "Memory soft limit"),                                                       \
        HULL_RES_FLAG_(T, m, "memory-swap", 0, memory_swap, "bytes",                               \
                       "Limit of memory plus swap: -1 for unlimited swap"),                        \
        HULL_RES_FLAG_(T, m, "pids-limit", 0, pids_limit, "int",                                   \
                       "Maximum number of processes (-1 for unlimited)")

/* --device, for run. */
#define HULL_DEVICE_FLAG(T, m)                                                                     \
    {                                                                                              \
        "device", 0, HULL_FLAG_LIST, offsetof(T, m.device), "list",                                \
            "Give a host device to the container (HOST[:CONTAINER][:rwm])"                         \
    }

/* Parses the flags that were given into OUT (which the caller releases
 * with hull_run_resources_clear()) and applies Docker's checks, for a new
 * container or, with UPDATE, for an update.  Errors quote the flag and
 * its value. */
int hull_res_flags_parse(const struct hull_res_flags *f, bool update,
                         struct hull_run_resources *out, hull_error **err);

#endif
