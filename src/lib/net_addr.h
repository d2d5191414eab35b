/* IPv4 addresses and subnets as networking needs them: parsing the user's
 * --subnet, --ip and --dns, formatting, overlap checks.  Addresses are
 * kept in host byte order so arithmetic on them reads naturally. */
#ifndef HULL_NET_ADDR_H
#define HULL_NET_ADDR_H

#include "error.h"

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#define HULL_IPV4_STRLEN INET_ADDRSTRLEN

struct hull_cidr {
    uint32_t addr; /* the network address: host bits are zero */
    unsigned prefix;
};

/* Parses a dotted quad strictly (inet_pton: no shortened forms).
 * Returns 0, or -1 when S is not an IPv4 address. */
int hull_ipv4_parse(const char *s, uint32_t *out);

/* Formats A into BUF and returns BUF. */
const char *hull_ipv4_format(uint32_t a, char buf[HULL_IPV4_STRLEN]);

/* Parses "A.B.C.D/N".  Host bits must be zero ("10.1.0.5/24" is refused,
 * naming 10.1.0.0/24), as a subnet with them set is almost always a
 * typo.  Errors are HULL_ERR_BAD_INPUT and quote S. */
int hull_cidr_parse(const char *s, struct hull_cidr *out, hull_error **err);

/* "A.B.C.D/N", a new string. */
char *hull_cidr_format(const struct hull_cidr *c);

uint32_t hull_cidr_mask(unsigned prefix);
uint32_t hull_cidr_broadcast(const struct hull_cidr *c);
bool hull_cidr_contains(const struct hull_cidr *c, uint32_t ip);
bool hull_cidr_overlaps(const struct hull_cidr *a, const struct hull_cidr *b);

/* True for 127.0.0.0/8. */
bool hull_ipv4_is_loopback(uint32_t ip);

#endif
