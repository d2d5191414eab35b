/* hull network: create, ls, inspect, rm, connect, disconnect and prune
 * (net.h). */
#include "cli.h"
#include "format.h"
#include "listfmt.h"
#include "net.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

struct network_flags {
    bool quiet, no_trunc, force, internal;
    const char *driver, *subnet, *gateway, *format, *ip;
};

#define F(f) offsetof(struct network_flags, f)

static const struct hull_flag create_flags[] = {
    {"driver", 'd', HULL_FLAG_STRING, F(driver), "string",
     "Driver to manage the Network (only \"bridge\")"},
    {"gateway", 0, HULL_FLAG_STRING, F(gateway), "string", "IPv4 Gateway for the master subnet"},
    {"internal", 0, HULL_FLAG_BOOL, F(internal), NULL, "Restrict external access to the network"},
    {"subnet", 0, HULL_FLAG_STRING, F(subnet), "string",
     "Subnet in CIDR format that represents a network segment"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static const struct hull_flag ls_flags[] = {
    {"format", 0, HULL_FLAG_STRING, F(format), "string",
     "Format output using a custom template: 'json' or a Go template such as '{{.Name}}'"},
    {"no-trunc", 0, HULL_FLAG_BOOL, F(no_trunc), NULL, "Do not truncate the output"},
    {"quiet", 'q', HULL_FLAG_BOOL, F(quiet), NULL, "Only display network IDs"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static const struct hull_flag inspect_flags[] = {
    {"format", 'f', HULL_FLAG_STRING, F(format), "string",
     "Format output using a custom template: 'json' or a Go template"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static const struct hull_flag connect_flags[] = {
    {"ip", 0, HULL_FLAG_STRING, F(ip), "string", "IPv4 address (e.g., 172.30.100.104)"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static const struct hull_flag disconnect_flags[] = {
    {"force", 'f', HULL_FLAG_BOOL, F(force), NULL,
     "Accepted for Docker's sake: disconnecting always is forced"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static const struct hull_flag prune_flags[] = {
    {"force", 'f', HULL_FLAG_BOOL, F(force), NULL, "Do not prompt for confirmation"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static const struct hull_flag no_flags[] = {
    {NULL, 0, 0, 0, NULL, NULL},
};

static int network_create(const struct hull_global *g, void *flags, const struct hull_args *args)
{
    const struct network_flags *f = flags;
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_engine_ struct hull_engine *e = NULL;
    _cleanup_free_ char *id = NULL;
    struct hull_network_create_opts o = {.name = args->args[0],
                                         .driver = f->driver,
                                         .subnet = f->subnet,
                                         .gateway = f->gateway,
                                         .internal = f->internal};

    if (hull_open_engine(g, &e) < 0)
        return 1;
    if (hull_network_create(e, &o, &id, &err) < 0) {
        hull_report(err);
        return 1;
    }
    printf("%s\n", id);
    return 0;
}

static int network_object(struct hull_engine *e, const char *name, const void *data, json_t **out,
                          hull_error **err)
{
    return hull_network_inspect(e, name, out, err);
}

/* With --format, "json" prints each network on a line of its own. */
static int network_inspect(const struct hull_global *g, void *flags, const struct hull_args *args)
{
    const struct network_flags *f = flags;

    return hull_inspect_names(g, args, network_object, NULL, f->format, true);
}

/* The titles Docker gives the fields of network ls in "table" templates. */
static const struct hull_list_header network_headers[] = {
    {"ID", "NETWORK ID"}, {"Name", "NAME"},         {"Driver", "DRIVER"}, {"Scope", "SCOPE"},
    {"IPv6", "IPV6"},     {"Internal", "INTERNAL"}, {"Labels", "LABELS"}, {"CreatedAt", "CREATED"},
};

#define NETWORK_TABLE "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}"

static int network_ls(const struct hull_global *g, void *flags, const struct hull_args *args)
{
    const struct network_flags *f = flags;
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_engine_ struct hull_engine *e = NULL;
    json_t *all = NULL, *o;
    struct hull_table *t;
    struct hull_list_format out = {0};
    size_t i;
    int ret = 0;

    if (hull_open_engine(g, &e) < 0)
        return 1;
    if (hull_network_list(e, &all, &err) < 0) {
        hull_report(err);
        return 1;
    }
    if (!f->quiet && f->format != NULL &&
        hull_list_format_begin(&out, f->format, NETWORK_TABLE, network_headers,
                               ARRAY_SIZE(network_headers), &err) < 0) {
        hull_report(err);
        json_decref(all);
        return 1;
    }
    t = hull_table_new(4);
    if (!f->quiet && f->format == NULL) {
        char *head[] = {xstrdup("NETWORK ID"), xstrdup("NAME"), xstrdup("DRIVER"),
                        xstrdup("SCOPE")};
        hull_table_add(t, head);
    }
    json_array_foreach (all, i, o) {
        const char *id = json_string_value(json_object_get(o, "Id"));
        int len = f->no_trunc ? (int)strlen(id) : HULL_CTR_SHORT_LEN;
        if (f->quiet) {
            printf("%.*s\n", len, id);
        } else if (f->format != NULL) {
            json_t *row = hull_network_ls_row(o, f->no_trunc);
            int printed = hull_list_format_row(&out, row, &err);
            json_decref(row);
            if (printed < 0) {
                hull_report(err);
                ret = 1;
                break;
            }
        } else {
            char *row[] = {
                xstrndup(id, (size_t)len), xstrdup(json_string_value(json_object_get(o, "Name"))),
                xstrdup(json_string_value(json_object_get(o, "Driver"))), xstrdup("local")};
            hull_table_add(t, row);
        }
    }
    if (f->format == NULL)
        hull_table_print(t, stdout);
    hull_table_free(t);
    hull_list_format_end(&out, ret == 0);
    json_decref(all);
    return ret;
}

static int rm_one(struct hull_engine *e, const char *name, void *data, hull_error **err)
{
    return hull_network_rm(e, name, err) < 0 ? -1 : 0;
}

static int network_rm(const struct hull_global *g, void *flags, const struct hull_args *args)
{
    return hull_for_each_name(g, args, rm_one, NULL);
}

/* connect and disconnect: NETWORK CONTAINER. */
static int connect_action(const struct hull_global *g, const struct network_flags *f,
                          const struct hull_args *args, bool connect)
{
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_engine_ struct hull_engine *e = NULL;
    int ret;

    if (hull_open_engine(g, &e) < 0)
        return 1;
    ret = connect ? hull_network_connect(e, args->args[0], args->args[1], f->ip, &err)
                  : hull_network_disconnect(e, args->args[0], args->args[1], &err);
    if (ret < 0) {
        hull_report(err);
        return 1;
    }
    return 0;
}

static int network_connect(const struct hull_global *g, void *flags, const struct hull_args *args)
{
    return connect_action(g, flags, args, true);
}

static int network_disconnect(const struct hull_global *g, void *flags,
                              const struct hull_args *args)
{
    return connect_action(g, flags, args, false);
}

static int network_prune(const struct hull_global *g, void *flags, const struct hull_args *args)
{
    const struct network_flags *f = flags;
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_engine_ struct hull_engine *e = NULL;
    _cleanup_strv_ char **removed = NULL;

    if (!f->force &&
        !hull_confirm(
            "WARNING! This will remove all custom networks not used by at least one container.\n"))
        return 0;
    if (hull_open_engine(g, &e) < 0)
        return 1;
    if (hull_net_gc(e, &err) < 0 || hull_network_prune(e, &removed, &err) < 0) {
        hull_report(err);
        return 1;
    }
    if (removed != NULL) {
        printf("Deleted Networks:\n");
        for (size_t i = 0; removed[i] != NULL; i++)
            printf("%s\n", removed[i]);
    }
    return 0;
}

static const struct hull_command connect_cmd = {
    .name = "network connect",
    .usage = "[OPTIONS] NETWORK CONTAINER",
    .summary = "Connect a container to a network",
    .flags = connect_flags,
    .min_args = 2,
    .max_args = 2,
};

static const struct hull_command create_cmd = {
    .name = "network create",
    .usage = "[OPTIONS] NETWORK",
    .summary = "Create a network",
    .flags = create_flags,
    .min_args = 1,
    .max_args = 1,
};

static const struct hull_command disconnect_cmd = {
    .name = "network disconnect",
    .usage = "[OPTIONS] NETWORK CONTAINER",
    .summary = "Disconnect a container from a network",
    .flags = disconnect_flags,
    .min_args = 2,
    .max_args = 2,
};

static const struct hull_command inspect_cmd = {
    .name = "network inspect",
    .usage = "[OPTIONS] NETWORK [NETWORK...]",
    .summary = "Display detailed information on one or more networks",
    .flags = inspect_flags,
    .min_args = 1,
    .max_args = HULL_ARGS_ANY,
};

static const struct hull_command ls_cmd = {
    .name = "network ls",
    .usage = "[OPTIONS]",
    .summary = "List networks",
    .flags = ls_flags,
};

static const struct hull_command prune_cmd = {
    .name = "network prune",
    .usage = "[OPTIONS]",
    .summary = "Remove all unused networks",
    .flags = prune_flags,
};

static const struct hull_command rm_cmd = {
    .name = "network rm",
    .usage = "NETWORK [NETWORK...]",
    .summary = "Remove one or more networks",
    .flags = no_flags,
    .min_args = 1,
    .max_args = HULL_ARGS_ANY,
};

static const struct hull_subcommand subcommands[] = {
    {"connect", NULL, &connect_cmd, network_connect},
    {"create", NULL, &create_cmd, network_create},
    {"disconnect", NULL, &disconnect_cmd, network_disconnect},
    {"inspect", NULL, &inspect_cmd, network_inspect},
    {"ls", "list", &ls_cmd, network_ls},
    {"prune", NULL, &prune_cmd, network_prune},
    {"rm", "remove", &rm_cmd, network_rm},
};

static const struct hull_group network_group = {
    .cmd = &hull_cmd_network,
    .subs = subcommands,
    .n = ARRAY_SIZE(subcommands),
    .width = 12,
    .more_help = true,
};

static int cmd_network(const struct hull_global *g, int argc, char **argv)
{
    struct network_flags f = {0};

    return hull_group_run(&network_group, g, argc, argv, &f);
}

const struct hull_command hull_cmd_network = {
    .name = "network",
    .usage = "COMMAND",
    .summary = "Manage networks",
    .flags = no_flags,
    .run = cmd_network,
};
