/* hull system: df (disk usage), prune (everything unused), info. */
#include "cli.h"
#include "engine_image.h"
#include "format.h"
#include "net.h"
#include "util.h"
#include "volume.h"

#include <stdio.h>
#include <string.h>

/* ---- df ---- */

struct usage {
    size_t total, active;
    uint64_t size, reclaimable;
};

static char *reclaimable_text(const struct usage *u, bool percent)
{
    _cleanup_free_ char *size = hull_human_size(u->reclaimable);

    if (!percent || u->size == 0)
        return xstrdup(size);
    return xasprintf("%s (%d%%)", size, (int)(u->reclaimable * 100 / u->size));
}

static bool image_used(const struct hull_image *img, const struct hull_ctr *ctrs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(ctrs[i].image_id, img->id) == 0)
            return true;
    return false;
}

static int images_usage(struct hull_engine *e, const struct hull_ctr *ctrs, size_t n,
                        struct usage *u, hull_error **err)
{
    struct hull_image **imgs = NULL;
    size_t nimg = 0;

    if (hull_store_image_list(e->store, &imgs, &nimg, err) < 0)
        return -1;
    for (size_t i = 0; i < nimg; i++) {
        bool used = image_used(imgs[i], ctrs, n);
        u->total++;
        u->active += used;
        u->size += imgs[i]->size;
        if (!used)
            u->reclaimable += imgs[i]->size;
    }
    hull_image_list_free(imgs, nimg);
    return 0;
}

static void containers_usage(struct hull_engine *e, const struct hull_ctr *ctrs, size_t n,
                             struct usage *u)
{
    for (size_t i = 0; i < n; i++) {
        _cleanup_free_ char *upper = hull_engine_ctr_path(e, ctrs[i].id, "upper");
        uint64_t size = hull_dir_size(upper);
        bool running = hull_engine_ctr_status(&ctrs[i]) == HULL_CTR_RUNNING;
        u->total++;
        u->active += running;
        u->size += size;
        if (!running)
            u->reclaimable += size;
    }
}

static int volumes_usage(struct hull_engine *e, struct usage *u, hull_error **err)
{
    struct hull_volume *vols = NULL;
    size_t n = 0;

    if (hull_volume_list(e, &vols, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        _cleanup_strv_ char **users = NULL;
        uint64_t size = hull_dir_size(vols[i].mountpoint);
        bool used = hull_volume_users(e, vols[i].name, &users, NULL) == 0 && users != NULL;
        u->total++;
        u->active += used;
        u->size += size;
        if (!used)
            u->reclaimable += size;
    }
    hull_volume_list_free(vols, n);
    return 0;
}

static void df_row(struct hull_table *t, const char *type, const struct usage *u, bool percent)
{
    char *cells[] = {
        xstrdup(type),
        xasprintf("%zu", u->total),
        xasprintf("%zu", u->active),
        hull_human_size(u->size),
        reclaimable_text(u, percent),
    };
    hull_table_add(t, cells);
}

static int df(const struct hull_global *g, hull_error **err)
{
    _cleanup_engine_ struct hull_engine *e = NULL;
    struct hull_ctr *ctrs = NULL;
    size_t n = 0;
    struct usage img = {0}, ctr = {0}, vol = {0}, cache = {0};
    struct hull_table *t;

    if (hull_engine_open(&g->roots, &e, err) < 0)
        return -1;
    hull_engine_reconcile(e);
    if (hull_ctr_list(e->ctr_dirfd, &ctrs, &n, err) < 0)
        return -1;
    if (images_usage(e, ctrs, n, &img, err) < 0 || volumes_usage(e, &vol, err) < 0) {
        hull_ctr_list_free(ctrs, n);
        return -1;
    }
    containers_usage(e, ctrs, n, &ctr);
    hull_ctr_list_free(ctrs, n);
    t = hull_table_new(5);
    char *head[] = {xstrdup("TYPE"), xstrdup("TOTAL"), xstrdup("ACTIVE"), xstrdup("SIZE"),
                    xstrdup("RECLAIMABLE")};
    hull_table_add(t, head);
    df_row(t, "Images", &img, true);
    df_row(t, "Containers", &ctr, true);
    df_row(t, "Local Volumes", &vol, true);
    df_row(t, "Build Cache", &cache, false);
    hull_table_print(t, stdout);
    hull_table_free(t);
    return 0;
}

/* ---- prune ---- */

struct prune_flags {
    bool all, force, volumes;
};

#define F(f) offsetof(struct prune_flags, f)

static const struct hull_flag prune_flags[] = {
    {"all", 'a', HULL_FLAG_BOOL, F(all), NULL, "Remove all unused images not just dangling ones"},
    {"force", 'f', HULL_FLAG_BOOL, F(force), NULL, "Do not prompt for confirmation"},
    {"volumes", 0, HULL_FLAG_BOOL, F(volumes), NULL, "Prune anonymous volumes"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static int prune_rest(struct hull_engine *e, const struct prune_flags *f, uint64_t *reclaimed,
                      hull_error **err)
{
    _cleanup_strv_ char **networks = NULL, **untagged = NULL, **deleted = NULL;
    _cleanup_strv_ char **volumes = NULL;
    uint64_t bytes = 0;

    if (hull_network_prune(e, &networks, err) < 0)
        return -1;
    hull_print_block("Deleted Networks", networks, "");
    if (f->volumes) {
        if (hull_volume_prune(e, false, &volumes, &bytes, err) < 0)
            return -1;
        *reclaimed += bytes;
        hull_print_block("Deleted Volumes", volumes, "");
    }
    bytes = 0;
    if (hull_engine_image_prune(e, f->all, &untagged, &deleted, &bytes, err) < 0)
        return -1;
    *reclaimed += bytes;
    if (untagged != NULL || deleted != NULL) {
        printf("Deleted Images:\n");
        for (size_t i = 0; untagged != NULL && untagged[i] != NULL; i++)
            printf("untagged: %s\n", untagged[i]);
        for (size_t i = 0; deleted != NULL && deleted[i] != NULL; i++)
            printf("deleted: %s\n", deleted[i]);
        printf("\n");
    }
    return 0;
}

static int prune(const struct hull_global *g, const struct prune_flags *f, hull_error **err)
{
    _cleanup_engine_ struct hull_engine *e = NULL;
    _cleanup_free_ char *warning = xasprintf(
        "WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at "
        "least one container\n%s  - all %s\n\n",
        f->volumes ? "  - all anonymous volumes not used by at least one container\n" : "",
        f->all ? "images without at least one container associated to them" : "dangling images");
    uint64_t reclaimed = 0;

    if (!f->force && !hull_confirm(warning))
        return 0;
    if (hull_engine_open(&g->roots, &e, err) < 0 || hull_prune_containers(e, &reclaimed, err) < 0 ||
        prune_rest(e, f, &reclaimed, err) < 0)
        return -1;
    hull_print_reclaimed(reclaimed);
    return 0;
}

/* ---- the group ---- */

static int df_action(const struct hull_global *g, void *flags, const struct hull_args *args)
{
    _cleanup_error_ hull_error *err = NULL;

    if (df(g, &err) < 0) {
        hull_report(err);
        return 1;
    }
    return 0;
}

static int prune_action(const struct hull_global *g, void *flags, const struct hull_args *args)
{
    _cleanup_error_ hull_error *err = NULL;

    if (prune(g, flags, &err) < 0) {
        hull_report(err);
        return 1;
    }
    return 0;
}

static const struct hull_command df_cmd = {
    .name = "system df",
    .usage = "",
    .summary = "Show disk usage",
    .flags = (const struct hull_flag[]){{NULL, 0, 0, 0, NULL, NULL}},
};

static const struct hull_command prune_cmd = {
    .name = "system prune",
    .usage = "[OPTIONS]",
    .summary = "Remove unused data",
    .flags = prune_flags,
};

static const struct hull_subcommand subcommands[] = {
    {"df", NULL, &df_cmd, df_action},
    {"info", NULL, &hull_cmd_info, NULL},
    {"prune", NULL, &prune_cmd, prune_action},
};

static const struct hull_group system_group = {
    .cmd = &hull_cmd_system,
    .subs = subcommands,
    .n = ARRAY_SIZE(subcommands),
    .width = 12,
    .more_help = false,
};

static int cmd_system(const struct hull_global *g, int argc, char **argv)
{
    struct prune_flags f = {0};

    return hull_group_run(&system_group, g, argc, argv, &f);
}

const struct hull_command hull_cmd_system = {
    .name = "system",
    .usage = "COMMAND",
    .summary = "Manage hull",
    .flags = NULL,
    .run = cmd_system,
};
