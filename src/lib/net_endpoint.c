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

/* "IP\tNAME" for every member of SB's user-defined networks in ALL (the
 * live sandboxes), SB included: that is how containers find each other
 * by name. */
static char **peer_lines(const struct net_sandbox *sb, const struct net_sandbox *all, size_t n)
{
    char **lines = NULL;
    char ip[HULL_IPV4_STRLEN];

    for (size_t i = 0; i < sb->n_eps; i++) {
        if (!user_defined(sb->eps[i].network))
            continue;
        for (size_t j = 0; j < n; j++) {
            const struct net_sandbox *o = &all[j];
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
static int hosts_write(const struct net_sandbox *sb, const struct net_sandbox *all, size_t n,
                       hull_error **err)
{
    _cleanup_strv_ char **peers = peer_lines(sb, all, n);
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
    size_t n = 0, kept = 0;
    bool any_user = false;
    int ret = 0;

    /* On the default network nobody has peers to learn about: no need to
     * read every sandbox. */
    for (size_t i = 0; networks != NULL && networks[i] != NULL; i++)
        any_user = any_user || user_defined(networks[i]);
    if (!any_user)
        return self != NULL ? hosts_write(self, NULL, 0, err) : 0;
    if (net_sandbox_list(st, &all, &n, err) < 0)
        return -1;
    /* Each sandbox's liveness is read once (it costs a read of /proc),
     * not once per hosts file written: SELF and the live ones stay. */
    for (size_t i = 0; i < n; i++) {
        bool is_self = self != NULL && strcmp(all[i].container, self->container) == 0;
        if (is_self || net_sandbox_alive(st, &all[i]))
            all[kept++] = all[i];
        else
            net_sandbox_clear(&all[i]);
    }
    n = kept;
    if (self != NULL)
        ret = hosts_write(self, all, n, err);
    for (size_t i = 0; i < n && ret == 0; i++) {
        bool member = false;
        if (self != NULL && strcmp(all[i].container, self->container) == 0)
            continue;
        for (size_t j = 0; networks != NULL && networks[j] != NULL; j++)
            member = member || (user_defined(networks[j]) && on_network(&all[i], networks[j]));
        if (member)
            ret = hosts_write(&all[i], all, n, err);
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

/* Appends the nft commands that VERB SB's published ports to *CMDS. */
static void pub_cmds(const struct net_sandbox *sb, const char *verb, char **cmds)
{
    for (size_t i = 0; sb->n_eps > 0 && i < sb->ports.n; i++) {
        struct hull_nft_pub pub = {sb->ports.v[i], sb->eps[0].ip};
        hull_nft_pub_cmds(cmds, verb, &pub);
    }
}

static void netns_unmount(const char *path, hull_error **err)
{
    if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
        hull_err(err, errno, "unmount \"%s\"", path);
    else if (unlink(path) < 0 && errno != ENOENT)
        hull_err(err, errno, "remove \"%s\"", path);
}

/* What releasing SB takes besides its published ports and the hosts
 * files of its peers: the namespace mount, veths, leases, slirp4netns,
 * then its file, which goes only when no step failed (*FIRST still
 * NULL) and KEEP_FILE is false (the ports were released): a crash or
 * failure halfway leaves it for the next hull to finish the job.  The
 * first error lands in *FIRST. */
static void release_own(struct net_state *st, struct hull_nl *nl, struct net_sandbox *sb,
                        bool alive, bool keep_file, hull_error **first)
{
    hull_error *step = NULL;

    if (sb->netns != NULL)
        netns_unmount(sb->netns, &step);
    keep_first(first, &step);
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
        keep_first(first, &step);
    }
    for (size_t i = 0; i < sb->n_eps; i++)
        net_lease_drop(st, sb->eps[i].network, sb->eps[i].ip, sb->container);
    /* Nothing else stops a slirp4netns: it holds the namespace it serves. */
    if (sb->slirp > 0 && hull_proc_is_same(sb->slirp, sb->slirp_start) &&
        kill(sb->slirp, SIGTERM) < 0 && errno != ESRCH)
        hull_err(&step, errno, "stop slirp4netns (pid %d)", (int)sb->slirp);
    keep_first(first, &step);
    if (*first == NULL && !keep_file)
        net_sandbox_remove(st, sb->container, &step);
    keep_first(first, &step);
}

int net_sandbox_release(struct net_state *st, struct hull_nl *nl, struct net_sandbox *sb,
                        hull_error **err)
{
    _cleanup_free_ char *cmds = NULL;
    _cleanup_strv_ char **networks = networks_of(sb);
    hull_error *first = NULL, *step = NULL;

    pub_cmds(sb, "delete", &cmds);
    if (cmds != NULL) {
        net_nft_sync(st, cmds, sb->container, &step);
        keep_first(&first, &step);
    }
    release_own(st, nl, sb, net_sandbox_alive(st, sb), first != NULL, &first);
    if (first == NULL)
        net_hosts_refresh(st, networks, NULL, &step);
    keep_first(&first, &step);
    if (first != NULL) {
        *err = first;
        return hull_err_wrap(err, "release the network of container %.12s", sb->container);
    }
    return 0;
}

static void add_networks(char ***all, const struct net_sandbox *sb)
{
    for (size_t i = 0; i < sb->n_eps; i++) {
        bool seen = false;
        for (size_t k = 0; *all != NULL && (*all)[k] != NULL; k++)
            seen = seen || strcmp((*all)[k], sb->eps[i].network) == 0;
        if (!seen)
            strv_append(all, sb->eps[i].network);
    }
}

/* The sandboxes are read once and the work is batched: one nft
 * transaction for the ports of every dead sandbox, one rewrite of the
 * hosts files of the networks they were on.  Releasing them one by one
 * re-read every sandbox and rewrote the hosts files for each. */
int net_gc_locked(struct net_state *st, struct hull_nl *nl, hull_error **err)
{
    _cleanup_free_ char *cmds = NULL;
    _cleanup_strv_ char **networks = NULL;
    _cleanup_error_ hull_error *nft_err = NULL;
    _cleanup_error_ hull_error *hosts_err = NULL;
    struct net_sandbox *all = NULL;
    bool *dead;
    size_t n = 0, n_dead = 0;
    int ret = 0;

    if (net_sandbox_list(st, &all, &n, err) < 0)
        return -1;
    dead = xmalloc0((n + 1) * sizeof(*dead));
    for (size_t i = 0; i < n; i++) {
        dead[i] = !net_sandbox_alive(st, &all[i]);
        if (dead[i])
            pub_cmds(&all[i], "delete", &cmds);
        n_dead += dead[i];
    }
    /* a failed delete rebuilds the table from the live sandboxes only */
    if (cmds != NULL && net_nft_sync(st, cmds, NULL, &nft_err) < 0) {
        hull_warn("release the published ports of stopped containers: %s", nft_err->msg);
        ret = -1;
    }
    for (size_t i = 0; i < n; i++) {
        hull_error *first = NULL;
        if (!dead[i])
            continue;
        hull_debug("releasing the network of container %.12s, which is gone", all[i].container);
        release_own(st, nl, &all[i], false, nft_err != NULL, &first);
        if (first != NULL) {
            hull_warn("release the network of container %.12s: %s", all[i].container, first->msg);
            hull_error_freep(&first);
            ret = -1;
        }
        /* its peers' hosts files lose it even when its file has to stay */
        add_networks(&networks, &all[i]);
    }
    if (networks != NULL && net_hosts_refresh(st, networks, NULL, &hosts_err) < 0) {
        hull_warn("%s", hosts_err->msg);
        ret = -1;
    }
    if (n_dead > 0)
        hull_debug("released the networks of %zu stopped containers", n_dead);
    free(dead);
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
