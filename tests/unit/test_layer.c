#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "error.h"
#include "layer.h"
#include "util.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

/* One archive member as the tests describe it; zero fields take defaults
 * (mode 0644/0755, owner 0:0, no mtime). */
struct ent {
    const char *path;
    mode_t type; /* AE_IFREG when 0 */
    int perm;
    const char *data;
    const char *link;     /* symlink target */
    const char *hardlink; /* hardlink target */
    int64_t uid, gid;
    time_t mtime;
    unsigned major, minor;
    const char *xname;
    const void *xval;
    size_t xlen;
};

struct fixture {
    char dir[64];
    int dirfd;
    char tag[32]; /* unique per run, for host paths that must stay absent */
};

static char *tar_buf;
static size_t tar_len;

static void build_tar(const struct ent *ents, size_t n)
{
    struct archive *w = archive_write_new();
    const size_t cap = 4 << 20;

    free(tar_buf);
    tar_buf = xmalloc(cap);
    assert_int_equal(archive_write_set_format_pax(w), ARCHIVE_OK);
    assert_int_equal(archive_write_open_memory(w, tar_buf, cap, &tar_len), ARCHIVE_OK);
    for (size_t i = 0; i < n; i++) {
        const struct ent *x = &ents[i];
        struct archive_entry *e = archive_entry_new();
        mode_t type = x->type ? x->type : AE_IFREG;
        size_t size = x->data ? strlen(x->data) : 0;

        archive_entry_set_pathname(e, x->path);
        archive_entry_set_filetype(e, type);
        archive_entry_set_perm(e, x->perm ? x->perm : (type == AE_IFDIR ? 0755 : 0644));
        archive_entry_set_uid(e, x->uid);
        archive_entry_set_gid(e, x->gid);
        if (x->mtime)
            archive_entry_set_mtime(e, x->mtime, 0);
        if (x->link)
            archive_entry_set_symlink(e, x->link);
        if (x->hardlink)
            archive_entry_set_hardlink(e, x->hardlink);
        if (type == AE_IFCHR || type == AE_IFBLK) {
            archive_entry_set_rdevmajor(e, x->major);
            archive_entry_set_rdevminor(e, x->minor);
        }
        if (x->xname)
            archive_entry_xattr_add_entry(e, x->xname, x->xval, x->xlen);
        archive_entry_set_size(e, (type == AE_IFREG && !x->hardlink) ? (la_int64_t)size : 0);
        assert_int_equal(archive_write_header(w, e), ARCHIVE_OK);
        if (size > 0 && !x->hardlink)
            assert_int_equal(archive_write_data(w, x->data, size), (la_ssize_t)size);
        archive_entry_free(e);
    }
    assert_int_equal(archive_write_close(w), ARCHIVE_OK);
    archive_write_free(w);
}

static int apply_opts(struct fixture *f, const struct ent *ents, size_t n,
                      const struct hull_layer_opts *o, struct hull_layer_stats *st,
                      hull_error **err)
{
    struct archive *r = archive_read_new();
    int ret;

    build_tar(ents, n);
    archive_read_support_format_tar(r);
    assert_int_equal(archive_read_open_memory(r, tar_buf, tar_len), ARCHIVE_OK);
    ret = hull_layer_apply(r, f->dirfd, o, st, err);
    archive_read_free(r);
    return ret;
}

static int apply(struct fixture *f, const struct ent *ents, size_t n, hull_error **err)
{
    return apply_opts(f, ents, n, NULL, NULL, err);
}

static void apply_ok(struct fixture *f, const struct ent *ents, size_t n,
                     const struct hull_layer_opts *o)
{
    _cleanup_error_ hull_error *err = NULL;
    if (apply_opts(f, ents, n, o, NULL, &err) < 0)
        fail_msg("apply failed: %s", err->msg);
}

static int setup(void **state)
{
    struct fixture *f = xmalloc0(sizeof(*f));

    snprintf(f->dir, sizeof(f->dir), "/tmp/hull-test-layer-%d-XXXXXX", (int)getpid());
    assert_non_null(mkdtemp(f->dir));
    f->dirfd = open(f->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    assert_true(f->dirfd >= 0);
    snprintf(f->tag, sizeof(f->tag), "hull-evil-%d", (int)getpid());
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    _cleanup_error_ hull_error *err = NULL;

    close(f->dirfd);
    assert_int_equal(rm_rf_at(AT_FDCWD, f->dir, &err), 0);
    free(f);
    free(tar_buf);
    tar_buf = NULL;
    return 0;
}

static bool exists_in(struct fixture *f, const char *path)
{
    struct stat st;
    return fstatat(f->dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static struct stat stat_in(struct fixture *f, const char *path)
{
    struct stat st;
    if (fstatat(f->dirfd, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
        fail_msg("stat %s: %s", path, strerror(errno));
    return st;
}

static bool host_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

static void assert_file_content(struct fixture *f, const char *path, const char *want)
{
    _cleanup_free_ char *data = NULL;
    _cleanup_error_ hull_error *err = NULL;
    if (read_file_at(f->dirfd, path, 0, &data, NULL, &err) < 0)
        fail_msg("%s", err->msg);
    assert_string_equal(data, want);
}

static void test_basic_types(void **state)
{
    struct fixture *f = *state;
    struct vfs_cap_data cap = {
        .magic_etc = VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE,
        .data = {{.permitted = 1u << CAP_NET_BIND_SERVICE}},
    };
    const struct ent ents[] = {
        {.path = "./", .type = AE_IFDIR, .perm = 0750},
        {.path = "etc/", .type = AE_IFDIR, .mtime = 1000000},
        {.path = "etc/hosts",
         .data = "127.0.0.1 localhost\n",
         .uid = 1000,
         .gid = 1001,
         .mtime = 2000000,
         .xname = "user.hull",
         .xval = "v1",
         .xlen = 2},
        {.path = "etc/link", .type = AE_IFLNK, .link = "/etc/hosts", .uid = 7, .gid = 8},
        {.path = "etc/hard", .hardlink = "etc/hosts"},
        {.path = "bin/su", .data = "#!", .perm = 04755, .uid = 0, .gid = 0},
        {.path = "bin/ping",
         .data = "elf",
         .perm = 0755,
         .uid = 5,
         .gid = 5,
         .xname = "security.capability",
         .xval = &cap,
         .xlen = sizeof(cap)},
        {.path = "bin/sg", .data = "x", .perm = 02755, .uid = 1000, .gid = 50},
        {.path = "dev/null", .type = AE_IFCHR, .perm = 0666, .major = 1, .minor = 3},
        {.path = "run/fifo", .type = AE_IFIFO, .perm = 0620, .uid = 3, .gid = 4},
    };
    struct hull_layer_stats st = {0};
    _cleanup_error_ hull_error *err = NULL;
    char buf[64];

    if (apply_opts(f, ents, ARRAY_SIZE(ents), NULL, &st, &err) < 0)
        fail_msg("%s", err->msg);
    assert_int_equal(st.entries, ARRAY_SIZE(ents));
    assert_int_equal(st.bytes, strlen("127.0.0.1 localhost\n") + 2 + 3 + 1);

    assert_int_equal(stat_in(f, ".").st_mode & 07777, 0750);
    assert_file_content(f, "etc/hosts", "127.0.0.1 localhost\n");
    struct stat hosts = stat_in(f, "etc/hosts");
    assert_int_equal(hosts.st_uid, 1000);
    assert_int_equal(hosts.st_gid, 1001);
    assert_int_equal(hosts.st_mode & 07777, 0644);
    assert_int_equal(hosts.st_mtime, 2000000);
    assert_int_equal(hosts.st_nlink, 2);
    assert_int_equal(stat_in(f, "etc/hard").st_ino, hosts.st_ino);
    /* the directory keeps its time although entries were created in it later */
    assert_int_equal(stat_in(f, "etc").st_mtime, 1000000);

    struct stat lnk = stat_in(f, "etc/link");
    assert_true(S_ISLNK(lnk.st_mode));
    assert_int_equal(lnk.st_uid, 7);
    ssize_t n = readlinkat(f->dirfd, "etc/link", buf, sizeof(buf));
    assert_int_equal(n, strlen("/etc/hosts"));
    assert_memory_equal(buf, "/etc/hosts", (size_t)n);

    assert_int_equal(stat_in(f, "bin/su").st_mode & 07777, 04755);
    struct stat sg = stat_in(f, "bin/sg");
    assert_int_equal(sg.st_mode & 07777, 02755);
    assert_int_equal(sg.st_uid, 1000);
    assert_int_equal(sg.st_gid, 50);

    struct stat null = stat_in(f, "dev/null");
    assert_true(S_ISCHR(null.st_mode));
    assert_int_equal(major(null.st_rdev), 1);
    assert_int_equal(minor(null.st_rdev), 3);
    assert_int_equal(null.st_mode & 07777, 0666);
    struct stat fifo = stat_in(f, "run/fifo");
    assert_true(S_ISFIFO(fifo.st_mode));
    assert_int_equal(fifo.st_mode & 07777, 0620);
    assert_int_equal(fifo.st_gid, 4);

    _cleanup_free_ char *hosts_path = xasprintf("%s/etc/hosts", f->dir);
    assert_int_equal(lgetxattr(hosts_path, "user.hull", buf, sizeof(buf)), 2);
    assert_memory_equal(buf, "v1", 2);
    /* chown and the data write clear security.capability: it must be set last */
    _cleanup_free_ char *ping = xasprintf("%s/bin/ping", f->dir);
    struct vfs_cap_data got;
    assert_int_equal(lgetxattr(ping, "security.capability", &got, sizeof(got)), sizeof(cap));
    assert_int_equal(got.data[0].permitted, 1u << CAP_NET_BIND_SERVICE);
    assert_int_equal(stat_in(f, "bin/ping").st_uid, 5);
}

static void test_replace(void **state)
{
    struct fixture *f = *state;
    const struct ent ents[] = {
        {.path = "x", .data = "file"},
        {.path = "x/", .type = AE_IFDIR},
        {.path = "x/in", .data = "in"},
        {.path = "y/", .type = AE_IFDIR, .perm = 0700},
        {.path = "y/deep/f", .data = "deep"},
        {.path = "y", .data = "now a file"},
        {.path = "z/", .type = AE_IFDIR, .perm = 0700},
        {.path = "z/keep", .data = "k"},
        {.path = "z/", .type = AE_IFDIR, .perm = 0711, .uid = 9},
        {.path = "w", .data = "old"},
        {.path = "w", .type = AE_IFLNK, .link = "x"},
    };

    apply_ok(f, ents, ARRAY_SIZE(ents), NULL);
    assert_true(S_ISDIR(stat_in(f, "x").st_mode));
    assert_file_content(f, "x/in", "in");
    assert_file_content(f, "y", "now a file");
    struct stat z = stat_in(f, "z");
    assert_int_equal(z.st_mode & 07777, 0711);
    assert_int_equal(z.st_uid, 9);
    assert_file_content(f, "z/keep", "k");
    assert_true(S_ISLNK(stat_in(f, "w").st_mode));
}

static void test_escape_dotdot(void **state)
{
    struct fixture *f = *state;
    _cleanup_free_ char *name = xasprintf("../../%s", f->tag);
    _cleanup_free_ char *host1 = xasprintf("/%s", f->tag);
    _cleanup_free_ char *host2 = xasprintf("/tmp/%s", f->tag);
    const struct ent ents[] = {{.path = name, .data = "pwned"}};
    _cleanup_error_ hull_error *err = NULL;

    assert_false(host_exists(host1));
    assert_int_equal(apply(f, ents, 1, &err), -1);
    assert_non_null(strstr(err->msg, "\"..\""));
    assert_non_null(strstr(err->msg, name));
    assert_false(host_exists(host1));
    assert_false(host_exists(host2));
}

static void test_escape_absolute(void **state)
{
    struct fixture *f = *state;
    _cleanup_free_ char *name = xasprintf("/etc/%s", f->tag);
    const struct ent ents[] = {{.path = name, .data = "inside"}};

    assert_false(host_exists(name));
    apply_ok(f, ents, 1, NULL);
    assert_false(host_exists(name));
    assert_file_content(f, name + 1, "inside");
}

static void test_escape_symlink_root(void **state)
{
    struct fixture *f = *state;
    _cleanup_free_ char *name = xasprintf("a/etc/%s", f->tag);
    _cleanup_free_ char *host = xasprintf("/etc/%s", f->tag);
    const struct ent ents[] = {
        {.path = "a", .type = AE_IFLNK, .link = "/"},
        {.path = name, .data = "inside"},
    };

    apply_ok(f, ents, ARRAY_SIZE(ents), NULL);
    assert_false(host_exists(host));
    assert_file_content(f, host + 1, "inside");
    assert_true(S_ISLNK(stat_in(f, "a").st_mode));
}

static void test_escape_symlink_dotdot(void **state)
{
    struct fixture *f = *state;
    _cleanup_free_ char *name = xasprintf("d/%s", f->tag);
    _cleanup_free_ char *host1 = xasprintf("/%s", f->tag);
    _cleanup_free_ char *host2 = xasprintf("/tmp/%s", f->tag);
    const struct ent ents[] = {
        {.path = "d", .type = AE_IFLNK, .link = "../../.."},
        {.path = name, .data = "inside"},
    };

    apply_ok(f, ents, ARRAY_SIZE(ents), NULL);
    assert_false(host_exists(host1));
    assert_false(host_exists(host2));
    assert_file_content(f, f->tag, "inside");
}

static void test_escape_hardlink(void **state)
{
    struct fixture *f = *state;
    struct stat before, after;
    const struct ent direct[] = {{.path = "h", .hardlink = "/etc/passwd"}};
    const struct ent via_symlink[] = {
        {.path = "a", .type = AE_IFLNK, .link = "/"},
        {.path = "h", .hardlink = "a/etc/passwd"},
    };
    const struct ent dotdot[] = {{.path = "h", .hardlink = "../../../etc/passwd"}};
    _cleanup_error_ hull_error *err = NULL;

    assert_int_equal(stat("/etc/passwd", &before), 0);
    assert_int_equal(apply(f, direct, 1, &err), -1);
    assert_non_null(strstr(err->msg, "not a file of this layer"));
    hull_error_freep(&err);
    assert_int_equal(apply(f, via_symlink, 2, &err), -1);
    assert_non_null(strstr(err->msg, "\"a/etc/passwd\""));
    hull_error_freep(&err);
    assert_int_equal(apply(f, dotdot, 1, &err), -1);
    assert_false(exists_in(f, "h"));
    assert_int_equal(stat("/etc/passwd", &after), 0);
    assert_int_equal(after.st_nlink, before.st_nlink);
    assert_int_equal(after.st_mode, before.st_mode);
}

static void test_hardlink_lower_refused(void **state)
{
    struct fixture *f = *state;
    const struct ent lower[] = {{.path = "lowerfile", .data = "lower"}};
    const struct ent upper[] = {{.path = "l", .hardlink = "lowerfile"}};
    _cleanup_error_ hull_error *err = NULL;

    apply_ok(f, lower, 1, NULL);
    assert_int_equal(apply(f, upper, 1, &err), -1);
    assert_non_null(strstr(err->msg, "layer entry \"l\""));
    assert_int_equal(stat_in(f, "lowerfile").st_nlink, 1);
}

/* CVE-2021-32760: a directory entry for a name that is a symlink must not
 * chmod the symlink's target. */
static void test_chmod_through_symlink(void **state)
{
    struct fixture *f = *state;
    char out[64];
    struct stat before, after;

    snprintf(out, sizeof(out), "/tmp/hull-test-out-%d-XXXXXX", (int)getpid());
    assert_non_null(mkdtemp(out));
    assert_int_equal(chmod(out, 0700), 0);
    assert_int_equal(stat(out, &before), 0);
    const struct ent ents[] = {
        {.path = "a", .type = AE_IFLNK, .link = out},
        {.path = "a/", .type = AE_IFDIR, .perm = 0777, .uid = 1234},
        {.path = "b", .type = AE_IFLNK, .link = out},
        {.path = "b", .data = "over", .perm = 0777},
    };
    apply_ok(f, ents, ARRAY_SIZE(ents), NULL);
    assert_int_equal(stat(out, &after), 0);
    assert_int_equal(after.st_mode, before.st_mode);
    assert_int_equal(after.st_uid, before.st_uid);
    struct stat a = stat_in(f, "a");
    assert_true(S_ISDIR(a.st_mode));
    assert_int_equal(a.st_mode & 07777, 0777);
    assert_int_equal(a.st_uid, 1234);
    assert_true(S_ISREG(stat_in(f, "b").st_mode));
    assert_int_equal(rmdir(out), 0);
}

static void test_bad_whiteouts(void **state)
{
    struct fixture *f = *state;
    static const char *const bad[] = {".wh.",     "a/.wh.",  ".wh.../x",
                                      "a/.wh...", "a/.wh..", ".wh..wh.plnk"};

    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        const struct ent ents[] = {{.path = "a/", .type = AE_IFDIR}, {.path = bad[i]}};
        _cleanup_error_ hull_error *err = NULL;
        assert_int_equal(apply(f, ents, ARRAY_SIZE(ents), &err), -1);
        assert_non_null(strstr(err->msg, bad[i]));
    }
    /* ".wh.." and ".wh..." would name the directory itself and its parent */
    assert_true(S_ISDIR(stat_in(f, "a").st_mode));
    assert_true(host_exists(f->dir));
}

static void populate_lower(struct fixture *f)
{
    const struct ent lower[] = {
        {.path = "a/f1", .data = "1"},         {.path = "a/f2", .data = "2"},
        {.path = "b/inner/deep", .data = "d"}, {.path = "keep", .data = "k"},
        {.path = "o/old1", .data = "o"},       {.path = "o/sub/old2", .data = "o"},
    };
    apply_ok(f, lower, ARRAY_SIZE(lower), NULL);
}

static void test_whiteout_flattened(void **state)
{
    struct fixture *f = *state;
    const struct ent upper[] = {
        {.path = "a/", .type = AE_IFDIR},
        {.path = "a/.wh.f1"},
        {.path = ".wh.b"},
        {.path = "n", .data = "same layer"},
        {.path = ".wh.n"},
        {.path = "missing/.wh.x"},
        {.path = ".wh.nothere"},
    };

    populate_lower(f);
    apply_ok(f, upper, ARRAY_SIZE(upper), NULL);
    assert_false(exists_in(f, "a/f1"));
    assert_true(exists_in(f, "a/f2"));
    assert_false(exists_in(f, "b"));
    assert_true(exists_in(f, "keep"));
    assert_file_content(f, "n", "same layer");
    assert_false(exists_in(f, "missing"));
    assert_false(exists_in(f, "a/.wh.f1"));
    assert_false(exists_in(f, ".wh.b"));
    assert_false(exists_in(f, "nothere"));
}

static void test_opaque_flattened(void **state)
{
    struct fixture *f = *state;
    const struct ent upper[] = {
        {.path = "o/", .type = AE_IFDIR},     {.path = "o/new", .data = "n"},
        {.path = "o/sub/new2", .data = "n2"}, {.path = "o/made/x", .data = "x"},
        {.path = "o/.wh..wh..opq"},
    };

    populate_lower(f);
    apply_ok(f, upper, ARRAY_SIZE(upper), NULL);
    assert_false(exists_in(f, "o/old1"));
    assert_false(exists_in(f, "o/sub/old2"));
    assert_file_content(f, "o/new", "n");
    assert_file_content(f, "o/sub/new2", "n2");
    assert_file_content(f, "o/made/x", "x");
    assert_false(exists_in(f, "o/.wh..wh..opq"));
    assert_true(exists_in(f, "a/f1"));
}

static void check_overlay(void **state, bool userxattr)
{
    struct fixture *f = *state;
    const struct hull_layer_opts o = {.overlay = true, .userxattr = userxattr};
    const char *xname = userxattr ? "user.overlay.opaque" : "trusted.overlay.opaque";
    const struct ent ents[] = {
        {.path = "a/", .type = AE_IFDIR}, {.path = "a/.wh.x"},
        {.path = "a/mine", .data = "m"},  {.path = "a/.wh.mine"},
        {.path = "d/", .type = AE_IFDIR}, {.path = "d/.wh..wh..opq"},
        {.path = "d/f", .data = "f"},     {.path = ".wh.top"},
    };
    char val[8];

    apply_ok(f, ents, ARRAY_SIZE(ents), &o);
    struct stat wh = stat_in(f, "a/x");
    assert_true(S_ISCHR(wh.st_mode));
    assert_int_equal(wh.st_rdev, makedev(0, 0));
    assert_true(S_ISCHR(stat_in(f, "top").st_mode));
    assert_file_content(f, "a/mine", "m");
    assert_false(exists_in(f, "a/.wh.x"));
    assert_false(exists_in(f, "d/.wh..wh..opq"));
    assert_file_content(f, "d/f", "f");
    _cleanup_free_ char *d = xasprintf("%s/d", f->dir);
    assert_int_equal(lgetxattr(d, xname, val, sizeof(val)), 1);
    assert_int_equal(val[0], 'y');
}

static void test_whiteout_overlay(void **state)
{
    check_overlay(state, false);
}

static void test_whiteout_overlay_userxattr(void **state)
{
    check_overlay(state, true);
}

static void test_reserved_xattr(void **state)
{
    struct fixture *f = *state;
    const struct ent ents[] = {
        {.path = "d/",
         .type = AE_IFDIR,
         .xname = "trusted.overlay.redirect",
         .xval = "/x",
         .xlen = 2},
    };
    _cleanup_error_ hull_error *err = NULL;

    assert_int_equal(apply(f, ents, 1, &err), -1);
    assert_non_null(strstr(err->msg, "trusted.overlay.redirect"));
}

static void test_not_a_tar(void **state)
{
    struct fixture *f = *state;
    struct archive *r = archive_read_new();
    static char junk[4096];
    _cleanup_error_ hull_error *err = NULL;

    memset(junk, 'j', sizeof(junk));
    archive_read_support_format_tar(r);
    /* libarchive may already refuse at open; either way apply must fail */
    if (archive_read_open_memory(r, junk, sizeof(junk)) == ARCHIVE_OK) {
        assert_int_equal(hull_layer_apply(r, f->dirfd, NULL, NULL, &err), -1);
        assert_non_null(strstr(err->msg, "read layer"));
    }
    archive_read_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_basic_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escape_dotdot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escape_absolute, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escape_symlink_root, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escape_symlink_dotdot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escape_hardlink, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hardlink_lower_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chmod_through_symlink, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_whiteouts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_whiteout_flattened, setup, teardown),
        cmocka_unit_test_setup_teardown(test_opaque_flattened, setup, teardown),
        cmocka_unit_test_setup_teardown(test_whiteout_overlay, setup, teardown),
        cmocka_unit_test_setup_teardown(test_whiteout_overlay_userxattr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reserved_xattr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_a_tar, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
