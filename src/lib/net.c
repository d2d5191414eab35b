/* Networks: records, bridges, subnets, the nftables table, and the
 * `hull network` operations other than connect and disconnect. */
#include "log.h"
#include "net_internal.h"
#include "net_nft.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <string.h>
#include <unistd.h>

/* Docker's default address pools: the default network takes the first
 * that is free, user-defined networks without --subnet the next ones. */
static const struct {
    uint32_t first;
    unsigned count, prefix, step;
} pools[] = {
    {0xac110000u, 15, 16, 1u << 16}, /* 172.17.0.0/16 ... 172.31.0.0/16 */
    {0xc0a80000u, 16, 20, 1u << 12}, /* 192.168.0.0/20 ... 192.168.240.0/20 */
};

static bool is_predefined(const char *name)
{
    return strcmp(name, HULL_NET_DEFAULT) == 0 || strcmp(name, "host") == 0 ||
           strcmp(name, "none") == 0;
}

static bool is_bridge(const struct net_network *n)
{
    return strcmp(n->driver, NET_DRIVER_BRIDGE) == 0;
}

/* A route of the host that SUBNET overlaps, described for an error;
 * NULL when there is none.  Routes through OWN_IFINDEX (the network's own
 * bridge) do not count. */
static int route_clash(struct hull_nl *nl, const struct hull_cidr *subnet, int own_ifindex,
                       char **clash, hull_error **err)
{
    struct hull_nl_route *routes = NULL;
    size_t n = 0;

    *clash = NULL;
    if (hull_nl_routes(nl, &routes, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n && *clash == NULL; i++) {
        struct hull_cidr r = {routes[i].dst & hull_cidr_mask(routes[i].prefix), routes[i].prefix};
        char dev[IF_NAMESIZE] = "?", ip[HULL_IPV4_STRLEN];
        if (routes[i].oif == own_ifindex || !hull_cidr_overlaps(&r, subnet))
            continue;
        if (routes[i].oif > 0)
            if_indextoname((unsigned)routes[i].oif, dev);
        *clash = xasprintf("%s/%u dev %s", hull_ipv4_format(r.addr, ip), r.prefix, dev);
    }
    free(routes);
    return 0;
}

/* The network among NETS (other than SKIP) whose subnet overlaps SUBNET. */
static const struct net_network *network_clash(const struct net_network *nets, size_t n,
                                               const struct hull_cidr *subnet, const char *skip)
{
    for (size_t i = 0; i < n; i++)
        if (is_bridge(&nets[i]) && strcmp(nets[i].name, skip) != 0 &&
            hull_cidr_overlaps(&nets[i].subnet, subnet))
            return &nets[i];
    return NULL;
}

static int pick_subnet(struct net_state *st, struct hull_nl *nl, struct hull_cidr *out,
                       hull_error **err)
{
    struct net_network *nets = NULL;
    size_t n = 0;
    int ret = -1;

    if (net_network_list(st, &nets, &n, err) < 0)
        return -1;
    for (size_t p = 0; p < ARRAY_SIZE(pools) && ret < 0; p++) {
        for (unsigned i = 0; i < pools[p].count; i++) {
            struct hull_cidr c = {pools[p].first + i * pools[p].step, pools[p].prefix};
            _cleanup_free_ char *clash = NULL;
            if (network_clash(nets, n, &c, "") != NULL)
                continue;
            if (route_clash(nl, &c, -1, &clash, err) < 0)
                goto out;
            if (clash == NULL) {
                *out = c;
                ret = 0;
                break;
            }
        }
    }
    if (ret < 0)
        hull_err(err, 0, "no free subnet left in the default pools: give one with --subnet");
out:
    net_network_list_free(nets, n);
    return ret;
}

static int new_network(const char *name, const char *driver, struct net_network *n,
                       hull_error **err)
{
    char id[HULL_CTR_ID_LEN + 1];

    memset(n, 0, sizeof(*n));
    if (random_hex(id, HULL_CTR_ID_LEN / 2, err) < 0)
        return -1;
    n->name = xstrdup(name);
    n->id = xstrdup(id);
    n->created = hull_time_now_rfc3339();
    n->driver = xstrdup(driver);
    if (strcmp(driver, NET_DRIVER_BRIDGE) == 0)
        n->bridge = strcmp(name, HULL_NET_DEFAULT) == 0 ? xstrdup(HULL_NET_BRIDGE0)
                                                        : xasprintf("hull-%.10s", id);
    return 0;
}

int net_predefined_ensure(struct net_state *st, hull_error **err)
{
    static const char *const names[][2] = {{"host", NET_DRIVER_HOST}, {"none", NET_DRIVER_NULL}};

    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        struct net_network n;
        if (net_network_load(st, names[i][0], &n, NULL) == 0) {
            net_network_clear(&n);
            continue;
        }
        if (new_network(names[i][0], names[i][1], &n, err) < 0)
            return -1;
        int ret = net_network_save(st, &n, err);
        net_network_clear(&n);
        if (ret < 0)
            return -1;
    }
    return 0;
}

int net_default_ensure(struct net_state *st, hull_error **err)
{
    struct net_network n;
    struct hull_nl nl;
    int ret;

    if (net_network_load(st, HULL_NET_DEFAULT, &n, NULL) == 0) {
        net_network_clear(&n);
        return 0;
    }
    if (hull_nl_open(-1, &nl, err) < 0)
        return -1;
    ret = new_network(HULL_NET_DEFAULT, NET_DRIVER_BRIDGE, &n, err);
    if (ret == 0 && (ret = pick_subnet(st, &nl, &n.subnet, err)) == 0) {
        n.gateway = n.subnet.addr + 1;
        ret = net_network_save(st, &n, err);
    }
    net_network_clear(&n);
    hull_nl_close(&nl);
    return ret < 0 ? hull_err_wrap(err, "create the default network") : 0;
}

/* IPv4 forwarding is what lets containers reach past the host; it is
 * turned on only when a bridge network is used, and never turned off
 * (other software may rely on it by then). */
static int forwarding_ensure(hull_error **err)
{
    static const char path[] = "/proc/sys/net/ipv4/ip_forward";
    _cleanup_free_ char *v = NULL;

    if (read_file_at(AT_FDCWD, path, 16, &v, NULL, err) < 0)
        return -1;
    if (v[0] == '1')
        return 0;
    hull_info("enabling IPv4 forwarding (%s)", path);
    return write_file_at(AT_FDCWD, path, "1", 1, err);
}

/* route_localnet lets the kernel route 127.0.0.1 traffic that the output
 * DNAT sent to a container, so `curl 127.0.0.1:PORT` reaches a published
 * port; it is set on hull's bridge only. */
static int bridge_sysctls(const char *bridge, hull_error **err)
{
    _cleanup_free_ char *path = xasprintf("/proc/sys/net/ipv4/conf/%s/route_localnet", bridge);

    return write_file_at(AT_FDCWD, path, "1", 1, err);
}

/* Completes bridge IFINDEX of N: its sysctls, its elements in hull's
 * nftables sets, then its address.  The address comes last, so a bridge
 * that has it is complete, and one that a killed hull left halfway is
 * finished by the next (its subnet checked against the host's routes
 * first, as it has no route of its own yet). */
static int bridge_configure(struct net_state *st, struct hull_nl *nl, const struct net_network *n,
                            int ifindex, hull_error **err)
{
    _cleanup_free_ char *clash = NULL, *subnet = hull_cidr_format(&n->subnet);
    _cleanup_free_ char *cmds = NULL;
    struct hull_nft_net elem = {n->bridge, n->subnet, n->internal};

    if (route_clash(nl, &n->subnet, ifindex, &clash, err) < 0)
        return -1;
    if (clash != NULL)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "network %s: subnet %s overlaps the host's route %s", n->name, subnet,
                             clash);
    hull_nft_net_cmds(&cmds, "add", &elem);
    if (bridge_sysctls(n->bridge, err) < 0 || net_nft_sync(st, cmds, NULL, err) < 0 ||
        hull_nl_link_up(nl, ifindex, err) < 0)
        return -1;
    return hull_nl_addr_add(nl, ifindex, n->gateway, n->subnet.prefix, err);
}

int net_bridge_ensure(struct net_state *st, struct hull_nl *nl, const struct net_network *n,
                      int *ifindex, hull_error **err)
{
    char kind[16];
    bool complete = false, created = false;

    if (hull_nl_link_get(nl, n->bridge, ifindex, kind, err) < 0)
        return -1;
    if (*ifindex != 0 && strcmp(kind, "bridge") != 0)
        return hull_err(err, 0, "network %s: link \"%s\" exists and is not a bridge", n->name,
                        n->bridge);
    if (*ifindex == 0) {
        if (hull_nl_bridge_add(nl, n->bridge, err) < 0 ||
            hull_nl_link_get(nl, n->bridge, ifindex, NULL, err) < 0)
            return hull_err_wrap(err, "set up the bridge of network %s", n->name);
        created = true;
    } else if (hull_nl_addr_has(nl, *ifindex, n->gateway, &complete, err) < 0) {
        return -1;
    }
    if (!complete && bridge_configure(st, nl, n, *ifindex, err) < 0) {
        if (created)
            hull_nl_link_del(nl, n->bridge, NULL);
        return hull_err_wrap(err, "set up the bridge of network %s", n->name);
    }
    return forwarding_ensure(err);
}

/* ---- the nftables table, derived from the state ---- */

static int nft_rebuild(struct net_state *st, const char *exclude, hull_error **err)
{
    struct net_network *nets = NULL;
    struct net_sandbox *sbs = NULL;
    struct hull_nft_net *elems = NULL;
    struct hull_nft_pub *pubs = NULL;
    size_t n_nets = 0, n_sbs = 0, n_elems = 0, n_pubs = 0;
    _cleanup_free_ char *text = NULL;
    int ret = -1;

    if (net_network_list(st, &nets, &n_nets, err) < 0 ||
        net_sandbox_list(st, &sbs, &n_sbs, err) < 0)
        goto out;
    elems = xmalloc0((n_nets + 1) * sizeof(*elems));
    for (size_t i = 0; i < n_nets; i++)
        if (is_bridge(&nets[i]))
            elems[n_elems++] =
                (struct hull_nft_net){nets[i].bridge, nets[i].subnet, nets[i].internal};
    for (size_t i = 0; i < n_sbs; i++) {
        if (!net_sandbox_alive(st, &sbs[i]) || sbs[i].n_eps == 0 ||
            (exclude != NULL && strcmp(sbs[i].container, exclude) == 0))
            continue;
        pubs = xrealloc(pubs, (n_pubs + sbs[i].ports.n + 1) * sizeof(*pubs));
        for (size_t j = 0; j < sbs[i].ports.n; j++)
            pubs[n_pubs++] = (struct hull_nft_pub){sbs[i].ports.v[j], sbs[i].eps[0].ip};
    }
    text = hull_nft_table_text(elems, n_elems, pubs, n_pubs);
    ret = hull_nft_run(text, err);
out:
    free(elems);
    free(pubs);
    net_network_list_free(nets, n_nets);
    net_sandbox_list_free(sbs, n_sbs);
    return ret < 0 ? hull_err_wrap(err, "set up nftables table " HULL_NFT_TABLE) : 0;
}

int net_nft_ensure(struct net_state *st, hull_error **err)
{
    bool exists;

    if (hull_nft_table_exists(&exists, err) < 0)
        return -1;
    return exists ? 0 : nft_rebuild(st, NULL, err);
}

int net_nft_sync(struct net_state *st, const char *cmds, const char *exclude, hull_error **err)
{
    _cleanup_error_ hull_error *first = NULL;

    if (cmds == NULL || hull_nft_run(cmds, &first) == 0)
        return 0;
    hull_debug("%s; rebuilding the table", first->msg);
    return nft_rebuild(st, exclude, err);
}

/* ---- hull network ---- */

static int create_locked(struct net_state *st, const struct hull_network_create_opts *o,
                         struct net_network *n, hull_error **err)
{
    struct net_network *nets = NULL, other;
    size_t count = 0;
    struct hull_nl nl;
    const struct net_network *clash;
    int ifindex, ret = -1;

    if (net_network_load(st, o->name, &other, NULL) == 0) {
        net_network_clear(&other);
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "network with name %s already exists",
                             o->name);
    }
    if (hull_nl_open(-1, &nl, err) < 0)
        return -1;
    if (new_network(o->name, NET_DRIVER_BRIDGE, n, err) < 0 ||
        net_network_list(st, &nets, &count, err) < 0)
        goto out;
    if (o->subnet == NULL) {
        if (pick_subnet(st, &nl, &n->subnet, err) < 0)
            goto out;
    } else if (hull_cidr_parse(o->subnet, &n->subnet, err) < 0) {
        goto out;
    }
    n->gateway = n->subnet.addr + 1;
    n->internal = o->internal;
    if (o->gateway != NULL && hull_ipv4_parse(o->gateway, &n->gateway) < 0) {
        hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "invalid gateway \"%s\"", o->gateway);
        goto out;
    }
    if (n->subnet.prefix > 30 || hull_ipv4_is_loopback(n->subnet.addr) ||
        n->subnet.addr >= 0xe0000000u) {
        hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                      "invalid subnet \"%s\": it must be a unicast subnet of at most /30",
                      o->subnet);
        goto out;
    }
    if (!hull_cidr_contains(&n->subnet, n->gateway) || n->gateway == n->subnet.addr ||
        n->gateway == hull_cidr_broadcast(&n->subnet)) {
        hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                      "invalid gateway \"%s\": not a host address of the subnet", o->gateway);
        goto out;
    }
    clash = network_clash(nets, count, &n->subnet, "");
    if (clash != NULL) {
        _cleanup_free_ char *s = hull_cidr_format(&clash->subnet);
        hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                      "invalid subnet \"%s\": it overlaps network %s (%s)",
                      o->subnet != NULL ? o->subnet : "", clash->name, s);
        goto out;
    }
    if (net_network_save(st, n, err) < 0)
        goto out;
    if (net_bridge_ensure(st, &nl, n, &ifindex, err) < 0) {
        net_network_remove(st, n->name, NULL);
        goto out;
    }
    ret = 0;
out:
    net_network_list_free(nets, count);
    hull_nl_close(&nl);
    return ret;
}

int hull_network_create(struct hull_engine *e, const struct hull_network_create_opts *o, char **id,
                        hull_error **err)
{
    struct net_state st;
    struct net_network n = {0};
    int ret;

    (void)e;
    if (o->driver != NULL && strcmp(o->driver, NET_DRIVER_BRIDGE) != 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "network driver \"%s\" is not supported (only bridge)", o->driver);
    if (net_name_validate(o->name, err) < 0)
        return -1;
    if (strcmp(o->name, "host") == 0 || strcmp(o->name, "none") == 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "operation is not permitted on predefined %s network", o->name);
    if (net_state_open(&st, err) < 0)
        return -1;
    ret = create_locked(&st, o, &n, err);
    if (ret == 0)
        *id = xstrdup(n.id);
    net_network_clear(&n);
    net_state_close(&st);
    return ret < 0 ? hull_err_wrap(err, "create network %s", o->name) : 0;
}

/* The live sandboxes with an endpoint on network NAME, once the dead are
 * released. */
static int users_of(struct net_state *st, const char *name, char **first, size_t *count,
                    hull_error **err)
{
    struct net_sandbox *sbs = NULL;
    size_t n = 0;
    struct hull_nl nl;

    *first = NULL;
    *count = 0;
    if (hull_nl_open(-1, &nl, err) < 0)
        return -1;
    if (net_gc_locked(st, &nl, err) < 0 || net_sandbox_list(st, &sbs, &n, err) < 0) {
        hull_nl_close(&nl);
        return -1;
    }
    hull_nl_close(&nl);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < sbs[i].n_eps; j++) {
            if (strcmp(sbs[i].eps[j].network, name) != 0)
                continue;
            if (*first == NULL)
                *first = xstrdup(sbs[i].name);
            (*count)++;
        }
    }
    net_sandbox_list_free(sbs, n);
    return 0;
}

static int remove_locked(struct net_state *st, const struct net_network *n, hull_error **err)
{
    _cleanup_free_ char *user = NULL, *cmds = NULL;
    struct hull_nft_net elem = {n->bridge, n->subnet, n->internal};
    struct net_network *rest = NULL;
    size_t users, n_rest = 0;
    struct hull_nl nl;
    bool any_bridge = false;

    if (users_of(st, n->name, &user, &users, err) < 0)
        return -1;
    if (users > 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "network %s has active endpoints (%zu, container \"%s\" among them)",
                             n->name, users, user);
    if (net_network_remove(st, n->name, err) < 0)
        return -1;
    if (net_network_list(st, &rest, &n_rest, err) < 0)
        return -1;
    for (size_t i = 0; i < n_rest; i++)
        any_bridge = any_bridge || is_bridge(&rest[i]);
    net_network_list_free(rest, n_rest);
    hull_nft_net_cmds(&cmds, "delete", &elem);
    /* With no bridge network left, nothing of hull's table is needed. */
    if ((any_bridge ? net_nft_sync(st, cmds, NULL, err) : hull_nft_table_delete(err)) < 0)
        return -1;
    if (hull_nl_open(-1, &nl, err) < 0)
        return -1;
    int ret = hull_nl_link_del(&nl, n->bridge, err);
    hull_nl_close(&nl);
    return ret;
}

int hull_network_rm(struct hull_engine *e, const char *ref, hull_error **err)
{
    struct net_state st;
    struct net_network n;
    int ret = -1;

    (void)e;
    if (net_state_open(&st, err) < 0)
        return -1;
    if (net_network_find(&st, ref, &n, err) == 0) {
        if (!is_bridge(&n))
            hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                          "%s is a pre-defined network and cannot be removed", n.name);
        else
            ret = remove_locked(&st, &n, err);
        net_network_clear(&n);
    }
    net_state_close(&st);
    return ret < 0 ? hull_err_wrap(err, "error while removing network %s", ref) : 0;
}

int hull_network_prune(struct hull_engine *e, char ***removed, hull_error **err)
{
    struct net_state st;
    struct net_network *nets = NULL;
    size_t n = 0;
    int ret = 0;

    (void)e;
    *removed = NULL;
    if (net_state_open(&st, err) < 0)
        return -1;
    if (net_network_list(&st, &nets, &n, err) < 0) {
        net_state_close(&st);
        return -1;
    }
    for (size_t i = 0; i < n && ret == 0; i++) {
        _cleanup_free_ char *user = NULL;
        size_t users;
        if (is_predefined(nets[i].name) || !is_bridge(&nets[i]))
            continue;
        ret = users_of(&st, nets[i].name, &user, &users, err);
        if (ret == 0 && users == 0 && (ret = remove_locked(&st, &nets[i], err)) == 0)
            strv_append(removed, nets[i].name);
    }
    net_network_list_free(nets, n);
    net_state_close(&st);
    return ret;
}
