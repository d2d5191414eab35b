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

#include "container.h"
#include "ctr.h"
#include "error.h"
#include "store.h"

#include <stdbool.h>

#define HULL_DEFAULT_STATE_ROOT "/var/lib/hull"
#define HULL_DEFAULT_RUN_ROOT   "/run/hull"

/* Every container's cgroup is /hull/ID under each hierarchy. */
#define HULL_CGROUP_PARENT "hull"

struct hull_engine_opts {
    const char *state_root; /* NULL: HULL_DEFAULT_STATE_ROOT */
    const char *run_root;   /* NULL: HULL_DEFAULT_RUN_ROOT */
};

struct hull_engine {
    char *state_root;
    char *run_root;
    char *runtime_root; /* RUN_ROOT/runtime */
    int ctr_dirfd;      /* STATE_ROOT/containers */
    struct hull_store *store;
    struct hull_runtime rt;
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
    const char *hostname;   /* --hostname */
    const char *entrypoint; /* --entrypoint, NULL when not given */
    bool tty;               /* -t */
    bool interactive;       /* -i: the container's stdin is ours */
    bool auto_remove;       /* --rm */
};

/* Runs a container in the foreground: creates its record and overlay
 * root, writes its config, creates it with the runtime, brings up its
 * loopback interface, starts it and waits for it, forwarding signals (and
 * with TTY proxying a pty to standard input and output).  The container's
 * stdio is the caller's descriptors 0, 1 and 2 (the pty with TTY).
 * *exit_code gets the process's status as a shell reports it (128+N for
 * signal N).  Afterwards the record says "exited" and the overlay is
 * unmounted; with auto_remove everything is removed.  A failure before the
 * process ran removes everything that was made and returns -1; errors of
 * kind HULL_ERR_EXEC_NOT_FOUND / HULL_ERR_EXEC_DENIED mean the command
 * itself could not be run. */
int hull_engine_run(struct hull_engine *e, const struct hull_run_request *r, int *exit_code,
                    hull_error **err);

/* Removes the container REF (name, id or unique id prefix): its runtime
 * state, cgroup, overlay mount and directory.  A running container is
 * refused unless FORCE, which kills it first. */
int hull_engine_rm(struct hull_engine *e, const char *ref, bool force, hull_error **err);

/* C's status as it is now: a record that says running whose init is gone
 * (the hull that ran it was killed) reads as exited. */
enum hull_ctr_status hull_engine_ctr_status(const struct hull_ctr *c);

#endif
