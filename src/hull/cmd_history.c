/* hull history: the history entries of an image's config. */
#include "cli.h"
#include "digest.h"
#include "format.h"
#include "template.h"
#include "util.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define CREATED_BY_WIDTH 45

struct history_flags {
    bool human, no_trunc, quiet;
    const char *format;
};

#define F(f) offsetof(struct history_flags, f)

static const struct hull_flag history_flags[] = {
    {"format", 0, HULL_FLAG_STRING, F(format), "string",
     "Format output using a custom template: 'json' or a Go template such as '{{.CreatedBy}}'"},
    {"human", 'H', HULL_FLAG_BOOL, F(human), NULL,
     "Print sizes and dates in human readable format (default true)"},
    {"no-trunc", 0, HULL_FLAG_BOOL, F(no_trunc), NULL, "Don't truncate output"},
    {"quiet", 'q', HULL_FLAG_BOOL, F(quiet), NULL, "Only show image IDs"},
    {NULL, 0, 0, 0, NULL, NULL},
};

/* One history entry, newest first, with the size of its layer. */
struct entry {
    json_t *h;
    uint64_t size;
    bool top;
};

/* Docker's Ellipsis: at most WIDTH characters, the last one "…". */
static char *ellipsis(const char *s, size_t width)
{
    size_t n = 0, i = 0;

    while (s[i] != '\0' && n < width) {
        i++;
        while ((s[i] & 0xc0) == 0x80)
            i++;
        n++;
    }
    if (s[i] == '\0')
        return xstrdup(s);
    size_t keep = 0, k = 0;
    while (k + 1 < width) {
        keep++;
        while ((s[keep] & 0xc0) == 0x80)
            keep++;
        k++;
    }
    return xasprintf("%.*s…", (int)keep, s);
}

static json_t *entry_json(const struct hull_image *img, const struct entry *en, bool no_trunc,
                          bool human, time_t now)
{
    const char *created = json_string_value(json_object_get(en->h, "created")) ?: "";
    const char *by = json_string_value(json_object_get(en->h, "created_by")) ?: "";
    const char *comment = json_string_value(json_object_get(en->h, "comment")) ?: "";
    _cleanup_free_ char *id =
        en->top ? (no_trunc ? xstrdup(img->id) : xstrndup(hull_digest_hex(img->id), 12))
                : xstrdup("<missing>");
    _cleanup_free_ char *since = human ? hull_time_ago(created, now) : xstrdup(created);
    _cleanup_free_ char *size =
        human ? hull_human_size(en->size) : xasprintf("%llu", (unsigned long long)en->size);
    _cleanup_free_ char *shown_by = no_trunc ? xstrdup(by) : ellipsis(by, CREATED_BY_WIDTH);

    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "ID", id, "CreatedAt", created,
                     "CreatedSince", since, "CreatedBy", shown_by, "Size", size, "Comment",
                     comment);
}

static struct entry *entries(const struct hull_image *img, size_t *n)
{
    json_t *hist = json_object_get(img->config, "history"), *h;
    size_t count = json_array_size(hist), layer = strv_len(img->diff_ids), i;
    struct entry *out = xmalloc0((count + 1) * sizeof(*out));

    /* newest first: walk back, handing out layers from the top down */
    for (i = count; i > 0; i--) {
        h = json_array_get(hist, i - 1);
        struct entry *en = &out[count - i];
        en->h = h;
        en->top = i == count;
        if (!json_is_true(json_object_get(h, "empty_layer")) && layer > 0)
            en->size = img->layer_sizes[--layer];
    }
    *n = count;
    return out;
}

static int show(const struct hull_global *g, void *flags, const struct hull_args *args)
{
    const struct history_flags *f = flags;
    const char *ref = args->args[0];
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_engine_ struct hull_engine *e = NULL;
    struct hull_image *img = NULL;
    struct entry *list = NULL;
    struct hull_table *t = NULL;
    time_t now = time(NULL);
    size_t n = 0;
    int ret = 1;

    if (hull_engine_open(&g->roots, &e, &err) < 0 ||
        hull_store_image_get(e->store, ref, &img, &err) < 0)
        goto out;
    list = entries(img, &n);
    if (f->format == NULL && !f->quiet) {
        t = hull_table_new(5);
        char *head[] = {xstrdup("IMAGE"), xstrdup("CREATED"), xstrdup("CREATED BY"),
                        xstrdup("SIZE"), xstrdup("COMMENT")};
        hull_table_add(t, head);
    }
    for (size_t i = 0; i < n; i++) {
        json_t *o = entry_json(img, &list[i], f->no_trunc, f->human, now);
        char *line = NULL;
        if (t != NULL) {
            const char *keys[] = {"ID", "CreatedSince", "CreatedBy", "Size", "Comment"};
            char *cells[5];
            for (size_t k = 0; k < 5; k++)
                cells[k] = xstrdup(json_string_value(json_object_get(o, keys[k])));
            hull_table_add(t, cells);
        } else if (f->quiet) {
            printf("%s\n", json_string_value(json_object_get(o, "ID")));
        } else if (strcmp(f->format, "json") == 0) {
            line = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
        } else if (hull_template_render(f->format, o, &line, &err) < 0) {
            json_decref(o);
            goto out;
        }
        if (line != NULL)
            printf("%s\n", line);
        free(line);
        json_decref(o);
    }
    if (t != NULL)
        hull_table_print(t, stdout);
    ret = 0;
out:
    if (err != NULL)
        hull_report(err);
    if (t != NULL)
        hull_table_free(t);
    free(list);
    hull_image_free(img);
    return ret;
}

static int cmd_history(const struct hull_global *g, int argc, char **argv)
{
    struct history_flags f = {.human = true};

    return hull_command_main(&hull_cmd_history, g, argc, argv, &f, show);
}

const struct hull_command hull_cmd_history = {
    .name = "history",
    .usage = "[OPTIONS] IMAGE",
    .summary = "Show the history of an image",
    .flags = history_flags,
    .run = cmd_history,
    .min_args = 1,
    .max_args = 1,
};
