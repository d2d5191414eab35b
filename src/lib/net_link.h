/* Links, addresses and routes through route netlink (libmnl): the
 * bridges, the veth pairs and what a container's end of one needs. */
#ifndef HULL_NET_LINK_H
#define HULL_NET_LINK_H

#include "error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mnl_socket;

struct hull_nl {
    struct mnl_socket *sock;
    unsigned seq;
    unsigned portid;
};

/* Opens a route netlink socket of the network namespace NETNS_FD, or of
 * our own for -1.  A netlink socket belongs to the namespace it was made
 * in, so the calling thread enters NETNS_FD for the socket() call and
 * returns (setns moves only the calling thread).  Either way nl is left
 * closable. */
int hull_nl_open(int netns_fd, struct hull_nl *nl, hull_error **err);
void hull_nl_close(struct hull_nl *nl);

/* The index of link NAME (0 when there is none) and its kind ("bridge",
 * "veth", "" for a plain device) when KIND is not NULL. */
int hull_nl_link_get(struct hull_nl *nl, const char *name, int *ifindex, char kind[16],
                     hull_error **err);

/* Creates bridge NAME, up. */
int hull_nl_bridge_add(struct hull_nl *nl, const char *name, hull_error **err);

int hull_nl_link_up(struct hull_nl *nl, int ifindex, hull_error **err);

/* Deletes link NAME; a link that is gone already is not an error. */
int hull_nl_link_del(struct hull_nl *nl, const char *name, hull_error **err);

/* Adds IP/PREFIX to IFINDEX; the address being there already is fine. */
int hull_nl_addr_add(struct hull_nl *nl, int ifindex, uint32_t ip, unsigned prefix,
                     hull_error **err);

/* Whether IFINDEX has address IP. */
int hull_nl_addr_has(struct hull_nl *nl, int ifindex, uint32_t ip, bool *has, hull_error **err);

struct hull_veth {
    const char *host_name; /* the end that stays here */
    int master;            /* the bridge it joins */
    const char *peer_name; /* the end that goes to PEER_NETNS_FD */
    int peer_netns_fd;
    uint8_t peer_mac[6];
};

/* Creates the pair with the peer made directly inside its namespace
 * (never visible on the host under a name that could clash), the host
 * end up and a port of MASTER with hairpin mode on, so a container
 * reaches its own published ports.  The peer is still down. */
int hull_nl_veth_add(struct hull_nl *nl, const struct hull_veth *v, hull_error **err);

/* Adds the default route via GATEWAY. */
int hull_nl_route_default(struct hull_nl *nl, uint32_t gateway, hull_error **err);

struct hull_nl_route {
    uint32_t dst;
    unsigned prefix;
    int oif;
};

/* The IPv4 routes of the main table other than the default route. */
int hull_nl_routes(struct hull_nl *nl, struct hull_nl_route **out, size_t *n, hull_error **err);

#endif
