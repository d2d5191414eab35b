#include "commands.h"
#include "specgen.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

static int features_run(const struct hullrt_ctx *ctx, int *exit_status, hull_error **err)
{
    _cleanup_free_ char *json = hull_features_json();

    *exit_status = 0;
    if (json == NULL)
        return hull_err(err, 0, "cannot generate the features document");
    fputs(json, stdout);
    if (json[0] == '\0' || json[strlen(json) - 1] != '\n')
        fputc('\n', stdout);
    return 0;
}

const struct hullrt_command hullrt_cmd_features = {
    .name = "features",
    .summary = "print what this runtime supports, as JSON",
    .args_usage = "",
    .description = "Prints the features document of the OCI runtime specification (features.md):\n"
                   "the ociVersion range, hooks, mount options, namespaces, capabilities, cgroup,\n"
                   "seccomp and other Linux features hullrt implements.",
    .flags = (const struct hullrt_opt *const[]){NULL},
    .min_args = 0,
    .max_args = 0,
    .stop_after = -1,
    .run = features_run,
};
