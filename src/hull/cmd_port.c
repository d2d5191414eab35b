/* hull port: the published ports of a container, as `docker port`
 * prints them. */
#include "cli.h"
#include "net.h"
#include "util.h"

#include <stdio.h>

static const struct hull_flag port_flags[] = {
    {NULL, 0, 0, 0, NULL, NULL},
};

static int show(const struct hull_global *g, void *flags, const struct hull_args *args)
{
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_engine_ struct hull_engine *e = NULL;
    _cleanup_free_ char *id = NULL;
    _cleanup_strv_ char **lines = NULL;
    struct hull_ctr c = {0};
    int ret = 1;

    if (hull_engine_open(&g->roots, &e, &err) < 0 ||
        hull_ctr_lookup(e->ctr_dirfd, args->args[0], &id, &err) < 0 ||
        hull_ctr_load(e->ctr_dirfd, id, &c, &err) < 0 ||
        hull_net_port_lines(e, &c, args->n > 1 ? args->args[1] : NULL, &lines, &err) < 0) {
        hull_report(err);
        goto out;
    }
    for (size_t i = 0; lines != NULL && lines[i] != NULL; i++)
        printf("%s\n", lines[i]);
    ret = 0;
out:
    hull_ctr_clear(&c);
    return ret;
}

static int cmd_port(const struct hull_global *g, int argc, char **argv)
{
    return hull_command_main(&hull_cmd_port, g, argc, argv, NULL, show);
}

const struct hull_command hull_cmd_port = {
    .name = "port",
    .usage = "CONTAINER [PRIVATE_PORT[/PROTO]]",
    .summary = "List port mappings or a specific mapping for the container",
    .flags = port_flags,
    .run = cmd_port,
    .min_args = 1,
    .max_args = 2,
};
