/* hull stats: a live table of containers' resource usage, Docker's
 * columns and units: CPU % from the growth of the container's cpu time
 * against the host's between two samples, memory without the inactive page
 * cache (what could be reclaimed at once), network and block I/O totals,
 * and the number of processes. */
#include "cli.h"
#include "format.h"
#include "listfmt.h"
#include "util.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

struct stats_flags {
    bool all, no_stream, no_trunc;
    const char *format;
};

#define F(f) offsetof(struct stats_flags, f)

static const struct hull_flag stats_flags[] = {
    {"all", 'a', HULL_FLAG_BOOL, F(all), NULL, "Show all containers (default shows just running)"},
    {"format", 0, HULL_FLAG_STRING, F(format), "string",
     "Format output using a custom template: 'table', 'table TEMPLATE', 'json' or a Go template"},
    {"no-stream", 0, HULL_FLAG_BOOL, F(no_stream), NULL,
     "Print the usage once instead of refreshing it every second"},
    {"no-trunc", 0, HULL_FLAG_BOOL, F(no_trunc), NULL, "Don't truncate output"},
    {NULL, 0, 0, 0, NULL, NULL},
};

/* One row of the table and the sample it was last computed from. */
struct entry {
    char *id, *name;
    struct hull_ctr ctr;
    bool have_prev, ok;
    uint64_t prev_cpu, prev_system;
    struct hull_engine_sample cur;
};

static void entries_free(struct entry *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].id);
        free(v[i].name);
        hull_ctr_clear(&v[i].ctr);
        hull_engine_sample_clear(&v[i].cur);
    }
    free(v);
}

/* Docker's BytesSize: binary units, four significant digits. */
static char *binary_size(uint64_t bytes)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double size = (double)bytes;
    size_t u = 0;

    while (size >= 1024.0 && u + 1 < ARRAY_SIZE(units)) {
        size /= 1024.0;
        u++;
    }
    return xasprintf("%.4g%s", size, units[u]);
}

/* The titles Docker gives the fields in "table" templates; after
 * Container, in the order of the default table's columns. */
static const struct hull_list_header headers[] = {
    {"Container", "CONTAINER"},
    {"ID", "CONTAINER ID"},
    {"Name", "NAME"},
    {"CPUPerc", "CPU %"},
    {"MemUsage", "MEM USAGE / LIMIT"},
    {"MemPerc", "MEM %"},
    {"NetIO", "NET I/O"},
    {"BlockIO", "BLOCK I/O"},
    {"PIDs", "PIDS"},
};

#define DEFAULT_TABLE                                                                              \
    "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}"

static char *pair(uint64_t a, uint64_t b, char *(*fmt)(uint64_t))
{
    _cleanup_free_ char *x = fmt(a), *y = fmt(b);
    return xasprintf("%s / %s", x, y);
}

/* The row of EN, the object Docker's stats templates see. */
static json_t *row_json(const struct entry *en, bool trunc)
{
    const struct hull_engine_sample *s = &en->cur;
    const struct hull_cgroup_stats *cg = &s->cg;
    uint64_t usage = 0, limit = 0, rd = 0, wr = 0;
    double cpu = 0, mem = 0;

    if (en->ok) {
        usage = cg->memory_usage;
        if (cg->memory_inactive_file < usage)
            usage -= cg->memory_inactive_file;
        limit = cg->memory_limit < s->host_memory ? cg->memory_limit : s->host_memory;
        mem = limit > 0 ? (double)usage / (double)limit * 100.0 : 0;
        if (en->have_prev && s->system_cpu_ns > en->prev_system && cg->cpu_usage_ns > en->prev_cpu)
            cpu = (double)(cg->cpu_usage_ns - en->prev_cpu) /
                  (double)(s->system_cpu_ns - en->prev_system) * s->online_cpus * 100.0;
        rd = cg->io_read_bytes;
        wr = cg->io_write_bytes;
    }
    char *cells[] = {
        trunc ? xstrndup(en->id, HULL_CTR_SHORT_LEN) : xstrdup(en->id),
        xstrdup(en->name),
        xasprintf("%.2f%%", cpu),
        pair(usage, limit, binary_size),
        xasprintf("%.2f%%", mem),
        pair(en->ok ? s->net_rx : 0, en->ok ? s->net_tx : 0, hull_human_size),
        pair(rd, wr, hull_human_size),
        xasprintf("%llu", (unsigned long long)(en->ok ? cg->pids_current : 0)),
    };
    json_t *o = json_object();

    json_object_set_new(o, "Container", json_string(cells[0]));
    for (size_t i = 0; i < ARRAY_SIZE(cells); i++) {
        json_object_set_new(o, headers[i + 1].name, json_string(cells[i]));
        free(cells[i]);
    }
    return o;
}

static int print_table(const struct entry *v, size_t n, const struct stats_flags *f,
                       hull_error **err)
{
    struct hull_list_format out;

    if (hull_list_format_begin(&out, f->format, DEFAULT_TABLE, headers, ARRAY_SIZE(headers), err) <
        0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        json_t *o = row_json(&v[i], !f->no_trunc);
        int r = hull_list_format_row(&out, o, err);
        json_decref(o);
        if (r < 0) {
            hull_list_format_end(&out, false);
            return -1;
        }
    }
    /* Redrawn in place, as Docker does on a terminal. */
    if (!f->no_stream)
        fputs("\033[2J\033[H", stdout);
    hull_list_format_end(&out, true);
    fflush(stdout);
    return 0;
}

/* Samples every entry, keeping the previous cpu figures for CPU %. */
static void sample_all(struct hull_engine *e, struct entry *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        _cleanup_error_ hull_error *err = NULL;
        struct entry *en = &v[i];

        if (en->ok) {
            en->prev_cpu = en->cur.cg.cpu_usage_ns;
            en->prev_system = en->cur.system_cpu_ns;
            en->have_prev = true;
        }
        hull_engine_sample_clear(&en->cur);
        en->ok = hull_engine_ctr_status(&en->ctr) == HULL_CTR_RUNNING &&
                 hull_engine_sample(e, &en->ctr, &en->cur, &err) == 0;
        if (!en->ok)
            en->have_prev = false;
    }
}

static void add_entry(struct entry **v, size_t *n, const struct hull_ctr *c)
{
    struct entry *en;

    *v = xrealloc(*v, (*n + 1) * sizeof(**v));
    en = &(*v)[(*n)++];
    memset(en, 0, sizeof(*en));
    en->id = xstrdup(c->id);
    en->name = xstrdup(c->name);
}

/* The containers named in ARGS, or every running one (every one with
 * ALL).  An unknown name is an error. */
static int select_entries(struct hull_engine *e, const struct hull_args *args, bool all,
                          struct entry **v, size_t *n, hull_error **err)
{
    struct hull_ctr *list = NULL;
    size_t count = 0;

    *v = NULL;
    *n = 0;
    for (size_t i = 0; i < args->n; i++) {
        _cleanup_free_ char *id = NULL;
        struct hull_ctr c;
        if (hull_ctr_lookup(e->ctr_dirfd, args->args[i], &id, err) < 0 ||
            hull_ctr_load(e->ctr_dirfd, id, &c, err) < 0)
            return -1;
        add_entry(v, n, &c);
        (*v)[*n - 1].ctr = c;
    }
    if (args->n > 0)
        return 0;
    if (hull_ctr_list(e->ctr_dirfd, &list, &count, err) < 0)
        return -1;
    for (size_t i = 0; i < count; i++) {
        if (!all && hull_engine_ctr_status(&list[i]) != HULL_CTR_RUNNING)
            continue;
        add_entry(v, n, &list[i]);
        (*v)[*n - 1].ctr = list[i];
        memset(&list[i], 0, sizeof(list[i]));
    }
    hull_ctr_list_free(list, count);
    return 0;
}

static void sleep_second(void)
{
    struct timespec ts = {1, 0};
    while (nanosleep(&ts, &ts) < 0)
        ;
}

static int stats(const struct hull_global *g, void *flags, const struct hull_args *args)
{
    const struct stats_flags *f = flags;
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_engine_ struct hull_engine *e = NULL;
    struct entry *v = NULL;
    size_t n = 0;

    if (hull_engine_open(&g->roots, &e, &err) < 0 ||
        select_entries(e, args, f->all, &v, &n, &err) < 0) {
        hull_report(err);
        entries_free(v, n);
        return 1;
    }
    /* A bad template fails before the first second of sampling. */
    struct hull_list_format check;
    if (hull_list_format_begin(&check, f->format, DEFAULT_TABLE, headers, ARRAY_SIZE(headers),
                               &err) < 0) {
        hull_report(err);
        entries_free(v, n);
        return 1;
    }
    hull_list_format_end(&check, false);
    /* CPU % needs two samples: the first one only sets the baseline. */
    sample_all(e, v, n);
    for (;;) {
        sleep_second();
        sample_all(e, v, n);
        if (print_table(v, n, f, &err) < 0 || f->no_stream)
            break;
        if (args->n == 0) {
            /* The running set changes while we watch. */
            struct entry *fresh = NULL;
            size_t m = 0;
            if (select_entries(e, args, f->all, &fresh, &m, &err) < 0)
                break;
            for (size_t i = 0; i < m; i++)
                for (size_t j = 0; j < n; j++)
                    if (strcmp(fresh[i].id, v[j].id) == 0) {
                        fresh[i].ok = v[j].ok;
                        fresh[i].cur = v[j].cur;
                        memset(&v[j].cur, 0, sizeof(v[j].cur));
                    }
            entries_free(v, n);
            v = fresh;
            n = m;
        }
    }
    entries_free(v, n);
    if (err != NULL) {
        hull_report(err);
        return 1;
    }
    return 0;
}

static int cmd_stats(const struct hull_global *g, int argc, char **argv)
{
    struct stats_flags f = {0};

    return hull_command_main(&hull_cmd_stats, g, argc, argv, &f, stats);
}

const struct hull_command hull_cmd_stats = {
    .name = "stats",
    .usage = "[OPTIONS] [CONTAINER...]",
    .summary = "Display a live stream of container(s) resource usage statistics",
    .flags = stats_flags,
    .run = cmd_stats,
    .min_args = 0,
    .max_args = HULL_ARGS_ANY,
};
