/* Docker's --format templates: the part of Go's text/template that
 * scripts use, evaluated over JSON values.
 *
 * Text and actions ("{{...}}", "{{- ... -}}" trimming spaces, Go's
 * comment actions); fields (".A.B"), "." and variables ("$", "$v",
 * "$v.A"); pipelines ("a | b", the left value passed as the last
 * argument), parenthesized pipelines, "$v := ..." and "$v = ..."; the
 * control actions if/else if/else, range (with "$i, $v :=", else, break
 * and continue) and with; the functions and, or, not, eq, ne, lt, le,
 * gt, ge, len, index, print, printf, println, json, join, split, upper,
 * lower, title, pad and truncate (Docker's own).
 *
 * Go's types are guessed from the JSON: an object whose keys all begin
 * with a capital letter is a struct (a missing field is an error, as in
 * Go), any other object is a map (a missing key is "<no value>"); a null
 * prints as Docker prints the nil value of the field's Go type ("[]" for
 * the slices, "map[]" for the maps Docker's objects hold, else "<nil>"). */
#ifndef HULL_TEMPLATE_H
#define HULL_TEMPLATE_H

#include "error.h"

#include <jansson.h>

struct hull_template;

/* Parses TMPL.  Errors are HULL_ERR_BAD_INPUT naming the template and the
 * line and column: "template \"{{if}}\": 1:2: missing value for if". */
int hull_template_parse(const char *tmpl, struct hull_template **out, hull_error **err);

/* The root object is a map, not a struct: unknown fields are "<no value>"
 * (for the header row of a table, made from the column titles). */
#define HULL_TEMPLATE_MAP_ROOT 1u

/* Renders T over V into a new string.  Errors name the template, the
 * position and the action: "... 1:2: executing at <.Bogus>: can't
 * evaluate field Bogus in type struct". */
int hull_template_exec(const struct hull_template *t, const json_t *v, unsigned flags, char **out,
                       hull_error **err);

void hull_template_free(struct hull_template *t);

/* hull_template_parse() then hull_template_exec(). */
int hull_template_render(const char *tmpl, const json_t *v, char **out, hull_error **err);

#endif
