/* hull container: Docker's "container" group.  "prune" is its own; every
 * other subcommand is the top-level command of that name ("ls" and
 * "list" are ps). */
#include "commands.h"
#include "format.h"
#include "log.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

struct prune_flags {
    bool force;
};

static const struct hull_flag prune_flags[] = {
    {"force", 'f', HULL_FLAG_BOOL, offsetof(struct prune_flags, force), NULL,
     "Do not prompt for confirmation"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static const struct hull_command prune_cmd = {
    .name = "container prune",
    .usage = "[OPTIONS]",
    .summary = "Remove all stopped containers",
    .flags = prune_flags,
};

bool hull_confirm(const char *warning)
{
    char answer[16] = "";

    fputs(warning, stdout);
    fputs("Are you sure you want to continue? [y/N] ", stdout);
    fflush(stdout);
    if (fgets(answer, sizeof(answer), stdin) == NULL)
        return false;
    return answer[0] == 'y' || answer[0] == 'Y';
}

int hull_prune_containers(struct hull_engine *e, uint64_t *reclaimed, hull_error **err)
{
    _cleanup_strv_ char **removed = NULL;

    if (hull_engine_prune(e, &removed, reclaimed, err) < 0)
        return -1;
    if (removed != NULL) {
        printf("Deleted Containers:\n");
        for (size_t i = 0; removed[i] != NULL; i++)
            printf("%s\n", removed[i]);
        printf("\n");
    }
    return 0;
}

static int prune(const struct hull_global *g, int argc, char **argv)
{
    struct prune_flags f = {0};
    struct hull_args args;
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_engine_ struct hull_engine *e = NULL;
    uint64_t reclaimed = 0;
    int ret = hull_command_parse(&prune_cmd, true, 0, argc, argv, &f, &args);

    if (ret != 1) {
        hull_args_clear(&args);
        return ret < 0 ? HULL_EXIT_FAILED : 0;
    }
    hull_args_clear(&args);
    if (!f.force && !hull_confirm("WARNING! This will remove all stopped containers.\n"))
        return 0;
    if (hull_engine_open(&g->roots, &e, &err) < 0 ||
        hull_prune_containers(e, &reclaimed, &err) < 0) {
        hull_report(err);
        return 1;
    }
    _cleanup_free_ char *size = hull_human_size(reclaimed);
    printf("Total reclaimed space: %s\n", size);
    return 0;
}

static const struct {
    const char *name;
    const struct hull_command *cmd;
} aliases[] = {
    {"ls", &hull_cmd_ps},           {"list", &hull_cmd_ps},         {"ps", &hull_cmd_ps},
    {"rm", &hull_cmd_rm},           {"run", &hull_cmd_run},         {"create", &hull_cmd_create},
    {"start", &hull_cmd_start},     {"stop", &hull_cmd_stop},       {"kill", &hull_cmd_kill},
    {"restart", &hull_cmd_restart}, {"wait", &hull_cmd_wait},       {"logs", &hull_cmd_logs},
    {"attach", &hull_cmd_attach},   {"rename", &hull_cmd_rename},   {"exec", &hull_cmd_exec},
    {"top", &hull_cmd_top},         {"cp", &hull_cmd_cp},           {"inspect", &hull_cmd_inspect},
    {"port", &hull_cmd_port},       {"stats", &hull_cmd_stats},     {"update", &hull_cmd_update},
    {"pause", &hull_cmd_pause},     {"unpause", &hull_cmd_unpause}, {"export", &hull_cmd_export},
    {"diff", &hull_cmd_diff},       {"commit", &hull_cmd_commit},
};

static void help(void)
{
    printf("\nUsage:  hull container COMMAND\n\nManage containers\n\nCommands:\n");
    printf("  %-10s%s\n", "prune", prune_cmd.summary);
    for (size_t i = 0; i < ARRAY_SIZE(aliases); i++)
        printf("  %-10s%s\n", aliases[i].name, aliases[i].cmd->summary);
}

static int cmd_container(const struct hull_global *g, int argc, char **argv)
{
    if (argc < 1 || strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
        help();
        return argc < 1 ? HULL_EXIT_FAILED : 0;
    }
    if (strcmp(argv[0], "prune") == 0)
        return prune(g, argc - 1, argv + 1);
    for (size_t i = 0; i < ARRAY_SIZE(aliases); i++)
        if (strcmp(argv[0], aliases[i].name) == 0)
            return aliases[i].cmd->run(g, argc - 1, argv + 1);
    hull_error_log("'%s' is not a hull container command.", argv[0]);
    fprintf(stderr, "See 'hull container --help'.\n");
    return HULL_EXIT_FAILED;
}

const struct hull_command hull_cmd_container = {
    .name = "container",
    .usage = "COMMAND",
    .summary = "Manage containers",
    .flags = NULL,
    .run = cmd_container,
};
