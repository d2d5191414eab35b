/* A seccomp profile as a raw BPF program, for a cache of compiled profiles:
 * building a filter with libseccomp costs far more than loading a ready
 * program with seccomp(2).  Implemented in seccomp.c. */
#ifndef HULL_SECCOMP_BPF_H
#define HULL_SECCOMP_BPF_H

#include "error.h"
#include "spec.h"

#include <stddef.h>

/* Compiles SC (validated as hull_seccomp_check() does) into a classic BPF
 * program: an array of struct sock_filter, *len bytes long, returned in a
 * malloc'ed *bpf. */
int hull_seccomp_export_bpf(const struct hull_seccomp *sc, void **bpf, size_t *len,
                            hull_error **err);

/* Both at once, building the filter only once: the program and the
 * SECCOMP_FILTER_FLAG_* bits loading it needs. */
int hull_seccomp_compile(const struct hull_seccomp *sc, void **bpf, size_t *len,
                         unsigned int *flags, hull_error **err);

/* The SECCOMP_FILTER_FLAG_* bits that loading SC needs: its "flags", plus
 * NEW_LISTENER when it uses SCMP_ACT_NOTIFY (and TSYNC_ESRCH when that
 * meets TSYNC).  A raw program carries none of them, so a cache stores them
 * beside it. */
int hull_seccomp_kernel_flags(const struct hull_seccomp *sc, unsigned int *flags, hull_error **err);

/* Loads the BPF program BPF (LEN bytes of struct sock_filter) into the
 * calling thread with seccomp(SECCOMP_SET_MODE_FILTER, FLAGS).  The caller
 * must have no_new_privs set or CAP_SYS_ADMIN in its user namespace.  With
 * SECCOMP_FILTER_FLAG_NEW_LISTENER, *listener_fd receives the notification
 * fd (close-on-exec); otherwise it is set to -1. */
int hull_seccomp_load_bpf(const void *bpf, size_t len, unsigned int flags, int *listener_fd,
                          hull_error **err);

#endif
