#include "opts.h"
#include "util.h"

#include <string.h>

int hull_parse_bool(const char *s, bool *out)
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

static const struct hull_flag *find_long(const struct hull_flag *flags, const char *name,
                                         size_t len)
{
    for (const struct hull_flag *f = flags; f->name != NULL; f++)
        if (strlen(f->name) == len && strncmp(f->name, name, len) == 0)
            return f;
    return NULL;
}

static const struct hull_flag *find_short(const struct hull_flag *flags, char c)
{
    for (const struct hull_flag *f = flags; f->name != NULL; f++)
        if (f->shorthand == c)
            return f;
    return NULL;
}

/* Stores VALUE for F; SHOWN names the flag in messages ("--rm", "'i' in
 * -it"). */
static int set_value(const struct hull_flag *f, const char *value, void *dst, const char *shown,
                     hull_error **err)
{
    char *slot = (char *)dst + f->offset;

    switch (f->type) {
    case HULL_FLAG_BOOL:
        if (value == NULL) {
            *(bool *)slot = true;
        } else if (hull_parse_bool(value, (bool *)slot) < 0) {
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 "invalid argument \"%s\" for \"%s\" flag: not a boolean", value,
                                 shown);
        }
        return 0;
    case HULL_FLAG_STRING:
        *(const char **)slot = value;
        return 0;
    case HULL_FLAG_LIST:
        strv_append((char ***)slot, value);
        return 0;
    }
    return 0;
}

/* "--name", "--name=value" or "--name value": consumes ARGV[*i] and maybe
 * the next word. */
static int parse_long(const struct hull_flag *flags, int argc, char **argv, int *i, void *dst,
                      struct hull_args *out, hull_error **err)
{
    const char *word = argv[*i] + 2;
    const char *eq = strchr(word, '=');
    size_t len = eq != NULL ? (size_t)(eq - word) : strlen(word);
    const struct hull_flag *f = find_long(flags, word, len);
    const char *value = eq != NULL ? eq + 1 : NULL;
    _cleanup_free_ char *shown = xasprintf("--%.*s", (int)len, word);

    if (f == NULL) {
        if (len == 4 && strncmp(word, "help", 4) == 0) {
            out->help = true;
            return 0;
        }
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "unknown flag: %s", shown);
    }
    if (f->type != HULL_FLAG_BOOL && value == NULL) {
        if (*i + 1 >= argc)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "flag needs an argument: %s", shown);
        value = argv[++*i];
    }
    return set_value(f, value, dst, shown, err);
}

/* "-abc", where a value flag takes the rest of the word ("-eK=V",
 * "-e=K=V") or, at its end, the next word. */
static int parse_short(const struct hull_flag *flags, int argc, char **argv, int *i, void *dst,
                       struct hull_args *out, hull_error **err)
{
    const char *word = argv[*i];

    for (const char *p = word + 1; *p != '\0'; p++) {
        const struct hull_flag *f = find_short(flags, *p);
        _cleanup_free_ char *shown = xasprintf("'%c' in %s", *p, word);
        const char *value = NULL;

        if (f == NULL) {
            if (*p == 'h') {
                out->help = true;
                continue;
            }
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "unknown shorthand flag: %s", shown);
        }
        if (p[1] == '=')
            value = p + 2;
        else if (f->type != HULL_FLAG_BOOL && p[1] != '\0')
            value = p + 1;
        else if (f->type != HULL_FLAG_BOOL) {
            if (*i + 1 >= argc)
                return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "flag needs an argument: %s",
                                     shown);
            value = argv[++*i];
        }
        if (set_value(f, value, dst, shown, err) < 0)
            return -1;
        /* A value, given or taken from the rest of the word, ends it. */
        if (value != NULL)
            return 0;
    }
    return 0;
}

int hull_flags_parse(const struct hull_flag *flags, bool interspersed, int argc, char **argv,
                     void *dst, struct hull_args *out, hull_error **err)
{
    bool flags_done = false;

    memset(out, 0, sizeof(*out));
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        int ret = 0;

        if (flags_done || a[0] != '-' || a[1] == '\0') {
            strv_append(&out->args, a);
            out->n++;
            if (!interspersed)
                flags_done = true;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            flags_done = true;
            continue;
        }
        if (a[1] == '-')
            ret = parse_long(flags, argc, argv, &i, dst, out, err);
        else
            ret = parse_short(flags, argc, argv, &i, dst, out, err);
        if (ret < 0) {
            hull_args_clear(out);
            return -1;
        }
    }
    return 0;
}

void hull_flags_free(const struct hull_flag *flags, void *dst)
{
    for (const struct hull_flag *f = flags; f->name != NULL; f++) {
        if (f->type == HULL_FLAG_LIST) {
            char ***slot = (char ***)((char *)dst + f->offset);
            strv_free(*slot);
            *slot = NULL;
        }
    }
}

void hull_args_clear(struct hull_args *a)
{
    strv_free(a->args);
    memset(a, 0, sizeof(*a));
}

void hull_flags_print(FILE *f, const struct hull_flag *flags)
{
    size_t width = 0;

    for (const struct hull_flag *fl = flags; fl->name != NULL; fl++) {
        size_t w = strlen(fl->name) + (fl->value_name ? strlen(fl->value_name) + 1 : 0);
        if (w > width)
            width = w;
    }
    fprintf(f, "Options:\n");
    for (const struct hull_flag *fl = flags; fl->name != NULL; fl++) {
        _cleanup_free_ char *left = xasprintf("%s%s%s", fl->name, fl->value_name ? " " : "",
                                              fl->value_name ? fl->value_name : "");
        if (fl->shorthand != 0)
            fprintf(f, "  -%c, --%-*s   %s\n", fl->shorthand, (int)width, left, fl->usage);
        else
            fprintf(f, "      --%-*s   %s\n", (int)width, left, fl->usage);
    }
}
