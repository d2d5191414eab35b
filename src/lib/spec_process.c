/* config.json "process" (also the whole of `hullrt exec --process FILE`). */
#include "caps.h"
#include "spec_internal.h"
#include "util.h"

#include <inttypes.h>
#include <sched.h>
#include <string.h>
#include <sys/resource.h>

#ifndef SCHED_DEADLINE
#define SCHED_DEADLINE 6
#endif

/* Ids above 2^31-1 are refused: they are -1 or negative once they reach a
 * signed id_t somewhere, and CVE-2024-40635 (containerd) showed such a uid
 * overflowing to 0. */
#define SPEC_ID_MAX INT32_MAX

static const struct {
    const char *name;
    int resource;
} rlimit_names[] = {
    {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},
    {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
};

static const struct {
    const char *name;
    int value;
} sched_policies[] = {
    {"SCHED_OTHER", SCHED_OTHER}, {"SCHED_BATCH", SCHED_BATCH}, {"SCHED_IDLE", SCHED_IDLE},
    {"SCHED_FIFO", SCHED_FIFO},   {"SCHED_RR", SCHED_RR},       {"SCHED_DEADLINE", SCHED_DEADLINE},
};

static const char *const sched_flags[] = {
    "SCHED_FLAG_RESET_ON_FORK",  "SCHED_FLAG_RECLAIM",     "SCHED_FLAG_DL_OVERRUN",
    "SCHED_FLAG_KEEP_POLICY",    "SCHED_FLAG_KEEP_PARAMS", "SCHED_FLAG_UTIL_CLAMP_MIN",
    "SCHED_FLAG_UTIL_CLAMP_MAX",
};

/* IOPRIO_CLASS_* of linux/ioprio.h. */
static const struct {
    const char *name;
    int value;
} ioprio_classes[] = {
    {"IOPRIO_CLASS_RT", 1},
    {"IOPRIO_CLASS_BE", 2},
    {"IOPRIO_CLASS_IDLE", 3},
};

bool spec_cpu_list_valid(const char *s)
{
    const char *p = s;

    for (;;) {
        char *end;
        if (*p < '0' || *p > '9')
            return false;
        unsigned long lo = strtoul(p, &end, 10), hi = lo;
        p = end;
        if (*p == '-') {
            if (p[1] < '0' || p[1] > '9')
                return false;
            hi = strtoul(p + 1, &end, 10);
            p = end;
        }
        if (hi < lo || hi >= 1u << 20)
            return false;
        if (*p == '\0')
            return true;
        if (*p != ',')
            return false;
        p++;
    }
}

static int parse_env(struct spec_ctx *c, json_t *obj, struct hull_process *p, hull_error **err)
{
    if (spec_get_strv(c, obj, "env", 0, &p->env, err) < 0)
        return -1;
    for (size_t i = 0; p->env != NULL && p->env[i] != NULL; i++) {
        const char *eq = strchr(p->env[i], '=');
        if (eq != NULL && eq != p->env[i])
            continue;
        spec_push_key(c, "env");
        spec_push_index(c, i);
        return spec_fail(c, err, "\"%s\" is not of the form KEY=VALUE", p->env[i]);
    }
    return 0;
}

static int parse_console_size(struct spec_ctx *c, json_t *obj, struct hull_process *p,
                              hull_error **err)
{
    json_t *box;
    uint32_t height = 0, width = 0;
    int r = spec_get_object(c, obj, "consoleSize", 0, &box, err);

    if (r <= 0)
        return r;
    spec_push_key(c, "consoleSize");
    if (spec_get_u32(c, box, "height", SPEC_REQUIRED, UINT16_MAX, &height, err) < 0 ||
        spec_get_u32(c, box, "width", SPEC_REQUIRED, UINT16_MAX, &width, err) < 0)
        return -1;
    spec_pop(c);
    p->has_console_size = true;
    p->console_height = height;
    p->console_width = width;
    return 0;
}

static int parse_rlimit(struct spec_ctx *c, json_t *item, struct hull_rlimit *rl,
                        const struct hull_rlimit *earlier, size_t n_earlier, hull_error **err)
{
    if (spec_expect(c, item, JSON_OBJECT, err) < 0 ||
        spec_get_string(c, item, "type", SPEC_REQUIRED, &rl->type, err) < 0 ||
        spec_get_u64(c, item, "soft", SPEC_REQUIRED, UINT64_MAX, &rl->soft, err) < 0 ||
        spec_get_u64(c, item, "hard", SPEC_REQUIRED, UINT64_MAX, &rl->hard, err) < 0)
        return -1;
    rl->resource = -1;
    for (size_t i = 0; i < ARRAY_SIZE(rlimit_names); i++)
        if (strcmp(rlimit_names[i].name, rl->type) == 0)
            rl->resource = rlimit_names[i].resource;
    spec_push_key(c, "type");
    if (rl->resource < 0)
        return spec_fail(c, err, "unknown rlimit \"%s\"", rl->type);
    for (size_t i = 0; i < n_earlier; i++)
        if (earlier[i].resource == rl->resource)
            return spec_fail(c, err, "duplicate rlimit \"%s\"", rl->type);
    spec_pop(c);
    if (rl->soft > rl->hard) {
        spec_push_key(c, "soft");
        return spec_fail(c, err, "soft limit %" PRIu64 " is above the hard limit %" PRIu64,
                         rl->soft, rl->hard);
    }
    return 0;
}

static int parse_rlimits(struct spec_ctx *c, json_t *obj, struct hull_process *p, hull_error **err)
{
    json_t *arr, *item;
    size_t i;
    int r = spec_get_array(c, obj, "rlimits", 0, &arr, err);

    if (r <= 0)
        return r;
    p->rlimits = xmalloc0(json_array_size(arr) * sizeof(*p->rlimits));
    spec_push_key(c, "rlimits");
    json_array_foreach (arr, i, item) {
        p->n_rlimits = i + 1;
        spec_push_index(c, i);
        if (parse_rlimit(c, item, &p->rlimits[i], p->rlimits, i, err) < 0)
            return -1;
        spec_pop(c);
    }
    spec_pop(c);
    return 0;
}

/* Names go through hull_caps_parse_names; when it refuses one, the error is
 * placed at the line of the offending element. */
static int parse_cap_set(struct spec_ctx *c, json_t *obj, const char *key, uint64_t *mask,
                         bool *has, hull_error **err)
{
    _cleanup_strv_ char **names = NULL;
    _cleanup_error_ hull_error *inner = NULL;
    int r = spec_get_strv(c, obj, key, 0, &names, err);

    if (r <= 0)
        return r;
    spec_push_key(c, key);
    _cleanup_free_ char *field = spec_path_string(c, c->depth);
    if (hull_caps_parse_names(names, field, mask, &inner) < 0) {
        for (size_t i = 0; names[i] != NULL; i++) {
            if (hull_cap_from_name(names[i]) < 0) {
                spec_push_index(c, i);
                break;
            }
        }
        return spec_fail_inner(c, inner->msg, err);
    }
    spec_pop(c);
    *has = true;
    return 0;
}

static int parse_caps(struct spec_ctx *c, json_t *obj, struct hull_caps *caps, hull_error **err)
{
    json_t *sets;
    int r = spec_get_object(c, obj, "capabilities", 0, &sets, err);

    if (r <= 0)
        return r;
    spec_push_key(c, "capabilities");
    if (parse_cap_set(c, sets, "bounding", &caps->bounding, &caps->has_bounding, err) < 0 ||
        parse_cap_set(c, sets, "effective", &caps->effective, &caps->has_effective, err) < 0 ||
        parse_cap_set(c, sets, "inheritable", &caps->inheritable, &caps->has_inheritable, err) <
            0 ||
        parse_cap_set(c, sets, "permitted", &caps->permitted, &caps->has_permitted, err) < 0 ||
        parse_cap_set(c, sets, "ambient", &caps->ambient, &caps->has_ambient, err) < 0)
        return -1;
    spec_pop(c);
    return 0;
}

static int parse_additional_gids(struct spec_ctx *c, json_t *user, struct hull_user *u,
                                 hull_error **err)
{
    json_t *arr, *item;
    size_t i;
    int r = spec_get_array(c, user, "additionalGids", 0, &arr, err);

    if (r <= 0)
        return r;
    u->additional_gids = xmalloc0(json_array_size(arr) * sizeof(uint32_t));
    spec_push_key(c, "additionalGids");
    json_array_foreach (arr, i, item) {
        uint64_t gid;
        spec_push_index(c, i);
        if (spec_value_u64(c, item, SPEC_ID_MAX, &gid, err) < 0)
            return -1;
        u->additional_gids[i] = (uint32_t)gid;
        u->n_additional_gids = i + 1;
        spec_pop(c);
    }
    spec_pop(c);
    return 0;
}

static int parse_user(struct spec_ctx *c, json_t *obj, struct hull_user *u, hull_error **err)
{
    json_t *user;
    int r = spec_get_object(c, obj, "user", 0, &user, err);

    if (r <= 0)
        return r;
    spec_push_key(c, "user");
    if (spec_get_u32(c, user, "uid", SPEC_REQUIRED, SPEC_ID_MAX, &u->uid, err) < 0 ||
        spec_get_u32(c, user, "gid", SPEC_REQUIRED, SPEC_ID_MAX, &u->gid, err) < 0)
        return -1;
    r = spec_get_u32(c, user, "umask", 0, 0777, &u->umask, err);
    if (r < 0)
        return -1;
    u->has_umask = r > 0;
    if (parse_additional_gids(c, user, u, err) < 0 ||
        spec_get_string(c, user, "username", 0, &u->username, err) < 0)
        return -1;
    spec_pop(c);
    return 0;
}

static int check_sched_flags(struct spec_ctx *c, const struct hull_sched *s, hull_error **err)
{
    for (size_t i = 0; s->flags != NULL && s->flags[i] != NULL; i++) {
        bool known = false;
        for (size_t k = 0; k < ARRAY_SIZE(sched_flags); k++)
            known = known || strcmp(sched_flags[k], s->flags[i]) == 0;
        if (known)
            continue;
        spec_push_key(c, "flags");
        spec_push_index(c, i);
        return spec_fail(c, err, "unknown scheduler flag \"%s\"", s->flags[i]);
    }
    return 0;
}

/* The kernel takes a static priority of 1..99 only for the real-time
 * policies and 0 for the others; checking here fails before anything is
 * created rather than in sched_setattr(2) inside the container. */
static int parse_scheduler(struct spec_ctx *c, json_t *obj, struct hull_sched *s, hull_error **err)
{
    json_t *sched;
    int64_t nice = 0, prio = 0;
    int r = spec_get_object(c, obj, "scheduler", 0, &sched, err);

    if (r <= 0)
        return r;
    spec_push_key(c, "scheduler");
    s->present = true;
    if (spec_get_string(c, sched, "policy", SPEC_REQUIRED, &s->policy, err) < 0 ||
        spec_get_i64(c, sched, "nice", 0, -20, 19, &nice, err) < 0 ||
        spec_get_i64(c, sched, "priority", 0, INT32_MIN, INT32_MAX, &prio, err) < 0 ||
        spec_get_strv(c, sched, "flags", 0, &s->flags, err) < 0 ||
        spec_get_u64(c, sched, "runtime", 0, UINT64_MAX, &s->runtime, err) < 0 ||
        spec_get_u64(c, sched, "deadline", 0, UINT64_MAX, &s->deadline, err) < 0 ||
        spec_get_u64(c, sched, "period", 0, UINT64_MAX, &s->period, err) < 0 ||
        check_sched_flags(c, s, err) < 0)
        return -1;
    s->nice = (int32_t)nice;
    s->priority = (int32_t)prio;
    s->policy_value = -1;
    for (size_t i = 0; i < ARRAY_SIZE(sched_policies); i++)
        if (strcmp(sched_policies[i].name, s->policy) == 0)
            s->policy_value = sched_policies[i].value;
    if (s->policy_value < 0) {
        spec_push_key(c, "policy");
        return spec_fail(c, err, "unknown scheduler policy \"%s\"", s->policy);
    }
    bool realtime = s->policy_value == SCHED_FIFO || s->policy_value == SCHED_RR;
    if (realtime ? (prio < 1 || prio > 99) : prio != 0) {
        if (spec_member(sched, "priority") == NULL)
            return spec_fail(c, err, "%s requires a priority (1..99)", s->policy);
        spec_push_key(c, "priority");
        return spec_fail(c, err, "priority %" PRId64 " is invalid for %s (%s)", prio, s->policy,
                         realtime ? "1..99" : "must be 0");
    }
    spec_pop(c);
    return 0;
}

static int parse_ioprio(struct spec_ctx *c, json_t *obj, struct hull_ioprio *io, hull_error **err)
{
    json_t *ioprio;
    _cleanup_free_ char *class = NULL;
    int64_t prio;
    int r = spec_get_object(c, obj, "ioPriority", 0, &ioprio, err);

    if (r <= 0)
        return r;
    spec_push_key(c, "ioPriority");
    if (spec_get_string(c, ioprio, "class", SPEC_REQUIRED, &class, err) < 0 ||
        spec_get_i64(c, ioprio, "priority", SPEC_REQUIRED, 0, 7, &prio, err) < 0)
        return -1;
    io->class_value = -1;
    for (size_t i = 0; i < ARRAY_SIZE(ioprio_classes); i++)
        if (strcmp(ioprio_classes[i].name, class) == 0)
            io->class_value = ioprio_classes[i].value;
    if (io->class_value < 0) {
        spec_push_key(c, "class");
        return spec_fail(c, err, "unknown I/O priority class \"%s\"", class);
    }
    spec_pop(c);
    io->present = true;
    io->priority = (int)prio;
    return 0;
}

static int parse_cpu_list(struct spec_ctx *c, json_t *obj, const char *key, char **out,
                          hull_error **err)
{
    int r = spec_get_string(c, obj, key, 0, out, err);

    if (r <= 0 || spec_cpu_list_valid(*out))
        return r;
    spec_push_key(c, key);
    return spec_fail(c, err, "invalid CPU list \"%s\"", *out);
}

static int parse_affinity(struct spec_ctx *c, json_t *obj, struct hull_process *p, hull_error **err)
{
    json_t *aff;
    int r = spec_get_object(c, obj, "execCPUAffinity", 0, &aff, err);

    if (r <= 0)
        return r;
    spec_push_key(c, "execCPUAffinity");
    if (parse_cpu_list(c, aff, "initial", &p->exec_cpu_affinity_initial, err) < 0 ||
        parse_cpu_list(c, aff, "final", &p->exec_cpu_affinity_final, err) < 0)
        return -1;
    spec_pop(c);
    return 0;
}

static int parse_args(struct spec_ctx *c, json_t *obj, struct hull_process *p, hull_error **err)
{
    if (spec_get_strv(c, obj, "args", SPEC_REQUIRED | SPEC_NONEMPTY, &p->args, err) < 0)
        return -1;
    if (p->args[0][0] != '\0')
        return 0;
    spec_push_key(c, "args");
    spec_push_index(c, 0);
    return spec_fail(c, err, "the command must not be empty");
}

int spec_parse_process(struct spec_ctx *c, json_t *obj, struct hull_process *p, hull_error **err)
{
    int64_t oom;
    int r;

    if (spec_reject(c, obj, "commandLine", err) < 0 ||
        spec_get_bool(c, obj, "terminal", 0, &p->terminal, err) < 0 ||
        parse_console_size(c, obj, p, err) < 0 ||
        spec_get_string(c, obj, "cwd", SPEC_REQUIRED | SPEC_ABSOLUTE, &p->cwd, err) < 0 ||
        parse_env(c, obj, p, err) < 0 || parse_args(c, obj, p, err) < 0 ||
        parse_rlimits(c, obj, p, err) < 0 ||
        spec_get_string(c, obj, "apparmorProfile", 0, &p->apparmor_profile, err) < 0 ||
        spec_get_string(c, obj, "selinuxLabel", 0, &p->selinux_label, err) < 0 ||
        parse_caps(c, obj, &p->caps, err) < 0 ||
        spec_get_bool(c, obj, "noNewPrivileges", 0, &p->no_new_privileges, err) < 0)
        return -1;
    r = spec_get_i64(c, obj, "oomScoreAdj", 0, -1000, 1000, &oom, err);
    if (r < 0)
        return -1;
    p->has_oom_score_adj = r > 0;
    p->oom_score_adj = r > 0 ? (int)oom : 0;
    if (parse_user(c, obj, &p->user, err) < 0 || parse_scheduler(c, obj, &p->scheduler, err) < 0 ||
        parse_ioprio(c, obj, &p->io_priority, err) < 0 || parse_affinity(c, obj, p, err) < 0)
        return -1;
    return 0;
}

void hull_process_clear(struct hull_process *p)
{
    if (p == NULL)
        return;
    free(p->cwd);
    strv_free(p->env);
    strv_free(p->args);
    for (size_t i = 0; i < p->n_rlimits; i++)
        free(p->rlimits[i].type);
    free(p->rlimits);
    free(p->apparmor_profile);
    free(p->selinux_label);
    free(p->user.additional_gids);
    free(p->user.username);
    free(p->scheduler.policy);
    strv_free(p->scheduler.flags);
    free(p->exec_cpu_affinity_initial);
    free(p->exec_cpu_affinity_final);
    memset(p, 0, sizeof(*p));
}
