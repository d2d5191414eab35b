/* hull image: the image commands under one name (hull image ls, rm,
 * prune, inspect, ...), and hull image prune itself. */
#include "cli.h"
#include "engine_image.h"
#include "format.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

struct prune_flags {
    bool all, force;
};

static const struct hull_flag prune_flags[] = {
    {"all", 'a', HULL_FLAG_BOOL, offsetof(struct prune_flags, all), NULL,
     "Remove all unused images, not just dangling ones"},
    {"force", 'f', HULL_FLAG_BOOL, offsetof(struct prune_flags, force), NULL,
     "Do not prompt for confirmation"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static int prune(const struct hull_global *g, void *flags, const struct hull_args *args)
{
    const struct prune_flags *f = flags;
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_engine_ struct hull_engine *e = NULL;
    _cleanup_strv_ char **untagged = NULL;
    _cleanup_strv_ char **deleted = NULL;
    _cleanup_free_ char *warning = xasprintf(
        "WARNING! This will remove all %s.\n",
        f->all ? "images without at least one container associated to them" : "dangling images");
    uint64_t reclaimed = 0;

    if (!f->force && !hull_confirm(warning))
        return 0;
    if (hull_open_engine(g, &e) < 0)
        return 1;
    if (hull_engine_image_prune(e, f->all, &untagged, &deleted, &reclaimed, &err) < 0) {
        hull_report(err);
        return 1;
    }
    if (untagged[0] != NULL || deleted[0] != NULL) {
        printf("Deleted Images:\n");
        for (size_t i = 0; untagged[i] != NULL; i++)
            printf("untagged: %s\n", untagged[i]);
        for (size_t i = 0; deleted[i] != NULL; i++)
            printf("deleted: %s\n", deleted[i]);
        printf("\n");
    }
    hull_print_reclaimed(reclaimed);
    return 0;
}

static const struct hull_command image_prune = {
    .name = "image prune",
    .usage = "[OPTIONS]",
    .summary = "Remove unused images",
    .flags = prune_flags,
};

/* hull image inspect: hull inspect --type image. */
static int cmd_image_inspect(const struct hull_global *g, int argc, char **argv)
{
    char **v = xmalloc0(((size_t)argc + 3) * sizeof(char *));
    int ret;

    v[0] = (char *)"--type";
    v[1] = (char *)"image";
    for (int i = 0; i < argc; i++)
        v[i + 2] = argv[i];
    ret = hull_cmd_inspect.run(g, argc + 2, v);
    free(v);
    return ret;
}

static const struct hull_command image_inspect = {
    .name = "image inspect",
    .summary = "Display detailed information on one or more images",
    .run = cmd_image_inspect,
};

static const struct hull_subcommand subcommands[] = {
    {"history", NULL, &hull_cmd_history, NULL}, {"import", NULL, &hull_cmd_import, NULL},
    {"inspect", NULL, &image_inspect, NULL},    {"load", NULL, &hull_cmd_load, NULL},
    {"ls", "list", &hull_cmd_images, NULL},     {"prune", NULL, &image_prune, prune},
    {"rm", "remove", &hull_cmd_rmi, NULL},      {"save", NULL, &hull_cmd_save, NULL},
    {"tag", NULL, &hull_cmd_tag, NULL},
};

static const struct hull_group image_group = {
    .cmd = &hull_cmd_image,
    .subs = subcommands,
    .n = ARRAY_SIZE(subcommands),
    .width = 10,
    .more_help = true,
};

/* ARGV holds the words after "image": the subcommand's name first. */
static int cmd_image(const struct hull_global *g, int argc, char **argv)
{
    struct prune_flags f = {0};

    return hull_group_run(&image_group, g, argc, argv, &f);
}

const struct hull_command hull_cmd_image = {
    .name = "image",
    .usage = "COMMAND",
    .summary = "Manage images",
    .flags = prune_flags,
    .run = cmd_image,
};
