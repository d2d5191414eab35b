/* Docker's --format templates, the commonly used subset of Go's
 * text/template, rendered over a JSON object: literal text, "{{.Field}}"
 * and "{{.A.B}}" (strings as they are, other values as Go prints them),
 * "{{json .}}" and "{{json .A}}".  Anything else ({{range}}, {{if}},
 * pipes, functions other than json) is refused as not supported. */
#ifndef HULL_TEMPLATE_H
#define HULL_TEMPLATE_H

#include "error.h"

#include <jansson.h>

/* Renders TMPL over V into a new string.  Errors are HULL_ERR_BAD_INPUT
 * quoting the action. */
int hull_template_render(const char *tmpl, const json_t *v, char **out, hull_error **err);

#endif
