/* hull import: a root filesystem tarball becomes an image. */
#include "commands.h"
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

static int import(const struct hull_global *g, const struct import_flags *f,
                  const struct hull_args *args)
{
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
    struct hull_args args;
    int ret = hull_command_parse(&hull_cmd_import, true, 1, argc, argv, &f, &args);

    if (ret == 1 && args.n > 2) {
        hull_usage_error(&hull_cmd_import, "\"hull import\" requires at most 2 arguments.");
        ret = -1;
    }
    if (ret == 1)
        ret = import(g, &f, &args);
    else
        ret = ret < 0 ? HULL_EXIT_FAILED : 0;
    hull_flags_free(import_flags, &f);
    hull_args_clear(&args);
    return ret;
}

const struct hull_command hull_cmd_import = {
    .name = "import",
    .usage = "[OPTIONS] file|- [REPOSITORY[:TAG]]",
    .summary = "Import the contents from a tarball to create a filesystem image",
    .flags = import_flags,
    .run = cmd_import,
};
