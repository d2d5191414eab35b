/* hull load: images from an OCI layout or a `docker save` archive. */
#include "cli.h"
#include "log.h"
#include "util.h"

#include <stdio.h>
#include <unistd.h>

struct load_flags {
    const char *input;
    bool quiet;
};

static const struct hull_flag load_flags[] = {
    {"input", 'i', HULL_FLAG_STRING, offsetof(struct load_flags, input), "string",
     "Read from tar archive file or OCI layout directory, instead of STDIN"},
    {"quiet", 'q', HULL_FLAG_BOOL, offsetof(struct load_flags, quiet), NULL,
     "Suppress the load output"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static int load(const struct hull_global *g, void *flags, const struct hull_args *args)
{
    const struct load_flags *f = flags;
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_engine_ struct hull_engine *e = NULL;
    _cleanup_strv_ char **tags = NULL;
    _cleanup_strv_ char **ids = NULL;
    const char *input = f->input != NULL ? f->input : "-";

    if (f->input == NULL && isatty(STDIN_FILENO)) {
        hull_error_log("requested load from stdin, but stdin is a terminal: use -i or redirect");
        return 1;
    }
    if (hull_engine_open(&g->roots, &e, &err) < 0 ||
        hull_store_load(e->store, input, &tags, &ids, &err) < 0) {
        hull_report(err);
        return 1;
    }
    for (size_t i = 0; !f->quiet && tags[i] != NULL; i++)
        printf("Loaded image: %s\n", tags[i]);
    for (size_t i = 0; !f->quiet && ids[i] != NULL; i++)
        printf("Loaded image ID: %s\n", ids[i]);
    return 0;
}

static int cmd_load(const struct hull_global *g, int argc, char **argv)
{
    struct load_flags f = {0};

    return hull_command_main(&hull_cmd_load, g, argc, argv, &f, load);
}

const struct hull_command hull_cmd_load = {
    .name = "load",
    .usage = "[OPTIONS]",
    .summary = "Load an image from a tar archive, an OCI layout or STDIN",
    .flags = load_flags,
    .run = cmd_load,
    .min_args = 0,
    .max_args = 0,
};
