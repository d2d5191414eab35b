/* Published ports: Docker's -p, -P and --expose syntax, and the records
 * kept for them. */
#ifndef HULL_NET_PORTS_H
#define HULL_NET_PORTS_H

#include "error.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hull_port {
    char proto[8];           /* "tcp", "udp" or "sctp" */
    uint32_t host_ip;        /* host byte order; 0 for every address of the host */
    uint16_t host_port;      /* 0: a free one is picked when the container starts */
    uint16_t container_port; /* never 0 */
};

struct hull_ports {
    struct hull_port *v;
    size_t n;
    size_t cap; /* entries v has room for; 0 when not known (grown first) */
};

/* Parses one -p value: "[HOSTIP:][HOSTPORT:]CONTAINERPORT[/PROTO]" where
 * either port may be a range "A-B" (then both ranges have the same
 * length, or the host part is empty).  Appends one entry per port to
 * OUT.  Errors are HULL_ERR_BAD_INPUT and quote SPEC. */
int hull_ports_parse_publish(const char *spec, struct hull_ports *out, hull_error **err);

/* Parses an --expose value or an image's ExposedPorts key: "PORT[/PROTO]"
 * or "A-B[/PROTO]"; appends entries with a host port still to pick. */
int hull_ports_parse_expose(const char *spec, struct hull_ports *out, hull_error **err);

/* Appends P unless an entry with the same protocol, host address and
 * ports is there already. */
void hull_ports_add(struct hull_ports *ports, const struct hull_port *p);

/* True when A and B cannot both be published: same protocol and host
 * port, and host addresses that overlap (equal, or one is "any"). */
bool hull_port_conflicts(const struct hull_port *a, const struct hull_port *b);

/* "0.0.0.0:8080->80/tcp", as `docker ps` shows a port. */
char *hull_port_format(const struct hull_port *p);

json_t *hull_ports_to_json(const struct hull_ports *ports);
/* Reads what hull_ports_to_json() wrote; entries that do not parse are
 * an error naming WHAT. */
int hull_ports_from_json(const json_t *j, const char *what, struct hull_ports *out,
                         hull_error **err);

void hull_ports_clear(struct hull_ports *ports);

#endif
