/* The parts of a new container's config that come from run's mount and
 * security flags, and what the engine keeps of them.
 *
 * Next to a container's record (ctr.h), CONTAINERS/ID/runconfig.json keeps
 * what Docker's inspect shows and the record does not: "Config" (Cmd,
 * Entrypoint, User, WorkingDir, Image, Volumes as asked for), "HostConfig"
 * (Binds, Mounts, Tmpfs, CapAdd, CapDrop, Privileged, ReadonlyRootfs,
 * SecurityOpt, Ulimits) and "Mounts", the mounts as made (volume names
 * resolved, with "Anonymous" for the volumes the container made).  It is
 * written once, by hull_run_config(), under the volumes lock (volume.h). */
#ifndef HULL_RUN_CONFIG_H
#define HULL_RUN_CONFIG_H

#include "engine.h"
#include "error.h"
#include "ocigen.h"

#include <jansson.h>

/* Builds the config.json object of container ID as hull_ocigen_config()
 * does from BASE, adding the mounts of R (-v, --mount, --tmpfs, and an
 * anonymous volume for each of the image's Volumes not otherwise mounted)
 * and its security flags, and writes runconfig.json.  Bind sources must
 * exist; named volumes are created when missing; a volume that is empty
 * gets a copy of what the image has at its mount point (not with
 * "nocopy").  On failure, the volumes this call created are removed. */
int hull_run_config(struct hull_engine *e, const char *id, const struct hull_run_request *r,
                    const struct hull_ocigen_opts *base, const struct hull_ocigen_image *img,
                    json_t **out, hull_error **err);

/* runconfig.json of container ID (HULL_ERR_NOT_EXIST when it has none). */
int hull_run_config_load(struct hull_engine *e, const char *id, json_t **out, hull_error **err);

/* "ID NAME" for each volume mount of every container. */
int hull_run_mounts_all_volumes(struct hull_engine *e, char ***pairs, hull_error **err);

/* Names of the anonymous volumes container ID made. */
int hull_run_mounts_anonymous(struct hull_engine *e, const char *id, char ***names,
                              hull_error **err);

#endif
