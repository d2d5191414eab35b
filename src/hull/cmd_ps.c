/* hull ps: the containers, as Docker's table shows them. */
#include "commands.h"
#include "format.h"
#include "util.h"

#include <stdio.h>
#include <time.h>

struct ps_flags {
    bool all, quiet, no_trunc;
};

#define F(f) offsetof(struct ps_flags, f)

static const struct hull_flag ps_flags[] = {
    {"all", 'a', HULL_FLAG_BOOL, F(all), NULL, "Show all containers (default shows just running)"},
    {"no-trunc", 0, HULL_FLAG_BOOL, F(no_trunc), NULL, "Don't truncate output"},
    {"quiet", 'q', HULL_FLAG_BOOL, F(quiet), NULL, "Only display container IDs"},
    {NULL, 0, 0, 0, NULL, NULL},
};

/* "Up 3 seconds", "Exited (0) 5 seconds ago", "Created".  A record that
 * says running while its process is gone belongs to a hull that was
 * killed: it exited, with nothing known of how (Docker shows 255). */
static char *status_text(const struct hull_ctr *c, time_t now)
{
    enum hull_ctr_status s = hull_engine_ctr_status(c);
    time_t t;

    if (s == HULL_CTR_RUNNING) {
        if (c->started_at == NULL || hull_parse_rfc3339(c->started_at, &t) < 0)
            return xstrdup("Up");
        _cleanup_free_ char *d = hull_human_duration(now > t ? now - t : 0);
        return xasprintf("Up %s", d);
    }
    if (s == HULL_CTR_EXITED) {
        if (c->status != HULL_CTR_EXITED)
            return xstrdup("Exited (255)");
        _cleanup_free_ char *ago = hull_time_ago(c->finished_at, now);
        return xasprintf("Exited (%d) %s", c->exit_code, ago);
    }
    return xstrdup("Created");
}

static void add_row(struct hull_table *t, const struct hull_ctr *c, bool trunc, time_t now)
{
    char *cells[] = {
        trunc ? xstrndup(c->id, HULL_CTR_SHORT_LEN) : xstrdup(c->id),
        xstrdup(c->image),
        hull_quote_command(c->command, trunc),
        hull_time_ago(c->created, now),
        status_text(c, now),
        xstrdup(""),
        xstrdup(c->name),
    };
    hull_table_add(t, cells);
}

static int list(const struct hull_global *g, const struct ps_flags *f)
{
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_engine_ struct hull_engine *e = NULL;
    struct hull_ctr *ctrs = NULL;
    size_t n = 0;
    time_t now = time(NULL);
    struct hull_table *t;

    if (hull_engine_open(&g->roots, &e, &err) < 0 ||
        hull_ctr_list(e->ctr_dirfd, &ctrs, &n, &err) < 0) {
        hull_report(err);
        return 1;
    }
    t = hull_table_new(7);
    if (!f->quiet) {
        char *head[] = {xstrdup("CONTAINER ID"), xstrdup("IMAGE"),  xstrdup("COMMAND"),
                        xstrdup("CREATED"),      xstrdup("STATUS"), xstrdup("PORTS"),
                        xstrdup("NAMES")};
        hull_table_add(t, head);
    }
    for (size_t i = 0; i < n; i++) {
        if (!f->all && hull_engine_ctr_status(&ctrs[i]) != HULL_CTR_RUNNING)
            continue;
        if (f->quiet)
            printf("%.*s\n", f->no_trunc ? HULL_CTR_ID_LEN : HULL_CTR_SHORT_LEN, ctrs[i].id);
        else
            add_row(t, &ctrs[i], !f->no_trunc, now);
    }
    hull_table_print(t, stdout);
    hull_table_free(t);
    hull_ctr_list_free(ctrs, n);
    return 0;
}

static int cmd_ps(const struct hull_global *g, int argc, char **argv)
{
    struct ps_flags f = {0};
    struct hull_args args;
    int ret = hull_command_parse(&hull_cmd_ps, true, 0, argc, argv, &f, &args);

    if (ret == 1 && args.n > 0) {
        hull_usage_error(&hull_cmd_ps, "\"hull ps\" accepts no arguments.");
        ret = -1;
    }
    if (ret == 1)
        ret = list(g, &f);
    else
        ret = ret < 0 ? HULL_EXIT_FAILED : 0;
    hull_args_clear(&args);
    return ret;
}

const struct hull_command hull_cmd_ps = {
    .name = "ps",
    .usage = "[OPTIONS]",
    .summary = "List containers",
    .flags = ps_flags,
    .run = cmd_ps,
};
