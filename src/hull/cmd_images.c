/* hull images: the image store, as Docker's table shows it. */
#include "commands.h"
#include "digest.h"
#include "format.h"
#include "util.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

struct images_flags {
    bool quiet, no_trunc;
};

#define F(f) offsetof(struct images_flags, f)

static const struct hull_flag images_flags[] = {
    {"no-trunc", 0, HULL_FLAG_BOOL, F(no_trunc), NULL, "Don't truncate output"},
    {"quiet", 'q', HULL_FLAG_BOOL, F(quiet), NULL, "Only show image IDs"},
    {NULL, 0, 0, 0, NULL, NULL},
};

/* "sha256:<hex>" as Docker shows it: 12 hex digits, or the whole id. */
static char *shown_id(const char *id, bool no_trunc)
{
    if (no_trunc)
        return xstrdup(id);
    return xstrndup(hull_digest_hex(id), 12);
}

/* "name:tag" splits at the last ':' after the last '/' ("reg:5000/a:t"). */
static void add_rows(struct hull_table *t, const struct hull_image *img, bool no_trunc, time_t now)
{
    size_t ntags = strv_len(img->repo_tags);

    for (size_t i = 0; i < (ntags > 0 ? ntags : 1); i++) {
        const char *rt = ntags > 0 ? img->repo_tags[i] : NULL;
        const char *slash = rt != NULL ? strrchr(rt, '/') : NULL;
        const char *colon = rt != NULL ? strrchr(slash != NULL ? slash : rt, ':') : NULL;
        char *cells[] = {
            colon != NULL ? xstrndup(rt, (size_t)(colon - rt)) : xstrdup(rt ? rt : "<none>"),
            xstrdup(colon != NULL ? colon + 1 : "<none>"),
            shown_id(img->id, no_trunc),
            hull_time_ago(img->created, now),
            hull_human_size(img->size),
        };
        hull_table_add(t, cells);
    }
}

static int list(const struct hull_global *g, const struct images_flags *f)
{
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_engine_ struct hull_engine *e = NULL;
    struct hull_image **imgs = NULL;
    size_t n = 0;
    struct hull_table *t;

    if (hull_engine_open(&g->roots, &e, &err) < 0 ||
        hull_store_image_list(e->store, &imgs, &n, &err) < 0) {
        hull_report(err);
        return 1;
    }
    if (f->quiet) {
        for (size_t i = 0; i < n; i++) {
            _cleanup_free_ char *id = shown_id(imgs[i]->id, f->no_trunc);
            printf("%s\n", id);
        }
        hull_image_list_free(imgs, n);
        return 0;
    }
    t = hull_table_new(5);
    char *head[] = {xstrdup("REPOSITORY"), xstrdup("TAG"), xstrdup("IMAGE ID"), xstrdup("CREATED"),
                    xstrdup("SIZE")};
    hull_table_add(t, head);
    for (size_t i = 0; i < n; i++)
        add_rows(t, imgs[i], f->no_trunc, time(NULL));
    hull_table_print(t, stdout);
    hull_table_free(t);
    hull_image_list_free(imgs, n);
    return 0;
}

static int cmd_images(const struct hull_global *g, int argc, char **argv)
{
    struct images_flags f = {0};
    struct hull_args args;
    int ret = hull_command_parse(&hull_cmd_images, true, 0, argc, argv, &f, &args);

    if (ret == 1 && args.n > 0) {
        hull_usage_error(&hull_cmd_images,
                         "\"hull images\" filtering by repository is not supported");
        ret = -1;
    }
    if (ret == 1)
        ret = list(g, &f);
    else
        ret = ret < 0 ? HULL_EXIT_FAILED : 0;
    hull_args_clear(&args);
    return ret;
}

const struct hull_command hull_cmd_images = {
    .name = "images",
    .usage = "[OPTIONS]",
    .summary = "List images",
    .flags = images_flags,
    .run = cmd_images,
};
