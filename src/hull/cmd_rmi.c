/* hull rmi: removes images. */
#include "cli.h"
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

static int remove_one(struct hull_engine *e, const char *name, void *data, hull_error **err)
{
    const struct rmi_flags *f = data;
    _cleanup_strv_ char **untagged = NULL;
    _cleanup_strv_ char **deleted = NULL;

    if (hull_engine_rmi(e, name, f->force, &untagged, &deleted, err) < 0) {
        /* Docker's -f: an image that does not exist is reported, but is
         * no failure. */
        if (!f->force || (*err)->kind != HULL_ERR_NOT_EXIST)
            return -1;
        hull_report(*err);
        return 1;
    }
    for (size_t k = 0; untagged[k] != NULL; k++)
        printf("Untagged: %s\n", untagged[k]);
    for (size_t k = 0; deleted[k] != NULL; k++)
        printf("Deleted: %s\n", deleted[k]);
    return 1;
}

/* Like Docker: every image is tried, and one failure makes the whole
 * command fail (with -f, one that does not exist does not). */
static int remove_all(const struct hull_global *g, void *flags, const struct hull_args *args)
{
    return hull_for_each_name(g, args, remove_one, flags);
}

static int cmd_rmi(const struct hull_global *g, int argc, char **argv)
{
    struct rmi_flags f = {0};

    return hull_command_main(&hull_cmd_rmi, g, argc, argv, &f, remove_all);
}

const struct hull_command hull_cmd_rmi = {
    .name = "rmi",
    .usage = "[OPTIONS] IMAGE [IMAGE...]",
    .summary = "Remove one or more images",
    .flags = rmi_flags,
    .run = cmd_rmi,
    .min_args = 1,
    .max_args = HULL_ARGS_ANY,
};
