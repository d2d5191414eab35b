/* The resource options of `hull run` and `hull update` (Docker's -m,
 * --memory-swap, --cpus, --cpu-shares, --pids-limit, --device, ...):
 * checked by Docker's rules and turned into the linux.resources and
 * linux.devices of a container's config, or into an update of a running
 * container's limits. */
#ifndef HULL_ENGINE_RESOURCES_H
#define HULL_ENGINE_RESOURCES_H

#include "error.h"
#include "spec.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A host device given to the container (--device). */
struct hull_run_device {
    char *host_path; /* as given */
    char *path;      /* in the container */
    char type;       /* 'c' or 'b' */
    int64_t major, minor;
    uint32_t file_mode, uid, gid;
    char access[4]; /* subset of "rwm" */
};

/* Zero means "not given" for every number, as in Docker's HostConfig. */
struct hull_run_resources {
    int64_t memory;             /* bytes */
    int64_t memory_swap;        /* memory plus swap, bytes; -1: unlimited swap */
    int64_t memory_reservation; /* bytes */
    int64_t nano_cpus;          /* --cpus, in billionths of a CPU */
    int64_t cpu_shares;
    int64_t cpu_period, cpu_quota;         /* microseconds; quota -1: unlimited */
    int64_t cpu_rt_period, cpu_rt_runtime; /* microseconds */
    char *cpuset_cpus, *cpuset_mems;       /* NULL: not given */
    int64_t pids_limit;                    /* <= 0 but given: unlimited */
    bool has_pids_limit;
    int64_t blkio_weight; /* 10..1000 */
    struct hull_run_device *devices;
    size_t n_devices;
};

/* Parses Docker's --device value HOST[:CONTAINER][:PERMISSIONS] (the
 * container path defaults to HOST, the permissions to "rwm") and reads the
 * host node's type, numbers, mode and owner.  HOST must be a character or
 * block device; a directory of devices is not supported. */
int hull_run_device_parse(const char *value, struct hull_run_device *out, hull_error **err);

/* Docker's checks and defaults, with its messages ("Minimum memory limit
 * allowed is 6MB", ...).  For a new container (UPDATE false) a memory
 * limit without --memory-swap gets swap equal to the limit (memory plus
 * swap twice the limit) where the host accounts swap; cpu shares out of
 * the kernel's 2..262144 are clamped with a warning. */
int hull_run_resources_check(struct hull_run_resources *r, bool update, hull_error **err);

/* Adds what R asks for to LINUX, the "linux" object of a config: fields of
 * linux.resources (memory, cpu, pids, blockIO; the object is created when
 * missing) and, for each device, a linux.devices entry and an allow rule
 * appended to linux.resources.devices. */
int hull_run_resources_to_json(const struct hull_run_resources *r, json_t *linux_obj,
                               hull_error **err);

/* The same limits as the OCI resources an update applies (devices are not
 * part of an update); release OUT with hull_resources_clear(). */
void hull_run_resources_to_spec(const struct hull_run_resources *r, struct hull_resources *out);

void hull_run_resources_clear(struct hull_run_resources *r);

#endif
