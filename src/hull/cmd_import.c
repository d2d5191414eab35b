/* hull import: a root filesystem tarball becomes an image. */
#include "cli.h"
#include "util.h"

#include <stdio.h>

struct import_flags {
    char **change;
};

static const struct hull_flag import_flags[] = {
    {"change", 'c', HULL_FLAG_LIST, offsetof(struct import_flags, change), "list",
     "Apply Dockerfile instruction to the created image"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static int import(const struct hull_global *g, void *flags, const struct hull_args *args)
{
    const struct import_flags *f = flags;
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_engine_ struct hull_engine *e = NULL;
    _cleanup_free_ char *id = NULL;
    const char *ref = args->n > 1 ? args->args[1] : NULL;

    if (hull_engine_open(&g->roots, &e, &err) < 0 ||
        hull_store_import(e->store, args->args[0], ref, f->change, &id, &err) < 0) {
        hull_report(err);
        return 1;
    }
    printf("%s\n", id);
    return 0;
}

static int cmd_import(const struct hull_global *g, int argc, char **argv)
{
    struct import_flags f = {0};

    return hull_command_main(&hull_cmd_import, g, argc, argv, &f, import);
}

const struct hull_command hull_cmd_import = {
    .name = "import",
    .usage = "[OPTIONS] file|- [REPOSITORY[:TAG]]",
    .summary = "Import the contents from a tarball to create a filesystem image",
    .flags = import_flags,
    .run = cmd_import,
    .min_args = 1,
    .max_args = 2,
};
