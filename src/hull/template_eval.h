/* What the template evaluator's files share: template_exec.c walks the
 * tree, template_value.c prints and judges JSON values as Go would,
 * template_funcs.c holds the functions. */
#ifndef HULL_TEMPLATE_EVAL_H
#define HULL_TEMPLATE_EVAL_H

#include "template_tree.h"
#include "util.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Appends the string S. */
void tpl_put_str(struct hull_strbuf *b, const char *s);

/* A value: J NULL is Go's invalid value ("<no value>": a missing map
 * key); HINT the name of the field it came from, which tells the Go type
 * of a null.  J is an owned reference. */
struct val {
    json_t *j;
    const char *hint;
};

struct val tpl_val_new(json_t *j);
void tpl_val_clear(struct val *v);

/* A Go struct rather than a map: keys all capitalized, HINT not the name
 * of one of the maps of Docker's objects. */
bool tpl_is_struct(const json_t *o, const char *hint);

/* The keys of O, sorted as Go sorts a map's; free the array only. */
const char **tpl_sorted_keys(const json_t *o, size_t *n);

/* J as Go's fmt prints it with %v ("<no value>" for NULL). */
void tpl_put_value(struct hull_strbuf *b, const json_t *j, const char *hint);
char *tpl_val_text(const struct val *v);

/* Go's truth: false, 0, nil and empty strings, slices and maps are false;
 * a struct is always true. */
bool tpl_truth(const struct val *v);

/* "string", "int", "map", "struct", ... for messages. */
const char *tpl_type_name(const json_t *j, const char *hint);

struct var {
    char *name;
    struct val v;
};

/* The state of one execution. */
struct exec {
    const struct hull_template *t;
    unsigned flags;
    struct hull_strbuf out;
    struct var *vars;
    size_t nvars;
    hull_error **err;
};

/* An error at command CMD: "... executing at <CMD>: MSG"; returns -1. */
int tpl_exec_error(struct exec *x, const struct tpl_cmd *cmd, size_t pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A template function: ARGS (N of them, the piped value last) into *OUT,
 * or -1 after tpl_exec_error().  It may take the values out of ARGS. */
typedef int (*tpl_fn)(struct exec *x, const struct tpl_cmd *cmd, struct val *args, size_t n,
                      struct val *out);

/* The function NAME, NULL when there is none. */
tpl_fn tpl_func_find(const char *name);

#endif
