/* Docker's container inspect object. */
#include "engine_inspect.h"
#include "engine_internal.h"
#include "image.h"
#include "monitor_proto.h"
#include "net.h"
#include "run_config.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Go's zero time, which Docker shows for a time that never happened. */
#define ZERO_TIME "0001-01-01T00:00:00Z"

/* The container's config.json (the engine's copy). */
static json_t *load_oci(struct hull_engine *e, const char *id)
{
    _cleanup_free_ char *path = xasprintf("%s/config.json", id);
    _cleanup_free_ char *text = NULL;

    if (read_file_at(e->ctr_dirfd, path, 16 << 20, &text, NULL, NULL) < 0)
        return json_object();
    json_t *cfg = json_loads(text, 0, NULL);
    return cfg != NULL ? cfg : json_object();
}

static json_t *strv_json(char *const *v)
{
    json_t *a = json_array();
    for (size_t i = 0; v != NULL && v[i] != NULL; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

/* A member of OBJ, or null. */
static json_t *member(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return v != NULL ? json_incref(v) : json_null();
}

static json_t *state_json(struct hull_engine *e, const struct hull_ctr *c)
{
    enum hull_ctr_status s = hull_engine_ctr_status(c);
    bool running = s == HULL_CTR_RUNNING;
    bool paused = running && hull_engine_ctr_paused(e, c);
    const char *status = paused ? "paused" : hull_ctr_status_name(s);

    return json_pack("{s:s, s:b, s:b, s:b, s:b, s:b, s:i, s:i, s:s, s:s, s:s}", "Status", status,
                     "Running", running, "Paused", paused, "Restarting", s == HULL_CTR_RESTARTING,
                     "OOMKilled", c->oom_killed, "Dead", 0, "Pid", running ? (int)c->pid : 0,
                     "ExitCode", s == HULL_CTR_EXITED ? c->exit_code : 0, "Error",
                     c->error ? c->error : "", "StartedAt",
                     c->started_at ? c->started_at : ZERO_TIME, "FinishedAt",
                     c->finished_at ? c->finished_at : ZERO_TIME);
}

/* "key=value" labels of the image and then of the container. */
static json_t *labels_json(const struct hull_ctr *c, const json_t *image_cfg)
{
    json_t *labels = json_object();
    json_t *from_image = image_cfg ? hull_image_config_labels(image_cfg) : NULL;

    if (from_image != NULL)
        json_object_update(labels, from_image);
    for (size_t i = 0; c->labels != NULL && c->labels[i] != NULL; i++) {
        const char *eq = strchr(c->labels[i], '=');
        _cleanup_free_ char *key =
            xstrndup(c->labels[i], eq ? (size_t)(eq - c->labels[i]) : strlen(c->labels[i]));
        json_object_set_new(labels, key, json_string(eq ? eq + 1 : ""));
    }
    return labels;
}

static json_t *exposed_ports(const json_t *image_cfg)
{
    _cleanup_strv_ char **ports = image_cfg ? hull_image_config_exposed_ports(image_cfg) : NULL;
    json_t *o = json_object();

    for (size_t i = 0; ports != NULL && ports[i] != NULL; i++)
        json_object_set_new(o, ports[i], json_object());
    if (json_object_size(o) == 0) {
        json_decref(o);
        return json_null();
    }
    return o;
}

static json_t *config_json(const struct hull_ctr *c, const json_t *oci, const json_t *run,
                           const json_t *image_cfg)
{
    const json_t *process = json_object_get(oci, "process");
    const json_t *rc = json_object_get(run, "Config");
    const char *hostname = json_string_value(json_object_get(oci, "hostname"));
    const char *user = json_string_value(json_object_get(rc, "User"));
    const char *wd = json_string_value(json_object_get(rc, "WorkingDir"));
    json_t *cmd = json_object_get(rc, "Cmd");
    json_t *env = json_object_get(process, "env");

    return json_pack(
        "{s:s, s:s, s:s, s:b, s:b, s:b, s:b, s:b, s:b, s:O, s:o, s:O, s:s, s:o, "
        "s:s, s:o, s:n, s:o, s:s, s:i}",
        "Hostname", hostname ? hostname : "", "Domainname", "", "User", user ? user : "",
        "AttachStdin", c->interactive, "AttachStdout", 1, "AttachStderr", 1, "Tty", c->tty,
        "OpenStdin", c->interactive, "StdinOnce", c->interactive, "Env", env ? env : json_null(),
        "Cmd", cmd ? json_incref(cmd) : strv_json(c->command), "ExposedPorts",
        exposed_ports(image_cfg), "Image", c->image, "Volumes", member(rc, "Volumes"), "WorkingDir",
        wd ? wd : "", "Entrypoint", member(rc, "Entrypoint"), "OnBuild", "Labels",
        labels_json(c, image_cfg), "StopSignal", c->stop_signal ? c->stop_signal : "SIGTERM",
        "StopTimeout", c->stop_timeout >= 0 ? c->stop_timeout : HULL_STOP_TIMEOUT_DEFAULT);
}

/* Docker's Ulimits from the --ulimit specs kept in runconfig.json. */
static json_t *ulimits_json(const json_t *specs)
{
    json_t *out = json_array(), *s;
    size_t i;

    json_array_foreach (specs, i, s) {
        const char *text = json_string_value(s);
        const char *eq = text ? strchr(text, '=') : NULL;
        long long soft, hard;
        if (eq == NULL)
            continue;
        const char *colon = strchr(eq + 1, ':');
        soft = strtoll(eq + 1, NULL, 10);
        hard = colon ? strtoll(colon + 1, NULL, 10) : soft;
        _cleanup_free_ char *name = xstrndup(text, (size_t)(eq - text));
        json_array_append_new(
            out, json_pack("{s:s, s:I, s:I}", "Name", name, "Hard", hard, "Soft", soft));
    }
    if (json_array_size(out) == 0) {
        json_decref(out);
        return json_null();
    }
    return out;
}

static json_int_t res_int(const json_t *res, const char *group, const char *key)
{
    return json_integer_value(json_object_get(json_object_get(res, group), key));
}

static json_t *res_str(const json_t *res, const char *group, const char *key)
{
    const char *s = json_string_value(json_object_get(json_object_get(res, group), key));
    return json_string(s != NULL ? s : "");
}

/* Docker's resource members from the config's linux.resources, which
 * `hull update` keeps current.  --cpus is stored as a quota over the
 * default period of 100ms: such a pair shows as NanoCpus, as Docker shows
 * what was asked, any other pair as CpuPeriod and CpuQuota. */
static void resources_into(json_t *hc, const json_t *oci)
{
    const json_t *res = json_object_get(json_object_get(oci, "linux"), "resources");
    json_int_t period = res_int(res, "cpu", "period"), quota = res_int(res, "cpu", "quota");
    json_int_t pids = res_int(res, "pids", "limit");
    const json_t *oom = json_object_get(json_object_get(res, "memory"), "disableOOMKiller");
    bool nano = period == 100000 && quota > 0;

    json_object_set_new(hc, "CpuShares", json_integer(res_int(res, "cpu", "shares")));
    json_object_set_new(hc, "Memory", json_integer(res_int(res, "memory", "limit")));
    json_object_set_new(hc, "NanoCpus", json_integer(nano ? quota * 10000 : 0));
    json_object_set_new(hc, "BlkioWeight", json_integer(res_int(res, "blockIO", "weight")));
    json_object_set_new(hc, "CpuPeriod", json_integer(nano ? 0 : period));
    json_object_set_new(hc, "CpuQuota", json_integer(nano ? 0 : quota));
    json_object_set_new(hc, "CpuRealtimePeriod",
                        json_integer(res_int(res, "cpu", "realtimePeriod")));
    json_object_set_new(hc, "CpuRealtimeRuntime",
                        json_integer(res_int(res, "cpu", "realtimeRuntime")));
    json_object_set_new(hc, "CpusetCpus", res_str(res, "cpu", "cpus"));
    json_object_set_new(hc, "CpusetMems", res_str(res, "cpu", "mems"));
    json_object_set_new(hc, "MemoryReservation",
                        json_integer(res_int(res, "memory", "reservation")));
    json_object_set_new(hc, "MemorySwap", json_integer(res_int(res, "memory", "swap")));
    json_object_set_new(hc, "MemorySwappiness", json_null());
    json_object_set_new(hc, "OomKillDisable",
                        oom != NULL ? json_incref((json_t *)oom) : json_null());
    json_object_set_new(hc, "PidsLimit", pids > 0 ? json_integer(pids) : json_null());
}

static bool has_namespace(const json_t *oci, const char *type)
{
    size_t i;
    json_t *ns;

    json_array_foreach (json_object_get(json_object_get(oci, "linux"), "namespaces"), i, ns)
        if (strcmp(json_string_value(json_object_get(ns, "type")) ?: "", type) == 0)
            return true;
    return false;
}

/* The size of the config's /dev/shm ("size=N" with an optional k, m or g),
 * 0 when it has none. */
static json_int_t shm_size(const json_t *oci)
{
    size_t i, k;
    json_t *m, *o;

    json_array_foreach (json_object_get(oci, "mounts"), i, m) {
        if (strcmp(json_string_value(json_object_get(m, "destination")) ?: "", "/dev/shm") != 0)
            continue;
        json_array_foreach (json_object_get(m, "options"), k, o) {
            const char *opt = json_string_value(o);
            char *end;
            if (opt == NULL || !str_has_prefix(opt, "size="))
                continue;
            long long n = strtoll(opt + 5, &end, 10);
            if (n < 0 || n > (1LL << 40))
                return 0;
            int shift = *end == 'k' ? 10 : *end == 'm' ? 20 : *end == 'g' ? 30 : 0;
            return (json_int_t)n << shift;
        }
    }
    return 0;
}

/* The namespace modes: "host" where the config shares the host's. */
static void namespaces_into(json_t *hc, const json_t *oci)
{
    const json_t *lx = json_object_get(oci, "linux");
    const json_t *process = json_object_get(oci, "process");

    json_object_set_new(hc, "IpcMode", json_string(has_namespace(oci, "ipc") ? "private" : "host"));
    json_object_set_new(hc, "PidMode", json_string(has_namespace(oci, "pid") ? "" : "host"));
    json_object_set_new(hc, "UTSMode", json_string(has_namespace(oci, "uts") ? "" : "host"));
    json_object_set_new(hc, "UsernsMode", json_string(""));
    json_object_set_new(hc, "CgroupnsMode",
                        json_string(has_namespace(oci, "cgroup") ? "private" : "host"));
    json_object_set_new(hc, "OomScoreAdj",
                        json_integer(json_integer_value(json_object_get(process, "oomScoreAdj"))));
    json_object_set_new(hc, "ShmSize", json_integer(shm_size(oci)));
    json_object_set_new(hc, "MaskedPaths", member(lx, "maskedPaths"));
    json_object_set_new(hc, "ReadonlyPaths", member(lx, "readonlyPaths"));
}

static json_t *host_config_json(const struct hull_ctr *c, const json_t *oci, const json_t *run)
{
    const json_t *hc = json_object_get(run, "HostConfig");
    json_t *out = json_pack(
        "{s:o, s:s, s:{s:s, s:i}, s:b, s:o, s:o, s:b, s:b, s:o, s:o, s:o, s:o, s:b, "
        "s:{s:s, s:o}, s:s, s:n, s:s}",
        "Binds", member(hc, "Binds"), "ContainerIDFile", "", "RestartPolicy", "Name",
        hull_restart_policy_name(c->restart.policy), "MaximumRetryCount", c->restart.max_retries,
        "AutoRemove", c->auto_remove, "CapAdd", member(hc, "CapAdd"), "CapDrop",
        member(hc, "CapDrop"), "Privileged", json_is_true(json_object_get(hc, "Privileged")),
        "ReadonlyRootfs", json_is_true(json_object_get(hc, "ReadonlyRootfs")), "SecurityOpt",
        member(hc, "SecurityOpt"), "Tmpfs", member(hc, "Tmpfs"), "Ulimits",
        ulimits_json(json_object_get(hc, "UlimitSpecs")), "Mounts", member(hc, "Mounts"), "Init",
        c->init, "LogConfig", "Type", "json-file", "Config", json_object(), "VolumeDriver", "",
        "VolumesFrom", "CgroupParent", "");

    if (out == NULL)
        return NULL;
    hull_net_inspect_host_config(c, out);
    resources_into(out, oci);
    namespaces_into(out, oci);
    return out;
}

/* Mounts as Docker shows them (without hull's bookkeeping). */
static json_t *mounts_json(const json_t *run)
{
    json_t *out = json_array(), *m;
    size_t i;

    json_array_foreach (json_object_get(run, "Mounts"), i, m) {
        json_t *copy = json_deep_copy(m);
        json_object_del(copy, "Anonymous");
        json_array_append_new(out, copy);
    }
    return out;
}

static json_t *graph_driver_json(struct hull_engine *e, const struct hull_ctr *c,
                                 const struct hull_image *img)
{
    _cleanup_free_ char *upper = hull_engine_ctr_path(e, c->id, "upper");
    _cleanup_free_ char *work = hull_engine_ctr_path(e, c->id, "work");
    _cleanup_free_ char *merged = hull_engine_ctr_path(e, c->id, "rootfs");
    _cleanup_free_ char *dir = hull_engine_ctr_path(e, c->id, NULL);
    _cleanup_strv_ char **dirs = img ? hull_engine_lower_dirs(dir, img->layer_dirs) : NULL;
    _cleanup_free_ char *lower = xstrdup("");

    /* overlayfs lists the uppermost lower directory first. */
    for (size_t n = strv_len(dirs); n > 0; n--) {
        char *next = xasprintf("%s%s%s", lower, lower[0] ? ":" : "", dirs[n - 1]);
        free(lower);
        lower = next;
    }
    return json_pack("{s:{s:s, s:s, s:s, s:s}, s:s}", "Data", "LowerDir", lower, "MergedDir",
                     merged, "UpperDir", upper, "WorkDir", work, "Name", "overlay");
}

static json_t *build(struct hull_engine *e, const struct hull_ctr *c, json_t *oci, json_t *run,
                     const struct hull_image *img)
{
    const json_t *image_cfg = img ? img->config : NULL;
    const char *path = c->command && c->command[0] ? c->command[0] : "";
    _cleanup_free_ char *name = xasprintf("/%s", c->name);
    _cleanup_free_ char *log = hull_engine_ctr_path(e, c->id, HULL_MON_LOG);
    json_t *network = hull_net_inspect_settings(e, c);

    return json_pack(
        "{s:s, s:s, s:s, s:o, s:o, s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:s, "
        "s:n, s:o, s:o, s:o, s:o, s:o}",
        "Id", c->id, "Created", c->created, "Path", path, "Args",
        strv_json(c->command && c->command[0] ? c->command + 1 : NULL), "State", state_json(e, c),
        "Image", c->image_id, "LogPath", log, "Name", name, "RestartCount", c->restart_count,
        "Driver", "overlay", "Platform", "linux", "MountLabel", "", "ProcessLabel", "",
        "AppArmorProfile",
        json_string_value(json_object_get(json_object_get(oci, "process"), "apparmorProfile"))
            ?: "",
        "ExecIDs", "HostConfig", host_config_json(c, oci, run), "GraphDriver",
        graph_driver_json(e, c, img), "Mounts", mounts_json(run), "Config",
        config_json(c, oci, run, image_cfg), "NetworkSettings", network ? network : json_object());
}

int hull_inspect_container_json(struct hull_engine *e, const char *id, json_t **out,
                                hull_error **err)
{
    struct hull_ctr c;
    struct hull_image *img = NULL;
    _cleanup_error_ hull_error *ignored = NULL;
    json_t *oci, *run = NULL;

    if (hull_ctr_load(e->ctr_dirfd, id, &c, err) < 0)
        return -1;
    /* An image removed since (rmi -f) leaves the other keys intact. */
    if (hull_store_image_get(e->store, c.image_id, &img, &ignored) < 0)
        img = NULL;
    oci = load_oci(e, id);
    if (hull_run_config_load(e, id, &run, NULL) < 0)
        run = json_object();
    *out = build(e, &c, oci, run, img);
    json_decref(oci);
    json_decref(run);
    hull_image_free(img);
    hull_ctr_clear(&c);
    if (*out == NULL)
        return hull_err(err, ENOMEM, "build the inspect object of %.12s", id);
    return 0;
}
