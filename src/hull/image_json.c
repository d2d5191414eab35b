#include "image_json.h"
#include "util.h"

#include <string.h>

char **hull_image_repo_digests(const struct hull_image *img)
{
    char **out = xmalloc0(sizeof(char *));

    /* Docker lists only registry digests: none for imported or committed images */
    for (size_t i = 0; img->repo_digest && img->repo_tags[i] != NULL; i++) {
        const char *t = img->repo_tags[i];
        const char *slash = strrchr(t, '/');
        const char *colon = strrchr(slash ? slash : t, ':');
        _cleanup_free_ char *d =
            xasprintf("%.*s@%s", (int)(colon ? colon - t : (long)strlen(t)), t, img->manifest);
        bool seen = false;
        for (size_t k = 0; out[k] != NULL; k++)
            seen |= strcmp(out[k], d) == 0;
        if (!seen)
            strv_append(&out, d);
    }
    return out;
}

static json_t *strv_json(char *const *v)
{
    json_t *a = json_array();
    for (size_t i = 0; v != NULL && v[i] != NULL; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

/* The run config with every key Docker shows, zero values filled in. */
static json_t *config_json(const json_t *cfg)
{
    static const char *const strings[] = {"Hostname", "Domainname", "User", "Image", "WorkingDir"};
    static const char *const bools[] = {"AttachStdin", "AttachStdout", "AttachStderr",
                                        "Tty",         "OpenStdin",    "StdinOnce"};
    static const char *const nulls[] = {"Env", "Cmd", "Volumes", "Entrypoint", "OnBuild", "Labels"};
    const json_t *rc = json_object_get(cfg, "config");
    json_t *c = json_is_object(rc) ? json_deep_copy(rc) : json_object();

    for (size_t i = 0; i < ARRAY_SIZE(strings); i++) {
        if (json_object_get(c, strings[i]) == NULL)
            json_object_set_new(c, strings[i], json_string(""));
    }
    for (size_t i = 0; i < ARRAY_SIZE(bools); i++) {
        if (json_object_get(c, bools[i]) == NULL)
            json_object_set_new(c, bools[i], json_false());
    }
    for (size_t i = 0; i < ARRAY_SIZE(nulls); i++) {
        if (json_object_get(c, nulls[i]) == NULL)
            json_object_set_new(c, nulls[i], json_null());
    }
    return c;
}

static json_t *graph_driver(const struct hull_image *img)
{
    size_t n = strv_len(img->layer_dirs);
    json_t *data = json_object();
    size_t len = 1;
    char *lower, *p;

    if (n == 0)
        return json_pack("{s:o, s:s}", "Data", data, "Name", "overlay");
    json_object_set_new(data, "UpperDir", json_string(img->layer_dirs[n - 1]));
    for (size_t i = 0; i + 1 < n; i++)
        len += strlen(img->layer_dirs[i]) + 1;
    p = lower = xmalloc0(len);
    for (size_t i = n - 1; i > 0; i--)
        p += sprintf(p, "%s%s", p == lower ? "" : ":", img->layer_dirs[i - 1]);
    if (n > 1)
        json_object_set_new(data, "LowerDir", json_string(lower));
    free(lower);
    return json_pack("{s:o, s:s}", "Data", data, "Name", "overlay");
}

static const char *cfg_string(const json_t *cfg, const char *key)
{
    return json_string_value(json_object_get(cfg, key)) ?: "";
}

json_t *hull_image_inspect_json(const struct hull_image *img)
{
    const json_t *cfg = img->config;
    char **digests = hull_image_repo_digests(img);
    json_t *o = json_pack(
        "{s:s, s:o, s:o, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:I, s:I, s:o, s:{s:s, s:o}}",
        "Id", img->id, "RepoTags", strv_json(img->repo_tags), "RepoDigests", strv_json(digests),
        "Parent", "", "Comment", cfg_string(cfg, "comment"), "Created", img->created, "Container",
        cfg_string(cfg, "container"), "DockerVersion", cfg_string(cfg, "docker_version"), "Author",
        cfg_string(cfg, "author"), "Config", config_json(cfg), "Architecture",
        cfg_string(cfg, "architecture"), "Os", cfg_string(cfg, "os"), "Size", (json_int_t)img->size,
        "VirtualSize", (json_int_t)img->size, "GraphDriver", graph_driver(img), "RootFS", "Type",
        "layers", "Layers", strv_json(img->diff_ids));

    strv_free(digests);
    if (json_string_value(json_object_get(cfg, "variant")) != NULL)
        json_object_set_new(o, "Variant", json_string(cfg_string(cfg, "variant")));
    return o;
}
