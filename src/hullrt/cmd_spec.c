#include "commands.h"
#include "specgen.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#define OPT(field) offsetof(struct hullrt_cmd_opts, field)

static const struct hullrt_opt spec_flags[] = {
    {"bundle", 'b', HULLRT_OPT_STRING, OPT(bundle), "DIR", "the current directory",
     "directory to write config.json into"},
    {"rootless", 0, HULLRT_OPT_BOOL, OPT(rootless), NULL, NULL,
     "write a config for a container run by an unprivileged user"},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};

#define SPEC_FILE "config.json"

/* O_EXCL both refuses an existing config.json, as runc does, and closes
 * the window between that check and the write. */
static int write_new_config(const char *bundle, const char *json, hull_error **err)
{
    _cleanup_close_ int dirfd = -1;
    _cleanup_close_ int fd = -1;

    dirfd = open(bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0)
        return hull_err(err, errno, "--bundle \"%s\"", bundle);
    fd = openat(dirfd, SPEC_FILE, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno == EEXIST)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "File %s exists. Remove it first",
                             SPEC_FILE);
    if (fd < 0)
        return hull_err(err, errno, "create %s/%s", bundle, SPEC_FILE);
    if (write_all(fd, json, strlen(json)) < 0) {
        int saved = errno;
        unlinkat(dirfd, SPEC_FILE, 0);
        return hull_err(err, saved, "write %s/%s", bundle, SPEC_FILE);
    }
    return 0;
}

static int spec_run(const struct hullrt_ctx *ctx, int *exit_status, hull_error **err)
{
    const char *bundle = ctx->opts->bundle;
    _cleanup_free_ char *json = NULL;

    *exit_status = 0;
    if (bundle == NULL || bundle[0] == '\0')
        bundle = ".";
    json = hull_spec_default_json(ctx->opts->rootless, geteuid(), getegid());
    if (json == NULL)
        return hull_err(err, 0, "cannot generate the default config");
    return write_new_config(bundle, json, err);
}

const struct hullrt_command hullrt_cmd_spec = {
    .name = "spec",
    .summary = "write a starter config.json",
    .args_usage = "",
    .description =
        "Writes a default config.json (OCI runtime specification) into the bundle\n"
        "directory: process.args is [\"sh\"] with a terminal, the root filesystem is the\n"
        "bundle's \"rootfs\" directory, read-only, with the usual namespaces, mounts,\n"
        "masked and read-only paths.  Edit it before use.  An existing config.json is\n"
        "never overwritten.\n"
        "\n"
        "--rootless writes a config for an unprivileged user: a user namespace mapping\n"
        "the caller's uid and gid to root, no network namespace, /sys bind-mounted and\n"
        "no cgroup limits.\n"
        "\n"
        "Example, a bundle from an exported image:\n"
        "    mkdir -p box/rootfs && tar -C box/rootfs -xf image.tar\n"
        "    cd box && hullrt spec\n"
        "    sed -i 's;\"sh\";\"/bin/echo\", \"hello\";' config.json\n"
        "    hullrt run box1",
    .flags = (const struct hullrt_opt *const[]){spec_flags, NULL},
    .min_args = 0,
    .max_args = 0,
    .stop_after = -1,
    .run = spec_run,
};
