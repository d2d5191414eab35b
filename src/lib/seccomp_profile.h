/* linux.seccomp through libseccomp. */
#ifndef HULL_SECCOMP_PROFILE_H
#define HULL_SECCOMP_PROFILE_H

#include "error.h"
#include "spec.h"

#include <stdbool.h>

/* Validates actions, operators, architectures and flags without loading
 * anything, so a bad profile fails before the container is created. */
int hull_seccomp_check(const struct hull_seccomp *sc, hull_error **err);

/* Builds and loads the filter into the calling process.  When the profile
 * uses SCMP_ACT_NOTIFY, *listener_fd receives the notification fd (else
 * -1). */
int hull_seccomp_load(const struct hull_seccomp *sc, int *listener_fd, hull_error **err);

/* Whether NAME is an action (SCMP_ACT_*), an operator (SCMP_CMP_*), an
 * architecture (SCMP_ARCH_*) or a filter flag (SECCOMP_FILTER_FLAG_*) that
 * linux.seccomp accepts. */
bool hull_seccomp_action_known(const char *name);
bool hull_seccomp_op_known(const char *name);
bool hull_seccomp_arch_known(const char *name);
bool hull_seccomp_flag_known(const char *name);

/* libseccomp's name of the native architecture ("SCMP_ARCH_X86_64"), or
 * NULL when libseccomp reports one this table does not know. */
const char *hull_seccomp_arch_native(void);

#endif
