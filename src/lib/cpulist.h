/* CPU lists ("0-3,5") as written in process.execCPUAffinity, turned into
 * affinity masks.  Implemented in process.c. */
#ifndef HULL_CPULIST_H
#define HULL_CPULIST_H

#include "error.h"

#include <sched.h>
#include <stddef.h>
#include <sys/types.h>

/* Parses LIST (comma-separated CPU numbers and N-M ranges, N <= M) into a
 * mask allocated with CPU_ALLOC; *setsize receives its size in bytes for
 * the CPU_*_S macros.  FIELD names the list in messages.  Free the mask
 * with CPU_FREE. */
int hull_cpu_list_parse(const char *list, const char *field, cpu_set_t **set, size_t *setsize,
                        hull_error **err);

/* Parses LIST and applies it to PID (0: the caller) with
 * sched_setaffinity; execCPUAffinity.final is applied this way by the
 * parent once the process is in its cgroup. */
int hull_cpu_affinity_apply(pid_t pid, const char *list, const char *field, hull_error **err);

#endif
