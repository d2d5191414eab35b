/* The OCI runtime config (config.json) of an engine container: Docker's
 * defaults (namespaces, mounts, capabilities, masked and read-only paths,
 * device rules) combined with the image's config and the run options,
 * following Docker's rules for args, environment, working directory and
 * user. */
#ifndef HULL_OCIGEN_H
#define HULL_OCIGEN_H

#include "error.h"

#include <jansson.h>
#include <stdbool.h>

/* What the image's config contributes (config.Entrypoint, Cmd, Env,
 * WorkingDir, User).  Vectors are NULL when the image leaves them unset;
 * an empty vector is an explicit empty list. */
struct hull_ocigen_image {
    const char *const *entrypoint;
    const char *const *cmd;
    const char *const *env;
    const char *working_dir;
    const char *user;
};

/* What `hull run` asked for. */
struct hull_ocigen_opts {
    const char *id;              /* the container id (64 hex digits) */
    const char *rootfs;          /* root.path: the merged overlay */
    int rootfd;                  /* the same directory, for /etc/passwd and the workdir */
    const char *hostname;        /* --hostname, NULL: the first 12 digits of the id */
    const char *const *env;      /* --env-file then -e entries, in order; may be NULL */
    const char *const *host_env; /* hull's own environment, for "-e KEY" */
    const char *workdir;         /* -w, or NULL */
    const char *user;            /* -u, or NULL */
    const char *entrypoint;      /* --entrypoint, or NULL when not given ("" clears it) */
    const char *const *cmd;      /* the arguments after the image, may be NULL */
    bool tty;                    /* -t */
    const char *cgroups_path;    /* linux.cgroupsPath */
    /* Security and mounts. */
    const char *const *cap_add;      /* --cap-add: names with or without CAP_, any case, or ALL */
    const char *const *cap_drop;     /* --cap-drop, the same */
    const char *const *group_add;    /* --group-add: names (the image's /etc/group) or gids */
    const char *const *security_opt; /* --security-opt */
    const char *const *ulimits;      /* --ulimit NAME=SOFT[:HARD] */
    bool privileged;                 /* --privileged */
    bool read_only;                  /* --read-only: root.readonly */
    json_t *mounts; /* the user's mounts in OCI form (borrowed), replacing defaults they cover */
};

/* --security-opt, parsed. */
struct hull_security_opts {
    bool no_new_privileges;
    char *apparmor; /* apparmor=PROFILE, NULL when not given */
    char *seccomp;  /* seccomp=unconfined|FILE, NULL when not given */
};

/* Parses --security-opt entries (KEY=VALUE or Docker's older KEY:VALUE):
 * no-new-privileges[=true|false], apparmor=PROFILE, seccomp=..., and
 * label=disable (nothing to disable without SELinux; other labels are
 * not supported). */
int hull_security_opts_parse(const char *const *opts, struct hull_security_opts *out,
                             hull_error **err);
void hull_security_opts_clear(struct hull_security_opts *s);

/* The capability set of a container by Docker's rules: with PRIVILEGED
 * every capability of the kernel; else the default set, without CAP_DROP
 * (ALL drops every one), plus CAP_ADD (ALL adds every one, then the drops
 * apply).  Names are normalized ("net_admin" is "CAP_NET_ADMIN"); an
 * unknown one is an error quoting it.  *out is a new vector of names. */
int hull_ocigen_caps(const char *const *cap_add, const char *const *cap_drop, bool privileged,
                     char ***out, hull_error **err);

/* Parses one --ulimit NAME=SOFT[:HARD] into an OCI rlimit object
 * ({"type": "RLIMIT_NOFILE", "soft": N, "hard": M}); -1 is unlimited. */
int hull_ocigen_ulimit(const char *spec, json_t **out, hull_error **err);

/* The host's character and block devices under /dev as linux.devices
 * entries, for a privileged container (the container's own /dev/pts,
 * /dev/shm, /dev/mqueue and /dev/console excluded). */
int hull_ocigen_host_devices(json_t **out, hull_error **err);

/* The process arguments by Docker's rules: the entrypoint (--entrypoint
 * replaces the image's and then drops the image's Cmd as well) followed by
 * the command (the run arguments replace the image's Cmd).  An empty
 * result is an error ("no command specified"). */
int hull_ocigen_args(const struct hull_ocigen_image *img, const char *entrypoint,
                     const char *const *cmd, char ***out, hull_error **err);

/* The process environment: PATH (default), HOSTNAME and, with TTY,
 * TERM=xterm, then the image's Env, then the user's entries, each
 * replacing an earlier entry of the same name.  A user entry "KEY" without
 * "=" takes KEY's value from HOST_ENV, or removes KEY when it is unset
 * there (Docker's -e KEY).  An entry with an empty name is an error. */
int hull_ocigen_env(const struct hull_ocigen_image *img, const char *const *user_env,
                    const char *const *host_env, const char *hostname, bool tty, char ***out,
                    hull_error **err);

/* Parses an --env-file: one KEY=VALUE or KEY per line, blank lines and
 * lines starting with '#' skipped, leading white space ignored, the value
 * kept verbatim.  NAME is used in messages ("FILE:LINE: ...").  The
 * entries are appended to *OUT. */
int hull_env_file_parse(const char *text, const char *name, char ***out, hull_error **err);

/* Builds the whole config.json object.  Resolves the user against the
 * container's own /etc/passwd and /etc/group (passwd.h), adds HOME from
 * the user's entry when the environment has none, and creates the working
 * directory inside the root when it is missing, as Docker does. */
int hull_ocigen_config(const struct hull_ocigen_opts *o, const struct hull_ocigen_image *img,
                       json_t **out, hull_error **err);

#endif
