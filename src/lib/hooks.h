/* OCI hooks: each hook is a program run with the container's state JSON on
 * its standard input, its own args and env, and an optional timeout. */
#ifndef HULL_HOOKS_H
#define HULL_HOOKS_H

#include "error.h"
#include "spec.h"

/* Runs the hooks of LIST in order; KIND ("prestart", "createRuntime", ...)
 * names them in messages.  Stops at the first failure (cannot start, exits
 * nonzero, killed, or runs past its timeout, in which case it is killed)
 * with an error naming the kind, the index and the path. */
int hull_hooks_run(const struct hull_hook_list *list, const char *kind, const char *state_json,
                   hull_error **err);

/* Runs every hook of LIST even when some fail, logging each failure as a
 * warning: the rule for poststart and poststop hooks. */
void hull_hooks_run_warn(const struct hull_hook_list *list, const char *kind,
                         const char *state_json);

#endif
