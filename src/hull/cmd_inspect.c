/* hull inspect: low-level information on images and containers, as JSON
 * or through a --format template.
 *
 * Like Docker, a name is looked up as a container first, then as an
 * image, unless --type says which.  Images are described here
 * (image_json.c), containers by hull_inspect_container_json()
 * (engine_inspect.h). */
#include "commands.h"
#include "engine_inspect.h"
#include "image_json.h"
#include "template.h"
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

static int print_all(json_t *all, const char *format, hull_error **err)
{
    size_t i;
    json_t *o;

    if (format == NULL || strcmp(format, "json") == 0) {
        char *s = json_dumps(all, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
        printf("%s\n", s ? s : "[]");
        free(s);
        return 0;
    }
    json_array_foreach (all, i, o) {
        char *line;
        if (hull_template_render(format, o, &line, err) < 0)
            return -1;
        printf("%s\n", line);
        free(line);
    }
    return 0;
}

static int inspect(const struct hull_global *g, const struct inspect_flags *f,
                   const struct hull_args *args)
{
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_engine_ struct hull_engine *e = NULL;
    json_t *all = json_array();
    int ret = 0;

    if (f->type != NULL && strcmp(f->type, "image") != 0 && strcmp(f->type, "container") != 0) {
        hull_error_log("\"%s\" is not a valid value for --type", f->type);
        json_decref(all);
        return 1;
    }
    if (hull_engine_open(&g->roots, &e, &err) < 0) {
        hull_report(err);
        json_decref(all);
        return 1;
    }
    /* Docker prints what it found and then the errors, failing at the end */
    for (size_t i = 0; i < args->n; i++) {
        json_t *o;
        if (inspect_one(e, f->type, args->args[i], &o, &err) < 0) {
            hull_report(err);
            hull_error_freep(&err);
            ret = 1;
            continue;
        }
        json_array_append_new(all, o);
    }
    if (print_all(all, f->format, &err) < 0) {
        hull_report(err);
        ret = 1;
    }
    json_decref(all);
    return ret;
}

static int cmd_inspect(const struct hull_global *g, int argc, char **argv)
{
    struct inspect_flags f = {0};
    struct hull_args args;
    int ret = hull_command_parse(&hull_cmd_inspect, true, 1, argc, argv, &f, &args);

    if (ret == 1)
        ret = inspect(g, &f, &args);
    else
        ret = ret < 0 ? HULL_EXIT_FAILED : 0;
    hull_args_clear(&args);
    return ret;
}

const struct hull_command hull_cmd_inspect = {
    .name = "inspect",
    .usage = "[OPTIONS] NAME|ID [NAME|ID...]",
    .summary = "Return low-level information on containers or images",
    .flags = inspect_flags,
    .run = cmd_inspect,
};
