/* The engine behind the `hull` command: where its state lives and the
 * operations its commands perform.
 *
 *   STATE_ROOT (/var/lib/hull)   the image store (store.h) and
 *                                containers/ID/ (ctr.h): the record, the
 *                                bundle's config.json, the overlay's
 *                                upper/, work/ and rootfs/
 *   RUN_ROOT (/run/hull)         what lives only while the host is up:
 *                                containers/ID/ (sockets of a running
 *                                container) and runtime/, the OCI
 *                                runtime's own root (container.h)
 *
 * hull is daemonless: each command opens the engine, acts under the
 * records' locks and closes it. */
#ifndef HULL_ENGINE_H
#define HULL_ENGINE_H

#include "cgroup_ops.h"
#include "container.h"
#include "ctr.h"
#include "engine_resources.h"
#include "error.h"
#include "store.h"

#include <stdbool.h>
#include <stdint.h>

#define HULL_DEFAULT_STATE_ROOT "/var/lib/hull"
#define HULL_DEFAULT_RUN_ROOT   "/run/hull"

/* Every container's cgroup is /hull/ID under each hierarchy. */
#define HULL_CGROUP_PARENT "hull"

struct hull_engine_opts {
    const char *state_root; /* NULL: HULL_DEFAULT_STATE_ROOT */
    const char *run_root;   /* NULL: HULL_DEFAULT_RUN_ROOT */
    /* How the hull program was invoked (argv[0]): the monitor runs it for
     * its hooks, and hull-monitor and hull-init are found next to it in a
     * build tree, else in HULL_LIBEXECDIR.  NULL: "hull" from PATH. */
    const char *exe;
};

struct hull_engine {
    char *state_root;
    char *run_root;
    char *runtime_root; /* RUN_ROOT/runtime */
    char *exe;          /* the hull program, an absolute path (NULL if not found) */
    int ctr_dirfd;      /* STATE_ROOT/containers */
    struct hull_store *store;
    struct hull_runtime rt;
    /* STATE_ROOT/cache/seccomp: compiled seccomp profiles */
    char *seccomp_cache_dir;
};

/* Opens the engine, creating its directories (mode 0700) as needed.
 * Both roots must be absolute: they end up in overlay options and in the
 * runtime's state. */
int hull_engine_open(const struct hull_engine_opts *o, struct hull_engine **out, hull_error **err);
void hull_engine_close(struct hull_engine *e);
void hull_engine_closep(struct hull_engine **e);
#define _cleanup_engine_ __attribute__((cleanup(hull_engine_closep)))

/* STATE_ROOT/containers/ID/NAME, or that directory itself for NAME NULL. */
char *hull_engine_ctr_path(const struct hull_engine *e, const char *id, const char *name);

/* What `hull run` asks for. */
struct hull_run_request {
    const char *image;      /* reference or id */
    const char *name;       /* --name, NULL: generated */
    char *const *cmd;       /* arguments after the image, may be NULL */
    char *const *env;       /* --env-file entries then -e entries */
    char *const *host_env;  /* hull's own environment, for "-e KEY" */
    const char *workdir;    /* -w */
    const char *user;       /* -u */
    char *const *group_add; /* --group-add: group names or gids */
    const char *hostname;   /* --hostname */
    const char *entrypoint; /* --entrypoint, NULL when not given */
    bool tty;               /* -t */
    bool interactive;       /* -i: the container's stdin is ours */
    bool auto_remove;       /* --rm */
    /* -m, --cpus, --device, ... */
    struct hull_run_resources resources;
    /* Mounts (run_config.c, volume.c) */
    char *const *volumes; /* -v */
    char *const *mounts;  /* --mount */
    char *const *tmpfs;   /* --tmpfs */
    bool read_only;       /* --read-only */
    /* Security (ocigen.c) */
    char *const *cap_add;      /* --cap-add */
    char *const *cap_drop;     /* --cap-drop */
    char *const *security_opt; /* --security-opt */
    char *const *ulimits;      /* --ulimit */
    bool privileged;           /* --privileged */
    /* Lifecycle (engine_run.c) */
    bool init;               /* --init */
    const char *restart;     /* --restart, NULL: "no" */
    const char *stop_signal; /* --stop-signal, NULL: the image's, else SIGTERM */
    int stop_timeout;        /* --stop-timeout; negative: not given */
    char *const *labels;     /* -l KEY=VALUE (or KEY) */
    char *const *log_opts;   /* --log-opt KEY=VALUE */
    const char *detach_keys; /* --detach-keys, NULL: the default */
    /* Network (net.h) */
    const char *network;      /* --network: NULL for the default bridge */
    char *const *publish;     /* -p */
    bool publish_all;         /* -P */
    char *const *expose;      /* --expose */
    const char *ip;           /* --ip */
    char *const *dns;         /* --dns */
    char *const *dns_search;  /* --dns-search */
    char *const *dns_options; /* --dns-option */
    char *const *add_hosts;   /* --add-host */
};

/* How a command stays with a container: its standard streams and the
 * signals it receives.  With a terminal, IN and OUT are the terminal's
 * both ways (raw mode, window size changes passed on). */
struct hull_attach_opts {
    bool in;                 /* our standard input goes to the container (created with -i) */
    bool out, err;           /* its output comes to our standard output, standard error */
    bool stdin_once;         /* the end of our input ends the container's */
    bool sig_proxy;          /* signals sent to us are passed on to the container */
    const char *detach_keys; /* with a terminal: detaches (NULL: "ctrl-p,ctrl-q", "": none) */
    bool exit_hook;          /* the exit is recorded (and --rm done) by us, not by a hook the
                              * monitor starts (monitor_proto.h: HULL_MON_WANT_EXIT_HOOK) */
};

/* Makes container R asks for without starting it: its record (the name
 * reserved, the options kept), its config.json.  *id gets its id.  On
 * failure nothing is left. */
int hull_engine_create(struct hull_engine *e, const struct hull_run_request *r, char **id,
                       hull_error **err);

/* Starts container REF (a name, an id or a unique id prefix): a monitor
 * of its own (monitor_proto.h) becomes the parent of its init and holds
 * its stdio; the overlay is mounted, the runtime's container created,
 * the network set up, and the process started.  With A, the caller is
 * attached before the start and stays until the container exits:
 * *exit_code gets its status as a shell reports it (128+N for signal N),
 * once the monitor recorded it (and, with --rm, removed the container).
 * Without A the call returns once the process runs.  Starting a running
 * container does nothing.  A failure to start leaves the record saying
 * why (exit code 125, 126 or 127 as Docker's); errors of kind
 * HULL_ERR_EXEC_NOT_FOUND / HULL_ERR_EXEC_DENIED mean the command itself
 * could not be run. */
int hull_engine_start(struct hull_engine *e, const char *ref, const struct hull_attach_opts *a,
                      int *exit_code, hull_error **err);

/* hull run: hull_engine_create then hull_engine_start attached to our
 * stdio as R says (-i, -t); with auto_remove a container that failed to
 * start is removed as well. */
int hull_engine_run(struct hull_engine *e, const struct hull_run_request *r, int *exit_code,
                    hull_error **err);

/* Attaches to running container REF until it exits (or the detach keys
 * are typed: *exit_code is then -1). */
int hull_engine_attach(struct hull_engine *e, const char *ref, const struct hull_attach_opts *a,
                       int *exit_code, hull_error **err);

/* Stops container REF: its stop signal, then SIGKILL after TIMEOUT
 * seconds (negative: the container's --stop-timeout, else 10).  Returns
 * once the exit is recorded and the container cleaned up; the restart
 * policy does not apply to it.  Stopping a stopped container does
 * nothing. */
int hull_engine_stop(struct hull_engine *e, const char *ref, int timeout, hull_error **err);

/* Sends SIG to the init of running container REF (the restart policy
 * then stays out, as Podman does). */
int hull_engine_kill(struct hull_engine *e, const char *ref, int sig, hull_error **err);

/* hull_engine_stop then hull_engine_start (detached). */
int hull_engine_restart(struct hull_engine *e, const char *ref, int timeout, hull_error **err);

/* Waits until container REF is not running and gives its exit code. */
int hull_engine_wait(struct hull_engine *e, const char *ref, int *exit_code, hull_error **err);

/* Gives container REF the name NAME (unique, Docker's rule). */
int hull_engine_rename(struct hull_engine *e, const char *ref, const char *name, hull_error **err);

/* Removes the container REF: its runtime state, cgroup, network, overlay
 * mount and directory; with VOLUMES its anonymous volumes too.  A running
 * container is refused unless FORCE, which kills it first. */
int hull_engine_rm(struct hull_engine *e, const char *ref, bool force, bool volumes,
                   hull_error **err);

/* Removes every container that is not running; *removed gets their ids,
 * *reclaimed the bytes their writable layers held. */
int hull_engine_prune(struct hull_engine *e, char ***removed, uint64_t *reclaimed,
                      hull_error **err);

/* Brings every record in line with what is left of it after a SIGKILL of
 * a hull command or a monitor, or a reboot: a container whose monitor
 * and process are gone is recorded as exited (with the exit file's code,
 * else 255), and its overlay mount, runtime state, cgroup and network are
 * released; --rm ones are removed.  Containers another command holds
 * the lock of are left alone.  Warns about what it could not repair. */
void hull_engine_reconcile(struct hull_engine *e);

/* C's status as it is now: a record that says running whose init is gone
 * (its monitor was killed) reads as exited. */
enum hull_ctr_status hull_engine_ctr_status(const struct hull_ctr *c);

/* The monitor's hooks (`hull __monitor`, see monitor_proto.h).
 *
 * The init of container ID exited with CODE at FINISHED_AT: records it,
 * releases what the run held, and sets *restart when the restart policy
 * wants the container again (its overlay and run directory then stay).
 * Otherwise a --rm container is removed: gone from every listing when
 * this returns, its files moved aside for hull_engine_purge() (*removed
 * is set then). */
int hull_engine_monitor_exited(struct hull_engine *e, const char *id, int code,
                               const char *finished_at, bool *restart, bool *removed,
                               hull_error **err);

/* Deletes the files of removed containers that were moved aside (by the
 * exit hook of --rm, or left by a purge that was killed). */
int hull_engine_purge(struct hull_engine *e, hull_error **err);

/* hull_engine_purge() in a child of ours, so that the exit code of a
 * --rm run is not held back for the files: a purge that fails or is
 * killed leaves them to the next reconcile.  The child has none of our
 * standard descriptors, so nothing reading our output waits for it. */
void hull_engine_purge_in_background(struct hull_engine *e);

/* Creates and starts container ID again for its monitor, with the stdio
 * of monitor_proto.h, and reports the new init on REPORT_FD.  *declined
 * is set when the policy no longer wants it (it was stopped meanwhile). */
int hull_engine_monitor_restart(struct hull_engine *e, const char *id, int report_fd,
                                bool *declined, hull_error **err);

/* Resource limits, pause and statistics of engine containers
 * (engine_cgroup.c).  REF is a name, an id or a unique id prefix. */

/* Freezes a running container (Docker's pause). */
int hull_engine_pause(struct hull_engine *e, const char *ref, hull_error **err);
/* Thaws a paused container. */
int hull_engine_unpause(struct hull_engine *e, const char *ref, hull_error **err);
/* Whether the running container C is paused. */
bool hull_engine_ctr_paused(const struct hull_engine *e, const struct hull_ctr *c);

/* New limits for REF (Docker's update): applied at once when it runs, and
 * kept in its config.json for later starts.  R is checked by Docker's
 * rules first (hull_run_resources_check). */
int hull_engine_update(struct hull_engine *e, const char *ref, struct hull_run_resources *r,
                       hull_error **err);

/* One sample of a running container's usage, with what Docker's stats
 * computes its percentages against. */
struct hull_engine_sample {
    struct hull_cgroup_stats cg;
    uint64_t system_cpu_ns; /* the host's cpu time so far (/proc/stat) */
    unsigned int online_cpus;
    uint64_t host_memory;    /* bytes, the limit shown when there is none */
    uint64_t net_rx, net_tx; /* bytes, all interfaces but lo */
};

/* Samples container C (a record whose runtime container exists); release
 * with hull_engine_sample_clear(). */
int hull_engine_sample(struct hull_engine *e, const struct hull_ctr *c,
                       struct hull_engine_sample *s, hull_error **err);
void hull_engine_sample_clear(struct hull_engine_sample *s);

/* Sets C->oom_killed from the OOM kill counter of C's cgroup: call it
 * once the process exited and before the runtime container is deleted. */
void hull_engine_note_oom(struct hull_engine *e, struct hull_ctr *c);

#endif
