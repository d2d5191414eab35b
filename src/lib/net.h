/* Container networking for the engine: networks (a bridge and a subnet
 * each, the default one "bridge" on hull0), what `hull run` asks for
 * (--network, -p, -P, --ip, --dns, --add-host, --hostname), and the
 * setup and teardown of a container's network around its life.
 *
 * A container in bridge mode gets a veth pair per network (eth0 inside
 * with its address and the default route, the host's end a port of the
 * network's bridge), an address leased without collisions among
 * concurrent hull commands, outbound NAT and DNAT for its published ports
 * in hull's own nftables table (net_nft.h), and generated /etc/hosts,
 * /etc/hostname and /etc/resolv.conf.  Containers on the same
 * user-defined network find each other by name through their /etc/hosts,
 * rewritten as members come and go.  Its network namespace is mounted at
 * /run/netns/hull-SHORTID so `ip netns exec` reaches it.
 *
 * The order around a run:
 *   hull_net_prepare    before the OCI config is written: checks every
 *                       option (bad input fails here, before anything is
 *                       made), records the request in the container's
 *                       record, writes the /etc files, says what the
 *                       config needs (namespace, mounts, hostname)
 *   hull_net_setup      once the runtime created the container and before
 *                       it starts: links, address, routes, rules
 *   hull_net_teardown   when it stopped or is removed
 * hull_net_setup works from the record alone, so a restart of a stopped
 * container sets its network up again. */
#ifndef HULL_NET_H
#define HULL_NET_H

#include "engine.h"
#include "error.h"

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

/* Where network state lives: /var/lib/hull/networks, or below the state
 * root of a rootless engine. */
const char *hull_net_root(void);
#define HULL_NET_ROOT hull_net_root()
/* Where container network namespaces are bound (for `ip netns`):
 * /run/netns, or below the run root of a rootless engine. */
const char *hull_netns_dir(void);
#define HULL_NETNS_DIR   hull_netns_dir()
#define HULL_NET_DEFAULT "bridge" /* the default network's name */
#define HULL_NET_BRIDGE0 "hull0"  /* and its bridge */

/* What a container's OCI config needs from its network. */
struct hull_net_config {
    bool host_netns;  /* keep the host's network namespace */
    char *netns_path; /* join this one (--network container:X); NULL: a new one */
    char *files_dir;  /* holds hosts, hostname and resolv.conf for /etc */
    char *hostname;
};
void hull_net_config_clear(struct hull_net_config *c);

/* Checks R's network options against the networks and containers that
 * exist, stores them in C->network and saves C's record (the caller holds
 * its lock; its directory receives the /etc files), and fills OUT.  IMAGE_CONFIG gives the exposed
 * ports for -P.  Errors are HULL_ERR_BAD_INPUT (or HULL_ERR_NOT_EXIST for
 * an unknown network or container) and quote the value. */
int hull_net_prepare(struct hull_engine *e, struct hull_ctr *c, const struct hull_run_request *r,
                     const json_t *image_config, struct hull_net_config *out, hull_error **err);

/* Applies NET to the OCI config CFG that ocigen made: the network
 * namespace (none for the host's, a path to join one) and bind mounts of
 * the /etc files (unless the user mounts something there). */
int hull_net_config_apply(const struct hull_net_config *net, json_t *cfg, hull_error **err);

/* Sets up the network of C, whose init INIT was created (and not
 * started): in bridge mode the links, addresses, routes, published ports
 * and hosts files; with no network (and for records that predate
 * networking) lo is brought up.  On failure nothing of it is left. */
int hull_net_setup(struct hull_engine *e, const struct hull_ctr *c, pid_t init, hull_error **err);

/* Releases what container ID's network setup made; nothing to release is
 * not an error.  Also releases what any container that is gone left
 * behind (hull_net_gc). */
int hull_net_teardown(struct hull_engine *e, const char *id, hull_error **err);

/* Releases what containers that no longer run left behind: veths, DNAT
 * rules, address leases, netns mounts.  Cheap when there is nothing to
 * do; meant to run at the start of commands that list or remove. */
int hull_net_gc(struct hull_engine *e, hull_error **err);

/* `docker inspect`'s NetworkSettings of C: SandboxKey (the netns path),
 * Ports, and per network the address, gateway, MAC and the host end of
 * the veth ("HostInterface", hull's addition); addresses are empty while
 * the container does not run. */
json_t *hull_net_inspect_settings(struct hull_engine *e, const struct hull_ctr *c);

/* `docker inspect`'s HostConfig members that C's network request holds:
 * NetworkMode, PortBindings (as asked: HostIp and HostPort "" when not
 * given), Dns, DnsOptions, DnsSearch and ExtraHosts; set into HC. */
void hull_net_inspect_host_config(const struct hull_ctr *c, json_t *hc);

/* The published ports of a running container, as "80/tcp -> 0.0.0.0:8080"
 * lines (`docker port`), sorted by container port; FILTER ("80",
 * "80/udp") keeps one port only (none published is HULL_ERR_NOT_EXIST, as
 * Docker says "No public port '80/tcp' published for X"). */
int hull_net_port_lines(struct hull_engine *e, const struct hull_ctr *c, const char *filter,
                        char ***out, hull_error **err);

/* "0.0.0.0:8080->80/tcp, ..." for `ps`; "" when none. */
char *hull_net_ports_summary(struct hull_engine *e, const struct hull_ctr *c);

/* ---- networks: `hull network ...` ---- */

struct hull_network_create_opts {
    const char *name;
    const char *driver;  /* NULL or "bridge" */
    const char *subnet;  /* NULL: a free one is picked */
    const char *gateway; /* NULL: the subnet's first address */
    bool internal;       /* no traffic in or out past the bridge */
};

/* Creates a network with its bridge.  The subnet must not overlap another
 * network's or a route of the host.  *id gets the new id. */
int hull_network_create(struct hull_engine *e, const struct hull_network_create_opts *o, char **id,
                        hull_error **err);

/* Removes network REF (name, id or unique id prefix) and its bridge; one
 * with running containers attached is refused, and so are "host" and
 * "none".  The default network may be removed when unused (it is made
 * again on next use, with a subnet given by `hull network create --subnet
 * CIDR bridge`, or a free one). */
int hull_network_rm(struct hull_engine *e, const char *ref, hull_error **err);

/* Docker's `network inspect` object of REF. */
int hull_network_inspect(struct hull_engine *e, const char *ref, json_t **out, hull_error **err);

/* Every network's inspect object (the predefined ones included). */
int hull_network_list(struct hull_engine *e, json_t **out, hull_error **err);

/* What `network ls --format` sees of the network whose inspect object is
 * INSPECT, as Docker has it: ID (12 characters unless NO_TRUNC), Name,
 * Driver, Scope, IPv6, Internal, Labels and CreatedAt, all strings. */
json_t *hull_network_ls_row(const json_t *inspect, bool no_trunc);

/* Attaches container CTR to network NET: a running one gets a new
 * interface (eth1, ...) at once, with address IP when not NULL; either
 * way the record keeps it for the next start. */
int hull_network_connect(struct hull_engine *e, const char *net, const char *ctr, const char *ip,
                         hull_error **err);
int hull_network_disconnect(struct hull_engine *e, const char *net, const char *ctr,
                            hull_error **err);

/* Removes every user-defined network no running container uses; *removed
 * gets their names. */
int hull_network_prune(struct hull_engine *e, char ***removed, hull_error **err);

#endif
