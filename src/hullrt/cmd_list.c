#include "commands.h"
#include "state.h"
#include "util.h"

#include <errno.h>
#include <jansson.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define OPT(field) offsetof(struct hullrt_cmd_opts, field)

static const struct hullrt_opt list_flags[] = {
    {"format", 'f', HULLRT_OPT_STRING, OPT(format), "FORMAT", "table",
     "output format: table or json"},
    {"quiet", 'q', HULLRT_OPT_BOOL, OPT(quiet), NULL, NULL, "print only the container ids"},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};

#define LIST_COLUMNS 6

/* Go's text/tabwriter as runc configures it (minwidth 12, padding 3, spaces):
 * every cell but the last of a line is padded to its column's widest cell
 * plus 3, and to at least 12; widths count characters, not bytes. */
#define TAB_MIN_WIDTH 12
#define TAB_PADDING   3

static size_t display_width(const char *s)
{
    size_t n = 0;

    for (; *s != '\0'; s++)
        if (((unsigned char)*s & 0xc0) != 0x80)
            n++;
    return n;
}

static void print_table(FILE *f, char *(*rows)[LIST_COLUMNS], size_t nrows)
{
    size_t width[LIST_COLUMNS - 1];

    for (size_t c = 0; c < LIST_COLUMNS - 1; c++) {
        width[c] = TAB_MIN_WIDTH;
        for (size_t r = 0; r < nrows; r++)
            if (display_width(rows[r][c]) + TAB_PADDING > width[c])
                width[c] = display_width(rows[r][c]) + TAB_PADDING;
    }
    for (size_t r = 0; r < nrows; r++) {
        for (size_t c = 0; c < LIST_COLUMNS - 1; c++)
            fprintf(f, "%s%*s", rows[r][c], (int)(width[c] - display_width(rows[r][c])), "");
        fprintf(f, "%s\n", rows[r][LIST_COLUMNS - 1]);
    }
}

/* runc shows the user name of the owner, or "#UID" when it has none. */
static char *owner_name(uid_t uid)
{
    struct passwd pw, *found = NULL;
    char buf[4096];

    if (getpwuid_r(uid, &pw, buf, sizeof(buf), &found) == 0 && found != NULL)
        return xstrdup(found->pw_name);
    return xasprintf("#%u", (unsigned int)uid);
}

/* Go's time.RFC3339Nano, which runc prints: the fraction of a second loses
 * its trailing zeros, and its dot when nothing is left. */
static char *rfc3339_nano(const char *t)
{
    const char *dot = strchr(t, '.');
    size_t digits, keep;

    if (dot == NULL)
        return xstrdup(t);
    digits = strspn(dot + 1, "0123456789");
    keep = digits;
    while (keep > 0 && dot[keep] == '0')
        keep--;
    if (keep == 0)
        return xasprintf("%.*s%s", (int)(dot - t), t, dot + 1 + digits);
    return xasprintf("%.*s%s", (int)(dot - t + 1 + keep), t, dot + 1 + digits);
}

static pid_t shown_pid(const struct hull_state *st)
{
    return st->status == HULL_STATUS_STOPPED ? 0 : st->pid;
}

static void print_list_table(FILE *f, const struct hull_state *states, size_t n)
{
    char *(*rows)[LIST_COLUMNS] = xmalloc0(sizeof(*rows) * (n + 1));
    static const char *const header[LIST_COLUMNS] = {"ID",     "PID",     "STATUS",
                                                     "BUNDLE", "CREATED", "OWNER"};

    for (size_t c = 0; c < LIST_COLUMNS; c++)
        rows[0][c] = xstrdup(header[c]);
    for (size_t i = 0; i < n; i++) {
        const struct hull_state *st = &states[i];
        rows[i + 1][0] = xstrdup(st->id);
        rows[i + 1][1] = xasprintf("%d", (int)shown_pid(st));
        rows[i + 1][2] = xstrdup(hull_status_name(st->status));
        rows[i + 1][3] = xstrdup(st->bundle != NULL ? st->bundle : "");
        rows[i + 1][4] = rfc3339_nano(st->created != NULL ? st->created : "");
        rows[i + 1][5] = owner_name(st->owner);
    }
    print_table(f, rows, n + 1);
    for (size_t r = 0; r < n + 1; r++)
        for (size_t c = 0; c < LIST_COLUMNS; c++)
            free(rows[r][c]);
    free(rows);
}

/* One container as runc's list shows it: the object of `state`, with the
 * owner's user name. */
static json_t *list_entry(const struct hull_state *st, hull_error **err)
{
    _cleanup_free_ char *text = hull_state_to_runc_json(st);
    _cleanup_free_ char *owner = owner_name(st->owner);
    _cleanup_free_ char *created = NULL;
    json_error_t jerr;
    json_t *obj;

    if (text == NULL) {
        hull_err(err, 0, "container \"%s\": cannot encode its state as JSON", st->id);
        return NULL;
    }
    obj = json_loads(text, 0, &jerr);
    if (obj == NULL || !json_is_object(obj)) {
        hull_err(err, 0, "container \"%s\": invalid state JSON: %s", st->id,
                 obj == NULL ? jerr.text : "not an object");
        json_decref(obj);
        return NULL;
    }
    json_object_set_new(obj, "owner", json_string(owner));
    if (json_is_string(json_object_get(obj, "created"))) {
        created = rfc3339_nano(json_string_value(json_object_get(obj, "created")));
        json_object_set_new(obj, "created", json_string(created));
    }
    return obj;
}

static int print_list_json(FILE *f, const struct hull_state *states, size_t n, hull_error **err)
{
    json_t *array;
    char *text;

    /* runc encodes an empty Go slice, which is "null". */
    if (n == 0) {
        fputs("null\n", f);
        return 0;
    }
    array = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *obj = list_entry(&states[i], err);
        if (obj == NULL) {
            json_decref(array);
            return -1;
        }
        json_array_append_new(array, obj);
    }
    text = json_dumps(array, JSON_COMPACT);
    json_decref(array);
    if (text == NULL)
        return hull_err(err, 0, "cannot encode the container list as JSON");
    fprintf(f, "%s\n", text);
    free(text);
    return 0;
}

/* runc lists nothing, rather than failing, while no container has created
 * the root directory yet. */
static int load_states(const struct hullrt_ctx *ctx, struct hull_state **states, size_t *n,
                       hull_error **err)
{
    struct stat sb;

    *states = NULL;
    *n = 0;
    if (stat(ctx->rt.root, &sb) < 0 && errno == ENOENT)
        return 0;
    return hull_container_list(&ctx->rt, states, n, err);
}

static void free_states(struct hull_state *states, size_t n)
{
    for (size_t i = 0; i < n; i++)
        hull_state_clear(&states[i]);
    free(states);
}

static int list_run(const struct hullrt_ctx *ctx, int *exit_status, hull_error **err)
{
    const char *format = ctx->opts->format != NULL ? ctx->opts->format : "table";
    struct hull_state *states;
    size_t n;
    int r = 0;

    *exit_status = 0;
    if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "invalid --format \"%s\": expected \"table\" or \"json\"", format);
    if (load_states(ctx, &states, &n, err) < 0)
        return -1;
    if (ctx->opts->quiet) {
        for (size_t i = 0; i < n; i++)
            printf("%s\n", states[i].id);
    } else if (strcmp(format, "table") == 0) {
        print_list_table(stdout, states, n);
    } else {
        r = print_list_json(stdout, states, n, err);
    }
    free_states(states, n);
    return r;
}

const struct hullrt_command hullrt_cmd_list = {
    .name = "list",
    .summary = "list the containers under the root directory",
    .args_usage = "",
    .description = "Lists every container whose state is under --root.  The table shows ID, PID\n"
                   "(0 once stopped), STATUS, BUNDLE, CREATED (RFC 3339, UTC) and OWNER; the json\n"
                   "format prints one array of the objects \"hullrt state\" shows (\"null\" when\n"
                   "there is none, as runc prints); --quiet prints the ids alone.\n"
                   "\n"
                   "Example, for a non-default root:\n"
                   "    hullrt --root /run/other list --format json",
    .flags = (const struct hullrt_opt *const[]){list_flags, NULL},
    .min_args = 0,
    .max_args = 0,
    .stop_after = -1,
    .run = list_run,
};
