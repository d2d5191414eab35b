/* IPv4 addresses and subnets. */
#include "net_addr.h"
#include "util.h"

#include <arpa/inet.h>
#include <string.h>

int hull_ipv4_parse(const char *s, uint32_t *out)
{
    struct in_addr a;

    if (s == NULL || inet_pton(AF_INET, s, &a) != 1)
        return -1;
    *out = ntohl(a.s_addr);
    return 0;
}

const char *hull_ipv4_format(uint32_t a, char buf[HULL_IPV4_STRLEN])
{
    struct in_addr in = {.s_addr = htonl(a)};

    inet_ntop(AF_INET, &in, buf, HULL_IPV4_STRLEN);
    return buf;
}

uint32_t hull_cidr_mask(unsigned prefix)
{
    return prefix == 0 ? 0 : ~UINT32_C(0) << (32 - prefix);
}

int hull_cidr_parse(const char *s, struct hull_cidr *out, hull_error **err)
{
    const char *slash = strchr(s, '/');
    _cleanup_free_ char *addr = NULL;
    int64_t prefix;
    uint32_t ip;
    char buf[HULL_IPV4_STRLEN];

    if (slash == NULL)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "invalid CIDR address \"%s\": missing the prefix length", s);
    addr = xstrndup(s, (size_t)(slash - s));
    if (hull_ipv4_parse(addr, &ip) < 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "invalid CIDR address \"%s\": \"%s\" is not an IPv4 address", s, addr);
    if (parse_int64(slash + 1, 0, 32, &prefix) < 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "invalid CIDR address \"%s\": the prefix length must be 0 to 32", s);
    if ((ip & ~hull_cidr_mask((unsigned)prefix)) != 0)
        return hull_err_kind(
            err, HULL_ERR_BAD_INPUT, 0,
            "invalid CIDR address \"%s\": host bits are set (the network is %s/%d)", s,
            hull_ipv4_format(ip & hull_cidr_mask((unsigned)prefix), buf), (int)prefix);
    out->addr = ip;
    out->prefix = (unsigned)prefix;
    return 0;
}

char *hull_cidr_format(const struct hull_cidr *c)
{
    char buf[HULL_IPV4_STRLEN];

    return xasprintf("%s/%u", hull_ipv4_format(c->addr, buf), c->prefix);
}

uint32_t hull_cidr_broadcast(const struct hull_cidr *c)
{
    return c->addr | ~hull_cidr_mask(c->prefix);
}

bool hull_cidr_contains(const struct hull_cidr *c, uint32_t ip)
{
    return (ip & hull_cidr_mask(c->prefix)) == c->addr;
}

bool hull_cidr_overlaps(const struct hull_cidr *a, const struct hull_cidr *b)
{
    unsigned shorter = a->prefix < b->prefix ? a->prefix : b->prefix;
    uint32_t mask = hull_cidr_mask(shorter);

    return (a->addr & mask) == (b->addr & mask);
}

bool hull_ipv4_is_loopback(uint32_t ip)
{
    return (ip >> 24) == 127;
}
