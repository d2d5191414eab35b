/* Values as Go sees them: printing (fmt's %v), truth, type names, and
 * which JSON object is a struct. */
#include "template_eval.h"
#include "util.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tpl_put_str(struct hull_strbuf *b, const char *s)
{
    hull_strbuf_put(b, s, strlen(s));
}

void tpl_val_clear(struct val *v)
{
    json_decref(v->j);
    v->j = NULL;
}

struct val tpl_val_new(json_t *j)
{
    return (struct val){.j = j};
}

/* The fields of Docker's objects that are Go maps and slices: their null
 * prints as "map[]" or "[]", and a map's missing key is no error. */
static const char *const map_fields[] = {
    "Labels",  "Volumes",     "ExposedPorts", "Tmpfs",       "PortBindings",
    "Ports",   "Options",     "Data",         "Networks",    "StorageOpt",
    "Sysctls", "Annotations", "DriverOpts",   "IPAMOptions", "Status",
};
static const char *const slice_fields[] = {
    "Cmd",         "Entrypoint", "Args",        "Binds",
    "CapAdd",      "CapDrop",    "SecurityOpt", "Ulimits",
    "Env",         "Dns",        "DnsOptions",  "DnsSearch",
    "ExtraHosts",  "Links",      "Devices",     "DeviceCgroupRules",
    "OnBuild",     "Shell",      "ExecIDs",     "Aliases",
    "DNSNames",    "Mounts",     "GroupAdd",    "RepoTags",
    "RepoDigests", "Layers",     "Test",        "BlkioWeightDevice",
    "Secondary",   "Containers",
};

static bool in(const char *const *names, size_t n, const char *hint)
{
    for (size_t i = 0; hint != NULL && i < n; i++)
        if (strcmp(names[i], hint) == 0)
            return true;
    return false;
}

/* A Go struct rather than a map: keys all capitalized, hint not a map. */
bool tpl_is_struct(const json_t *o, const char *hint)
{
    const char *key;
    json_t *x;

    if (!json_is_object(o) || json_object_size(o) == 0 ||
        in(map_fields, ARRAY_SIZE(map_fields), hint))
        return false;
    json_object_foreach ((json_t *)o, key, x)
        if (!isupper((unsigned char)key[0]))
            return false;
    return true;
}

/* ---- printing as Go's fmt %v ---- */

/* Go's shortest float formatting ('g' with -1 precision). */
static void put_real(struct hull_strbuf *b, double d)
{
    char s[64];
    int nd, exp;

    if (!isfinite(d)) {
        tpl_put_str(b, isnan(d) ? "NaN" : d > 0 ? "+Inf" : "-Inf");
        return;
    }
    for (nd = 1; nd < 17; nd++) {
        snprintf(s, sizeof(s), "%.*e", nd - 1, d);
        if (strtod(s, NULL) == d)
            break;
    }
    snprintf(s, sizeof(s), "%.*e", nd - 1, d);
    exp = atoi(strchr(s, 'e') + 1);
    int eprec = 6;
    if (eprec > nd && nd >= exp + 1)
        eprec = nd;
    if (exp < -4 || exp >= eprec) {
        tpl_put_str(b, s);
        return;
    }
    snprintf(s, sizeof(s), "%.*f", nd - 1 - exp > 0 ? nd - 1 - exp : 0, d);
    tpl_put_str(b, s);
}

static int cmp_keys(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The keys of O, sorted as Go sorts a map's. */
const char **tpl_sorted_keys(const json_t *o, size_t *n)
{
    const char **keys = xmalloc0((json_object_size(o) + 1) * sizeof(char *));
    const char *key;
    json_t *x;

    *n = 0;
    json_object_foreach ((json_t *)o, key, x)
        keys[(*n)++] = key;
    qsort(keys, *n, sizeof(char *), cmp_keys);
    return keys;
}

void tpl_put_value(struct hull_strbuf *b, const json_t *j, const char *hint)
{
    const char *key;
    json_t *x;
    size_t i, n;

    if (j == NULL) {
        tpl_put_str(b, "<no value>");
        return;
    }
    switch (json_typeof(j)) {
    case JSON_STRING:
        hull_strbuf_put(b, json_string_value(j), json_string_length(j));
        return;
    case JSON_INTEGER: {
        char s[32];
        snprintf(s, sizeof(s), "%" JSON_INTEGER_FORMAT, json_integer_value(j));
        tpl_put_str(b, s);
        return;
    }
    case JSON_REAL:
        put_real(b, json_real_value(j));
        return;
    case JSON_TRUE:
    case JSON_FALSE:
        tpl_put_str(b, json_is_true(j) ? "true" : "false");
        return;
    case JSON_NULL:
        tpl_put_str(b, in(slice_fields, ARRAY_SIZE(slice_fields), hint) ? "[]"
                       : in(map_fields, ARRAY_SIZE(map_fields), hint)   ? "map[]"
                                                                        : "<nil>");
        return;
    case JSON_ARRAY:
        tpl_put_str(b, "[");
        json_array_foreach (j, i, x) {
            if (i > 0)
                tpl_put_str(b, " ");
            tpl_put_value(b, x, NULL);
        }
        tpl_put_str(b, "]");
        return;
    case JSON_OBJECT:
        break;
    }
    if (tpl_is_struct(j, hint)) {
        bool first = true;
        tpl_put_str(b, "{");
        json_object_foreach ((json_t *)j, key, x) {
            if (!first)
                tpl_put_str(b, " ");
            first = false;
            tpl_put_value(b, x, key);
        }
        tpl_put_str(b, "}");
        return;
    }
    const char **keys = tpl_sorted_keys(j, &n);
    tpl_put_str(b, "map[");
    for (i = 0; i < n; i++) {
        if (i > 0)
            tpl_put_str(b, " ");
        tpl_put_str(b, keys[i]);
        tpl_put_str(b, ":");
        tpl_put_value(b, json_object_get(j, keys[i]), keys[i]);
    }
    tpl_put_str(b, "]");
    free(keys);
}

char *tpl_val_text(const struct val *v)
{
    struct hull_strbuf b = {0};

    hull_strbuf_put(&b, "", 0);
    tpl_put_value(&b, v->j, v->hint);
    return b.p;
}

/* Go's truth: false, 0, nil and empty strings, slices and maps are false;
 * a struct is always true. */
bool tpl_truth(const struct val *v)
{
    const json_t *j = v->j;

    switch (j != NULL ? json_typeof(j) : JSON_NULL) {
    case JSON_TRUE:
        return true;
    case JSON_INTEGER:
        return json_integer_value(j) != 0;
    case JSON_REAL:
        return json_real_value(j) != 0;
    case JSON_STRING:
        return json_string_length(j) > 0;
    case JSON_ARRAY:
        return json_array_size(j) > 0;
    case JSON_OBJECT:
        return json_object_size(j) > 0 || tpl_is_struct(j, v->hint);
    default:
        return false;
    }
}

const char *tpl_type_name(const json_t *j, const char *hint)
{
    static const char *const names[] = {
        [JSON_OBJECT] = "map",  [JSON_ARRAY] = "slice",  [JSON_STRING] = "string",
        [JSON_INTEGER] = "int", [JSON_REAL] = "float64", [JSON_TRUE] = "bool",
        [JSON_FALSE] = "bool",  [JSON_NULL] = "nil",
    };
    if (j == NULL)
        return "invalid value";
    return tpl_is_struct(j, hint) ? "struct" : names[json_typeof(j)];
}
