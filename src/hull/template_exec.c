/* The template evaluator: walks the tree of template_tree.h over a JSON
 * value, the way Go's text/template walks Docker's objects (template.h
 * says how Go's types are guessed from JSON). */
#include "template.h"
#include "template_eval.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- the walk ---- */

enum { WALK_OK = 0, WALK_BREAK = 1, WALK_CONTINUE = 2 };

int tpl_exec_error(struct exec *x, const struct tpl_cmd *cmd, size_t pos, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return tpl_error(x->t->text, pos, x->err, "executing at <%.*s>: %s", (int)(cmd ? cmd->len : 0),
                     cmd ? x->t->text + cmd->pos : "", msg);
}

static void var_push(struct exec *x, const char *name, struct val v)
{
    x->vars = xrealloc(x->vars, (x->nvars + 1) * sizeof(*x->vars));
    x->vars[x->nvars++] = (struct var){.name = xstrdup(name), .v = v};
}

static void vars_pop_to(struct exec *x, size_t n)
{
    while (x->nvars > n) {
        x->nvars--;
        free(x->vars[x->nvars].name);
        tpl_val_clear(&x->vars[x->nvars].v);
    }
}

static struct var *var_find(struct exec *x, const char *name)
{
    for (size_t i = x->nvars; i > 0; i--)
        if (strcmp(x->vars[i - 1].name, name) == 0)
            return &x->vars[i - 1];
    return NULL;
}

/* Replaces *V by its field NAME. */
static int field(struct exec *x, const struct tpl_cmd *cmd, size_t pos, struct val *v,
                 const char *name)
{
    json_t *j = v->j, *f;

    if (j == NULL)
        return 0;
    if (json_is_null(j))
        return tpl_exec_error(x, cmd, pos, "nil pointer evaluating %s.%s", v->hint ? v->hint : "",
                              name);
    if (!json_is_object(j))
        return tpl_exec_error(x, cmd, pos, "can't evaluate field %s in type %s", name,
                              tpl_type_name(j, v->hint));
    f = json_object_get(j, name);
    if (f == NULL && !(x->flags & HULL_TEMPLATE_MAP_ROOT) && tpl_is_struct(j, v->hint))
        return tpl_exec_error(x, cmd, pos, "can't evaluate field %s in type struct", name);
    v->j = f != NULL ? json_incref(f) : NULL;
    v->hint = name;
    json_decref(j);
    return 0;
}

static int fields(struct exec *x, const struct tpl_cmd *cmd, const struct tpl_arg *a, struct val *v)
{
    for (size_t i = 0; a->fields != NULL && a->fields[i] != NULL; i++) {
        if (field(x, cmd, a->pos, v, a->fields[i]) < 0) {
            tpl_val_clear(v);
            return -1;
        }
    }
    return 0;
}

static int eval_pipe(struct exec *x, const struct tpl_pipe *pipe, const struct val *dot,
                     struct val *out);
static int call(struct exec *x, const struct tpl_cmd *cmd, const struct val *dot,
                const struct val *final, struct val *out);

static int eval_arg(struct exec *x, const struct tpl_cmd *cmd, const struct tpl_arg *a,
                    const struct val *dot, struct val *out)
{
    struct var *var;

    switch (a->kind) {
    case TPL_ARG_DOT:
        *out = (struct val){json_incref(dot->j), dot->hint};
        break;
    case TPL_ARG_VAR:
        if ((var = var_find(x, a->name)) == NULL)
            return tpl_exec_error(x, cmd, a->pos, "undefined variable \"%s\"", a->name);
        *out = (struct val){json_incref(var->v.j), var->v.hint};
        break;
    case TPL_ARG_PAREN:
        if (eval_pipe(x, a->pipe, dot, out) < 0)
            return -1;
        break;
    case TPL_ARG_CONST:
        *out = tpl_val_new(json_incref(a->value));
        break;
    case TPL_ARG_FUNC: {
        struct tpl_cmd alone = {
            .pos = a->pos, .len = strlen(a->name), .args = (struct tpl_arg *)a, .n = 1};
        return call(x, &alone, dot, NULL, out);
    }
    }
    return fields(x, cmd, a, out);
}

/* The value of label KEY in LABELS: "k=v,k2=v2" as listings show them,
 * or an object; "" when absent. */
static json_t *label_value(const json_t *labels, const char *key)
{
    const char *s = json_string_value(labels), *p = s;
    size_t klen = strlen(key);

    if (json_is_object(labels)) {
        const char *v = json_string_value(json_object_get(labels, key));
        return json_string(v != NULL ? v : "");
    }
    while (p != NULL && *p != '\0') {
        const char *end = strchr(p, ',');
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        if (len > klen && strncmp(p, key, klen) == 0 && p[klen] == '=')
            return json_stringn(p + klen + 1, len - klen - 1);
        p = end != NULL ? end + 1 : NULL;
    }
    return json_string("");
}

/* The one method of Docker's formatter objects that scripts call with an
 * argument: ".Label KEY" (or "KEY | .Label"), a label's value. */
static int call_label(struct exec *x, const struct tpl_cmd *cmd, const struct val *dot,
                      const struct val *final, struct val *out)
{
    const struct tpl_arg *first = &cmd->args[0];
    size_t nf = strv_len(first->fields);
    struct tpl_arg base = *first;
    struct val recv, key = {0};
    int ret = -1;

    if (first->kind == TPL_ARG_CONST || nf == 0 || strcmp(first->fields[nf - 1], "Label") != 0 ||
        cmd->n + (final != NULL) != 2)
        return tpl_exec_error(x, cmd, first->pos, "can't give argument to non-function %.*s",
                              (int)cmd->len, x->t->text + cmd->pos);
    base.fields = NULL;
    if (eval_arg(x, cmd, &base, dot, &recv) < 0)
        return -1;
    for (size_t i = 0; i + 1 < nf; i++)
        if (field(x, cmd, first->pos, &recv, first->fields[i]) < 0)
            goto out;
    if (final != NULL)
        key = (struct val){json_incref(final->j), final->hint};
    else if (eval_arg(x, cmd, &cmd->args[1], dot, &key) < 0)
        goto out;
    if (!json_is_object(recv.j) || !json_is_string(key.j)) {
        tpl_exec_error(x, cmd, first->pos, "can't call method Label on %s with %s",
                       tpl_type_name(recv.j, recv.hint), tpl_type_name(key.j, NULL));
        goto out;
    }
    *out = tpl_val_new(label_value(json_object_get(recv.j, "Labels"), json_string_value(key.j)));
    ret = 0;
out:
    tpl_val_clear(&recv);
    tpl_val_clear(&key);
    return ret;
}

/* Runs command CMD: a function with its arguments (and FINAL, the value
 * piped in, last), or a single operand. */
static int call(struct exec *x, const struct tpl_cmd *cmd, const struct val *dot,
                const struct val *final, struct val *out)
{
    const struct tpl_arg *first = &cmd->args[0];
    struct val *args;
    size_t n = 0;
    int ret = -1;

    if (first->kind != TPL_ARG_FUNC) {
        if (cmd->n > 1 || final != NULL)
            return call_label(x, cmd, dot, final, out);
        return eval_arg(x, cmd, first, dot, out);
    }
    tpl_fn fn = tpl_func_find(first->name);
    if (fn == NULL)
        return tpl_exec_error(x, cmd, first->pos, "function \"%s\" not defined", first->name);
    args = xmalloc0((cmd->n + 1) * sizeof(*args));
    for (size_t i = 1; i < cmd->n; i++, n++)
        if (eval_arg(x, cmd, &cmd->args[i], dot, &args[n]) < 0)
            goto out;
    if (final != NULL)
        args[n++] = (struct val){json_incref(final->j), final->hint};
    ret = fn(x, cmd, args, n, out);
out:
    for (size_t i = 0; i < n; i++)
        tpl_val_clear(&args[i]);
    free(args);
    return ret;
}

/* The value of PIPE; its variables are declared (or assigned) on the way. */
static int eval_pipe(struct exec *x, const struct tpl_pipe *pipe, const struct val *dot,
                     struct val *out)
{
    struct val v = {0}, next;

    for (size_t i = 0; i < pipe->n; i++) {
        if (call(x, &pipe->cmds[i], dot, i > 0 ? &v : NULL, &next) < 0) {
            tpl_val_clear(&v);
            return -1;
        }
        tpl_val_clear(&v);
        v = next;
    }
    if (pipe->nvars == 1 && !pipe->assign && pipe->vars[0] != NULL) {
        var_push(x, pipe->vars[0], (struct val){json_incref(v.j), v.hint});
    } else if (pipe->nvars == 1) {
        struct var *var = var_find(x, pipe->vars[0]);
        if (var == NULL) {
            tpl_val_clear(&v);
            return tpl_exec_error(x, &pipe->cmds[0], pipe->pos, "undefined variable \"%s\"",
                                  pipe->vars[0]);
        }
        tpl_val_clear(&var->v);
        var->v = (struct val){json_incref(v.j), v.hint};
    }
    *out = v;
    return 0;
}

static int walk_list(struct exec *x, const struct tpl_list *l, const struct val *dot);

static int walk_range_one(struct exec *x, const struct tpl_node *n, json_t *key, json_t *elem,
                          const char *hint)
{
    size_t mark = x->nvars;
    struct val dot = {elem, hint};
    int r;

    if (n->pipe->nvars == 2) {
        var_push(x, n->pipe->vars[0], tpl_val_new(json_incref(key)));
        var_push(x, n->pipe->vars[1], (struct val){json_incref(elem), hint});
    } else if (n->pipe->nvars == 1) {
        var_push(x, n->pipe->vars[0], (struct val){json_incref(elem), hint});
    }
    r = walk_list(x, &n->list, &dot);
    vars_pop_to(x, mark);
    return r;
}

static int walk_range(struct exec *x, const struct tpl_node *n, const struct val *v,
                      const struct val *dot)
{
    const json_t *j = v->j;
    size_t i, count = 0;
    json_t *e;
    int r = 0;

    if (json_is_array(j)) {
        json_array_foreach (j, i, e) {
            json_t *key = json_integer((json_int_t)i);
            r = walk_range_one(x, n, key, e, NULL);
            json_decref(key);
            count++;
            if (r < 0 || r == WALK_BREAK)
                break;
        }
    } else if (json_is_object(j)) {
        const char **keys = tpl_sorted_keys(j, &count);
        for (i = 0; i < count; i++) {
            json_t *key = json_string(keys[i]);
            r = walk_range_one(x, n, key, json_object_get(j, keys[i]), keys[i]);
            json_decref(key);
            if (r < 0 || r == WALK_BREAK)
                break;
        }
        free(keys);
    } else if (j != NULL && !json_is_null(j)) {
        _cleanup_free_ char *text = tpl_val_text(v);
        return tpl_exec_error(x, &n->pipe->cmds[n->pipe->n - 1], n->pipe->pos,
                              "range can't iterate over %s", text);
    }
    if (r < 0)
        return -1;
    return count == 0 ? walk_list(x, &n->else_list, dot) : 0;
}

static int walk_node(struct exec *x, const struct tpl_node *n, const struct val *dot)
{
    size_t mark = x->nvars;
    struct val v = {0};
    int r = 0;

    switch (n->kind) {
    case TPL_TEXT:
        hull_strbuf_put(&x->out, n->text, n->len);
        return 0;
    case TPL_BREAK:
        return WALK_BREAK;
    case TPL_CONTINUE:
        return WALK_CONTINUE;
    default:
        break;
    }
    /* range declares its variables for each element itself */
    if (n->kind == TPL_RANGE && n->pipe->nvars > 0) {
        struct tpl_pipe bare = *n->pipe;
        bare.nvars = 0;
        r = eval_pipe(x, &bare, dot, &v);
    } else {
        r = eval_pipe(x, n->pipe, dot, &v);
    }
    if (r < 0)
        return -1;
    switch (n->kind) {
    case TPL_ACTION:
        if (n->pipe->nvars == 0)
            tpl_put_value(&x->out, v.j, v.hint);
        mark = x->nvars; /* a declaration lasts to the end of the enclosing block */
        break;
    case TPL_IF:
        r = walk_list(x, tpl_truth(&v) ? &n->list : &n->else_list, dot);
        break;
    case TPL_WITH:
        r = tpl_truth(&v) ? walk_list(x, &n->list, &v) : walk_list(x, &n->else_list, dot);
        break;
    case TPL_RANGE:
        r = walk_range(x, n, &v, dot);
        break;
    default:
        break;
    }
    tpl_val_clear(&v);
    vars_pop_to(x, mark);
    return r;
}

static int walk_list(struct exec *x, const struct tpl_list *l, const struct val *dot)
{
    size_t mark = x->nvars;
    int r = 0;

    for (size_t i = 0; i < l->n && r == 0; i++)
        r = walk_node(x, l->nodes[i], dot);
    vars_pop_to(x, mark);
    return r;
}

int hull_template_exec(const struct hull_template *t, const json_t *v, unsigned flags, char **out,
                       hull_error **err)
{
    struct exec x = {.t = t, .flags = flags, .err = err};
    struct val dot = {(json_t *)v, NULL};
    int r;

    hull_strbuf_put(&x.out, "", 0);
    var_push(&x, "$", tpl_val_new(json_incref((json_t *)v)));
    r = walk_list(&x, &t->root, &dot);
    vars_pop_to(&x, 0);
    free(x.vars);
    if (r < 0) {
        free(x.out.p);
        return -1;
    }
    *out = x.out.p;
    return 0;
}
