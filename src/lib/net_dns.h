/* The contents of a container's /etc/hosts, /etc/hostname and
 * /etc/resolv.conf.  Pure text transformations: the caller reads the
 * host's files and writes the results. */
#ifndef HULL_NET_DNS_H
#define HULL_NET_DNS_H

#include "error.h"

#include <stdbool.h>

/* Parses an --add-host value, "NAME:ADDRESS" or "NAME=ADDRESS" (ADDRESS
 * IPv4 or IPv6; "host-gateway" stands for GATEWAY, which is NULL when the
 * container has none).  *LINE gets the hosts line "ADDRESS\tNAME".
 * Errors are HULL_ERR_BAD_INPUT and quote SPEC. */
int hull_dns_add_host_parse(const char *spec, const char *gateway, char **line, hull_error **err);

/* Checks a --dns value: an IPv4 or IPv6 address. */
int hull_dns_server_check(const char *s, hull_error **err);

/* /etc/hosts: the loopback entries every container has, the EXTRA lines
 * (--add-host), then "IP\tHOSTNAME" for each of OWN_IPS, then the PEERS
 * lines (the other members of the container's networks).  Any list may
 * be NULL. */
char *hull_dns_hosts(const char *hostname, const char *const *own_ips, const char *const *extra,
                     const char *const *peers);

/* /etc/resolv.conf from the host's HOST_TEXT (may be NULL).  Unless
 * KEEP_LOCAL (the host's network, where they work), nameservers on a
 * loopback address are dropped, since inside the container they would
 * reach its own loopback, and so are IPv6 ones, which the container's
 * IPv4-only network cannot reach; when none remain, Docker's fallback
 * 8.8.8.8 and 8.8.4.4 is used and *FALLBACK set.  DNS, SEARCH and
 * OPTIONS, when non-empty, replace the host's lines of that kind. */
char *hull_dns_resolv_conf(const char *host_text, bool keep_local, const char *const *dns,
                           const char *const *search, const char *const *options, bool *fallback);

#endif
