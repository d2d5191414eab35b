/* hull __monitor: the hooks a container's monitor runs (monitor_proto.h).
 * Not for users: hidden from the help.
 *
 *   hull __monitor exited ID CODE TIME   record the exit, clean up; exit
 *                                        status HULL_MON_HOOK_RESTART when
 *                                        the restart policy wants it again
 *   hull __monitor restart ID            create and start it again with
 *                                        the stdio and report descriptor
 *                                        of monitor_proto.h */
#include "commands.h"
#include "log.h"
#include "monitor_proto.h"
#include "selfexe.h"
#include "util.h"

#include <string.h>
#include <unistd.h>

static int hook_exited(struct hull_engine *e, char **argv, hull_error **err)
{
    int64_t code;
    bool restart, removed;

    if (parse_int64(argv[2], 0, 255, &code) < 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "invalid exit code \"%s\"", argv[2]);
    if (hull_engine_monitor_exited(e, argv[1], (int)code, argv[3], &restart, &removed, err) < 0)
        return -1;
    /* The monitor reports the exit when this hook exits: the files of a
     * --rm container, already out of every listing, are deleted after. */
    if (removed)
        hull_engine_purge_in_background(e);
    return restart ? HULL_MON_HOOK_RESTART : HULL_MON_HOOK_DONE;
}

static int hook_restart(struct hull_engine *e, char **argv, hull_error **err)
{
    bool declined;

    if (hull_engine_monitor_restart(e, argv[1], HULL_MON_FD_REPORT, &declined, err) < 0)
        return -1;
    return declined ? HULL_MON_HOOK_DECLINE : 0;
}

static int cmd_monitor(const struct hull_global *g, int argc, char **argv)
{
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_engine_ struct hull_engine *e = NULL;
    bool exited = argc == 4 && strcmp(argv[0], "exited") == 0;
    bool restart = argc == 2 && strcmp(argv[0], "restart") == 0;
    int ret = 1;

    /* A restart creates a container: from a sealed copy, as run does. */
    if (!exited && !restart) {
        hull_error_log("usage: hull __monitor exited ID CODE TIME | restart ID");
        return 2;
    }
    if ((restart && hull_selfexe_ensure_sealed(g->argv, &err) < 0) ||
        hull_engine_open(&g->roots, &e, &err) < 0)
        goto out;
    ret = exited ? hook_exited(e, argv, &err) : hook_restart(e, argv, &err);
out:
    if (ret < 0 || err != NULL) {
        hull_report(err);
        ret = 1;
    }
    return ret;
}

const struct hull_command hull_cmd_monitor = {
    .name = "__monitor",
    .usage = "exited ID CODE TIME | restart ID",
    .summary = "The hooks of a container's monitor (internal)",
    .flags = NULL,
    .run = cmd_monitor,
    .hidden = true,
};
