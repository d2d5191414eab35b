/* `hull run`: from an image to a finished container.
 *
 * Order matters for cleanup: the record is made first (it reserves the
 * name), then the overlay, the config and the runtime's container; each
 * failure undoes exactly what exists, through hull_engine_teardown(). */
#include "engine_internal.h"
#include "image.h"
#include "log.h"
#include "ocigen.h"
#include "overlay.h"
#include "state.h"
#include "terminal.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

struct run_ctx {
    struct hull_engine *e;
    const struct hull_run_request *r;
    struct hull_image *img;
    struct hull_ctr ctr;
    char *dir; /* STATE_ROOT/containers/ID */
    int dirfd;
    int console_listen; /* listening console socket with -t, else -1 */
    int run_dirfd;      /* RUN_ROOT/containers/ID with -t, else -1 */
    int pty_master;
    pid_t init;
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

/* Makes the record: it reserves the name and gets the id. */
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
    if (hull_ctr_create(x->e->ctr_dirfd, c, err) < 0)
        return -1;
    x->dir = hull_engine_ctr_path(x->e, c->id, NULL);
    x->dirfd = open(x->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (x->dirfd < 0)
        return hull_err(err, errno, "open \"%s\"", x->dir);
    return 0;
}

/* upper/ takes the mode and owner of the image's top layer root: it
 * becomes the container's "/", and a 0700 root would lock every other
 * user out. */
static int make_layer_dirs(struct run_ctx *x, hull_error **err)
{
    char **layers = x->img->layer_dirs;
    size_t n = strv_len(layers);
    struct stat st;

    if (n == 0)
        return hull_err(err, 0, "image %s has no layers", x->img->id);
    if (stat(layers[n - 1], &st) < 0)
        return hull_err(err, errno, "stat layer \"%s\"", layers[n - 1]);
    if (mkdirat(x->dirfd, "upper", 0700) < 0 || mkdirat(x->dirfd, "work", 0700) < 0 ||
        mkdirat(x->dirfd, "rootfs", 0755) < 0)
        return hull_err(err, errno, "create the overlay directories in \"%s\"", x->dir);
    if (fchownat(x->dirfd, "upper", st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 ||
        fchmodat(x->dirfd, "upper", st.st_mode & 07777, 0) < 0)
        return hull_err(err, errno, "set the owner and mode of \"%s/upper\"", x->dir);
    return 0;
}

static int mount_rootfs(struct run_ctx *x, hull_error **err)
{
    _cleanup_free_ char *upper = hull_engine_ctr_path(x->e, x->ctr.id, "upper");
    _cleanup_free_ char *work = hull_engine_ctr_path(x->e, x->ctr.id, "work");
    _cleanup_free_ char *rootfs = hull_engine_ctr_path(x->e, x->ctr.id, "rootfs");
    char **layers = x->img->layer_dirs;

    if (make_layer_dirs(x, err) < 0)
        return -1;
    return hull_overlay_mount((const char *const *)layers, strv_len(layers), upper, work, rootfs,
                              err);
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
        .hostname = r->hostname,
        .env = (const char *const *)r->env,
        .host_env = (const char *const *)r->host_env,
        .workdir = r->workdir,
        .user = r->user,
        .entrypoint = r->entrypoint,
        .cmd = (const char *const *)r->cmd,
        .tty = r->tty,
        .cgroups_path = cgroups_path,
    };
    json_t *cfg = NULL;

    if (rootfd < 0)
        return hull_err(err, errno, "open \"%s\"", rootfs);
    if (hull_ocigen_config(&o, defaults, &cfg, err) < 0)
        return -1;
    text = json_dumps(cfg, JSON_INDENT(2));
    json_decref(cfg);
    if (text == NULL)
        return hull_err(err, ENOMEM, "serialize config.json");
    return write_file_atomic(x->dirfd, "config.json", text, strlen(text), 0600, err);
}

/* The console socket the runtime hands the pty master to.  It is reached
 * through /proc/self/fd so that its path stays far below the 108 bytes of
 * sun_path however deep RUN_ROOT is. */
static void console_path(const struct run_ctx *x, struct sockaddr_un *sa, socklen_t *len)
{
    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    snprintf(sa->sun_path, sizeof(sa->sun_path), "/proc/self/fd/%d/console.sock", x->run_dirfd);
    *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(sa->sun_path) + 1);
}

static int console_listen(struct run_ctx *x, hull_error **err)
{
    _cleanup_free_ char *run_dir = xasprintf("%s/containers/%s", x->e->run_root, x->ctr.id);
    struct sockaddr_un sa;
    socklen_t len;

    if (mkdir_p(run_dir, 0700, err) < 0)
        return -1;
    x->run_dirfd = open(run_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (x->run_dirfd < 0)
        return hull_err(err, errno, "open \"%s\"", run_dir);
    console_path(x, &sa, &len);
    x->console_listen = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (x->console_listen < 0)
        return hull_err(err, errno, "create the console socket");
    if (bind(x->console_listen, (struct sockaddr *)&sa, len) < 0 ||
        listen(x->console_listen, 1) < 0)
        return hull_err(err, errno, "listen on the console socket in \"%s\"", run_dir);
    return 0;
}

/* The runtime connected and sent the master during create: both are
 * already queued, so neither call waits. */
static int console_receive(struct run_ctx *x, hull_error **err)
{
    _cleanup_close_ int conn = accept4(x->console_listen, NULL, NULL, SOCK_CLOEXEC);

    if (conn < 0)
        return hull_err(err, errno, "the runtime did not connect to the console socket");
    if (hull_recv_fd(conn, &x->pty_master, err) < 0)
        return hull_err_wrap(err, "receive the container's terminal");
    return 0;
}

struct lo_report {
    int step; /* 0: done, 1: setns, 2: socket, 3: SIOCGIFFLAGS, 4: SIOCSIFFLAGS */
    int errnum;
};

/* In a child: enters the network namespace NSFD and sets lo up.  A child
 * keeps the engine itself in the host's namespace whatever happens. */
__attribute__((noreturn)) static void lo_child(int nsfd, int report_fd)
{
    struct lo_report rep = {0};
    struct ifreq ifr = {0};
    int sock = -1;

    strcpy(ifr.ifr_name, "lo");
    if (setns(nsfd, CLONE_NEWNET) < 0)
        rep = (struct lo_report){1, errno};
    else if ((sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
        rep = (struct lo_report){2, errno};
    else if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0)
        rep = (struct lo_report){3, errno};
    else {
        ifr.ifr_flags |= IFF_UP;
        if (ioctl(sock, SIOCSIFFLAGS, &ifr) < 0)
            rep = (struct lo_report){4, errno};
    }
    _exit(write(report_fd, &rep, sizeof(rep)) == sizeof(rep) ? 0 : 1);
}

/* A new network namespace starts with lo down; Docker's containers have
 * it up (127.0.0.1 works) even with no other network. */
static int loopback_up(pid_t init, hull_error **err)
{
    static const char *const steps[] = {"", "setns", "socket", "SIOCGIFFLAGS", "SIOCSIFFLAGS"};
    _cleanup_free_ char *ns_path = xasprintf("/proc/%d/ns/net", (int)init);
    _cleanup_close_ int nsfd = open(ns_path, O_RDONLY | O_CLOEXEC);
    int pipefd[2];
    struct lo_report rep = {.step = -1};
    pid_t child;
    int status;

    if (nsfd < 0)
        return hull_err(err, errno, "open \"%s\"", ns_path);
    if (pipe2(pipefd, O_CLOEXEC) < 0)
        return hull_err(err, errno, "pipe");
    child = fork();
    if (child < 0) {
        close(pipefd[0]);
        close(pipefd[1]);
        return hull_err(err, errno, "fork");
    }
    if (child == 0) {
        close(pipefd[0]);
        lo_child(nsfd, pipefd[1]);
    }
    close(pipefd[1]);
    if (read_all(pipefd[0], &rep, sizeof(rep)) != sizeof(rep))
        rep.step = -1;
    close(pipefd[0]);
    while (waitpid(child, &status, 0) < 0 && errno == EINTR)
        ;
    if (rep.step < 0)
        return hull_err(err, 0, "bring up lo: the helper process died");
    if (rep.step > 0)
        return hull_err(err, rep.errnum, "bring up lo: %s", steps[rep.step]);
    return 0;
}

/* Saves the record under its lock.  A record that is gone was removed by
 * `hull rm -f` while we ran: nothing to save then. */
static void save_record(struct run_ctx *x)
{
    _cleanup_error_ hull_error *e = NULL;
    _cleanup_close_ int lock = hull_ctr_lock(x->e->ctr_dirfd, x->ctr.id, &e);

    if (lock < 0) {
        if (e->kind != HULL_ERR_NOT_EXIST)
            hull_warn("%s", e->msg);
        return;
    }
    if (hull_ctr_save(x->e->ctr_dirfd, &x->ctr, &e) < 0)
        hull_warn("%s", e->msg);
}

static int start_container(void *data, hull_error **err)
{
    struct run_ctx *x = data;

    if (hull_container_start(&x->e->rt, x->ctr.id, err) < 0)
        return -1;
    x->ctr.status = HULL_CTR_RUNNING;
    x->ctr.pid = x->init;
    x->ctr.pid_start = hull_proc_start_time(x->init);
    x->ctr.started_at = hull_time_now_rfc3339();
    save_record(x);
    return 0;
}

static int exit_code_of(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return 255;
}

/* The runtime's part: a created container whose init waits for start,
 * with -t its pty master handed to us through the console socket. */
static int create_container(struct run_ctx *x, hull_error **err)
{
    struct hull_create_opts co = {.id = x->ctr.id, .bundle = x->dir};
    struct sockaddr_un sa;
    socklen_t len;

    if (x->r->tty) {
        if (console_listen(x, err) < 0)
            return -1;
        console_path(x, &sa, &len);
        co.console_socket = sa.sun_path;
    }
    return hull_container_create(&x->e->rt, &co, &x->init, err);
}

/* Everything up to a created container whose process waits for start. */
static int prepare(struct run_ctx *x, hull_error **err)
{
    struct image_defaults d = {0};
    int ret = -1;

    if (hull_store_image_get(x->e->store, x->r->image, &x->img, err) < 0)
        return -1;
    image_defaults_load(x->img->config, &d);
    if (make_record(x, &d.view, err) == 0 && mount_rootfs(x, err) == 0 &&
        write_config(x, &d.view, err) == 0 && create_container(x, err) == 0 &&
        (!x->r->tty || console_receive(x, err) == 0) && loopback_up(x->init, err) == 0)
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
    closep(&x->console_listen);
    closep(&x->run_dirfd);
    closep(&x->pty_master);
}

int hull_engine_run(struct hull_engine *e, const struct hull_run_request *r, int *exit_code,
                    hull_error **err)
{
    struct run_ctx x = {
        .e = e, .r = r, .dirfd = -1, .console_listen = -1, .run_dirfd = -1, .pty_master = -1};
    struct hull_fg fg = {0};
    sigset_t old;
    int status = 0, ret = -1;

    *exit_code = 125;
    /* Signals wait in a queue from here on: a Ctrl-C during setup reaches
     * the container once it runs instead of killing us halfway. */
    hull_fg_block_signals(&old);
    if (prepare(&x, err) < 0)
        goto fail;
    fg =
        (struct hull_fg){.init = x.init, .pty_master = x.pty_master, .interactive = r->interactive};
    if (hull_fg_run(&fg, start_container, &x, &status, err) < 0)
        goto fail;
    *exit_code = exit_code_of(status);
    x.ctr.status = HULL_CTR_EXITED;
    x.ctr.exit_code = *exit_code;
    x.ctr.finished_at = hull_time_now_rfc3339();
    x.ctr.pid = 0;
    save_record(&x);
    ret = 0;
    {
        _cleanup_error_ hull_error *e2 = NULL;
        if (hull_engine_teardown(e, x.ctr.id, r->auto_remove, &e2) < 0)
            hull_warn("%s", e2->msg);
    }
    goto out;
fail:
    /* A created container's init is our child: kill and reap it here so
     * the teardown finds it gone and no zombie stays behind. */
    if (x.init > 0 && waitpid(x.init, NULL, WNOHANG) == 0) {
        kill(x.init, SIGKILL);
        while (waitpid(x.init, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    if (x.ctr.id != NULL) {
        _cleanup_error_ hull_error *e2 = NULL;
        if (hull_engine_teardown(e, x.ctr.id, true, &e2) < 0)
            hull_warn("%s", e2->msg);
    }
    hull_err_wrap(err, "run \"%s\"", r->image);
out:
    run_ctx_clear(&x);
    sigprocmask(SIG_SETMASK, &old, NULL);
    return ret;
}
