/* The --format of Docker's listing commands (ps, images, network ls,
 * volume ls): "table" for the command's default table, "table TEMPLATE"
 * for a header row of Docker's column titles and a row per object, both
 * aligned, "json" for an object per line, any other TEMPLATE for a line
 * per object.  The two characters "\t" and "\n" in a template stand for
 * a tab and a newline, as in Docker. */
#ifndef HULL_LISTFMT_H
#define HULL_LISTFMT_H

#include "error.h"
#include "format.h"
#include "template.h"

#include <jansson.h>
#include <stdbool.h>

/* A column title of a table: the title Docker gives field NAME. */
struct hull_list_header {
    const char *name, *title;
};

struct hull_list_format {
    struct hull_template *tmpl; /* NULL: json */
    bool table;
    struct hull_table *t;
    size_t ncols;
    char **lines; /* the rows of a template that is not a table */
};

/* Parses FORMAT (NULL or "table": DEFAULT_TABLE, itself "table ...") and,
 * for a table, renders its header row from HEADERS (N of them; a field
 * without a title prints "<no value>", as Docker's does).  Errors are the
 * template's (template.h). */
int hull_list_format_begin(struct hull_list_format *f, const char *format,
                           const char *default_table, const struct hull_list_header *headers,
                           size_t n, hull_error **err);

/* Adds the row for O.  Rows are kept until the end: as Docker, a
 * template failing on some row prints nothing. */
int hull_list_format_row(struct hull_list_format *f, const json_t *o, hull_error **err);

/* Prints the rows (with PRINT, after a success) and releases F. */
void hull_list_format_end(struct hull_list_format *f, bool print);

#endif
