/* hull diff: what a container changed in its image's filesystem. */
#include "cli.h"
#include "engine_image.h"
#include "util.h"

#include <stdio.h>

static const struct hull_flag diff_flags[] = {
    {NULL, 0, 0, 0, NULL, NULL},
};

static int diff(const struct hull_global *g, void *flags, const struct hull_args *args)
{
    static const char kinds[] = {
        [HULL_CHANGE_MODIFY] = 'C', [HULL_CHANGE_ADD] = 'A', [HULL_CHANGE_DELETE] = 'D'};
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_engine_ struct hull_engine *e = NULL;
    struct hull_change *changes = NULL;
    size_t n = 0;
    const char *ref = args->args[0];

    if (hull_engine_open(&g->roots, &e, &err) < 0 ||
        hull_engine_diff(e, ref, &changes, &n, &err) < 0) {
        hull_report(err);
        return 1;
    }
    for (size_t i = 0; i < n; i++)
        printf("%c %s\n", kinds[changes[i].kind], changes[i].path);
    hull_changes_free(changes, n);
    return 0;
}

static int cmd_diff(const struct hull_global *g, int argc, char **argv)
{
    return hull_command_main(&hull_cmd_diff, g, argc, argv, NULL, diff);
}

const struct hull_command hull_cmd_diff = {
    .name = "diff",
    .usage = "CONTAINER",
    .summary = "Inspect changes to files or directories on a container's filesystem",
    .flags = diff_flags,
    .run = cmd_diff,
    .min_args = 1,
    .max_args = 1,
};
