/* `hull create`, `start` and `run`: from an image to a running
 * container.
 *
 * Order matters for cleanup: the record is made first (it reserves the
 * name), then the overlay and the config; each failure undoes exactly
 * what exists, through hull_engine_teardown().  A start then launches the
 * runtime's container under its monitor (engine_launch.c), with the
 * record's lock held until the process runs. */
#include "engine_internal.h"
#include "image.h"
#include "log.h"
#include "monitor_proto.h"
#include "net.h"
#include "ocigen.h"
#include "run_config.h"
#include "overlay.h"
#include "signals.h"
#include "state.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct run_ctx {
    struct hull_engine *e;
    const struct hull_run_request *r;
    struct hull_image *img;
    struct hull_ctr ctr;
    char *dir; /* STATE_ROOT/containers/ID */
    int dirfd;
    int lock; /* the record's */
    struct hull_net_config net;
};

/* The image config's defaults, as ocigen takes them. */
struct image_defaults {
    struct hull_ocigen_image view;
    char **entrypoint, **cmd, **env;
};

static void image_defaults_load(const json_t *cfg, struct image_defaults *d)
{
    d->entrypoint = hull_image_config_entrypoint(cfg);
    d->cmd = hull_image_config_cmd(cfg);
    d->env = hull_image_config_env(cfg);
    d->view = (struct hull_ocigen_image){
        .entrypoint = (const char *const *)d->entrypoint,
        .cmd = (const char *const *)d->cmd,
        .env = (const char *const *)d->env,
        .working_dir = hull_image_config_working_dir(cfg),
        .user = hull_image_config_user(cfg),
    };
}

static void image_defaults_clear(struct image_defaults *d)
{
    strv_free(d->entrypoint);
    strv_free(d->cmd);
    strv_free(d->env);
}

/* -l KEY=VALUE or KEY (an empty value). */
static int add_labels(char *const *labels, char ***out, hull_error **err)
{
    for (size_t i = 0; labels != NULL && labels[i] != NULL; i++) {
        const char *eq = strchr(labels[i], '=');
        if (eq == labels[i] || labels[i][0] == '\0')
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 "invalid label \"%s\": the key is empty", labels[i]);
        if (eq != NULL)
            strv_append(out, labels[i]);
        else {
            _cleanup_free_ char *kv = xasprintf("%s=", labels[i]);
            strv_append(out, kv);
        }
    }
    return 0;
}

/* --stop-signal, else the image's StopSignal, else SIGTERM; kept by
 * name ("SIGTERM"), checked now rather than at the first stop. */
static int stop_signal(const char *given, const json_t *img_cfg, char **out, hull_error **err)
{
    const char *s = given != NULL ? given : hull_image_config_stop_signal(img_cfg);
    char buf[32];
    int sig;

    if (s == NULL || s[0] == '\0')
        s = "SIGTERM";
    sig = hull_signal_parse(s, err);
    if (sig < 0)
        return hull_err_wrap(err, given != NULL ? "--stop-signal" : "the image's StopSignal");
    *out = xstrdup(hull_signal_name(sig, buf));
    return 0;
}

/* What the record keeps for the container's life: --init, labels, the
 * restart policy, how to stop it and how to rotate its log. */
static int lifecycle_options(const struct hull_run_request *r, const json_t *img_cfg,
                             struct hull_ctr *c, hull_error **err)
{
    c->init = r->init;
    c->stop_timeout = r->stop_timeout;
    c->log.max_file = 1;
    if (add_labels(r->labels, &c->labels, err) < 0 ||
        stop_signal(r->stop_signal, img_cfg, &c->stop_signal, err) < 0)
        return -1;
    if (r->restart != NULL && hull_restart_parse(r->restart, &c->restart, err) < 0)
        return hull_err_wrap(err, "--restart");
    if (c->restart.policy != HULL_RESTART_NO && r->auto_remove)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "Conflicting options: --restart and --rm");
    for (size_t i = 0; r->log_opts != NULL && r->log_opts[i] != NULL; i++)
        if (hull_log_opt_parse(r->log_opts[i], &c->log, err) < 0)
            return -1;
    if (c->log.max_file > 1 && c->log.max_size == 0)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "--log-opt max-file needs --log-opt max-size as well");
    return 0;
}

/* Makes the record: it reserves the name and gets the id.  The record is
 * visible at once, but locked until this run is done with it; config.json,
 * written last, tells it complete (hull_engine_ctr_complete). */
static int make_record(struct run_ctx *x, const struct hull_ocigen_image *defaults,
                       hull_error **err)
{
    const struct hull_run_request *r = x->r;
    struct hull_ctr *c = &x->ctr;

    if (hull_ocigen_args(defaults, r->entrypoint, (const char *const *)r->cmd, &c->command, err) <
        0)
        return -1;
    c->name = r->name != NULL ? xstrdup(r->name) : NULL;
    c->image = xstrdup(r->image);
    c->image_id = xstrdup(x->img->id);
    c->auto_remove = r->auto_remove;
    c->tty = r->tty;
    c->interactive = r->interactive;
    if (lifecycle_options(r, x->img->config, c, err) < 0)
        return -1;
    if (hull_ctr_create(x->e->ctr_dirfd, c, &x->lock, err) < 0)
        return -1;
    x->dir = hull_engine_ctr_path(x->e, c->id, NULL);
    x->dirfd = open(x->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (x->dirfd < 0)
        return hull_err(err, errno, "open \"%s\"", x->dir);
    return 0;
}

/* upper/ takes the mode and owner of the image's top layer root: it
 * becomes the container's "/", and a 0700 root would lock every other
 * user out.  Made once, at the first mount. */
static int make_layer_dirs(const char *dir, const struct hull_image *img, hull_error **err)
{
    char **layers = img->layer_dirs;
    size_t n = strv_len(layers);
    _cleanup_close_ int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct stat st;

    if (n == 0)
        return hull_err(err, 0, "image %s has no layers", img->id);
    if (dirfd < 0)
        return hull_err(err, errno, "open \"%s\"", dir);
    if (faccessat(dirfd, "upper", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
        return 0;
    if (stat(layers[n - 1], &st) < 0)
        return hull_err(err, errno, "stat layer \"%s\"", layers[n - 1]);
    if ((mkdirat(dirfd, "work", 0700) < 0 && errno != EEXIST) ||
        (mkdirat(dirfd, "rootfs", 0755) < 0 && errno != EEXIST) ||
        (unlinkat(dirfd, "upper.new", AT_REMOVEDIR) < 0 && errno != ENOENT) ||
        mkdirat(dirfd, "upper.new", 0700) < 0)
        return hull_err(err, errno, "create the overlay directories in \"%s\"", dir);
    if (fchownat(dirfd, "upper.new", st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 ||
        fchmodat(dirfd, "upper.new", st.st_mode & 07777, 0) < 0)
        return hull_err(err, errno, "set the owner and mode of \"%s/upper\"", dir);
    /* Renamed into place once complete, so a crash never leaves an upper
     * directory with the wrong owner behind. */
    if (renameat(dirfd, "upper.new", dirfd, "upper") < 0)
        return hull_err(err, errno, "create \"%s/upper\"", dir);
    return 0;
}

int hull_engine_mount_rootfs(struct hull_engine *e, const struct hull_ctr *c, hull_error **err)
{
    _cleanup_free_ char *dir = hull_engine_ctr_path(e, c->id, NULL);
    _cleanup_free_ char *upper = hull_engine_ctr_path(e, c->id, "upper");
    _cleanup_free_ char *work = hull_engine_ctr_path(e, c->id, "work");
    _cleanup_free_ char *rootfs = hull_engine_ctr_path(e, c->id, "rootfs");
    struct hull_image *img = NULL;
    int ret;

    ret = hull_overlay_is_mounted(rootfs, err);
    if (ret != 0)
        return ret < 0 ? -1 : 0;
    if (hull_store_image_get(e->store, c->image_id, &img, err) < 0)
        return hull_err_wrap(err, "container %.12s", c->id);
    ret = make_layer_dirs(dir, img, err);
    if (ret == 0)
        ret = hull_engine_init_layer(dir, img->layer_dirs, err);
    if (ret == 0) {
        _cleanup_strv_ char **lower = hull_engine_lower_dirs(dir, img->layer_dirs);
        ret = hull_overlay_mount((const char *const *)lower, strv_len(lower), upper, work, rootfs,
                                 hull_engine_overlay_flags(c), err);
    }
    hull_image_free(img);
    return ret;
}

/* --init: hull-init, bind-mounted read-only at /dev/init (a tmpfs of the
 * runtime's: nothing is written into the image's tree), runs the
 * command as its child. */
static int add_init(struct hull_engine *e, json_t *cfg, hull_error **err)
{
    _cleanup_free_ char *path = hull_engine_helper(e, "hull-init", err);
    json_t *args = json_object_get(json_object_get(cfg, "process"), "args");
    json_t *mounts = json_object_get(cfg, "mounts");

    if (path == NULL)
        return hull_err_wrap(err, "--init");
    if (!json_is_array(args) || !json_is_array(mounts))
        return hull_err(err, 0, "--init: the generated config has no process.args or mounts");
    json_array_append_new(mounts, json_pack("{s:s, s:s, s:s, s:[s,s,s,s]}", "destination",
                                            "/dev/init", "type", "bind", "source", path, "options",
                                            "bind", "ro", "nosuid", "nodev"));
    json_array_insert_new(args, 0, json_string("--"));
    json_array_insert_new(args, 0, json_string("/dev/init"));
    return 0;
}

static int write_config(struct run_ctx *x, const struct hull_ocigen_image *defaults,
                        hull_error **err)
{
    const struct hull_run_request *r = x->r;
    _cleanup_free_ char *rootfs = hull_engine_ctr_path(x->e, x->ctr.id, "rootfs");
    _cleanup_free_ char *cgroups_path = xasprintf("/" HULL_CGROUP_PARENT "/%s", x->ctr.id);
    _cleanup_free_ char *text = NULL;
    _cleanup_close_ int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    struct hull_ocigen_opts o = {
        .id = x->ctr.id,
        .rootfs = rootfs,
        .rootfd = rootfd,
        .hostname = x->net.hostname,
        .env = (const char *const *)r->env,
        .host_env = (const char *const *)r->host_env,
        .workdir = r->workdir,
        .user = r->user,
        .group_add = (const char *const *)r->group_add,
        .entrypoint = r->entrypoint,
        .cmd = (const char *const *)r->cmd,
        .tty = r->tty,
        .cgroups_path = cgroups_path,
    };
    json_t *cfg = NULL;

    if (rootfd < 0)
        return hull_err(err, errno, "open \"%s\"", rootfs);
    if (hull_run_config(x->e, x->ctr.id, r, &o, defaults, &cfg, err) < 0)
        return -1;
    if (hull_run_resources_to_json(&r->resources, json_object_get(cfg, "linux"), err) < 0 ||
        hull_net_config_apply(&x->net, cfg, err) < 0 || (r->init && add_init(x->e, cfg, err) < 0)) {
        json_decref(cfg);
        return -1;
    }
    text = json_dumps(cfg, JSON_INDENT(2));
    json_decref(cfg);
    if (text == NULL)
        return hull_err(err, ENOMEM, "serialize config.json");
    /* Synced only for a container that may outlive a crash of the host
     * (the record's rule, ctr.c). */
    return (r->auto_remove ? write_file_replace : write_file_atomic)(x->dirfd, "config.json", text,
                                                                     strlen(text), 0600, err);
}

/* Everything up to a record with its config and the overlay mounted, the
 * record's lock held. */
static int prepare(struct run_ctx *x, hull_error **err)
{
    struct image_defaults d = {0};
    int ret = -1;

    if (hull_store_image_get(x->e->store, x->r->image, &x->img, err) < 0)
        return -1;
    image_defaults_load(x->img->config, &d);
    if (make_record(x, &d.view, err) == 0 &&
        hull_net_prepare(x->e, &x->ctr, x->r, x->img->config, &x->net, err) == 0 &&
        hull_engine_mount_rootfs(x->e, &x->ctr, err) == 0 && write_config(x, &d.view, err) == 0)
        ret = 0;
    image_defaults_clear(&d);
    return ret;
}

static void run_ctx_clear(struct run_ctx *x)
{
    hull_image_free(x->img);
    hull_ctr_clear(&x->ctr);
    free(x->dir);
    closep(&x->dirfd);
    closep(&x->lock);
    hull_net_config_clear(&x->net);
}

/* prepare(), removing what it made when it fails. */
static int create_ctx(struct run_ctx *x, hull_error **err)
{
    _cleanup_error_ hull_error *e2 = NULL;

    if (prepare(x, err) == 0)
        return 0;
    if (x->ctr.id != NULL &&
        hull_engine_teardown(x->e, &x->ctr, HULL_TEARDOWN_RECORD | HULL_TEARDOWN_VOLUMES, &e2) < 0)
        hull_warn("%s", e2->msg);
    return -1;
}

int hull_engine_create(struct hull_engine *e, const struct hull_run_request *r, char **id,
                       hull_error **err)
{
    struct run_ctx x = {.e = e, .r = r, .dirfd = -1, .lock = -1};
    _cleanup_error_ hull_error *e2 = NULL;
    int ret = -1;

    if (create_ctx(&x, err) == 0) {
        /* A created container holds nothing: the start mounts again. */
        if (hull_engine_teardown(e, &x.ctr, 0, &e2) < 0)
            hull_warn("%s", e2->msg);
        *id = xstrdup(x.ctr.id);
        ret = 0;
    }
    run_ctx_clear(&x);
    if (ret < 0)
        hull_err_wrap(err, "create a container from \"%s\"", r->image);
    return ret;
}

static int exit_code_for(const hull_error *e)
{
    switch (e->kind) {
    case HULL_ERR_EXEC_NOT_FOUND:
        return 127;
    case HULL_ERR_EXEC_DENIED:
        return 126;
    default:
        return 125;
    }
}

/* A start that failed leaves nothing running; the record says why, as
 * Docker's does (a container that never ran stays "created"), unless
 * it was to be removed anyway. */
static void start_failed(struct hull_engine *e, struct hull_ctr *c, const hull_error *why)
{
    _cleanup_error_ hull_error *e2 = NULL;

    /* --rm removes the anonymous volumes too, as after a normal exit. */
    if (hull_engine_teardown(
            e, c, c->auto_remove ? HULL_TEARDOWN_RECORD | HULL_TEARDOWN_VOLUMES : 0, &e2) < 0)
        hull_warn("%s", e2->msg);
    if (c->auto_remove && e2 == NULL)
        return;
    if (c->status != HULL_CTR_EXITED)
        c->status = HULL_CTR_CREATED;
    c->exit_code = exit_code_for(why);
    free(c->error);
    c->error = xstrdup(why->msg);
    c->pid = 0;
    c->monitor_pid = 0;
    hull_engine_save_warn(e, c);
}

/* Starts C, whose lock *LOCK is held: launched under a new monitor
 * unless one holds it created already (a start that was interrupted),
 * attached first with A.  The lock goes once the process runs. */
static int start_locked(struct hull_engine *e, struct hull_ctr *c, int *lock,
                        const struct hull_attach_opts *a, int *exit_code, hull_error **err)
{
    _cleanup_close_ int sock = -1;
    bool removed;
    enum hull_ctr_status s;

    *exit_code = 0;
    /* A created container needs no repair, unless its creation was cut
     * off: the launch replaces whatever an interrupted one left, and
     * keeps the mount a run just made. */
    removed = false;
    if (c->status != HULL_CTR_CREATED || !hull_engine_ctr_complete(e, c))
        hull_engine_repair_locked(e, c, &removed);
    if (removed)
        return hull_err_kind(err, HULL_ERR_NOT_EXIST, 0, "No such container: %s", c->id);
    s = hull_engine_ctr_status(c);
    if (s == HULL_CTR_RUNNING || s == HULL_CTR_RESTARTING) {
        if (a != NULL &&
            (sock = hull_engine_monitor_connect(e, c, hull_engine_hello_flags(c, a), err)) < 0)
            return -1;
        closep(lock);
        return a != NULL ? hull_engine_attach_loop(e, c, sock, a, exit_code, err) : 0;
    }
    if (c->status != HULL_CTR_CREATED || !hull_ctr_monitor_alive(c)) {
        /* A start by the user: the policy counts again from zero. */
        c->stop_requested = false;
        c->restart_count = 0;
        /* Saved with the start below: a hull killed in between leaves a
         * record without the monitor, which the repair then stops. */
        if (hull_engine_launch(e, c, err) < 0)
            goto fail;
    }
    if (a != NULL &&
        (sock = hull_engine_monitor_connect(e, c, hull_engine_hello_flags(c, a), err)) < 0)
        goto fail;
    if (hull_engine_start_locked(e, c, err) < 0)
        goto fail;
    closep(lock);
    if (a == NULL)
        return 0;
    return hull_engine_attach_loop(e, c, sock, a, exit_code, err);
fail:
    start_failed(e, c, *err);
    *exit_code = exit_code_for(*err);
    return -1;
}

int hull_engine_start(struct hull_engine *e, const char *ref, const struct hull_attach_opts *a,
                      int *exit_code, hull_error **err)
{
    struct hull_ctr c;
    _cleanup_close_ int lock = -1;
    sigset_t old;
    int ret;

    *exit_code = 125;
    lock = hull_engine_lock_ref(e, ref, &c, err);
    if (lock < 0)
        return -1;
    /* Signals wait in a queue from here on: one that comes during the
     * start reaches the container once it runs. */
    if (a != NULL && a->sig_proxy)
        hull_fg_block_signals(&old);
    ret = start_locked(e, &c, &lock, a, exit_code, err);
    if (a != NULL && a->sig_proxy)
        sigprocmask(SIG_SETMASK, &old, NULL);
    if (ret < 0)
        hull_err_wrap(err, "start container %s", ref);
    hull_ctr_clear(&c);
    return ret;
}

int hull_engine_run(struct hull_engine *e, const struct hull_run_request *r, int *exit_code,
                    hull_error **err)
{
    struct run_ctx x = {.e = e, .r = r, .dirfd = -1, .lock = -1};
    struct hull_attach_opts a = {
        .in = r->interactive,
        .out = true,
        .err = true,
        .stdin_once = true,
        .sig_proxy = true,
        .detach_keys = r->detach_keys,
        .exit_hook = true,
    };
    sigset_t old;
    int ret = -1;

    *exit_code = 125;
    hull_fg_block_signals(&old);
    if (create_ctx(&x, err) == 0 && start_locked(e, &x.ctr, &x.lock, &a, exit_code, err) == 0)
        ret = 0;
    if (ret < 0)
        hull_err_wrap(err, "run \"%s\"", r->image);
    run_ctx_clear(&x);
    sigprocmask(SIG_SETMASK, &old, NULL);
    return ret;
}
