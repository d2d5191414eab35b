/* hull: a daemonless container engine with Docker's habits.
 *
 * main() reads the global flags, picks the command and returns its exit
 * status.  Docker's statuses apply: 125 when hull itself fails (usage
 * errors included), 126 and 127 when a container's command cannot be run
 * or does not exist, otherwise the container's own; commands other than
 * run exit 1 on failure, as Docker's do. */
#include "commands.h"
#include "log.h"
#include "util.h"

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

struct global_flags {
    bool debug;
    bool version;
    const char *log_level;
};

#define GOPT(f) offsetof(struct global_flags, f)

static const struct hull_flag global_flags[] = {
    {"debug", 'D', HULL_FLAG_BOOL, GOPT(debug), NULL, "Enable debug mode"},
    {"log-level", 'l', HULL_FLAG_STRING, GOPT(log_level), "string",
     "Set the logging level (\"debug\"|\"info\"|\"warn\"|\"error\") (default \"warn\")"},
    {"version", 'v', HULL_FLAG_BOOL, GOPT(version), NULL, "Print version information and quit"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static const struct hull_command *const commands[] = {
    &hull_cmd_run, &hull_cmd_ps, &hull_cmd_rm, &hull_cmd_import, &hull_cmd_images,
};

void hull_report(const hull_error *e)
{
    hull_error_log("%s", e->msg);
}

int hull_usage_error(const struct hull_command *c, const char *msg)
{
    hull_error_log("%s", msg);
    fprintf(stderr, "See 'hull %s --help'.\n", c->name);
    return HULL_EXIT_FAILED;
}

void hull_command_help(const struct hull_command *c)
{
    printf("\nUsage:  hull %s %s\n\n%s\n\n", c->name, c->usage, c->summary);
    hull_flags_print(stdout, c->flags);
}

int hull_command_parse(const struct hull_command *c, bool interspersed, size_t min_args, int argc,
                       char **argv, void *dst, struct hull_args *args)
{
    _cleanup_error_ hull_error *err = NULL;

    if (hull_flags_parse(c->flags, interspersed, argc, argv, dst, args, &err) < 0) {
        hull_usage_error(c, err->msg);
        return -1;
    }
    if (args->help) {
        hull_command_help(c);
        return 0;
    }
    if (args->n < min_args) {
        _cleanup_free_ char *msg = xasprintf("\"hull %s\" requires at least %zu argument%s.",
                                             c->name, min_args, min_args == 1 ? "" : "s");
        hull_usage_error(c, msg);
        return -1;
    }
    return 1;
}

static void print_help(void)
{
    printf("\nUsage:  hull [OPTIONS] COMMAND\n\n"
           "A daemonless container engine: Docker's commands, without a daemon.\n\n");
    hull_flags_print(stdout, global_flags);
    printf("\nCommands:\n");
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
        printf("  %-10s%s\n", commands[i]->name, commands[i]->summary);
    printf("\nEnvironment:\n"
           "  HULL_ROOT     where images and containers are kept (default " HULL_DEFAULT_STATE_ROOT
           ")\n"
           "  HULL_RUNROOT  where running containers' state is kept (default " HULL_DEFAULT_RUN_ROOT
           ")\n"
           "\nExit status: a container's own for run; 125 when hull fails (bad usage\n"
           "included), 126 when the command cannot be invoked, 127 when it is not found;\n"
           "other commands exit 1 on failure.\n"
           "\nRun 'hull COMMAND --help' for more information on a command.\n");
}

static int set_log_level(const char *s)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};

    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        if (strcasecmp(s, names[i]) == 0) {
            hull_log_set_level((enum hull_log_level)i);
            return 0;
        }
    }
    hull_error_log("unable to parse logging level: %s", s);
    return -1;
}

/* An empty variable counts as unset, as it does for most tools. */
static const char *env_or_null(const char *name)
{
    const char *v = getenv(name);
    return v != NULL && v[0] != '\0' ? v : NULL;
}

static const struct hull_command *find_command(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
        if (strcmp(commands[i]->name, name) == 0)
            return commands[i];
    return NULL;
}

int main(int argc, char **argv)
{
    struct global_flags gf = {0};
    struct hull_args args;
    _cleanup_error_ hull_error *err = NULL;
    struct hull_global g = {.argv = argv};
    const struct hull_command *cmd;
    int ret;

    hull_log_set_program("hull");
    if (hull_flags_parse(global_flags, false, argc - 1, argv + 1, &gf, &args, &err) < 0) {
        hull_error_log("%s", err->msg);
        fprintf(stderr, "See 'hull --help'.\n");
        return HULL_EXIT_FAILED;
    }
    if (gf.version) {
        printf("hull version %s\n", HULL_VERSION);
        hull_args_clear(&args);
        return 0;
    }
    if (args.help || args.n == 0) {
        print_help();
        hull_args_clear(&args);
        return 0;
    }
    if (gf.debug)
        hull_log_set_level(HULL_LOG_DEBUG);
    if (gf.log_level != NULL && set_log_level(gf.log_level) < 0) {
        hull_args_clear(&args);
        return HULL_EXIT_FAILED;
    }
    g.roots.state_root = env_or_null("HULL_ROOT");
    g.roots.run_root = env_or_null("HULL_RUNROOT");
    cmd = find_command(args.args[0]);
    if (cmd == NULL) {
        hull_error_log("'%s' is not a hull command.", args.args[0]);
        fprintf(stderr, "See 'hull --help'.\n");
        hull_args_clear(&args);
        return HULL_EXIT_FAILED;
    }
    /* The command sees only its own words, from its name on. */
    ret = cmd->run(&g, (int)args.n - 1, args.args + 1);
    hull_args_clear(&args);
    return ret;
}
