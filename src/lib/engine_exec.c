/* `hull exec` and `hull top`: the running container's process settings
 * changed by the command line, run through hull_container_exec(); the
 * processes of its cgroup read from /proc. */
#include "engine_exec.h"
#include "caps.h"
#include "cgroup.h"
#include "passwd.h"
#include "paths.h"
#include "state.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

/* Finds REF and checks that it runs; *st gets the runtime's state. */
static int find_running(struct hull_engine *e, const char *ref, char **id, struct hull_state *st,
                        hull_error **err)
{
    struct hull_ctr c;
    bool running;

    if (hull_ctr_lookup(e->ctr_dirfd, ref, id, err) < 0 ||
        hull_ctr_load(e->ctr_dirfd, *id, &c, err) < 0)
        return -1;
    running = hull_engine_ctr_status(&c) == HULL_CTR_RUNNING;
    hull_ctr_clear(&c);
    if (!running || hull_container_state(&e->rt, *id, st, NULL) < 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "container %s is not running", *id);
    if (st->status == HULL_STATUS_PAUSED) {
        hull_state_clear(st);
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "Container %s is paused, unpause the container before exec", *id);
    }
    if (st->status != HULL_STATUS_RUNNING) {
        hull_state_clear(st);
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "container %s is not running", *id);
    }
    return 0;
}

/* Sets "KEY=VALUE" in *ENV in place of KEY's entry; "KEY" alone takes
 * KEY's value from HOST_ENV, or removes KEY when it is not set there, as
 * Docker's -e KEY does. */
static int env_apply(char ***env, const char *entry, char *const *host_env, hull_error **err)
{
    const char *eq = strchr(entry, '=');
    size_t klen = eq != NULL ? (size_t)(eq - entry) : strlen(entry);
    const char *value = entry;
    size_t out = 0;
    char **v = *env;

    if (klen == 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "invalid environment variable: \"%s\"",
                             entry);
    if (eq == NULL) {
        value = NULL;
        for (size_t i = 0; host_env != NULL && host_env[i] != NULL; i++)
            if (strncmp(host_env[i], entry, klen) == 0 && host_env[i][klen] == '=')
                value = host_env[i];
    }
    for (size_t i = 0; v != NULL && v[i] != NULL; i++) {
        if (strncmp(v[i], entry, klen) == 0 && v[i][klen] == '=')
            free(v[i]);
        else
            v[out++] = v[i];
    }
    if (v != NULL)
        v[out] = NULL;
    if (value != NULL)
        strv_append(env, value);
    return 0;
}

/* The user of -u, resolved against the container's own /etc/passwd and
 * /etc/group, as it sees them (through its init's root). */
static int resolve_user(const struct hull_state *st, const char *spec, struct hull_process *p,
                        hull_error **err)
{
    _cleanup_free_ char *root = xasprintf("/proc/%d/root", (int)st->pid);
    _cleanup_close_ int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    struct hull_exec_user u;

    /* The start time proves the root opened is still the init's. */
    if (rootfd < 0 || !hull_proc_is_same(st->pid, st->pid_start))
        return hull_err(err, errno, "open the root of container %.12s", st->id);
    if (hull_passwd_resolve(rootfd, spec, &u, err) < 0)
        return -1;
    p->user.uid = u.uid;
    p->user.gid = u.gid;
    free(p->user.additional_gids);
    p->user.additional_gids = NULL;
    p->user.n_additional_gids = u.n_sgids;
    if (u.n_sgids > 0) {
        p->user.additional_gids = xmalloc(u.n_sgids * sizeof(uint32_t));
        memcpy(p->user.additional_gids, u.sgids, u.n_sgids * sizeof(uint32_t));
    }
    hull_exec_user_clear(&u);
    return 0;
}

/* Every capability hull itself may pass on (its bounding set). */
static void all_caps(struct hull_caps *c)
{
    int last = hull_cap_last_supported();
    uint64_t mask = 0;

    for (int cap = 0; cap <= last; cap++)
        if (prctl(PR_CAPBSET_READ, (unsigned long)cap, 0, 0, 0) == 1)
            mask |= 1ULL << cap;

    c->bounding = c->effective = c->permitted = mask;
    c->has_bounding = c->has_effective = c->has_permitted = true;
}

/* Docker's status for an exec the runtime could not start (a -u that
 * names nobody, a -w that does not exist, ...) is 126, as for a command
 * that cannot be run; a command that does not exist keeps its 127. */
static int runtime_failed(hull_error **err)
{
    if ((*err)->kind == HULL_ERR_GENERIC || (*err)->kind == HULL_ERR_BAD_INPUT)
        (*err)->kind = HULL_ERR_EXEC_DENIED;
    return -1;
}

/* The container's process with what R changes. */
static int build_process(const struct hull_engine_exec_request *r, const struct hull_state *st,
                         struct hull_process *p, hull_error **err)
{
    if (r->cmd == NULL || r->cmd[0] == NULL)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "no command specified");
    /* Nothing would hold the terminal's master: its output would block
     * the command once the buffer filled. */
    if (r->detach && r->tty)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "-t with -d is not supported: nothing would read the terminal");
    strv_free(p->args);
    p->args = strv_dup(r->cmd);
    p->terminal = r->tty;
    p->has_console_size = false;
    if (r->tty && hull_env_get(p->env, "TERM") == NULL)
        strv_append(&p->env, "TERM=xterm");
    for (size_t i = 0; r->env != NULL && r->env[i] != NULL; i++)
        if (env_apply(&p->env, r->env[i], r->host_env, err) < 0)
            return -1;
    if (r->workdir != NULL && r->workdir[0] != '\0') {
        if (r->workdir[0] != '/')
            return hull_err_kind(
                err, HULL_ERR_BAD_INPUT, 0,
                "the working directory \"%s\" is invalid, it needs to be an absolute path",
                r->workdir);
        free(p->cwd);
        p->cwd = hull_path_clean(r->workdir);
    }
    if (r->privileged)
        all_caps(&p->caps);
    if (r->user != NULL && r->user[0] != '\0' && resolve_user(st, r->user, p, err) < 0)
        return runtime_failed(err);
    return 0;
}

int hull_engine_exec(struct hull_engine *e, const struct hull_engine_exec_request *r,
                     int *exit_code, hull_error **err)
{
    _cleanup_free_ char *id = NULL;
    struct hull_state st = {0};
    struct hull_spec *spec = NULL;
    int ret = -1;

    *exit_code = 0;
    if (find_running(e, r->ref, &id, &st, err) < 0)
        return -1;
    if (hull_container_config(&e->rt, id, &spec, err) == 0 &&
        build_process(r, &st, &spec->process, err) == 0) {
        struct hull_exec_opts o = {
            .id = id,
            .process = &spec->process,
            .detach = r->detach,
            .tty_in = STDIN_FILENO,
            .tty_out = STDOUT_FILENO,
            .forward_input = r->interactive,
        };
        ret = hull_container_exec(&e->rt, &o, NULL, exit_code, err);
        if (ret < 0)
            runtime_failed(err);
    }
    hull_spec_free(spec);
    hull_state_clear(&st);
    return ret;
}

int hull_engine_top_pids(struct hull_engine *e, const char *ref, pid_t **pids, size_t *n,
                         hull_error **err)
{
    _cleanup_free_ char *id = NULL;
    struct hull_state st = {0};
    int ret;

    *pids = NULL;
    *n = 0;
    if (hull_ctr_lookup(e->ctr_dirfd, ref, &id, err) < 0)
        return -1;
    if (hull_container_state(&e->rt, id, &st, NULL) < 0 || st.status == HULL_STATUS_STOPPED ||
        st.cgroup_path[0] == '\0') {
        hull_state_clear(&st);
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "container %s is not running", id);
    }
    ret = hull_cgroup_pids(st.cgroup_path, pids, n, err);
    hull_state_clear(&st);
    return ret;
}

void hull_top_row_clear(struct hull_top_row *row)
{
    free(row->uid);
    free(row->stime);
    free(row->tty);
    free(row->time);
    free(row->cmd);
    memset(row, 0, sizeof(*row));
}

/* Fields of /proc/PID/stat after the command name (which may hold spaces
 * and parentheses, so the last ')' ends it): STATE is field 3. */
struct proc_stat {
    char comm[64];
    pid_t ppid;
    unsigned long long tty_nr, utime, stime, starttime;
};

static int read_stat(pid_t pid, struct proc_stat *ps)
{
    _cleanup_free_ char *path = xasprintf("/proc/%d/stat", (int)pid);
    _cleanup_free_ char *text = NULL;
    char *open_paren, *close_paren;
    int ppid;

    if (read_file_at(AT_FDCWD, path, 4096, &text, NULL, NULL) < 0)
        return -1;
    open_paren = strchr(text, '(');
    close_paren = strrchr(text, ')');
    if (open_paren == NULL || close_paren == NULL || close_paren < open_paren)
        return -1;
    snprintf(ps->comm, sizeof(ps->comm), "%.*s", (int)(close_paren - open_paren - 1),
             open_paren + 1);
    /* state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt
     * cmajflt utime stime cutime cstime priority nice num_threads
     * itrealvalue starttime */
    if (sscanf(close_paren + 2,
               "%*c %d %*d %*d %llu %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d %*d "
               "%llu",
               &ppid, &ps->tty_nr, &ps->utime, &ps->stime, &ps->starttime) != 5)
        return -1;
    ps->ppid = ppid;
    return 0;
}

static char *user_name(pid_t pid)
{
    _cleanup_free_ char *path = xasprintf("/proc/%d/status", (int)pid);
    _cleanup_free_ char *text = NULL;
    struct passwd pw, *found = NULL;
    char buf[1024];
    const char *line;
    unsigned int uid;

    if (read_file_at(AT_FDCWD, path, 1 << 16, &text, NULL, NULL) < 0 ||
        (line = strstr(text, "\nUid:")) == NULL || sscanf(line + 5, "%u", &uid) != 1)
        return xstrdup("?");
    if (getpwuid_r(uid, &pw, buf, sizeof(buf), &found) == 0 && found != NULL)
        return xstrdup(pw.pw_name);
    return xasprintf("%u", uid);
}

static char *tty_name(unsigned long long tty_nr)
{
    unsigned int maj = major((dev_t)tty_nr), min = minor((dev_t)tty_nr);

    if (tty_nr == 0)
        return xstrdup("?");
    if (maj >= 136 && maj <= 143)
        return xasprintf("pts/%u", (maj - 136) * 256 + min);
    if (maj == 4 && min < 64)
        return xasprintf("tty%u", min);
    if (maj == 4)
        return xasprintf("ttyS%u", min - 64);
    return xasprintf("%u:%u", maj, min);
}

static char *cpu_time(unsigned long long secs)
{
    if (secs >= 86400)
        return xasprintf("%llu-%02llu:%02llu:%02llu", secs / 86400, secs % 86400 / 3600,
                         secs % 3600 / 60, secs % 60);
    return xasprintf("%02llu:%02llu:%02llu", secs / 3600, secs % 3600 / 60, secs % 60);
}

/* procps's STIME: the time of day within the last day, the date within
 * the year, else the year. */
static char *start_time(time_t start, time_t now)
{
    struct tm tm;
    char buf[16];

    localtime_r(&start, &tm);
    if (now - start < 86400)
        strftime(buf, sizeof(buf), "%H:%M", &tm);
    else if (now - start < 365 * 86400)
        strftime(buf, sizeof(buf), "%b%d", &tm);
    else
        strftime(buf, sizeof(buf), "%Y", &tm);
    return xstrdup(buf);
}

static char *command_line(pid_t pid, const char *comm)
{
    _cleanup_free_ char *path = xasprintf("/proc/%d/cmdline", (int)pid);
    char *text = NULL;
    size_t len = 0;

    if (read_file_at(AT_FDCWD, path, 1 << 16, &text, &len, NULL) < 0 || len == 0) {
        free(text);
        return xasprintf("[%s]", comm);
    }
    while (len > 0 && text[len - 1] == '\0')
        len--;
    for (size_t i = 0; i < len; i++)
        if (text[i] == '\0')
            text[i] = ' ';
    text[len] = '\0';
    return text;
}

int hull_top_row_read(pid_t pid, struct hull_top_row *row, hull_error **err)
{
    struct proc_stat ps;
    struct timespec boot, real;
    long hz = sysconf(_SC_CLK_TCK);
    unsigned long long used, age;

    memset(row, 0, sizeof(*row));
    if (read_stat(pid, &ps) < 0)
        return hull_err_kind(err, HULL_ERR_NOT_EXIST, 0, "process %d is gone", (int)pid);
    clock_gettime(CLOCK_BOOTTIME, &boot);
    clock_gettime(CLOCK_REALTIME, &real);
    used = (ps.utime + ps.stime) / (unsigned long long)hz;
    age = (unsigned long long)boot.tv_sec - ps.starttime / (unsigned long long)hz;
    row->pid = pid;
    row->ppid = ps.ppid;
    row->uid = user_name(pid);
    row->cpu =
        age > 0 ? (unsigned int)((ps.utime + ps.stime) * 100 / (unsigned long long)hz / age) : 0;
    row->stime = start_time(real.tv_sec - (time_t)age, real.tv_sec);
    row->tty = tty_name(ps.tty_nr);
    row->time = cpu_time(used);
    row->cmd = command_line(pid, ps.comm);
    return 0;
}
