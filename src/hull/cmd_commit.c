/* hull commit: a container's changes as a new image. */
#include "cli.h"
#include "engine_image.h"
#include "util.h"

#include <stdio.h>

struct commit_flags {
    const char *author, *message;
    char **change;
    bool pause;
};

#define F(f) offsetof(struct commit_flags, f)

static const struct hull_flag commit_flags[] = {
    {"author", 'a', HULL_FLAG_STRING, F(author), "string",
     "Author (e.g., \"John Hannibal Smith <hannibal@a-team.com>\")"},
    {"change", 'c', HULL_FLAG_LIST, F(change), "list",
     "Apply Dockerfile instruction to the created image"},
    {"message", 'm', HULL_FLAG_STRING, F(message), "string", "Commit message"},
    {"pause", 'p', HULL_FLAG_BOOL, F(pause), NULL, "Pause container during commit (default true)"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static int commit(const struct hull_global *g, void *flags, const struct hull_args *args)
{
    const struct commit_flags *f = flags;
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_engine_ struct hull_engine *e = NULL;
    _cleanup_free_ char *id = NULL;
    struct hull_commit_request r = {
        .ref = args->n > 1 ? args->args[1] : NULL,
        .author = f->author,
        .message = f->message,
        .changes = f->change,
        .pause = f->pause,
    };

    if (hull_engine_open(&g->roots, &e, &err) < 0 ||
        hull_engine_commit(e, args->args[0], &r, &id, &err) < 0) {
        hull_report(err);
        return 1;
    }
    printf("%s\n", id);
    return 0;
}

static int cmd_commit(const struct hull_global *g, int argc, char **argv)
{
    struct commit_flags f = {.pause = true};

    return hull_command_main(&hull_cmd_commit, g, argc, argv, &f, commit);
}

const struct hull_command hull_cmd_commit = {
    .name = "commit",
    .usage = "[OPTIONS] CONTAINER [REPOSITORY[:TAG]]",
    .summary = "Create a new image from a container's changes",
    .flags = commit_flags,
    .run = cmd_commit,
    .min_args = 1,
    .max_args = 2,
};
