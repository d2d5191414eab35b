/* Published ports: parsing Docker's syntax, conflicts, records. */
#include "net_ports.h"
#include "net_addr.h"
#include "util.h"

#include <string.h>

struct range {
    uint16_t lo, hi;
};

/* "80" or "80-90", each from MIN to 65535. */
static int range_parse(const char *s, unsigned min, struct range *out)
{
    const char *dash = strchr(s, '-');
    _cleanup_free_ char *lo = dash != NULL ? xstrndup(s, (size_t)(dash - s)) : xstrdup(s);
    int64_t a, b;

    if (parse_int64(lo, min, 65535, &a) < 0)
        return -1;
    b = a;
    if (dash != NULL && parse_int64(dash + 1, min, 65535, &b) < 0)
        return -1;
    if (b < a)
        return -1;
    out->lo = (uint16_t)a;
    out->hi = (uint16_t)b;
    return 0;
}

static int proto_parse(const char *spec, const char *proto, char out[8], hull_error **err)
{
    static const char *const known[] = {"tcp", "udp", "sctp"};

    for (size_t i = 0; i < ARRAY_SIZE(known); i++) {
        if (strcmp(proto, known[i]) == 0) {
            strcpy(out, known[i]);
            return 0;
        }
    }
    return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                         "invalid port \"%s\": protocol \"%s\" is not tcp, udp or sctp", spec,
                         proto);
}

/* Splits "REST/PROTO" (PROTO defaults to tcp). */
static int split_proto(const char *spec, char **rest, char proto[8], hull_error **err)
{
    const char *slash = strrchr(spec, '/');

    if (slash == NULL) {
        strcpy(proto, "tcp");
        *rest = xstrdup(spec);
        return 0;
    }
    if (proto_parse(spec, slash + 1, proto, err) < 0)
        return -1;
    *rest = xstrndup(spec, (size_t)(slash - spec));
    return 0;
}

/* Whether the first N entries of PORTS hold P. */
static bool contains(const struct hull_ports *ports, size_t n, const struct hull_port *p)
{
    for (size_t i = 0; i < n; i++) {
        const struct hull_port *q = &ports->v[i];
        if (strcmp(q->proto, p->proto) == 0 && q->host_ip == p->host_ip &&
            q->host_port == p->host_port && q->container_port == p->container_port)
            return true;
    }
    return false;
}

/* Grows geometrically: "-p 1000-60000:1000-60000" appends 59001 ports. */
static void append(struct hull_ports *out, const struct hull_port *p)
{
    if (out->n >= out->cap) {
        out->cap = out->n < 8 ? 16 : out->n * 2;
        out->v = xrealloc(out->v, out->cap * sizeof(*out->v));
    }
    out->v[out->n++] = *p;
}

/* The parts of "[IP:][HOSTPORT:]CONTAINERPORT" from the right; a missing
 * part is NULL. */
static int split_publish(const char *spec, char *rest, char **ip, char **host, char **ctr,
                         hull_error **err)
{
    char *last = strrchr(rest, ':'), *first;

    *ip = *host = NULL;
    *ctr = rest;
    if (rest[0] == '[')
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "invalid published port \"%s\": IPv6 host addresses are not supported",
                             spec);
    if (last == NULL)
        return 0;
    *last = '\0';
    *ctr = last + 1;
    first = strrchr(rest, ':');
    if (first == NULL) {
        *host = rest;
        return 0;
    }
    *first = '\0';
    *host = first + 1;
    *ip = rest;
    if (strchr(rest, ':') != NULL)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "invalid published port \"%s\": too many \":\"", spec);
    return 0;
}

static int publish_ip(const char *spec, const char *ip, uint32_t *out, hull_error **err)
{
    *out = 0;
    if (ip == NULL || ip[0] == '\0')
        return 0;
    if (hull_ipv4_parse(ip, out) < 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "invalid published port \"%s\": \"%s\" is not an IPv4 address", spec,
                             ip);
    return 0;
}

int hull_ports_parse_publish(const char *spec, struct hull_ports *out, hull_error **err)
{
    _cleanup_free_ char *rest = NULL;
    char *ip, *host, *ctr;
    struct hull_port p = {0};
    struct range cr, hr = {0, 0};

    if (split_proto(spec, &rest, p.proto, err) < 0 ||
        split_publish(spec, rest, &ip, &host, &ctr, err) < 0 ||
        publish_ip(spec, ip, &p.host_ip, err) < 0)
        return -1;
    if (range_parse(ctr, 1, &cr) < 0)
        return hull_err_kind(
            err, HULL_ERR_BAD_INPUT, 0,
            "invalid published port \"%s\": container port \"%s\" is not a port (1-65535) or a range of ports",
            spec, ctr);
    if (host != NULL && host[0] != '\0' && range_parse(host, 0, &hr) < 0)
        return hull_err_kind(
            err, HULL_ERR_BAD_INPUT, 0,
            "invalid published port \"%s\": host port \"%s\" is not a port (1-65535) or a range of ports",
            spec, host);
    if (hr.hi != 0 && hr.hi - hr.lo != cr.hi - cr.lo)
        return hull_err_kind(
            err, HULL_ERR_BAD_INPUT, 0,
            "invalid published port \"%s\": the host and container port ranges differ in length",
            spec);
    if (hr.lo == 0 && hr.hi != 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "invalid published port \"%s\": a host port range cannot start at 0",
                             spec);
    for (unsigned i = 0; i <= (unsigned)(cr.hi - cr.lo); i++) {
        p.container_port = (uint16_t)(cr.lo + i);
        p.host_port = hr.hi == 0 ? 0 : (uint16_t)(hr.lo + i);
        append(out, &p);
    }
    return 0;
}

int hull_ports_parse_expose(const char *spec, struct hull_ports *out, hull_error **err)
{
    _cleanup_free_ char *rest = NULL;
    struct hull_port p = {0};
    struct range r;

    if (split_proto(spec, &rest, p.proto, err) < 0)
        return -1;
    if (range_parse(rest, 1, &r) < 0)
        return hull_err_kind(
            err, HULL_ERR_BAD_INPUT, 0,
            "invalid exposed port \"%s\": \"%s\" is not a port (1-65535) or a range of ports", spec,
            rest);
    /* The ports of one range differ from each other: only those there
     * before can repeat one ("--expose 80 --expose 1-65535" stays linear). */
    for (size_t i = 0, before = out->n; i <= (size_t)(r.hi - r.lo); i++) {
        p.container_port = (uint16_t)(r.lo + i);
        if (!contains(out, before, &p))
            append(out, &p);
    }
    return 0;
}

void hull_ports_add(struct hull_ports *ports, const struct hull_port *p)
{
    if (!contains(ports, ports->n, p))
        append(ports, p);
}

bool hull_port_conflicts(const struct hull_port *a, const struct hull_port *b)
{
    return strcmp(a->proto, b->proto) == 0 && a->host_port == b->host_port &&
           (a->host_ip == b->host_ip || a->host_ip == 0 || b->host_ip == 0);
}

char *hull_port_format(const struct hull_port *p)
{
    char ip[HULL_IPV4_STRLEN];

    return xasprintf("%s:%u->%u/%s", hull_ipv4_format(p->host_ip, ip), p->host_port,
                     p->container_port, p->proto);
}

json_t *hull_ports_to_json(const struct hull_ports *ports)
{
    json_t *a = json_array();
    char ip[HULL_IPV4_STRLEN];

    for (size_t i = 0; i < ports->n; i++) {
        const struct hull_port *p = &ports->v[i];
        json_array_append_new(a, json_pack("{s:s, s:s, s:i, s:i}", "proto", p->proto, "host_ip",
                                           hull_ipv4_format(p->host_ip, ip), "host_port",
                                           (int)p->host_port, "container_port",
                                           (int)p->container_port));
    }
    return a;
}

int hull_ports_from_json(const json_t *j, const char *what, struct hull_ports *out,
                         hull_error **err)
{
    size_t i;
    json_t *v;

    json_array_foreach (j, i, v) {
        struct hull_port p = {0};
        const char *proto = json_string_value(json_object_get(v, "proto"));
        json_int_t hp = json_integer_value(json_object_get(v, "host_port"));
        json_int_t cp = json_integer_value(json_object_get(v, "container_port"));

        if (proto == NULL || strlen(proto) >= sizeof(p.proto) ||
            hull_ipv4_parse(json_string_value(json_object_get(v, "host_ip")), &p.host_ip) < 0 ||
            hp < 0 || hp > 65535 || cp < 1 || cp > 65535)
            return hull_err(err, 0, "%s: invalid port entry %zu", what, i);
        strcpy(p.proto, proto);
        p.host_port = (uint16_t)hp;
        p.container_port = (uint16_t)cp;
        append(out, &p);
    }
    return 0;
}

void hull_ports_clear(struct hull_ports *ports)
{
    free(ports->v);
    ports->v = NULL;
    ports->n = 0;
    ports->cap = 0;
}
