#include "listfmt.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

static char *unescape(const char *s)
{
    char *out = xmalloc(strlen(s) + 1), *p = out;

    for (; *s != '\0'; s++) {
        if (s[0] == '\\' && (s[1] == 't' || s[1] == 'n')) {
            *p++ = s[1] == 't' ? '\t' : '\n';
            s++;
        } else {
            *p++ = *s;
        }
    }
    *p = '\0';
    return out;
}

/* A rendered line split at its tabs into the cells of a row.  The first
 * line (the header) sets the number of columns: a later line with fewer
 * tabs gets empty cells, one with more keeps them in its last cell. */
static void table_add_line(struct hull_list_format *f, const char *line)
{
    const char *start = line;
    char **cells;

    if (f->t == NULL) {
        f->ncols = 1;
        for (const char *p = line; *p != '\0'; p++)
            f->ncols += *p == '\t';
        f->t = hull_table_new(f->ncols);
    }
    cells = xmalloc0(f->ncols * sizeof(char *));
    for (size_t i = 0; i < f->ncols; i++) {
        const char *tab = i + 1 < f->ncols ? strchr(start, '\t') : NULL;
        cells[i] = tab != NULL ? xstrndup(start, (size_t)(tab - start)) : xstrdup(start);
        start = tab != NULL ? tab + 1 : start + strlen(start);
    }
    hull_table_add(f->t, cells);
    free(cells);
}

int hull_list_format_begin(struct hull_list_format *f, const char *format,
                           const char *default_table, const struct hull_list_header *headers,
                           size_t n, hull_error **err)
{
    _cleanup_free_ char *text = NULL;
    char *line = NULL;
    json_t *head;
    int ret;

    memset(f, 0, sizeof(*f));
    if (format != NULL && strcmp(format, "json") == 0)
        return 0;
    if (format == NULL || strcmp(format, "table") == 0)
        format = default_table;
    f->table = str_has_prefix(format, "table") && (format[5] == '\0' || format[5] == ' ');
    text = unescape(f->table ? format + 5 + strspn(format + 5, " ") : format);
    if (hull_template_parse(text, &f->tmpl, err) < 0)
        return -1;
    if (!f->table)
        return 0;
    head = json_object();
    for (size_t i = 0; i < n; i++)
        json_object_set_new(head, headers[i].name, json_string(headers[i].title));
    ret = hull_template_exec(f->tmpl, head, HULL_TEMPLATE_MAP_ROOT, &line, err);
    json_decref(head);
    if (ret < 0) {
        hull_list_format_end(f, false);
        return -1;
    }
    table_add_line(f, line);
    free(line);
    return 0;
}

int hull_list_format_row(struct hull_list_format *f, const json_t *o, hull_error **err)
{
    char *line = NULL;

    if (f->tmpl == NULL) {
        line = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    } else if (hull_template_exec(f->tmpl, o, 0, &line, err) < 0) {
        return -1;
    } else if (f->table) {
        table_add_line(f, line);
        free(line);
        return 0;
    }
    strv_append(&f->lines, line != NULL ? line : "");
    free(line);
    return 0;
}

void hull_list_format_end(struct hull_list_format *f, bool print)
{
    for (size_t i = 0; print && f->lines != NULL && f->lines[i] != NULL; i++)
        printf("%s\n", f->lines[i]);
    if (f->t != NULL) {
        if (print)
            hull_table_print(f->t, stdout);
        hull_table_free(f->t);
    }
    strv_free(f->lines);
    hull_template_free(f->tmpl);
    memset(f, 0, sizeof(*f));
}
