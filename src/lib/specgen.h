/* Configs the runtime writes itself: `hullrt spec` (a default config.json
 * like runc's) and `hullrt features` (what this runtime supports). */
#ifndef HULL_SPECGEN_H
#define HULL_SPECGEN_H

#include <stdbool.h>

/* The default config, indented JSON with a trailing newline.  ROOTLESS
 * gives runc's --rootless variant (user namespace mapping the caller's uid
 * and gid to 0, no network namespace, bind-mounted /sys, no cgroup
 * resources). */
char *hull_spec_default_json(bool rootless, unsigned int uid, unsigned int gid);

/* The features document of runtime-spec's features.md, indented. */
char *hull_features_json(void);

#endif
