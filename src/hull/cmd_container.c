/* hull container: Docker's "container" group.  "prune" is its own; every
 * other subcommand is the top-level command of that name ("ls" and
 * "list" are ps). */
#include "cli.h"
#include "util.h"

#include <stdio.h>

struct prune_flags {
    bool force;
};

static const struct hull_flag prune_flags[] = {
    {"force", 'f', HULL_FLAG_BOOL, offsetof(struct prune_flags, force), NULL,
     "Do not prompt for confirmation"},
    {NULL, 0, 0, 0, NULL, NULL},
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
    hull_print_block("Deleted Containers", removed, "");
    return 0;
}

static int prune(const struct hull_global *g, void *flags, const struct hull_args *args)
{
    const struct prune_flags *f = flags;
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_engine_ struct hull_engine *e = NULL;
    uint64_t reclaimed = 0;

    if (!f->force && !hull_confirm("WARNING! This will remove all stopped containers.\n"))
        return 0;
    if (hull_open_engine(g, &e) < 0)
        return 1;
    if (hull_prune_containers(e, &reclaimed, &err) < 0) {
        hull_report(err);
        return 1;
    }
    hull_print_reclaimed(reclaimed);
    return 0;
}

static const struct hull_command prune_cmd = {
    .name = "container prune",
    .usage = "[OPTIONS]",
    .summary = "Remove all stopped containers",
    .flags = prune_flags,
    .max_args = HULL_ARGS_ANY,
};

static const struct hull_subcommand subcommands[] = {
    {"prune", NULL, &prune_cmd, prune},         {"ls", NULL, &hull_cmd_ps, NULL},
    {"list", NULL, &hull_cmd_ps, NULL},         {"ps", NULL, &hull_cmd_ps, NULL},
    {"rm", NULL, &hull_cmd_rm, NULL},           {"run", NULL, &hull_cmd_run, NULL},
    {"create", NULL, &hull_cmd_create, NULL},   {"start", NULL, &hull_cmd_start, NULL},
    {"stop", NULL, &hull_cmd_stop, NULL},       {"kill", NULL, &hull_cmd_kill, NULL},
    {"restart", NULL, &hull_cmd_restart, NULL}, {"wait", NULL, &hull_cmd_wait, NULL},
    {"logs", NULL, &hull_cmd_logs, NULL},       {"attach", NULL, &hull_cmd_attach, NULL},
    {"rename", NULL, &hull_cmd_rename, NULL},   {"exec", NULL, &hull_cmd_exec, NULL},
    {"top", NULL, &hull_cmd_top, NULL},         {"cp", NULL, &hull_cmd_cp, NULL},
    {"inspect", NULL, &hull_cmd_inspect, NULL}, {"port", NULL, &hull_cmd_port, NULL},
    {"stats", NULL, &hull_cmd_stats, NULL},     {"update", NULL, &hull_cmd_update, NULL},
    {"pause", NULL, &hull_cmd_pause, NULL},     {"unpause", NULL, &hull_cmd_unpause, NULL},
    {"export", NULL, &hull_cmd_export, NULL},   {"diff", NULL, &hull_cmd_diff, NULL},
    {"commit", NULL, &hull_cmd_commit, NULL},
};

static const struct hull_group container_group = {
    .cmd = &hull_cmd_container,
    .subs = subcommands,
    .n = ARRAY_SIZE(subcommands),
    .width = 10,
    .more_help = false,
};

static int cmd_container(const struct hull_global *g, int argc, char **argv)
{
    struct prune_flags f = {0};

    return hull_group_run(&container_group, g, argc, argv, &f);
}

const struct hull_command hull_cmd_container = {
    .name = "container",
    .usage = "COMMAND",
    .summary = "Manage containers",
    .flags = NULL,
    .run = cmd_container,
};
