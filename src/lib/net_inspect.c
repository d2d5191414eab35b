/* What networks and containers' network settings look like to `hull
 * network ls|inspect`, `hull inspect`, `hull port` and `hull ps`:
 * Docker's shapes, read from the network state. */
#include "net_internal.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

static json_t *ip_prefix_json(uint32_t ip, unsigned prefix)
{
    char buf[HULL_IPV4_STRLEN];

    return json_sprintf("%s/%u", hull_ipv4_format(ip, buf), prefix);
}

static json_t *mac_json(const uint8_t mac[6])
{
    return json_sprintf("%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
                        mac[5]);
}

static json_t *network_json(const struct net_state *st, const struct net_network *n,
                            const struct net_sandbox *sbs, size_t n_sbs)
{
    bool bridge = strcmp(n->driver, NET_DRIVER_BRIDGE) == 0;
    json_t *config = json_array(), *ctrs = json_object(), *opts = json_object();
    char gw[HULL_IPV4_STRLEN];

    if (bridge) {
        json_array_append_new(config, json_pack("{s:o, s:s}", "Subnet",
                                                ip_prefix_json(n->subnet.addr, n->subnet.prefix),
                                                "Gateway", hull_ipv4_format(n->gateway, gw)));
        json_object_set_new(opts, "com.docker.network.bridge.name", json_string(n->bridge));
    }
    for (size_t i = 0; i < n_sbs; i++) {
        if (!net_sandbox_alive(st, &sbs[i]))
            continue;
        for (size_t j = 0; j < sbs[i].n_eps; j++) {
            const struct net_endpoint *ep = &sbs[i].eps[j];
            if (strcmp(ep->network, n->name) != 0)
                continue;
            json_object_set_new(ctrs, sbs[i].container,
                                json_pack("{s:s, s:s, s:o, s:o, s:s}", "Name", sbs[i].name,
                                          "HostInterface", ep->veth, "MacAddress",
                                          mac_json(ep->mac), "IPv4Address",
                                          ip_prefix_json(ep->ip, ep->prefix), "IPv6Address", ""));
        }
    }
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:{s:s, s:{}, s:o}, s:b, s:b, s:b, "
                     "s:{s:s}, s:b, s:o, s:o, s:{}}",
                     "Name", n->name, "Id", n->id, "Created", n->created, "Scope", "local",
                     "Driver", n->driver, "EnableIPv6", 0, "IPAM", "Driver", "default", "Options",
                     "Config", config, "Internal", n->internal, "Attachable", 0, "Ingress", 0,
                     "ConfigFrom", "Network", "", "ConfigOnly", 0, "Containers", ctrs, "Options",
                     opts, "Labels");
}

/* The default network's record and those of "host" and "none", which
 * always exist as far as users can tell. */
static int predefined_ensure(struct net_state *st, hull_error **err)
{
    return net_default_ensure(st, err) < 0 ? -1 : net_predefined_ensure(st, err);
}

int hull_network_inspect(struct hull_engine *e, const char *ref, json_t **out, hull_error **err)
{
    struct net_state st;
    struct net_network n;
    struct net_sandbox *sbs = NULL;
    size_t n_sbs = 0;
    int ret = -1;

    (void)e;
    if (net_state_open(&st, err) < 0)
        return -1;
    if (predefined_ensure(&st, err) == 0 && net_network_find(&st, ref, &n, err) == 0) {
        if (net_sandbox_list(&st, &sbs, &n_sbs, err) == 0) {
            *out = network_json(&st, &n, sbs, n_sbs);
            ret = 0;
        }
        net_network_clear(&n);
    }
    net_sandbox_list_free(sbs, n_sbs);
    net_state_close(&st);
    return ret;
}

int hull_network_list(struct hull_engine *e, json_t **out, hull_error **err)
{
    struct net_state st;
    struct net_network *nets = NULL;
    struct net_sandbox *sbs = NULL;
    size_t n = 0, n_sbs = 0;
    int ret = -1;

    (void)e;
    if (net_state_open(&st, err) < 0)
        return -1;
    if (predefined_ensure(&st, err) == 0 && net_network_list(&st, &nets, &n, err) == 0 &&
        net_sandbox_list(&st, &sbs, &n_sbs, err) == 0) {
        *out = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(*out, network_json(&st, &nets[i], sbs, n_sbs));
        ret = 0;
    }
    net_network_list_free(nets, n);
    net_sandbox_list_free(sbs, n_sbs);
    net_state_close(&st);
    return ret;
}

json_t *hull_network_ls_row(const json_t *inspect, bool no_trunc)
{
    const char *id = json_string_value(json_object_get(inspect, "Id"));
    const char *created = json_string_value(json_object_get(inspect, "Created"));
    /* Go's time.String(): "2006-01-02 15:04:05.999999999 +0000 UTC". */
    _cleanup_free_ char *when = xasprintf("%s +0000 UTC", created != NULL ? created : "");
    char *t = strchr(when, 'T'), *z = strchr(when, 'Z');
    char short_id[HULL_CTR_SHORT_LEN + 1];

    if (t != NULL)
        *t = ' ';
    if (z != NULL)
        memmove(z, z + 1, strlen(z + 1) + 1);
    snprintf(short_id, sizeof(short_id), "%s", id != NULL ? id : "");
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "CreatedAt", when, "Driver",
                     json_string_value(json_object_get(inspect, "Driver")), "ID",
                     no_trunc && id != NULL ? id : short_id, "IPv6",
                     json_is_true(json_object_get(inspect, "EnableIPv6")) ? "true" : "false",
                     "Internal",
                     json_is_true(json_object_get(inspect, "Internal")) ? "true" : "false",
                     "Labels", "", "Name", json_string_value(json_object_get(inspect, "Name")),
                     "Scope", json_string_value(json_object_get(inspect, "Scope")));
}

/* Container C's live sandbox, read without the lock (sandbox files are
 * replaced atomically); *found false when it has none. */
static int live_sandbox(const struct hull_ctr *c, struct net_sandbox *sb, bool *found)
{
    struct net_state st;
    int ret = -1;

    *found = false;
    if (net_state_open_read(&st, NULL) < 0)
        return -1;
    if (net_sandbox_load(&st, c->id, sb, found, NULL) == 0) {
        if (*found && !net_sandbox_alive(&st, sb)) {
            net_sandbox_clear(sb);
            *found = false;
        }
        ret = 0;
    }
    net_state_close(&st);
    return ret;
}

static json_t *endpoint_settings(const struct net_endpoint *ep, const char *network_id)
{
    char ip[HULL_IPV4_STRLEN] = "", gw[HULL_IPV4_STRLEN] = "";

    if (ep != NULL) {
        hull_ipv4_format(ep->ip, ip);
        hull_ipv4_format(ep->gateway, gw);
    }
    return json_pack("{s:n, s:n, s:n, s:n, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:i, s:o, s:n, s:s}",
                     "IPAMConfig", "Links", "Aliases", "DriverOpts", "NetworkID",
                     network_id != NULL ? network_id : "", "EndpointID", "", "Gateway", gw,
                     "IPAddress", ip, "IPPrefixLen", ep != NULL ? (int)ep->prefix : 0,
                     "IPv6Gateway", "", "GlobalIPv6Address", "", "GlobalIPv6PrefixLen", 0,
                     "MacAddress", ep != NULL ? mac_json(ep->mac) : json_string(""), "DNSNames",
                     "HostInterface", ep != NULL ? ep->veth : "");
}

static json_t *ports_json(const struct net_request *req, const struct net_sandbox *sb)
{
    const struct hull_ports *ports = sb != NULL ? &sb->ports : &req->ports;
    json_t *o = json_object();
    char ip[HULL_IPV4_STRLEN];

    for (size_t i = 0; i < ports->n; i++) {
        const struct hull_port *p = &ports->v[i];
        _cleanup_free_ char *key = xasprintf("%u/%s", p->container_port, p->proto);
        json_t *list = json_object_get(o, key);
        if (sb == NULL) {
            json_object_set_new(o, key, json_null());
            continue;
        }
        if (!json_is_array(list)) {
            list = json_array();
            json_object_set_new(o, key, list);
        }
        json_array_append_new(list,
                              json_pack("{s:s, s:o}", "HostIp", hull_ipv4_format(p->host_ip, ip),
                                        "HostPort", json_sprintf("%u", p->host_port)));
    }
    return o;
}

static json_t *networks_json(const struct net_request *req, const struct net_sandbox *sb)
{
    json_t *o = json_object();

    if (strcmp(req->mode, "host") == 0 || strcmp(req->mode, "none") == 0)
        json_object_set_new(o, req->mode, endpoint_settings(NULL, NULL));
    for (size_t i = 0; req->networks != NULL && req->networks[i] != NULL; i++) {
        const struct net_endpoint *ep = NULL;
        for (size_t j = 0; sb != NULL && j < sb->n_eps; j++)
            if (strcmp(sb->eps[j].network, req->networks[i]) == 0)
                ep = &sb->eps[j];
        json_object_set_new(o, req->networks[i],
                            endpoint_settings(ep, ep != NULL ? ep->network_id : NULL));
    }
    return o;
}

json_t *hull_net_inspect_settings(struct hull_engine *e, const struct hull_ctr *c)
{
    struct net_request req;
    struct net_sandbox sb;
    bool found = false;
    json_t *primary, *out;

    (void)e;
    if (net_request_load(c->network, &req, NULL) < 0)
        net_request_load(NULL, &req, NULL);
    live_sandbox(c, &sb, &found);
    primary = endpoint_settings(found && sb.n_eps > 0 ? &sb.eps[0] : NULL, NULL);
    out = json_pack("{s:s, s:s, s:s, s:b, s:o, s:o}", "Bridge", "", "SandboxID", "", "SandboxKey",
                    found && sb.netns != NULL ? sb.netns : "", "HairpinMode", 0, "Ports",
                    ports_json(&req, found ? &sb : NULL), "Networks",
                    networks_json(&req, found ? &sb : NULL));
    /* The primary network's settings at the top, as Docker has them. */
    static const char *const top[] = {"EndpointID",          "Gateway",    "GlobalIPv6Address",
                                      "GlobalIPv6PrefixLen", "IPAddress",  "IPPrefixLen",
                                      "IPv6Gateway",         "MacAddress", "HostInterface"};
    for (size_t i = 0; i < ARRAY_SIZE(top); i++)
        json_object_set(out, top[i], json_object_get(primary, top[i]));
    json_object_set_new(out, "LinkLocalIPv6Address", json_string(""));
    json_object_set_new(out, "LinkLocalIPv6PrefixLen", json_integer(0));
    json_object_set_new(out, "SecondaryIPAddresses", json_null());
    json_object_set_new(out, "SecondaryIPv6Addresses", json_null());
    json_decref(primary);
    if (found)
        net_sandbox_clear(&sb);
    net_request_clear(&req);
    return out;
}

static json_t *strv_or_empty(char *const *v)
{
    json_t *a = json_array();

    for (size_t i = 0; v != NULL && v[i] != NULL; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

void hull_net_inspect_host_config(const struct hull_ctr *c, json_t *hc)
{
    struct net_request req;
    json_t *bindings = json_object();
    char ip[HULL_IPV4_STRLEN];

    if (net_request_load(c->network, &req, NULL) < 0)
        net_request_load(NULL, &req, NULL);
    for (size_t i = 0; i < req.ports.n; i++) {
        const struct hull_port *p = &req.ports.v[i];
        _cleanup_free_ char *key = xasprintf("%u/%s", p->container_port, p->proto);
        json_t *list = json_object_get(bindings, key);
        if (list == NULL) {
            list = json_array();
            json_object_set_new(bindings, key, list);
        }
        json_array_append_new(
            list, json_pack("{s:s, s:o}", "HostIp",
                            p->host_ip ? hull_ipv4_format(p->host_ip, ip) : "", "HostPort",
                            p->host_port ? json_sprintf("%u", p->host_port) : json_string("")));
    }
    /* Docker names the network, or the container whose stack is shared */
    if (req.container != NULL)
        json_object_set_new(hc, "NetworkMode", json_sprintf("container:%s", req.container));
    else if (strcmp(req.mode, "bridge") == 0 && req.networks != NULL && req.networks[0] != NULL)
        json_object_set_new(hc, "NetworkMode", json_string(req.networks[0]));
    else
        json_object_set_new(hc, "NetworkMode", json_string(req.mode));
    json_object_set_new(hc, "PortBindings", bindings);
    json_object_set_new(hc, "Dns", strv_or_empty(req.dns));
    json_object_set_new(hc, "DnsOptions", strv_or_empty(req.dns_options));
    json_object_set_new(hc, "DnsSearch", strv_or_empty(req.dns_search));
    json_object_set_new(hc, "ExtraHosts",
                        req.extra_hosts != NULL ? strv_or_empty(req.extra_hosts) : json_null());
    net_request_clear(&req);
}

static int cmp_port(const void *a, const void *b)
{
    const struct hull_port *x = a, *y = b;

    if (x->container_port != y->container_port)
        return x->container_port < y->container_port ? -1 : 1;
    return strcmp(x->proto, y->proto);
}

int hull_net_port_lines(struct hull_engine *e, const struct hull_ctr *c, const char *filter,
                        char ***out, hull_error **err)
{
    struct net_sandbox sb;
    struct hull_ports want = {0};
    bool found = false;
    char ip[HULL_IPV4_STRLEN];

    (void)e;
    *out = NULL;
    if (filter != NULL && hull_ports_parse_expose(filter, &want, err) < 0)
        return -1;
    live_sandbox(c, &sb, &found);
    if (found && sb.ports.n > 1)
        qsort(sb.ports.v, sb.ports.n, sizeof(*sb.ports.v), cmp_port);
    for (size_t i = 0; found && i < sb.ports.n; i++) {
        const struct hull_port *p = &sb.ports.v[i];
        _cleanup_free_ char *line = NULL;
        if (filter == NULL)
            line = xasprintf("%u/%s -> %s:%u", p->container_port, p->proto,
                             hull_ipv4_format(p->host_ip, ip), p->host_port);
        else if (want.v[0].container_port == p->container_port &&
                 strcmp(want.v[0].proto, p->proto) == 0)
            line = xasprintf("%s:%u", hull_ipv4_format(p->host_ip, ip), p->host_port);
        if (line != NULL)
            strv_append(out, line);
    }
    if (found)
        net_sandbox_clear(&sb);
    if (filter != NULL && *out == NULL) {
        int ret =
            hull_err_kind(err, HULL_ERR_NOT_EXIST, 0, "No public port '%u/%s' published for %s",
                          want.v[0].container_port, want.v[0].proto, c->name);
        hull_ports_clear(&want);
        return ret;
    }
    hull_ports_clear(&want);
    return 0;
}

char *hull_net_ports_summary(struct hull_engine *e, const struct hull_ctr *c)
{
    struct net_sandbox sb;
    bool found = false;
    char *text = xstrdup("");

    (void)e;
    live_sandbox(c, &sb, &found);
    if (!found)
        return text;
    if (sb.ports.n > 1)
        qsort(sb.ports.v, sb.ports.n, sizeof(*sb.ports.v), cmp_port);
    for (size_t i = 0; i < sb.ports.n; i++) {
        _cleanup_free_ char *one = hull_port_format(&sb.ports.v[i]);
        char *next = xasprintf("%s%s%s", text, i > 0 ? ", " : "", one);
        free(text);
        text = next;
    }
    net_sandbox_clear(&sb);
    return text;
}
