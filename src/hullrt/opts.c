#include "opts.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

/* What one command line word is, once its dashes are stripped. */
struct flag_word {
    const char *name; /* after the dashes, up to '=' */
    size_t name_len;
    const char *value; /* after '=', NULL when absent */
    const char *text;  /* the word as written, for messages */
};

static const struct hullrt_opt *find_opt(const struct hullrt_opt *const *tables,
                                         const struct flag_word *w)
{
    for (; *tables != NULL; tables++) {
        for (const struct hullrt_opt *o = *tables; o->name != NULL; o++) {
            if (strlen(o->name) == w->name_len && strncmp(o->name, w->name, w->name_len) == 0)
                return o;
            if (w->name_len == 1 && o->short_name != 0 && o->short_name == w->name[0])
                return o;
        }
    }
    return NULL;
}

int hullrt_parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
    static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};

    for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
        if (strcmp(s, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcmp(s, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return -1;
}

/* Words that take part in flag parsing: "-x", "--x", "-x=v"; not "-" nor
 * "--" (handled by the caller). */
static bool is_flag_word(const char *arg)
{
    return arg[0] == '-' && arg[1] != '\0' && strcmp(arg, "--") != 0;
}

static void split_flag_word(const char *arg, struct flag_word *w)
{
    const char *name = arg + 1;
    const char *eq;

    if (*name == '-')
        name++;
    eq = strchr(name, '=');
    w->name = name;
    w->name_len = eq != NULL ? (size_t)(eq - name) : strlen(name);
    w->value = eq != NULL ? eq + 1 : NULL;
    w->text = arg;
}

static bool is_help_word(const struct flag_word *w)
{
    return (w->name_len == 4 && strncmp(w->name, "help", 4) == 0) ||
           (w->name_len == 1 && w->name[0] == 'h');
}

static int store_value(const struct hullrt_opt *o, const struct flag_word *w, const char *value,
                       void *dst, hull_error **err)
{
    char *field = (char *)dst + o->offset;
    int64_t n;
    bool b;

    switch (o->type) {
    case HULLRT_OPT_BOOL:
        if (value != NULL && hullrt_parse_bool(value, &b) < 0)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 "invalid boolean value \"%s\" for flag --%s", value, o->name);
        *(bool *)field = value == NULL ? true : b;
        return 0;
    case HULLRT_OPT_STRING:
        *(const char **)field = value;
        return 0;
    case HULLRT_OPT_INT:
        if (parse_int64(value, INT_MIN, INT_MAX, &n) < 0)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 "invalid value \"%s\" for flag --%s: expected an integer", value,
                                 o->name);
        *(int *)field = (int)n;
        return 0;
    case HULLRT_OPT_LIST:
        strv_append((char ***)field, value);
        return 0;
    }
    return hull_err(err, 0, "flag \"%s\" has an unknown type", w->text);
}

/* Handles the flag word ARGV[*I], consuming the next word as its value
 * when the flag takes one and has no "=value".  Returns 1 when the word is
 * an argument after all. */
static int parse_one_flag(const struct hullrt_opt *const *tables, int argc, char **argv, int *i,
                          void *dst, struct hullrt_parsed *out, hull_error **err)
{
    struct flag_word w;
    const struct hullrt_opt *o;
    const char *value;
    bool help;

    split_flag_word(argv[*i], &w);
    o = find_opt(tables, &w);
    if (o == NULL) {
        if (!is_help_word(&w)) {
            /* urfave/cli only moves defined flags ahead of the arguments:
             * an unknown dash word after an argument is an argument ("kill
             * ID -9"), before any it is an error. */
            if (out->nargs > 0)
                return 1;
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 "flag provided but not defined: \"%s\"", w.text);
        }
        if (w.value != NULL && hullrt_parse_bool(w.value, &help) < 0)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 "invalid boolean value \"%s\" for flag --help", w.value);
        out->help = w.value == NULL ? true : help;
        return 0;
    }
    value = w.value;
    if (o->type != HULLRT_OPT_BOOL && value == NULL) {
        if (*i + 1 >= argc)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "flag needs an argument: \"%s\"",
                                 w.text);
        value = argv[++*i];
    }
    return store_value(o, &w, value, dst, err);
}

int hullrt_parse_flags(const struct hullrt_opt *const *tables, int stop_after, int argc,
                       char **argv, void *dst, struct hullrt_parsed *out, hull_error **err)
{
    bool flags_done = false;

    out->args = xmalloc0(sizeof(char *) * ((size_t)argc + 1));
    out->nargs = 0;
    out->help = false;
    for (int i = 0; i < argc; i++) {
        int r = 1;

        if (!flags_done && strcmp(argv[i], "--") == 0) {
            flags_done = true;
            continue;
        }
        if (!flags_done && is_flag_word(argv[i]))
            r = parse_one_flag(tables, argc, argv, &i, dst, out, err);
        if (r < 0) {
            hullrt_parsed_clear(out);
            return -1;
        }
        if (r == 1) {
            out->args[out->nargs++] = argv[i];
            if (stop_after >= 0 && out->nargs > stop_after)
                flags_done = true;
        }
    }
    return 0;
}

void hullrt_parsed_clear(struct hullrt_parsed *p)
{
    free(p->args);
    p->args = NULL;
    p->nargs = 0;
}

void hullrt_opts_free(const struct hullrt_opt *const *tables, void *dst)
{
    for (; *tables != NULL; tables++)
        for (const struct hullrt_opt *o = *tables; o->name != NULL; o++)
            if (o->type == HULLRT_OPT_LIST)
                strv_freep((char ***)((char *)dst + o->offset));
}

int hullrt_check_args(const char *cmd, int nargs, int min, int max, hull_error **err)
{
    if (min == max && nargs != min)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "\"%s\" requires exactly %d argument(s)",
                             cmd, min);
    if (nargs < min)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "\"%s\" requires a minimum of %d argument(s)", cmd, min);
    if (max >= 0 && nargs > max)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "\"%s\" requires a maximum of %d argument(s)", cmd, max);
    return 0;
}

char *hullrt_clean_abs_path(const char *path)
{
    char *out = xmalloc(strlen(path) + 2);
    size_t len = 1;
    const char *p = path;

    out[0] = '/';
    while (*p != '\0') {
        const char *start;
        size_t n;

        while (*p == '/')
            p++;
        start = p;
        while (*p != '\0' && *p != '/')
            p++;
        n = (size_t)(p - start);
        if (n == 0 || (n == 1 && start[0] == '.'))
            continue;
        if (n == 2 && start[0] == '.' && start[1] == '.') {
            /* ".." at the root stays at the root, as in the kernel. */
            while (len > 1 && out[len - 1] != '/')
                len--;
            if (len > 1)
                len--;
            continue;
        }
        if (len > 1)
            out[len++] = '/';
        memcpy(out + len, start, n);
        len += n;
    }
    out[len] = '\0';
    return out;
}

int hullrt_abs_path(const char *path, char **out, hull_error **err)
{
    _cleanup_free_ char *cwd = NULL;
    _cleanup_free_ char *joined = NULL;

    if (path[0] == '/') {
        *out = hullrt_clean_abs_path(path);
        return 0;
    }
    cwd = getcwd(NULL, 0);
    if (cwd == NULL)
        return hull_err(err, errno, "make \"%s\" absolute: get the current directory", path);
    joined = xasprintf("%s/%s", cwd, path);
    *out = hullrt_clean_abs_path(joined);
    return 0;
}

/* "-b, --bundle DIR" or "    --pid-file FILE". */
static char *option_left(const struct hullrt_opt *o)
{
    const char *value = o->value_name != NULL ? o->value_name : "";
    const char *sep = o->value_name != NULL ? " " : "";

    if (o->short_name != 0)
        return xasprintf("-%c, --%s%s%s", o->short_name, o->name, sep, value);
    return xasprintf("    --%s%s%s", o->name, sep, value);
}

/* Help lines fit a terminal of HELP_COLUMNS: a long text continues on the
 * next lines, aligned under its start. */
#define HELP_COLUMNS   80
#define HELP_MIN_WIDTH 32

static void print_wrapped(FILE *f, const char *text, int col)
{
    int avail = HELP_COLUMNS - col > HELP_MIN_WIDTH ? HELP_COLUMNS - col : HELP_MIN_WIDTH;
    int used = 0;

    while (*text != '\0') {
        int n = (int)strcspn(text, " ");

        if (used > 0 && used + 1 + n > avail) {
            fprintf(f, "\n%*s", col, "");
            used = 0;
        } else if (used > 0) {
            fputc(' ', f);
            used++;
        }
        fprintf(f, "%.*s", n, text);
        used += n;
        text += n;
        while (*text == ' ')
            text++;
    }
    fputc('\n', f);
}

static void print_option_line(FILE *f, const char *left, int width, const char *help,
                              const char *def)
{
    _cleanup_free_ char *text =
        def != NULL ? xasprintf("%s (default: %s)", help, def) : xstrdup(help);

    fprintf(f, "    %-*s  ", width, left);
    print_wrapped(f, text, 4 + width + 2);
}

void hullrt_print_options(FILE *f, const struct hullrt_opt *const *tables)
{
    static const struct hullrt_opt help_opt = {
        "help", 'h', HULLRT_OPT_BOOL, 0, NULL, NULL, "show this help and exit",
    };
    _cleanup_free_ char *help_left = option_left(&help_opt);
    int width = (int)strlen(help_left);

    for (const struct hullrt_opt *const *t = tables; *t != NULL; t++) {
        for (const struct hullrt_opt *o = *t; o->name != NULL; o++) {
            _cleanup_free_ char *left = option_left(o);
            if ((int)strlen(left) > width)
                width = (int)strlen(left);
        }
    }
    for (const struct hullrt_opt *const *t = tables; *t != NULL; t++) {
        for (const struct hullrt_opt *o = *t; o->name != NULL; o++) {
            _cleanup_free_ char *left = option_left(o);
            print_option_line(f, left, width, o->help, o->def);
        }
    }
    print_option_line(f, help_left, width, help_opt.help, NULL);
}
