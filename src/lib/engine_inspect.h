/* `hull inspect` of a container: Docker's object, assembled from the
 * record (ctr.h), the container's config.json, runconfig.json
 * (run_config.h), its image and its network settings. */
#ifndef HULL_ENGINE_INSPECT_H
#define HULL_ENGINE_INSPECT_H

#include "engine.h"
#include "error.h"

#include <jansson.h>

/* The inspect object of container ID (a full id), with Docker's keys:
 * Id, Created, Path, Args, State{Status, Running, Paused, Restarting,
 * OOMKilled, Dead, Pid, ExitCode, Error, StartedAt, FinishedAt}, Image,
 * Name, RestartCount, HostConfig, GraphDriver, Mounts, Config and
 * NetworkSettings.  Keys keep Docker's order. */
int hull_inspect_container_json(struct hull_engine *e, const char *id, json_t **out,
                                hull_error **err);

#endif
