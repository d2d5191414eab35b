/* config.json for an engine container: Docker's defaults plus the image's
 * config plus the run options. */
#include "ocigen.h"
#include "image.h"
#include "passwd.h"
#include "paths.h"
#include "util.h"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define SHORT_ID_LEN 12
#define HOSTNAME_MAX 64

/* Docker's default mounts.  /sys/fs/cgroup is read-only so a container
 * cannot change its own limits; /dev is a small tmpfs the runtime fills
 * with the default devices. */
static const struct {
    const char *destination, *type, *source;
    const char *options[8];
} default_mounts[] = {
    {"/proc", "proc", "proc", {"nosuid", "noexec", "nodev", NULL}},
    {"/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k", NULL}},
    {"/dev/pts",
     "devpts",
     "devpts",
     {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL}},
    {"/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro", NULL}},
    {"/sys/fs/cgroup", "cgroup", "cgroup", {"ro", "nosuid", "noexec", "nodev", NULL}},
    {"/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev", NULL}},
    {"/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=67108864", NULL}},
};

/* Docker's default capability set: enough for what images commonly do at
 * start (chown files, bind low ports, drop to another user), nothing that
 * reaches the host (no SYS_ADMIN, NET_ADMIN, SYS_MODULE, ...). */
static const char *const default_caps[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FSETID",
    "CAP_FOWNER",
    "CAP_MKNOD",
    "CAP_NET_RAW",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETFCAP",
    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT",
    "CAP_KILL",
    "CAP_AUDIT_WRITE",
    NULL,
};

/* Kernel interfaces that leak host information or allow host-wide
 * actions, hidden (masked) or made read-only, as Docker does. */
static const char *const masked_paths[] = {
    "/proc/asound",
    "/proc/acpi",
    "/proc/interrupts",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
    "/sys/devices/virtual/powercap",
    NULL,
};

static const char *const readonly_paths[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

static const char *const namespaces[] = {"pid", "ipc", "uts", "mount", "network", "cgroup", NULL};

/* The device cgroup: nothing but the standard devices, whatever nodes
 * CAP_MKNOD lets the container create (a block device of the host's disk
 * must stay unusable).  Creating nodes (m) stays allowed.  -1 is "any". */
static const struct {
    bool allow;
    const char *type;
    int major, minor;
} device_rules[] = {
    {false, "a", -1, -1}, {true, "c", -1, -1}, {true, "b", -1, -1}, {true, "c", 1, 3},
    {true, "c", 1, 5},    {true, "c", 1, 7},   {true, "c", 1, 8},   {true, "c", 1, 9},
    {true, "c", 5, 0},    {true, "c", 5, 1},   {true, "c", 5, 2},   {true, "c", 136, -1},
};

static json_t *strv_json(const char *const *v)
{
    json_t *a = json_array();
    for (size_t i = 0; v != NULL && v[i] != NULL; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

/* Index of KEY's entry in ENV, or -1. */
static ssize_t env_find(const char *const *env, const char *key, size_t key_len)
{
    for (size_t i = 0; env != NULL && env[i] != NULL; i++)
        if (strncmp(env[i], key, key_len) == 0 && env[i][key_len] == '=')
            return (ssize_t)i;
    return -1;
}

static void env_remove(char **env, size_t at)
{
    free(env[at]);
    memmove(&env[at], &env[at + 1], (strv_len(env) - at) * sizeof(*env));
}

/* Sets "KEY=VALUE" in *ENV, replacing KEY's entry in place; an ENTRY
 * without '=' removes KEY. */
static void env_apply(char ***env, const char *entry)
{
    const char *eq = strchr(entry, '=');
    size_t key_len = eq != NULL ? (size_t)(eq - entry) : strlen(entry);
    ssize_t at = env_find((const char *const *)*env, entry, key_len);

    if (eq == NULL) {
        if (at >= 0)
            env_remove(*env, (size_t)at);
        return;
    }
    if (at >= 0) {
        free((*env)[at]);
        (*env)[at] = xstrdup(entry);
        return;
    }
    strv_append(env, entry);
}

int hull_ocigen_env(const struct hull_ocigen_image *img, const char *const *user_env,
                    const char *const *host_env, const char *hostname, bool tty, char ***out,
                    hull_error **err)
{
    _cleanup_strv_ char **env = NULL;

    strv_append(&env, HULL_DEFAULT_PATH);
    if (hostname != NULL) {
        _cleanup_free_ char *h = xasprintf("HOSTNAME=%s", hostname);
        env_apply(&env, h);
    }
    if (tty)
        env_apply(&env, "TERM=xterm");
    for (size_t i = 0; img->env != NULL && img->env[i] != NULL; i++)
        env_apply(&env, img->env[i]);
    for (size_t i = 0; user_env != NULL && user_env[i] != NULL; i++) {
        const char *e = user_env[i];
        if (e[0] == '\0' || e[0] == '=')
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "invalid environment variable: \"%s\"",
                                 e);
        if (strchr(e, '=') != NULL) {
            env_apply(&env, e);
            continue;
        }
        ssize_t at = env_find(host_env, e, strlen(e));
        env_apply(&env, at >= 0 ? host_env[at] : e);
    }
    *out = take_ptr(env);
    return 0;
}

int hull_env_file_parse(const char *text, const char *name, char ***out, hull_error **err)
{
    size_t lineno = 0;

    for (const char *line = text; *line != '\0';) {
        size_t len = strcspn(line, "\n");
        _cleanup_free_ char *l = xstrndup(line, len);
        const char *p = l + strspn(l, " \t\r");

        lineno++;
        line += len + (line[len] == '\n');
        if (len > 0 && l[len - 1] == '\r')
            l[len - 1] = '\0';
        if (*p == '\0' || *p == '#')
            continue;
        size_t key_len = strcspn(p, "=");
        if (key_len == 0)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 "%s:%zu: invalid environment variable: \"%s\"", name, lineno, p);
        if (strcspn(p, " \t") < key_len)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 "%s:%zu: variable \"%.*s\" contains whitespaces", name, lineno,
                                 (int)key_len, p);
        strv_append(out, p);
    }
    return 0;
}

int hull_ocigen_args(const struct hull_ocigen_image *img, const char *entrypoint,
                     const char *const *cmd, char ***out, hull_error **err)
{
    _cleanup_strv_ char **args = NULL;
    const char *const *image_cmd = entrypoint != NULL ? NULL : img->cmd;

    if (entrypoint != NULL) {
        if (entrypoint[0] != '\0')
            strv_append(&args, entrypoint);
    } else {
        for (size_t i = 0; img->entrypoint != NULL && img->entrypoint[i] != NULL; i++)
            strv_append(&args, img->entrypoint[i]);
    }
    if (cmd != NULL && cmd[0] != NULL)
        image_cmd = cmd;
    for (size_t i = 0; image_cmd != NULL && image_cmd[i] != NULL; i++)
        strv_append(&args, image_cmd[i]);
    if (args == NULL)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "no command specified: the image has no Entrypoint or Cmd");
    *out = take_ptr(args);
    return 0;
}

static json_t *mounts_json(void)
{
    json_t *a = json_array();
    for (size_t i = 0; i < ARRAY_SIZE(default_mounts); i++)
        json_array_append_new(
            a, json_pack("{s:s, s:s, s:s, s:o}", "destination", default_mounts[i].destination,
                         "type", default_mounts[i].type, "source", default_mounts[i].source,
                         "options", strv_json(default_mounts[i].options)));
    return a;
}

static json_t *capabilities_json(void)
{
    return json_pack("{s:o, s:o, s:o, s:[], s:[]}", "bounding", strv_json(default_caps),
                     "effective", strv_json(default_caps), "permitted", strv_json(default_caps),
                     "inheritable", "ambient");
}

static json_t *linux_json(const char *cgroups_path)
{
    json_t *ns = json_array(), *devices = json_array();

    for (size_t i = 0; namespaces[i] != NULL; i++)
        json_array_append_new(ns, json_pack("{s:s}", "type", namespaces[i]));
    for (size_t i = 0; i < ARRAY_SIZE(device_rules); i++) {
        json_t *rule = json_pack("{s:b, s:s, s:s}", "allow", device_rules[i].allow, "type",
                                 device_rules[i].type, "access", "rwm");
        if (device_rules[i].major >= 0)
            json_object_set_new(rule, "major", json_integer(device_rules[i].major));
        if (device_rules[i].minor >= 0)
            json_object_set_new(rule, "minor", json_integer(device_rules[i].minor));
        json_array_append_new(devices, rule);
    }
    return json_pack("{s:o, s:s, s:{s:o}, s:o, s:o}", "namespaces", ns, "cgroupsPath", cgroups_path,
                     "resources", "devices", devices, "maskedPaths", strv_json(masked_paths),
                     "readonlyPaths", strv_json(readonly_paths));
}

static json_t *user_json(const struct hull_exec_user *u)
{
    json_t *gids = json_array();
    for (size_t i = 0; i < u->n_sgids; i++)
        json_array_append_new(gids, json_integer(u->sgids[i]));
    /* umask 0022 explicitly: the engine's own umask must not leak in. */
    return json_pack("{s:I, s:I, s:o, s:i}", "uid", (json_int_t)u->uid, "gid", (json_int_t)u->gid,
                     "additionalGids", gids, "umask", 022);
}

/* The working directory: -w, else the image's WorkingDir (relative to
 * "/"), else "/".  It is created inside the root when missing. */
static int working_dir(const struct hull_ocigen_opts *o, const struct hull_ocigen_image *img,
                       char **out, hull_error **err)
{
    _cleanup_free_ char *joined = NULL;
    _cleanup_close_ int fd = -1;
    const char *dir = "/";

    if (o->workdir != NULL) {
        if (o->workdir[0] != '/')
            return hull_err_kind(
                err, HULL_ERR_BAD_INPUT, 0,
                "the working directory \"%s\" is invalid, it needs to be an absolute path",
                o->workdir);
        dir = o->workdir;
    } else if (img->working_dir != NULL && img->working_dir[0] != '\0') {
        dir = joined = img->working_dir[0] == '/' ? xstrdup(img->working_dir)
                                                  : xasprintf("/%s", img->working_dir);
    }
    fd = hull_mkdirs_in_root(o->rootfd, dir, 0755, err);
    if (fd < 0)
        return hull_err_wrap(err, "create the working directory \"%s\"", dir);
    *out = hull_path_clean(dir);
    return 0;
}

static int process_json(const struct hull_ocigen_opts *o, const struct hull_ocigen_image *img,
                        const char *hostname, json_t **out, hull_error **err)
{
    _cleanup_strv_ char **args = NULL, **env = NULL;
    _cleanup_free_ char *cwd = NULL;
    struct hull_exec_user user;
    const char *user_spec = o->user != NULL ? o->user : img->user;

    if (hull_ocigen_args(img, o->entrypoint, o->cmd, &args, err) < 0 ||
        hull_ocigen_env(img, o->env, o->host_env, hostname, o->tty, &env, err) < 0)
        return -1;
    if (hull_passwd_resolve(o->rootfd, user_spec, &user, err) < 0)
        return -1;
    if (env_find((const char *const *)env, "HOME", 4) < 0) {
        _cleanup_free_ char *home = xasprintf("HOME=%s", user.home);
        strv_append(&env, home);
    }
    if (working_dir(o, img, &cwd, err) < 0) {
        hull_exec_user_clear(&user);
        return -1;
    }
    *out = json_pack("{s:b, s:o, s:o, s:o, s:s, s:o, s:b, s:i}", "terminal", o->tty, "user",
                     user_json(&user), "args", strv_json((const char *const *)args), "env",
                     strv_json((const char *const *)env), "cwd", cwd, "capabilities",
                     capabilities_json(), "noNewPrivileges", 0, "oomScoreAdj", 0);
    hull_exec_user_clear(&user);
    return 0;
}

int hull_ocigen_config(const struct hull_ocigen_opts *o, const struct hull_ocigen_image *img,
                       json_t **out, hull_error **err)
{
    _cleanup_free_ char *hostname = NULL;
    json_t *process = NULL;

    if (o->hostname != NULL) {
        if (o->hostname[0] == '\0' || strlen(o->hostname) > HOSTNAME_MAX)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 "invalid hostname \"%s\": it must have 1 to %d characters",
                                 o->hostname, HOSTNAME_MAX);
        hostname = xstrdup(o->hostname);
    } else {
        hostname = xstrndup(o->id, SHORT_ID_LEN);
    }
    if (process_json(o, img, hostname, &process, err) < 0)
        return -1;
    *out = json_pack("{s:s, s:o, s:{s:s, s:b}, s:s, s:o, s:o}", "ociVersion", HULL_OCI_VERSION,
                     "process", process, "root", "path", o->rootfs, "readonly", 0, "hostname",
                     hostname, "mounts", mounts_json(), "linux", linux_json(o->cgroups_path));
    return 0;
}
