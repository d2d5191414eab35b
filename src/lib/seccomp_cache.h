/* A cache of compiled seccomp programs.
 *
 * Building Docker's default profile with libseccomp costs milliseconds on
 * every container start; loading a ready BPF program costs microseconds.
 * The engine gives the runtime a cache directory (struct hull_runtime's
 * seccomp_cache_dir): a profile is compiled once, stored with everything
 * that shapes the program, and loaded from there afterwards. */
#ifndef HULL_SECCOMP_CACHE_H
#define HULL_SECCOMP_CACHE_H

#include "error.h"
#include "spec.h"

#include <stddef.h>

/* The cache key of SC: the profile's fields, the libseccomp version and
 * API level and the native architecture, serialized without ambiguity
 * (*len bytes, malloc'ed).  Two profiles with the same key compile to the
 * same program. */
char *hull_seccomp_cache_key(const struct hull_seccomp *sc, size_t *len);

/* The file name of KEY's entry in the cache directory ("<hash>.bpf").
 * Names may collide: an entry is used only if it holds KEY itself. */
char *hull_seccomp_cache_name(const char *key, size_t len);

/* The program of SC (validated as hull_seccomp_check() does) and the
 * SECCOMP_FILTER_FLAG_* bits loading it needs, from DIR (created mode 0700
 * when missing).  A miss compiles the profile and stores the result
 * atomically; a stored entry that is damaged is compiled afresh.  *bpf is
 * malloc'ed. */
int hull_seccomp_cache_get(const char *dir, const struct hull_seccomp *sc, void **bpf, size_t *len,
                           unsigned int *flags, hull_error **err);

#endif
