/* A container's network around its life: setup once it is created,
 * release when it is gone, and the hosts files of its networks. */
#include "log.h"
#include "net_dns.h"
#include "net_internal.h"
#include "net_nft.h"
#include "state.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

static bool user_defined(const char *network)
{
    return strcmp(network, HULL_NET_DEFAULT) != 0;
}

/* ---- hosts files ---- */

static bool on_network(const struct net_sandbox *sb, const char *network)
{
    for (size_t i = 0; i < sb->n_eps; i++)
        if (strcmp(sb->eps[i].network, network) == 0)
            return true;
    return false;
}

/* "IP\tNAME" for every live member of SB's user-defined networks, SB
 * included: that is how containers find each other by name. */
static char **peer_lines(const struct net_state *st, const struct net_sandbox *sb,
                         const struct net_sandbox *all, size_t n)
{
    char **lines = NULL;
    char ip[HULL_IPV4_STRLEN];

    for (size_t i = 0; i < sb->n_eps; i++) {
        if (!user_defined(sb->eps[i].network))
            continue;
        for (size_t j = 0; j < n; j++) {
            const struct net_sandbox *o = &all[j];
            if (strcmp(o->container, sb->container) != 0 && !net_sandbox_alive(st, o))
                continue;
            for (size_t k = 0; k < o->n_eps; k++) {
                if (strcmp(o->eps[k].network, sb->eps[i].network) != 0)
                    continue;
                _cleanup_free_ char *line =
                    xasprintf("%s\t%s", hull_ipv4_format(o->eps[k].ip, ip), o->name);
                strv_append(&lines, line);
            }
        }
    }
    return lines;
}

/* Rewrites SB's hosts file in place: it is bind-mounted into the
 * container, so the inode must stay.  The new text is written over the
 * old before the file is cut to length, so a reader never finds it
 * empty. */
static int hosts_write(const struct net_state *st, const struct net_sandbox *sb,
                       const struct net_sandbox *all, size_t n, hull_error **err)
{
    _cleanup_strv_ char **peers = peer_lines(st, sb, all, n);
    _cleanup_strv_ char **own = NULL;
    _cleanup_free_ char *path = xasprintf("%s/hosts", sb->files_dir), *text = NULL;
    _cleanup_close_ int fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
    char ip[HULL_IPV4_STRLEN];

    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        return hull_err(err, errno, "open \"%s\"", path);
    }
    for (size_t i = 0; i < sb->n_eps; i++)
        strv_append(&own, hull_ipv4_format(sb->eps[i].ip, ip));
    if (sb->slirp > 0)
        strv_append(&own, NET_SLIRP_ADDR);
    text = hull_dns_hosts(sb->hostname, (const char *const *)own,
                          (const char *const *)sb->extra_hosts, (const char *const *)peers);
    if (pwrite(fd, text, strlen(text), 0) != (ssize_t)strlen(text) ||
        ftruncate(fd, (off_t)strlen(text)) < 0)
        return hull_err(err, errno, "write \"%s\"", path);
    return 0;
}

int net_hosts_refresh(struct net_state *st, char *const *networks, const struct net_sandbox *self,
                      hull_error **err)
{
    struct net_sandbox *all = NULL;
    size_t n = 0;
    bool any_user = false;
    int ret = 0;

    /* On the default network nobody has peers to learn about: no need to
     * read every sandbox. */
    for (size_t i = 0; networks != NULL && networks[i] != NULL; i++)
        any_user = any_user || user_defined(networks[i]);
    if (!any_user)
        return self != NULL ? hosts_write(st, self, NULL, 0, err) : 0;
    if (net_sandbox_list(st, &all, &n, err) < 0)
        return -1;
    if (self != NULL)
        ret = hosts_write(st, self, all, n, err);
    for (size_t i = 0; i < n && ret == 0; i++) {
        bool member = false;
        if ((self != NULL && strcmp(all[i].container, self->container) == 0) ||
            !net_sandbox_alive(st, &all[i]))
            continue;
        for (size_t j = 0; networks != NULL && networks[j] != NULL; j++)
            member = member || (user_defined(networks[j]) && on_network(&all[i], networks[j]));
        if (member)
            ret = hosts_write(st, &all[i], all, n, err);
    }
    net_sandbox_list_free(all, n);
    return ret;
}

static char **networks_of(const struct net_sandbox *sb)
{
    char **v = NULL;

    for (size_t i = 0; i < sb->n_eps; i++)
        strv_append(&v, sb->eps[i].network);
    return v;
}

/* ---- release ---- */

static void keep_first(hull_error **first, hull_error **e)
{
    if (*e == NULL)
        return;
    if (*first == NULL)
        *first = take_ptr(*e);
    else
        hull_error_freep(e);
}

static char *pub_cmds(const struct net_sandbox *sb, const char *verb)
{
    char *cmds = NULL;

    for (size_t i = 0; sb->n_eps > 0 && i < sb->ports.n; i++) {
        struct hull_nft_pub pub = {sb->ports.v[i], sb->eps[0].ip};
        hull_nft_pub_cmds(&cmds, verb, &pub);
    }
    return cmds;
}

static void netns_unmount(const char *path, hull_error **err)
{
    if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
        hull_err(err, errno, "unmount \"%s\"", path);
    else if (unlink(path) < 0 && errno != ENOENT)
        hull_err(err, errno, "remove \"%s\"", path);
}

int net_sandbox_release(struct net_state *st, struct hull_nl *nl, struct net_sandbox *sb,
                        hull_error **err)
{
    _cleanup_free_ char *cmds = pub_cmds(sb, "delete");
    _cleanup_strv_ char **networks = networks_of(sb);
    bool alive = net_sandbox_alive(st, sb);
    hull_error *first = NULL, *step = NULL;

    /* The sandbox file goes last: a crash halfway leaves it for the next
     * hull to finish the job. */
    if (cmds != NULL) {
        net_nft_sync(st, cmds, sb->container, &step);
        keep_first(&first, &step);
    }
    if (sb->netns != NULL)
        netns_unmount(sb->netns, &step);
    keep_first(&first, &step);
    /* A veth goes with its namespace, which goes once the container's
     * processes are gone and the mount above is undone: the kernel does
     * it in the background, where deleting it here would cost the caller
     * an RCU grace period (tens of ms).  Only a container that still
     * runs (a disconnect) has its veths deleted now.  Were the namespace
     * held by someone else (an `ip netns exec` shell), the veth would stay
     * until they let go; its address is not handed out again before the
     * allocator has gone round the subnet. */
    for (size_t i = 0; alive && i < sb->n_eps; i++) {
        hull_nl_link_del(nl, sb->eps[i].veth, &step);
        keep_first(&first, &step);
    }
    for (size_t i = 0; i < sb->n_eps; i++)
        net_lease_drop(st, sb->eps[i].network, sb->eps[i].ip, sb->container);
    /* Nothing else stops a slirp4netns: it holds the namespace it serves. */
    if (sb->slirp > 0 && hull_proc_is_same(sb->slirp, sb->slirp_start) &&
        kill(sb->slirp, SIGTERM) < 0 && errno != ESRCH)
        hull_err(&step, errno, "stop slirp4netns (pid %d)", (int)sb->slirp);
    keep_first(&first, &step);
    if (first == NULL)
        net_sandbox_remove(st, sb->container, &step);
    keep_first(&first, &step);
    if (first == NULL)
        net_hosts_refresh(st, networks, NULL, &step);
    keep_first(&first, &step);
    if (first != NULL) {
        *err = first;
        return hull_err_wrap(err, "release the network of container %.12s", sb->container);
    }
    return 0;
}

int net_gc_locked(struct net_state *st, struct hull_nl *nl, hull_error **err)
{
    struct net_sandbox *all = NULL;
    size_t n = 0;
    int ret = 0;

    if (net_sandbox_list(st, &all, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        _cleanup_error_ hull_error *e = NULL;
        if (net_sandbox_alive(st, &all[i]))
            continue;
        hull_debug("releasing the network of container %.12s, which is gone", all[i].container);
        if (net_sandbox_release(st, nl, &all[i], &e) < 0) {
            hull_warn("%s", e->msg);
            ret = -1;
        }
    }
    net_sandbox_list_free(all, n);
    return ret < 0 ? hull_err(err, 0, "some networks of stopped containers were not released") : 0;
}

int hull_net_gc(struct hull_engine *e, hull_error **err)
{
    struct net_state st;
    struct hull_nl nl;
    int ret;

    (void)e;
    if (net_state_open(&st, err) < 0)
        return -1;
    ret = hull_nl_open(-1, &nl, err);
    if (ret == 0)
        ret = net_gc_locked(&st, &nl, err);
    if (ret == 0)
        net_lease_sweep(&st, NULL);
    hull_nl_close(&nl);
    net_state_close(&st);
    return ret;
}

int hull_net_teardown(struct hull_engine *e, const char *id, hull_error **err)
{
    struct net_state st;
    struct net_sandbox sb;
    struct hull_nl nl;
    bool found = false;
    int ret;

    (void)e;
    if (net_state_open(&st, err) < 0)
        return -1;
    ret = hull_nl_open(-1, &nl, err);
    if (ret == 0)
        ret = net_sandbox_load(&st, id, &sb, &found, err);
    if (ret == 0 && found)
        ret = net_sandbox_release(&st, &nl, &sb, err);
    if (found)
        net_sandbox_clear(&sb);
    if (ret == 0)
        ret = net_gc_locked(&st, &nl, err);
    /* Leases ID claimed without recording them (a hull killed in
     * between) go too: the container is being stopped or removed. */
    if (ret == 0)
        net_lease_sweep(&st, id);
    hull_nl_close(&nl);
    net_state_close(&st);
    return ret;
}
