/* User namespace id maps. */
#include "idmap.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The kernel's limit on lines in uid_map / gid_map (since Linux 4.15). */
#define IDMAP_MAX_LINES 340

/* The kernel rejects a range whose end wraps to 2^32 ((u32)-1 is the invalid
 * id), so the last mappable id is 2^32 - 2. */
#define IDMAP_END_MAX UINT64_C(0xffffffff)

static bool ranges_overlap(uint32_t a, uint32_t a_size, uint32_t b, uint32_t b_size)
{
    return (uint64_t)a < (uint64_t)b + b_size && (uint64_t)b < (uint64_t)a + a_size;
}

static int check_one(const struct hull_idmap *m, size_t i, const char *field, hull_error **err)
{
    if (m->size == 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "%s[%zu]: size must be greater than 0",
                             field, i);
    if ((uint64_t)m->container_id + m->size > IDMAP_END_MAX)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "%s[%zu]: containerID %" PRIu32 " + size %" PRIu32
                             " goes past the largest id 4294967294",
                             field, i, m->container_id, m->size);
    if ((uint64_t)m->host_id + m->size > IDMAP_END_MAX)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "%s[%zu]: hostID %" PRIu32 " + size %" PRIu32
                             " goes past the largest id 4294967294",
                             field, i, m->host_id, m->size);
    return 0;
}

int hull_idmap_validate(const struct hull_idmap *maps, size_t n, const char *field,
                        hull_error **err)
{
    if (n > IDMAP_MAX_LINES)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "%s: %zu mappings exceed the kernel's limit of %d", field, n,
                             IDMAP_MAX_LINES);
    for (size_t i = 0; i < n; i++) {
        if (check_one(&maps[i], i, field, err) < 0)
            return -1;
        /* Overlaps make the kernel refuse the whole map (EINVAL); naming
         * the two entries is the useful part. */
        for (size_t j = 0; j < i; j++) {
            if (ranges_overlap(maps[i].container_id, maps[i].size, maps[j].container_id,
                               maps[j].size))
                return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                     "%s[%zu]: container ids %" PRIu32 "..%" PRIu64
                                     " overlap those of %s[%zu]",
                                     field, i, maps[i].container_id,
                                     (uint64_t)maps[i].container_id + maps[i].size - 1, field, j);
            if (ranges_overlap(maps[i].host_id, maps[i].size, maps[j].host_id, maps[j].size))
                return hull_err_kind(
                    err, HULL_ERR_BAD_INPUT, 0,
                    "%s[%zu]: host ids %" PRIu32 "..%" PRIu64 " overlap those of %s[%zu]", field, i,
                    maps[i].host_id, (uint64_t)maps[i].host_id + maps[i].size - 1, field, j);
        }
    }
    return 0;
}

char *hull_idmap_format(const struct hull_idmap *maps, size_t n)
{
    /* Three 10-digit numbers, two spaces and a newline per line. */
    size_t cap = n * 34 + 1, used = 0;
    char *out = xmalloc(cap);

    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        used += (size_t)snprintf(out + used, cap - used, "%" PRIu32 " %" PRIu32 " %" PRIu32 "\n",
                                 maps[i].container_id, maps[i].host_id, maps[i].size);
    return out;
}

/* The kernel accepts a map only in one write(2) on a fresh open, and only
 * once per namespace. */
static int write_proc_file(pid_t pid, const char *name, const char *data, hull_error **err)
{
    char path[64];
    size_t len = strlen(data);

    snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
    return proc_write_checked(path, data, len, err);
}

int hull_idmap_write(pid_t pid, const char *which, const struct hull_idmap *maps, size_t n,
                     hull_error **err)
{
    if (strcmp(which, "uid_map") != 0 && strcmp(which, "gid_map") != 0)
        return hull_err(err, EINVAL, "unknown id map file \"%s\"", which);
    if (n == 0)
        return hull_err(err, EINVAL, "write /proc/%d/%s: no mappings", (int)pid, which);
    _cleanup_free_ char *text = hull_idmap_format(maps, n);
    return write_proc_file(pid, which, text, err);
}

int hull_setgroups_write(pid_t pid, bool deny, hull_error **err)
{
    return write_proc_file(pid, "setgroups", deny ? "deny" : "allow", err);
}

bool hull_idmap_needs_setgroups_deny(const struct hull_idmap *gid_maps, size_t n, bool privileged)
{
    /* user_namespaces(7): without CAP_SETGID in the parent namespace, the
     * only gid map a process may write is its own single gid, and only
     * after setgroups is denied (otherwise dropping a group with
     * setgroups(2) could grant access, CVE-2014-8989). */
    return !privileged && n == 1 && gid_maps[0].size == 1;
}

int64_t hull_idmap_to_host(const struct hull_idmap *maps, size_t n, uint32_t id)
{
    for (size_t i = 0; i < n; i++) {
        if (id >= maps[i].container_id &&
            (uint64_t)id < (uint64_t)maps[i].container_id + maps[i].size)
            return (int64_t)maps[i].host_id + (id - maps[i].container_id);
    }
    return -1;
}
