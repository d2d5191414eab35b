/* config.json for an engine container: Docker's defaults plus the image's
 * config plus the run options. */
#include "ocigen.h"
#include "image.h"
#include "passwd.h"
#include "paths.h"
#include "seccomp_docker.h"
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
    const char *access;
} device_rules[] = {
    {false, "a", -1, -1, "rwm"}, {true, "c", -1, -1, "m"}, {true, "b", -1, -1, "m"},
    {true, "c", 1, 3, "rwm"},    {true, "c", 1, 5, "rwm"}, {true, "c", 1, 7, "rwm"},
    {true, "c", 1, 8, "rwm"},    {true, "c", 1, 9, "rwm"}, {true, "c", 5, 0, "rwm"},
    {true, "c", 5, 1, "rwm"},    {true, "c", 5, 2, "rwm"}, {true, "c", 136, -1, "rwm"},
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

/* True when one of the user's mounts covers DEST (the same path). */
static bool mount_replaced(const json_t *user, const char *dest)
{
    size_t i;
    json_t *m;

    json_array_foreach (user, i, m) {
        const char *d = json_string_value(json_object_get(m, "destination"));
        if (d != NULL && strcmp(d, dest) == 0)
            return true;
    }
    return false;
}

/* Docker's default mounts, minus those the user's replace, then the
 * user's.  A privileged container gets /sys and its cgroups writable. */
static json_t *mounts_json(const struct hull_ocigen_opts *o)
{
    json_t *a = json_array();
    size_t i;
    json_t *m;

    for (i = 0; i < ARRAY_SIZE(default_mounts); i++) {
        json_t *opts;
        if (o->mounts != NULL && mount_replaced(o->mounts, default_mounts[i].destination))
            continue;
        opts = strv_json(default_mounts[i].options);
        if (o->privileged && (strcmp(default_mounts[i].type, "sysfs") == 0 ||
                              strcmp(default_mounts[i].type, "cgroup") == 0)) {
            json_decref(opts);
            opts = json_pack("[s, s, s, s]", "rw", "nosuid", "noexec", "nodev");
        }
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:o}", "destination",
                                           default_mounts[i].destination, "type",
                                           default_mounts[i].type, "source",
                                           default_mounts[i].source, "options", opts));
    }
    if (o->mounts != NULL)
        json_array_foreach (o->mounts, i, m)
            json_array_append(a, m);
    return a;
}

static json_t *capabilities_json(char *const *caps)
{
    const char *const *c = (const char *const *)caps;
    return json_pack("{s:o, s:o, s:o, s:[], s:[]}", "bounding", strv_json(c), "effective",
                     strv_json(c), "permitted", strv_json(c), "inheritable", "ambient");
}

static json_t *device_rules_json(bool privileged)
{
    json_t *devices = json_array();

    if (privileged) {
        json_array_append_new(devices, json_pack("{s:b, s:s}", "allow", 1, "access", "rwm"));
        return devices;
    }
    for (size_t i = 0; i < ARRAY_SIZE(device_rules); i++) {
        json_t *rule = json_pack("{s:b, s:s, s:s}", "allow", device_rules[i].allow, "type",
                                 device_rules[i].type, "access", device_rules[i].access);
        if (device_rules[i].major >= 0)
            json_object_set_new(rule, "major", json_integer(device_rules[i].major));
        if (device_rules[i].minor >= 0)
            json_object_set_new(rule, "minor", json_integer(device_rules[i].minor));
        json_array_append_new(devices, rule);
    }
    return devices;
}

/* A privileged container sees every path and every host device. */
static int linux_json(const struct hull_ocigen_opts *o, json_t **out, hull_error **err)
{
    json_t *ns = json_array(), *l;

    for (size_t i = 0; namespaces[i] != NULL; i++)
        json_array_append_new(ns, json_pack("{s:s}", "type", namespaces[i]));
    l = json_pack("{s:o, s:s, s:{s:o}}", "namespaces", ns, "cgroupsPath", o->cgroups_path,
                  "resources", "devices", device_rules_json(o->privileged));
    if (o->privileged) {
        json_t *devices = NULL;
        if (hull_ocigen_host_devices(&devices, err) < 0) {
            json_decref(l);
            return hull_err_wrap(err, "--privileged");
        }
        json_object_set_new(l, "devices", devices);
    } else {
        json_object_set_new(l, "maskedPaths", strv_json(masked_paths));
        json_object_set_new(l, "readonlyPaths", strv_json(readonly_paths));
    }
    *out = l;
    return 0;
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

/* --security-opt seccomp: hull's default profile, or seccomp=FILE (Docker's
 * format), resolved for the container's capabilities; no filter for
 * --privileged and "unconfined", as in Docker. */
static int seccomp_json(const struct hull_ocigen_opts *o, const struct hull_security_opts *sec,
                        json_t *linux_obj, hull_error **err)
{
    _cleanup_strv_ char **caps = NULL;
    json_t *sc = NULL;

    if (o->privileged || (sec->seccomp != NULL && strcmp(sec->seccomp, "unconfined") == 0))
        return 0;
    if (hull_ocigen_caps(o->cap_add, o->cap_drop, false, &caps, err) < 0 ||
        hull_seccomp_container_profile(sec->seccomp, caps, &sc, err) < 0)
        return -1;
    json_object_set_new(linux_obj, "seccomp", sc);
    return 0;
}

/* Capabilities, no_new_privs, the AppArmor profile and rlimits. */
static int security_json(const struct hull_ocigen_opts *o, const struct hull_security_opts *sec,
                         json_t *process, hull_error **err)
{
    _cleanup_strv_ char **caps = NULL;
    json_t *rlimits = json_array();

    if (hull_ocigen_caps(o->cap_add, o->cap_drop, o->privileged, &caps, err) < 0) {
        json_decref(rlimits);
        return -1;
    }
    json_object_set_new(process, "capabilities", capabilities_json(caps));
    json_object_set_new(process, "noNewPrivileges", json_boolean(sec->no_new_privileges));
    if (sec->apparmor != NULL && strcmp(sec->apparmor, "unconfined") != 0 && !o->privileged)
        json_object_set_new(process, "apparmorProfile", json_string(sec->apparmor));
    for (size_t i = 0; o->ulimits != NULL && o->ulimits[i] != NULL; i++) {
        json_t *r = NULL;
        if (hull_ocigen_ulimit(o->ulimits[i], &r, err) < 0) {
            json_decref(rlimits);
            return hull_err_wrap(err, "--ulimit");
        }
        json_array_append_new(rlimits, r);
    }
    if (json_array_size(rlimits) > 0)
        json_object_set_new(process, "rlimits", rlimits);
    else
        json_decref(rlimits);
    return 0;
}

static int process_json(const struct hull_ocigen_opts *o, const struct hull_ocigen_image *img,
                        const struct hull_security_opts *sec, const char *hostname, json_t **out,
                        hull_error **err)
{
    _cleanup_strv_ char **args = NULL, **env = NULL;
    _cleanup_free_ char *cwd = NULL;
    struct hull_exec_user user;
    const char *user_spec = o->user != NULL ? o->user : img->user;
    json_t *p;

    if (hull_ocigen_args(img, o->entrypoint, o->cmd, &args, err) < 0 ||
        hull_ocigen_env(img, o->env, o->host_env, hostname, o->tty, &env, err) < 0)
        return -1;
    if (hull_passwd_resolve(o->rootfd, user_spec, &user, err) < 0)
        return -1;
    if (hull_passwd_add_groups(o->rootfd, o->group_add, &user, err) < 0) {
        hull_exec_user_clear(&user);
        return hull_err_wrap(err, "--group-add");
    }
    if (env_find((const char *const *)env, "HOME", 4) < 0) {
        _cleanup_free_ char *home = xasprintf("HOME=%s", user.home);
        strv_append(&env, home);
    }
    if (working_dir(o, img, &cwd, err) < 0) {
        hull_exec_user_clear(&user);
        return -1;
    }
    p = json_pack("{s:b, s:o, s:o, s:o, s:s, s:i}", "terminal", o->tty, "user", user_json(&user),
                  "args", strv_json((const char *const *)args), "env",
                  strv_json((const char *const *)env), "cwd", cwd, "oomScoreAdj", 0);
    hull_exec_user_clear(&user);
    if (security_json(o, sec, p, err) < 0) {
        json_decref(p);
        return -1;
    }
    *out = p;
    return 0;
}

static int check_hostname(const struct hull_ocigen_opts *o, char **out, hull_error **err)
{
    if (o->hostname == NULL) {
        *out = xstrndup(o->id, SHORT_ID_LEN);
        return 0;
    }
    if (o->hostname[0] == '\0' || strlen(o->hostname) > HOSTNAME_MAX)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "invalid hostname \"%s\": it must have 1 to %d characters",
                             o->hostname, HOSTNAME_MAX);
    *out = xstrdup(o->hostname);
    return 0;
}

int hull_ocigen_config(const struct hull_ocigen_opts *o, const struct hull_ocigen_image *img,
                       json_t **out, hull_error **err)
{
    _cleanup_free_ char *hostname = NULL;
    struct hull_security_opts sec;
    json_t *process = NULL, *linux_obj = NULL;
    int ret = -1;

    if (check_hostname(o, &hostname, err) < 0 ||
        hull_security_opts_parse(o->security_opt, &sec, err) < 0)
        return -1;
    if (process_json(o, img, &sec, hostname, &process, err) < 0 ||
        linux_json(o, &linux_obj, err) < 0 || seccomp_json(o, &sec, linux_obj, err) < 0)
        goto out;
    *out = json_pack("{s:s, s:O, s:{s:s, s:b}, s:s, s:o, s:O}", "ociVersion", HULL_OCI_VERSION,
                     "process", process, "root", "path", o->rootfs, "readonly", o->read_only,
                     "hostname", hostname, "mounts", mounts_json(o), "linux", linux_obj);
    ret = 0;
out:
    json_decref(process);
    json_decref(linux_obj);
    hull_security_opts_clear(&sec);
    return ret;
}
