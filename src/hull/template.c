/* The template parser: text and actions into the tree of template_tree.h.
 * Each action is split into tokens, then read by recursive descent;
 * if, range and with gather the nodes up to their else and end. */
#include "template.h"
#include "template_tree.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int tpl_error(const char *text, size_t pos, hull_error **err, const char *fmt, ...)
{
    size_t line = 1, col = 0;
    char msg[512];
    va_list ap;

    for (size_t i = 0; i < pos && text[i] != '\0'; i++) {
        col++;
        if (text[i] == '\n')
            line++, col = 0;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "template \"%s\": %zu:%zu: %s", text, line,
                         col, msg);
}

/* ---- tokens ---- */

enum tok_kind {
    TOK_END, /* the action's closing "}}" */
    TOK_FIELD,
    TOK_VAR,
    TOK_IDENT,
    TOK_STRING,
    TOK_NUMBER,
    TOK_PIPE,
    TOK_LPAREN,
    TOK_RPAREN,
    TOK_DECLARE,
    TOK_ASSIGN,
    TOK_COMMA,
};

struct tok {
    enum tok_kind kind;
    size_t pos, len;
};

struct parser {
    const char *text;
    size_t pos;       /* where the scan of the text goes on */
    struct tok *toks; /* of the current action */
    size_t ntoks, next;
    size_t depth; /* of range, for break and continue */
    hull_error **err;
};

static bool ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

static int scan_string(struct parser *p, size_t *i)
{
    const char *s = p->text;
    char q = s[*i];
    size_t start = *i;

    for ((*i)++; s[*i] != q; (*i)++) {
        if (s[*i] == '\0' || (q == '"' && s[*i] == '\n'))
            return tpl_error(s, start, p->err, "unterminated quoted string");
        if (q == '"' && s[*i] == '\\' && s[*i + 1] != '\0')
            (*i)++;
    }
    (*i)++;
    return 0;
}

/* Splits the action starting at p->pos (after "{{" and its trim marker)
 * into tokens, up to "}}"; sets *TRIM when it ends with " -}}". */
static int tokenize(struct parser *p, bool *trim)
{
    const char *s = p->text;
    size_t i = p->pos;

    p->ntoks = p->next = 0;
    for (;;) {
        struct tok t = {.pos = i};
        char c = s[i];

        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            i++;
            continue;
        }
        if (c == '\0')
            return tpl_error(s, p->pos, p->err, "unclosed action");
        if (c == '-' && s[i + 1] == '}' && s[i + 2] == '}' && i > 0 &&
            isspace((unsigned char)s[i - 1]))
            *trim = true, i++, c = '}';
        if (c == '}' && s[i + 1] == '}') {
            t.kind = TOK_END;
            p->pos = i + 2;
        } else if (c == '.' || c == '$') {
            size_t j = i + 1;
            while (ident_char(s[j]) || (s[j] == '.' && ident_char(s[j + 1])))
                j++;
            t.kind = c == '.' ? TOK_FIELD : TOK_VAR;
            i = j;
        } else if (isalpha((unsigned char)c) || c == '_') {
            while (ident_char(s[i]))
                i++;
            t.kind = TOK_IDENT;
        } else if (isdigit((unsigned char)c) ||
                   ((c == '-' || c == '+') && isdigit((unsigned char)s[i + 1]))) {
            i++;
            while (isalnum((unsigned char)s[i]) || s[i] == '.' ||
                   ((s[i] == '-' || s[i] == '+') && tolower((unsigned char)s[i - 1]) == 'e'))
                i++;
            t.kind = TOK_NUMBER;
        } else if (c == '"' || c == '`') {
            if (scan_string(p, &i) < 0)
                return -1;
            t.kind = TOK_STRING;
        } else if (c == ':' && s[i + 1] == '=') {
            t.kind = TOK_DECLARE, i += 2;
        } else if (c == '=' || c == '|' || c == '(' || c == ')' || c == ',') {
            t.kind = c == '='   ? TOK_ASSIGN
                     : c == '|' ? TOK_PIPE
                     : c == '(' ? TOK_LPAREN
                     : c == ')' ? TOK_RPAREN
                                : TOK_COMMA;
            i++;
        } else {
            return tpl_error(s, i, p->err, "unexpected \"%c\" in action", c);
        }
        t.len = t.kind == TOK_END ? 2 : i - t.pos;
        p->toks = xrealloc(p->toks, (p->ntoks + 1) * sizeof(*p->toks));
        p->toks[p->ntoks++] = t;
        if (t.kind == TOK_END)
            return 0;
    }
}

static const struct tok *peek(struct parser *p)
{
    return &p->toks[p->next];
}

static bool tok_is(const struct parser *p, const struct tok *t, const char *word)
{
    return t->kind == TOK_IDENT && t->len == strlen(word) &&
           strncmp(p->text + t->pos, word, t->len) == 0;
}

static char *tok_text(const struct parser *p, const struct tok *t)
{
    return xstrndup(p->text + t->pos, t->len);
}

/* ---- freeing ---- */

static void pipe_free(struct tpl_pipe *pipe);

static void arg_clear(struct tpl_arg *a)
{
    free(a->name);
    strv_free(a->fields);
    json_decref(a->value);
    pipe_free(a->pipe);
}

static void pipe_free(struct tpl_pipe *pipe)
{
    if (pipe == NULL)
        return;
    for (size_t i = 0; i < pipe->n; i++) {
        for (size_t k = 0; k < pipe->cmds[i].n; k++)
            arg_clear(&pipe->cmds[i].args[k]);
        free(pipe->cmds[i].args);
    }
    free(pipe->cmds);
    free(pipe->vars[0]);
    free(pipe->vars[1]);
    free(pipe);
}

static void list_clear(struct tpl_list *l);

static void node_free(struct tpl_node *n)
{
    if (n == NULL)
        return;
    free(n->text);
    pipe_free(n->pipe);
    list_clear(&n->list);
    list_clear(&n->else_list);
    free(n);
}

static void list_clear(struct tpl_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        node_free(l->nodes[i]);
    free(l->nodes);
}

void hull_template_free(struct hull_template *t)
{
    if (t == NULL)
        return;
    list_clear(&t->root);
    free(t->text);
    free(t);
}

static void list_add(struct tpl_list *l, struct tpl_node *n)
{
    l->nodes = xrealloc(l->nodes, (l->n + 1) * sizeof(*l->nodes));
    l->nodes[l->n++] = n;
}

/* ---- operands and pipelines ---- */

static int parse_pipe(struct parser *p, bool in_paren, struct tpl_pipe **out);

/* ".A.B" after its first character: the field names. */
static char **split_fields(const char *s, size_t len)
{
    char **v = NULL;
    const char *end = s + len;

    while (s < end) {
        const char *dot = memchr(s, '.', (size_t)(end - s));
        size_t n = dot != NULL ? (size_t)(dot - s) : (size_t)(end - s);
        _cleanup_free_ char *f = xstrndup(s, n);
        strv_append(&v, f);
        s += n + 1;
    }
    return v;
}

/* A Go string literal: "..." with escapes, or `...` as it is. */
static json_t *unquote(const char *s, size_t len)
{
    _cleanup_free_ char *out = xmalloc(len + 1);
    size_t n = 0;

    for (size_t i = 1; i + 1 < len; i++) {
        char c = s[i];
        if (s[0] == '"' && c == '\\') {
            c = s[++i];
            c = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c == '0' ? '\0' : c;
        }
        out[n++] = c;
    }
    return json_stringn(out, n);
}

static json_t *number(const char *s, size_t len)
{
    _cleanup_free_ char *t = xstrndup(s, len);
    char *end;
    long long i;
    double d;

    errno = 0;
    i = strtoll(t, &end, 0);
    if (*end == '\0' && errno == 0)
        return json_integer(i);
    d = strtod(t, &end);
    return *end == '\0' ? json_real(d) : NULL;
}

static int parse_operand(struct parser *p, struct tpl_arg *a)
{
    const struct tok *t = &p->toks[p->next++];
    const char *s = p->text + t->pos;

    memset(a, 0, sizeof(*a));
    a->pos = t->pos;
    switch (t->kind) {
    case TOK_FIELD:
        a->kind = TPL_ARG_DOT;
        a->fields = t->len > 1 ? split_fields(s + 1, t->len - 1) : NULL;
        return 0;
    case TOK_VAR: {
        const char *dot = memchr(s, '.', t->len);
        size_t n = dot != NULL ? (size_t)(dot - s) : t->len;
        a->kind = TPL_ARG_VAR;
        a->name = xstrndup(s, n);
        a->fields = n < t->len ? split_fields(s + n + 1, t->len - n - 1) : NULL;
        return 0;
    }
    case TOK_STRING:
        a->kind = TPL_ARG_CONST;
        a->value = unquote(s, t->len);
        return 0;
    case TOK_NUMBER:
        a->kind = TPL_ARG_CONST;
        if ((a->value = number(s, t->len)) == NULL)
            return tpl_error(p->text, t->pos, p->err, "bad number syntax: \"%.*s\"", (int)t->len,
                             s);
        return 0;
    case TOK_LPAREN:
        a->kind = TPL_ARG_PAREN;
        if (parse_pipe(p, true, &a->pipe) < 0)
            return -1;
        /* "(...).Field": a field token right after the ")" */
        if (peek(p)->kind == TOK_FIELD && peek(p)->pos == p->toks[p->next - 1].pos + 1) {
            t = &p->toks[p->next++];
            a->fields = split_fields(p->text + t->pos + 1, t->len - 1);
        }
        return 0;
    case TOK_IDENT:
        if (tok_is(p, t, "true") || tok_is(p, t, "false")) {
            a->kind = TPL_ARG_CONST;
            a->value = json_boolean(s[0] == 't');
        } else if (tok_is(p, t, "nil")) {
            a->kind = TPL_ARG_CONST;
            a->value = json_null();
        } else {
            a->kind = TPL_ARG_FUNC;
            a->name = tok_text(p, t);
            if (!tpl_func_known(a->name))
                return tpl_error(p->text, t->pos, p->err, "function \"%s\" not defined", a->name);
        }
        return 0;
    default:
        if (t->kind == TOK_END)
            return tpl_error(p->text, t->pos, p->err, "missing value for command");
        return tpl_error(p->text, t->pos, p->err, "unexpected \"%.*s\" in operand", (int)t->len, s);
    }
}

static bool ends_command(enum tok_kind k)
{
    return k == TOK_END || k == TOK_PIPE || k == TOK_RPAREN;
}

static int parse_cmd(struct parser *p, struct tpl_cmd *cmd)
{
    cmd->pos = peek(p)->pos;
    while (!ends_command(peek(p)->kind)) {
        cmd->args = xrealloc(cmd->args, (cmd->n + 1) * sizeof(*cmd->args));
        /* counted first, so that a half-parsed operand is freed with it */
        if (parse_operand(p, &cmd->args[cmd->n++]) < 0)
            return -1;
    }
    if (cmd->n == 0)
        return tpl_error(p->text, peek(p)->pos, p->err, "missing value for command");
    cmd->len = p->toks[p->next - 1].pos + p->toks[p->next - 1].len - cmd->pos;
    return 0;
}

/* "$a, $b :=" or "$a =" at the start of a pipeline. */
static int parse_decl(struct parser *p, struct tpl_pipe *pipe)
{
    size_t i = p->next;

    if (p->toks[i].kind != TOK_VAR)
        return 0;
    if (p->toks[i + 1].kind == TOK_COMMA && p->toks[i + 2].kind == TOK_VAR &&
        p->toks[i + 3].kind == TOK_DECLARE) {
        pipe->vars[0] = tok_text(p, &p->toks[i]);
        pipe->vars[1] = tok_text(p, &p->toks[i + 2]);
        pipe->nvars = 2;
        p->next += 4;
    } else if (p->toks[i + 1].kind == TOK_DECLARE || p->toks[i + 1].kind == TOK_ASSIGN) {
        pipe->vars[0] = tok_text(p, &p->toks[i]);
        pipe->nvars = 1;
        pipe->assign = p->toks[i + 1].kind == TOK_ASSIGN;
        p->next += 2;
    } else {
        return 0;
    }
    for (size_t k = 0; k < pipe->nvars; k++)
        if (strchr(pipe->vars[k], '.') != NULL)
            return tpl_error(p->text, p->toks[i].pos, p->err, "unexpected \"%s\" in declaration",
                             pipe->vars[k]);
    return 0;
}

static int parse_pipe(struct parser *p, bool in_paren, struct tpl_pipe **out)
{
    struct tpl_pipe *pipe = xmalloc0(sizeof(*pipe));
    const struct tok *t;

    *out = pipe;
    pipe->pos = peek(p)->pos;
    if (!in_paren && parse_decl(p, pipe) < 0)
        return -1;
    for (;;) {
        pipe->cmds = xrealloc(pipe->cmds, (pipe->n + 1) * sizeof(*pipe->cmds));
        memset(&pipe->cmds[pipe->n], 0, sizeof(*pipe->cmds));
        if (parse_cmd(p, &pipe->cmds[pipe->n++]) < 0)
            return -1;
        t = &p->toks[p->next++];
        if (t->kind == TOK_PIPE)
            continue;
        if (t->kind == (in_paren ? TOK_RPAREN : TOK_END))
            return 0;
        if (t->kind == TOK_END)
            return tpl_error(p->text, t->pos, p->err, "unclosed left paren");
        return tpl_error(p->text, t->pos, p->err, "unexpected \"%.*s\" in operand", (int)t->len,
                         p->text + t->pos);
    }
}

/* ---- text and control structure ---- */

enum stop {
    STOP_EOF,
    STOP_END,
    STOP_ELSE,    /* a plain "{{else}}" */
    STOP_ELSE_IF, /* "{{else if ...}}": the tokens after "else" are unread */
    STOP_ELSE_WITH,
};

static int parse_list(struct parser *p, struct tpl_list *l, enum stop *stop);

static void add_text(struct tpl_list *l, const char *s, size_t n, size_t pos)
{
    struct tpl_node *node;

    if (n == 0)
        return;
    node = xmalloc0(sizeof(*node));
    node->kind = TPL_TEXT;
    node->pos = pos;
    node->text = xstrndup(s, n);
    node->len = n;
    list_add(l, node);
}

static const char *const control_names[] = {"if", "range", "with"};

/* The body of an if, range or with (its pipeline read), up to its end;
 * "else if" and "else with" become an if or with alone in the else list. */
static int parse_control(struct parser *p, struct tpl_node *n)
{
    enum stop stop;
    const char *name = control_names[n->kind - TPL_IF];
    size_t pos = n->pos;

    if (n->kind == TPL_RANGE)
        p->depth++;
    if (parse_list(p, &n->list, &stop) < 0)
        return -1;
    if (n->kind == TPL_RANGE)
        p->depth--;
    if (stop == STOP_ELSE && parse_list(p, &n->else_list, &stop) < 0)
        return -1;
    if (stop == STOP_ELSE_IF || stop == STOP_ELSE_WITH) {
        struct tpl_node *inner = xmalloc0(sizeof(*inner));
        list_add(&n->else_list, inner);
        inner->kind = stop == STOP_ELSE_IF ? TPL_IF : TPL_WITH;
        inner->pos = peek(p)->pos;
        if (parse_pipe(p, false, &inner->pipe) < 0)
            return -1;
        return parse_control(p, inner);
    }
    if (stop != STOP_END)
        return tpl_error(p->text, pos, p->err, "unexpected EOF: %s without end", name);
    return 0;
}

/* One action whose tokens are read: adds its node to L, or sets *STOP for
 * else and end. */
static int parse_action(struct parser *p, struct tpl_list *l, size_t pos, enum stop *stop)
{
    const struct tok *t = peek(p);
    struct tpl_node *n;

    if (tok_is(p, t, "end") || tok_is(p, t, "else")) {
        bool is_end = tok_is(p, t, "end");
        p->next++;
        t = peek(p);
        if (!is_end && (tok_is(p, t, "if") || tok_is(p, t, "with"))) {
            *stop = tok_is(p, t, "if") ? STOP_ELSE_IF : STOP_ELSE_WITH;
            p->next++;
            return 0;
        }
        if (t->kind != TOK_END)
            return tpl_error(p->text, t->pos, p->err, "unexpected \"%.*s\" in %s", (int)t->len,
                             p->text + t->pos, is_end ? "end" : "else");
        *stop = is_end ? STOP_END : STOP_ELSE;
        return 0;
    }
    n = xmalloc0(sizeof(*n));
    list_add(l, n);
    n->pos = pos;
    if (tok_is(p, t, "break") || tok_is(p, t, "continue")) {
        n->kind = tok_is(p, t, "break") ? TPL_BREAK : TPL_CONTINUE;
        if (p->depth == 0)
            return tpl_error(p->text, t->pos, p->err, "{{%.*s}} outside {{range}}", (int)t->len,
                             p->text + t->pos);
        if (p->toks[++p->next].kind != TOK_END)
            return tpl_error(p->text, peek(p)->pos, p->err, "unexpected \"%.*s\" in %.*s",
                             (int)peek(p)->len, p->text + peek(p)->pos, (int)t->len,
                             p->text + t->pos);
        return 0;
    }
    for (size_t k = 0; k < ARRAY_SIZE(control_names); k++) {
        if (!tok_is(p, t, control_names[k]))
            continue;
        n->kind = TPL_IF + (int)k;
        p->next++;
        if (peek(p)->kind == TOK_END)
            return tpl_error(p->text, t->pos, p->err, "missing value for %s", control_names[k]);
        if (parse_pipe(p, false, &n->pipe) < 0)
            return -1;
        return parse_control(p, n);
    }
    if (tok_is(p, t, "define") || tok_is(p, t, "template") || tok_is(p, t, "block"))
        return tpl_error(p->text, t->pos, p->err, "{{%.*s}} is not supported", (int)t->len,
                         p->text + t->pos);
    n->kind = TPL_ACTION;
    return parse_pipe(p, false, &n->pipe);
}

/* Reads text and actions into L until the end of the template, an else
 * or an end (*STOP says which). */
static int parse_list(struct parser *p, struct tpl_list *l, enum stop *stop)
{
    const char *s = p->text;

    for (;;) {
        const char *open = strstr(s + p->pos, "{{");
        size_t start = p->pos, n, at;
        bool trim_after = false;

        if (open == NULL) {
            add_text(l, s + start, strlen(s + start), start);
            *stop = STOP_EOF;
            return 0;
        }
        at = (size_t)(open - s);
        n = at - start;
        p->pos = at + 2;
        if (s[p->pos] == '-' && isspace((unsigned char)s[p->pos + 1])) {
            while (n > 0 && isspace((unsigned char)s[start + n - 1]))
                n--;
            p->pos++;
        }
        add_text(l, s + start, n, start);
        while (isspace((unsigned char)s[p->pos]) && s[p->pos + 1] == '/' && s[p->pos + 2] == '*')
            p->pos++;
        if (s[p->pos] == '/' && s[p->pos + 1] == '*') {
            const char *close = strstr(s + p->pos + 2, "*/");
            size_t after;
            if (close == NULL)
                return tpl_error(s, at, p->err, "unclosed comment");
            after = (size_t)(close - s) + 2;
            while (isspace((unsigned char)s[after]) || (s[after] == '-' && s[after + 1] == '}'))
                trim_after |= s[after] == '-', after++;
            if (strncmp(s + after, "}}", 2) != 0)
                return tpl_error(s, at, p->err, "comment ends before closing delimiter");
            p->pos = after + 2;
        } else {
            enum stop st = STOP_EOF;
            if (tokenize(p, &trim_after) < 0)
                return -1;
            if (peek(p)->kind == TOK_END)
                return tpl_error(s, at, p->err, "missing value for command");
            if (parse_action(p, l, at, &st) < 0)
                return -1;
            if (st != STOP_EOF) {
                if (trim_after)
                    while (isspace((unsigned char)s[p->pos]))
                        p->pos++;
                *stop = st;
                return 0;
            }
        }
        if (trim_after)
            while (isspace((unsigned char)s[p->pos]))
                p->pos++;
    }
}

int hull_template_parse(const char *tmpl, struct hull_template **out, hull_error **err)
{
    struct hull_template *t = xmalloc0(sizeof(*t));
    struct parser p = {.text = tmpl, .err = err};
    enum stop stop;
    int ret;

    t->text = xstrdup(tmpl);
    p.text = t->text;
    ret = parse_list(&p, &t->root, &stop);
    if (ret == 0 && stop != STOP_EOF)
        ret = tpl_error(p.text, p.pos, err, "unexpected {{%s}}", stop == STOP_END ? "end" : "else");
    free(p.toks);
    if (ret < 0) {
        hull_template_free(t);
        return -1;
    }
    *out = t;
    return 0;
}

int hull_template_render(const char *tmpl, const json_t *v, char **out, hull_error **err)
{
    struct hull_template *t;
    int ret;

    if (hull_template_parse(tmpl, &t, err) < 0)
        return -1;
    ret = hull_template_exec(t, v, 0, out, err);
    hull_template_free(t);
    return ret;
}
