/* Setting up a created container's network: addresses and host ports
 * are chosen under the network lock, the links are made after it (so
 * concurrent runs wait for each other only for the bookkeeping). */
#include "log.h"
#include "net_internal.h"
#include "net_nft.h"
#include "paths.h"
#include "rootless.h"
#include "state.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#define LOOPBACK_IFINDEX 1 /* in every network namespace */
#define MAX_ENDPOINTS    36
#define SHORT_ID_LEN     12

static const char index_chars[] = "0123456789abcdefghijklmnopqrstuvwxyz";

/* ---- addresses ---- */

/* Where the search for a free address of network N starts: one past the
 * last address handed out.  Addresses go round the subnet instead of the
 * lowest free one being taken again at once, so an address comes back
 * only long after its previous holder is gone (a namespace someone still
 * holds keeps its veth, and neighbours keep their caches for a while). */
static uint32_t next_hint(struct net_state *st, const struct net_network *n)
{
    _cleanup_free_ char *path = xasprintf("net/%s/next", n->name), *text = NULL;
    uint32_t ip;

    if (read_file_at(st->root_fd, path, 64, &text, NULL, NULL) < 0)
        return n->subnet.addr + 1;
    text[strcspn(text, "\n")] = '\0';
    if (hull_ipv4_parse(text, &ip) < 0 || !hull_cidr_contains(&n->subnet, ip))
        return n->subnet.addr + 1;
    return ip;
}

static void save_hint(struct net_state *st, const struct net_network *n, uint32_t ip)
{
    _cleanup_free_ char *dir = xasprintf("net/%s", n->name);
    _cleanup_close_ int fd = openat(st->root_fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    char text[HULL_IPV4_STRLEN + 1];

    hull_ipv4_format(ip, text);
    strcat(text, "\n");
    if (fd >= 0)
        write_file_replace(fd, "next", text, strlen(text), 0600, NULL);
}

static int allocate(struct net_state *st, const struct net_network *n, const char *want,
                    const char *id, uint32_t *out, hull_error **err)
{
    uint32_t first = n->subnet.addr + 1, last = hull_cidr_broadcast(&n->subnet) - 1;
    uint32_t ip = next_hint(st, n);
    int ret;

    if (want != NULL && want[0] != '\0') {
        if (hull_ipv4_parse(want, out) < 0)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "invalid --ip \"%s\"", want);
        ret = net_lease_claim(st, n->name, *out, id, err);
        if (ret == 0)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 "address %s on network %s: Address already in use", want, n->name);
        return ret < 0 ? -1 : 0;
    }
    for (uint32_t tried = 0; tried <= last - first; tried++, ip = ip >= last ? first : ip + 1) {
        if (ip < first || ip > last)
            ip = first;
        if (ip == n->gateway)
            continue;
        ret = net_lease_claim(st, n->name, ip, id, err);
        if (ret < 0)
            return -1;
        if (ret == 1) {
            *out = ip;
            save_hint(st, n, ip >= last ? first : ip + 1);
            return 0;
        }
    }
    return hull_err(err, 0, "no available IP addresses on network %s", n->name);
}

/* The next "ethN" the container does not use yet. */
static unsigned next_if_index(const struct net_sandbox *sb)
{
    for (unsigned i = 0;; i++) {
        char name[16];
        bool used = false;
        snprintf(name, sizeof(name), "eth%u", i);
        for (size_t j = 0; j < sb->n_eps; j++)
            used = used || strcmp(sb->eps[j].ifname, name) == 0;
        if (!used)
            return i;
    }
}

int net_endpoint_add(struct net_state *st, struct net_sandbox *sb, const struct net_network *n,
                     const char *want, hull_error **err)
{
    unsigned idx = next_if_index(sb);
    struct net_endpoint *ep;
    uint32_t ip;

    if (idx >= MAX_ENDPOINTS)
        return hull_err(err, 0, "container %.12s has too many networks", sb->container);
    if (allocate(st, n, want, sb->container, &ip, err) < 0)
        return -1;
    ep = net_sandbox_add_endpoint(sb);
    ep->network = xstrdup(n->name);
    ep->network_id = xstrdup(n->id);
    ep->ip = ip;
    ep->prefix = n->subnet.prefix;
    ep->gateway = n->gateway;
    /* Named after the container so that a stray one is easy to trace. */
    ep->veth = xasprintf("hv%.11s%c", sb->container, index_chars[idx]);
    ep->ifname = xasprintf("eth%u", idx);
    /* A MAC made from the address, as Docker did for years: a reused
     * address comes back with the same MAC, so the neighbours' caches
     * stay right. */
    ep->mac[0] = 0x02;
    ep->mac[1] = 0x42;
    for (int i = 0; i < 4; i++)
        ep->mac[2 + i] = (uint8_t)(ip >> (24 - 8 * i));
    return 0;
}

/* ---- host ports ---- */

/* Whether the host can bind PORT on IP itself: a port a host program
 * listens on is not handed out at random, and an address that is not the
 * host's cannot be published on.  With REUSE, only a socket that is bound
 * for good (a listener, a bound UDP socket) counts, not the TIME_WAIT
 * remains of past connections. */
static int bind_errno(const struct hull_port *p, uint16_t port, bool reuse)
{
    int type = strcmp(p->proto, "udp") == 0 ? SOCK_DGRAM : SOCK_STREAM;
    int proto = strcmp(p->proto, "sctp") == 0 ? IPPROTO_SCTP : 0;
    struct sockaddr_in sa = {
        .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(p->host_ip)};
    _cleanup_close_ int fd = socket(AF_INET, type | SOCK_CLOEXEC, proto);
    int one = 1;

    if (fd < 0)
        return 0;
    if (reuse)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    return bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? errno : 0;
}

static bool taken(const struct hull_port *p, const struct hull_ports *a, const struct hull_ports *b)
{
    for (size_t i = 0; i < a->n; i++)
        if (hull_port_conflicts(p, &a->v[i]))
            return true;
    for (size_t i = 0; i < b->n; i++)
        if (hull_port_conflicts(p, &b->v[i]))
            return true;
    return false;
}

static void local_port_range(unsigned *lo, unsigned *hi)
{
    _cleanup_free_ char *text = NULL;

    *lo = 32768;
    *hi = 60999;
    if (read_file_at(AT_FDCWD, "/proc/sys/net/ipv4/ip_local_port_range", 64, &text, NULL, NULL) ==
            0 &&
        (sscanf(text, "%u %u", lo, hi) != 2 || *lo < 1 || *hi > 65535 || *lo > *hi)) {
        *lo = 32768;
        *hi = 60999;
    }
}

static int pick_port(struct hull_port *p, const struct hull_ports *used,
                     const struct hull_ports *mine, hull_error **err)
{
    unsigned lo, hi, start;
    char hex[5];

    local_port_range(&lo, &hi);
    if (random_hex(hex, 2, err) < 0)
        return -1;
    start = (unsigned)strtoul(hex, NULL, 16) % (hi - lo + 1);
    for (unsigned i = 0; i <= hi - lo; i++) {
        p->host_port = (uint16_t)(lo + (start + i) % (hi - lo + 1));
        if (!taken(p, used, mine) && bind_errno(p, p->host_port, false) == 0)
            return 0;
    }
    return hull_err(err, 0, "no free host port left for %u/%s", p->container_port, p->proto);
}

/* Chooses the host ports of WANT for container SELF against the ports of
 * every other live container. */
static int ports_choose(struct net_state *st, const struct hull_ports *want, const char *self,
                        struct hull_ports *out, hull_error **err)
{
    struct net_sandbox *all = NULL;
    struct hull_ports used = {0};
    size_t n = 0;
    int ret = 0;
    char ip[HULL_IPV4_STRLEN];

    if (want->n == 0)
        return 0;
    if (net_sandbox_list(st, &all, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (strcmp(all[i].container, self) != 0 && net_sandbox_alive(st, &all[i]))
            for (size_t j = 0; j < all[i].ports.n; j++)
                hull_ports_add(&used, &all[i].ports.v[j]);
    for (size_t i = 0; i < want->n && ret == 0; i++) {
        struct hull_port p = want->v[i];
        if (p.host_ip != 0 && bind_errno(&p, 0, false) == EADDRNOTAVAIL)
            ret = hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                "cannot publish on %s: not an address of this host",
                                hull_ipv4_format(p.host_ip, ip));
        else if (p.host_port == 0)
            ret = pick_port(&p, &used, out, err);
        else if (taken(&p, &used, out))
            ret = hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                "Bind for %s:%u failed: port is already allocated",
                                hull_ipv4_format(p.host_ip, ip), p.host_port);
        /* The DNAT would take the port's traffic from under the host
         * program that serves it. */
        else if (bind_errno(&p, p.host_port, true) == EADDRINUSE)
            ret = hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                "Bind for %s:%u/%s failed: a program of the host listens there",
                                hull_ipv4_format(p.host_ip, ip), p.host_port, p.proto);
        if (ret == 0)
            hull_ports_add(out, &p);
    }
    hull_ports_clear(&used);
    net_sandbox_list_free(all, n);
    return ret;
}

/* ---- links ---- */

int net_endpoint_wire(struct hull_nl *host, struct hull_nl *inside, int netns_fd, int master,
                      const struct net_endpoint *ep, bool default_route, hull_error **err)
{
    struct hull_veth v = {ep->veth, master, ep->ifname, netns_fd, {0}};
    int ifindex;

    memcpy(v.peer_mac, ep->mac, sizeof(v.peer_mac));
    /* A veth of this name is a leftover of this very container's
     * earlier run (the name is derived from its id). */
    if (hull_nl_link_del(host, ep->veth, err) < 0 || hull_nl_veth_add(host, &v, err) < 0 ||
        hull_nl_link_get(inside, ep->ifname, &ifindex, NULL, err) < 0)
        return -1;
    if (ifindex == 0)
        return hull_err(err, ENODEV, "find %s in the container", ep->ifname);
    if (hull_nl_link_up(inside, ifindex, err) < 0 ||
        hull_nl_addr_add(inside, ifindex, ep->ip, ep->prefix, err) < 0 ||
        (default_route && hull_nl_route_default(inside, ep->gateway, err) < 0))
        return -1;
    return 0;
}

static char *pub_cmds(const struct net_sandbox *sb, const char *verb)
{
    char *cmds = NULL;

    for (size_t i = 0; sb->n_eps > 0 && i < sb->ports.n; i++) {
        struct hull_nft_pub pub = {sb->ports.v[i], sb->eps[0].ip};
        hull_nft_pub_cmds(&cmds, verb, &pub);
    }
    return cmds;
}

int net_endpoint_remove(struct net_state *st, struct hull_nl *host, struct net_sandbox *sb,
                        size_t at, hull_error **err)
{
    _cleanup_free_ char *network = xstrdup(sb->eps[at].network);
    _cleanup_free_ char *del = NULL, *add = NULL;
    char *const networks[] = {network, NULL};
    struct net_endpoint gone = sb->eps[at];

    /* Published ports lead to the first endpoint: they follow it when it
     * goes. */
    if (at == 0)
        del = pub_cmds(sb, "delete");
    memmove(&sb->eps[at], &sb->eps[at + 1], (sb->n_eps - at - 1) * sizeof(*sb->eps));
    sb->n_eps--;
    if (at == 0)
        add = pub_cmds(sb, "add");
    if (hull_nl_link_del(host, gone.veth, err) < 0) {
        sb->eps[sb->n_eps++] = gone;
        return -1;
    }
    net_lease_drop(st, gone.network, gone.ip, sb->container);
    free(gone.network);
    free(gone.network_id);
    free(gone.veth);
    free(gone.ifname);
    if (net_sandbox_save(st, sb, err) < 0 ||
        (del != NULL && net_nft_sync(st, del, NULL, err) < 0) ||
        (add != NULL && net_nft_sync(st, add, NULL, err) < 0))
        return -1;
    return net_hosts_refresh(st, networks, sb, err);
}

static int netns_mount(int netns_fd, const char *path, hull_error **err)
{
    char src[HULL_FD_PATH_MAX];
    _cleanup_close_ int fd = -1;

    if (mkdir_p(HULL_NETNS_DIR, 0755, err) < 0)
        return -1;
    umount2(path, MNT_DETACH);
    fd = open(path, O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0444);
    if (fd < 0)
        return hull_err(err, errno, "create \"%s\"", path);
    snprintf(src, sizeof(src), "/proc/self/fd/%d", netns_fd);
    if (mount(src, path, NULL, MS_BIND, NULL) < 0)
        return hull_err(err, errno, "mount the network namespace on \"%s\"", path);
    return 0;
}

/* ---- setup ---- */

struct setup {
    struct net_state st;
    struct hull_nl host, inside;
    int netns_fd;
    struct net_sandbox sb;
    int masters[MAX_ENDPOINTS];
};

/* The bookkeeping, under the lock: the dead released first, bridges,
 * addresses, ports, the sandbox written, the rules and hosts files. */
static int plan_locked(struct setup *s, const struct net_request *req, hull_error **err)
{
    _cleanup_free_ char *cmds = NULL;
    struct net_sandbox *sb = &s->sb;

    if (net_gc_locked(&s->st, &s->host, err) < 0 || net_nft_ensure(&s->st, err) < 0)
        return -1;
    for (size_t i = 0; req->networks != NULL && req->networks[i] != NULL; i++) {
        struct net_network n;
        int ret = net_network_load(&s->st, req->networks[i], &n, err);
        if (ret == 0 && strcmp(n.driver, NET_DRIVER_BRIDGE) != 0)
            ret = hull_err(err, 0, "network %s is not a bridge network", n.name);
        if (ret == 0)
            ret = net_bridge_ensure(&s->st, &s->host, &n, &s->masters[sb->n_eps], err);
        if (ret == 0)
            ret = net_endpoint_add(&s->st, sb, &n, req->ips[i], err);
        net_network_clear(&n);
        if (ret < 0)
            return -1;
    }
    if (ports_choose(&s->st, &req->ports, sb->container, &sb->ports, err) < 0 ||
        net_sandbox_save(&s->st, sb, err) < 0)
        return -1;
    cmds = pub_cmds(sb, "add");
    if (net_nft_sync(&s->st, cmds, NULL, err) < 0)
        return -1;
    return net_hosts_refresh(&s->st, req->networks, sb, err);
}

/* The bookkeeping of a rootless container on the default network, under
 * the lock: slirp4netns started for its namespace and recorded, so that
 * its release stops it.  A hull that a monitor re-executed inside the
 * user namespace has no helper to start it from (a restart): the
 * container then has no way out, and is told so in the log. */
static int plan_slirp_locked(struct setup *s, const struct net_request *req, pid_t init,
                             hull_error **err)
{
    _cleanup_error_ hull_error *e = NULL;

    if (net_gc_locked(&s->st, &s->host, err) < 0)
        return -1;
    for (size_t i = 0; i < req->ports.n; i++)
        hull_ports_add(&s->sb.ports, &req->ports.v[i]);
    if (hull_rootless_slirp(init, s->sb.ports.v, s->sb.ports.n, &s->sb.slirp, &e) < 0) {
        if (e->errnum != ENOTCONN) {
            *err = take_ptr(e);
            return -1;
        }
        hull_warn("container %.12s has no outbound network nor published ports: %s",
                  s->sb.container, e->msg);
        hull_ports_clear(&s->sb.ports);
    } else {
        s->sb.slirp_start = hull_proc_start_time(s->sb.slirp);
    }
    if (net_sandbox_save(&s->st, &s->sb, err) < 0) {
        if (s->sb.slirp > 0)
            kill(s->sb.slirp, SIGTERM);
        return -1;
    }
    return net_hosts_refresh(&s->st, NULL, &s->sb, err);
}

static void sandbox_init(struct net_sandbox *sb, const struct hull_ctr *c,
                         const struct net_request *req, const char *boot_id, pid_t init)
{
    memset(sb, 0, sizeof(*sb));
    sb->container = xstrdup(c->id);
    sb->name = xstrdup(c->name);
    sb->hostname = xstrdup(req->hostname);
    sb->boot_id = xstrdup(boot_id);
    sb->pid = init;
    sb->pid_start = hull_proc_start_time(init);
    sb->netns = xasprintf("%s/hull-%.*s", HULL_NETNS_DIR, SHORT_ID_LEN, c->id);
    sb->files_dir = xstrdup(req->files_dir);
    sb->extra_hosts = strv_dup(req->extra_hosts);
}

/* Undoes a setup that failed after its plan was recorded. */
static void undo(struct setup *s)
{
    _cleanup_error_ hull_error *e = NULL;

    if (net_state_open(&s->st, &e) < 0 || net_sandbox_release(&s->st, &s->host, &s->sb, &e) < 0)
        hull_warn("%s", e->msg);
    net_state_close(&s->st);
}

static int setup_sandbox(struct setup *s, const struct hull_ctr *c, const struct net_request *req,
                         pid_t init, hull_error **err)
{
    int ret;

    if (net_state_open(&s->st, err) < 0)
        return -1;
    sandbox_init(&s->sb, c, req, s->st.boot_id, init);
    if (net_request_slirp(req))
        ret = plan_slirp_locked(s, req, init, err);
    else if (strcmp(req->mode, "bridge") == 0)
        ret = plan_locked(s, req, err);
    else
        ret = net_sandbox_save(&s->st, &s->sb, err);
    net_state_close(&s->st);
    if (ret < 0) {
        undo(s);
        return -1;
    }
    for (size_t i = 0; i < s->sb.n_eps && ret == 0; i++)
        ret = net_endpoint_wire(&s->host, &s->inside, s->netns_fd, s->masters[i], &s->sb.eps[i],
                                i == 0, err);
    if (ret == 0)
        ret = netns_mount(s->netns_fd, s->sb.netns, err);
    if (ret < 0)
        undo(s);
    return ret;
}

int hull_net_setup(struct hull_engine *e, const struct hull_ctr *c, pid_t init, hull_error **err)
{
    _cleanup_free_ char *ns_path = xasprintf("/proc/%d/ns/net", (int)init);
    struct setup s = {.netns_fd = -1};
    struct net_request req;
    int ret = -1;

    (void)e;
    if (net_request_load(c->network, &req, err) < 0)
        return hull_err_wrap(err, "set up the network");
    if (strcmp(req.mode, "host") == 0 || strcmp(req.mode, "container") == 0) {
        net_request_clear(&req);
        return 0;
    }
    s.netns_fd = open(ns_path, O_RDONLY | O_CLOEXEC);
    if (s.netns_fd < 0) {
        hull_err(err, errno, "open \"%s\"", ns_path);
        goto out;
    }
    /* A new network namespace starts with lo down; 127.0.0.1 works in
     * every Docker container. */
    if (hull_nl_open(-1, &s.host, err) < 0 || hull_nl_open(s.netns_fd, &s.inside, err) < 0 ||
        hull_nl_link_up(&s.inside, LOOPBACK_IFINDEX, err) < 0)
        goto out;
    ret = c->network == NULL ? 0 : setup_sandbox(&s, c, &req, init, err);
out:
    net_sandbox_clear(&s.sb);
    hull_nl_close(&s.inside);
    hull_nl_close(&s.host);
    closep(&s.netns_fd);
    net_request_clear(&req);
    return ret < 0 ? hull_err_wrap(err, "set up the network") : 0;
}
