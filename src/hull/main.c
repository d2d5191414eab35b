/* hull: a daemonless container engine with Docker's habits.
 *
 * main() reads the global flags, picks the command and returns its exit
 * status.  Docker's statuses apply: 125 when hull itself fails (usage
 * errors included), 126 and 127 when a container's command cannot be run
 * or does not exist, otherwise the container's own; commands other than
 * run exit 1 on failure, as Docker's do. */
#include "commands.h"
#include "log.h"
#include "rootless.h"
#include "util.h"

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

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
    &hull_cmd_run,    &hull_cmd_ps,      &hull_cmd_rm,      &hull_cmd_import,  &hull_cmd_images,
    &hull_cmd_exec,   &hull_cmd_top,     &hull_cmd_cp,      &hull_cmd_volume,  &hull_cmd_stats,
    &hull_cmd_update, &hull_cmd_pause,   &hull_cmd_unpause, &hull_cmd_load,    &hull_cmd_save,
    &hull_cmd_rmi,    &hull_cmd_tag,     &hull_cmd_history, &hull_cmd_inspect, &hull_cmd_image,
    &hull_cmd_commit, &hull_cmd_export,  &hull_cmd_diff,    &hull_cmd_network, &hull_cmd_port,
    &hull_cmd_create, &hull_cmd_start,   &hull_cmd_stop,    &hull_cmd_kill,    &hull_cmd_restart,
    &hull_cmd_wait,   &hull_cmd_logs,    &hull_cmd_attach,  &hull_cmd_rename,  &hull_cmd_container,
    &hull_cmd_system, &hull_cmd_version, &hull_cmd_info,    &hull_cmd_monitor,
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

/* Docker's wording for a wrong number of positional arguments, NULL when
 * N is within C's bounds. */
static char *arg_count_error(const struct hull_command *c, size_t n)
{
    size_t min = c->min_args, max = c->max_args;

    if (n < min)
        return xasprintf("\"hull %s\" requires at least %zu argument%s.", c->name, min,
                         min == 1 ? "" : "s");
    if (n <= max)
        return NULL;
    if (max == 0)
        return xasprintf("\"hull %s\" accepts no arguments.", c->name);
    return xasprintf("\"hull %s\" requires %s %zu argument%s.", c->name,
                     min == max ? "exactly" : "at most", max, max == 1 ? "" : "s");
}

int hull_command_parse(const struct hull_command *c, int argc, char **argv, void *dst,
                       struct hull_args *args)
{
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_free_ char *msg = NULL;

    if (hull_flags_parse(c->flags, !c->flags_first, argc, argv, dst, args, &err) < 0) {
        hull_usage_error(c, err->msg);
        return -1;
    }
    if (args->help) {
        hull_command_help(c);
        return 0;
    }
    msg = arg_count_error(c, args->n);
    if (msg != NULL) {
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
        if (!commands[i]->hidden)
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

/* An ordinary user's images and containers live under its XDG
 * directories, and hull works for it inside a user namespace where it is
 * root (rootless.h). */
static int enter_rootless(struct hull_global *g, char **state_root, char **run_root)
{
    _cleanup_error_ hull_error *err = NULL;

    *state_root = g->roots.state_root != NULL ? xstrdup(g->roots.state_root) : NULL;
    *run_root = g->roots.run_root != NULL ? xstrdup(g->roots.run_root) : NULL;
    if (hull_rootless_engine_roots(state_root, run_root, &err) < 0 ||
        (geteuid() != 0 && hull_rootless_enter(&err) < 0)) {
        hull_report(err);
        return -1;
    }
    g->roots.state_root = *state_root;
    g->roots.run_root = *run_root;
    /* hull re-executes itself (sealed copy, monitor): the copies, root in
     * the namespace by then, keep the same roots. */
    setenv("HULL_ROOT", *state_root, 1);
    setenv("HULL_RUNROOT", *run_root, 1);
    return 0;
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
    _cleanup_free_ char *rootless_state = NULL, *rootless_run = NULL;
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
    g.roots.exe = argv[0];
    if (hull_rootless() && enter_rootless(&g, &rootless_state, &rootless_run) < 0) {
        hull_args_clear(&args);
        return HULL_EXIT_FAILED;
    }
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
