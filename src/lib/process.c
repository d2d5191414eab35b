#include "process.h"
#include "cpulist.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/ioprio.h>
#include <linux/magic.h>
#include <linux/sched.h>
#include <sched.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* Highest CPU number a list may name; bounds the mask allocation. */
#define CPU_LIST_MAX 65535

/* The kernel's struct sched_attr up to the utilization clamps.  glibc has
 * no sched_setattr() wrapper, and <linux/sched/types.h> clashes with
 * <sched.h> over struct sched_param. */
struct kernel_sched_attr {
    uint32_t size;
    uint32_t sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime;
    uint64_t sched_deadline;
    uint64_t sched_period;
    uint32_t sched_util_min;
    uint32_t sched_util_max;
};

static const struct {
    const char *name;
    uint64_t flag;
} sched_flags[] = {
    {"SCHED_FLAG_RESET_ON_FORK", SCHED_FLAG_RESET_ON_FORK},
    {"SCHED_FLAG_RECLAIM", SCHED_FLAG_RECLAIM},
    {"SCHED_FLAG_DL_OVERRUN", SCHED_FLAG_DL_OVERRUN},
    {"SCHED_FLAG_KEEP_POLICY", SCHED_FLAG_KEEP_POLICY},
    {"SCHED_FLAG_KEEP_PARAMS", SCHED_FLAG_KEEP_PARAMS},
    {"SCHED_FLAG_UTIL_CLAMP_MIN", SCHED_FLAG_UTIL_CLAMP_MIN},
    {"SCHED_FLAG_UTIL_CLAMP_MAX", SCHED_FLAG_UTIL_CLAMP_MAX},
};

/* The value of KEY in a KEY=VALUE list.  The last entry wins, as when the
 * entries are applied one after another with setenv (runc does). */
static const char *env_lookup(char *const *env, const char *key)
{
    const char *found = NULL;
    size_t n = strlen(key);

    for (size_t i = 0; env != NULL && env[i] != NULL; i++)
        if (strncmp(env[i], key, n) == 0 && env[i][n] == '=')
            found = env[i] + n + 1;
    return found;
}

/* strerror() as Go prints it (lower-case first letter).  Engines decide
 * between exit codes 126 and 127 by matching runc's Go wording, e.g.
 * "no such file or directory", so the text must be exactly that. */
static void go_errno_text(int errnum, char *buf, size_t len)
{
    snprintf(buf, len, "%s", strerror(errnum));
    buf[0] = (char)tolower((unsigned char)buf[0]);
}

/* An exec error with a fixed wording: the message must not get hull_err's
 * capitalised ": strerror" suffix, but errnum is still recorded. */
static int exec_error(hull_error **err, enum hull_err_kind kind, int errnum, const char *msg)
{
    hull_err_kind(err, kind, 0, "%s", msg);
    if (err != NULL && *err != NULL)
        (*err)->errnum = errnum;
    return -1;
}

static enum hull_err_kind exec_errno_kind(int errnum)
{
    switch (errnum) {
    case EACCES:
    case EPERM:
    case ENOEXEC:
    case EISDIR:
        return HULL_ERR_EXEC_DENIED;
    case ENOENT:
    case ENOTDIR:
    case ELOOP:
    case ENAMETOOLONG:
        return HULL_ERR_EXEC_NOT_FOUND;
    default:
        return HULL_ERR_GENERIC;
    }
}

/* 0 when PATH is a regular file the effective ids may execute, else the
 * errno that explains why not (EACCES for a directory or a file without an
 * exec bit for us, the stat error when it does not exist). */
static int probe_executable(const char *path)
{
    struct stat st;

    if (stat(path, &st) < 0)
        return errno;
    if (!S_ISREG(st.st_mode))
        return EACCES;
    if (faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) < 0)
        return errno;
    return 0;
}

static int find_direct(const char *name, char **out, hull_error **err)
{
    _cleanup_free_ char *msg = NULL;
    char text[128];
    int r = probe_executable(name);

    if (r == 0) {
        *out = xstrdup(name);
        return 0;
    }
    if (r == EACCES || r == EPERM) {
        msg = xasprintf("exec: \"%s\": permission denied", name);
        return exec_error(err, HULL_ERR_EXEC_DENIED, r, msg);
    }
    go_errno_text(r, text, sizeof(text));
    msg = xasprintf("exec: \"%s\": stat %s: %s", name, name, text);
    return exec_error(err, HULL_ERR_EXEC_NOT_FOUND, r, msg);
}

/* execvp(3)'s search: an empty PATH element is the working directory, and
 * a candidate that exists but cannot be executed makes the final answer
 * "permission denied" when nothing later in PATH fits. */
static int search_path(const char *name, const char *path, char **out, hull_error **err)
{
    _cleanup_free_ char *copy = xstrdup(path != NULL ? path : DEFAULT_PATH);
    _cleanup_free_ char *msg = NULL;
    char *cursor = copy, *dir;
    bool denied = false;

    while ((dir = strsep(&cursor, ":")) != NULL) {
        _cleanup_free_ char *candidate = xasprintf("%s/%s", *dir != '\0' ? dir : ".", name);
        int r = probe_executable(candidate);
        if (r == 0) {
            *out = take_ptr(candidate);
            return 0;
        }
        if (r == EACCES || r == EPERM)
            denied = true;
    }
    if (denied) {
        msg = xasprintf("exec: \"%s\": permission denied", name);
        return exec_error(err, HULL_ERR_EXEC_DENIED, EACCES, msg);
    }
    msg = xasprintf("exec: \"%s\": executable file not found in $PATH", name);
    return exec_error(err, HULL_ERR_EXEC_NOT_FOUND, ENOENT, msg);
}

int hull_process_find_executable(const struct hull_process *p, char **out, hull_error **err)
{
    const char *name = p->args != NULL ? p->args[0] : NULL;

    if (name == NULL || *name == '\0')
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "process.args: no command given");
    if (strchr(name, '/') != NULL)
        return find_direct(name, out, err);
    return search_path(name, env_lookup(p->env, "PATH"), out, err);
}

static const char *rlim_text(rlim_t v, char buf[24])
{
    if (v == RLIM_INFINITY)
        return "unlimited";
    snprintf(buf, 24, "%llu", (unsigned long long)v);
    return buf;
}

int hull_process_set_rlimits(const struct hull_process *p, hull_error **err)
{
    for (size_t i = 0; i < p->n_rlimits; i++) {
        const struct hull_rlimit *r = &p->rlimits[i];
        __rlimit_resource_t res = (__rlimit_resource_t)r->resource;
        struct rlimit cur, want = {.rlim_cur = r->soft, .rlim_max = r->hard};
        char soft[24], hard[24], old[24];

        if (prlimit(0, res, NULL, &cur) < 0)
            return hull_err(err, errno, "process.rlimits[%zu]: get %s", i, r->type);
        if (prlimit(0, res, &want, NULL) == 0)
            continue;
        int e = errno;
        if (e == EPERM && want.rlim_max > cur.rlim_max)
            return hull_err(
                err, e,
                "process.rlimits[%zu]: set %s to soft %s, hard %s: raising the hard limit above the current %s needs CAP_SYS_RESOURCE",
                i, r->type, rlim_text(want.rlim_cur, soft), rlim_text(want.rlim_max, hard),
                rlim_text(cur.rlim_max, old));
        return hull_err(err, e, "process.rlimits[%zu]: set %s to soft %s, hard %s", i, r->type,
                        rlim_text(want.rlim_cur, soft), rlim_text(want.rlim_max, hard));
    }
    return 0;
}

/* Opens a file of /proc/self and makes sure it is on procfs before anything
 * is written to it: /proc in the container comes from the container's
 * config and image, and a file bind-mounted over it would swallow a
 * security setting silently (CVE-2019-16884 disabled AppArmor that way). */
static int open_proc_self(const char *path, int flags, hull_error **err)
{
    _cleanup_close_ int fd = open(path, flags | O_CLOEXEC | O_NOFOLLOW);
    struct statfs sfs;

    if (fd < 0)
        return hull_err(err, errno, "open %s", path);
    if (fstatfs(fd, &sfs) < 0)
        return hull_err(err, errno, "statfs %s", path);
    if (sfs.f_type != PROC_SUPER_MAGIC)
        return hull_err(err, 0, "%s is not on procfs (filesystem magic 0x%lx)", path,
                        (unsigned long)sfs.f_type);
    return take_fd(fd);
}

static int write_proc_self(const char *path, const char *text, hull_error **err)
{
    _cleanup_close_ int fd = open_proc_self(path, O_WRONLY, err);

    if (fd < 0)
        return -1;
    if (write_all(fd, text, strlen(text)) < 0)
        return hull_err(err, errno, "write \"%s\" to %s", text, path);
    return 0;
}

int hull_process_set_oom_score_adj(const struct hull_process *p, hull_error **err)
{
    char text[16];

    if (!p->has_oom_score_adj)
        return 0;
    snprintf(text, sizeof(text), "%d", p->oom_score_adj);
    if (write_proc_self("/proc/self/oom_score_adj", text, err) < 0)
        return hull_err_wrap(err, "process.oomScoreAdj");
    return 0;
}

/* A user namespace whose gid map was written after "deny" went to
 * /proc/self/setgroups (the unprivileged way) refuses setgroups(2). */
static bool setgroups_denied(void)
{
    _cleanup_free_ char *text = NULL;

    if (read_file_at(AT_FDCWD, "/proc/self/setgroups", 64, &text, NULL, NULL) < 0)
        return false;
    return str_has_prefix(text, "deny");
}

/* Always sets the groups, even to an empty list: groups inherited from the
 * runtime would otherwise stay with the container process and grant it
 * access the config never gave (CVE-2023-25173). */
static int set_groups(const struct hull_user *u, hull_error **err)
{
    size_t n = u->n_additional_gids;
    _cleanup_free_ gid_t *gids = xmalloc0((n != 0 ? n : 1) * sizeof(gid_t));

    for (size_t i = 0; i < n; i++)
        gids[i] = u->additional_gids[i];
    if (setgroups(n, gids) == 0)
        return 0;
    int e = errno;
    if (e == EPERM && setgroups_denied()) {
        /* Nothing can be changed here, and what stays is the invoking
         * user's own groups, which give the container nothing new. */
        if (n == 0)
            return 0;
        return hull_err(
            err, e,
            "process.user.additionalGids: setgroups is denied in this user namespace (/proc/self/setgroups is \"deny\")");
    }
    return hull_err(err, e, "setgroups to process.user.additionalGids (%zu groups)", n);
}

int hull_process_set_ids(const struct hull_process *p, hull_error **err)
{
    uid_t uid = p->user.uid;
    gid_t gid = p->user.gid;

    if (set_groups(&p->user, err) < 0)
        return -1;
    /* EINVAL: the id has no mapping in the container's user namespace. */
    if (setresgid(gid, gid, gid) < 0 && errno == EINVAL)
        return hull_err(err, 0, "process.user.gid %u is not mapped in the user namespace", gid);
    if (getgid() != gid)
        return hull_err(err, errno, "setresgid to process.user.gid %u", gid);
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
        return hull_err(err, errno, "prctl(PR_SET_KEEPCAPS, 1)");
    if (setresuid(uid, uid, uid) < 0 && errno == EINVAL)
        return hull_err(err, 0, "process.user.uid %u is not mapped in the user namespace", uid);
    if (getuid() != uid)
        return hull_err(err, errno, "setresuid to process.user.uid %u", uid);
    if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
        return hull_err(err, errno, "prctl(PR_SET_KEEPCAPS, 0)");
    return 0;
}

static int set_scheduler(const struct hull_sched *s, hull_error **err)
{
    struct kernel_sched_attr attr = {
        .size = sizeof(attr),
        .sched_policy = (uint32_t)s->policy_value,
        .sched_nice = s->nice,
        .sched_priority = (uint32_t)s->priority,
        .sched_runtime = s->runtime,
        .sched_deadline = s->deadline,
        .sched_period = s->period,
    };

    for (size_t i = 0; s->flags != NULL && s->flags[i] != NULL; i++) {
        size_t j;
        for (j = 0; j < ARRAY_SIZE(sched_flags); j++)
            if (strcmp(s->flags[i], sched_flags[j].name) == 0)
                break;
        if (j == ARRAY_SIZE(sched_flags))
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 "process.scheduler.flags[%zu]: unknown flag \"%s\"", i,
                                 s->flags[i]);
        attr.sched_flags |= sched_flags[j].flag;
    }
    if (syscall(SYS_sched_setattr, 0, &attr, 0) < 0)
        return hull_err(err, errno, "process.scheduler: sched_setattr policy %s, priority %d",
                        s->policy != NULL ? s->policy : "?", s->priority);
    return 0;
}

static int set_ioprio(const struct hull_ioprio *io, hull_error **err)
{
    if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0,
                IOPRIO_PRIO_VALUE(io->class_value, io->priority)) < 0)
        return hull_err(err, errno, "process.ioPriority: ioprio_set class %d, priority %d",
                        io->class_value, io->priority);
    return 0;
}

static bool apparmor_enabled(void)
{
    _cleanup_free_ char *text = NULL;

    if (read_file_at(AT_FDCWD, "/sys/module/apparmor/parameters/enabled", 16, &text, NULL, NULL) <
        0)
        return false;
    return text[0] == 'Y';
}

/* The AppArmor profile takes effect at the coming execve ("exec" rather
 * than "changeprofile"), so the runtime's own remaining steps are not
 * confined by it. */
static int set_security_labels(const struct hull_process *p, hull_error **err)
{
    if (p->selinux_label != NULL && *p->selinux_label != '\0')
        return hull_err_kind(
            err, HULL_ERR_BAD_INPUT, 0,
            "process.selinuxLabel \"%s\": not supported: SELinux labels are not supported by hull",
            p->selinux_label);
    if (p->apparmor_profile == NULL || *p->apparmor_profile == '\0')
        return 0;
    if (!apparmor_enabled())
        return hull_err_kind(
            err, HULL_ERR_BAD_INPUT, 0,
            "process.apparmorProfile \"%s\": not supported: AppArmor is not enabled on this host",
            p->apparmor_profile);
    _cleanup_free_ char *cmd = xasprintf("exec %s", p->apparmor_profile);
    if (write_proc_self("/proc/self/attr/apparmor/exec", cmd, err) < 0)
        return hull_err_wrap(err, "process.apparmorProfile \"%s\"", p->apparmor_profile);
    return 0;
}

int hull_process_set_attrs(const struct hull_process *p, const struct hull_spec *spec,
                           hull_error **err)
{
    umask(p->user.has_umask ? (mode_t)(p->user.umask & 0777) : 0022);
    if (spec != NULL && spec->linux_.has_personality &&
        personality(spec->linux_.personality_domain) < 0)
        return hull_err(err, errno, "linux.personality: personality(0x%lx)",
                        spec->linux_.personality_domain);
    if (p->scheduler.present && set_scheduler(&p->scheduler, err) < 0)
        return -1;
    if (p->io_priority.present && set_ioprio(&p->io_priority, err) < 0)
        return -1;
    if (p->exec_cpu_affinity_initial != NULL &&
        hull_cpu_affinity_apply(0, p->exec_cpu_affinity_initial, "process.execCPUAffinity.initial",
                                err) < 0)
        return -1;
    return set_security_labels(p, err);
}

int hull_process_chdir(const struct hull_process *p, hull_error **err)
{
    if (p->cwd == NULL)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "process.cwd is not set");
    if (p->cwd[0] != '/')
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "process.cwd \"%s\" is not absolute",
                             p->cwd);
    if (chdir(p->cwd) < 0)
        return hull_err(err, errno, "chdir to process.cwd \"%s\"", p->cwd);
    return 0;
}

int hull_process_set_no_new_privs(const struct hull_process *p, hull_error **err)
{
    if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return hull_err(err, errno, "process.noNewPrivileges: prctl(PR_SET_NO_NEW_PRIVS)");
    return 0;
}

int hull_process_exec(const struct hull_process *p, const char *path, hull_error **err)
{
    static char *const empty_env[] = {NULL};
    _cleanup_free_ char *msg = NULL;
    char text[128];

    execve(path, p->args, p->env != NULL ? p->env : empty_env);
    int e = errno;
    go_errno_text(e, text, sizeof(text));
    msg = xasprintf("exec: \"%s\": %s", path, text);
    return exec_error(err, exec_errno_kind(e), e, msg);
}

/* Parses one "N" or "N-M" element of a CPU list at *S, leaving *S on the
 * character after it.  Returns -1 on anything else. */
static int parse_cpu_range(const char **s, unsigned long *lo, unsigned long *hi)
{
    char *end;

    if (!isdigit((unsigned char)**s))
        return -1;
    errno = 0;
    *lo = strtoul(*s, &end, 10);
    if (errno != 0)
        return -1;
    *hi = *lo;
    if (*end == '-') {
        if (!isdigit((unsigned char)end[1]))
            return -1;
        *hi = strtoul(end + 1, &end, 10);
        if (errno != 0 || *hi < *lo)
            return -1;
    }
    if (*end != ',' && *end != '\0')
        return -1;
    *s = end;
    return 0;
}

int hull_cpu_list_parse(const char *list, const char *field, cpu_set_t **set, size_t *setsize,
                        hull_error **err)
{
    unsigned long lo, hi, max = 0;
    const char *s = list;

    /* First pass: validate and find the highest CPU to size the mask. */
    for (;;) {
        if (parse_cpu_range(&s, &lo, &hi) < 0)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "%s: invalid CPU list \"%s\"", field,
                                 list);
        if (hi > CPU_LIST_MAX)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 "%s: CPU %lu in \"%s\" is above the limit of %d", field, hi, list,
                                 CPU_LIST_MAX);
        if (hi > max)
            max = hi;
        if (*s == '\0')
            break;
        s++;
    }

    cpu_set_t *mask = CPU_ALLOC(max + 1);
    size_t size = CPU_ALLOC_SIZE(max + 1);
    if (mask == NULL)
        abort();
    CPU_ZERO_S(size, mask);
    for (s = list;; s++) {
        parse_cpu_range(&s, &lo, &hi);
        for (unsigned long cpu = lo; cpu <= hi; cpu++)
            CPU_SET_S(cpu, size, mask);
        if (*s == '\0')
            break;
    }
    *set = mask;
    *setsize = size;
    return 0;
}

int hull_cpu_affinity_apply(pid_t pid, const char *list, const char *field, hull_error **err)
{
    cpu_set_t *mask = NULL;
    size_t size;

    if (hull_cpu_list_parse(list, field, &mask, &size, err) < 0)
        return -1;
    int r = sched_setaffinity(pid, size, mask);
    int e = errno;
    CPU_FREE(mask);
    if (r < 0)
        return hull_err(err, e, "%s: set CPU affinity to \"%s\"", field, list);
    return 0;
}
