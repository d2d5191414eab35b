/* User namespace id maps: validation, formatting, writing. */
#ifndef HULL_IDMAP_H
#define HULL_IDMAP_H

#include "error.h"
#include "spec.h"

#include <sys/types.h>

/* Checks a mapping list: sizes > 0, no overflow of 32-bit ranges, no
 * overlap of container ranges nor of host ranges, at most 340 lines (the
 * kernel's limit).  FIELD names the list in messages
 * ("linux.uidMappings"). */
int hull_idmap_validate(const struct hull_idmap *maps, size_t n, const char *field,
                        hull_error **err);

/* "0 1000 1\n1 100000 65536\n": the text the kernel wants, in one buffer
 * (it must be written with a single write(2)). */
char *hull_idmap_format(const struct hull_idmap *maps, size_t n);

/* Writes /proc/PID/uid_map or gid_map (WHICH is "uid_map" or "gid_map"). */
int hull_idmap_write(pid_t pid, const char *which, const struct hull_idmap *maps, size_t n,
                     hull_error **err);

/* Writes "deny" (or "allow") to /proc/PID/setgroups. */
int hull_setgroups_write(pid_t pid, bool deny, hull_error **err);

/* True when a gid map must be preceded by setgroups "deny": an unprivileged
 * writer mapping a single gid. */
bool hull_idmap_needs_setgroups_deny(const struct hull_idmap *gid_maps, size_t n, bool privileged);

/* Maps an id of the container to the host through MAPS; returns -1 when
 * unmapped. */
int64_t hull_idmap_to_host(const struct hull_idmap *maps, size_t n, uint32_t id);

#endif
