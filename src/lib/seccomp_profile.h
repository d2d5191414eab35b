/* linux.seccomp through libseccomp. */
#ifndef HULL_SECCOMP_PROFILE_H
#define HULL_SECCOMP_PROFILE_H

#include "error.h"
#include "spec.h"

/* Validates actions, operators, architectures and flags without loading
 * anything, so a bad profile fails before the container is created. */
int hull_seccomp_check(const struct hull_seccomp *sc, hull_error **err);

/* Builds and loads the filter into the calling process.  When the profile
 * uses SCMP_ACT_NOTIFY, *listener_fd receives the notification fd (else
 * -1). */
int hull_seccomp_load(const struct hull_seccomp *sc, int *listener_fd, hull_error **err);

#endif
