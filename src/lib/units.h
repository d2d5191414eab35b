/* The units people type on the command lines hull and hullrt imitate:
 * Docker's sizes ("512m", "1.5g"), Docker's fractional CPU counts ("1.5")
 * and Go's durations ("5s", "1m30s"), parsed strictly.  Errors quote the
 * value; callers add the flag or field it came from. */
#ifndef HULL_UNITS_H
#define HULL_UNITS_H

#include "error.h"

#include <stdint.h>

/* Docker's RAMInBytes: a number (fractions allowed) with an optional
 * binary unit b, k, m, g, t or p (any case, an optional "i" and "b"
 * after it, one space allowed before it): "512m" is 512 MiB, "1.5g"
 * 1.5 GiB, "100" 100 bytes.  The result is truncated to whole bytes and
 * must fit in an int64. */
int hull_units_ram_bytes(const char *s, int64_t *out, hull_error **err);

/* Docker's --cpus: a non-negative decimal with at most 9 fractional
 * digits, as billionths of a CPU ("1.5" is 1500000000). */
int hull_units_nano_cpus(const char *s, int64_t *out, hull_error **err);

/* Go's time.ParseDuration: a sequence of decimal numbers with units ns,
 * us (or µs), ms, s, m, h, optionally signed ("1h30m", "0.5s", "-2s");
 * "0" alone is zero.  Nanoseconds must fit in an int64. */
int hull_units_duration_ns(const char *s, int64_t *out, hull_error **err);

#endif
