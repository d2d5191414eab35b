/* Namespaces of a container: the ones joined by path and the ones created. */
#ifndef HULL_NAMESPACES_H
#define HULL_NAMESPACES_H

#include "error.h"
#include "spec.h"

#include <stdbool.h>

/* Opens every linux.namespaces[].path and checks that each really is a
 * namespace of the declared type (ioctl NS_GET_NSTYPE), so a wrong path is
 * reported before anything is created.  fds[t] is -1 for types not joined.
 * On failure every descriptor opened is closed. */
int hull_ns_open_paths(const struct hull_linux *l, int fds[HULL_NS_COUNT], hull_error **err);

void hull_ns_close_all(int fds[HULL_NS_COUNT]);

/* CLONE_NEW* flags of the namespaces to create (present, no path),
 * without CLONE_NEWUSER. */
int hull_ns_unshare_flags(const struct hull_linux *l);

/* Whether the container gets a new user namespace / has one at all. */
bool hull_ns_new_user(const struct hull_linux *l);
bool hull_ns_has(const struct hull_linux *l, enum hull_ns_type t);

/* setns() into each joined namespace: the user namespace first (it owns
 * the others), then the rest, the mount namespace last so the other paths
 * still resolve in the runtime's mount namespace. */
int hull_ns_join_all(int fds[HULL_NS_COUNT], hull_error **err);

/* Writes linux.timeOffsets to /proc/self/timens_offsets; must run after
 * unshare(CLONE_NEWTIME) and before any process enters the namespace. */
int hull_ns_write_time_offsets(const struct hull_linux *l, hull_error **err);

#endif
