/* Shared by the networking files (net*.c): the state kept for networks
 * and containers, and the steps built on it.
 *
 * Networks are host-wide (bridges, routes and nftables rules belong to
 * the host, not to one HULL_ROOT), so their state is too, under
 * HULL_NET_ROOT:
 *
 *   .lock                 flock()ed around every change, by every hull
 *   net/NAME/network.json a network: id, bridge, subnet, gateway
 *   net/NAME/leases/IP    a symlink to the id of the container holding IP
 *   sandbox/ID.json       what container ID's network setup made: its
 *                         endpoints (address, veth), published ports,
 *                         netns mount, and the init (boot id, pid, start
 *                         time) whose life it lasts for
 *
 * A sandbox whose init is gone (the container stopped, was killed, or
 * the host rebooted) is dead: the next hull command that takes the lock
 * releases it (hull_net_gc), so a crash at any point leaves nothing that
 * is not cleaned up.  Leases are claimed under the lock; a lease whose
 * sandbox does not exist was left by a crash and is free. */
#ifndef HULL_NET_INTERNAL_H
#define HULL_NET_INTERNAL_H

#include "error.h"
#include "net.h"
#include "net_addr.h"
#include "net_link.h"
#include "net_ports.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define NET_DRIVER_BRIDGE "bridge"
#define NET_DRIVER_HOST   "host"
#define NET_DRIVER_NULL   "null"

struct net_network {
    char *name, *id, *created, *driver;
    char *bridge; /* bridge driver only */
    struct hull_cidr subnet;
    uint32_t gateway;
    bool internal; /* --internal: nothing forwarded past its bridge */
};

struct net_endpoint {
    char *network; /* name */
    char *network_id;
    uint32_t ip, gateway;
    unsigned prefix;
    char *veth;   /* the host's end */
    char *ifname; /* the container's end */
    uint8_t mac[6];
};

struct net_sandbox {
    char *container, *name, *hostname;
    char *boot_id;
    pid_t pid;
    unsigned long long pid_start;
    char *netns;     /* the `ip netns` mount, or NULL */
    char *files_dir; /* holds the container's hosts file */
    char **extra_hosts;
    struct hull_ports ports; /* host ports chosen */
    struct net_endpoint *eps;
    size_t n_eps;
    pid_t slirp; /* a rootless container's slirp4netns, or 0 */
    unsigned long long slirp_start;
};

/* The locked network state. */
struct net_state {
    int root_fd;
    int lock_fd;
    char *boot_id;
};

/* ---- net_store.c ---- */

/* Opens HULL_NET_ROOT (creating it) and takes its lock. */
int net_state_open(struct net_state *st, hull_error **err);
/* The same without the lock, for readers: every file is replaced
 * atomically. */
int net_state_open_read(struct net_state *st, hull_error **err);
void net_state_close(struct net_state *st);

/* Docker's network name rule; the error quotes NAME. */
int net_name_validate(const char *name, hull_error **err);

/* Network NAME; an unknown one is HULL_ERR_NOT_EXIST. */
int net_network_load(struct net_state *st, const char *name, struct net_network *n,
                     hull_error **err);
int net_network_save(struct net_state *st, const struct net_network *n, hull_error **err);
int net_network_remove(struct net_state *st, const char *name, hull_error **err);
/* Every network, sorted by name. */
int net_network_list(struct net_state *st, struct net_network **out, size_t *n, hull_error **err);
/* By name, full id or unique id prefix (HULL_ERR_NOT_EXIST "network REF
 * not found"). */
int net_network_find(struct net_state *st, const char *ref, struct net_network *n,
                     hull_error **err);
void net_network_clear(struct net_network *n);
void net_network_list_free(struct net_network *v, size_t n);
json_t *net_network_to_json(const struct net_network *n);

/* Container ID's sandbox; *found is false when it has none. */
int net_sandbox_load(struct net_state *st, const char *id, struct net_sandbox *sb, bool *found,
                     hull_error **err);
int net_sandbox_save(struct net_state *st, const struct net_sandbox *sb, hull_error **err);
int net_sandbox_remove(struct net_state *st, const char *id, hull_error **err);
/* Every sandbox that can be read. */
int net_sandbox_list(struct net_state *st, struct net_sandbox **out, size_t *n, hull_error **err);
bool net_sandbox_alive(const struct net_state *st, const struct net_sandbox *sb);
void net_sandbox_clear(struct net_sandbox *sb);
void net_sandbox_list_free(struct net_sandbox *v, size_t n);
struct net_endpoint *net_sandbox_add_endpoint(struct net_sandbox *sb);

/* Claims IP on network NET for container ID: 1 when claimed, 0 when a
 * live container holds it. */
int net_lease_claim(struct net_state *st, const char *net, uint32_t ip, const char *id,
                    hull_error **err);
/* Drops the lease of IP on NET if container ID holds it. */
void net_lease_drop(struct net_state *st, const char *net, uint32_t ip, const char *id);
/* Removes the leases of every network that point to container ID (when
 * not NULL) or to a container without a sandbox: what a hull killed
 * between claiming an address and recording it left.  Under the lock,
 * and not while a sandbox of ID is live. */
void net_lease_sweep(struct net_state *st, const char *id);

/* ---- net.c ---- */

/* The default network's record, made on first use. */
int net_default_ensure(struct net_state *st, hull_error **err);
/* The records of "host" and "none", for ls and inspect. */
int net_predefined_ensure(struct net_state *st, hull_error **err);

/* Makes sure network N's bridge exists, with its gateway address, in
 * hull's nftables sets, and IPv4 forwarding on.  *ifindex gets the
 * bridge's index. */
int net_bridge_ensure(struct net_state *st, struct hull_nl *nl, const struct net_network *n,
                      int *ifindex, hull_error **err);

/* Rebuilds hull's nftables table from the state when it is missing. */
int net_nft_ensure(struct net_state *st, hull_error **err);

/* Applies CMDS (hull_nft_*_cmds) after the state changed, rebuilding the
 * whole table from the state if they fail (a table removed behind our
 * back, elements out of step); the ports of sandbox EXCLUDE (being
 * released) are left out of a rebuild. */
int net_nft_sync(struct net_state *st, const char *cmds, const char *exclude, hull_error **err);

/* ---- net_request.c ---- */

/* What a container asked for, as kept in its record (hull_ctr.network). */
struct net_request {
    char *mode;      /* "bridge", "none", "host" or "container" */
    char **networks; /* bridge mode: the networks, the first one primary */
    char **ips;      /* the address asked for on each network, "" for any */
    char *container; /* container mode: the container whose namespace it joins */
    struct hull_ports ports;
    char **dns, **dns_search, **dns_options;
    char **extra_hosts; /* --add-host as hosts lines */
    char *hostname;
    char *files_dir; /* where its /etc files are */
};

/* A rootless container on the default network: its namespace reaches
 * out through slirp4netns (rootless.h) instead of a bridge, which could
 * lead nowhere from the namespace a rootless hull works in. */
bool net_request_slirp(const struct net_request *r);
#define NET_SLIRP_ADDR    "10.0.2.100"
#define NET_SLIRP_GATEWAY "10.0.2.2"
#define NET_SLIRP_DNS     "10.0.2.3"

/* Reads C's request; a record without one (made before networking
 * existed) reads as mode "none". */
int net_request_load(const json_t *j, struct net_request *r, hull_error **err);
json_t *net_request_to_json(const struct net_request *r);
/* Checks an --ip for network N: a user-defined one, and a host address of
 * its subnet other than the gateway. */
int net_ip_check(const char *s, const struct net_network *n, hull_error **err);
void net_request_clear(struct net_request *r);

/* ---- net_setup.c ---- */

/* Adds SB's endpoint on N with an address leased (WANT, or any when NULL
 * or ""), its interface the next free ethN. */
int net_endpoint_add(struct net_state *st, struct net_sandbox *sb, const struct net_network *n,
                     const char *want, hull_error **err);

/* Makes endpoint EP: the veth pair with its peer inside NETNS_FD (whose
 * netlink socket is INSIDE) joining bridge MASTER, the address, and with
 * DEFAULT_ROUTE the default route through it. */
int net_endpoint_wire(struct hull_nl *host, struct hull_nl *inside, int netns_fd, int master,
                      const struct net_endpoint *ep, bool default_route, hull_error **err);

/* Removes endpoint AT of SB (its veth, lease, the published ports when it
 * was the first) and saves SB. */
int net_endpoint_remove(struct net_state *st, struct hull_nl *host, struct net_sandbox *sb,
                        size_t at, hull_error **err);

/* ---- net_endpoint.c ---- */

/* Releases everything SB holds: ports, veths, netns mount, leases, its
 * file; the hosts files of the containers that shared a network with it
 * are rewritten.  Every step runs; the first error is returned. */
int net_sandbox_release(struct net_state *st, struct hull_nl *nl, struct net_sandbox *sb,
                        hull_error **err);

/* Releases every dead sandbox. */
int net_gc_locked(struct net_state *st, struct hull_nl *nl, hull_error **err);

/* Rewrites the hosts files of SELF (when not NULL) and of every live
 * container on one of the user-defined NETWORKS. */
int net_hosts_refresh(struct net_state *st, char *const *networks, const struct net_sandbox *self,
                      hull_error **err);

#endif
