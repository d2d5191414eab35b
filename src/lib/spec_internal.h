/* Private to the config parser (spec.c, spec_json.c, spec_process.c,
 * spec_linux.c, spec_resources.c).
 *
 * The parser walks the jansson tree while keeping the path of the field it is
 * at ("linux.namespaces[1].type").  jansson keeps no positions, so when a
 * field is wrong the path is followed once more through the raw text to find
 * the line of the value: every error then reads
 * "config.json:14: process.user.uid: expected an integer, got a string".
 *
 * Getters for object members return 1 when the member is present, 0 when it
 * is absent (a JSON null counts as absent, as it does for Go's encoder that
 * wrote most configs) and -1 with *err set on a type or range error. */
#ifndef HULL_SPEC_INTERNAL_H
#define HULL_SPEC_INTERNAL_H

#include "spec.h"

#include <jansson.h>
#include <stdarg.h>

#define SPEC_MAX_DEPTH 24

static inline void spec_json_decrefp(json_t **j)
{
    json_decref(*j);
}
#define _cleanup_json_ __attribute__((cleanup(spec_json_decrefp)))

struct spec_path_elem {
    const char *key; /* NULL for an array element */
    size_t index;
};

struct spec_ctx {
    const char *name; /* the file, for messages */
    const char *raw;  /* its text as read */
    struct spec_path_elem path[SPEC_MAX_DEPTH];
    size_t depth;
};

/* Flags of the getters. */
enum {
    SPEC_REQUIRED = 1 << 0, /* absent is an error */
    SPEC_ABSOLUTE = 1 << 1, /* strings: must start with "/" */
    SPEC_NONEMPTY = 1 << 2, /* strings and arrays: must not be empty */
};

void spec_push_key(struct spec_ctx *c, const char *key);
void spec_push_index(struct spec_ctx *c, size_t index);
void spec_pop(struct spec_ctx *c);

/* Parses TEXT with jansson.  Integers beyond the int64 range (uint64 limits
 * such as RLIM_INFINITY, which jansson cannot hold) are parsed from a copy
 * in which they are blanked out as reals; the integer getters then read
 * their exact value from the raw text.  Syntax errors read
 * "NAME:LINE:COLUMN: invalid JSON: ...". */
json_t *spec_json_load(const char *text, const char *name, hull_error **err);

/* Line (1-based) of the value at the first DEPTH elements of the current
 * path, or 0 when it cannot be found. */
int spec_locate_line(const struct spec_ctx *c, size_t depth);

/* "process.user.uid" for the first DEPTH elements of the current path. */
char *spec_path_string(const struct spec_ctx *c, size_t depth);

/* Fails (kind HULL_ERR_BAD_INPUT) with "NAME:LINE: PATH: MESSAGE" about the
 * current path. */
int spec_fail(const struct spec_ctx *c, hull_error **err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The current path names a required member that is absent; the line is
 * that of the enclosing object. */
int spec_fail_missing(const struct spec_ctx *c, hull_error **err);

/* Fails with "NAME:LINE: MESSAGE" where MESSAGE comes from another module
 * (capabilities, id maps) and already names the field. */
int spec_fail_inner(const struct spec_ctx *c, const char *message, hull_error **err);

/* "a string", "an integer", ... for messages. */
const char *spec_type_name(const json_t *v);

/* The member KEY of OBJ, NULL when absent or null. */
json_t *spec_member(json_t *obj, const char *key);

/* Checks the type of the value at the current path. */
int spec_expect(const struct spec_ctx *c, const json_t *v, json_type type, hull_error **err);

/* Values at the current path. */
int spec_value_string(const struct spec_ctx *c, const json_t *v, int flags, char **out,
                      hull_error **err);
int spec_value_i64(const struct spec_ctx *c, const json_t *v, int64_t min, int64_t max,
                   int64_t *out, hull_error **err);
int spec_value_u64(const struct spec_ctx *c, const json_t *v, uint64_t max, uint64_t *out,
                   hull_error **err);

/* Members of OBJ (an object); the key is pushed while it is checked. */
int spec_get_object(struct spec_ctx *c, json_t *obj, const char *key, int flags, json_t **out,
                    hull_error **err);
int spec_get_array(struct spec_ctx *c, json_t *obj, const char *key, int flags, json_t **out,
                   hull_error **err);
int spec_get_string(struct spec_ctx *c, json_t *obj, const char *key, int flags, char **out,
                    hull_error **err);
int spec_get_bool(struct spec_ctx *c, json_t *obj, const char *key, int flags, bool *out,
                  hull_error **err);
int spec_get_i64(struct spec_ctx *c, json_t *obj, const char *key, int flags, int64_t min,
                 int64_t max, int64_t *out, hull_error **err);
int spec_get_u64(struct spec_ctx *c, json_t *obj, const char *key, int flags, uint64_t max,
                 uint64_t *out, hull_error **err);
int spec_get_u32(struct spec_ctx *c, json_t *obj, const char *key, int flags, uint32_t max,
                 uint32_t *out, hull_error **err);
/* An array of strings as a NULL-terminated vector (SPEC_ABSOLUTE applies to
 * every element). */
int spec_get_strv(struct spec_ctx *c, json_t *obj, const char *key, int flags, char ***out,
                  hull_error **err);
/* An object whose values are all strings: *kv receives 2 * *n strings,
 * key then value, in document order. */
int spec_get_string_map(struct spec_ctx *c, json_t *obj, const char *key, char ***kv, size_t *n,
                        hull_error **err);

/* Rejects a member the runtime cannot honour: "PATH is not supported". */
int spec_reject(struct spec_ctx *c, json_t *obj, const char *key, hull_error **err);

/* Sections, each in its own file. */
int spec_parse_process(struct spec_ctx *c, json_t *obj, struct hull_process *p, hull_error **err);
int spec_parse_linux(struct spec_ctx *c, json_t *obj, struct hull_linux *l, hull_error **err);
int spec_parse_resources(struct spec_ctx *c, json_t *obj, struct hull_resources *r,
                         hull_error **err);
/* An array of {containerID, hostID, size} at member KEY of OBJ, validated
 * with hull_idmap_validate. */
int spec_parse_idmaps(struct spec_ctx *c, json_t *obj, const char *key, struct hull_idmap **out,
                      size_t *n, hull_error **err);
/* Cross-field rules between linux and the rest of the config. */
int spec_check_linux(struct spec_ctx *c, const struct hull_spec *spec, hull_error **err);

/* "0-3,5": comma-separated CPU numbers and ascending ranges. */
bool spec_cpu_list_valid(const char *s);

void spec_linux_clear(struct hull_linux *l);
void spec_resources_clear(struct hull_resources *r);

#endif
