/* Docker's seccomp profile format, and hull's default profile in it.
 *
 * A Docker profile is linux.seccomp plus conditions: "archMap" lists, per
 * native architecture, the sub-architectures a filter must also cover, and
 * each syscalls[] entry may carry "includes" / "excludes" filters on the
 * container's capabilities ("caps", all of them must be in the bounding
 * set), the architecture ("arches", Go's names: amd64, arm64, ...) and the
 * running kernel ("minKernel": "4.8").  The engine resolves those for one
 * container and hands the runtime a plain linux.seccomp. */
#ifndef HULL_SECCOMP_DOCKER_H
#define HULL_SECCOMP_DOCKER_H

#include "error.h"

#include <jansson.h>

/* What the conditions of a profile are evaluated against. */
struct hull_seccomp_target {
    char *const *caps;         /* the container's bounding set, by name */
    const char *arch;          /* Go's name of the native architecture ("amd64") */
    const char *scmp_arch;     /* its libseccomp name ("SCMP_ARCH_X86_64") */
    unsigned int kernel_major; /* the running kernel */
    unsigned int kernel_minor;
};

/* Fills T for this host (architecture, kernel), with CAPS as the bounding
 * set (borrowed, may be NULL for none). */
int hull_seccomp_target_host(char *const *caps, struct hull_seccomp_target *t, hull_error **err);

/* Translates the Docker profile PROFILE (NAME is used in messages, e.g.
 * the file it came from) into a linux.seccomp object for T.  Unknown
 * fields, actions, operators and architectures are errors naming the
 * field ("seccomp profile x.json: syscalls[3].action: unknown action
 * \"SCMP_ACT_FOO\""). */
int hull_seccomp_docker_translate(const json_t *profile, const char *name,
                                  const struct hull_seccomp_target *t, json_t **out,
                                  hull_error **err);

/* Parses TEXT as JSON and translates it (see above). */
int hull_seccomp_docker_translate_text(const char *text, const char *name,
                                       const struct hull_seccomp_target *t, json_t **out,
                                       hull_error **err);

/* hull's default profile, in Docker's format: equivalent in effect to
 * Docker's own default (everything not listed fails with EPERM; mount,
 * unshare, setns, bpf, keyctl, kexec, module loading and the like only
 * with the capability that makes them meaningful, if at all). */
json_t *hull_seccomp_default_profile(void);

/* linux.seccomp for an engine container whose bounding set is CAPS:
 * hull's default profile when PROFILE_FILE is NULL, else the Docker
 * profile in that file (--security-opt seccomp=FILE), resolved for this
 * host. */
int hull_seccomp_container_profile(const char *profile_file, char *const *caps, json_t **out,
                                   hull_error **err);

#endif
