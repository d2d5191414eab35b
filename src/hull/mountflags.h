/* The mount and security flags of `hull run` and `hull create` (-v,
 * --mount, --tmpfs, --read-only, --cap-add, --cap-drop, --privileged,
 * --security-opt, --ulimit).  A command embeds struct hull_mount_flags in
 * its flag struct, puts HULL_MOUNT_FLAGS(its struct, member) into its flag
 * table, and hands the values on with hull_mount_flags_apply(). */
#ifndef HULL_MOUNTFLAGS_H
#define HULL_MOUNTFLAGS_H

#include "engine.h"
#include "opts.h"

#include <stdbool.h>
#include <stddef.h>

struct hull_mount_flags {
    char **volumes, **mounts, **tmpfs, **cap_add, **cap_drop, **security_opt, **ulimits;
    bool read_only, privileged;
};

#define HULL_MOUNT_FLAGS(T, m)                                                                     \
    HULL_FLAG_IN(T, m, "cap-add", 0, HULL_FLAG_LIST, cap_add, "list", "Add Linux capabilities"),   \
        HULL_FLAG_IN(T, m, "cap-drop", 0, HULL_FLAG_LIST, cap_drop, "list",                        \
                     "Drop Linux capabilities"),                                                   \
        HULL_FLAG_IN(T, m, "mount", 0, HULL_FLAG_LIST, mounts, "mount",                            \
                     "Attach a filesystem mount to the container"),                                \
        HULL_FLAG_IN(T, m, "privileged", 0, HULL_FLAG_BOOL, privileged, NULL,                      \
                     "Give extended privileges to this container"),                                \
        HULL_FLAG_IN(T, m, "read-only", 0, HULL_FLAG_BOOL, read_only, NULL,                        \
                     "Mount the container's root filesystem as read only"),                        \
        HULL_FLAG_IN(T, m, "security-opt", 0, HULL_FLAG_LIST, security_opt, "list",                \
                     "Security Options"),                                                          \
        HULL_FLAG_IN(T, m, "tmpfs", 0, HULL_FLAG_LIST, tmpfs, "list", "Mount a tmpfs directory"),  \
        HULL_FLAG_IN(T, m, "ulimit", 0, HULL_FLAG_LIST, ulimits, "ulimit", "Ulimit options"),      \
        HULL_FLAG_IN(T, m, "volume", 'v', HULL_FLAG_LIST, volumes, "list", "Bind mount a volume")

/* Points the request's mount and security fields at F's values. */
void hull_mount_flags_apply(const struct hull_mount_flags *f, struct hull_run_request *r);

#endif
