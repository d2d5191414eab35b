/* hull rmi: removes images. */
#include "commands.h"
#include "engine_image.h"
#include "util.h"

#include <stdio.h>

struct rmi_flags {
    bool force, no_prune;
};

static const struct hull_flag rmi_flags[] = {
    {"force", 'f', HULL_FLAG_BOOL, offsetof(struct rmi_flags, force), NULL,
     "Force removal of the image"},
    {"no-prune", 0, HULL_FLAG_BOOL, offsetof(struct rmi_flags, no_prune), NULL,
     "Do not delete untagged parents (hull images have no parent images)"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static int remove_all(const struct hull_global *g, const struct rmi_flags *f,
                      const struct hull_args *args)
{
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_engine_ struct hull_engine *e = NULL;
    int ret = 0;

    if (hull_engine_open(&g->roots, &e, &err) < 0) {
        hull_report(err);
        return 1;
    }
    /* Like Docker: every image is tried, and one failure makes the whole
     * command fail. */
    for (size_t i = 0; i < args->n; i++) {
        _cleanup_strv_ char **untagged = NULL;
        _cleanup_strv_ char **deleted = NULL;
        if (hull_engine_rmi(e, args->args[i], f->force, &untagged, &deleted, &err) < 0) {
            hull_report(err);
            hull_error_freep(&err);
            ret = 1;
            continue;
        }
        for (size_t k = 0; untagged[k] != NULL; k++)
            printf("Untagged: %s\n", untagged[k]);
        for (size_t k = 0; deleted[k] != NULL; k++)
            printf("Deleted: %s\n", deleted[k]);
    }
    return ret;
}

static int cmd_rmi(const struct hull_global *g, int argc, char **argv)
{
    struct rmi_flags f = {0};
    struct hull_args args;
    int ret = hull_command_parse(&hull_cmd_rmi, true, 1, argc, argv, &f, &args);

    if (ret == 1)
        ret = remove_all(g, &f, &args);
    else
        ret = ret < 0 ? HULL_EXIT_FAILED : 0;
    hull_args_clear(&args);
    return ret;
}

const struct hull_command hull_cmd_rmi = {
    .name = "rmi",
    .usage = "[OPTIONS] IMAGE [IMAGE...]",
    .summary = "Remove one or more images",
    .flags = rmi_flags,
    .run = cmd_rmi,
};
