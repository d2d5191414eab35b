/* Route netlink requests, built and parsed with libmnl.  Every request
 * asks for an acknowledgement, so a failure comes back as the errno the
 * kernel chose. */
#include "net_link.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sched.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

/* Requests are small; dumps of a busy host's routes come in several
 * replies of up to NL_BUF. */
#define NL_REQ 2048
#define NL_BUF 32768

int hull_nl_open(int netns_fd, struct hull_nl *nl, hull_error **err)
{
    _cleanup_close_ int self = -1;
    int saved = 0;

    memset(nl, 0, sizeof(*nl));
    if (netns_fd >= 0) {
        self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        if (self < 0)
            return hull_err(err, errno, "open our network namespace");
        if (setns(netns_fd, CLONE_NEWNET) < 0)
            return hull_err(err, errno, "enter the container's network namespace");
    }
    nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
    if (nl->sock == NULL)
        saved = errno;
    if (netns_fd >= 0 && setns(self, CLONE_NEWNET) < 0)
        return hull_err(err, errno, "return to our network namespace");
    if (nl->sock == NULL)
        return hull_err(err, saved, "open a netlink socket");
    if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
        saved = errno;
        hull_nl_close(nl);
        return hull_err(err, saved, "bind a netlink socket");
    }
    nl->portid = mnl_socket_get_portid(nl->sock);
    return 0;
}

void hull_nl_close(struct hull_nl *nl)
{
    if (nl->sock != NULL)
        mnl_socket_close(nl->sock);
    nl->sock = NULL;
}

/* Sends NLH and runs CB on every reply until the acknowledgement, the
 * end of a dump or an error.  Every request but a dump asks for an
 * acknowledgement: a request that succeeds is otherwise answered by
 * nothing at all.  Returns 0 or -errno. */
static int nl_talk(struct hull_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
    _cleanup_free_ char *buf = xmalloc(NL_BUF);
    ssize_t n;
    int ret = MNL_CB_OK;

    nlh->nlmsg_seq = ++nl->seq;
    /* NLM_F_DUMP shares its bits with NLM_F_EXCL: only a GET dumps. */
    if (nlh->nlmsg_flags != NLM_F_DUMP)
        nlh->nlmsg_flags |= NLM_F_ACK;
    nlh->nlmsg_flags |= NLM_F_REQUEST;
    if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
        return -errno;
    while (ret > MNL_CB_STOP) {
        n = mnl_socket_recvfrom(nl->sock, buf, NL_BUF);
        if (n < 0)
            return -errno;
        ret = mnl_cb_run(buf, (size_t)n, nl->seq, nl->portid, cb, data);
    }
    return ret < 0 ? -errno : 0;
}

static struct nlmsghdr *put_link_msg(char *buf, uint16_t type, uint16_t flags, int ifindex)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    struct ifinfomsg *ifi;

    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = flags;
    ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = ifindex;
    return nlh;
}

struct link_reply {
    int ifindex;
    char kind[16];
};

static int kind_attr(const struct nlattr *a, void *data)
{
    struct link_reply *r = data;

    if (mnl_attr_get_type(a) == IFLA_INFO_KIND && mnl_attr_validate(a, MNL_TYPE_STRING) == 0)
        snprintf(r->kind, sizeof(r->kind), "%s", mnl_attr_get_str(a));
    return MNL_CB_OK;
}

static int link_attr(const struct nlattr *a, void *data)
{
    if (mnl_attr_get_type(a) == IFLA_LINKINFO)
        mnl_attr_parse_nested(a, kind_attr, data);
    return MNL_CB_OK;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
    struct link_reply *r = data;
    struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

    r->ifindex = ifi->ifi_index;
    mnl_attr_parse(nlh, sizeof(*ifi), link_attr, r);
    return MNL_CB_OK;
}

int hull_nl_link_get(struct hull_nl *nl, const char *name, int *ifindex, char kind[16],
                     hull_error **err)
{
    char buf[NL_REQ];
    struct nlmsghdr *nlh = put_link_msg(buf, RTM_GETLINK, 0, 0);
    struct link_reply r = {0};
    int ret;

    mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    ret = nl_talk(nl, nlh, link_cb, &r);
    if (ret == -ENODEV) {
        r.ifindex = 0;
    } else if (ret < 0) {
        return hull_err(err, -ret, "look up link \"%s\"", name);
    }
    *ifindex = r.ifindex;
    if (kind != NULL)
        memcpy(kind, r.kind, sizeof(r.kind));
    return 0;
}

int hull_nl_bridge_add(struct hull_nl *nl, const char *name, hull_error **err)
{
    char buf[NL_REQ];
    struct nlmsghdr *nlh = put_link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
    struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
    struct nlattr *info;
    int ret;

    ifi->ifi_flags = ifi->ifi_change = IFF_UP;
    mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
    mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
    mnl_attr_nest_end(nlh, info);
    ret = nl_talk(nl, nlh, NULL, NULL);
    if (ret < 0)
        return hull_err(err, -ret, "create bridge \"%s\"", name);
    return 0;
}

int hull_nl_link_up(struct hull_nl *nl, int ifindex, hull_error **err)
{
    char buf[NL_REQ];
    struct nlmsghdr *nlh = put_link_msg(buf, RTM_NEWLINK, 0, ifindex);
    struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
    int ret;

    ifi->ifi_flags = ifi->ifi_change = IFF_UP;
    ret = nl_talk(nl, nlh, NULL, NULL);
    if (ret < 0)
        return hull_err(err, -ret, "set link %d up", ifindex);
    return 0;
}

int hull_nl_link_del(struct hull_nl *nl, const char *name, hull_error **err)
{
    char buf[NL_REQ];
    struct nlmsghdr *nlh = put_link_msg(buf, RTM_DELLINK, 0, 0);
    int ret;

    mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    ret = nl_talk(nl, nlh, NULL, NULL);
    if (ret < 0 && ret != -ENODEV)
        return hull_err(err, -ret, "delete link \"%s\"", name);
    return 0;
}

int hull_nl_addr_add(struct hull_nl *nl, int ifindex, uint32_t ip, unsigned prefix,
                     hull_error **err)
{
    char buf[NL_REQ];
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    struct ifaddrmsg *ifa;
    uint32_t mask = prefix == 0 ? 0 : ~UINT32_C(0) << (32 - prefix);
    int ret;

    nlh->nlmsg_type = RTM_NEWADDR;
    nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
    ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
    ifa->ifa_family = AF_INET;
    ifa->ifa_prefixlen = (unsigned char)prefix;
    ifa->ifa_scope = RT_SCOPE_UNIVERSE;
    ifa->ifa_index = (unsigned)ifindex;
    mnl_attr_put_u32(nlh, IFA_LOCAL, htonl(ip));
    mnl_attr_put_u32(nlh, IFA_ADDRESS, htonl(ip));
    mnl_attr_put_u32(nlh, IFA_BROADCAST, htonl(ip | ~mask));
    ret = nl_talk(nl, nlh, NULL, NULL);
    if (ret < 0 && ret != -EEXIST)
        return hull_err(err, -ret, "add an address to link %d", ifindex);
    return 0;
}

struct addr_probe {
    int ifindex;
    uint32_t ip;
    bool found;
};

static int addr_attr(const struct nlattr *a, void *data)
{
    struct addr_probe *p = data;

    if (mnl_attr_get_type(a) == IFA_LOCAL && mnl_attr_validate(a, MNL_TYPE_U32) == 0 &&
        ntohl(mnl_attr_get_u32(a)) == p->ip)
        p->found = true;
    return MNL_CB_OK;
}

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
    struct addr_probe *p = data;
    struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);

    if (ifa->ifa_family == AF_INET && (int)ifa->ifa_index == p->ifindex)
        mnl_attr_parse(nlh, sizeof(*ifa), addr_attr, p);
    return MNL_CB_OK;
}

int hull_nl_addr_has(struct hull_nl *nl, int ifindex, uint32_t ip, bool *has, hull_error **err)
{
    char buf[NL_REQ];
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    struct ifaddrmsg *ifa;
    struct addr_probe p = {ifindex, ip, false};
    int ret;

    nlh->nlmsg_type = RTM_GETADDR;
    nlh->nlmsg_flags = NLM_F_DUMP;
    ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
    ifa->ifa_family = AF_INET;
    ret = nl_talk(nl, nlh, addr_cb, &p);
    if (ret < 0)
        return hull_err(err, -ret, "list the addresses of link %d", ifindex);
    *has = p.found;
    return 0;
}

/* Bridge port options of an existing link: hairpin mode lets a frame go
 * back out of the port it came in, which is the way back to a container
 * that reached its own published port through the host. */
static int set_hairpin(struct hull_nl *nl, const char *name)
{
    char buf[NL_REQ];
    struct nlmsghdr *nlh = put_link_msg(buf, RTM_NEWLINK, 0, 0);
    struct nlattr *info, *slave;

    mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
    mnl_attr_put_strz(nlh, IFLA_INFO_SLAVE_KIND, "bridge");
    slave = mnl_attr_nest_start(nlh, IFLA_INFO_SLAVE_DATA);
    mnl_attr_put_u8(nlh, IFLA_BRPORT_MODE, 1);
    mnl_attr_nest_end(nlh, slave);
    mnl_attr_nest_end(nlh, info);
    return nl_talk(nl, nlh, NULL, NULL);
}

int hull_nl_veth_add(struct hull_nl *nl, const struct hull_veth *v, hull_error **err)
{
    char buf[NL_REQ];
    struct nlmsghdr *nlh = put_link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
    struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh), *peer;
    struct nlattr *info, *data, *peer_attr;
    int ret;

    ifi->ifi_flags = ifi->ifi_change = IFF_UP;
    mnl_attr_put_strz(nlh, IFLA_IFNAME, v->host_name);
    mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)v->master);
    info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
    mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
    data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
    /* VETH_INFO_PEER holds an ifinfomsg before its attributes: not a
     * plain nest, and the kernel refuses it flagged as one. */
    peer_attr = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
    peer_attr->nla_type &= (uint16_t)~NLA_F_NESTED;
    /* The peer's own ifinfomsg, without IFF_UP: the kernel would open it
     * before the pair is linked, and refuse (ENOTCONN). */
    peer = mnl_nlmsg_put_extra_header(nlh, sizeof(*peer));
    peer->ifi_family = AF_UNSPEC;
    mnl_attr_put_strz(nlh, IFLA_IFNAME, v->peer_name);
    mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)v->peer_netns_fd);
    mnl_attr_put(nlh, IFLA_ADDRESS, sizeof(v->peer_mac), v->peer_mac);
    mnl_attr_nest_end(nlh, peer_attr);
    mnl_attr_nest_end(nlh, data);
    mnl_attr_nest_end(nlh, info);
    ret = nl_talk(nl, nlh, NULL, NULL);
    if (ret < 0)
        return hull_err(err, -ret, "create veth pair \"%s\"", v->host_name);
    ret = set_hairpin(nl, v->host_name);
    if (ret < 0) {
        hull_nl_link_del(nl, v->host_name, NULL);
        return hull_err(err, -ret, "set hairpin mode on \"%s\"", v->host_name);
    }
    return 0;
}

int hull_nl_route_default(struct hull_nl *nl, uint32_t gateway, hull_error **err)
{
    char buf[NL_REQ];
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    struct rtmsg *rt;
    int ret;

    nlh->nlmsg_type = RTM_NEWROUTE;
    nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
    rt = mnl_nlmsg_put_extra_header(nlh, sizeof(*rt));
    rt->rtm_family = AF_INET;
    rt->rtm_table = RT_TABLE_MAIN;
    rt->rtm_protocol = RTPROT_BOOT;
    rt->rtm_scope = RT_SCOPE_UNIVERSE;
    rt->rtm_type = RTN_UNICAST;
    mnl_attr_put_u32(nlh, RTA_GATEWAY, htonl(gateway));
    ret = nl_talk(nl, nlh, NULL, NULL);
    if (ret < 0)
        return hull_err(err, -ret, "add the default route");
    return 0;
}

struct route_dump {
    struct hull_nl_route *v;
    size_t n;
};

static int route_attr(const struct nlattr *a, void *data)
{
    struct hull_nl_route *r = data;

    if (mnl_attr_get_type(a) == RTA_DST && mnl_attr_validate(a, MNL_TYPE_U32) == 0)
        r->dst = ntohl(mnl_attr_get_u32(a));
    else if (mnl_attr_get_type(a) == RTA_OIF && mnl_attr_validate(a, MNL_TYPE_U32) == 0)
        r->oif = (int)mnl_attr_get_u32(a);
    return MNL_CB_OK;
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
    struct route_dump *d = data;
    struct rtmsg *rt = mnl_nlmsg_get_payload(nlh);
    struct hull_nl_route r = {.prefix = rt->rtm_dst_len};

    if (rt->rtm_family != AF_INET || rt->rtm_table != RT_TABLE_MAIN || rt->rtm_dst_len == 0)
        return MNL_CB_OK;
    mnl_attr_parse(nlh, sizeof(*rt), route_attr, &r);
    d->v = xrealloc(d->v, (d->n + 1) * sizeof(*d->v));
    d->v[d->n++] = r;
    return MNL_CB_OK;
}

int hull_nl_routes(struct hull_nl *nl, struct hull_nl_route **out, size_t *n, hull_error **err)
{
    char buf[NL_REQ];
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    struct rtmsg *rt;
    struct route_dump d = {0};
    int ret;

    nlh->nlmsg_type = RTM_GETROUTE;
    nlh->nlmsg_flags = NLM_F_DUMP;
    rt = mnl_nlmsg_put_extra_header(nlh, sizeof(*rt));
    rt->rtm_family = AF_INET;
    ret = nl_talk(nl, nlh, route_cb, &d);
    if (ret < 0) {
        free(d.v);
        return hull_err(err, -ret, "list the host's routes");
    }
    *out = d.v;
    *n = d.n;
    return 0;
}
