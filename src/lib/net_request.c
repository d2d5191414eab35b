/* `hull run`'s network options: checked before anything is made, kept
 * in the container's record, and the /etc files they give. */
#include "image.h"
#include "log.h"
#include "net_dns.h"
#include "net_internal.h"
#include "rootless.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#define SHORT_ID_LEN 12

/* ---- the request as the record keeps it ---- */

static json_t *strv_json(char *const *v)
{
    json_t *a = json_array();

    for (size_t i = 0; v != NULL && v[i] != NULL; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

static char **strv_from(const json_t *a)
{
    char **v = NULL;
    size_t i;
    json_t *e;

    json_array_foreach (a, i, e)
        if (json_is_string(e))
            strv_append(&v, json_string_value(e));
    return v;
}

static json_t *opt_string(const char *s)
{
    return s != NULL ? json_string(s) : json_null();
}

json_t *net_request_to_json(const struct net_request *r)
{
    return json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:s}", "mode", r->mode,
                     "networks", strv_json(r->networks), "container", opt_string(r->container),
                     "ips", strv_json(r->ips), "ports", hull_ports_to_json(&r->ports), "dns",
                     strv_json(r->dns), "dns_search", strv_json(r->dns_search), "dns_options",
                     strv_json(r->dns_options), "extra_hosts", strv_json(r->extra_hosts),
                     "hostname", r->hostname, "files_dir", r->files_dir);
}

static char *dup_str(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s != NULL ? xstrdup(s) : NULL;
}

int net_request_load(const json_t *j, struct net_request *r, hull_error **err)
{
    memset(r, 0, sizeof(*r));
    if (j == NULL) {
        r->mode = xstrdup("none");
        return 0;
    }
    r->mode = dup_str(j, "mode");
    r->networks = strv_from(json_object_get(j, "networks"));
    r->container = dup_str(j, "container");
    r->ips = strv_from(json_object_get(j, "ips"));
    r->dns = strv_from(json_object_get(j, "dns"));
    r->dns_search = strv_from(json_object_get(j, "dns_search"));
    r->dns_options = strv_from(json_object_get(j, "dns_options"));
    r->extra_hosts = strv_from(json_object_get(j, "extra_hosts"));
    r->hostname = dup_str(j, "hostname");
    r->files_dir = dup_str(j, "files_dir");
    if (r->mode == NULL || r->hostname == NULL || r->files_dir == NULL ||
        strv_len(r->ips) != strv_len(r->networks) ||
        hull_ports_from_json(json_object_get(j, "ports"), "network request", &r->ports, err) < 0) {
        net_request_clear(r);
        return hull_err(err, 0, "the container's network request is invalid");
    }
    return 0;
}

bool net_request_slirp(const struct net_request *r)
{
    return strcmp(r->mode, "bridge") == 0 && strv_len(r->networks) == 1 &&
           strcmp(r->networks[0], HULL_NET_DEFAULT) == 0 && hull_rootless();
}

void net_request_clear(struct net_request *r)
{
    free(r->mode);
    strv_free(r->networks);
    free(r->container);
    strv_free(r->ips);
    hull_ports_clear(&r->ports);
    strv_free(r->dns);
    strv_free(r->dns_search);
    strv_free(r->dns_options);
    strv_free(r->extra_hosts);
    free(r->hostname);
    free(r->files_dir);
    memset(r, 0, sizeof(*r));
}

/* ---- checking the run options ---- */

static int conflict(const char *what, const char *mode, hull_error **err)
{
    return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                         "conflicting options: %s and the network mode \"%s\"", what, mode);
}

static bool nonempty(char *const *v)
{
    return v != NULL && v[0] != NULL;
}

/* --network container:REF: the namespace of a running container, and its
 * /etc files and host name, which the two share as Docker has them. */
static int join_container(struct hull_engine *e, const char *ref, struct net_request *req,
                          struct hull_net_config *out, hull_error **err)
{
    _cleanup_free_ char *id = NULL;
    struct hull_ctr target;
    struct net_request treq;
    int ret = -1;

    if (hull_ctr_lookup(e->ctr_dirfd, ref, &id, err) < 0 ||
        hull_ctr_load(e->ctr_dirfd, id, &target, err) < 0)
        return hull_err_wrap(err, "--network container:%s", ref);
    if (!hull_ctr_is_running(&target)) {
        hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                      "cannot join the network of container \"%s\": it is not running", ref);
        goto out;
    }
    if (net_request_load(target.network, &treq, err) < 0)
        goto out;
    req->container = xstrdup(id);
    req->hostname = treq.hostname != NULL ? xstrdup(treq.hostname) : xstrndup(id, SHORT_ID_LEN);
    req->files_dir = hull_engine_ctr_path(e, id, NULL);
    if (treq.files_dir != NULL) {
        free(req->files_dir);
        req->files_dir = xstrdup(treq.files_dir);
    }
    out->netns_path = xasprintf("/proc/%d/ns/net", (int)target.pid);
    net_request_clear(&treq);
    ret = 0;
out:
    hull_ctr_clear(&target);
    return ret;
}

/* The primary network's record, the default one made on first use. */
static int load_network(const char *name, struct net_network *n, hull_error **err)
{
    struct net_state st;
    int ret;

    if (net_state_open(&st, err) < 0)
        return -1;
    ret = strcmp(name, HULL_NET_DEFAULT) == 0 ? net_default_ensure(&st, err) : 0;
    if (ret == 0)
        ret = net_network_load(&st, name, n, err);
    net_state_close(&st);
    return ret;
}

int net_ip_check(const char *s, const struct net_network *n, hull_error **err)
{
    uint32_t ip;
    _cleanup_free_ char *subnet = hull_cidr_format(&n->subnet);

    if (strcmp(n->name, HULL_NET_DEFAULT) == 0)
        return hull_err_kind(
            err, HULL_ERR_BAD_INPUT, 0,
            "--ip \"%s\": a user specified IP address is supported on user defined networks only",
            s);
    if (hull_ipv4_parse(s, &ip) < 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "invalid --ip \"%s\": not an IPv4 address",
                             s);
    if (!hull_cidr_contains(&n->subnet, ip) || ip == n->subnet.addr || ip == n->gateway ||
        ip == hull_cidr_broadcast(&n->subnet))
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "invalid --ip \"%s\": not a free host address of network %s (%s)", s,
                             n->name, subnet);
    return 0;
}

static int collect_ports(const struct hull_run_request *r, const json_t *image_config,
                         struct hull_ports *out, hull_error **err)
{
    _cleanup_strv_ char **image_ports = NULL;
    struct hull_ports exposed = {0};
    int ret = 0;

    for (size_t i = 0; nonempty(r->publish) && r->publish[i] != NULL && ret == 0; i++)
        ret = hull_ports_parse_publish(r->publish[i], out, err);
    for (size_t i = 0; nonempty(r->expose) && r->expose[i] != NULL && ret == 0; i++)
        ret = hull_ports_parse_expose(r->expose[i], &exposed, err);
    if (ret == 0 && r->publish_all && image_config != NULL)
        image_ports = hull_image_config_exposed_ports(image_config);
    for (size_t i = 0; image_ports != NULL && image_ports[i] != NULL && ret == 0; i++)
        ret = hull_ports_parse_expose(image_ports[i], &exposed, err);
    /* -P publishes what is exposed and not published with -p already. */
    for (size_t i = 0; r->publish_all && i < exposed.n && ret == 0; i++) {
        bool published = false;
        for (size_t j = 0; j < out->n; j++)
            published = published || (out->v[j].container_port == exposed.v[i].container_port &&
                                      strcmp(out->v[j].proto, exposed.v[i].proto) == 0);
        if (!published)
            hull_ports_add(out, &exposed.v[i]);
    }
    hull_ports_clear(&exposed);
    return ret;
}

/* Mode, networks, ports and --ip of a bridge-mode request. */
static int bridge_request(const struct hull_run_request *r, const char *name,
                          const json_t *image_config, struct net_request *req, uint32_t *gateway,
                          hull_error **err)
{
    struct net_network n;
    int ret = 0;

    if (load_network(name, &n, err) < 0)
        return -1;
    if (strcmp(n.driver, NET_DRIVER_BRIDGE) != 0)
        ret = hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                            "network %s cannot be used with --network: use \"%s\" itself", n.name,
                            n.name);
    if (ret == 0 && r->ip != NULL)
        ret = net_ip_check(r->ip, &n, err);
    if (ret == 0) {
        req->mode = xstrdup("bridge");
        strv_append(&req->networks, n.name);
        strv_append(&req->ips, r->ip != NULL ? r->ip : "");
        *gateway = n.gateway;
        ret = collect_ports(r, image_config, &req->ports, err);
    }
    if (ret == 0 && n.internal && req->ports.n > 0)
        ret = hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                            "publishing ports (-p, -P) is not supported on internal network %s",
                            n.name);
    if (ret == 0 && net_request_slirp(req)) {
        /* Adopted here, so that nothing this process runs inherits it. */
        hull_rootless_net_fd();
        hull_ipv4_parse(NET_SLIRP_GATEWAY, gateway);
    }
    net_network_clear(&n);
    return ret;
}

/* Everything but the /etc files. */
static int parse_request(struct hull_engine *e, const struct hull_ctr *c,
                         const struct hull_run_request *r, const json_t *image_config,
                         struct net_request *req, struct hull_net_config *out, hull_error **err)
{
    const char *net = r->network != NULL && r->network[0] != '\0' ? r->network : HULL_NET_DEFAULT;
    char gw_text[HULL_IPV4_STRLEN];
    uint32_t gateway = 0;
    bool ports = nonempty(r->publish) || r->publish_all;

    if (strcmp(net, "default") == 0)
        net = HULL_NET_DEFAULT;
    if (str_has_prefix(net, "container:")) {
        if (ports || r->ip != NULL || r->hostname != NULL || nonempty(r->dns) ||
            nonempty(r->dns_search) || nonempty(r->dns_options) || nonempty(r->add_hosts))
            return conflict("-p, -P, --ip, --hostname, --dns and --add-host", net, err);
        req->mode = xstrdup("container");
        return join_container(e, net + strlen("container:"), req, out, err);
    }
    if (strcmp(net, "host") == 0 || strcmp(net, "none") == 0) {
        if (ports)
            return conflict("port publishing (-p, -P)", net, err);
        if (r->ip != NULL)
            return conflict("--ip", net, err);
        req->mode = xstrdup(net);
        out->host_netns = strcmp(net, "host") == 0;
    } else if (net_name_validate(net, NULL) < 0) {
        return hull_err_kind(err, HULL_ERR_NOT_EXIST, 0, "network %s not found", net);
    } else if (bridge_request(r, net, image_config, req, &gateway, err) < 0) {
        return -1;
    }
    for (size_t i = 0; nonempty(r->dns) && r->dns[i] != NULL; i++)
        if (hull_dns_server_check(r->dns[i], err) < 0)
            return -1;
    for (size_t i = 0; nonempty(r->add_hosts) && r->add_hosts[i] != NULL; i++) {
        _cleanup_free_ char *line = NULL;
        if (hull_dns_add_host_parse(r->add_hosts[i],
                                    gateway != 0 ? hull_ipv4_format(gateway, gw_text) : NULL, &line,
                                    err) < 0)
            return -1;
        strv_append(&req->extra_hosts, line);
    }
    req->dns = strv_dup(r->dns);
    req->dns_search = strv_dup(r->dns_search);
    req->dns_options = strv_dup(r->dns_options);
    req->files_dir = hull_engine_ctr_path(e, c->id, NULL);
    if (r->hostname != NULL) {
        req->hostname = xstrdup(r->hostname);
    } else if (out->host_netns) {
        char host[256] = "";
        gethostname(host, sizeof(host) - 1);
        req->hostname = xstrdup(host);
    } else {
        req->hostname = xstrndup(c->id, SHORT_ID_LEN);
    }
    return 0;
}

/* ---- the /etc files ---- */

/* The host's resolv.conf; behind systemd-resolved's stub (127.0.0.53,
 * which no container can reach) the real upstream servers are in
 * resolved's own file. */
static char *host_resolv_conf(bool host_netns)
{
    char *text = NULL;

    if (read_file_at(AT_FDCWD, "/etc/resolv.conf", 1u << 20, &text, NULL, NULL) < 0)
        return NULL;
    if (!host_netns && strstr(text, "nameserver 127.0.0.53") != NULL) {
        char *upstream = NULL;
        if (read_file_at(AT_FDCWD, "/run/systemd/resolve/resolv.conf", 1u << 20, &upstream, NULL,
                         NULL) == 0) {
            free(text);
            return upstream;
        }
    }
    return text;
}

static int write_etc_file(int dirfd, const char *name, const char *text, hull_error **err)
{
    _cleanup_close_ int fd =
        openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);

    if (fd < 0 || write_all(fd, text, strlen(text)) < 0)
        return hull_err(err, errno, "write the container's %s", name);
    return 0;
}

static int write_etc_files(const struct net_request *req, bool host_netns, hull_error **err)
{
    _cleanup_close_ int dirfd = open(req->files_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    _cleanup_free_ char *host_resolv = host_resolv_conf(host_netns);
    _cleanup_free_ char *hostname = xasprintf("%s\n", req->hostname);
    _cleanup_free_ char *resolv = NULL, *hosts = NULL;
    bool fallback;

    if (dirfd < 0)
        return hull_err(err, errno, "open \"%s\"", req->files_dir);
    /* slirp4netns answers DNS itself, with the host's resolvers, loopback
     * ones included. */
    static const char *const slirp_dns[] = {NET_SLIRP_DNS, NULL};
    const char *const *dns = (const char *const *)req->dns;

    if ((dns == NULL || dns[0] == NULL) && net_request_slirp(req))
        dns = slirp_dns;
    resolv =
        hull_dns_resolv_conf(host_resolv, host_netns, dns, (const char *const *)req->dns_search,
                             (const char *const *)req->dns_options, &fallback);
    if (fallback)
        hull_warn("the host has no DNS server a container can reach: using 8.8.8.8 and 8.8.4.4");
    if (host_netns) {
        _cleanup_free_ char *host_hosts = NULL;
        if (read_file_at(AT_FDCWD, "/etc/hosts", 1u << 20, &host_hosts, NULL, err) < 0)
            return -1;
        hosts = xstrdup(host_hosts);
        for (size_t i = 0; req->extra_hosts != NULL && req->extra_hosts[i] != NULL; i++) {
            char *next = xasprintf("%s%s\n", hosts, req->extra_hosts[i]);
            free(hosts);
            hosts = next;
        }
    } else {
        /* Without addresses yet: hull_net_setup adds them. */
        hosts = hull_dns_hosts(req->hostname, NULL, (const char *const *)req->extra_hosts, NULL);
    }
    if (write_etc_file(dirfd, "hostname", hostname, err) < 0 ||
        write_etc_file(dirfd, "resolv.conf", resolv, err) < 0 ||
        write_etc_file(dirfd, "hosts", hosts, err) < 0)
        return -1;
    return 0;
}

/* Whether CFG mounts something at DEST already: a user's -v over
 * /etc/hosts wins, as with Docker. */
static bool has_mount(json_t *mounts, const char *dest)
{
    size_t i;
    json_t *m;

    json_array_foreach (mounts, i, m)
        if (json_is_string(json_object_get(m, "destination")) &&
            strcmp(json_string_value(json_object_get(m, "destination")), dest) == 0)
            return true;
    return false;
}

int hull_net_config_apply(const struct hull_net_config *net, json_t *cfg, hull_error **err)
{
    static const char *const files[] = {"hosts", "hostname", "resolv.conf"};
    json_t *ns = json_object_get(json_object_get(cfg, "linux"), "namespaces");
    json_t *mounts = json_object_get(cfg, "mounts"), *v;
    size_t i;

    if (!json_is_array(ns) || !json_is_array(mounts))
        return hull_err(err, 0, "the generated config has no namespaces or mounts");
    json_array_foreach (ns, i, v) {
        if (strcmp(json_string_value(json_object_get(v, "type")) ?: "", "network") != 0)
            continue;
        if (net->host_netns)
            json_array_remove(ns, i);
        else if (net->netns_path != NULL)
            json_object_set_new(v, "path", json_string(net->netns_path));
        break;
    }
    for (i = 0; net->files_dir != NULL && i < ARRAY_SIZE(files); i++) {
        _cleanup_free_ char *dest = xasprintf("/etc/%s", files[i]);
        _cleanup_free_ char *src = xasprintf("%s/%s", net->files_dir, files[i]);
        if (!has_mount(mounts, dest))
            json_array_append_new(mounts,
                                  json_pack("{s:s, s:s, s:s, s:[s,s]}", "destination", dest, "type",
                                            "bind", "source", src, "options", "rbind", "rprivate"));
    }
    return 0;
}

void hull_net_config_clear(struct hull_net_config *c)
{
    free(c->netns_path);
    free(c->files_dir);
    free(c->hostname);
    memset(c, 0, sizeof(*c));
}

int hull_net_prepare(struct hull_engine *e, struct hull_ctr *c, const struct hull_run_request *r,
                     const json_t *image_config, struct hull_net_config *out, hull_error **err)
{
    struct net_request req = {0};
    int ret = -1;

    memset(out, 0, sizeof(*out));
    if (parse_request(e, c, r, image_config, &req, out, err) < 0)
        goto out;
    if (strcmp(req.mode, "container") != 0 && write_etc_files(&req, out->host_netns, err) < 0)
        goto out;
    out->files_dir = xstrdup(req.files_dir);
    out->hostname = xstrdup(req.hostname);
    json_decref(c->network);
    c->network = net_request_to_json(&req);
    ret = hull_ctr_save(e->ctr_dirfd, c, err);
out:
    net_request_clear(&req);
    if (ret < 0)
        hull_net_config_clear(out);
    return ret;
}
