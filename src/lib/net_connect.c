/* `hull network connect` and `disconnect`: the container's record keeps
 * its networks for the next start, and a running container gains or
 * loses the interface at once. */
#include "log.h"
#include "net_internal.h"
#include "net_nft.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* The container behind REF, its record locked. */
struct target {
    int lock;
    struct hull_ctr c;
    struct net_request req;
};

static int target_open(struct hull_engine *e, const char *ref, struct target *t, hull_error **err)
{
    _cleanup_free_ char *id = NULL;

    memset(t, 0, sizeof(*t));
    t->lock = -1;
    if (hull_ctr_lookup(e->ctr_dirfd, ref, &id, err) < 0)
        return -1;
    t->lock = hull_ctr_lock(e->ctr_dirfd, id, err);
    if (t->lock < 0 || hull_ctr_load(e->ctr_dirfd, id, &t->c, err) < 0 ||
        net_request_load(t->c.network, &t->req, err) < 0)
        return -1;
    if (strcmp(t->req.mode, "bridge") != 0)
        return hull_err_kind(
            err, HULL_ERR_BAD_INPUT, 0,
            "container %s uses the network mode \"%s\": it cannot be connected to or disconnected from networks",
            ref, t->req.mode);
    return 0;
}

static void target_close(struct target *t)
{
    closep(&t->lock);
    hull_ctr_clear(&t->c);
    net_request_clear(&t->req);
}

static int target_save(struct hull_engine *e, struct target *t, hull_error **err)
{
    json_decref(t->c.network);
    t->c.network = net_request_to_json(&t->req);
    return hull_ctr_save(e->ctr_dirfd, &t->c, err);
}

static ssize_t index_of(char *const *v, const char *s)
{
    for (size_t i = 0; v != NULL && v[i] != NULL; i++)
        if (strcmp(v[i], s) == 0)
            return (ssize_t)i;
    return -1;
}

static void strv_remove(char **v, size_t at)
{
    free(v[at]);
    memmove(&v[at], &v[at + 1], (strv_len(v) - at) * sizeof(*v));
}

/* The running container's new endpoint: recorded under the network lock,
 * wired after it. */
static int attach_live(struct target *t, const struct net_network *n, const char *ip,
                       hull_error **err)
{
    _cleanup_free_ char *ns_path = xasprintf("/proc/%d/ns/net", (int)t->c.pid);
    _cleanup_close_ int nsfd = open(ns_path, O_RDONLY | O_CLOEXEC);
    struct net_state st;
    struct net_sandbox sb = {0};
    struct hull_nl host = {0}, inside = {0};
    char *const networks[] = {n->name, NULL};
    bool found = false;
    int master, ret = -1;

    if (nsfd < 0)
        return hull_err(err, errno, "open \"%s\"", ns_path);
    if (net_state_open(&st, err) < 0)
        return -1;
    if (hull_nl_open(-1, &host, err) < 0 || hull_nl_open(nsfd, &inside, err) < 0 ||
        net_gc_locked(&st, &host, err) < 0 || net_sandbox_load(&st, t->c.id, &sb, &found, err) < 0)
        goto out;
    if (!found || !net_sandbox_alive(&st, &sb)) {
        hull_err(err, 0, "container %s has no network set up", t->c.name);
        goto out;
    }
    if (net_bridge_ensure(&st, &host, n, &master, err) < 0 ||
        net_endpoint_add(&st, &sb, n, ip, err) < 0 || net_sandbox_save(&st, &sb, err) < 0 ||
        net_hosts_refresh(&st, networks, &sb, err) < 0)
        goto out;
    ret = net_endpoint_wire(&host, &inside, nsfd, master, &sb.eps[sb.n_eps - 1], false, err);
    if (ret < 0) {
        _cleanup_error_ hull_error *e = NULL;
        if (net_endpoint_remove(&st, &host, &sb, sb.n_eps - 1, &e) < 0)
            hull_warn("%s", e->msg);
    }
out:
    hull_nl_close(&inside);
    hull_nl_close(&host);
    net_sandbox_clear(&sb);
    net_state_close(&st);
    return ret;
}

int hull_network_connect(struct hull_engine *e, const char *net, const char *ctr, const char *ip,
                         hull_error **err)
{
    struct target t;
    struct net_network n = {0};
    struct net_state st;
    int ret = -1;

    if (target_open(e, ctr, &t, err) < 0)
        goto out;
    if (net_state_open(&st, err) < 0)
        goto out;
    ret = net_network_find(&st, net, &n, err);
    net_state_close(&st);
    if (ret < 0)
        goto out;
    ret = -1;
    if (strcmp(n.driver, NET_DRIVER_BRIDGE) != 0)
        hull_err_kind(
            err, HULL_ERR_BAD_INPUT, 0,
            "container cannot be connected to the \"%s\" network: it is not a bridge network",
            n.name);
    else if (index_of(t.req.networks, n.name) >= 0)
        hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                      "endpoint with name %s already exists in network %s", t.c.name, n.name);
    else if ((ip == NULL || net_ip_check(ip, &n, err) == 0) &&
             (!hull_ctr_is_running(&t.c) || attach_live(&t, &n, ip, err) == 0)) {
        strv_append(&t.req.networks, n.name);
        strv_append(&t.req.ips, ip != NULL ? ip : "");
        ret = target_save(e, &t, err);
    }
out:
    net_network_clear(&n);
    target_close(&t);
    return ret < 0 ? hull_err_wrap(err, "connect %s to network %s", ctr, net) : 0;
}

static int detach_live(struct target *t, const char *network, hull_error **err)
{
    struct net_state st;
    struct net_sandbox sb = {0};
    struct hull_nl host = {0};
    bool found = false;
    int ret = 0;

    if (net_state_open(&st, err) < 0)
        return -1;
    if (hull_nl_open(-1, &host, err) < 0 || net_sandbox_load(&st, t->c.id, &sb, &found, err) < 0)
        ret = -1;
    for (size_t i = 0; ret == 0 && found && i < sb.n_eps; i++)
        if (strcmp(sb.eps[i].network, network) == 0)
            ret = net_endpoint_remove(&st, &host, &sb, i, err);
    hull_nl_close(&host);
    net_sandbox_clear(&sb);
    net_state_close(&st);
    return ret;
}

int hull_network_disconnect(struct hull_engine *e, const char *net, const char *ctr,
                            hull_error **err)
{
    struct target t;
    struct net_network n = {0};
    struct net_state st;
    ssize_t at;
    int ret = -1;

    if (target_open(e, ctr, &t, err) < 0)
        goto out;
    if (net_state_open(&st, err) < 0)
        goto out;
    ret = net_network_find(&st, net, &n, err);
    net_state_close(&st);
    if (ret < 0)
        goto out;
    ret = -1;
    at = index_of(t.req.networks, n.name);
    if (at < 0)
        hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "container %s is not connected to network %s",
                      ctr, n.name);
    else if (!hull_ctr_is_running(&t.c) || detach_live(&t, n.name, err) == 0) {
        strv_remove(t.req.networks, (size_t)at);
        strv_remove(t.req.ips, (size_t)at);
        ret = target_save(e, &t, err);
    }
out:
    net_network_clear(&n);
    target_close(&t);
    return ret < 0 ? hull_err_wrap(err, "disconnect %s from network %s", ctr, net) : 0;
}
