/* The parsed form of a template (template.h), shared by the parser
 * (template.c) and the evaluator (template_exec.c).  Positions are byte
 * offsets into the template's text. */
#ifndef HULL_TEMPLATE_TREE_H
#define HULL_TEMPLATE_TREE_H

#include "error.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct tpl_pipe;

enum tpl_arg_kind {
    TPL_ARG_DOT,   /* "." or ".A.B": FIELDS on dot */
    TPL_ARG_VAR,   /* "$v.A": FIELDS on variable NAME ("$" is the root) */
    TPL_ARG_PAREN, /* "(pipeline).A": FIELDS on PIPE's value */
    TPL_ARG_FUNC,  /* a function NAME */
    TPL_ARG_CONST, /* a string, number, true, false or nil: VALUE */
};

struct tpl_arg {
    enum tpl_arg_kind kind;
    size_t pos;
    char *name;
    char **fields; /* NULL-terminated, NULL for none */
    json_t *value;
    struct tpl_pipe *pipe;
};

/* One command of a pipeline: a function and its arguments, or a single
 * operand. */
struct tpl_cmd {
    size_t pos, len; /* its text, quoted in errors */
    struct tpl_arg *args;
    size_t n;
};

struct tpl_pipe {
    size_t pos;
    char *vars[2]; /* "$a, $b := ..." */
    size_t nvars;
    bool assign; /* "=" rather than ":=" */
    struct tpl_cmd *cmds;
    size_t n;
};

enum tpl_node_kind {
    TPL_TEXT,
    TPL_ACTION,
    TPL_IF,
    TPL_RANGE,
    TPL_WITH,
    TPL_BREAK,
    TPL_CONTINUE,
};

struct tpl_list {
    struct tpl_node **nodes;
    size_t n;
};

struct tpl_node {
    enum tpl_node_kind kind;
    size_t pos;
    char *text; /* TPL_TEXT */
    size_t len;
    struct tpl_pipe *pipe;
    struct tpl_list list, else_list; /* TPL_IF, TPL_RANGE, TPL_WITH */
};

struct hull_template {
    char *text;
    struct tpl_list root;
};

/* "template \"TEXT\": LINE:COL: " followed by the formatted message;
 * returns -1. */
int tpl_error(const char *text, size_t pos, hull_error **err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Whether NAME is one of the template functions (template_exec.c). */
bool tpl_func_known(const char *name);

#endif
