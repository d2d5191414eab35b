/* Id maps and cgroups for a runtime without root on the host. */
#include "rootless.h"
#include "idmap.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pwd.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

bool hull_rootless(void)
{
    _cleanup_free_ char *map = NULL;

    if (geteuid() != 0)
        return true;
    /* The initial namespace maps all 2^32 ids: "0 0 4294967295". */
    if (read_file_at(AT_FDCWD, "/proc/self/uid_map", 4096, &map, NULL, NULL) < 0)
        return false;
    unsigned int inside, outside, count;
    return sscanf(map, "%u %u %u", &inside, &outside, &count) != 3 || count != UINT32_MAX;
}

/* Only the caller's own id, once: what the kernel lets it write. */
static bool only_own_id(const struct hull_idmap *maps, size_t n, uint32_t own)
{
    return n == 1 && maps[0].size == 1 && maps[0].host_id == own;
}

/* Reads what HELPER said on standard error into a message. */
static char *helper_output(int fd)
{
    char buf[1024];
    ssize_t n = read_all(fd, buf, sizeof(buf) - 1);
    buf[n > 0 ? n : 0] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    return xstrdup(buf);
}

/* Runs "HELPER PID ID HOSTID SIZE ..." (newuidmap or newgidmap). */
static int run_map_helper(const char *helper, pid_t pid, const struct hull_idmap *maps, size_t n,
                          hull_error **err)
{
    _cleanup_strv_ char **argv = NULL;
    _cleanup_free_ char *said = NULL;
    int pipefd[2], status;
    pid_t child;

    strv_append(&argv, helper);
    _cleanup_free_ char *p = xasprintf("%d", (int)pid);
    strv_append(&argv, p);
    for (size_t i = 0; i < n; i++) {
        char num[3][16];
        snprintf(num[0], sizeof(num[0]), "%" PRIu32, maps[i].container_id);
        snprintf(num[1], sizeof(num[1]), "%" PRIu32, maps[i].host_id);
        snprintf(num[2], sizeof(num[2]), "%" PRIu32, maps[i].size);
        for (int k = 0; k < 3; k++)
            strv_append(&argv, num[k]);
    }
    if (pipe2(pipefd, O_CLOEXEC) < 0)
        return hull_err(err, errno, "pipe");
    child = fork();
    if (child < 0) {
        close(pipefd[0]);
        close(pipefd[1]);
        return hull_err(err, errno, "fork %s", helper);
    }
    if (child == 0) {
        dup2(pipefd[1], STDERR_FILENO);
        execvp(helper, argv);
        dprintf(STDERR_FILENO, "%s", strerror(errno));
        _exit(errno == ENOENT ? 127 : 126);
    }
    close(pipefd[1]);
    said = helper_output(pipefd[0]);
    close(pipefd[0]);
    while (waitpid(child, &status, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        return hull_err(
            err, ENOENT,
            "%s not found: mapping more than your own id into a rootless container needs it (package uidmap)",
            helper);
    return hull_err(err, 0, "%s %s failed: %s", helper, p, said[0] ? said : "no reason given");
}

int hull_rootless_write_maps(pid_t pid, const struct hull_linux *l, hull_error **err)
{
    if (only_own_id(l->uid_mappings, l->n_uid_mappings, geteuid())) {
        if (hull_idmap_write(pid, "uid_map", l->uid_mappings, l->n_uid_mappings, err) < 0)
            return -1;
    } else if (run_map_helper("newuidmap", pid, l->uid_mappings, l->n_uid_mappings, err) < 0) {
        return hull_err_wrap(err, "linux.uidMappings");
    }
    if (only_own_id(l->gid_mappings, l->n_gid_mappings, getegid())) {
        /* user_namespaces(7): an unprivileged gid map needs setgroups
         * denied first (CVE-2014-8989). */
        if (hull_setgroups_write(pid, true, err) < 0 ||
            hull_idmap_write(pid, "gid_map", l->gid_mappings, l->n_gid_mappings, err) < 0)
            return -1;
        return 0;
    }
    if (run_map_helper("newgidmap", pid, l->gid_mappings, l->n_gid_mappings, err) < 0)
        return hull_err_wrap(err, "linux.gidMappings");
    return 0;
}

bool hull_resources_have_limits(const struct hull_resources *r)
{
    const typeof(r->memory) *m = &r->memory;
    const typeof(r->cpu) *c = &r->cpu;
    const typeof(r->block_io) *b = &r->block_io;

    return m->has_limit || m->has_reservation || m->has_swap || m->has_kernel ||
           m->has_kernel_tcp || m->has_swappiness || m->has_disable_oom_killer || c->has_shares ||
           c->has_quota || c->has_burst || c->has_period || c->has_realtime_runtime ||
           c->has_realtime_period || c->has_idle || c->cpus != NULL || c->mems != NULL ||
           r->pids.has_limit || b->has_weight || b->has_leaf_weight || b->n_weight_device > 0 ||
           b->n_throttle_read_bps > 0 || b->n_throttle_write_bps > 0 ||
           b->n_throttle_read_iops > 0 || b->n_throttle_write_iops > 0 ||
           r->n_hugepage_limits > 0 || r->network.has_class_id || r->network.n_priorities > 0 ||
           r->n_unified > 0;
}

/* "name:start:count" lines; *found is set by the first of USER or UID. */
static bool parse_subid_line(char *line, const char *user, const char *uid_text, uint32_t *start,
                             uint32_t *count)
{
    char *save = NULL;
    char *name = strtok_r(line, ":", &save);
    char *s = strtok_r(NULL, ":", &save);
    char *c = strtok_r(NULL, ":\n", &save);
    int64_t v1, v2;

    if (name == NULL || s == NULL || c == NULL)
        return false;
    if (strcmp(name, user) != 0 && strcmp(name, uid_text) != 0)
        return false;
    if (parse_int64(s, 0, UINT32_MAX, &v1) < 0 || parse_int64(c, 1, UINT32_MAX, &v2) < 0)
        return false;
    *start = (uint32_t)v1;
    *count = (uint32_t)v2;
    return true;
}

int hull_subid_range(const char *file, const char *user, uid_t uid, uint32_t *start,
                     uint32_t *count, hull_error **err)
{
    _cleanup_free_ char *text = NULL;
    char uid_text[16];
    char *save = NULL;

    snprintf(uid_text, sizeof(uid_text), "%u", (unsigned int)uid);
    if (read_file_at(AT_FDCWD, file, 1u << 20, &text, NULL, err) < 0)
        return hull_err_wrap(err, "subordinate ids");
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
        if (parse_subid_line(line, user, uid_text, start, count))
            return 0;
    return hull_err_kind(
        err, HULL_ERR_BAD_INPUT, 0,
        "%s has no range for user \"%s\": add one (usermod --add-subuids / --add-subgids)", file,
        user);
}

/* The helper's side of hull_rootless_enter(): waits until PARENT has its
 * new user namespace, maps it, reports on REPORT (a status byte, then the
 * error message) and exits. */
__attribute__((noreturn)) static void map_parent(pid_t parent, const struct hull_linux *l, int go,
                                                 int report)
{
    hull_error *e = NULL;
    char c;

    if (read_all(go, &c, 1) != 1)
        _exit(1);
    if (run_map_helper("newuidmap", parent, l->uid_mappings, l->n_uid_mappings, &e) < 0 ||
        run_map_helper("newgidmap", parent, l->gid_mappings, l->n_gid_mappings, &e) < 0) {
        c = 1;
        if (write_all(report, &c, 1) == 0)
            (void)write_all(report, e->msg, strlen(e->msg));
        _exit(1);
    }
    c = 0;
    _exit(write_all(report, &c, 1) == 0 ? 0 : 1);
}

/* The calling user's name and subordinate ranges as maps: its own id to
 * 0, the range to 1..N. */
static int own_maps(struct hull_idmap uid_maps[2], struct hull_idmap gid_maps[2], hull_error **err)
{
    struct passwd *pw = getpwuid(getuid());
    uint32_t start, count;

    if (pw == NULL)
        return hull_err(err, errno ? errno : ENOENT, "look up uid %u in the user database",
                        (unsigned int)getuid());
    uid_maps[0] = (struct hull_idmap){0, (uint32_t)getuid(), 1};
    gid_maps[0] = (struct hull_idmap){0, (uint32_t)getgid(), 1};
    if (hull_subid_range("/etc/subuid", pw->pw_name, getuid(), &start, &count, err) < 0)
        return -1;
    uid_maps[1] = (struct hull_idmap){1, start, count};
    if (hull_subid_range("/etc/subgid", pw->pw_name, getuid(), &start, &count, err) < 0)
        return -1;
    gid_maps[1] = (struct hull_idmap){1, start, count};
    return 0;
}

int hull_rootless_enter(hull_error **err)
{
    struct hull_idmap uid_maps[2], gid_maps[2];
    struct hull_linux l = {.uid_mappings = uid_maps,
                           .n_uid_mappings = 2,
                           .gid_mappings = gid_maps,
                           .n_gid_mappings = 2};
    int go[2], report[2], status;
    char buf[1024] = "";
    pid_t helper;

    if (own_maps(uid_maps, gid_maps, err) < 0)
        return hull_err_wrap(err, "rootless");
    if (hull_rootless_net_helper_start(err) < 0)
        return hull_err_wrap(err, "rootless");
    if (pipe2(go, O_CLOEXEC) < 0)
        return hull_err(err, errno, "pipe");
    if (pipe2(report, O_CLOEXEC) < 0) {
        close(go[0]);
        close(go[1]);
        return hull_err(err, errno, "pipe");
    }
    helper = fork();
    if (helper == 0) {
        close(go[1]);
        close(report[0]);
        map_parent(getppid(), &l, go[0], report[1]);
    }
    close(go[0]);
    close(report[1]);
    int r = helper < 0 ? hull_err(err, errno, "fork") : 0;
    if (r == 0 && unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET) < 0)
        r = hull_err(err, errno, "create a user namespace");
    /* Closing GO without a byte tells a waiting helper to give up. */
    if (r == 0 && write_all(go[1], "x", 1) < 0)
        r = hull_err(err, errno, "wake the id map helper");
    close(go[1]);
    ssize_t n = r == 0 ? read_all(report[0], buf, sizeof(buf) - 1) : 0;
    close(report[0]);
    if (helper > 0)
        while (waitpid(helper, &status, 0) < 0 && errno == EINTR)
            ;
    if (r == 0 && (n < 1 || buf[0] != 0))
        r = hull_err(err, 0, "%s", n > 1 ? buf + 1 : "the id map helper failed");
    if (r < 0)
        return hull_err_wrap(err, "rootless: enter a user namespace");
    /* Mounts made here (the containers' overlays) stay here. */
    if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
        return hull_err(err, errno, "rootless: make \"/\" a slave mount");
    return 0;
}

int hull_rootless_engine_roots(char **state_root, char **run_root, hull_error **err)
{
    const char *data = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
    const char *run = getenv("XDG_RUNTIME_DIR");

    if (*state_root == NULL) {
        if (data != NULL && data[0] == '/')
            *state_root = xasprintf("%s/hull", data);
        else if (home != NULL && home[0] == '/')
            *state_root = xasprintf("%s/.local/share/hull", home);
        else
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 "rootless: neither XDG_DATA_HOME nor HOME is set: set HULL_ROOT");
    }
    if (*run_root == NULL) {
        if (run != NULL && run[0] == '/')
            *run_root = xasprintf("%s/hull", run);
        else
            *run_root = xasprintf("/tmp/hull-run-%u", (unsigned int)getuid());
    }
    return 0;
}
