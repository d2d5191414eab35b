/* Images as Docker's `docker image inspect` and `docker images --format
 * json` show them. */
#ifndef HULL_IMAGE_JSON_H
#define HULL_IMAGE_JSON_H

#include "store.h"

#include <jansson.h>
#include <time.h>

/* The image inspect object: Id, RepoTags, RepoDigests, Parent, Comment,
 * Created, Container, DockerVersion, Author, Config (Docker's zero values
 * for the fields the image leaves out), Architecture, Variant, Os, Size,
 * VirtualSize, GraphDriver, RootFS. */
json_t *hull_image_inspect_json(const struct hull_image *img);

/* "name@sha256:..." for each repository the image is tagged in; a new
 * vector. */
char **hull_image_repo_digests(const struct hull_image *img);

#endif
