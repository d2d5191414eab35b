/* hull cp: copy files between a container and the host. */
#include "cli.h"
#include "engine_cp.h"
#include "log.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

struct cp_flags {
    bool archive, follow_link, quiet;
};

#define F(f) offsetof(struct cp_flags, f)

static const struct hull_flag cp_flags[] = {
    {"archive", 'a', HULL_FLAG_BOOL, F(archive), NULL,
     "Archive mode (copy all uid/gid information)"},
    {"follow-link", 'L', HULL_FLAG_BOOL, F(follow_link), NULL,
     "Always follow symbol link in SRC_PATH"},
    {"quiet", 'q', HULL_FLAG_BOOL, F(quiet), NULL, "Suppress progress output (there is none)"},
    {NULL, 0, 0, 0, NULL, NULL},
};

/* "CONTAINER:PATH" -> CONTAINER and PATH; a path holding '/' before its
 * first ':' (or starting with '.' or '/') is local, as in Docker. */
static bool split_container(const char *arg, char **ctr, char **path)
{
    const char *colon = strchr(arg, ':');

    if (colon == NULL || arg[0] == '/' || arg[0] == '.' || colon == arg ||
        memchr(arg, '/', (size_t)(colon - arg)) != NULL)
        return false;
    *ctr = xstrndup(arg, (size_t)(colon - arg));
    *path = xstrdup(colon + 1);
    return true;
}

static int copy(const struct hull_global *g, void *flags, const struct hull_args *a)
{
    const struct cp_flags *f = flags;
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_engine_ struct hull_engine *e = NULL;
    _cleanup_free_ char *sctr = NULL, *spath = NULL, *dctr = NULL, *dpath = NULL;
    struct hull_cp_opts o = {.archive = f->archive, .follow_link = f->follow_link};
    bool from = split_container(a->args[0], &sctr, &spath);
    bool to = split_container(a->args[1], &dctr, &dpath);

    if (from == to) {
        hull_error_log(from ? "copying between containers is not supported"
                            : "must specify at least one container source");
        return 1;
    }
    if (strcmp(a->args[from ? 1 : 0], "-") == 0) {
        hull_error_log("copying a tar stream through standard %s is not supported",
                       from ? "output" : "input");
        return 1;
    }
    if (hull_engine_open(&g->roots, &e, &err) < 0 ||
        (from ? hull_engine_cp_from(e, sctr, spath, a->args[1], &o, &err)
              : hull_engine_cp_to(e, dctr, a->args[0], dpath, &o, &err)) < 0) {
        hull_report(err);
        return 1;
    }
    return 0;
}

static int cmd_cp(const struct hull_global *g, int argc, char **argv)
{
    struct cp_flags f = {0};

    return hull_command_main(&hull_cmd_cp, g, argc, argv, &f, copy);
}

const struct hull_command hull_cmd_cp = {
    .name = "cp",
    .usage = "[OPTIONS] CONTAINER:SRC_PATH DEST_PATH\n        hull cp [OPTIONS] SRC_PATH "
             "CONTAINER:DEST_PATH",
    .summary = "Copy files/folders between a container and the local filesystem",
    .flags = cp_flags,
    .run = cmd_cp,
    .min_args = 2,
    .max_args = 2,
};
