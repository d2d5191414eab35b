/* hullrt events: a container's statistics and OOM notifications as runc
 * prints them, one JSON object per line:
 *   {"type":"stats","id":"ID","data":{"cpu":...,"memory":...,...}}
 *   {"type":"oom","id":"ID"}
 * Numbers are unsigned 64-bit (an unlimited limit is 2^64-1), beyond what
 * jansson holds, so the objects are written here directly; zero values of
 * the fields runc marks omitempty are left out as Go's encoder does. */
#include "cgroup_ops.h"
#include "commands.h"
#include "log.h"
#include "units.h"
#include "util.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

static const struct hullrt_opt events_flags[] = {
    {"interval", 0, HULLRT_OPT_STRING, offsetof(struct hullrt_cmd_opts, interval), "DURATION", "5s",
     "how often statistics are printed (Go duration: 500ms, 5s, 1m)"},
    {"stats", 0, HULLRT_OPT_BOOL, offsetof(struct hullrt_cmd_opts, stats), NULL, NULL,
     "print the statistics once and exit"},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};

/* Writes ,"KEY":V (the comma unless FIRST), or nothing for an omitempty
 * zero. */
static void num(FILE *f, bool *first, const char *key, uint64_t v, bool omitempty)
{
    if (omitempty && v == 0)
        return;
    fprintf(f, "%s\"%s\":%" PRIu64, *first ? "" : ",", key, v);
    *first = false;
}

static void memory_entry(FILE *f, bool *first, const char *key, uint64_t limit, uint64_t usage,
                         uint64_t max, uint64_t failcnt)
{
    bool efirst = true;

    fprintf(f, "%s\"%s\":{", *first ? "" : ",", key);
    num(f, &efirst, "limit", limit, false);
    num(f, &efirst, "usage", usage, true);
    num(f, &efirst, "max", max, true);
    num(f, &efirst, "failcnt", failcnt, false);
    fputc('}', f);
    *first = false;
}

static void write_memory(FILE *f, const struct hull_cgroup_stats *s)
{
    bool first = true;

    fputs("\"memory\":{", f);
    if (s->has_memory) {
        num(f, &first, "cache", s->memory_cache, true);
        memory_entry(f, &first, "usage", s->memory_limit, s->memory_usage, s->memory_max_usage,
                     s->memory_failcnt);
        if (s->has_swap)
            memory_entry(f, &first, "swap", s->swap_limit, s->swap_usage, s->swap_max_usage,
                         s->swap_failcnt);
        if (s->n_memory_raw > 0) {
            fputs(",\"raw\":{", f);
            for (size_t i = 0; i < s->n_memory_raw; i++)
                fprintf(f, "%s\"%s\":%" PRIu64, i > 0 ? "," : "", s->memory_raw[i].key,
                        s->memory_raw[i].value);
            fputc('}', f);
        }
    }
    fputc('}', f);
}

static void write_cpu(FILE *f, const struct hull_cgroup_stats *s)
{
    bool first = true;

    fputs("\"cpu\":{\"usage\":{", f);
    num(f, &first, "total", s->cpu_usage_ns, true);
    if (s->n_cpu_percpu > 0) {
        fprintf(f, "%s\"percpu\":[", first ? "" : ",");
        for (size_t i = 0; i < s->n_cpu_percpu; i++)
            fprintf(f, "%s%" PRIu64, i > 0 ? "," : "", s->cpu_percpu_ns[i]);
        fputc(']', f);
        first = false;
    }
    num(f, &first, "kernel", s->cpu_system_ns, false);
    num(f, &first, "user", s->cpu_user_ns, false);
    fputs("},\"throttling\":{", f);
    first = true;
    num(f, &first, "periods", s->cpu_periods, true);
    num(f, &first, "throttledPeriods", s->cpu_throttled_periods, true);
    num(f, &first, "throttledTime", s->cpu_throttled_ns, true);
    fputs("}}", f);
}

static void io_list(FILE *f, bool *first, const char *key, const struct hull_cgroup_io_entry *v,
                    size_t n)
{
    if (n == 0)
        return;
    fprintf(f, "%s\"%s\":[", *first ? "" : ",", key);
    for (size_t i = 0; i < n; i++) {
        bool efirst = true;
        fprintf(f, "%s{", i > 0 ? "," : "");
        num(f, &efirst, "major", v[i].major, true);
        num(f, &efirst, "minor", v[i].minor, true);
        fprintf(f, "%s\"op\":\"%s\"", efirst ? "" : ",", v[i].op);
        efirst = false;
        num(f, &efirst, "value", v[i].value, true);
        fputc('}', f);
    }
    fputc(']', f);
    *first = false;
}

/* The "stats" event of ID, as one line. */
static char *stats_event(const char *id, const struct hull_cgroup_stats *s)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    bool first = true;

    if (f == NULL)
        abort();
    fprintf(f, "{\"type\":\"stats\",\"id\":\"%s\",\"data\":{", id);
    write_cpu(f, s);
    fputc(',', f);
    write_memory(f, s);
    fputs(",\"pids\":{", f);
    num(f, &first, "current", s->pids_current, true);
    num(f, &first, "limit", s->pids_limit, true);
    fputs("},\"blkio\":{", f);
    first = true;
    io_list(f, &first, "ioServiceBytesRecursive", s->io_bytes, s->n_io_bytes);
    io_list(f, &first, "ioServicedRecursive", s->io_ops, s->n_io_ops);
    fputs("},\"intel_rdt\":{},\"network_interfaces\":null}}\n", f);
    if (fclose(f) != 0)
        abort();
    return text;
}

static int print_stats(const struct hullrt_ctx *ctx, hull_error **err)
{
    struct hull_cgroup_stats s;
    _cleanup_free_ char *line = NULL;

    if (hull_container_stats(&ctx->rt, ctx->args[0], &s, err) < 0)
        return -1;
    line = stats_event(ctx->args[0], &s);
    hull_cgroup_stats_clear(&s);
    fputs(line, stdout);
    return fflush(stdout) == 0 ? 0 : hull_err(err, errno, "write to standard output");
}

/* Whether the container still runs; a container that is gone has
 * stopped too. */
static bool still_running(const struct hullrt_ctx *ctx)
{
    struct hull_state st;
    _cleanup_error_ hull_error *e = NULL;
    bool running;

    if (hull_container_state(&ctx->rt, ctx->args[0], &st, &e) < 0)
        return false;
    running = st.status != HULL_STATUS_STOPPED;
    hull_state_clear(&st);
    return running;
}

/* Prints what the watch has seen; false once the cgroup is gone. */
static bool report_ooms(const struct hullrt_ctx *ctx, struct hull_cgroup_oom_watch *w)
{
    _cleanup_error_ hull_error *e = NULL;
    uint64_t events;
    bool gone;

    if (hull_cgroup_oom_watch_read(w, &events, &gone, &e) < 0) {
        hull_error_log("%s", e->msg);
        return true;
    }
    for (uint64_t i = 0; i < events; i++)
        printf("{\"type\":\"oom\",\"id\":\"%s\"}\n", ctx->args[0]);
    fflush(stdout);
    return !gone;
}

/* Statistics every INTERVAL_NS and OOM events as they come, until the
 * container stops.  The OOM counter is read on every round, before the
 * status, so a kill that ended the container is printed first. */
static int stream(const struct hullrt_ctx *ctx, int64_t interval_ns, hull_error **err)
{
    struct hull_cgroup_oom_watch w;
    uint64_t next = now_ns();
    int ret = 0;

    if (hull_container_oom_watch(&ctx->rt, ctx->args[0], &w, err) < 0)
        return -1;
    for (;;) {
        uint64_t now = now_ns();
        if (now >= next) {
            _cleanup_error_ hull_error *e = NULL;
            if (print_stats(ctx, &e) < 0 && still_running(ctx))
                hull_error_log("%s", e->msg);
            next = now + (uint64_t)interval_ns;
            continue;
        }
        struct pollfd pfd = {.fd = w.fd, .events = POLLIN};
        uint64_t wait_ms = (next - now + 999999) / 1000000;
        /* The status is looked at at least every second. */
        if (poll(&pfd, 1, (int)(wait_ms < 1000 ? wait_ms : 1000)) < 0 && errno != EINTR) {
            ret = hull_err(err, errno, "poll");
            break;
        }
        if (!report_ooms(ctx, &w) || !still_running(ctx))
            break;
    }
    hull_cgroup_oom_watch_close(&w);
    return ret;
}

static int events_run(const struct hullrt_ctx *ctx, int *exit_status, hull_error **err)
{
    const char *interval = ctx->opts->interval != NULL ? ctx->opts->interval : "5s";
    int64_t ns;

    *exit_status = 0;
    if (hull_units_duration_ns(interval, &ns, err) < 0)
        return hull_err_wrap(err, "--interval");
    if (ns <= 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "duration interval must be greater than 0");
    if (!still_running(ctx)) {
        struct hull_state st;
        if (hull_container_state(&ctx->rt, ctx->args[0], &st, err) < 0)
            return -1;
        hull_state_clear(&st);
        return hull_err(err, 0, "container with id %s is not running", ctx->args[0]);
    }
    if (ctx->opts->stats)
        return print_stats(ctx, err);
    return stream(ctx, ns, err);
}

const struct hullrt_command hullrt_cmd_events = {
    .name = "events",
    .summary = "show a container's resource statistics and OOM events",
    .args_usage = "<container-id>",
    .description =
        "Prints the resource usage of <container-id> (cpu, memory, pids, block I/O, from its\n"
        "cgroup) as a JSON \"stats\" event every --interval, and an \"oom\" event whenever\n"
        "the OOM killer strikes in it, one JSON object per line, until the container\n"
        "stops.  With --stats it prints the statistics once and exits.\n"
        "\n"
        "Examples:\n"
        "    hullrt events --stats web1 | jq .data.memory.usage\n"
        "    hullrt events --interval 1s web1",
    .flags = (const struct hullrt_opt *const[]){events_flags, NULL},
    .min_args = 1,
    .max_args = 1,
    .stop_after = -1,
    .run = events_run,
};
