/* The container process's own setup, done by the container's init (and by
 * hullrt exec) after the root filesystem is final, just before execve. */
#ifndef HULL_PROCESS_H
#define HULL_PROCESS_H

#include "error.h"
#include "spec.h"

/* Resolves args[0] as execvp(3) would, against PATH from the process's env
 * (or the default PATH), in the current root and working directory.  Errors
 * have kind HULL_ERR_EXEC_NOT_FOUND or HULL_ERR_EXEC_DENIED and quote the
 * name, e.g. "exec: \"nope\": executable file not found in $PATH". */
int hull_process_find_executable(const struct hull_process *p, char **out, hull_error **err);

/* setrlimit for each of process.rlimits.  A hard limit above the current
 * one needs CAP_SYS_RESOURCE; the error says so and names the limit. */
int hull_process_set_rlimits(const struct hull_process *p, hull_error **err);

/* Writes process.oomScoreAdj to /proc/self/oom_score_adj (checked to be on
 * procfs). */
int hull_process_set_oom_score_adj(const struct hull_process *p, hull_error **err);

/* Supplementary groups (always set: exactly additionalGids, possibly none),
 * gid and uid, keeping capabilities across the uid change
 * (PR_SET_KEEPCAPS) so hull_caps_apply_final() can set them. */
int hull_process_set_ids(const struct hull_process *p, hull_error **err);

/* umask, personality, scheduler, I/O priority, CPU affinity ("initial"). */
int hull_process_set_attrs(const struct hull_process *p, const struct hull_spec *spec,
                           hull_error **err);

/* chdir(cwd); cwd must be absolute.  Returns an error naming cwd. */
int hull_process_chdir(const struct hull_process *p, hull_error **err);

/* prctl(PR_SET_NO_NEW_PRIVS) when asked. */
int hull_process_set_no_new_privs(const struct hull_process *p, hull_error **err);

/* execve(path, args, env).  Returns only on failure, with an error of kind
 * EXEC_*. */
int hull_process_exec(const struct hull_process *p, const char *path, hull_error **err);

#endif
