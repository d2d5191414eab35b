/* The one error contract of libhull.
 *
 * A fallible function returns a negative value (-1) and fills the error
 * object passed as its last argument; on success it returns >= 0 and leaves
 * the error untouched.  Callers add context with hull_err_wrap() while the
 * error travels up, so the final message reads
 * "create container \"x\": mount /proc: No such file or directory".
 * Only the programs' main() turn an error into a printed message and an exit
 * code; the library never prints an error it returns. */
#ifndef HULL_ERROR_H
#define HULL_ERROR_H

#include <stdarg.h>

/* What kind of failure an error is, for callers that map errors to exit
 * codes (Docker's 125/126/127 rules) or to runc's well-known wording. */
enum hull_err_kind {
    HULL_ERR_GENERIC = 0,
    HULL_ERR_EXEC_NOT_FOUND, /* the user's command does not exist: 127 */
    HULL_ERR_EXEC_DENIED,    /* the user's command cannot be run: 126 */
    HULL_ERR_NOT_EXIST,      /* the named container or image is unknown */
    HULL_ERR_BAD_INPUT,      /* the user's input is invalid */
    HULL_ERR_OUTPUT_GONE,    /* an attachment's output has no reader any more (EPIPE) */
};

typedef struct hull_error {
    int errnum; /* errno behind the failure, 0 if none */
    enum hull_err_kind kind;
    char *msg; /* complete message, context first */
} hull_error;

/* Sets *err to a new error and returns -1.  A nonzero errnum appends
 * ": strerror(errnum)".  If *err is already set it is replaced.
 *
 * These four are statement expressions around void functions so that the
 * compiler sees the constant -1 at every `return hull_err(...)`: it then
 * knows a failed call never falls through, and does not warn (at -O3)
 * about outputs left unset on error paths. */
#define hull_err(err, errnum, ...)                                                                 \
    ({                                                                                             \
        hull_err_set((err), (errnum), __VA_ARGS__);                                                \
        -1;                                                                                        \
    })
void hull_err_set(hull_error **err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Same as hull_err() but also records the error's kind. */
#define hull_err_kind(err, kind, errnum, ...)                                                      \
    ({                                                                                             \
        hull_err_kind_set((err), (kind), (errnum), __VA_ARGS__);                                   \
        -1;                                                                                        \
    })
void hull_err_kind_set(hull_error **err, enum hull_err_kind kind, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Prepends "context: " to the message of *err (which must be set) and
 * returns -1. */
#define hull_err_wrap(err, ...)                                                                    \
    ({                                                                                             \
        hull_err_wrap_set((err), __VA_ARGS__);                                                     \
        -1;                                                                                        \
    })
void hull_err_wrap_set(hull_error **err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Builds an error from a message received from another process; returns
 * -1. */
#define hull_err_from_parts(err, errnum, kind, msg)                                                \
    ({                                                                                             \
        hull_err_from_parts_set((err), (errnum), (kind), (msg));                                   \
        -1;                                                                                        \
    })
void hull_err_from_parts_set(hull_error **err, int errnum, enum hull_err_kind kind,
                             const char *msg);

void hull_error_free(hull_error *e);
void hull_error_freep(hull_error **e);

#define _cleanup_error_ __attribute__((cleanup(hull_error_freep)))

#endif
