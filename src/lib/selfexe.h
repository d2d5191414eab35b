/* Running the runtime from a sealed copy of itself.
 *
 * A process inside a container can reach the runtime's binary through
 * /proc/PID/exe of a runtime process that joined the container (exec, or
 * init before it calls execve) and overwrite it once that process exits
 * (CVE-2019-5736).  Before a command that enters a container, the program
 * re-executes itself from a memfd holding a copy of its binary, sealed
 * against writes, so /proc/PID/exe only ever leads to that copy. */
#ifndef HULL_SELFEXE_H
#define HULL_SELFEXE_H

#include "error.h"

/* If the running binary is not already a sealed memfd, copies it into one,
 * seals it and fexecve()s it with the same argv and environment (does not
 * return on success).  Returns 0 when already sealed. */
int hull_selfexe_ensure_sealed(char **argv, hull_error **err);

/* True if /proc/self/exe is a sealed memfd. */
int hull_selfexe_is_sealed(void);

#endif
