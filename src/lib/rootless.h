/* Running containers as an ordinary user.
 *
 * Without root on the host, a process may only map its own uid and gid
 * into a user namespace it creates.  Anything wider (root plus the
 * subordinate ranges of /etc/subuid and /etc/subgid) goes through the
 * setuid helpers newuidmap and newgidmap (package uidmap), which check the
 * ranges against those files.  Cgroups are written only where the user
 * was given (delegated) a cgroup; without one, a container that asks for
 * no limits runs without a cgroup of its own, and one that asks for
 * limits is refused with a message that says why. */
#ifndef HULL_ROOTLESS_H
#define HULL_ROOTLESS_H

#include "error.h"
#include "net_ports.h"
#include "spec.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* True when the caller is not root on the host (its effective uid is not
 * 0, or it runs in a user namespace other than the initial one). */
bool hull_rootless(void);

/* Writes the id maps of L into the user namespace of PID for a caller
 * that is not root: its own single uid/gid directly (gid after setgroups
 * "deny", as the kernel demands), anything else through newuidmap /
 * newgidmap.  Their complaints (a range not granted in /etc/subuid) come
 * back in the error. */
int hull_rootless_write_maps(pid_t pid, const struct hull_linux *l, hull_error **err);

/* Whether R sets any limit that needs a cgroup (device rules do not: a
 * rootless container gets only the devices bound into it). */
bool hull_resources_have_limits(const struct hull_resources *r);

/* The first subordinate range of USER (or of the numeric UID, as
 * shadow's tools also accept) in FILE (/etc/subuid or /etc/subgid).
 * A user without one is an error that says how to add it. */
int hull_subid_range(const char *file, const char *user, uid_t uid, uint32_t *start,
                     uint32_t *count, hull_error **err);

/* Moves the calling process into a new user, mount and network namespace
 * where it is root: the caller's uid and gid map to 0, its
 * ranges of /etc/subuid and /etc/subgid to 1..N (written by newuidmap and
 * newgidmap from a helper child that stays outside, since the setuid
 * helpers have no power inside).  Files the process then creates belong
 * to the caller or to its subordinate ids on the host, so image layers
 * unpacked here show their own owners inside containers.  "/" becomes a
 * slave mount: overlays mounted here never reach the host.  The network
 * namespace is new too: the host's belongs to the initial user namespace,
 * where nothing may be configured (or re-entered after a setns). */
int hull_rootless_enter(hull_error **err);

/* Forks, before hull_rootless_enter() leaves the host's namespaces, the
 * helper that starts slirp4netns for rootless containers from there
 * (rootless_net.c); it lives as long as this process or a child holds
 * hull_rootless_net_fd(). */
int hull_rootless_net_helper_start(hull_error **err);
/* The socket to that helper (above 255), or -1; the first call in a
 * process makes it close-on-exec (it is passed on across hull's
 * re-execution into a sealed copy until then). */
int hull_rootless_net_fd(void);
/* Starts slirp4netns for the network namespace of TARGET (a pid of this
 * host): its tap0 gets 10.0.2.100/24 and the default route via 10.0.2.2,
 * DNS at 10.0.2.3, and the host's loopback stays out of reach.  PORTS are
 * published through it: slirp4netns listens on the host's ports itself,
 * and a host port 0 gets a free one written back.  *SLIRP gets its pid,
 * to stop it when the container's network goes.  Without a helper (a
 * hull re-executed inside the namespace) the error is ENOTCONN;
 * slirp4netns missing is ENOENT with a message saying what to install; a
 * host port in use is HULL_ERR_BAD_INPUT. */
int hull_rootless_slirp(pid_t target, struct hull_port *ports, size_t n_ports, pid_t *slirp,
                        hull_error **err);

/* The engine's roots for an ordinary user, for those still NULL:
 * $XDG_DATA_HOME/hull (else ~/.local/share/hull) for images and
 * containers, $XDG_RUNTIME_DIR/hull (else /tmp/hull-run-UID) for what
 * lives only while the host runs.  New strings. */
int hull_rootless_engine_roots(char **state_root, char **run_root, hull_error **err);

#endif
