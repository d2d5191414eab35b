/* The configs hull writes itself: `hullrt spec` and `hullrt features`. */
#include "specgen.h"
#include "caps.h"
#include "config.h"
#include "mountopts.h"
#include "spec.h"
#include "util.h"

#include <jansson.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>

static json_t *string_array(const char *const *items, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, json_string(items[i]));
    return arr;
}

#define STRINGS(...)                                                                               \
    string_array((const char *const[]){__VA_ARGS__},                                               \
                 sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

static json_t *mount_entry(const char *dst, const char *type, const char *src, json_t *options)
{
    json_t *m = json_object();
    json_object_set_new(m, "destination", json_string(dst));
    json_object_set_new(m, "type", json_string(type));
    json_object_set_new(m, "source", json_string(src));
    if (options != NULL)
        json_object_set_new(m, "options", options);
    return m;
}

/* The mounts of runc's default config.  In the rootless variant /sys is the
 * host's bind mounted (a user namespace cannot mount sysfs without owning a
 * network namespace) and no mount names a uid or gid (none but the
 * caller's is mapped). */
static json_t *default_mounts(bool rootless)
{
    json_t *mounts = json_array();

    json_array_append_new(mounts, mount_entry("/proc", "proc", "proc", NULL));
    json_array_append_new(mounts,
                          mount_entry("/dev", "tmpfs", "tmpfs",
                                      STRINGS("nosuid", "strictatime", "mode=755", "size=65536k")));
    json_t *pts =
        rootless
            ? STRINGS("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620")
            : STRINGS("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5");
    json_array_append_new(mounts, mount_entry("/dev/pts", "devpts", "devpts", pts));
    json_array_append_new(
        mounts, mount_entry("/dev/shm", "tmpfs", "shm",
                            STRINGS("nosuid", "noexec", "nodev", "mode=1777", "size=65536k")));
    json_array_append_new(mounts, mount_entry("/dev/mqueue", "mqueue", "mqueue",
                                              STRINGS("nosuid", "noexec", "nodev")));
    if (rootless)
        json_array_append_new(mounts,
                              mount_entry("/sys", "none", "/sys",
                                          STRINGS("rbind", "nosuid", "noexec", "nodev", "ro")));
    else
        json_array_append_new(mounts, mount_entry("/sys", "sysfs", "sysfs",
                                                  STRINGS("nosuid", "noexec", "nodev", "ro")));
    json_array_append_new(mounts,
                          mount_entry("/sys/fs/cgroup", "cgroup", "cgroup",
                                      STRINGS("nosuid", "noexec", "nodev", "relatime", "ro")));
    return mounts;
}

static json_t *default_process(void)
{
    json_t *p = json_object(), *user = json_object(), *caps = json_object();
    json_t *rlimit = json_object();

    json_object_set_new(p, "terminal", json_true());
    json_object_set_new(user, "uid", json_integer(0));
    json_object_set_new(user, "gid", json_integer(0));
    json_object_set_new(p, "user", user);
    json_object_set_new(p, "args", STRINGS("sh"));
    json_object_set_new(
        p, "env",
        STRINGS("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"));
    json_object_set_new(p, "cwd", json_string("/"));
    static const char *const sets[] = {"bounding", "effective", "permitted"};
    for (size_t i = 0; i < ARRAY_SIZE(sets); i++)
        json_object_set_new(caps, sets[i],
                            STRINGS("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"));
    json_object_set_new(p, "capabilities", caps);
    json_object_set_new(rlimit, "type", json_string("RLIMIT_NOFILE"));
    json_object_set_new(rlimit, "hard", json_integer(1024));
    json_object_set_new(rlimit, "soft", json_integer(1024));
    json_t *rlimits = json_array();
    json_array_append_new(rlimits, rlimit);
    json_object_set_new(p, "rlimits", rlimits);
    json_object_set_new(p, "noNewPrivileges", json_true());
    return p;
}

static json_t *idmap_one(unsigned int host_id)
{
    json_t *arr = json_array(), *m = json_object();
    json_object_set_new(m, "containerID", json_integer(0));
    json_object_set_new(m, "hostID", json_integer(host_id));
    json_object_set_new(m, "size", json_integer(1));
    json_array_append_new(arr, m);
    return arr;
}

static json_t *default_linux(bool rootless, unsigned int uid, unsigned int gid)
{
    json_t *l = json_object(), *ns = json_array();

    if (rootless) {
        json_object_set_new(l, "uidMappings", idmap_one(uid));
        json_object_set_new(l, "gidMappings", idmap_one(gid));
    } else {
        json_t *resources = json_object(), *rules = json_array(), *deny = json_object();
        json_object_set_new(deny, "allow", json_false());
        json_object_set_new(deny, "access", json_string("rwm"));
        json_array_append_new(rules, deny);
        json_object_set_new(resources, "devices", rules);
        json_object_set_new(l, "resources", resources);
    }
    static const char *const types[] = {"pid", "network", "ipc", "uts", "mount", "cgroup"};
    for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
        if (rootless && strcmp(types[i], "network") == 0)
            continue;
        json_t *entry = json_object();
        json_object_set_new(entry, "type", json_string(types[i]));
        json_array_append_new(ns, entry);
    }
    if (rootless) {
        json_t *entry = json_object();
        json_object_set_new(entry, "type", json_string("user"));
        json_array_append_new(ns, entry);
    }
    json_object_set_new(l, "namespaces", ns);
    json_object_set_new(l, "maskedPaths",
                        STRINGS("/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
                                "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                                "/proc/sched_debug", "/sys/firmware", "/proc/scsi",
                                "/sys/devices/virtual/tpm"));
    json_object_set_new(
        l, "readonlyPaths",
        STRINGS("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"));
    return l;
}

static char *dump(json_t *doc)
{
    char *text = json_dumps(doc, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
    json_decref(doc);
    if (text == NULL)
        abort();
    char *out = xasprintf("%s\n", text);
    free(text);
    return out;
}

char *hull_spec_default_json(bool rootless, unsigned int uid, unsigned int gid)
{
    json_t *doc = json_object(), *root = json_object();

    json_object_set_new(doc, "ociVersion", json_string(HULL_OCI_VERSION));
    json_object_set_new(doc, "process", default_process());
    json_object_set_new(root, "path", json_string("rootfs"));
    json_object_set_new(root, "readonly", json_true());
    json_object_set_new(doc, "root", root);
    json_object_set_new(doc, "hostname", json_string("hull"));
    json_object_set_new(doc, "mounts", default_mounts(rootless));
    json_object_set_new(doc, "linux", default_linux(rootless, uid, gid));
    return dump(doc);
}

/* Actions by the libseccomp API level that makes them usable. */
static json_t *seccomp_actions(void)
{
    static const struct {
        const char *name;
        unsigned int api;
    } actions[] = {
        {"SCMP_ACT_KILL", 1},  {"SCMP_ACT_KILL_THREAD", 1}, {"SCMP_ACT_KILL_PROCESS", 3},
        {"SCMP_ACT_TRAP", 1},  {"SCMP_ACT_ERRNO", 1},       {"SCMP_ACT_TRACE", 1},
        {"SCMP_ACT_ALLOW", 1}, {"SCMP_ACT_LOG", 3},         {"SCMP_ACT_NOTIFY", 5},
    };
    unsigned int api = (unsigned int)seccomp_api_get();
    json_t *arr = json_array();

    for (size_t i = 0; i < ARRAY_SIZE(actions); i++)
        if (api >= actions[i].api)
            json_array_append_new(arr, json_string(actions[i].name));
    return arr;
}

static json_t *seccomp_archs(void)
{
    static const char *const archs[] = {
        "x86",       "x86_64", "x32",      "arm",         "aarch64", "mips",  "mips64",
        "mips64n32", "mipsel", "mipsel64", "mipsel64n32", "ppc",     "ppc64", "ppc64le",
        "s390",      "s390x",  "parisc",   "parisc64",    "riscv64",
    };
    json_t *arr = json_array();

    for (size_t i = 0; i < ARRAY_SIZE(archs); i++) {
        if (seccomp_arch_resolve_name(archs[i]) == 0)
            continue;
        char name[32];
        size_t n = (size_t)snprintf(name, sizeof(name), "SCMP_ARCH_%s", archs[i]);
        for (size_t k = 10; k < n; k++)
            name[k] = (char)(name[k] >= 'a' && name[k] <= 'z' ? name[k] - 'a' + 'A' : name[k]);
        json_array_append_new(arr, json_string(name));
    }
    return arr;
}

static json_t *features_seccomp(void)
{
    json_t *sc = json_object();

    json_object_set_new(sc, "enabled", json_true());
    json_object_set_new(sc, "actions", seccomp_actions());
    json_object_set_new(sc, "operators",
                        STRINGS("SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ",
                                "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"));
    json_object_set_new(sc, "archs", seccomp_archs());
    return sc;
}

static json_t *enabled(bool on)
{
    json_t *o = json_object();
    json_object_set_new(o, "enabled", json_boolean(on));
    return o;
}

static json_t *features_linux(void)
{
    json_t *l = json_object(), *caps = json_array(), *cg = json_object();

    json_object_set_new(l, "namespaces",
                        STRINGS("cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"));
    for (int cap = 0; cap <= hull_cap_last_known(); cap++)
        json_array_append_new(caps, json_string(hull_cap_name(cap)));
    json_object_set_new(l, "capabilities", caps);
    json_object_set_new(cg, "v1", json_true());
    json_object_set_new(cg, "v2", json_true());
    json_object_set_new(cg, "systemd", json_false());
    json_object_set_new(cg, "systemdUser", json_false());
    json_object_set_new(cg, "rdma", json_false());
    json_object_set_new(l, "cgroup", cg);
    json_object_set_new(l, "seccomp", features_seccomp());
    json_object_set_new(l, "apparmor", enabled(false));
    json_object_set_new(l, "selinux", enabled(false));
    json_object_set_new(l, "intelRdt", enabled(false));
    return l;
}

char *hull_features_json(void)
{
    json_t *doc = json_object(), *opts = json_array(), *annotations = json_object();
    const char *const *names = hull_mount_opt_names();
    const struct scmp_version *v = seccomp_version();

    json_object_set_new(doc, "ociVersionMin", json_string("1.0.0"));
    json_object_set_new(doc, "ociVersionMax", json_string(HULL_OCI_VERSION));
    json_object_set_new(doc, "hooks",
                        STRINGS("prestart", "createRuntime", "createContainer", "startContainer",
                                "poststart", "poststop"));
    for (size_t i = 0; names != NULL && names[i] != NULL; i++)
        json_array_append_new(opts, json_string(names[i]));
    json_object_set_new(doc, "mountOptions", opts);
    json_object_set_new(doc, "linux", features_linux());
    json_object_set_new(annotations, "io.github.hull.version", json_string(HULL_VERSION));
    char libseccomp[48];
    snprintf(libseccomp, sizeof(libseccomp), "%u.%u.%u", v->major, v->minor, v->micro);
    json_object_set_new(annotations, "io.github.hull.libseccomp.version", json_string(libseccomp));
    json_object_set_new(doc, "annotations", annotations);
    return dump(doc);
}
