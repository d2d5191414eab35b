/* hull logs: what a container wrote, from its json-file log. */
#include "cli.h"
#include "ctrlog.h"
#include "util.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

struct logs_flags {
    bool follow, timestamps, details;
    const char *tail, *since, *until;
};

#define F(f) offsetof(struct logs_flags, f)

static const struct hull_flag logs_flags[] = {
    {"details", 0, HULL_FLAG_BOOL, F(details), NULL, "Show extra details provided to logs"},
    {"follow", 'f', HULL_FLAG_BOOL, F(follow), NULL, "Follow log output"},
    {"since", 0, HULL_FLAG_STRING, F(since), "string",
     "Show logs since timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative (e.g. \"42m\" for 42 "
     "minutes)"},
    {"tail", 'n', HULL_FLAG_STRING, F(tail), "string",
     "Number of lines to show from the end of the logs (default \"all\")"},
    {"timestamps", 't', HULL_FLAG_BOOL, F(timestamps), NULL, "Show timestamps"},
    {"until", 0, HULL_FLAG_STRING, F(until), "string",
     "Show logs before a timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative (e.g. \"42m\" for "
     "42 minutes)"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static int options(const struct logs_flags *f, struct hull_logs_opts *o, hull_error **err)
{
    time_t now = time(NULL);
    int64_t n;

    *o = (struct hull_logs_opts){.tail = -1, .follow = f->follow, .timestamps = f->timestamps};
    if (f->details)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "--details is not supported: the json-file log keeps no details");
    if (f->tail != NULL && strcmp(f->tail, "all") != 0) {
        if (parse_int64(f->tail, -1, 1L << 40, &n) < 0)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 "invalid value \"%s\" for --tail: a number or \"all\"", f->tail);
        o->tail = (long)n;
    }
    if (f->since != NULL) {
        if (hull_log_time_parse(f->since, now, &o->since, err) < 0)
            return hull_err_wrap(err, "--since");
        o->has_since = true;
    }
    if (f->until != NULL) {
        if (hull_log_time_parse(f->until, now, &o->until, err) < 0)
            return hull_err_wrap(err, "--until");
        o->has_until = true;
    }
    return 0;
}

static int logs(const struct hull_global *g, void *flags, const struct hull_args *args)
{
    struct hull_logs_opts o;
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_engine_ struct hull_engine *e = NULL;

    if (options(flags, &o, &err) < 0)
        return hull_usage_error(&hull_cmd_logs, err->msg);
    if (hull_open_engine(g, &e) < 0)
        return 1;
    if (hull_engine_logs(e, args->args[0], &o, STDOUT_FILENO, STDERR_FILENO, &err) < 0) {
        hull_report(err);
        return 1;
    }
    return 0;
}

static int cmd_logs(const struct hull_global *g, int argc, char **argv)
{
    struct logs_flags f = {0};

    return hull_command_main(&hull_cmd_logs, g, argc, argv, &f, logs);
}

const struct hull_command hull_cmd_logs = {
    .name = "logs",
    .usage = "[OPTIONS] CONTAINER",
    .summary = "Fetch the logs of a container",
    .flags = logs_flags,
    .run = cmd_logs,
    .min_args = 1,
    .max_args = 1,
};
