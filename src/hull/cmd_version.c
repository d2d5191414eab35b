/* hull version: what hull is, in Docker's layout or as a --format. */
#include "cli.h"
#include "util.h"

#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

struct version_flags {
    const char *format;
};

static const struct hull_flag version_flags[] = {
    {"format", 'f', HULL_FLAG_STRING, offsetof(struct version_flags, format), "string",
     "Format the output using the given Go template, or 'json'"},
    {NULL, 0, 0, 0, NULL, NULL},
};

/* Go's names for the machine. */
static const char *go_arch(const char *machine)
{
    if (strcmp(machine, "x86_64") == 0)
        return "amd64";
    if (strcmp(machine, "aarch64") == 0)
        return "arm64";
    return machine;
}

static json_t *version_object(void)
{
    struct utsname u;

    uname(&u);
    return json_pack("{s:{s:s, s:s, s:s, s:s, s:s, s:s}}", "Client", "Version", HULL_VERSION,
                     "OciRuntimeSpec", HULL_OCI_VERSION, "Os", "linux", "Arch", go_arch(u.machine),
                     "KernelVersion", u.release, "Runtime", "hullrt (libhull)");
}

static void print_text(const json_t *v)
{
    const json_t *c = json_object_get(v, "Client");

    printf("Client:\n Version:           %s\n OCI runtime spec:  %s\n Runtime:           %s\n"
           " OS/Arch:           %s/%s\n Kernel:            %s\n",
           json_string_value(json_object_get(c, "Version")),
           json_string_value(json_object_get(c, "OciRuntimeSpec")),
           json_string_value(json_object_get(c, "Runtime")),
           json_string_value(json_object_get(c, "Os")),
           json_string_value(json_object_get(c, "Arch")),
           json_string_value(json_object_get(c, "KernelVersion")));
}

static int show_version(const struct hull_global *g, void *flags, const struct hull_args *args)
{
    const struct version_flags *f = flags;
    json_t *v = version_object();
    int ret = hull_show_object(v, f->format, print_text);

    json_decref(v);
    return ret;
}

static int cmd_version(const struct hull_global *g, int argc, char **argv)
{
    struct version_flags f = {0};

    return hull_command_main(&hull_cmd_version, g, argc, argv, &f, show_version);
}

const struct hull_command hull_cmd_version = {
    .name = "version",
    .usage = "[OPTIONS]",
    .summary = "Show the hull version information",
    .flags = version_flags,
    .run = cmd_version,
    .min_args = 0,
    .max_args = HULL_ARGS_ANY,
};
