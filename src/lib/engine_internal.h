/* Shared by the engine's files (engine.c, engine_run.c, engine_wait.c). */
#ifndef HULL_ENGINE_INTERNAL_H
#define HULL_ENGINE_INTERNAL_H

#include "engine.h"

#include <stdbool.h>
#include <signal.h>
#include <sys/types.h>

/* Removes what exists of container ID outside its record: the runtime's
 * state and cgroup (killing what still runs), the overlay mount and the
 * run directory; with REMOVE_RECORD also the record and its directory.
 * Every step runs even when an earlier one failed; the first error is
 * returned. */
int hull_engine_teardown(struct hull_engine *e, const char *id, bool remove_record,
                         hull_error **err);

/* The foreground part of a run, once the container is created. */
struct hull_fg {
    pid_t init;       /* the container's init, our child */
    int pty_master;   /* -1 without a terminal */
    bool interactive; /* copy standard input to the pty */
};

/* Waits for the init to exit while forwarding the signals in the set
 * hull_fg_block_signals() blocked (and, with a pty, copying between it
 * and standard input and output, window size changes included).  Calls
 * START first, once signals are being collected.  *status gets the wait
 * status.  Returns -1 only when START fails (the init is then killed and
 * reaped). */
int hull_fg_run(struct hull_fg *fg, int (*start)(void *data, hull_error **err), void *data,
                int *status, hull_error **err);

/* Blocks the signals a foreground run forwards, saving the old mask. */
void hull_fg_block_signals(sigset_t *old);

#endif
