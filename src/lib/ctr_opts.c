/* The options a container record keeps from `hull run`: the restart
 * policy and the json-file log's rotation, parsed from Docker's syntax. */
#include "ctr.h"
#include "util.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static const char *const policy_names[] = {
    [HULL_RESTART_NO] = "no",
    [HULL_RESTART_ON_FAILURE] = "on-failure",
    [HULL_RESTART_ALWAYS] = "always",
    [HULL_RESTART_UNLESS_STOPPED] = "unless-stopped",
};

const char *hull_restart_policy_name(enum hull_restart_policy p)
{
    return (size_t)p < ARRAY_SIZE(policy_names) ? policy_names[p] : "no";
}

int hull_restart_parse(const char *s, struct hull_restart *out, hull_error **err)
{
    const char *colon;
    size_t len;
    int64_t n = 0;

    if (s == NULL)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "missing restart policy");
    colon = strchr(s, ':');
    len = colon != NULL ? (size_t)(colon - s) : strlen(s);
    /* Docker takes an empty policy as "no". */
    if (len == 0 && colon == NULL) {
        *out = (struct hull_restart){HULL_RESTART_NO, 0};
        return 0;
    }
    for (size_t i = 0; i < ARRAY_SIZE(policy_names); i++) {
        if (strlen(policy_names[i]) != len || strncmp(s, policy_names[i], len) != 0)
            continue;
        if (colon != NULL && i != HULL_RESTART_ON_FAILURE)
            return hull_err_kind(
                err, HULL_ERR_BAD_INPUT, 0,
                "invalid restart policy \"%s\": a maximum retry count only goes with on-failure",
                s);
        if (colon != NULL && parse_int64(colon + 1, 0, 1 << 30, &n) < 0)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 "invalid restart policy \"%s\": \"%s\" is not a retry count", s,
                                 colon + 1);
        *out = (struct hull_restart){(enum hull_restart_policy)i, (int)n};
        return 0;
    }
    return hull_err_kind(
        err, HULL_ERR_BAD_INPUT, 0,
        "invalid restart policy \"%s\": use no, always, on-failure[:max-retries] or unless-stopped",
        s);
}

bool hull_restart_wanted(const struct hull_ctr *c, int exit_code)
{
    if (c->stop_requested)
        return false;
    switch (c->restart.policy) {
    case HULL_RESTART_ALWAYS:
    case HULL_RESTART_UNLESS_STOPPED:
        return true;
    case HULL_RESTART_ON_FAILURE:
        return exit_code != 0 &&
               (c->restart.max_retries == 0 || c->restart_count < c->restart.max_retries);
    case HULL_RESTART_NO:
        break;
    }
    return false;
}

/* Docker's RAMInBytes: a number with an optional k, m, g, t or p unit
 * (powers of 1024), optionally followed by "b" or "ib", any case. */
static int parse_size(const char *s, unsigned long long *out)
{
    static const char units[] = "kmgtp";
    char *end;
    double v;
    unsigned long long mult = 1;

    if (!isdigit((unsigned char)s[0]))
        return -1;
    v = strtod(s, &end);
    if (*end != '\0') {
        const char *u = strchr(units, tolower((unsigned char)*end));
        if (u == NULL)
            return -1;
        for (const char *p = units; p <= u; p++)
            mult *= 1024;
        end++;
    }
    if (*end != '\0' && strcasecmp(end, "b") != 0 && strcasecmp(end, "ib") != 0)
        return -1;
    if (v * (double)mult >= 18e18)
        return -1;
    *out = (unsigned long long)(v * (double)mult);
    return 0;
}

int hull_log_opt_parse(const char *opt, struct hull_log_opts *out, hull_error **err)
{
    const char *eq = strchr(opt, '=');
    int64_t n;

    if (eq == NULL)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "invalid --log-opt \"%s\": expected KEY=VALUE", opt);
    if (str_has_prefix(opt, "max-size=")) {
        /* -1 is Docker's "no limit". */
        if (strcmp(eq + 1, "-1") == 0) {
            out->max_size = 0;
            return 0;
        }
        if (parse_size(eq + 1, &out->max_size) < 0 || out->max_size == 0)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 "invalid --log-opt \"%s\": \"%s\" is not a size", opt, eq + 1);
        return 0;
    }
    if (str_has_prefix(opt, "max-file=")) {
        if (parse_int64(eq + 1, 1, 1000, &n) < 0)
            return hull_err_kind(
                err, HULL_ERR_BAD_INPUT, 0,
                "invalid --log-opt \"%s\": max-file must be a number from 1 to 1000", opt);
        out->max_file = (unsigned int)n;
        return 0;
    }
    return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                         "unknown log opt \"%.*s\" for the json-file log driver", (int)(eq - opt),
                         opt);
}
