/* The mount option table of runtime-spec config.md ("Linux mount options")
 * and the recursive mount_setattr(2) family, turned into flags.
 *
 * Options are applied in the order written, so a later option overrides an
 * earlier one ("ro" then "rw" leaves the mount writable).  The three atime
 * modes exclude each other: choosing one drops the others, as mount(8) does,
 * because the kernel's atime setting is one value, not three bits. */
#include "mountopts.h"
#include "util.h"

#include <errno.h>
#include <string.h>
#include <sys/mount.h>

enum opt_kind {
    OPT_NONE,      /* "defaults": no effect */
    OPT_SET,       /* sets MS_* flags */
    OPT_CLEAR,     /* clears MS_* flags */
    OPT_ATIME,     /* selects one MS_* atime mode */
    OPT_PROPAGATE, /* MS_SHARED, MS_SLAVE, ... (with MS_REC for r-forms) */
    OPT_REC_SET,   /* sets MOUNT_ATTR_* on the whole tree */
    OPT_REC_CLEAR, /* clears MOUNT_ATTR_* on the whole tree */
    OPT_REC_ATIME, /* selects one MOUNT_ATTR_* atime mode on the whole tree */
    OPT_BIND,
    OPT_RBIND,
    OPT_IDMAP,
    OPT_RIDMAP,
    OPT_TMPCOPYUP,
};

struct opt {
    const char *name;
    enum opt_kind kind;
    unsigned long value;
};

#define MS_ATIME_MODES (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)

/* Sorted by name so `hullrt features` lists them in a stable order. */
static const struct opt opt_table[] = {
    {"async", OPT_CLEAR, MS_SYNCHRONOUS},
    {"atime", OPT_CLEAR, MS_NOATIME},
    {"bind", OPT_BIND, 0},
    {"defaults", OPT_NONE, 0},
    {"dev", OPT_CLEAR, MS_NODEV},
    {"diratime", OPT_CLEAR, MS_NODIRATIME},
    {"dirsync", OPT_SET, MS_DIRSYNC},
    {"exec", OPT_CLEAR, MS_NOEXEC},
    {"idmap", OPT_IDMAP, 0},
    {"iversion", OPT_SET, MS_I_VERSION},
    {"lazytime", OPT_SET, MS_LAZYTIME},
    {"loud", OPT_CLEAR, MS_SILENT},
    {"mand", OPT_SET, MS_MANDLOCK},
    {"noatime", OPT_ATIME, MS_NOATIME},
    {"nodev", OPT_SET, MS_NODEV},
    {"nodiratime", OPT_SET, MS_NODIRATIME},
    {"noexec", OPT_SET, MS_NOEXEC},
    {"noiversion", OPT_CLEAR, MS_I_VERSION},
    {"nolazytime", OPT_CLEAR, MS_LAZYTIME},
    {"nomand", OPT_CLEAR, MS_MANDLOCK},
    {"norelatime", OPT_CLEAR, MS_RELATIME},
    {"nostrictatime", OPT_CLEAR, MS_STRICTATIME},
    {"nosuid", OPT_SET, MS_NOSUID},
    {"nosymfollow", OPT_SET, MS_NOSYMFOLLOW},
    {"private", OPT_PROPAGATE, MS_PRIVATE},
    {"ratime", OPT_REC_ATIME, MOUNT_ATTR_RELATIME},
    {"rbind", OPT_RBIND, 0},
    {"rdev", OPT_REC_CLEAR, MOUNT_ATTR_NODEV},
    {"rdiratime", OPT_REC_CLEAR, MOUNT_ATTR_NODIRATIME},
    {"relatime", OPT_ATIME, MS_RELATIME},
    {"remount", OPT_SET, MS_REMOUNT},
    {"rexec", OPT_REC_CLEAR, MOUNT_ATTR_NOEXEC},
    {"ridmap", OPT_RIDMAP, 0},
    {"rnoatime", OPT_REC_ATIME, MOUNT_ATTR_NOATIME},
    {"rnodev", OPT_REC_SET, MOUNT_ATTR_NODEV},
    {"rnodiratime", OPT_REC_SET, MOUNT_ATTR_NODIRATIME},
    {"rnoexec", OPT_REC_SET, MOUNT_ATTR_NOEXEC},
    {"rnorelatime", OPT_REC_ATIME, MOUNT_ATTR_RELATIME},
    {"rnostrictatime", OPT_REC_ATIME, MOUNT_ATTR_RELATIME},
    {"rnosuid", OPT_REC_SET, MOUNT_ATTR_NOSUID},
    {"rnosymfollow", OPT_REC_SET, MOUNT_ATTR_NOSYMFOLLOW},
    {"ro", OPT_SET, MS_RDONLY},
    {"rprivate", OPT_PROPAGATE, MS_PRIVATE | MS_REC},
    {"rrelatime", OPT_REC_ATIME, MOUNT_ATTR_RELATIME},
    {"rro", OPT_REC_SET, MOUNT_ATTR_RDONLY},
    {"rrw", OPT_REC_CLEAR, MOUNT_ATTR_RDONLY},
    {"rshared", OPT_PROPAGATE, MS_SHARED | MS_REC},
    {"rslave", OPT_PROPAGATE, MS_SLAVE | MS_REC},
    {"rstrictatime", OPT_REC_ATIME, MOUNT_ATTR_STRICTATIME},
    {"rsuid", OPT_REC_CLEAR, MOUNT_ATTR_NOSUID},
    {"rsymfollow", OPT_REC_CLEAR, MOUNT_ATTR_NOSYMFOLLOW},
    {"runbindable", OPT_PROPAGATE, MS_UNBINDABLE | MS_REC},
    {"rw", OPT_CLEAR, MS_RDONLY},
    {"shared", OPT_PROPAGATE, MS_SHARED},
    {"silent", OPT_SET, MS_SILENT},
    {"slave", OPT_PROPAGATE, MS_SLAVE},
    {"strictatime", OPT_ATIME, MS_STRICTATIME},
    {"suid", OPT_CLEAR, MS_NOSUID},
    {"symfollow", OPT_CLEAR, MS_NOSYMFOLLOW},
    {"sync", OPT_SET, MS_SYNCHRONOUS},
    {"tmpcopyup", OPT_TMPCOPYUP, 0},
    {"unbindable", OPT_PROPAGATE, MS_UNBINDABLE},
};

static const struct opt *opt_lookup(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(opt_table); i++)
        if (strcmp(opt_table[i].name, name) == 0)
            return &opt_table[i];
    return NULL;
}

bool hull_mount_opt_known(const char *name)
{
    return name != NULL && opt_lookup(name) != NULL;
}

const char *const *hull_mount_opt_names(void)
{
    static const char *names[ARRAY_SIZE(opt_table) + 1];

    if (names[0] == NULL)
        for (size_t i = 0; i < ARRAY_SIZE(opt_table); i++)
            names[i] = opt_table[i].name;
    return names;
}

static void set_flags(struct hull_mount_opts *o, unsigned long f)
{
    o->flags |= f;
    o->clear &= ~f;
}

static void clear_flags(struct hull_mount_opts *o, unsigned long f)
{
    o->flags &= ~f;
    o->clear |= f;
}

static void set_rec(struct hull_mount_opts *o, uint64_t set, uint64_t clr)
{
    o->rec_attr_set = (o->rec_attr_set & ~clr) | set;
    o->rec_attr_clr = (o->rec_attr_clr & ~set) | clr;
    o->has_rec_attrs = true;
}

static void append_data(struct hull_mount_opts *o, const char *s)
{
    if (o->data == NULL) {
        o->data = xstrdup(s);
        return;
    }
    char *joined = xasprintf("%s,%s", o->data, s);
    free(o->data);
    o->data = joined;
}

/* Applies one table entry.  PROP_NAME remembers which option chose the
 * propagation, to name both sides of a conflict. */
static int apply_opt(struct hull_mount_opts *o, const struct opt *opt, const char **prop_name,
                     hull_error **err)
{
    switch (opt->kind) {
    case OPT_NONE:
        break;
    case OPT_SET:
        set_flags(o, opt->value);
        break;
    case OPT_CLEAR:
        clear_flags(o, opt->value);
        break;
    case OPT_ATIME:
        clear_flags(o, MS_ATIME_MODES & ~opt->value);
        set_flags(o, opt->value);
        break;
    case OPT_PROPAGATE:
        /* One mount has one propagation type: two different requests
         * cannot both be honoured, and picking one would hide the other. */
        if (o->propagation != 0 && o->propagation != opt->value)
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                                 "conflicting propagation options \"%s\" and \"%s\"", *prop_name,
                                 opt->name);
        o->propagation = opt->value;
        *prop_name = opt->name;
        break;
    case OPT_REC_SET:
        set_rec(o, opt->value, 0);
        break;
    case OPT_REC_CLEAR:
        set_rec(o, 0, opt->value);
        break;
    case OPT_REC_ATIME:
        /* The kernel takes the atime mode as a whole: MOUNT_ATTR__ATIME
         * must be in attr_clr for any mode to be set. */
        o->rec_attr_set = (o->rec_attr_set & ~(uint64_t)MOUNT_ATTR__ATIME) | opt->value;
        o->rec_attr_clr |= MOUNT_ATTR__ATIME;
        o->has_rec_attrs = true;
        break;
    case OPT_BIND:
        o->bind = true;
        break;
    case OPT_RBIND:
        o->bind = true;
        o->rbind = true;
        break;
    case OPT_IDMAP:
        o->idmap = true;
        break;
    case OPT_RIDMAP:
        o->idmap = true;
        o->ridmap = true;
        break;
    case OPT_TMPCOPYUP:
        o->tmpcopyup = true;
        break;
    }
    return 0;
}

/* Combinations that have no meaning: a remount changes an existing mount,
 * so it cannot also create a recursive bind, an idmapped mount or copy
 * files up. */
static int check_combinations(const struct hull_mount_opts *o, hull_error **err)
{
    if (!(o->flags & MS_REMOUNT))
        return 0;
    if (o->rbind)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "option \"rbind\" cannot be combined with \"remount\" (use the "
                             "recursive \"r\" options to change a whole tree)");
    if (o->idmap)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "option \"%s\" cannot be combined with \"remount\"",
                             o->ridmap ? "ridmap" : "idmap");
    if (o->tmpcopyup)
        return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0,
                             "option \"tmpcopyup\" cannot be combined with \"remount\"");
    return 0;
}

int hull_mount_opts_parse(char *const *options, struct hull_mount_opts *out, hull_error **err)
{
    struct hull_mount_opts o = {0};
    const char *prop_name = NULL;

    for (size_t i = 0; options != NULL && options[i] != NULL; i++) {
        const char *name = options[i];
        const struct opt *opt;

        if (name[0] == '\0') {
            hull_mount_opts_clear(&o);
            return hull_err_kind(err, HULL_ERR_BAD_INPUT, 0, "empty mount option at index %zu", i);
        }
        opt = opt_lookup(name);
        if (opt == NULL) {
            append_data(&o, name);
            continue;
        }
        if (apply_opt(&o, opt, &prop_name, err) < 0) {
            hull_mount_opts_clear(&o);
            return -1;
        }
    }
    if (check_combinations(&o, err) < 0) {
        hull_mount_opts_clear(&o);
        return -1;
    }
    *out = o;
    return 0;
}

void hull_mount_opts_clear(struct hull_mount_opts *o)
{
    if (o == NULL)
        return;
    free(o->data);
    *o = (struct hull_mount_opts){0};
}
