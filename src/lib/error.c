#include "error.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Error constructors never change errno: callers may still test it after
 * reporting (for example to tell ENOENT apart with err == NULL). */
static int set_error(hull_error **err, enum hull_err_kind kind, int errnum, const char *fmt,
                     va_list ap)
{
    int saved_errno = errno;
    char *text = xvasprintf(fmt, ap);
    hull_error *e = xmalloc0(sizeof(*e));

    e->errnum = errnum;
    e->kind = kind;
    if (errnum != 0) {
        e->msg = xasprintf("%s: %s", text, strerror(errnum));
        free(text);
    } else {
        e->msg = text;
    }
    if (err == NULL) {
        hull_error_free(e);
    } else {
        hull_error_free(*err);
        *err = e;
    }
    errno = saved_errno;
    return -1;
}

void hull_err_set(hull_error **err, int errnum, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_error(err, HULL_ERR_GENERIC, errnum, fmt, ap);
    va_end(ap);
}

void hull_err_kind_set(hull_error **err, enum hull_err_kind kind, int errnum, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_error(err, kind, errnum, fmt, ap);
    va_end(ap);
}

void hull_err_wrap_set(hull_error **err, const char *fmt, ...)
{
    int saved_errno = errno;
    va_list ap;
    char *ctx;

    if (err == NULL || *err == NULL)
        return;
    va_start(ap, fmt);
    ctx = xvasprintf(fmt, ap);
    va_end(ap);
    char *msg = xasprintf("%s: %s", ctx, (*err)->msg);
    free(ctx);
    free((*err)->msg);
    (*err)->msg = msg;
    errno = saved_errno;
}

void hull_err_from_parts_set(hull_error **err, int errnum, enum hull_err_kind kind, const char *msg)
{
    hull_error *e = xmalloc0(sizeof(*e));

    e->errnum = errnum;
    e->kind = kind;
    e->msg = xstrdup(msg);
    if (err == NULL) {
        hull_error_free(e);
        return;
    }
    hull_error_free(*err);
    *err = e;
}

void hull_error_free(hull_error *e)
{
    if (e == NULL)
        return;
    free(e->msg);
    free(e);
}

void hull_error_freep(hull_error **e)
{
    hull_error_free(*e);
    *e = NULL;
}
