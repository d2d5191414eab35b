/* hull inspect: low-level information on images and containers, as JSON
 * or through a --format template.
 *
 * Like Docker, a name is looked up as a container first, then as an
 * image, unless --type says which.  Images are described here
 * (image_json.c), containers by hull_inspect_container_json()
 * (engine_inspect.h). */
#include "cli.h"
#include "engine_inspect.h"
#include "image_json.h"
#include "log.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

struct inspect_flags {
    const char *format;
    const char *type;
};

#define F(f) offsetof(struct inspect_flags, f)

static const struct hull_flag inspect_flags[] = {
    {"format", 'f', HULL_FLAG_STRING, F(format), "string",
     "Format the output using the given Go template"},
    {"type", 0, HULL_FLAG_STRING, F(type), "string", "Return JSON for specified type"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static int inspect_container(struct hull_engine *e, const char *name, json_t **out,
                             hull_error **err)
{
    _cleanup_free_ char *id = NULL;

    if (hull_ctr_lookup(e->ctr_dirfd, name, &id, err) < 0)
        return -1;
    return hull_inspect_container_json(e, id, out, err);
}

static int inspect_image(struct hull_engine *e, const char *name, json_t **out, hull_error **err)
{
    struct hull_image *img;

    if (hull_store_image_get(e->store, name, &img, err) < 0)
        return -1;
    *out = hull_image_inspect_json(img);
    hull_image_free(img);
    return 0;
}

/* One object: by --type, else a container and then an image. */
static int inspect_one(struct hull_engine *e, const char *type, const char *name, json_t **out,
                       hull_error **err)
{
    _cleanup_error_ hull_error *cerr = NULL;

    if (type != NULL && strcmp(type, "image") == 0)
        return inspect_image(e, name, out, err);
    if (type != NULL && strcmp(type, "container") == 0)
        return inspect_container(e, name, out, err);
    if (inspect_container(e, name, out, &cerr) == 0)
        return 0;
    if (cerr->kind != HULL_ERR_NOT_EXIST) {
        *err = take_ptr(cerr);
        return -1;
    }
    if (inspect_image(e, name, out, err) == 0)
        return 0;
    if ((*err)->kind == HULL_ERR_NOT_EXIST)
        return hull_err_kind(err, HULL_ERR_NOT_EXIST, 0, "No such object: %s", name);
    return -1;
}

static int inspect_object(struct hull_engine *e, const char *name, const void *data, json_t **out,
                          hull_error **err)
{
    return inspect_one(e, data, name, out, err);
}

/* Like Docker: what was found is printed, and any failure fails the command. */
static int inspect(const struct hull_global *g, void *flags, const struct hull_args *args)
{
    const struct inspect_flags *f = flags;

    if (f->type != NULL && strcmp(f->type, "image") != 0 && strcmp(f->type, "container") != 0) {
        hull_error_log("\"%s\" is not a valid value for --type", f->type);
        return 1;
    }
    return hull_inspect_names(g, args, inspect_object, f->type, f->format, false);
}

static int cmd_inspect(const struct hull_global *g, int argc, char **argv)
{
    struct inspect_flags f = {0};

    return hull_command_main(&hull_cmd_inspect, g, argc, argv, &f, inspect);
}

const struct hull_command hull_cmd_inspect = {
    .name = "inspect",
    .usage = "[OPTIONS] NAME|ID [NAME|ID...]",
    .summary = "Return low-level information on containers or images",
    .flags = inspect_flags,
    .run = cmd_inspect,
    .min_args = 1,
    .max_args = HULL_ARGS_ANY,
};
