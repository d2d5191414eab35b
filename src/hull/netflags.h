/* The network flags `hull run` and `hull create` share (Docker's
 * --network, -p, -P, --expose, --ip, --dns, --dns-search, --dns-option,
 * --add-host).  A command embeds struct hull_net_flags in its flag struct,
 * puts HULL_NET_FLAGS(its struct, member) into its flag table, and hands
 * the values on with hull_net_flags_apply(). */
#ifndef HULL_NETFLAGS_H
#define HULL_NETFLAGS_H

#include "engine.h"
#include "opts.h"

#include <stdbool.h>
#include <stddef.h>

struct hull_net_flags {
    const char *network, *ip;
    bool publish_all;
    char **publish, **expose, **dns, **dns_search, **dns_option, **add_host;
};

#define HULL_NET_FLAGS(T, m)                                                                                           \
    HULL_FLAG_IN(T, m, "add-host", 0, HULL_FLAG_LIST, add_host, "list",                                                \
                 "Add a custom host-to-IP mapping (host:ip, or host:host-gateway)"),                                   \
        HULL_FLAG_IN(T, m, "dns", 0, HULL_FLAG_LIST, dns, "list", "Set custom DNS servers"),                           \
        HULL_FLAG_IN(T, m, "dns-option", 0, HULL_FLAG_LIST, dns_option, "list",                                        \
                     "Set DNS options"),                                                                               \
        HULL_FLAG_IN(T, m, "dns-search", 0, HULL_FLAG_LIST, dns_search, "list",                                        \
                     "Set custom DNS search domains"),                                                                 \
        HULL_FLAG_IN(T, m, "expose", 0, HULL_FLAG_LIST, expose, "list",                                                \
                     "Expose a port or a range of ports"),                                                             \
        HULL_FLAG_IN(T, m, "ip", 0, HULL_FLAG_STRING, ip, "string",                                                    \
                     "IPv4 address (e.g., 172.30.100.104)"),                                                           \
        HULL_FLAG_IN(T, m, "net", 0, HULL_FLAG_STRING, network, "network",                                             \
                     "Connect a container to a network (same as --network)"),                                          \
        HULL_FLAG_IN(                                                                                                  \
            T, m, "network", 0, HULL_FLAG_STRING, network, "network",                                                  \
            "Connect a container to a network: bridge (default), none, host, container:NAME|ID, or a network's name"), \
        HULL_FLAG_IN(                                                                                                  \
            T, m, "publish", 'p', HULL_FLAG_LIST, publish, "list",                                                     \
            "Publish a container's port(s) to the host ([HOSTIP:][HOSTPORT:]CONTAINERPORT[/PROTO])"),                  \
        HULL_FLAG_IN(T, m, "publish-all", 'P', HULL_FLAG_BOOL, publish_all, NULL,                                      \
                     "Publish all exposed ports to random ports")

/* Points R's network fields at F's values (no copies: F outlives R). */
void hull_net_flags_apply(const struct hull_net_flags *f, struct hull_run_request *r);

#endif
