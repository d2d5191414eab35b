/* hull volume: create, ls, inspect, rm and prune of the local volumes
 * (volume.h). */
#include "cli.h"
#include "format.h"
#include "listfmt.h"
#include "util.h"
#include "volume.h"

#include <stdio.h>
#include <string.h>

struct volume_flags {
    bool quiet, force, all;
    const char *driver, *format;
    char **labels, **opts, **filters;
};

#define F(f) offsetof(struct volume_flags, f)

static const struct hull_flag create_flags[] = {
    {"driver", 'd', HULL_FLAG_STRING, F(driver), "string", "Specify volume driver name (local)"},
    {"label", 'l', HULL_FLAG_LIST, F(labels), "list", "Set metadata for a volume"},
    {"opt", 'o', HULL_FLAG_LIST, F(opts), "map", "Set driver specific options (not supported)"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static const struct hull_flag ls_flags[] = {
    {"filter", 'f', HULL_FLAG_LIST, F(filters), "filter",
     "Provide filter values (dangling=true|false, name=..., label=KEY[=VALUE], driver=local)"},
    {"format", 0, HULL_FLAG_STRING, F(format), "string",
     "Format output using a custom template: 'json' or a Go template such as '{{.Name}}'"},
    {"quiet", 'q', HULL_FLAG_BOOL, F(quiet), NULL, "Only display volume names"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static const struct hull_flag inspect_flags[] = {
    {"format", 'f', HULL_FLAG_STRING, F(format), "string",
     "Format output using a custom template: 'json' or a Go template"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static const struct hull_flag rm_flags[] = {
    {"force", 'f', HULL_FLAG_BOOL, F(force), NULL,
     "Force the removal of one or more volumes (a missing one is no error)"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static const struct hull_flag prune_flags[] = {
    {"all", 'a', HULL_FLAG_BOOL, F(all), NULL,
     "Remove all unused volumes, not just anonymous ones"},
    {"force", 'f', HULL_FLAG_BOOL, F(force), NULL, "Do not prompt for confirmation"},
    {NULL, 0, 0, 0, NULL, NULL},
};

/* Docker's volume object. */
static json_t *volume_json(const struct hull_volume *v)
{
    json_t *labels = json_object();

    for (size_t i = 0; v->labels != NULL && v->labels[i] != NULL; i++) {
        const char *eq = strchr(v->labels[i], '=');
        _cleanup_free_ char *key =
            xstrndup(v->labels[i], eq ? (size_t)(eq - v->labels[i]) : strlen(v->labels[i]));
        json_object_set_new(labels, key, json_string(eq ? eq + 1 : ""));
    }
    if (v->anonymous)
        json_object_set_new(labels, "com.docker.volume.anonymous", json_string(""));
    return json_pack("{s:s, s:s, s:o, s:s, s:s, s:n, s:s}", "CreatedAt", v->created, "Driver",
                     "local", "Labels",
                     json_object_size(labels) > 0 ? labels : (json_decref(labels), json_null()),
                     "Mountpoint", v->mountpoint, "Name", v->name, "Options", "Scope", "local");
}

static int volume_create(const struct hull_global *g, void *flags, const struct hull_args *args)
{
    const struct volume_flags *f = flags;
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_engine_ struct hull_engine *e = NULL;
    struct hull_volume v;

    if (f->driver != NULL && strcmp(f->driver, "local") != 0)
        hull_err_kind(&err, HULL_ERR_BAD_INPUT, 0,
                      "volume driver \"%s\" is not supported: only \"local\" is", f->driver);
    else if (f->opts != NULL)
        hull_err_kind(&err, HULL_ERR_BAD_INPUT, 0,
                      "--opt \"%s\": volume driver options are not supported", f->opts[0]);
    if (err != NULL) {
        hull_report(err);
        return 1;
    }
    if (hull_open_engine(g, &e) < 0)
        return 1;
    if (hull_volume_create(e, args->n > 0 ? args->args[0] : NULL, f->labels, &v, &err) < 0) {
        hull_report(err);
        return 1;
    }
    printf("%s\n", v.name);
    hull_volume_clear(&v);
    return 0;
}

static int volume_object(struct hull_engine *e, const char *name, const void *data, json_t **out,
                         hull_error **err)
{
    struct hull_volume v;

    if (hull_volume_get(e, name, &v, err) < 0)
        return -1;
    *out = volume_json(&v);
    hull_volume_clear(&v);
    return 0;
}

static int volume_inspect(const struct hull_global *g, void *flags, const struct hull_args *args)
{
    const struct volume_flags *f = flags;

    return hull_inspect_names(g, args, volume_object, NULL, f->format, false);
}

struct ls_filter {
    int dangling; /* -1: any */
    char **names, **labels;
};

static int parse_ls_filters(char *const *list, struct ls_filter *lf, hull_error **err)
{
    *lf = (struct ls_filter){.dangling = -1};
    for (size_t i = 0; list != NULL && list[i] != NULL; i++) {
        const char *eq = strchr(list[i], '=');
        size_t klen = eq != NULL ? (size_t)(eq - list[i]) : 0;
        if (eq == NULL)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 "bad format of filter (expected name=value)");
        if (klen == 8 && strncmp(list[i], "dangling", 8) == 0) {
            bool b;
            if (hull_parse_bool(eq + 1, &b) < 0)
                return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "invalid filter 'dangling=%s'",
                                     eq + 1);
            lf->dangling = b;
        } else if (klen == 4 && strncmp(list[i], "name", 4) == 0) {
            strv_append(&lf->names, eq + 1);
        } else if (klen == 5 && strncmp(list[i], "label", 5) == 0) {
            strv_append(&lf->labels, eq + 1);
        } else if (klen == 6 && strncmp(list[i], "driver", 6) == 0) {
            if (strcmp(eq + 1, "local") != 0)
                lf->dangling = 2; /* matches nothing */
        } else {
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "invalid filter '%.*s'", (int)klen,
                                 list[i]);
        }
    }
    return 0;
}

static bool label_matches(const struct hull_volume *v, const char *want)
{
    bool has_value = strchr(want, '=') != NULL;

    for (size_t i = 0; v->labels != NULL && v->labels[i] != NULL; i++) {
        const char *l = v->labels[i];
        if (has_value ? strcmp(l, want) == 0
                      : strncmp(l, want, strlen(want)) == 0 && l[strlen(want)] == '=')
            return true;
    }
    return false;
}

static bool volume_wanted(struct hull_engine *e, const struct hull_volume *v,
                          const struct ls_filter *lf)
{
    if (lf->dangling == 2)
        return false;
    for (size_t i = 0; lf->names != NULL && lf->names[i] != NULL; i++)
        if (strstr(v->name, lf->names[i]) == NULL)
            return false;
    for (size_t i = 0; lf->labels != NULL && lf->labels[i] != NULL; i++)
        if (!label_matches(v, lf->labels[i]))
            return false;
    if (lf->dangling >= 0) {
        _cleanup_strv_ char **users = NULL;
        if (hull_volume_users(e, v->name, &users, NULL) < 0)
            return false;
        if ((users == NULL) != (lf->dangling == 1))
            return false;
    }
    return true;
}

/* The titles Docker gives the fields of volume ls in "table" templates. */
static const struct hull_list_header volume_headers[] = {
    {"Name", "VOLUME NAME"},      {"Driver", "DRIVER"}, {"Scope", "SCOPE"},
    {"Mountpoint", "MOUNTPOINT"}, {"Labels", "LABELS"}, {"CreatedAt", "CREATED"},
    {"Links", "LINKS"},           {"Size", "SIZE"},
};

static int print_formatted(const json_t *all, const char *format, hull_error **err)
{
    struct hull_list_format out;
    size_t i;
    json_t *o;

    if (hull_list_format_begin(&out, format, "table {{.Driver}}\t{{.Name}}", volume_headers,
                               ARRAY_SIZE(volume_headers), err) < 0)
        return -1;
    json_array_foreach (all, i, o) {
        if (hull_list_format_row(&out, o, err) < 0) {
            hull_list_format_end(&out, false);
            return -1;
        }
    }
    hull_list_format_end(&out, true);
    return 0;
}

static int volume_ls(const struct hull_global *g, void *flags, const struct hull_args *args)
{
    const struct volume_flags *f = flags;
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_engine_ struct hull_engine *e = NULL;
    struct hull_volume *list = NULL;
    struct ls_filter lf;
    size_t n = 0;
    json_t *all = json_array();
    struct hull_table *t = NULL;
    int ret = 1;

    if (parse_ls_filters(f->filters, &lf, &err) < 0 || hull_engine_open(&g->roots, &e, &err) < 0 ||
        hull_volume_list(e, &list, &n, &err) < 0) {
        hull_report(err);
        goto out;
    }
    t = hull_table_new(2);
    if (!f->quiet && f->format == NULL) {
        char *head[] = {xstrdup("DRIVER"), xstrdup("VOLUME NAME")};
        hull_table_add(t, head);
    }
    for (size_t i = 0; i < n; i++) {
        if (!volume_wanted(e, &list[i], &lf))
            continue;
        if (f->quiet) {
            printf("%s\n", list[i].name);
        } else if (f->format != NULL) {
            json_array_append_new(all, volume_json(&list[i]));
        } else {
            char *row[] = {xstrdup("local"), xstrdup(list[i].name)};
            hull_table_add(t, row);
        }
    }
    if (f->format != NULL && !f->quiet) {
        if (print_formatted(all, f->format, &err) < 0) {
            hull_report(err);
            goto out;
        }
    } else {
        hull_table_print(t, stdout);
    }
    ret = 0;
out:
    if (t != NULL)
        hull_table_free(t);
    json_decref(all);
    strv_free(lf.names);
    strv_free(lf.labels);
    hull_volume_list_free(list, n);
    return ret;
}

static int rm_one(struct hull_engine *e, const char *name, void *data, hull_error **err)
{
    const struct volume_flags *f = data;

    if (hull_volume_remove(e, name, err) == 0)
        return 0;
    if (!(f->force && (*err)->kind == HULL_ERR_NOT_EXIST))
        return -1;
    /* --force: a missing volume is neither an error nor printed. */
    hull_error_freep(err);
    return 1;
}

static int volume_rm(const struct hull_global *g, void *flags, const struct hull_args *args)
{
    return hull_for_each_name(g, args, rm_one, flags);
}

static int volume_prune(const struct hull_global *g, void *flags, const struct hull_args *args)
{
    const struct volume_flags *f = flags;
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_engine_ struct hull_engine *e = NULL;
    _cleanup_strv_ char **removed = NULL;
    _cleanup_free_ char *warning = xasprintf(
        "WARNING! This will remove %s local volumes not used by at least one container.\n",
        f->all ? "all" : "anonymous");
    uint64_t reclaimed = 0;

    if (!f->force && !hull_confirm(warning))
        return 0;
    if (hull_open_engine(g, &e) < 0)
        return 1;
    if (hull_volume_prune(e, f->all, &removed, &reclaimed, &err) < 0) {
        hull_report(err);
        return 1;
    }
    hull_print_block("Deleted Volumes", removed, "");
    hull_print_reclaimed(reclaimed);
    return 0;
}

static const struct hull_command create_cmd = {
    .name = "volume create",
    .usage = "[OPTIONS] [VOLUME]",
    .summary = "Create a volume",
    .flags = create_flags,
    .max_args = 1,
};

static const struct hull_command inspect_cmd = {
    .name = "volume inspect",
    .usage = "[OPTIONS] VOLUME [VOLUME...]",
    .summary = "Display detailed information on one or more volumes",
    .flags = inspect_flags,
    .min_args = 1,
    .max_args = HULL_ARGS_ANY,
};

static const struct hull_command ls_cmd = {
    .name = "volume ls",
    .usage = "[OPTIONS]",
    .summary = "List volumes",
    .flags = ls_flags,
};

static const struct hull_command rm_cmd = {
    .name = "volume rm",
    .usage = "[OPTIONS] VOLUME [VOLUME...]",
    .summary = "Remove one or more volumes",
    .flags = rm_flags,
    .min_args = 1,
    .max_args = HULL_ARGS_ANY,
};

static const struct hull_command prune_cmd = {
    .name = "volume prune",
    .usage = "[OPTIONS]",
    .summary = "Remove unused local volumes",
    .flags = prune_flags,
};

static const struct hull_subcommand subcommands[] = {
    {"create", NULL, &create_cmd, volume_create}, {"inspect", NULL, &inspect_cmd, volume_inspect},
    {"ls", "list", &ls_cmd, volume_ls},           {"rm", "remove", &rm_cmd, volume_rm},
    {"prune", NULL, &prune_cmd, volume_prune},
};

static const struct hull_group volume_group = {
    .cmd = &hull_cmd_volume,
    .subs = subcommands,
    .n = ARRAY_SIZE(subcommands),
    .width = 10,
    .more_help = true,
};

/* ARGV holds the words after "volume": the subcommand first. */
static int cmd_volume(const struct hull_global *g, int argc, char **argv)
{
    struct volume_flags f = {0};

    return hull_group_run(&volume_group, g, argc, argv, &f);
}

const struct hull_command hull_cmd_volume = {
    .name = "volume",
    .usage = "COMMAND",
    .summary = "Manage volumes",
    .flags = create_flags,
    .run = cmd_volume,
};
