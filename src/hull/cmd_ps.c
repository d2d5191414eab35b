/* hull ps: the containers, as Docker's table shows them, filtered
 * (--filter), or formatted (--format with a template or json).
 *
 * Each container becomes the object Docker's formatter sees (ID, Image,
 * Command, CreatedAt, RunningFor, Ports, State, Status, Size, Names,
 * Labels, Mounts, Networks, LocalVolumes); the table, the templates and
 * the json output are all made from it.  Listing first repairs what
 * killed hull commands or monitors left (hull_engine_reconcile), so the
 * list tells the truth. */
#include "cli.h"
#include "format.h"
#include "listfmt.h"
#include "net.h"
#include "util.h"
#include "volume.h"

#include <jansson.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

struct ps_flags {
    bool all, quiet, no_trunc, size, latest;
    const char *format, *last;
    char **filters;
};

#define F(f) offsetof(struct ps_flags, f)

static const struct hull_flag ps_flags[] = {
    {"all", 'a', HULL_FLAG_BOOL, F(all), NULL, "Show all containers (default shows just running)"},
    {"filter", 'f', HULL_FLAG_LIST, F(filters), "filter",
     "Filter output based on conditions provided"},
    {"format", 0, HULL_FLAG_STRING, F(format), "string",
     "Format output using a custom template: 'table', 'table TEMPLATE', 'json' or a Go template"},
    {"last", 'n', HULL_FLAG_STRING, F(last), "int",
     "Show n last created containers (includes all states)"},
    {"latest", 'l', HULL_FLAG_BOOL, F(latest), NULL,
     "Show the latest created container (includes all states)"},
    {"no-trunc", 0, HULL_FLAG_BOOL, F(no_trunc), NULL, "Don't truncate output"},
    {"quiet", 'q', HULL_FLAG_BOOL, F(quiet), NULL, "Only display container IDs"},
    {"size", 's', HULL_FLAG_BOOL, F(size), NULL, "Display total file sizes"},
    {NULL, 0, 0, 0, NULL, NULL},
};

/* ---- filters ---- */

static const char *const filter_keys[] = {"status", "name", "id", "label", "exited", "ancestor"};

/* The --filter values, by key; values of one key are alternatives,
 * different keys must all match. */
struct filters {
    char **values[ARRAY_SIZE(filter_keys)];
};

/* The states Docker's status filter knows. */
static bool status_valid(const char *s)
{
    static const char *const states[] = {"created", "restarting", "running", "removing",
                                         "paused",  "exited",     "dead"};
    for (size_t i = 0; i < ARRAY_SIZE(states); i++)
        if (strcmp(s, states[i]) == 0)
            return true;
    return false;
}

static int filters_parse(char **given, struct filters *out, hull_error **err)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; given != NULL && given[i] != NULL; i++) {
        const char *eq = strchr(given[i], '=');
        size_t k;
        for (k = 0; eq != NULL && k < ARRAY_SIZE(filter_keys); k++)
            if (strlen(filter_keys[k]) == (size_t)(eq - given[i]) &&
                strncmp(given[i], filter_keys[k], strlen(filter_keys[k])) == 0)
                break;
        if (eq == NULL)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 "bad format of filter \"%s\" (expected name=value)", given[i]);
        if (k == ARRAY_SIZE(filter_keys))
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "invalid filter '%.*s'",
                                 (int)(eq - given[i]), given[i]);
        if (k == 0 && !status_valid(eq + 1))
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "invalid filter '%s'", given[i]);
        strv_append(&out->values[k], eq + 1);
    }
    return 0;
}

static void filters_clear(struct filters *f)
{
    for (size_t k = 0; k < ARRAY_SIZE(filter_keys); k++)
        strv_free(f->values[k]);
}

static bool label_matches(const struct hull_ctr *c, const char *want)
{
    const char *eq = strchr(want, '=');
    size_t klen = eq != NULL ? (size_t)(eq - want) : strlen(want);

    for (size_t i = 0; c->labels != NULL && c->labels[i] != NULL; i++) {
        const char *l = c->labels[i];
        if (strncmp(l, want, klen) != 0 || l[klen] != '=')
            continue;
        if (eq == NULL || strcmp(l + klen + 1, eq + 1) == 0)
            return true;
    }
    return false;
}

/* An image reference matches with or without ":latest", and an image id
 * by prefix (with or without "sha256:"). */
static bool ancestor_matches(const struct hull_ctr *c, const char *want)
{
    size_t n = strlen(want);
    const char *hex = str_has_prefix(c->image_id, "sha256:") ? c->image_id + 7 : c->image_id;

    if (strcmp(c->image, want) == 0 || str_has_prefix(c->image_id, want) ||
        (n >= 4 && str_has_prefix(hex, want)))
        return true;
    if (strchr(want, ':') == NULL) {
        _cleanup_free_ char *tagged = xasprintf("%s:latest", want);
        return strcmp(c->image, tagged) == 0;
    }
    return str_has_suffix(want, ":latest") && strncmp(c->image, want, n - 7) == 0 &&
           c->image[n - 7] == '\0';
}

static bool name_matches(const char *name, const char *pattern)
{
    regex_t re;
    bool ok;

    if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
        return strstr(name, pattern) != NULL;
    ok = regexec(&re, name, 0, NULL, 0) == 0;
    regfree(&re);
    return ok;
}

static bool one_matches(size_t key, const struct hull_ctr *c, const char *state, const char *v)
{
    switch (key) {
    case 0:
        return strcmp(state, v) == 0;
    case 1:
        return name_matches(c->name, v[0] == '/' ? v + 1 : v);
    case 2:
        return str_has_prefix(c->id, v);
    case 3:
        return label_matches(c, v);
    case 4:
        return strcmp(state, "exited") == 0 && atoi(v) == c->exit_code &&
               strspn(v, "0123456789") == strlen(v);
    default:
        return ancestor_matches(c, v);
    }
}

static bool filters_match(const struct filters *f, const struct hull_ctr *c, const char *state)
{
    for (size_t k = 0; k < ARRAY_SIZE(filter_keys); k++) {
        bool any = f->values[k] == NULL;
        for (size_t i = 0; !any && f->values[k][i] != NULL; i++)
            any = one_matches(k, c, state, f->values[k][i]);
        if (!any)
            return false;
    }
    return true;
}

/* ---- the formatter's object ---- */

static const char *state_name(struct hull_engine *e, const struct hull_ctr *c)
{
    switch (hull_engine_ctr_status(c)) {
    case HULL_CTR_RUNNING:
        return hull_engine_ctr_paused(e, c) ? "paused" : "running";
    case HULL_CTR_RESTARTING:
        return "restarting";
    case HULL_CTR_EXITED:
        return "exited";
    case HULL_CTR_CREATED:
        break;
    }
    return "created";
}

/* "Up 3 seconds", "Up 3 seconds (Paused)", "Exited (0) 5 seconds ago",
 * "Restarting (1) 2 seconds ago", "Created". */
static char *status_text(const struct hull_ctr *c, const char *state, time_t now)
{
    time_t t;

    if (strcmp(state, "running") == 0 || strcmp(state, "paused") == 0) {
        const char *paused = state[0] == 'p' ? " (Paused)" : "";
        if (c->started_at == NULL || hull_parse_rfc3339(c->started_at, &t) < 0)
            return xasprintf("Up%s", paused);
        _cleanup_free_ char *d = hull_human_duration(now > t ? now - t : 0);
        return xasprintf("Up %s%s", d, paused);
    }
    if (strcmp(state, "exited") == 0 || strcmp(state, "restarting") == 0) {
        _cleanup_free_ char *ago = hull_time_ago(c->finished_at, now);
        return xasprintf("%s (%d) %s", state[0] == 'e' ? "Exited" : "Restarting", c->exit_code,
                         ago);
    }
    return xstrdup("Created");
}

char *hull_ctr_status_text(struct hull_engine *e, const struct hull_ctr *c, time_t now)
{
    return status_text(c, state_name(e, c), now);
}

/* Go's time.Time as Docker prints CreatedAt: "2006-01-02 15:04:05 +0000 UTC". */
static char *created_at(const char *rfc3339)
{
    struct tm tm;
    time_t t;
    char buf[64];

    if (rfc3339 == NULL || hull_parse_rfc3339(rfc3339, &t) < 0)
        return xstrdup("");
    gmtime_r(&t, &tm);
    strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S +0000 UTC", &tm);
    return xstrdup(buf);
}

static char *labels_text(char *const *labels)
{
    char *out = xstrdup("");
    for (size_t i = 0; labels != NULL && labels[i] != NULL; i++) {
        char *next = xasprintf("%s%s%s", out, i ? "," : "", labels[i]);
        free(out);
        out = next;
    }
    return out;
}

static char *size_text(struct hull_engine *e, const struct hull_ctr *c)
{
    _cleanup_free_ char *upper = hull_engine_ctr_path(e, c->id, "upper");
    _cleanup_free_ char *size = hull_human_size(hull_dir_size(upper));
    return xstrdup(size);
}

static void set_owned(json_t *o, const char *key, char *value)
{
    json_object_set_new(o, key, json_string(value));
    free(value);
}

static json_t *ps_object(struct hull_engine *e, const struct hull_ctr *c, const struct ps_flags *f,
                         time_t now)
{
    const char *state = state_name(e, c);
    bool trunc = !f->no_trunc;
    json_t *o = json_object();

    set_owned(o, "ID", trunc ? xstrndup(c->id, HULL_CTR_SHORT_LEN) : xstrdup(c->id));
    json_object_set_new(o, "Image", json_string(c->image));
    set_owned(o, "Command", hull_quote_command(c->command, trunc));
    set_owned(o, "CreatedAt", created_at(c->created));
    set_owned(o, "RunningFor", hull_time_ago(c->created, now));
    set_owned(o, "Ports", hull_net_ports_summary(e, c));
    json_object_set_new(o, "State", json_string(state));
    set_owned(o, "Status", status_text(c, state, now));
    set_owned(o, "Size", f->size ? size_text(e, c) : xstrdup(""));
    json_object_set_new(o, "Names", json_string(c->name));
    set_owned(o, "Labels", labels_text(c->labels));
    json_object_set_new(o, "Mounts", json_string(""));
    json_object_set_new(o, "Networks", json_string(""));
    json_object_set_new(o, "LocalVolumes", json_string("0"));
    return o;
}

/* ---- output ---- */

/* The titles Docker gives the fields in "table" templates. */
static const struct hull_list_header headers[] = {
    {"ID", "CONTAINER ID"},    {"Image", "IMAGE"},
    {"Command", "COMMAND"},    {"CreatedAt", "CREATED AT"},
    {"RunningFor", "CREATED"}, {"Ports", "PORTS"},
    {"State", "STATE"},        {"Status", "STATUS"},
    {"Size", "SIZE"},          {"Names", "NAMES"},
    {"Labels", "LABELS"},      {"Mounts", "MOUNTS"},
    {"Networks", "NETWORKS"},  {"LocalVolumes", "LOCAL VOLUMES"},
};

#define DEFAULT_TABLE                                                                              \
    "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"

/* Which containers are shown: running ones, or all with -a (and with a
 * filter on the state), the last N with -n, the newest with -l. */
static bool shown(const struct ps_flags *f, const struct filters *flt, const struct hull_ctr *c,
                  const char *state, size_t *left)
{
    bool all =
        f->all || f->latest || f->last != NULL || flt->values[0] != NULL || flt->values[4] != NULL;

    if (*left == 0 || (!all && strcmp(state, "running") != 0 && strcmp(state, "paused") != 0 &&
                       strcmp(state, "restarting") != 0))
        return false;
    if (!filters_match(flt, c, state))
        return false;
    if (*left != (size_t)-1)
        (*left)--;
    return true;
}

static int list(const struct hull_global *g, const struct ps_flags *f, const struct filters *flt,
                hull_error **err)
{
    _cleanup_engine_ struct hull_engine *e = NULL;
    struct hull_ctr *ctrs = NULL;
    struct hull_list_format out = {0};
    size_t n = 0, left = (size_t)-1;
    time_t now = time(NULL);
    int64_t last;
    int ret = -1;

    if (f->last != NULL && parse_int64(f->last, -1, 1 << 30, &last) == 0 && last >= 0)
        left = (size_t)last;
    if (f->latest)
        left = 1;
    if (hull_engine_open(&g->roots, &e, err) < 0)
        return -1;
    hull_engine_reconcile(e);
    if (hull_ctr_list(e->ctr_dirfd, &ctrs, &n, err) < 0)
        return -1;
    if (!f->quiet && hull_list_format_begin(&out, f->format, DEFAULT_TABLE, headers,
                                            ARRAY_SIZE(headers), err) < 0)
        goto done;
    for (size_t i = 0; i < n; i++) {
        const char *state = state_name(e, &ctrs[i]);
        if (!shown(f, flt, &ctrs[i], state, &left))
            continue;
        if (f->quiet) {
            printf("%.*s\n", f->no_trunc ? HULL_CTR_ID_LEN : HULL_CTR_SHORT_LEN, ctrs[i].id);
            continue;
        }
        json_t *o = ps_object(e, &ctrs[i], f, now);
        int r = hull_list_format_row(&out, o, err);
        json_decref(o);
        if (r < 0)
            goto done;
    }
    ret = 0;
done:
    hull_list_format_end(&out, ret == 0);
    hull_ctr_list_free(ctrs, n);
    return ret;
}

static int ps(const struct hull_global *g, void *flags, const struct hull_args *args)
{
    const struct ps_flags *f = flags;
    struct filters flt;
    _cleanup_error_ hull_error *err = NULL;
    int ret = 0;

    if (filters_parse(f->filters, &flt, &err) < 0) {
        ret = hull_usage_error(&hull_cmd_ps, err->msg);
    } else if (list(g, f, &flt, &err) < 0) {
        hull_report(err);
        ret = 1;
    }
    filters_clear(&flt);
    return ret;
}

static int cmd_ps(const struct hull_global *g, int argc, char **argv)
{
    struct ps_flags f = {0};

    return hull_command_main(&hull_cmd_ps, g, argc, argv, &f, ps);
}

const struct hull_command hull_cmd_ps = {
    .name = "ps",
    .usage = "[OPTIONS]",
    .summary = "List containers",
    .flags = ps_flags,
    .run = cmd_ps,
    .min_args = 0,
    .max_args = 0,
};
