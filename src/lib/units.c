#include "units.h"
#include "util.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

/* A decimal number at *P: digits, then optionally "." and digits.  Sets
 * *whole and *frac (the fraction's value in [0, 1)) and advances *P. */
static bool decimal(const char **p, uint64_t *whole, long double *frac)
{
    const char *s = *p;
    long double scale = 1;

    *whole = 0;
    *frac = 0;
    if (!isdigit((unsigned char)*s))
        return false;
    for (; isdigit((unsigned char)*s); s++) {
        if (*whole > (UINT64_MAX - 9) / 10)
            return false;
        *whole = *whole * 10 + (uint64_t)(*s - '0');
    }
    if (*s == '.') {
        s++;
        if (!isdigit((unsigned char)*s))
            return false;
        for (; isdigit((unsigned char)*s); s++) {
            scale /= 10;
            *frac += (long double)(*s - '0') * scale;
        }
    }
    *p = s;
    return true;
}

int hull_units_ram_bytes(const char *s, int64_t *out, hull_error **err)
{
    static const char units[] = "bkmgtp";
    const char *p = s;
    uint64_t whole;
    long double frac, value, mul = 1;

    if (!decimal(&p, &whole, &frac))
        goto bad;
    if (*p == ' ')
        p++;
    if (*p != '\0' && strchr(units, tolower((unsigned char)*p)) != NULL) {
        for (const char *u = units; *u != tolower((unsigned char)*p); u++)
            mul *= 1024;
        p++;
        if (*p == 'i' || *p == 'I')
            p++;
        if (*p == 'b' || *p == 'B')
            p++;
    }
    if (*p != '\0')
        goto bad;
    value = ((long double)whole + frac) * mul;
    if (value >= 9223372036854775807.0L)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "size \"%s\" is too large", s);
    *out = (int64_t)value;
    return 0;
bad:
    return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                         "invalid size \"%s\" (expected a number with an optional unit b, k, m, "
                         "g, t or p, e.g. \"512m\")",
                         s);
}

int hull_units_nano_cpus(const char *s, int64_t *out, hull_error **err)
{
    const char *p = s, *dot;
    uint64_t whole;
    long double frac;

    if (!decimal(&p, &whole, &frac) || *p != '\0')
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "invalid number of CPUs \"%s\" (expected a decimal number such as "
                             "\"1.5\")",
                             s);
    dot = strchr(s, '.');
    if (dot != NULL && strlen(dot + 1) > 9)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "number of CPUs \"%s\" is too precise (at most 9 decimals)", s);
    if (whole > INT64_MAX / 1000000000 - 1)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "number of CPUs \"%s\" is too large", s);
    *out = (int64_t)whole * 1000000000;
    if (dot != NULL) {
        int64_t nano = 0;
        size_t digits = strlen(dot + 1);
        for (size_t i = 0; i < 9; i++)
            nano = nano * 10 + (i < digits ? dot[1 + i] - '0' : 0);
        *out += nano;
    }
    return 0;
}

/* The unit at *P of a Go duration, as nanoseconds, or 0. */
static uint64_t duration_unit(const char **p)
{
    static const struct {
        const char *name;
        uint64_t ns;
    } units[] = {
        {"ns", 1},       {"us", 1000},         {"\xc2\xb5s", 1000},   {"\xce\xbcs", 1000},
        {"ms", 1000000}, {"s", 1000000000ULL}, {"m", 60000000000ULL}, {"h", 3600000000000ULL},
    };

    for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
        size_t n = strlen(units[i].name);
        /* "m" must not take the "m" of "ms". */
        if (strncmp(*p, units[i].name, n) == 0 && !(n == 1 && (*p)[0] == 'm' && (*p)[1] == 's')) {
            *p += n;
            return units[i].ns;
        }
    }
    return 0;
}

int hull_units_duration_ns(const char *s, int64_t *out, hull_error **err)
{
    const char *p = s;
    bool neg = false;
    long double total = 0;

    if (*p == '-' || *p == '+')
        neg = *p++ == '-';
    if (strcmp(p, "0") == 0) {
        *out = 0;
        return 0;
    }
    if (*p == '\0')
        goto bad;
    while (*p != '\0') {
        uint64_t whole, unit;
        long double frac;
        if (!decimal(&p, &whole, &frac) || (unit = duration_unit(&p)) == 0)
            goto bad;
        total += ((long double)whole + frac) * (long double)unit;
        if (total > 9223372036854775807.0L)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "duration \"%s\" is too long", s);
    }
    *out = neg ? -(int64_t)total : (int64_t)total;
    return 0;
bad:
    return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                         "invalid duration \"%s\" (expected a number with a unit: ns, us, ms, "
                         "s, m or h, e.g. \"5s\" or \"1m30s\")",
                         s);
}
