/* Shared by the engine's files: engine.c (context, removal), engine_run.c
 * (creation), engine_launch.c (starting under a monitor), engine_attach.c
 * (the monitor's clients), engine_stop.c (stop, kill, wait),
 * engine_repair.c (the monitor's hooks, reconciling after crashes). */
#ifndef HULL_ENGINE_INTERNAL_H
#define HULL_ENGINE_INTERNAL_H

#include "engine.h"

#include <stdbool.h>
#include <signal.h>
#include <sys/types.h>

/* What hull_engine_teardown removes besides the runtime's container, its
 * cgroup, the network and the overlay mount. */
#define HULL_TEARDOWN_RECORD       1u /* the record and its directory */
#define HULL_TEARDOWN_KEEP_RUN_DIR 2u /* the monitor's socket stays (a restart follows) */
#define HULL_TEARDOWN_VOLUMES      4u /* with the record: the anonymous volumes */
#define HULL_TEARDOWN_UNLIST                                                                       \
    8u /* with the record: its directory is moved aside                                            \
          (hull_ctr_unlist), hull_engine_purge() deletes it */

/* Removes what exists of container C outside its record: the runtime's
 * state and cgroup (killing what still runs), its network, the overlay
 * mount and the run directory; FLAGS add more.  Every step runs even
 * when an earlier one failed; the first error is returned. */
int hull_engine_teardown(struct hull_engine *e, const struct hull_ctr *c, unsigned int flags,
                         hull_error **err);

/* Looks REF up, takes its lock and loads its record: returns the lock
 * (close it to unlock) or -1. */
int hull_engine_lock_ref(struct hull_engine *e, const char *ref, struct hull_ctr *c,
                         hull_error **err);

/* Saves C, warning instead of failing: for states that are recorded on
 * the way out, when there is nobody left to report an error to. */
void hull_engine_save_warn(struct hull_engine *e, const struct hull_ctr *c);

/* RUN_ROOT/containers/ID: the monitor's socket lives there. */
char *hull_engine_run_dir(const struct hull_engine *e, const char *id);

/* The lock a creator (engine_launch.c) holds while it makes container
 * ID's runtime container: a process-owned (POSIX) lock, so the init it
 * forks does not inherit it.  Returns its descriptor (close it to
 * unlock); without WAIT, a lock held elsewhere is an error (errnum
 * EBUSY). */
int hull_engine_launch_lock(const struct hull_engine *e, const char *id, bool wait,
                            hull_error **err);

/* The absolute path of a helper program of hull (hull-monitor,
 * hull-init), or NULL with an error. */
char *hull_engine_helper(const struct hull_engine *e, const char *name, hull_error **err);

/* Mounts C's overlay root unless it is mounted (the image must exist). */
int hull_engine_mount_rootfs(struct hull_engine *e, const struct hull_ctr *c, hull_error **err);

/* Creates C's runtime container with a new monitor as the parent of its
 * init; the caller holds C's lock, and starts it next.  C gets the pids
 * (saved by the caller).  On failure the runtime's container is gone. */
int hull_engine_launch(struct hull_engine *e, struct hull_ctr *c, hull_error **err);

/* Creates C's runtime container again for its monitor, with the stdio of
 * monitor_proto.h (HULL_MON_FD_CTR_*); *pty gets the new terminal's
 * master when C has one. */
int hull_engine_relaunch(struct hull_engine *e, struct hull_ctr *c, int *pty, hull_error **err);

/* Starts the created runtime container of C and records it running (C's
 * lock held). */
int hull_engine_start_locked(struct hull_engine *e, struct hull_ctr *c, hull_error **err);

/* Connects to C's monitor and says hello with FLAGS (HULL_MON_WANT_*).
 * Returns the socket, or -1 (HULL_ERR_NOT_EXIST when no monitor
 * listens). */
int hull_engine_monitor_connect(struct hull_engine *e, const struct hull_ctr *c, uint32_t flags,
                                hull_error **err);

/* The HELLO flags (HULL_MON_WANT_*) of an attach to C with A. */
uint32_t hull_engine_hello_flags(const struct hull_ctr *c, const struct hull_attach_opts *a);

/* Reads the monitor's messages until its exit message: *exit_code gets
 * the code, or -1 when the monitor went away without one.  Output
 * messages are written to standard output and error.  TIMEOUT_MS < 0
 * waits as long as it takes; returns 0, or 1 on timeout. */
int hull_engine_monitor_wait(int sock, int timeout_ms, int *exit_code);

/* Stays attached through SOCK (connected before the start) until the
 * container exits or the detach keys are typed (*exit_code -1). */
int hull_engine_attach_loop(struct hull_engine *e, const struct hull_ctr *c, int sock,
                            const struct hull_attach_opts *a, int *exit_code, hull_error **err);

/* Brings container ID's record in line with what still exists (see
 * hull_engine_reconcile); the caller holds its lock.  *removed is set
 * when an exited --rm container was removed, or a record whose creator
 * was killed before it was complete. */
void hull_engine_repair_locked(struct hull_engine *e, struct hull_ctr *c, bool *removed);

/* The pause of a commit (engine_image.c) is marked by the file
 * CONTAINERS/ID/commit-pause, locked by the commit for as long as it holds
 * the container paused.  A commit killed meanwhile leaves it unlocked and
 * the container frozen: whoever takes the lock next resumes it.
 *
 * hull_engine_commit_pause_begin() waits for the lock (one commit pauses
 * at a time), resumes what a killed commit left paused and returns the
 * locked descriptor; hull_engine_commit_pause_end() removes the file and
 * unlocks.  hull_engine_commit_pause_repair() only acts when no commit
 * holds the lock. */
int hull_engine_commit_pause_begin(struct hull_engine *e, const struct hull_ctr *c,
                                   hull_error **err);
void hull_engine_commit_pause_end(struct hull_engine *e, const struct hull_ctr *c, int fd);
void hull_engine_commit_pause_repair(struct hull_engine *e, const struct hull_ctr *c);

/* False for a created record whose config.json is missing: its creation
 * was cut off (only meaningful once the record's lock is free). */
bool hull_engine_ctr_complete(struct hull_engine *e, const struct hull_ctr *c);

/* Blocks the signals a foreground command passes on to its container,
 * saving the old mask, so none is lost while the container starts. */
void hull_fg_block_signals(sigset_t *old);

/* A pidfd of C's init, or -1 when it is not running or its pid was
 * reused since it was recorded: a signal through it can only reach the
 * container's own process. */
int hull_engine_init_pidfd(const struct hull_ctr *c);

/* Makes CTR_DIR/init once: the container's init layer, holding empty
 * /etc/hosts, /etc/hostname and /etc/resolv.conf where the image
 * (LAYERS, lowest first) has none, so that the runtime's bind mounts
 * find their targets without writing into the upper directory. */
int hull_engine_init_layer(const char *ctr_dir, char *const *layers, hull_error **err);

/* LAYERS followed by CTR_DIR/init when the container has one: the lower
 * directories of its overlay, lowest first.  Freed with strv_free(). */
char **hull_engine_lower_dirs(const char *ctr_dir, char *const *layers);

/* How C's overlay is mounted (hull_overlay_mount()'s flags): volatile for
 * a container removed when it exits, whose writable layer a crash of the
 * host loses anyway (the repair removes it). */
unsigned int hull_engine_overlay_flags(const struct hull_ctr *c);

#endif
