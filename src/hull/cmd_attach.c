/* hull attach: our terminal (or stdio) to a running container's. */
#include "cli.h"
#include "util.h"

struct attach_flags {
    bool no_stdin;
    const char *sig_proxy, *detach_keys;
};

#define F(f) offsetof(struct attach_flags, f)

static const struct hull_flag attach_flags[] = {
    {"detach-keys", 0, HULL_FLAG_STRING, F(detach_keys), "string",
     "Override the key sequence for detaching a container"},
    {"no-stdin", 0, HULL_FLAG_BOOL, F(no_stdin), NULL, "Do not attach STDIN"},
    {"sig-proxy", 0, HULL_FLAG_STRING, F(sig_proxy), "bool",
     "Proxy all received signals to the process (default true)"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static int attach(const struct hull_global *g, void *flags, const struct hull_args *args)
{
    const struct attach_flags *f = flags;
    const char *ref = args->args[0];
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_engine_ struct hull_engine *e = NULL;
    struct hull_attach_opts a = {
        .in = !f->no_stdin,
        .out = true,
        .err = true,
        .stdin_once = false,
        .sig_proxy = true,
        .detach_keys = f->detach_keys,
    };
    int code;

    if (f->sig_proxy != NULL && hull_parse_bool(f->sig_proxy, &a.sig_proxy) < 0) {
        _cleanup_free_ char *msg =
            xasprintf("invalid argument \"%s\" for \"--sig-proxy\" flag", f->sig_proxy);
        return hull_usage_error(&hull_cmd_attach, msg);
    }
    if (hull_engine_open(&g->roots, &e, &err) < 0 ||
        hull_engine_attach(e, ref, &a, &code, &err) < 0) {
        hull_die_of_broken_pipe(err);
        hull_report(err);
        return 1;
    }
    return code < 0 ? 0 : code;
}

static int cmd_attach(const struct hull_global *g, int argc, char **argv)
{
    struct attach_flags f = {0};

    return hull_command_main(&hull_cmd_attach, g, argc, argv, &f, attach);
}

const struct hull_command hull_cmd_attach = {
    .name = "attach",
    .usage = "[OPTIONS] CONTAINER",
    .summary = "Attach local standard input, output, and error streams to a running container",
    .flags = attach_flags,
    .run = cmd_attach,
    .min_args = 1,
    .max_args = 1,
};
