/* hull network: create, ls, inspect, rm, connect, disconnect and prune
 * (net.h). */
#include "commands.h"
#include "format.h"
#include "log.h"
#include "net.h"
#include "template.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

struct network_flags {
    bool quiet, no_trunc, force;
    const char *driver, *subnet, *gateway, *format, *ip;
};

#define F(f) offsetof(struct network_flags, f)

static const struct hull_flag create_flags[] = {
    {"driver", 'd', HULL_FLAG_STRING, F(driver), "string",
     "Driver to manage the Network (only \"bridge\")"},
    {"gateway", 0, HULL_FLAG_STRING, F(gateway), "string", "IPv4 Gateway for the master subnet"},
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

static int open_engine(const struct hull_global *g, struct hull_engine **e)
{
    _cleanup_error_ hull_error *err = NULL;

    if (hull_engine_open(&g->roots, e, &err) < 0) {
        hull_report(err);
        return -1;
    }
    return 0;
}

static int network_create(struct hull_engine *e, const struct network_flags *f,
                          const struct hull_args *args)
{
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_free_ char *id = NULL;
    struct hull_network_create_opts o = {
        .name = args->args[0], .driver = f->driver, .subnet = f->subnet, .gateway = f->gateway};

    if (args->n > 1) {
        hull_error_log("\"hull network create\" requires exactly 1 argument.");
        return HULL_EXIT_FAILED;
    }
    if (hull_network_create(e, &o, &id, &err) < 0) {
        hull_report(err);
        return 1;
    }
    printf("%s\n", id);
    return 0;
}

static int print_one(const json_t *o, const char *format, hull_error **err)
{
    char *line = NULL;

    if (strcmp(format, "json") == 0)
        line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    else if (hull_template_render(format, o, &line, err) < 0)
        return -1;
    printf("%s\n", line);
    free(line);
    return 0;
}

static int network_inspect(struct hull_engine *e, const struct network_flags *f,
                           const struct hull_args *args)
{
    _cleanup_error_ hull_error *err = NULL;
    json_t *all = json_array();
    int ret = 0;

    for (size_t i = 0; i < args->n; i++) {
        json_t *o;
        if (hull_network_inspect(e, args->args[i], &o, &err) < 0) {
            hull_report(err);
            hull_error_freep(&err);
            ret = 1;
            continue;
        }
        json_array_append_new(all, o);
    }
    if (f->format == NULL) {
        char *s = json_dumps(all, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
        printf("%s\n", s);
        free(s);
    } else {
        size_t i;
        json_t *o;
        json_array_foreach (all, i, o) {
            if (print_one(o, f->format, &err) < 0) {
                hull_report(err);
                ret = 1;
                break;
            }
        }
    }
    json_decref(all);
    return ret;
}

static int network_ls(struct hull_engine *e, const struct network_flags *f)
{
    _cleanup_error_ hull_error *err = NULL;
    json_t *all = NULL, *o;
    struct hull_table *t;
    size_t i;
    int ret = 0;

    if (hull_network_list(e, &all, &err) < 0) {
        hull_report(err);
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
            if (print_one(o, f->format, &err) < 0) {
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
    hull_table_print(t, stdout);
    hull_table_free(t);
    json_decref(all);
    return ret;
}

static int network_rm(struct hull_engine *e, const struct hull_args *args)
{
    _cleanup_error_ hull_error *err = NULL;
    int ret = 0;

    for (size_t i = 0; i < args->n; i++) {
        if (hull_network_rm(e, args->args[i], &err) < 0) {
            hull_report(err);
            hull_error_freep(&err);
            ret = 1;
            continue;
        }
        printf("%s\n", args->args[i]);
    }
    return ret;
}

static int network_connect(struct hull_engine *e, const struct network_flags *f,
                           const struct hull_args *args, bool connect)
{
    _cleanup_error_ hull_error *err = NULL;
    int ret;

    if (args->n != 2) {
        hull_error_log("\"hull network %s\" requires exactly 2 arguments.",
                       connect ? "connect" : "disconnect");
        return HULL_EXIT_FAILED;
    }
    ret = connect ? hull_network_connect(e, args->args[0], args->args[1], f->ip, &err)
                  : hull_network_disconnect(e, args->args[0], args->args[1], &err);
    if (ret < 0) {
        hull_report(err);
        return 1;
    }
    return 0;
}

static int network_prune(struct hull_engine *e, const struct network_flags *f)
{
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_strv_ char **removed = NULL;
    char answer[16] = "";

    if (!f->force) {
        printf(
            "WARNING! This will remove all custom networks not used by at least one container.\n");
        printf("Are you sure you want to continue? [y/N] ");
        fflush(stdout);
        if (fgets(answer, sizeof(answer), stdin) == NULL || (answer[0] != 'y' && answer[0] != 'Y'))
            return 0;
    }
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

enum sub { SUB_CREATE, SUB_LS, SUB_INSPECT, SUB_RM, SUB_CONNECT, SUB_DISCONNECT, SUB_PRUNE };

static const struct {
    const char *name;
    enum sub which;
    struct hull_command cmd;
    size_t min_args;
} subcommands[] = {
    {"connect",
     SUB_CONNECT,
     {"network connect", "[OPTIONS] NETWORK CONTAINER", "Connect a container to a network",
      connect_flags, NULL},
     2},
    {"create",
     SUB_CREATE,
     {"network create", "[OPTIONS] NETWORK", "Create a network", create_flags, NULL},
     1},
    {"disconnect",
     SUB_DISCONNECT,
     {"network disconnect", "[OPTIONS] NETWORK CONTAINER", "Disconnect a container from a network",
      disconnect_flags, NULL},
     2},
    {"inspect",
     SUB_INSPECT,
     {"network inspect", "[OPTIONS] NETWORK [NETWORK...]",
      "Display detailed information on one or more networks", inspect_flags, NULL},
     1},
    {"ls", SUB_LS, {"network ls", "[OPTIONS]", "List networks", ls_flags, NULL}, 0},
    {"list", SUB_LS, {"network ls", "[OPTIONS]", "List networks", ls_flags, NULL}, 0},
    {"prune",
     SUB_PRUNE,
     {"network prune", "[OPTIONS]", "Remove all unused networks", prune_flags, NULL},
     0},
    {"rm",
     SUB_RM,
     {"network rm", "NETWORK [NETWORK...]", "Remove one or more networks", no_flags, NULL},
     1},
    {"remove",
     SUB_RM,
     {"network rm", "NETWORK [NETWORK...]", "Remove one or more networks", no_flags, NULL},
     1},
};

static int dispatch(const struct hull_global *g, enum sub which, const struct network_flags *f,
                    const struct hull_args *args)
{
    _cleanup_engine_ struct hull_engine *e = NULL;

    if (open_engine(g, &e) < 0)
        return 1;
    switch (which) {
    case SUB_CREATE:
        return network_create(e, f, args);
    case SUB_LS:
        return network_ls(e, f);
    case SUB_INSPECT:
        return network_inspect(e, f, args);
    case SUB_RM:
        return network_rm(e, args);
    case SUB_CONNECT:
        return network_connect(e, f, args, true);
    case SUB_DISCONNECT:
        return network_connect(e, f, args, false);
    case SUB_PRUNE:
        return network_prune(e, f);
    }
    return 1;
}

static int run_sub(const struct hull_global *g, size_t k, int argc, char **argv)
{
    struct network_flags f = {0};
    struct hull_args args;
    const struct hull_command *c = &subcommands[k].cmd;
    int ret = hull_command_parse(c, true, subcommands[k].min_args, argc, argv, &f, &args);

    if (ret == 1 && (subcommands[k].which == SUB_LS || subcommands[k].which == SUB_PRUNE) &&
        args.n > 0) {
        hull_error_log("\"hull %s\" accepts no arguments.", c->name);
        ret = -1;
    }
    if (ret == 1)
        ret = dispatch(g, subcommands[k].which, &f, &args);
    else
        ret = ret < 0 ? HULL_EXIT_FAILED : 0;
    hull_flags_free(c->flags, &f);
    hull_args_clear(&args);
    return ret;
}

static void network_help(void)
{
    printf("\nUsage:  hull network COMMAND\n\nManage networks\n\nCommands:\n");
    for (size_t i = 0; i < ARRAY_SIZE(subcommands); i++)
        if (strcmp(subcommands[i].name, "list") != 0 && strcmp(subcommands[i].name, "remove") != 0)
            printf("  %-12s%s\n", subcommands[i].name, subcommands[i].cmd.summary);
    printf("\nRun 'hull network COMMAND --help' for more information on a command.\n");
}

static int cmd_network(const struct hull_global *g, int argc, char **argv)
{
    if (argc < 1 || strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
        network_help();
        return argc < 1 ? HULL_EXIT_FAILED : 0;
    }
    for (size_t i = 0; i < ARRAY_SIZE(subcommands); i++)
        if (strcmp(subcommands[i].name, argv[0]) == 0)
            return run_sub(g, i, argc - 1, argv + 1);
    hull_error_log("'%s' is not a hull network command.", argv[0]);
    fprintf(stderr, "See 'hull network --help'.\n");
    return HULL_EXIT_FAILED;
}

const struct hull_command hull_cmd_network = {
    .name = "network",
    .usage = "COMMAND",
    .summary = "Manage networks",
    .flags = no_flags,
    .run = cmd_network,
};
