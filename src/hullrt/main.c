/* hullrt: an OCI runtime with runc's command line.
 *
 * main() parses the global flags, sets up logging, hands the rest to one
 * command of the table below and turns the outcome into runc's exit codes:
 * 0, 1 on any error, or the container's own status for a foreground run.
 * An error is printed once, here, with the context the library gave it. */
#include "commands.h"
#include "log.h"
#include "opts.h"
#include "util.h"

#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define HULLRT_DEFAULT_ROOT "/run/hullrt"

/* Where containers go when config.json leaves linux.cgroupsPath empty:
 * /hullrt/ID under each hierarchy. */
#define HULLRT_CGROUP_PARENT "hullrt"

#define GOPT(field) offsetof(struct hullrt_global_opts, field)

static const struct hullrt_opt global_flags[] = {
    {"debug", 0, HULLRT_OPT_BOOL, GOPT(debug), NULL, NULL, "log debug messages too"},
    {"log", 0, HULLRT_OPT_STRING, GOPT(log), "FILE", "standard error",
     "write log messages to FILE (errors also still go to standard error)"},
    {"log-format", 0, HULLRT_OPT_STRING, GOPT(log_format), "FORMAT", "text",
     "format of the --log file: text, or json (one object per line)"},
    {"root", 0, HULLRT_OPT_STRING, GOPT(root), "DIR", HULLRT_DEFAULT_ROOT,
     "directory of the containers' state, best on a tmpfs (other users than root: "
     "$XDG_RUNTIME_DIR/hullrt)"},
    {"criu", 0, HULLRT_OPT_STRING, GOPT(criu), "PATH", NULL,
     "accepted for runc compatibility; hullrt has no checkpoint/restore"},
    {"systemd-cgroup", 0, HULLRT_OPT_BOOL, GOPT(systemd_cgroup), NULL, NULL,
     "accepted, but creating a container with it fails: no systemd cgroup driver"},
    {"rootless", 0, HULLRT_OPT_STRING, GOPT(rootless), "MODE", "auto",
     "true, false or auto; accepted for runc compatibility"},
    {"version", 'v', HULLRT_OPT_BOOL, GOPT(version), NULL, NULL, "print the version and exit"},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};

static const struct hullrt_opt *const global_tables[] = {global_flags, NULL};

static const struct hullrt_command *const commands[] = {
    &hullrt_cmd_create,   &hullrt_cmd_start,  &hullrt_cmd_run,    &hullrt_cmd_state,
    &hullrt_cmd_kill,     &hullrt_cmd_delete, &hullrt_cmd_list,   &hullrt_cmd_spec,
    &hullrt_cmd_features, &hullrt_cmd_exec,   &hullrt_cmd_pause,  &hullrt_cmd_resume,
    &hullrt_cmd_update,   &hullrt_cmd_ps,     &hullrt_cmd_events,
};

/* runc commands hullrt does not implement: named, so the error says so
 * rather than calling them unknown. */
static const char *const unsupported_commands[] = {
    "checkpoint",
    "restore",
};

static const char main_description[] =
    "hullrt creates and runs containers from OCI bundles: directories holding a\n"
    "config.json (OCI runtime specification 1.x) and a root filesystem.  Its\n"
    "commands, flags, outputs and exit codes follow runc's, so containerd's shim,\n"
    "conmon, Docker and Podman can use it where they would use runc.  It exits\n"
    "with 1 on any error; a foreground \"run\" exits with the container's status.\n"
    "\n"
    "A first container:\n"
    "    mkdir -p box/rootfs && tar -C box/rootfs -xf rootfs.tar\n"
    "    cd box && hullrt spec && hullrt run box1";

static void print_block(FILE *f, const char *text)
{
    while (*text != '\0') {
        size_t n = strcspn(text, "\n");
        if (n > 0)
            fprintf(f, "    %.*s", (int)n, text);
        fputc('\n', f);
        text += n;
        if (*text == '\n')
            text++;
    }
}

static void print_main_help(FILE *f)
{
    fprintf(f, "NAME\n    hullrt - OCI container runtime with runc's command line\n\n");
    fprintf(f, "SYNOPSIS\n    hullrt [global options] COMMAND [options] [arguments...]\n\n");
    fprintf(f, "DESCRIPTION\n");
    print_block(f, main_description);
    fprintf(f, "\nCOMMANDS\n");
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
        fprintf(f, "    %-10s%s\n", commands[i]->name, commands[i]->summary);
    fprintf(f, "    %-10s%s\n", "help", "show this help, or a command's (help COMMAND)");
    fprintf(f, "\n    \"hullrt COMMAND --help\" describes a command and its options.\n");
    fprintf(f, "\nGLOBAL OPTIONS (before COMMAND)\n");
    hullrt_print_options(f, global_tables);
}

static void print_command_help(FILE *f, const struct hullrt_command *c)
{
    fprintf(f, "NAME\n    hullrt %s - %s\n\n", c->name, c->summary);
    fprintf(f, "SYNOPSIS\n    hullrt [global options] %s [options]%s%s\n\n", c->name,
            c->args_usage[0] != '\0' ? " " : "", c->args_usage);
    fprintf(f, "DESCRIPTION\n");
    print_block(f, c->description);
    fprintf(f, "\nOPTIONS\n");
    hullrt_print_options(f, c->flags);
}

static void print_version(FILE *f)
{
    fprintf(f, "hullrt version %s\n", HULL_VERSION);
    fprintf(f, "spec: %s\n", HULL_OCI_VERSION);
    const struct scmp_version *v = seccomp_version();
    if (v != NULL)
        fprintf(f, "libseccomp: %u.%u.%u\n", v->major, v->minor, v->micro);
}

static const struct hullrt_command *find_command(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
        if (strcmp(commands[i]->name, name) == 0)
            return commands[i];
    return NULL;
}

static int unknown_command(const char *name, hull_error **err)
{
    for (size_t i = 0; i < ARRAY_SIZE(unsupported_commands); i++)
        if (strcmp(unsupported_commands[i], name) == 0)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "command \"%s\" is not supported",
                                 name);
    return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                         "unknown command \"%s\" (\"hullrt --help\" lists them)", name);
}

/* "hullrt help [COMMAND]", as urfave/cli provides it. */
static int help_command(int nargs, char **args, hull_error **err)
{
    const struct hullrt_command *c;

    if (nargs == 0) {
        print_main_help(stdout);
        return 0;
    }
    if (strcmp(args[0], "--help") == 0 || strcmp(args[0], "-h") == 0) {
        printf("hullrt help - show the commands, or a command's options\n\n"
               "USAGE:\n    hullrt help [COMMAND]\n");
        return 0;
    }
    c = find_command(args[0]);
    if (c == NULL)
        return unknown_command(args[0], err);
    print_command_help(stdout, c);
    return 0;
}

/* The default root follows runc: a user other than root cannot write
 * /run, so it keeps its containers in its own runtime directory. */
static int resolve_root(const struct hullrt_global_opts *g, char **out, hull_error **err)
{
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    _cleanup_free_ char *fallback = NULL;

    if (g->root == NULL) {
        if (geteuid() != 0 && xdg != NULL && xdg[0] != '\0') {
            fallback = xasprintf("%s/hullrt", xdg);
            return hullrt_abs_path(fallback, out, err);
        }
        *out = xstrdup(HULLRT_DEFAULT_ROOT);
        return 0;
    }
    if (hullrt_abs_path(g->root, out, err) < 0)
        return hull_err_wrap(err, "--root");
    if (strcmp(*out, "/") == 0) {
        free(*out);
        *out = NULL;
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "invalid --root \"%s\": must not be /",
                             g->root);
    }
    return 0;
}

static int check_rootless(const char *value, hull_error **err)
{
    bool b;

    if (value == NULL || value[0] == '\0' || strcasecmp(value, "auto") == 0 ||
        hullrt_parse_bool(value, &b) == 0)
        return 0;
    return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                         "invalid --rootless \"%s\": expected true, false or auto", value);
}

/* With --log, messages go to the file only and errors also to standard
 * error, as runc does: containerd's shim reads the file, a person at a
 * terminal still sees what failed. */
static int setup_logging(const struct hullrt_global_opts *g, hull_error **err)
{
    enum hull_log_format format = HULL_LOG_FORMAT_TEXT;

    if (g->debug)
        hull_log_set_level(HULL_LOG_DEBUG);
    if (g->log_format != NULL && hull_log_parse_format(g->log_format, &format, err) < 0)
        return hull_err_wrap(err, "--log-format");
    if (g->log != NULL && g->log[0] != '\0')
        return hull_log_set_file(g->log, format, true, err);
    return 0;
}

static int run_command(const struct hullrt_command *cmd, const struct hullrt_global_opts *g,
                       int argc, char **args, char **argv, int *exit_status, hull_error **err)
{
    struct hullrt_cmd_opts o = {0};
    struct hullrt_parsed p;
    _cleanup_free_ char *root = NULL;
    int r;

    if (hullrt_parse_flags(cmd->flags, cmd->stop_after, argc, args, &o, &p, err) < 0) {
        hullrt_opts_free(cmd->flags, &o);
        return hull_err_wrap(err, "%s", cmd->name);
    }
    if (p.help) {
        print_command_help(stdout, cmd);
        hullrt_parsed_clear(&p);
        hullrt_opts_free(cmd->flags, &o);
        return 0;
    }
    r = hullrt_check_args(cmd->name, p.nargs, cmd->min_args, cmd->max_args, err);
    if (r == 0)
        r = resolve_root(g, &root, err);
    if (r == 0) {
        struct hullrt_ctx ctx = {
            .global = g,
            .opts = &o,
            .rt = {.root = root, .cgroup_parent = HULLRT_CGROUP_PARENT},
            .args = p.args,
            .nargs = p.nargs,
            .argv = argv,
        };
        hull_debug("%s: root \"%s\"", cmd->name, root);
        r = cmd->run(&ctx, exit_status, err);
        if (r < 0)
            *exit_status = cmd->fail_status != 0 ? cmd->fail_status : 1;
    }
    hullrt_parsed_clear(&p);
    hullrt_opts_free(cmd->flags, &o);
    return r;
}

static int dispatch(const struct hullrt_global_opts *g, const struct hullrt_parsed *gp, char **argv,
                    int *exit_status, hull_error **err)
{
    const struct hullrt_command *cmd;
    const char *name;

    if (g->version) {
        print_version(stdout);
        return 0;
    }
    if (gp->help || gp->nargs == 0) {
        print_main_help(stdout);
        return 0;
    }
    if (check_rootless(g->rootless, err) < 0 || setup_logging(g, err) < 0)
        return -1;
    name = gp->args[0];
    if (strcmp(name, "help") == 0 || strcmp(name, "h") == 0)
        return help_command(gp->nargs - 1, gp->args + 1, err);
    cmd = find_command(name);
    if (cmd == NULL)
        return unknown_command(name, err);
    return run_command(cmd, g, gp->nargs - 1, gp->args + 1, argv, exit_status, err);
}

int main(int argc, char **argv)
{
    struct hullrt_global_opts g = {0};
    struct hullrt_parsed gp;
    hull_error *err = NULL;
    int exit_status = 0;
    int r;

    hull_log_set_program("hullrt");
    r = hullrt_parse_flags(global_tables, 0, argc - 1, argv + 1, &g, &gp, &err);
    if (r == 0) {
        r = dispatch(&g, &gp, argv, &exit_status, &err);
        hullrt_parsed_clear(&gp);
    }
    if (fflush(stdout) != 0 && r == 0)
        r = hull_err(&err, errno, "write to standard output");
    if (r < 0) {
        hull_error_log("%s", err != NULL ? err->msg : "unknown error");
        hull_error_free(err);
        return exit_status != 0 ? exit_status : 1;
    }
    return exit_status;
}
