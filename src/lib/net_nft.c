/* hull's nftables table. */
#include "net_nft.h"
#include "util.h"

#include <dlfcn.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <nftables/libnftables.h>
#include <pthread.h>
#include <string.h>

/* publish: DNAT of published ports, for packets to any local address
 *   (fib daddr type local) arriving from outside (prerouting) or made on
 *   the host itself (output: curl to 127.0.0.1 or to the bridge's
 *   address), first by exact host address, then for "any address".
 * postrouting: masquerade what leaves a subnet for anywhere but a hull
 *   bridge; what reaches a container from 127.0.0.0/8 (the container
 *   could not answer 127.0.0.1, and the kernel routes it only thanks to
 *   route_localnet on the bridge); and a container reaching a published
 *   port of its own network through the host (hairpin), whose answer
 *   would otherwise skip the host and its NAT.
 * forward: an internal network's bridge forwards nothing to or from
 *   another interface; networks are isolated from each other: a packet
 *   going from one hull bridge to another is dropped, unless it is a
 *   published port being reached, which is meant to be public. */
static const char table_rules[] =
    "table ip hull {\n"
    "  map pub_any { type inet_proto . inet_service : ipv4_addr . inet_service; }\n"
    "  map pub_ip { type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service; }\n"
    "  set subnets { type ipv4_addr; flags interval; }\n"
    "  set bridges { type ifname; }\n"
    "  set same_net { type ifname . ifname; }\n"
    "  set internal { type ifname; }\n"
    "  chain publish {\n"
    "    dnat ip to ip daddr . meta l4proto . th dport map @pub_ip\n"
    "    dnat ip to meta l4proto . th dport map @pub_any\n"
    "  }\n"
    "  chain prerouting {\n"
    "    type nat hook prerouting priority dstnat; policy accept;\n"
    "    fib daddr type local jump publish\n"
    "  }\n"
    "  chain output {\n"
    "    type nat hook output priority -100; policy accept;\n"
    "    fib daddr type local jump publish\n"
    "  }\n"
    "  chain postrouting {\n"
    "    type nat hook postrouting priority srcnat; policy accept;\n"
    "    ip saddr @subnets oifname != @bridges masquerade\n"
    "    oifname @bridges ip saddr 127.0.0.0/8 masquerade\n"
    "    oifname @bridges ct status dnat ip saddr @subnets masquerade\n"
    "  }\n"
    "  chain forward {\n"
    "    type filter hook forward priority filter; policy accept;\n"
    "    iifname @internal iifname . oifname != @same_net drop\n"
    "    oifname @internal iifname . oifname != @same_net drop\n"
    "    ct status dnat accept\n"
    "    iifname @bridges oifname @bridges iifname . oifname != @same_net drop\n"
    "  }\n"
    "}\n";

#ifndef HULL_LIBNFTABLES_SONAME
#define HULL_LIBNFTABLES_SONAME "libnftables.so.1"
#endif

/* libnftables (with libnftnl, libxtables and libgmp) is loaded the first
 * time a ruleset changes rather than linked: most hull processes never
 * touch one, and relocating those libraries costs each of them time at
 * every start (three processes per `hull run`). */
static struct {
    __typeof__(&nft_ctx_new) ctx_new;
    __typeof__(&nft_ctx_free) ctx_free;
    __typeof__(&nft_ctx_buffer_output) buffer_output;
    __typeof__(&nft_ctx_buffer_error) buffer_error;
    __typeof__(&nft_ctx_get_error_buffer) get_error_buffer;
    __typeof__(&nft_run_cmd_from_buffer) run_cmd_from_buffer;
} nftlib;
static const char *nftlib_problem; /* why libnftables is unusable, or NULL */

static void nftlib_load(void)
{
    void *lib = dlopen(HULL_LIBNFTABLES_SONAME, RTLD_NOW | RTLD_LOCAL);

    if (lib == NULL) {
        nftlib_problem = dlerror();
        return;
    }
    nftlib.ctx_new = (__typeof__(nftlib.ctx_new))dlsym(lib, "nft_ctx_new");
    nftlib.ctx_free = (__typeof__(nftlib.ctx_free))dlsym(lib, "nft_ctx_free");
    nftlib.buffer_output = (__typeof__(nftlib.buffer_output))dlsym(lib, "nft_ctx_buffer_output");
    nftlib.buffer_error = (__typeof__(nftlib.buffer_error))dlsym(lib, "nft_ctx_buffer_error");
    nftlib.get_error_buffer =
        (__typeof__(nftlib.get_error_buffer))dlsym(lib, "nft_ctx_get_error_buffer");
    nftlib.run_cmd_from_buffer =
        (__typeof__(nftlib.run_cmd_from_buffer))dlsym(lib, "nft_run_cmd_from_buffer");
    if (nftlib.ctx_new == NULL || nftlib.ctx_free == NULL || nftlib.buffer_output == NULL ||
        nftlib.buffer_error == NULL || nftlib.get_error_buffer == NULL ||
        nftlib.run_cmd_from_buffer == NULL)
        nftlib_problem = "it lacks functions of its API";
}

int hull_nft_run(const char *cmds, hull_error **err)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    struct nft_ctx *nft;
    int ret = 0;

    pthread_once(&once, nftlib_load);
    if (nftlib_problem != NULL)
        return hull_err(err, 0, "nftables: load %s: %s", HULL_LIBNFTABLES_SONAME, nftlib_problem);
    nft = nftlib.ctx_new(NFT_CTX_DEFAULT);
    if (nft == NULL)
        return hull_err(err, 0, "nftables: cannot create a context");
    nftlib.buffer_output(nft);
    nftlib.buffer_error(nft);
    if (nftlib.run_cmd_from_buffer(nft, cmds) != 0) {
        _cleanup_free_ char *msg = xstrdup(nftlib.get_error_buffer(nft));
        size_t len = strlen(msg);
        while (len > 0 && msg[len - 1] == '\n')
            msg[--len] = '\0';
        ret = hull_err(err, 0, "nftables: %s", msg);
    }
    nftlib.ctx_free(nft);
    return ret;
}

static void appendf(char **cmds, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void appendf(char **cmds, const char *fmt, ...)
{
    va_list ap;
    _cleanup_free_ char *line = NULL;
    char *next;

    va_start(ap, fmt);
    line = xvasprintf(fmt, ap);
    va_end(ap);
    next = xasprintf("%s%s", *cmds != NULL ? *cmds : "", line);
    free(*cmds);
    *cmds = next;
}

void hull_nft_net_cmds(char **cmds, const char *verb, const struct hull_nft_net *net)
{
    char ip[HULL_IPV4_STRLEN];

    appendf(cmds, "%s element " HULL_NFT_TABLE " bridges { \"%s\" }\n", verb, net->bridge);
    appendf(cmds, "%s element " HULL_NFT_TABLE " same_net { \"%s\" . \"%s\" }\n", verb, net->bridge,
            net->bridge);
    appendf(cmds, "%s element " HULL_NFT_TABLE " subnets { %s/%u }\n", verb,
            hull_ipv4_format(net->subnet.addr, ip), net->subnet.prefix);
    if (net->internal)
        appendf(cmds, "%s element " HULL_NFT_TABLE " internal { \"%s\" }\n", verb, net->bridge);
}

void hull_nft_pub_cmds(char **cmds, const char *verb, const struct hull_nft_pub *pub)
{
    char host[HULL_IPV4_STRLEN], ctr[HULL_IPV4_STRLEN];
    const struct hull_port *p = &pub->port;

    hull_ipv4_format(pub->ctr_ip, ctr);
    if (p->host_ip == 0)
        appendf(cmds, "%s element " HULL_NFT_TABLE " pub_any { %s . %u : %s . %u }\n", verb,
                p->proto, p->host_port, ctr, p->container_port);
    else
        appendf(cmds, "%s element " HULL_NFT_TABLE " pub_ip { %s . %s . %u : %s . %u }\n", verb,
                hull_ipv4_format(p->host_ip, host), p->proto, p->host_port, ctr, p->container_port);
}

char *hull_nft_table_text(const struct hull_nft_net *nets, size_t n_nets,
                          const struct hull_nft_pub *pubs, size_t n_pubs)
{
    /* "add" then "delete" makes the removal work whether or not the
     * table exists; the new one follows in the same transaction, so
     * there is no moment without rules. */
    char *cmds =
        xasprintf("add table " HULL_NFT_TABLE "\ndelete table " HULL_NFT_TABLE "\n%s", table_rules);

    for (size_t i = 0; i < n_nets; i++)
        hull_nft_net_cmds(&cmds, "add", &nets[i]);
    for (size_t i = 0; i < n_pubs; i++)
        hull_nft_pub_cmds(&cmds, "add", &pubs[i]);
    return cmds;
}

/* One netlink request instead of libnftables: this runs for every
 * container, and libnftables would fetch and parse the whole table. */
int hull_nft_table_exists(bool *exists, hull_error **err)
{
    char buf[8192];
    struct mnl_socket *sock = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    struct nfgenmsg *nfg;
    unsigned portid;
    ssize_t n;
    int ret = MNL_CB_OK, saved;

    if (sock == NULL || mnl_socket_bind(sock, 0, MNL_SOCKET_AUTOPID) < 0) {
        saved = errno;
        if (sock != NULL)
            mnl_socket_close(sock);
        return hull_err(err, saved, "open a netfilter netlink socket");
    }
    portid = mnl_socket_get_portid(sock);
    nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETTABLE;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    nlh->nlmsg_seq = 1;
    nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
    nfg->nfgen_family = NFPROTO_IPV4;
    nfg->version = NFNETLINK_V0;
    mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, "hull");
    if (mnl_socket_sendto(sock, nlh, nlh->nlmsg_len) < 0)
        ret = MNL_CB_ERROR;
    while (ret > MNL_CB_STOP) {
        n = mnl_socket_recvfrom(sock, buf, sizeof(buf));
        ret = n < 0 ? MNL_CB_ERROR : mnl_cb_run(buf, (size_t)n, 1, portid, NULL, NULL);
    }
    saved = errno;
    mnl_socket_close(sock);
    if (ret < 0 && saved != ENOENT)
        return hull_err(err, saved, "look up nftables table " HULL_NFT_TABLE);
    *exists = ret == MNL_CB_STOP;
    return 0;
}

int hull_nft_table_delete(hull_error **err)
{
    return hull_nft_run("add table " HULL_NFT_TABLE "\ndelete table " HULL_NFT_TABLE "\n", err);
}
