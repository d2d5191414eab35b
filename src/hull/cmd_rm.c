/* hull rm: removes containers. */
#include "cli.h"
#include "util.h"

struct rm_flags {
    bool force, volumes;
};

static const struct hull_flag rm_flags[] = {
    {"force", 'f', HULL_FLAG_BOOL, offsetof(struct rm_flags, force), NULL,
     "Force the removal of a running container (uses SIGKILL)"},
    {"volumes", 'v', HULL_FLAG_BOOL, offsetof(struct rm_flags, volumes), NULL,
     "Remove anonymous volumes associated with the container"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static int remove_one(struct hull_engine *e, const char *name, void *data, hull_error **err)
{
    const struct rm_flags *f = data;

    if (hull_engine_rm(e, name, f->force, f->volumes, err) == 0)
        return 0;
    /* Docker 20.10's -f: a container that does not exist is reported, but
     * is no failure (nothing is left to remove). */
    if (f->force && (*err)->kind == HULL_ERR_NOT_EXIST) {
        hull_report(*err);
        return 1;
    }
    return -1;
}

/* Like Docker: every container is tried, and one failure makes the whole
 * command fail (with -f, one that does not exist does not). */
static int remove_all(const struct hull_global *g, void *flags, const struct hull_args *args)
{
    return hull_for_each_name(g, args, remove_one, flags);
}

static int cmd_rm(const struct hull_global *g, int argc, char **argv)
{
    struct rm_flags f = {0};

    return hull_command_main(&hull_cmd_rm, g, argc, argv, &f, remove_all);
}

const struct hull_command hull_cmd_rm = {
    .name = "rm",
    .usage = "[OPTIONS] CONTAINER [CONTAINER...]",
    .summary = "Remove one or more containers",
    .flags = rm_flags,
    .run = cmd_rm,
    .min_args = 1,
    .max_args = HULL_ARGS_ANY,
};
