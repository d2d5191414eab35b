/* hull images: the image store, as Docker's table shows it. */
#include "cli.h"
#include "digest.h"
#include "format.h"
#include "listfmt.h"
#include "image.h"
#include "image_json.h"
#include "util.h"

#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

struct images_flags {
    bool all, quiet, no_trunc, digests;
    const char *format;
    char **filter;
};

#define F(f) offsetof(struct images_flags, f)

static const struct hull_flag images_flags[] = {
    {"all", 'a', HULL_FLAG_BOOL, F(all), NULL,
     "Show all images (hull keeps no intermediate images: the same as without)"},
    {"digests", 0, HULL_FLAG_BOOL, F(digests), NULL, "Show digests"},
    {"filter", 'f', HULL_FLAG_LIST, F(filter), "filter",
     "Filter output based on conditions provided (dangling=true|false, reference=PATTERN)"},
    {"format", 0, HULL_FLAG_STRING, F(format), "string",
     "Format output using a custom template: 'json' or a Go template such as '{{.ID}}'"},
    {"no-trunc", 0, HULL_FLAG_BOOL, F(no_trunc), NULL, "Don't truncate output"},
    {"quiet", 'q', HULL_FLAG_BOOL, F(quiet), NULL, "Only show image IDs"},
    {NULL, 0, 0, 0, NULL, NULL},
};

/* One row: an image under one of its tags (or none). */
struct row {
    const struct hull_image *img;
    char *repo, *tag;
};

/* "sha256:<hex>" as Docker shows it: 12 hex digits, or the whole id. */
static char *shown_id(const char *id, bool no_trunc)
{
    if (no_trunc)
        return xstrdup(id);
    return xstrndup(hull_digest_hex(id), 12);
}

/* "name:tag" splits at the last ':' after the last '/' ("reg:5000/a:t"). */
static void split_tag(const char *rt, char **repo, char **tag)
{
    const char *slash = rt != NULL ? strrchr(rt, '/') : NULL;
    const char *colon = rt != NULL ? strrchr(slash != NULL ? slash : rt, ':') : NULL;

    *repo = colon != NULL ? xstrndup(rt, (size_t)(colon - rt)) : xstrdup(rt ? rt : "<none>");
    *tag = xstrdup(colon != NULL ? colon + 1 : "<none>");
}

struct filters {
    int dangling; /* -1: any */
    char **references;
    char *repo, *tag; /* the positional REPOSITORY[:TAG] */
};

static int parse_filters(char *const *list, const char *positional, struct filters *f,
                         hull_error **err)
{
    *f = (struct filters){.dangling = -1};
    for (size_t i = 0; list != NULL && list[i] != NULL; i++) {
        const char *eq = strchr(list[i], '=');
        if (eq == NULL)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 "bad format of filter (expected name=value)");
        size_t klen = (size_t)(eq - list[i]);
        if (klen == 8 && strncmp(list[i], "dangling", 8) == 0) {
            bool b;
            if (hull_parse_bool(eq + 1, &b) < 0)
                return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "invalid filter 'dangling=%s'",
                                     eq + 1);
            f->dangling = b;
        } else if (klen == 9 && strncmp(list[i], "reference", 9) == 0) {
            strv_append(&f->references, eq + 1);
        } else {
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "filter \"%.*s\" is not supported",
                                 (int)klen, list[i]);
        }
    }
    if (positional != NULL) {
        struct hull_ref r;
        bool has_tag = strchr(strrchr(positional, '/') ?: positional, ':') != NULL;
        if (hull_ref_parse(positional, &r, err) < 0)
            return -1;
        f->repo = xstrdup(r.name);
        f->tag = has_tag && r.tag ? xstrdup(r.tag) : NULL;
        hull_ref_clear(&r);
    }
    return 0;
}

static void filters_clear(struct filters *f)
{
    strv_free(f->references);
    free(f->repo);
    free(f->tag);
}

static bool row_matches(const struct filters *f, const struct row *r, bool untagged)
{
    if (f->dangling >= 0 && untagged != (bool)f->dangling)
        return false;
    if (f->repo != NULL && (untagged || strcmp(r->repo, f->repo) != 0 ||
                            (f->tag != NULL && strcmp(r->tag, f->tag) != 0)))
        return false;
    for (size_t i = 0; f->references != NULL && f->references[i] != NULL; i++) {
        _cleanup_free_ char *full = xasprintf("%s:%s", r->repo, r->tag);
        if (untagged ||
            (fnmatch(f->references[i], r->repo, 0) != 0 && fnmatch(f->references[i], full, 0) != 0))
            return false;
    }
    return true;
}

static json_t *row_json(const struct row *r, bool no_trunc, time_t now)
{
    _cleanup_free_ char *id = shown_id(r->img->id, no_trunc);
    _cleanup_free_ char *since = hull_time_ago(r->img->created, now);
    _cleanup_free_ char *size = hull_human_size(r->img->size);
    const char *digest =
        r->img->repo_digest && strcmp(r->repo, "<none>") != 0 ? r->img->manifest : "<none>";

    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Containers", "N/A",
                     "CreatedAt", r->img->created, "CreatedSince", since, "Digest", digest, "ID",
                     id, "Repository", r->repo, "SharedSize", "N/A", "Size", size, "Tag", r->tag,
                     "UniqueSize", "N/A", "VirtualSize", size);
}

static void print_table(struct row *rows, size_t n, const struct images_flags *f, time_t now)
{
    struct hull_table *t = hull_table_new(f->digests ? 6 : 5);
    char *head[] = {xstrdup("REPOSITORY"), xstrdup("TAG"),     xstrdup("DIGEST"),
                    xstrdup("IMAGE ID"),   xstrdup("CREATED"), xstrdup("SIZE")};

    if (!f->digests)
        free(head[2]), memmove(&head[2], &head[3], 3 * sizeof(char *));
    hull_table_add(t, head);
    for (size_t i = 0; i < n; i++) {
        const struct hull_image *img = rows[i].img;
        char *cells[] = {
            xstrdup(rows[i].repo),
            xstrdup(rows[i].tag),
            xstrdup(img->repo_digest && strcmp(rows[i].repo, "<none>") != 0 ? img->manifest
                                                                            : "<none>"),
            shown_id(img->id, f->no_trunc),
            hull_time_ago(img->created, now),
            hull_human_size(img->size),
        };
        if (!f->digests)
            free(cells[2]), memmove(&cells[2], &cells[3], 3 * sizeof(char *));
        hull_table_add(t, cells);
    }
    hull_table_print(t, stdout);
    hull_table_free(t);
}

/* The titles Docker gives the fields in "table" templates. */
static const struct hull_list_header headers[] = {
    {"Containers", "CONTAINERS"},
    {"CreatedAt", "CREATED AT"},
    {"CreatedSince", "CREATED"},
    {"Digest", "DIGEST"},
    {"ID", "IMAGE ID"},
    {"Repository", "REPOSITORY"},
    {"SharedSize", "SHARED SIZE"},
    {"Size", "SIZE"},
    {"Tag", "TAG"},
    {"UniqueSize", "UNIQUE SIZE"},
    {"VirtualSize", "VIRTUAL SIZE"},
};

static int print_rows(struct row *rows, size_t n, const struct images_flags *f, hull_error **err)
{
    time_t now = time(NULL);

    if (f->quiet) {
        for (size_t i = 0; i < n; i++) {
            /* an image with several tags is listed once */
            if (i > 0 && rows[i - 1].img == rows[i].img)
                continue;
            _cleanup_free_ char *id = shown_id(rows[i].img->id, f->no_trunc);
            printf("%s\n", id);
        }
        return 0;
    }
    if (f->format == NULL || strcmp(f->format, "table") == 0) {
        print_table(rows, n, f, now);
        return 0;
    }
    struct hull_list_format out;
    if (hull_list_format_begin(&out, f->format, NULL, headers, ARRAY_SIZE(headers), err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        json_t *o = row_json(&rows[i], f->no_trunc, now);
        int ret = hull_list_format_row(&out, o, err);
        json_decref(o);
        if (ret < 0) {
            hull_list_format_end(&out, false);
            return -1;
        }
    }
    hull_list_format_end(&out, true);
    return 0;
}

static int list(const struct hull_global *g, void *flags, const struct hull_args *args)
{
    const struct images_flags *f = flags;
    const char *positional = args->n > 0 ? args->args[0] : NULL;
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_engine_ struct hull_engine *e = NULL;
    struct hull_image **imgs = NULL;
    struct row *rows = NULL;
    struct filters flt = {0};
    size_t n = 0, nrows = 0;
    int ret = 1;

    if (parse_filters(f->filter, positional, &flt, &err) < 0 ||
        hull_engine_open(&g->roots, &e, &err) < 0 ||
        hull_store_image_list(e->store, &imgs, &n, &err) < 0)
        goto out;
    for (size_t i = 0; i < n; i++) {
        size_t ntags = strv_len(imgs[i]->repo_tags);
        for (size_t k = 0; k < (ntags > 0 ? ntags : 1); k++) {
            struct row r = {.img = imgs[i]};
            split_tag(ntags > 0 ? imgs[i]->repo_tags[k] : NULL, &r.repo, &r.tag);
            if (!row_matches(&flt, &r, ntags == 0)) {
                free(r.repo);
                free(r.tag);
                continue;
            }
            rows = xrealloc(rows, (nrows + 1) * sizeof(*rows));
            rows[nrows++] = r;
        }
    }
    ret = print_rows(rows, nrows, f, &err) < 0 ? 1 : 0;
out:
    if (err != NULL)
        hull_report(err);
    for (size_t i = 0; i < nrows; i++) {
        free(rows[i].repo);
        free(rows[i].tag);
    }
    free(rows);
    filters_clear(&flt);
    hull_image_list_free(imgs, n);
    return ret;
}

static int cmd_images(const struct hull_global *g, int argc, char **argv)
{
    struct images_flags f = {0};

    return hull_command_main(&hull_cmd_images, g, argc, argv, &f, list);
}

const struct hull_command hull_cmd_images = {
    .name = "images",
    .usage = "[OPTIONS] [REPOSITORY[:TAG]]",
    .summary = "List images",
    .flags = images_flags,
    .run = cmd_images,
    .min_args = 0,
    .max_args = 1,
};
