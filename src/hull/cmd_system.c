/* hull system: df (disk usage), prune (everything unused), info. */
#include "cli.h"
#include "digest.h"
#include "engine_image.h"
#include "format.h"
#include "net.h"
#include "util.h"
#include "volume.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

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

static size_t image_users(const struct hull_image *img, const struct hull_ctr *ctrs, size_t n)
{
    size_t users = 0;

    for (size_t i = 0; i < n; i++)
        users += strcmp(ctrs[i].image_id, img->id) == 0;
    return users;
}

/* Every layer of the images once, by diff_id: {"size", "images" (how many
 * list it), "used" (one of them is a container's)}.  Docker counts a
 * layer shared by several images once. */
static json_t *layer_table(struct hull_image **imgs, size_t nimg, const struct hull_ctr *ctrs,
                           size_t n)
{
    json_t *layers = json_object();

    for (size_t i = 0; i < nimg; i++) {
        bool used = image_users(imgs[i], ctrs, n) > 0;
        for (size_t k = 0; imgs[i]->diff_ids[k] != NULL; k++) {
            const char *d = imgs[i]->diff_ids[k];
            json_t *l = json_object_get(layers, d);
            bool seen = false;
            if (l == NULL) {
                l = json_pack("{s:I, s:i, s:b}", "size", (json_int_t)imgs[i]->layer_sizes[k],
                              "images", 0, "used", 0);
                json_object_set_new(layers, d, l);
            }
            /* an image listing one layer twice shares it with nobody */
            for (size_t j = 0; j < k; j++)
                seen |= strcmp(imgs[i]->diff_ids[j], d) == 0;
            if (!seen)
                json_object_set_new(
                    l, "images",
                    json_integer(json_integer_value(json_object_get(l, "images")) + 1));
            if (used)
                json_object_set_new(l, "used", json_true());
        }
    }
    return layers;
}

static uint64_t layer_size(const json_t *l)
{
    return (uint64_t)json_integer_value(json_object_get(l, "size"));
}

/* The bytes of IMG's layers that other images list too. */
static uint64_t shared_size(const struct hull_image *img, const json_t *layers)
{
    uint64_t shared = 0;

    for (size_t k = 0; img->diff_ids[k] != NULL; k++) {
        const json_t *l = json_object_get(layers, img->diff_ids[k]);
        if (json_integer_value(json_object_get(l, "images")) > 1)
            shared += img->layer_sizes[k];
    }
    return shared;
}

/* SIZE counts each layer once; RECLAIMABLE is what removing every image
 * no container uses would free: the layers only such images list. */
static void images_usage(struct hull_image **imgs, size_t nimg, const json_t *layers,
                         const struct hull_ctr *ctrs, size_t n, struct usage *u)
{
    const char *d;
    json_t *l;

    for (size_t i = 0; i < nimg; i++) {
        u->total++;
        u->active += image_users(imgs[i], ctrs, n) > 0;
    }
    json_object_foreach ((json_t *)layers, d, l) {
        u->size += layer_size(l);
        if (!json_is_true(json_object_get(l, "used")))
            u->reclaimable += layer_size(l);
    }
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

/* A volume as df shows it: its size and the containers using it. */
struct vol_usage {
    char *name;
    uint64_t size;
    char **users;
};

static void vol_usages_free(struct vol_usage *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].name);
        strv_free(v[i].users);
    }
    free(v);
}

static int volumes_usage(struct hull_engine *e, struct vol_usage **out, size_t *nout,
                         struct usage *u, hull_error **err)
{
    struct hull_volume *vols = NULL;
    struct vol_usage *v;
    size_t n = 0;

    if (hull_volume_list(e, &vols, &n, err) < 0)
        return -1;
    v = xmalloc0((n + 1) * sizeof(*v));
    for (size_t i = 0; i < n; i++) {
        v[i].name = xstrdup(vols[i].name);
        v[i].size = hull_dir_size(vols[i].mountpoint);
        if (hull_volume_users(e, vols[i].name, &v[i].users, NULL) < 0)
            v[i].users = NULL;
        u->total++;
        u->active += strv_len(v[i].users) > 0;
        u->size += v[i].size;
        if (strv_len(v[i].users) == 0)
            u->reclaimable += v[i].size;
    }
    hull_volume_list_free(vols, n);
    *out = v;
    *nout = n;
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

static void print_summary(const struct usage *img, const struct usage *ctr, const struct usage *vol)
{
    struct hull_table *t = hull_table_new(5);
    struct usage cache = {0};
    char *head[] = {xstrdup("TYPE"), xstrdup("TOTAL"), xstrdup("ACTIVE"), xstrdup("SIZE"),
                    xstrdup("RECLAIMABLE")};

    hull_table_add(t, head);
    df_row(t, "Images", img, true);
    df_row(t, "Containers", ctr, true);
    df_row(t, "Local Volumes", vol, true);
    df_row(t, "Build Cache", &cache, false);
    hull_table_print(t, stdout);
    hull_table_free(t);
}

/* df -v's images: one row per image under its first tag, Docker's way. */
static void print_images_v(struct hull_image **imgs, size_t nimg, const json_t *layers,
                           const struct hull_ctr *ctrs, size_t n, time_t now)
{
    struct hull_table *t = hull_table_new(8);
    char *head[] = {xstrdup("REPOSITORY"),  xstrdup("TAG"),       xstrdup("IMAGE ID"),
                    xstrdup("CREATED"),     xstrdup("SIZE"),      xstrdup("SHARED SIZE"),
                    xstrdup("UNIQUE SIZE"), xstrdup("CONTAINERS")};

    hull_table_add(t, head);
    for (size_t i = 0; i < nimg; i++) {
        const char *tag = imgs[i]->repo_tags[0];
        const char *colon = tag ? strrchr(tag, ':') : NULL;
        uint64_t shared = shared_size(imgs[i], layers);
        char *cells[] = {
            tag ? xstrndup(tag, (size_t)(colon - tag)) : xstrdup("<none>"),
            xstrdup(tag ? colon + 1 : "<none>"),
            xstrndup(hull_digest_hex(imgs[i]->id), 12),
            hull_time_ago(imgs[i]->created, now),
            hull_human_size(imgs[i]->size),
            hull_human_size(shared),
            hull_human_size(imgs[i]->size - shared),
            xasprintf("%zu", image_users(imgs[i], ctrs, n)),
        };
        hull_table_add(t, cells);
    }
    printf("Images space usage:\n\n");
    hull_table_print(t, stdout);
    hull_table_free(t);
}

static size_t volumes_of(const char *ctr_id, const struct vol_usage *v, size_t nvol)
{
    size_t count = 0;

    for (size_t i = 0; i < nvol; i++) {
        for (size_t k = 0; v[i].users != NULL && v[i].users[k] != NULL; k++)
            count += strcmp(v[i].users[k], ctr_id) == 0;
    }
    return count;
}

static void print_containers_v(struct hull_engine *e, const struct hull_ctr *ctrs, size_t n,
                               const struct vol_usage *v, size_t nvol, time_t now)
{
    struct hull_table *t = hull_table_new(8);
    char *head[] = {xstrdup("CONTAINER ID"),  xstrdup("IMAGE"), xstrdup("COMMAND"),
                    xstrdup("LOCAL VOLUMES"), xstrdup("SIZE"),  xstrdup("CREATED"),
                    xstrdup("STATUS"),        xstrdup("NAMES")};

    hull_table_add(t, head);
    for (size_t i = 0; i < n; i++) {
        _cleanup_free_ char *upper = hull_engine_ctr_path(e, ctrs[i].id, "upper");
        char *cells[] = {
            xstrndup(ctrs[i].id, 12),
            xstrdup(ctrs[i].image),
            hull_quote_command(ctrs[i].command, 1),
            xasprintf("%zu", volumes_of(ctrs[i].id, v, nvol)),
            hull_human_size(hull_dir_size(upper)),
            hull_time_ago(ctrs[i].created, now),
            hull_ctr_status_text(e, &ctrs[i], now),
            xstrdup(ctrs[i].name),
        };
        hull_table_add(t, cells);
    }
    printf("\nContainers space usage:\n\n");
    hull_table_print(t, stdout);
    hull_table_free(t);
}

static void print_volumes_v(const struct vol_usage *v, size_t nvol)
{
    struct hull_table *t = hull_table_new(3);
    char *head[] = {xstrdup("VOLUME NAME"), xstrdup("LINKS"), xstrdup("SIZE")};

    hull_table_add(t, head);
    for (size_t i = 0; i < nvol; i++) {
        char *cells[] = {xstrdup(v[i].name), xasprintf("%zu", strv_len(v[i].users)),
                         hull_human_size(v[i].size)};
        hull_table_add(t, cells);
    }
    printf("\nLocal Volumes space usage:\n\n");
    hull_table_print(t, stdout);
    hull_table_free(t);
    printf("\nBuild cache usage: 0B\n\n");
    printf("CACHE ID   CACHE TYPE   SIZE      CREATED   LAST USED   USAGE     SHARED\n");
}

static int df(const struct hull_global *g, bool verbose, hull_error **err)
{
    _cleanup_engine_ struct hull_engine *e = NULL;
    struct hull_image **imgs = NULL;
    struct hull_ctr *ctrs = NULL;
    struct vol_usage *vols = NULL;
    size_t n = 0, nimg = 0, nvol = 0;
    struct usage img = {0}, ctr = {0}, vol = {0};
    json_t *layers = NULL;
    int ret = -1;

    if (hull_engine_open(&g->roots, &e, err) < 0)
        return -1;
    hull_engine_reconcile(e);
    if (hull_ctr_list(e->ctr_dirfd, &ctrs, &n, err) < 0)
        return -1;
    if (hull_store_image_list(e->store, &imgs, &nimg, err) < 0 ||
        volumes_usage(e, &vols, &nvol, &vol, err) < 0)
        goto out;
    layers = layer_table(imgs, nimg, ctrs, n);
    images_usage(imgs, nimg, layers, ctrs, n, &img);
    containers_usage(e, ctrs, n, &ctr);
    if (verbose) {
        time_t now = time(NULL);
        print_images_v(imgs, nimg, layers, ctrs, n, now);
        print_containers_v(e, ctrs, n, vols, nvol, now);
        print_volumes_v(vols, nvol);
    } else {
        print_summary(&img, &ctr, &vol);
    }
    ret = 0;
out:
    json_decref(layers);
    vol_usages_free(vols, nvol);
    hull_image_list_free(imgs, nimg);
    hull_ctr_list_free(ctrs, n);
    return ret;
}

/* ---- prune ---- */

/* The group's flags: prune's, and df's VERBOSE. */
struct prune_flags {
    bool all, force, volumes;
    bool verbose;
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

    if (df(g, ((struct prune_flags *)flags)->verbose, &err) < 0) {
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
    .usage = "[OPTIONS]",
    .summary = "Show disk usage",
    .flags = (const struct hull_flag[]){{"verbose", 'v', HULL_FLAG_BOOL, F(verbose), NULL,
                                         "Show detailed information on space usage"},
                                        {NULL, 0, 0, 0, NULL, NULL}},
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
