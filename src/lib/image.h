/* Image references and image configurations.
 *
 * A reference names an image the way Docker's command line does:
 * "busybox", "busybox:1.36", "registry:5000/team/app:v1",
 * "app@sha256:<hex>".  Names are kept short ("busybox", not
 * "docker.io/library/busybox" or "library/busybox"): Docker Hub's
 * implicit prefixes are removed so every spelling names the same image.
 *
 * An image configuration is the OCI image spec's config JSON
 * (application/vnd.oci.image.config.v1+json) held as a jansson object:
 * built by `hull import` (with Docker's --change instructions) and read by
 * the engine through the accessors below. */
#ifndef HULL_IMAGE_H
#define HULL_IMAGE_H

#include "error.h"
#include "util.h"

#include <jansson.h>

#define HULL_DEFAULT_TAG  "latest"
#define HULL_DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct hull_ref {
    char *name;   /* repository: "busybox", "registry:5000/team/app" */
    char *tag;    /* "latest" when neither a tag nor a digest was given */
    char *digest; /* "sha256:..." or NULL */
};

/* Parses and normalizes S.  Errors are HULL_ERR_BAD_INPUT, start with
 * Docker's "invalid reference format" and quote S:
 * upper case in the repository, characters outside Docker's grammar, a tag
 * longer than 128 characters, a malformed digest. */
int hull_ref_parse(const char *s, struct hull_ref *out, hull_error **err);
void hull_ref_clear(struct hull_ref *r);

/* "name:tag", "name@digest" or "name:tag@digest"; a new string. */
char *hull_ref_format(const struct hull_ref *r);

/* The OCI platform name (GOARCH spelling) of the build's architecture,
 * or NULL when hull does not know it. */
const char *hull_image_host_arch(void);

/* A new config for the host's platform with no layers, the default PATH in
 * config.Env and CREATED as its creation time. */
int hull_image_config_new(const char *created, json_t **out, hull_error **err);

/* Appends a layer (its uncompressed digest) to rootfs.diff_ids and a
 * history entry; CREATED_BY and COMMENT may be NULL. */
int hull_image_config_add_layer(json_t *cfg, const char *diff_id, const char *created,
                                const char *created_by, const char *comment, hull_error **err);

/* Applies Docker's --change instructions in order: CMD, ENTRYPOINT, ENV,
 * EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR, in their JSON-array
 * and shell forms, with $VAR / ${VAR} / ${VAR:-x} / ${VAR:+x} expanded
 * from the config's Env where Dockerfiles expand them.  Other instructions
 * are errors ("... is not supported").  Errors quote the change. */
int hull_image_config_apply_changes(json_t *cfg, char *const *changes, hull_error **err);

/* Parses a config blob and checks the fields hull uses: os "linux",
 * rootfs.diff_ids, and the types of config.*.  Errors name the field. */
int hull_image_config_parse(const char *data, size_t len, json_t **out, hull_error **err);

/* The canonical serialization (compact, sorted keys) whose sha256 is the
 * image id; a new string. */
char *hull_image_config_dump(const json_t *cfg);

/* Accessors for a config that passed hull_image_config_parse() or was
 * built above.  Vectors are new NULL-terminated copies (strv_free), NULL
 * when the field is absent or null; an empty JSON array gives an empty
 * vector, which is not the same as absent for Entrypoint and Cmd.  Strings
 * are borrowed from CFG and NULL when absent or empty. */
char **hull_image_config_entrypoint(const json_t *cfg);
char **hull_image_config_cmd(const json_t *cfg);
char **hull_image_config_env(const json_t *cfg);
const char *hull_image_config_working_dir(const json_t *cfg);
const char *hull_image_config_user(const json_t *cfg);
const char *hull_image_config_stop_signal(const json_t *cfg);
/* "80/tcp", ... and volume paths, sorted. */
char **hull_image_config_exposed_ports(const json_t *cfg);
char **hull_image_config_volumes(const json_t *cfg);
/* Label object (string values), borrowed; NULL when there are none. */
json_t *hull_image_config_labels(const json_t *cfg);
char **hull_image_config_diff_ids(const json_t *cfg);

#endif
