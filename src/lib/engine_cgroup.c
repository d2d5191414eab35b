/* What `hull pause`, `unpause`, `update` and `stats` do, and the OOM
 * verdict of an exited container: the engine's side of the runtime's
 * cgroup operations (container.h), on records found by name or id. */
#include "engine.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Loads the record REF names.  The record's lock is not taken: the
 * runtime locks the container for each cgroup operation, and a monitor
 * waiting on the container must not hold a pause up. */
static int load(struct hull_engine *e, const char *ref, struct hull_ctr *c, hull_error **err)
{
    _cleanup_free_ char *id = NULL;

    memset(c, 0, sizeof(*c));
    if (hull_ctr_lookup(e->ctr_dirfd, ref, &id, err) < 0)
        return -1;
    return hull_ctr_load(e->ctr_dirfd, id, c, err);
}

static int need_running(const struct hull_ctr *c, hull_error **err)
{
    if (hull_engine_ctr_status(c) != HULL_CTR_RUNNING)
        return hull_err(err, 0, "container %s is not running", c->id);
    return 0;
}

bool hull_engine_ctr_paused(const struct hull_engine *e, const struct hull_ctr *c)
{
    _cleanup_error_ hull_error *err = NULL;
    struct hull_state st;
    bool paused;

    if (!hull_ctr_is_running(c) || hull_container_state(&e->rt, c->id, &st, &err) < 0)
        return false;
    paused = st.status == HULL_STATUS_PAUSED;
    hull_state_clear(&st);
    return paused;
}

int hull_engine_pause(struct hull_engine *e, const char *ref, hull_error **err)
{
    struct hull_ctr c;
    int ret = -1;

    if (load(e, ref, &c, err) < 0)
        goto out;
    if (need_running(&c, err) < 0)
        goto out;
    if (hull_engine_ctr_paused(e, &c)) {
        hull_err(err, 0, "container %s is already paused", c.id);
        goto out;
    }
    ret = hull_container_pause(&e->rt, c.id, err);
out:
    hull_ctr_clear(&c);
    return ret;
}

int hull_engine_unpause(struct hull_engine *e, const char *ref, hull_error **err)
{
    struct hull_ctr c;
    int ret = -1;

    if (load(e, ref, &c, err) < 0)
        goto out;
    if (!hull_engine_ctr_paused(e, &c)) {
        hull_err(err, 0, "container %s is not paused", c.id);
        goto out;
    }
    ret = hull_container_resume(&e->rt, c.id, err);
out:
    hull_ctr_clear(&c);
    return ret;
}

/* The memory+swap limit the container's config holds, 0 when none. */
static int64_t config_swap(const json_t *cfg)
{
    json_t *v = json_object_get(
        json_object_get(json_object_get(json_object_get(cfg, "linux"), "resources"), "memory"),
        "swap");
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

static json_t *load_config(int dfd, const char *dir, hull_error **err)
{
    _cleanup_free_ char *text = NULL;
    json_error_t jerr;
    json_t *cfg;

    if (read_file_at(dfd, "config.json", 0, &text, NULL, err) < 0)
        return NULL;
    cfg = json_loads(text, 0, &jerr);
    if (!json_is_object(cfg) || !json_is_object(json_object_get(cfg, "linux"))) {
        json_decref(cfg);
        hull_err(err, 0, "\"%s/config.json\":%d: not a container config: %s", dir, jerr.line,
                 jerr.text);
        return NULL;
    }
    return cfg;
}

/* Applies R to a running container, then keeps it in its config.json,
 * which later starts are made from. */
static int update_ctr(struct hull_engine *e, const struct hull_ctr *c,
                      const struct hull_run_resources *r, hull_error **err)
{
    _cleanup_free_ char *dir = hull_engine_ctr_path(e, c->id, NULL);
    _cleanup_free_ char *out = NULL;
    _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct hull_resources res;
    int64_t old_swap;
    json_t *cfg;
    int ret = -1;

    if (dfd < 0)
        return hull_err(err, errno, "open \"%s\"", dir);
    if ((cfg = load_config(dfd, dir, err)) == NULL)
        return -1;
    old_swap = config_swap(cfg);
    /* A raised memory limit must stay within the memory+swap limit. */
    if (r->memory > 0 && r->memory_swap == 0 && old_swap > 0 && r->memory > old_swap) {
        hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                      "--memory %lld is above the memory+swap limit %lld: update --memory-swap "
                      "as well",
                      (long long)r->memory, (long long)old_swap);
        goto out;
    }
    if (hull_engine_ctr_status(c) == HULL_CTR_RUNNING) {
        hull_run_resources_to_spec(r, &res);
        ret = hull_container_update(&e->rt, c->id, &res, err);
        hull_resources_clear(&res);
        if (ret < 0)
            goto out;
    }
    if ((ret = hull_run_resources_to_json(r, json_object_get(cfg, "linux"), err)) == 0) {
        out = json_dumps(cfg, JSON_INDENT(2));
        ret = write_file_atomic(dfd, "config.json", out, strlen(out), 0600, err);
    }
out:
    json_decref(cfg);
    return ret;
}

int hull_engine_update(struct hull_engine *e, const char *ref, struct hull_run_resources *r,
                       hull_error **err)
{
    struct hull_ctr c;
    int ret = -1;

    if (load(e, ref, &c, err) < 0)
        goto out;
    if (r->n_devices > 0)
        hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "updating devices is not supported");
    else if (hull_run_resources_check(r, true, err) == 0)
        ret = update_ctr(e, &c, r, err);
out:
    if (ret < 0)
        hull_err_wrap(err, "update container %s", ref);
    hull_ctr_clear(&c);
    return ret;
}

/* Docker's system usage: the time every cpu spent on anything but idle
 * and iowait, plus those, from /proc/stat's "cpu" line, in ns. */
static int system_cpu(uint64_t *ns, hull_error **err)
{
    _cleanup_free_ char *text = NULL;
    unsigned long long v[8] = {0};
    long hz = sysconf(_SC_CLK_TCK);
    uint64_t ticks = 0;

    if (read_file_at(AT_FDCWD, "/proc/stat", 1 << 20, &text, NULL, err) < 0)
        return -1;
    if (sscanf(text, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
               &v[4], &v[5], &v[6], &v[7]) < 4)
        return hull_err(err, EINVAL, "/proc/stat: no \"cpu\" line");
    for (size_t i = 0; i < 8; i++)
        ticks += v[i];
    *ns = ticks * (1000000000ULL / (uint64_t)(hz > 0 ? hz : 100));
    return 0;
}

static uint64_t host_memory(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);

    return pages > 0 && size > 0 ? (uint64_t)pages * (uint64_t)size : 0;
}

/* Bytes received and sent on every interface of PID's network namespace
 * but lo, from /proc/PID/net/dev. */
static void net_io(pid_t pid, uint64_t *rx, uint64_t *tx)
{
    _cleanup_free_ char *path = xasprintf("/proc/%d/net/dev", (int)pid);
    _cleanup_free_ char *text = NULL;
    _cleanup_error_ hull_error *e = NULL;
    char *save = NULL;

    *rx = *tx = 0;
    if (read_file_at(AT_FDCWD, path, 1 << 20, &text, NULL, &e) < 0)
        return;
    for (char *line = strtok_r(text, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        char name[64];
        unsigned long long r, t;
        if (sscanf(line, " %63[^:]: %llu %*u %*u %*u %*u %*u %*u %*u %llu", name, &r, &t) != 3 ||
            strcmp(name, "lo") == 0)
            continue;
        *rx += r;
        *tx += t;
    }
}

int hull_engine_sample(struct hull_engine *e, const struct hull_ctr *c,
                       struct hull_engine_sample *s, hull_error **err)
{
    memset(s, 0, sizeof(*s));
    if (hull_container_stats(&e->rt, c->id, &s->cg, err) < 0 ||
        system_cpu(&s->system_cpu_ns, err) < 0) {
        hull_cgroup_stats_clear(&s->cg);
        return -1;
    }
    s->online_cpus = (unsigned int)sysconf(_SC_NPROCESSORS_ONLN);
    s->host_memory = host_memory();
    net_io(c->pid, &s->net_rx, &s->net_tx);
    return 0;
}

void hull_engine_sample_clear(struct hull_engine_sample *s)
{
    hull_cgroup_stats_clear(&s->cg);
}

void hull_engine_note_oom(struct hull_engine *e, struct hull_ctr *c)
{
    _cleanup_error_ hull_error *err = NULL;
    uint64_t kills = 0;

    if (hull_container_oom_kills(&e->rt, c->id, &kills, &err) < 0)
        hull_debug("OOM verdict of container %.12s: %s", c->id, err->msg);
    c->oom_killed = kills > 0;
}
