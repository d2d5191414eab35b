/* Sandboxes (what a container's network setup made) and address leases,
 * under HULL_NET_ROOT. */
#include "log.h"
#include "net_internal.h"
#include "state.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define SANDBOX_MAX (1u << 20)

static char *sandbox_path(const char *id)
{
    return xasprintf("sandbox/%s.json", id);
}

static json_t *endpoint_json(const struct net_endpoint *ep)
{
    char ip[HULL_IPV4_STRLEN], gw[HULL_IPV4_STRLEN], mac[18];

    snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", ep->mac[0], ep->mac[1], ep->mac[2],
             ep->mac[3], ep->mac[4], ep->mac[5]);
    return json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:s}", "network", ep->network,
                     "network_id", ep->network_id, "ip", hull_ipv4_format(ep->ip, ip), "prefix",
                     (int)ep->prefix, "gateway", hull_ipv4_format(ep->gateway, gw), "veth",
                     ep->veth, "ifname", ep->ifname, "mac", mac);
}

static json_t *strv_json(char *const *v)
{
    json_t *a = json_array();

    for (size_t i = 0; v != NULL && v[i] != NULL; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

static json_t *sandbox_json(const struct net_sandbox *sb)
{
    json_t *eps = json_array();

    for (size_t i = 0; i < sb->n_eps; i++)
        json_array_append_new(eps, endpoint_json(&sb->eps[i]));
    return json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:o, s:s, s:o, s:o, s:o, s:I, s:I}",
                     "container", sb->container, "name", sb->name, "hostname", sb->hostname,
                     "boot_id", sb->boot_id, "pid", (json_int_t)sb->pid, "pid_start",
                     (json_int_t)sb->pid_start, "netns",
                     sb->netns != NULL ? json_string(sb->netns) : json_null(), "files_dir",
                     sb->files_dir, "extra_hosts", strv_json(sb->extra_hosts), "ports",
                     hull_ports_to_json(&sb->ports), "endpoints", eps, "slirp_pid",
                     (json_int_t)sb->slirp, "slirp_start", (json_int_t)sb->slirp_start);
}

static char *dup_str(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s != NULL ? xstrdup(s) : NULL;
}

static int endpoint_parse(const json_t *j, struct net_endpoint *ep)
{
    const char *mac = json_string_value(json_object_get(j, "mac"));
    json_int_t prefix = json_integer_value(json_object_get(j, "prefix"));

    ep->network = dup_str(j, "network");
    ep->network_id = dup_str(j, "network_id");
    ep->veth = dup_str(j, "veth");
    ep->ifname = dup_str(j, "ifname");
    ep->prefix = (unsigned)prefix;
    if (ep->network == NULL || ep->network_id == NULL || ep->veth == NULL || ep->ifname == NULL ||
        prefix < 0 || prefix > 32 ||
        hull_ipv4_parse(json_string_value(json_object_get(j, "ip")), &ep->ip) < 0 ||
        hull_ipv4_parse(json_string_value(json_object_get(j, "gateway")), &ep->gateway) < 0 ||
        mac == NULL ||
        sscanf(mac, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &ep->mac[0], &ep->mac[1], &ep->mac[2],
               &ep->mac[3], &ep->mac[4], &ep->mac[5]) != 6)
        return -1;
    return 0;
}

static int sandbox_parse(const char *text, const char *id, struct net_sandbox *sb, hull_error **err)
{
    json_error_t jerr;
    json_t *j = json_loads(text, 0, &jerr), *v;
    size_t i;
    int ret = -1;

    memset(sb, 0, sizeof(*sb));
    if (j == NULL)
        return hull_err(err, 0, "sandbox %s: line %d: %s", id, jerr.line, jerr.text);
    sb->container = dup_str(j, "container");
    sb->name = dup_str(j, "name");
    sb->hostname = dup_str(j, "hostname");
    sb->boot_id = dup_str(j, "boot_id");
    sb->netns = dup_str(j, "netns");
    sb->files_dir = dup_str(j, "files_dir");
    sb->pid = (pid_t)json_integer_value(json_object_get(j, "pid"));
    sb->pid_start = (unsigned long long)json_integer_value(json_object_get(j, "pid_start"));
    sb->slirp = (pid_t)json_integer_value(json_object_get(j, "slirp_pid"));
    sb->slirp_start = (unsigned long long)json_integer_value(json_object_get(j, "slirp_start"));
    json_array_foreach (json_object_get(j, "extra_hosts"), i, v)
        if (json_is_string(v))
            strv_append(&sb->extra_hosts, json_string_value(v));
    if (sb->container == NULL || strcmp(sb->container, id) != 0 || sb->name == NULL ||
        sb->hostname == NULL || sb->boot_id == NULL || sb->files_dir == NULL ||
        hull_ports_from_json(json_object_get(j, "ports"), id, &sb->ports, err) < 0) {
        hull_err(err, 0, "sandbox %s: missing or invalid fields", id);
        goto out;
    }
    json_array_foreach (json_object_get(j, "endpoints"), i, v) {
        struct net_endpoint *ep = net_sandbox_add_endpoint(sb);
        if (endpoint_parse(v, ep) < 0) {
            hull_err(err, 0, "sandbox %s: invalid endpoint %zu", id, i);
            goto out;
        }
    }
    ret = 0;
out:
    json_decref(j);
    if (ret < 0)
        net_sandbox_clear(sb);
    return ret;
}

int net_sandbox_load(struct net_state *st, const char *id, struct net_sandbox *sb, bool *found,
                     hull_error **err)
{
    _cleanup_free_ char *path = sandbox_path(id), *text = NULL;
    _cleanup_error_ hull_error *read_err = NULL;

    memset(sb, 0, sizeof(*sb));
    *found = false;
    if (read_file_at(st->root_fd, path, SANDBOX_MAX, &text, NULL, &read_err) < 0) {
        if (read_err->errnum == ENOENT)
            return 0;
        *err = take_ptr(read_err);
        return -1;
    }
    if (sandbox_parse(text, id, sb, err) < 0)
        return -1;
    *found = true;
    return 0;
}

int net_sandbox_save(struct net_state *st, const struct net_sandbox *sb, hull_error **err)
{
    _cleanup_free_ char *name = xasprintf("%s.json", sb->container), *text = NULL;
    _cleanup_close_ int dfd = openat(st->root_fd, "sandbox", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    json_t *j = sandbox_json(sb);

    text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(j);
    if (dfd < 0)
        return hull_err(err, errno, "open \"%s/sandbox\"", HULL_NET_ROOT);
    /* Replaced atomically but not synced: after a reboot every sandbox
     * is dead anyway (a new boot id). */
    return write_file_replace(dfd, name, text, strlen(text), 0600, err);
}

int net_sandbox_remove(struct net_state *st, const char *id, hull_error **err)
{
    _cleanup_free_ char *path = sandbox_path(id);

    if (unlinkat(st->root_fd, path, 0) < 0 && errno != ENOENT)
        return hull_err(err, errno, "remove \"%s/%s\"", HULL_NET_ROOT, path);
    return 0;
}

int net_sandbox_list(struct net_state *st, struct net_sandbox **out, size_t *n, hull_error **err)
{
    int fd = openat(st->root_fd, "sandbox", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    struct net_sandbox *v = NULL;
    size_t count = 0;
    struct dirent *de;

    if (d == NULL) {
        closep(&fd);
        return hull_err(err, errno, "open \"%s/sandbox\"", HULL_NET_ROOT);
    }
    while ((de = readdir(d)) != NULL) {
        _cleanup_free_ char *id = NULL;
        _cleanup_error_ hull_error *e = NULL;
        struct net_sandbox sb;
        bool found;
        if (de->d_name[0] == '.' || !str_has_suffix(de->d_name, ".json"))
            continue;
        id = xstrndup(de->d_name, strlen(de->d_name) - 5);
        if (net_sandbox_load(st, id, &sb, &found, &e) < 0 || !found) {
            if (e != NULL)
                hull_warn("%s", e->msg);
            continue;
        }
        v = xrealloc(v, (count + 1) * sizeof(*v));
        v[count++] = sb;
    }
    closedir(d);
    *out = v;
    *n = count;
    return 0;
}

bool net_sandbox_alive(const struct net_state *st, const struct net_sandbox *sb)
{
    return strcmp(sb->boot_id, st->boot_id) == 0 && hull_proc_is_same(sb->pid, sb->pid_start);
}

struct net_endpoint *net_sandbox_add_endpoint(struct net_sandbox *sb)
{
    sb->eps = xrealloc(sb->eps, (sb->n_eps + 1) * sizeof(*sb->eps));
    memset(&sb->eps[sb->n_eps], 0, sizeof(*sb->eps));
    return &sb->eps[sb->n_eps++];
}

static void endpoint_clear(struct net_endpoint *ep)
{
    free(ep->network);
    free(ep->network_id);
    free(ep->veth);
    free(ep->ifname);
}

void net_sandbox_clear(struct net_sandbox *sb)
{
    free(sb->container);
    free(sb->name);
    free(sb->hostname);
    free(sb->boot_id);
    free(sb->netns);
    free(sb->files_dir);
    strv_free(sb->extra_hosts);
    hull_ports_clear(&sb->ports);
    for (size_t i = 0; i < sb->n_eps; i++)
        endpoint_clear(&sb->eps[i]);
    free(sb->eps);
    memset(sb, 0, sizeof(*sb));
}

void net_sandbox_list_free(struct net_sandbox *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        net_sandbox_clear(&v[i]);
    free(v);
}

/* ---- leases ---- */

static char *lease_path(const char *net, uint32_t ip)
{
    char buf[HULL_IPV4_STRLEN];

    return xasprintf("net/%s/leases/%s", net, hull_ipv4_format(ip, buf));
}

/* The id a lease points to, or NULL when there is no lease. */
static char *lease_owner(struct net_state *st, const char *path)
{
    char buf[HULL_CTR_ID_LEN + 2];
    ssize_t n = readlinkat(st->root_fd, path, buf, sizeof(buf) - 1);

    if (n < 0)
        return NULL;
    buf[n] = '\0';
    return xstrdup(buf);
}

int net_lease_claim(struct net_state *st, const char *net, uint32_t ip, const char *id,
                    hull_error **err)
{
    _cleanup_free_ char *path = lease_path(net, ip);

    for (int attempt = 0; attempt < 2; attempt++) {
        _cleanup_free_ char *owner = NULL, *sb_path = NULL;

        /* symlinkat either creates the lease whole, with its owner, or
         * fails: there is no half-written lease to find after a crash. */
        if (symlinkat(id, st->root_fd, path) == 0)
            return 1;
        if (errno != EEXIST)
            return hull_err(err, errno, "create lease \"%s/%s\"", HULL_NET_ROOT, path);
        owner = lease_owner(st, path);
        if (owner != NULL && strcmp(owner, id) == 0)
            return 1;
        /* The dead were released before anyone allocates (under the same
         * lock), so an owner with a sandbox is alive; one without was
         * left by a hull that died between the claim and the sandbox. */
        sb_path = sandbox_path(owner != NULL ? owner : "");
        if (owner != NULL && faccessat(st->root_fd, sb_path, F_OK, 0) == 0)
            return 0;
        if (unlinkat(st->root_fd, path, 0) < 0 && errno != ENOENT)
            return hull_err(err, errno, "remove stale lease \"%s/%s\"", HULL_NET_ROOT, path);
    }
    return 0;
}

void net_lease_drop(struct net_state *st, const char *net, uint32_t ip, const char *id)
{
    _cleanup_free_ char *path = lease_path(net, ip);
    _cleanup_free_ char *owner = lease_owner(st, path);

    if (owner != NULL && strcmp(owner, id) == 0)
        unlinkat(st->root_fd, path, 0);
}

/* Whether lease LEASE of network NET is to go: it points to ID, or to a
 * container without a sandbox. */
static bool lease_stale(struct net_state *st, const char *net, const char *lease, const char *id)
{
    _cleanup_free_ char *path = xasprintf("net/%s/leases/%s", net, lease);
    _cleanup_free_ char *owner = lease_owner(st, path), *sb_path = NULL;

    if (owner == NULL)
        return false;
    if (id != NULL && strcmp(owner, id) == 0)
        return true;
    sb_path = sandbox_path(owner);
    return faccessat(st->root_fd, sb_path, F_OK, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT;
}

void net_lease_sweep(struct net_state *st, const char *id)
{
    struct net_network *nets = NULL;
    size_t n = 0;

    if (net_network_list(st, &nets, &n, NULL) < 0)
        return;
    for (size_t i = 0; i < n; i++) {
        _cleanup_free_ char *dir = xasprintf("net/%s/leases", nets[i].name);
        int fd = openat(st->root_fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        struct dirent *de;

        if (d == NULL) {
            closep(&fd);
            continue;
        }
        while ((de = readdir(d)) != NULL) {
            if (de->d_name[0] == '.' || !lease_stale(st, nets[i].name, de->d_name, id))
                continue;
            hull_debug("removing stale lease %s of network %s", de->d_name, nets[i].name);
            unlinkat(dirfd(d), de->d_name, 0);
        }
        closedir(d);
    }
    net_network_list_free(nets, n);
}
