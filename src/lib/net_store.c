/* The network state under HULL_NET_ROOT: networks, sandboxes, leases. */
#include "log.h"
#include "net_internal.h"
#include "rootless.h"
#include "state.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define NET_FILE  "network.json"
#define STATE_MAX (1u << 20)

static char *read_boot_id(void)
{
    _cleanup_free_ char *text = NULL;

    if (read_file_at(AT_FDCWD, "/proc/sys/kernel/random/boot_id", 128, &text, NULL, NULL) < 0)
        return xstrdup("");
    text[strcspn(text, "\n")] = '\0';
    return take_ptr(text);
}

const char *hull_net_root(void)
{
    static char *root;
    const char *state = getenv("HULL_ROOT");

    /* A rootless hull (rootless.h) exports its state root as HULL_ROOT. */
    if (root == NULL)
        root = hull_rootless() && state != NULL && state[0] == '/'
                   ? xasprintf("%s/networks", state)
                   : xstrdup("/var/lib/hull/networks");
    return root;
}

const char *hull_netns_dir(void)
{
    static char *dir;
    const char *run = getenv("HULL_RUNROOT");

    if (dir == NULL)
        dir = hull_rootless() && run != NULL && run[0] == '/' ? xasprintf("%s/netns", run)
                                                              : xstrdup("/run/netns");
    return dir;
}

int net_state_open_read(struct net_state *st, hull_error **err)
{
    _cleanup_free_ char *net = xasprintf("%s/net", HULL_NET_ROOT);
    _cleanup_free_ char *sandbox = xasprintf("%s/sandbox", HULL_NET_ROOT);

    memset(st, 0, sizeof(*st));
    st->root_fd = st->lock_fd = -1;
    if (faccessat(AT_FDCWD, sandbox, F_OK, 0) < 0 &&
        (mkdir_p(net, 0700, err) < 0 || mkdir_p(sandbox, 0700, err) < 0))
        return -1;
    st->root_fd = open(HULL_NET_ROOT, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (st->root_fd < 0)
        return hull_err(err, errno, "open \"%s\"", HULL_NET_ROOT);
    st->boot_id = read_boot_id();
    return 0;
}

int net_state_open(struct net_state *st, hull_error **err)
{
    if (net_state_open_read(st, err) < 0)
        return -1;
    st->lock_fd = openat(st->root_fd, ".lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (st->lock_fd < 0) {
        net_state_close(st);
        return hull_err(err, errno, "open \"%s/.lock\"", HULL_NET_ROOT);
    }
    /* The kernel drops the lock with its holder: a hull killed while
     * holding it never blocks the next one. */
    while (flock(st->lock_fd, LOCK_EX) < 0) {
        if (errno != EINTR) {
            int saved = errno;
            net_state_close(st);
            return hull_err(err, saved, "lock \"%s\"", HULL_NET_ROOT);
        }
    }
    return 0;
}

void net_state_close(struct net_state *st)
{
    closep(&st->lock_fd);
    closep(&st->root_fd);
    free(st->boot_id);
    st->boot_id = NULL;
}

int net_name_validate(const char *name, hull_error **err)
{
    static const char first[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    static const char rest[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-";

    if (name[0] == '\0' || strchr(first, name[0]) == NULL ||
        strspn(name + 1, rest) != strlen(name + 1) || strlen(name) > 128)
        return hull_err_kind(
            err, HULL_ERR_BAD_INPUT, 0,
            "invalid network name \"%s\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed, at most 128",
            name);
    return 0;
}

/* ---- networks ---- */

static char *dup_str(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s != NULL ? xstrdup(s) : NULL;
}

static int network_parse(const char *text, const char *name, struct net_network *n,
                         hull_error **err)
{
    json_error_t jerr;
    json_t *j = json_loads(text, 0, &jerr);
    const char *subnet, *gateway;
    int ret = -1;

    memset(n, 0, sizeof(*n));
    if (j == NULL)
        return hull_err(err, 0, "network %s: %s:%d: %s", name, NET_FILE, jerr.line, jerr.text);
    n->name = dup_str(j, "name");
    n->id = dup_str(j, "id");
    n->created = dup_str(j, "created");
    n->driver = dup_str(j, "driver");
    n->bridge = dup_str(j, "bridge");
    n->internal = json_is_true(json_object_get(j, "internal"));
    subnet = json_string_value(json_object_get(j, "subnet"));
    gateway = json_string_value(json_object_get(j, "gateway"));
    if (n->name == NULL || strcmp(n->name, name) != 0 || n->id == NULL || n->driver == NULL ||
        n->created == NULL) {
        hull_err(err, 0, "network %s: %s: missing or invalid fields", name, NET_FILE);
        goto out;
    }
    if (strcmp(n->driver, NET_DRIVER_BRIDGE) == 0 &&
        (n->bridge == NULL || subnet == NULL || hull_cidr_parse(subnet, &n->subnet, err) < 0 ||
         hull_ipv4_parse(gateway, &n->gateway) < 0)) {
        hull_err(err, 0, "network %s: %s: invalid bridge fields", name, NET_FILE);
        goto out;
    }
    ret = 0;
out:
    json_decref(j);
    if (ret < 0)
        net_network_clear(n);
    return ret;
}

int net_network_load(struct net_state *st, const char *name, struct net_network *n,
                     hull_error **err)
{
    _cleanup_free_ char *path = NULL, *text = NULL;
    _cleanup_error_ hull_error *read_err = NULL;

    memset(n, 0, sizeof(*n));
    if (net_name_validate(name, NULL) < 0)
        return hull_err_kind(err, HULL_ERR_NOT_EXIST, 0, "network %s not found", name);
    path = xasprintf("net/%s/" NET_FILE, name);
    if (read_file_at(st->root_fd, path, STATE_MAX, &text, NULL, &read_err) < 0) {
        if (read_err->errnum == ENOENT)
            return hull_err_kind(err, HULL_ERR_NOT_EXIST, 0, "network %s not found", name);
        *err = take_ptr(read_err);
        return -1;
    }
    return network_parse(text, name, n, err);
}

json_t *net_network_to_json(const struct net_network *n)
{
    json_t *j = json_pack("{s:s, s:s, s:s, s:s}", "name", n->name, "id", n->id, "created",
                          n->created, "driver", n->driver);
    char gw[HULL_IPV4_STRLEN];

    if (n->bridge != NULL) {
        json_object_set_new(j, "bridge", json_string(n->bridge));
        json_object_set_new(
            j, "subnet",
            json_sprintf("%s/%u", hull_ipv4_format(n->subnet.addr, gw), n->subnet.prefix));
        json_object_set_new(j, "gateway", json_string(hull_ipv4_format(n->gateway, gw)));
        json_object_set_new(j, "internal", json_boolean(n->internal));
    }
    return j;
}

/* A network is made in "net/.NAME.new" and renamed into place, so that
 * a hull killed while creating it leaves no half-made network under its
 * name.  Such work directories are removed by the next creation: under
 * the lock nobody else is making one. */
#define NEW_SUFFIX ".new"

static void sweep_new_dirs(struct net_state *st)
{
    int fd = openat(st->root_fd, "net", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *de;

    if (d == NULL) {
        closep(&fd);
        return;
    }
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        _cleanup_error_ hull_error *e = NULL;
        if (de->d_name[0] != '.' || len <= strlen(NEW_SUFFIX) + 1 ||
            strcmp(de->d_name + len - strlen(NEW_SUFFIX), NEW_SUFFIX) != 0)
            continue;
        if (rm_rf_at(dirfd(d), de->d_name, &e) < 0)
            hull_warn("remove \"%s/net/%s\": %s", HULL_NET_ROOT, de->d_name, e->msg);
    }
    closedir(d);
}

/* Makes way for network NAME: a directory of that name without a
 * network file is what a hull older than the atomic creation left when
 * killed, and is removed; a network that is there is an error. */
static int clear_name(struct net_state *st, const char *dir, const char *name, hull_error **err)
{
    _cleanup_free_ char *file = xasprintf("%s/" NET_FILE, dir);

    if (faccessat(st->root_fd, file, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "network with name %s already exists",
                             name);
    if (rm_rf_at(st->root_fd, dir, err) < 0)
        return hull_err_wrap(err, "remove the leftover \"%s/%s\"", HULL_NET_ROOT, dir);
    return 0;
}

int net_network_save(struct net_state *st, const struct net_network *n, hull_error **err)
{
    _cleanup_free_ char *dir = xasprintf("net/%s", n->name);
    _cleanup_free_ char *work = xasprintf("net/.%s" NEW_SUFFIX, n->name);
    _cleanup_free_ char *leases = xasprintf("%s/leases", work);
    _cleanup_free_ char *text = NULL;
    _cleanup_close_ int fd = -1;
    json_t *j = net_network_to_json(n);

    text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(j);
    sweep_new_dirs(st);
    if (mkdirat(st->root_fd, work, 0700) < 0 || mkdirat(st->root_fd, leases, 0700) < 0) {
        hull_err(err, errno, "create \"%s/%s\"", HULL_NET_ROOT, work);
        goto fail;
    }
    fd = openat(st->root_fd, work, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        hull_err(err, errno, "open \"%s/%s\"", HULL_NET_ROOT, work);
        goto fail;
    }
    if (write_file_atomic(fd, NET_FILE, text, strlen(text), 0600, err) < 0 ||
        clear_name(st, dir, n->name, err) < 0)
        goto fail;
    if (renameat(st->root_fd, work, st->root_fd, dir) < 0) {
        hull_err(err, errno, "rename \"%s/%s\" to \"%s\"", HULL_NET_ROOT, work, dir);
        goto fail;
    }
    return 0;
fail:
    rm_rf_at(st->root_fd, work, NULL);
    return -1;
}

int net_network_remove(struct net_state *st, const char *name, hull_error **err)
{
    _cleanup_free_ char *dir = xasprintf("net/%s", name);

    if (rm_rf_at(st->root_fd, dir, err) < 0)
        return hull_err_wrap(err, "remove network %s", name);
    return 0;
}

static int cmp_network(const void *a, const void *b)
{
    return strcmp(((const struct net_network *)a)->name, ((const struct net_network *)b)->name);
}

int net_network_list(struct net_state *st, struct net_network **out, size_t *n, hull_error **err)
{
    int fd = openat(st->root_fd, "net", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    struct net_network *v = NULL;
    size_t count = 0;
    struct dirent *de;

    if (d == NULL) {
        closep(&fd);
        return hull_err(err, errno, "open \"%s/net\"", HULL_NET_ROOT);
    }
    while ((de = readdir(d)) != NULL) {
        struct net_network net;
        _cleanup_error_ hull_error *e = NULL;
        if (de->d_name[0] == '.')
            continue;
        if (net_network_load(st, de->d_name, &net, &e) < 0) {
            hull_debug("skipping network %s: %s", de->d_name, e->msg);
            continue;
        }
        v = xrealloc(v, (count + 1) * sizeof(*v));
        v[count++] = net;
    }
    closedir(d);
    if (count > 0)
        qsort(v, count, sizeof(*v), cmp_network);
    *out = v;
    *n = count;
    return 0;
}

int net_network_find(struct net_state *st, const char *ref, struct net_network *n, hull_error **err)
{
    struct net_network *all = NULL;
    size_t count = 0, match = SIZE_MAX, matches = 0;

    memset(n, 0, sizeof(*n));
    if (net_network_load(st, ref, n, NULL) == 0)
        return 0;
    if (net_network_list(st, &all, &count, err) < 0)
        return -1;
    for (size_t i = 0; i < count; i++) {
        if (strcmp(all[i].id, ref) == 0) {
            match = i;
            matches = 1;
            break;
        }
        if (ref[0] != '\0' && str_has_prefix(all[i].id, ref)) {
            match = i;
            matches++;
        }
    }
    if (matches == 1) {
        *n = all[match];
        memset(&all[match], 0, sizeof(all[match]));
    }
    net_network_list_free(all, count);
    if (matches == 0)
        return hull_err_kind(err, HULL_ERR_NOT_EXIST, 0, "network %s not found", ref);
    if (matches > 1)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "network %s is ambiguous (%zu matches found)", ref, matches);
    return 0;
}

void net_network_clear(struct net_network *n)
{
    free(n->name);
    free(n->id);
    free(n->created);
    free(n->driver);
    free(n->bridge);
    memset(n, 0, sizeof(*n));
}

void net_network_list_free(struct net_network *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        net_network_clear(&v[i]);
    free(v);
}
