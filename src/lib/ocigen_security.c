/* The security options of `hull run`: capabilities (--cap-add, --cap-drop,
 * --privileged), --security-opt, --ulimit, and the host's devices that a
 * privileged container gets. */
#include "caps.h"
#include "log.h"
#include "ocigen.h"
#include "util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

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

/* --ulimit names, as Docker (go-units) spells them. */
static const struct {
    const char *name, *rlimit;
} ulimit_names[] = {
    {"as", "RLIMIT_AS"},
    {"core", "RLIMIT_CORE"},
    {"cpu", "RLIMIT_CPU"},
    {"data", "RLIMIT_DATA"},
    {"fsize", "RLIMIT_FSIZE"},
    {"locks", "RLIMIT_LOCKS"},
    {"memlock", "RLIMIT_MEMLOCK"},
    {"msgqueue", "RLIMIT_MSGQUEUE"},
    {"nice", "RLIMIT_NICE"},
    {"nofile", "RLIMIT_NOFILE"},
    {"nproc", "RLIMIT_NPROC"},
    {"rss", "RLIMIT_RSS"},
    {"rtprio", "RLIMIT_RTPRIO"},
    {"rttime", "RLIMIT_RTTIME"},
    {"sigpending", "RLIMIT_SIGPENDING"},
    {"stack", "RLIMIT_STACK"},
};

void hull_security_opts_clear(struct hull_security_opts *s)
{
    free(s->apparmor);
    free(s->seccomp);
    memset(s, 0, sizeof(*s));
}

static int parse_one_security_opt(const char *opt, struct hull_security_opts *out, hull_error **err)
{
    size_t klen = strcspn(opt, "=:");
    const char *value = opt[klen] != '\0' ? opt + klen + 1 : NULL;
    _cleanup_free_ char *key = xstrndup(opt, klen);

    if (strcmp(key, "no-new-privileges") == 0) {
        if (value == NULL || strcmp(value, "true") == 0)
            out->no_new_privileges = true;
        else if (strcmp(value, "false") == 0)
            out->no_new_privileges = false;
        else
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 "invalid --security-opt \"%s\": no-new-privileges takes true or "
                                 "false",
                                 opt);
        return 0;
    }
    if (value == NULL || value[0] == '\0')
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "invalid --security-opt \"%s\": expected KEY=VALUE", opt);
    if (strcmp(key, "apparmor") == 0) {
        free(out->apparmor);
        out->apparmor = xstrdup(value);
        return 0;
    }
    if (strcmp(key, "seccomp") == 0) {
        free(out->seccomp);
        out->seccomp = xstrdup(value);
        return 0;
    }
    if (strcmp(key, "label") == 0) {
        if (strcmp(value, "disable") == 0)
            return 0;
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "--security-opt \"%s\": SELinux labels are not supported", opt);
    }
    return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "invalid --security-opt \"%s\"", opt);
}

int hull_security_opts_parse(const char *const *opts, struct hull_security_opts *out,
                             hull_error **err)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; opts != NULL && opts[i] != NULL; i++) {
        if (parse_one_security_opt(opts[i], out, err) < 0) {
            hull_security_opts_clear(out);
            return -1;
        }
    }
    return 0;
}

/* "net_admin" and "CAP_NET_ADMIN" both become "CAP_NET_ADMIN"; "all" is
 * "ALL".  Unknown names are errors. */
static int normalize_cap(const char *name, const char *flag, char **out, hull_error **err)
{
    _cleanup_free_ char *upper = xstrdup(name);

    for (char *p = upper; *p != '\0'; p++)
        *p = (char)toupper((unsigned char)*p);
    if (strcmp(upper, "ALL") == 0) {
        *out = take_ptr(upper);
        return 0;
    }
    *out = str_has_prefix(upper, "CAP_") ? take_ptr(upper) : xasprintf("CAP_%s", upper);
    if (hull_cap_from_name(*out) < 0) {
        freep(out);
        *out = NULL;
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "%s: unknown capability: \"%s\"", flag,
                             name);
    }
    return 0;
}

static int normalize_caps(const char *const *names, const char *flag, char ***out, hull_error **err)
{
    for (size_t i = 0; names != NULL && names[i] != NULL; i++) {
        _cleanup_free_ char *n = NULL;
        if (normalize_cap(names[i], flag, &n, err) < 0)
            return -1;
        strv_append(out, n);
    }
    return 0;
}

static bool strv_has(char *const *v, const char *s)
{
    for (size_t i = 0; v != NULL && v[i] != NULL; i++)
        if (strcmp(v[i], s) == 0)
            return true;
    return false;
}

static void add_unique(char ***caps, const char *name)
{
    if (!strv_has(*caps, name))
        strv_append(caps, name);
}

/* Every capability the kernel has and hull itself may pass on (its own
 * bounding set: on a host that withholds some from root, a container
 * cannot be given them), by name. */
static char **all_caps(void)
{
    char **v = NULL;
    int last = hull_cap_last_supported();

    for (int cap = 0; cap <= last; cap++) {
        const char *name = hull_cap_name(cap);
        if (name != NULL && prctl(PR_CAPBSET_READ, (unsigned long)cap, 0, 0, 0) == 1)
            strv_append(&v, name);
    }
    return v;
}

int hull_ocigen_caps(const char *const *cap_add, const char *const *cap_drop, bool privileged,
                     char ***out, hull_error **err)
{
    _cleanup_strv_ char **add = NULL, **drop = NULL, **caps = NULL, **all = NULL;

    if (privileged) {
        *out = all_caps();
        return 0;
    }
    if (normalize_caps(cap_add, "--cap-add", &add, err) < 0 ||
        normalize_caps(cap_drop, "--cap-drop", &drop, err) < 0)
        return -1;
    if (strv_has(add, "ALL")) {
        all = all_caps();
        for (size_t i = 0; all[i] != NULL; i++)
            if (!strv_has(drop, all[i]))
                strv_append(&caps, all[i]);
    } else {
        if (!strv_has(drop, "ALL"))
            for (size_t i = 0; default_caps[i] != NULL; i++)
                if (!strv_has(drop, default_caps[i]))
                    strv_append(&caps, default_caps[i]);
        for (size_t i = 0; add != NULL && add[i] != NULL; i++)
            add_unique(&caps, add[i]);
    }
    if (caps == NULL)
        caps = xmalloc0(sizeof(char *));
    *out = take_ptr(caps);
    return 0;
}

/* A limit of --ulimit.  Docker's -1 (unlimited) would have to reach the
 * config as 2^64-1, which a JSON integer of this library cannot hold. */
static int ulimit_value(const char *s, const char *spec, json_int_t *out, hull_error **err)
{
    int64_t v;

    if (strcmp(s, "-1") == 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "invalid ulimit argument: %s: unlimited (-1) is not supported", spec);
    if (parse_int64(s, 0, INT64_MAX, &v) < 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "invalid ulimit argument: %s", spec);
    *out = (json_int_t)v;
    return 0;
}

int hull_ocigen_ulimit(const char *spec, json_t **out, hull_error **err)
{
    const char *eq = strchr(spec, '=');
    _cleanup_free_ char *name = NULL, *soft = NULL;
    const char *rlimit = NULL, *hard;
    json_int_t s, h;

    if (eq == NULL || eq == spec || eq[1] == '\0')
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "invalid ulimit argument: %s", spec);
    name = xstrndup(spec, (size_t)(eq - spec));
    for (size_t i = 0; i < ARRAY_SIZE(ulimit_names); i++)
        if (strcmp(name, ulimit_names[i].name) == 0)
            rlimit = ulimit_names[i].rlimit;
    if (rlimit == NULL)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "invalid ulimit type: %s", name);
    hard = strchr(eq + 1, ':');
    soft = xstrndup(eq + 1, hard != NULL ? (size_t)(hard - eq - 1) : strlen(eq + 1));
    if (ulimit_value(soft, spec, &s, err) < 0 ||
        ulimit_value(hard != NULL ? hard + 1 : soft, spec, &h, err) < 0)
        return -1;
    if (s > h)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "ulimit soft limit must be less than or equal to hard limit: %s > %s",
                             soft, hard + 1);
    *out = json_pack("{s:s, s:I, s:I}", "type", rlimit, "soft", s, "hard", h);
    return 0;
}

/* Directories of /dev whose nodes are the container's own or not
 * devices at all, and /dev/console, which belongs to the runtime. */
static bool skip_dev_entry(const char *rel)
{
    static const char *const skip[] = {"pts",   "shm",     "fd",          "mqueue", ".lxc",
                                       ".udev", "console", ".lxd-mounts", NULL};
    return strv_has((char *const *)skip, rel);
}

static void scan_dev(int dfd, const char *prefix, int depth, json_t *out)
{
    _cleanup_close_ int fd = dfd;
    DIR *d = fdopendir(fd);
    struct dirent *de;

    if (d == NULL)
        return;
    fd = -1;
    while ((de = readdir(d)) != NULL) {
        _cleanup_free_ char *path = NULL;
        struct stat st;

        if (de->d_name[0] == '.' && (de->d_name[1] == '\0' || strcmp(de->d_name, "..") == 0))
            continue;
        if (depth == 0 && skip_dev_entry(de->d_name))
            continue;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        path = xasprintf("%s/%s", prefix, de->d_name);
        if (S_ISDIR(st.st_mode) && depth < 8) {
            int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub >= 0)
                scan_dev(sub, path, depth + 1, out);
            continue;
        }
        if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
            continue;
        json_array_append_new(out, json_pack("{s:s, s:s, s:I, s:I, s:i, s:I, s:I}", "path", path,
                                             "type", S_ISCHR(st.st_mode) ? "c" : "b", "major",
                                             (json_int_t)major(st.st_rdev), "minor",
                                             (json_int_t)minor(st.st_rdev), "fileMode",
                                             (int)(st.st_mode & 0777), "uid", (json_int_t)st.st_uid,
                                             "gid", (json_int_t)st.st_gid));
    }
    closedir(d);
}

int hull_ocigen_host_devices(json_t **out, hull_error **err)
{
    int fd = open("/dev", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd < 0)
        return hull_err(err, errno, "open /dev");
    *out = json_array();
    scan_dev(fd, "/dev", 0, *out);
    return 0;
}
