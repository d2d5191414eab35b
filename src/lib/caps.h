/* Capabilities: names and applying the five sets of process.capabilities. */
#ifndef HULL_CAPS_H
#define HULL_CAPS_H

#include "error.h"
#include "spec.h"

#include <stdint.h>

/* "CAP_SYS_ADMIN" -> 21; -1 when the name is unknown.  Names are matched
 * exactly as the spec writes them (upper case, CAP_ prefix). */
int hull_cap_from_name(const char *name);

/* 21 -> "CAP_SYS_ADMIN"; NULL for numbers with no name. */
const char *hull_cap_name(int cap);

/* Highest capability number this library knows (CAP_CHECKPOINT_RESTORE). */
int hull_cap_last_known(void);

/* Highest capability the running kernel supports
 * (/proc/sys/kernel/cap_last_cap), cached. */
int hull_cap_last_supported(void);

/* Parses an array of names into a mask; unknown names are an error naming
 * the value and FIELD (e.g. "process.capabilities.bounding"). */
int hull_caps_parse_names(char *const *names, const char *field, uint64_t *mask, hull_error **err);

/* Drops every capability not in caps->bounding from the bounding set.  Must
 * run while the process still has CAP_SETPCAP (before changing uid). */
int hull_caps_apply_bounding(const struct hull_caps *caps, hull_error **err);

/* Sets the effective, permitted and inheritable sets, then the ambient
 * set.  Runs after the uid change (with PR_SET_KEEPCAPS set before it).
 * Sets absent from the config are empty. */
int hull_caps_apply_final(const struct hull_caps *caps, hull_error **err);

#endif
