/* hull image: the image commands under one name (hull image ls, rm,
 * prune, inspect, ...), and hull image prune itself. */
#include "commands.h"
#include "engine_image.h"
#include "format.h"
#include "log.h"
#include "util.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

static bool confirmed(bool all)
{
    char answer[16] = "";

    printf("WARNING! This will remove all %s.\nAre you sure you want to continue? [y/N] ",
           all ? "images without at least one container associated to them" : "dangling images");
    fflush(stdout);
    if (fgets(answer, sizeof(answer), stdin) == NULL)
        return false;
    return answer[0] == 'y' || answer[0] == 'Y';
}

static int prune(const struct hull_global *g, const struct prune_flags *f)
{
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_engine_ struct hull_engine *e = NULL;
    _cleanup_strv_ char **untagged = NULL;
    _cleanup_strv_ char **deleted = NULL;
    _cleanup_free_ char *size = NULL;
    uint64_t reclaimed = 0;

    if (!f->force && !confirmed(f->all))
        return 0;
    if (hull_engine_open(&g->roots, &e, &err) < 0 ||
        hull_engine_image_prune(e, f->all, &untagged, &deleted, &reclaimed, &err) < 0) {
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
    size = hull_human_size(reclaimed);
    printf("Total reclaimed space: %s\n", size);
    return 0;
}

static int cmd_prune(const struct hull_global *g, int argc, char **argv);

static const struct hull_command image_prune = {
    .name = "image prune",
    .usage = "[OPTIONS]",
    .summary = "Remove unused images",
    .flags = prune_flags,
    .run = cmd_prune,
};

static int cmd_prune(const struct hull_global *g, int argc, char **argv)
{
    struct prune_flags f = {0};
    struct hull_args args;
    int ret = hull_command_parse(&image_prune, true, 0, argc, argv, &f, &args);

    if (ret == 1 && args.n > 0) {
        hull_usage_error(&image_prune, "\"hull image prune\" accepts no arguments.");
        ret = -1;
    }
    if (ret == 1)
        ret = prune(g, &f);
    else
        ret = ret < 0 ? HULL_EXIT_FAILED : 0;
    hull_args_clear(&args);
    return ret;
}

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

static const struct {
    const char *name;
    const struct hull_command *cmd;
    int (*run)(const struct hull_global *g, int argc, char **argv);
    const char *summary;
} subcommands[] = {
    {"history", &hull_cmd_history, NULL, NULL},
    {"import", &hull_cmd_import, NULL, NULL},
    {"inspect", NULL, cmd_image_inspect, "Display detailed information on one or more images"},
    {"load", &hull_cmd_load, NULL, NULL},
    {"ls", &hull_cmd_images, NULL, NULL},
    {"list", &hull_cmd_images, NULL, NULL},
    {"prune", &image_prune, NULL, NULL},
    {"rm", &hull_cmd_rmi, NULL, NULL},
    {"remove", &hull_cmd_rmi, NULL, NULL},
    {"save", &hull_cmd_save, NULL, NULL},
    {"tag", &hull_cmd_tag, NULL, NULL},
};

static void image_help(void)
{
    printf("\nUsage:  hull image COMMAND\n\nManage images\n\nCommands:\n");
    for (size_t i = 0; i < ARRAY_SIZE(subcommands); i++) {
        if (strcmp(subcommands[i].name, "list") == 0 || strcmp(subcommands[i].name, "remove") == 0)
            continue;
        printf("  %-10s%s\n", subcommands[i].name,
               subcommands[i].cmd ? subcommands[i].cmd->summary : subcommands[i].summary);
    }
    printf("\nRun 'hull image COMMAND --help' for more information on a command.\n");
}

/* ARGV holds the words after "image": the subcommand's name first. */
static int cmd_image(const struct hull_global *g, int argc, char **argv)
{
    if (argc < 1 || strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
        image_help();
        return argc < 1 ? HULL_EXIT_FAILED : 0;
    }
    for (size_t i = 0; i < ARRAY_SIZE(subcommands); i++) {
        if (strcmp(subcommands[i].name, argv[0]) != 0)
            continue;
        if (subcommands[i].run != NULL)
            return subcommands[i].run(g, argc - 1, argv + 1);
        return subcommands[i].cmd->run(g, argc - 1, argv + 1);
    }
    hull_error_log("'%s' is not a hull image command.", argv[0]);
    fprintf(stderr, "See 'hull image --help'.\n");
    return HULL_EXIT_FAILED;
}

const struct hull_command hull_cmd_image = {
    .name = "image",
    .usage = "COMMAND",
    .summary = "Manage images",
    .flags = prune_flags,
    .run = cmd_image,
};
