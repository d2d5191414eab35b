#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "digest.h"
#include "error.h"
#include "image.h"
#include "store.h"
#include "util.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#define OS_RELEASE "PRETTY_NAME=\"hull test\"\n"
#define ZERO64     "0000000000000000000000000000000000000000000000000000000000000000"

struct fixture {
    char dir[64]; /* holds the store root and the test's tarballs */
    char *root;
    struct hull_store *store;
    char *tar; /* plain tar written by the test */
    char *tar_bytes;
    size_t tar_len;
    char diff_id[HULL_DIGEST_SIZE];
};

static void add(struct archive *w, const char *path, mode_t type, const char *data,
                const char *link)
{
    struct archive_entry *e = archive_entry_new();
    size_t size = data ? strlen(data) : 0;

    archive_entry_set_pathname(e, path);
    archive_entry_set_filetype(e, type);
    archive_entry_set_perm(e, type == AE_IFDIR ? 0755 : 0644);
    archive_entry_set_mtime(e, 1700000000, 0);
    archive_entry_set_size(e, (la_int64_t)size);
    if (link != NULL)
        archive_entry_set_symlink(e, link);
    assert_int_equal(archive_write_header(w, e), ARCHIVE_OK);
    if (size > 0)
        assert_int_equal(archive_write_data(w, data, size), (la_ssize_t)size);
    archive_entry_free(e);
}

/* A small root filesystem as a tar in memory. */
static void make_rootfs_tar(struct fixture *f, const char *evil_name)
{
    struct archive *w = archive_write_new();
    const size_t cap = 1 << 20;

    f->tar_bytes = xmalloc(cap);
    assert_int_equal(archive_write_set_format_pax_restricted(w), ARCHIVE_OK);
    assert_int_equal(archive_write_open_memory(w, f->tar_bytes, cap, &f->tar_len), ARCHIVE_OK);
    add(w, "./", AE_IFDIR, NULL, NULL);
    add(w, "./etc/", AE_IFDIR, NULL, NULL);
    add(w, "./etc/os-release", AE_IFREG, OS_RELEASE, NULL);
    add(w, "./bin/", AE_IFDIR, NULL, NULL);
    add(w, "./bin/sh", AE_IFLNK, NULL, "busybox");
    add(w, "./bin/busybox", AE_IFREG, "#!fake\n", NULL);
    add(w, "./var/.wh.gone", AE_IFREG, NULL, NULL);
    if (evil_name != NULL)
        add(w, evil_name, AE_IFREG, "x", NULL);
    assert_int_equal(archive_write_close(w), ARCHIVE_OK);
    archive_write_free(w);
}

/* Writes the tar bytes to DIR/NAME through FILTER (an
 * ARCHIVE_FILTER_* code) so the uncompressed stream is byte-identical. */
static char *write_tarball(struct fixture *f, const char *name, int filter)
{
    char *path = xasprintf("%s/%s", f->dir, name);
    struct archive *w = archive_write_new();
    struct archive_entry *e = archive_entry_new();

    assert_int_equal(archive_write_set_format_raw(w), ARCHIVE_OK);
    assert_int_equal(archive_write_add_filter(w, filter), ARCHIVE_OK);
    assert_int_equal(archive_write_open_filename(w, path), ARCHIVE_OK);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_pathname(e, "data");
    archive_entry_set_size(e, (la_int64_t)f->tar_len);
    assert_int_equal(archive_write_header(w, e), ARCHIVE_OK);
    assert_int_equal(archive_write_data(w, f->tar_bytes, f->tar_len), (la_ssize_t)f->tar_len);
    assert_int_equal(archive_write_close(w), ARCHIVE_OK);
    archive_write_free(w);
    archive_entry_free(e);
    return path;
}

static int setup(void **state)
{
    struct fixture *f = xmalloc0(sizeof(*f));
    _cleanup_error_ hull_error *err = NULL;

    snprintf(f->dir, sizeof(f->dir), "/tmp/hull-test-store-%d-XXXXXX", (int)getpid());
    assert_non_null(mkdtemp(f->dir));
    f->root = xasprintf("%s/root", f->dir);
    if (hull_store_open(f->root, &f->store, &err) < 0)
        fail_msg("%s", err->msg);
    make_rootfs_tar(f, NULL);
    f->tar = write_tarball(f, "rootfs.tar", ARCHIVE_FILTER_NONE);
    assert_int_equal(hull_sha256_buf(f->tar_bytes, f->tar_len, f->diff_id, &err), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    _cleanup_error_ hull_error *err = NULL;

    hull_store_close(f->store);
    assert_int_equal(rm_rf_at(AT_FDCWD, f->dir, &err), 0);
    free(f->root);
    free(f->tar);
    free(f->tar_bytes);
    free(f);
    return 0;
}

static size_t count_entries(struct fixture *f, const char *sub)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", f->root, sub);
    DIR *d = opendir(path);
    struct dirent *de;
    size_t n = 0;

    assert_non_null(d);
    while ((de = readdir(d)) != NULL)
        n += de->d_name[0] != '.';
    closedir(d);
    return n;
}

static void assert_store_empty(struct fixture *f)
{
    struct hull_image **imgs = NULL;
    size_t n = 99;
    _cleanup_error_ hull_error *err = NULL;

    assert_int_equal(hull_store_image_list(f->store, &imgs, &n, &err), 0);
    assert_int_equal(n, 0);
    hull_image_list_free(imgs, n);
    assert_int_equal(count_entries(f, "blobs/sha256"), 0);
    assert_int_equal(count_entries(f, "layers"), 0);
    assert_int_equal(count_entries(f, "tmp"), 0);
}

static char *import_ok(struct fixture *f, const char *path, const char *ref,
                       const char *const *changes)
{
    char *id = NULL;
    _cleanup_error_ hull_error *err = NULL;

    if (hull_store_import(f->store, path, ref, (char *const *)changes, &id, &err) < 0)
        fail_msg("%s", err->msg);
    assert_int_equal(hull_digest_validate(id, &err), 0);
    return id;
}

static struct hull_image *get_ok(struct fixture *f, const char *what)
{
    struct hull_image *img = NULL;
    _cleanup_error_ hull_error *err = NULL;

    if (hull_store_image_get(f->store, what, &img, &err) < 0)
        fail_msg("get \"%s\": %s", what, err->msg);
    return img;
}

static void assert_not_found(struct fixture *f, const char *what)
{
    struct hull_image *img = NULL;
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_free_ char *want = xasprintf("image \"%s\" not found", what);

    assert_int_equal(hull_store_image_get(f->store, what, &img, &err), -1);
    assert_int_equal(err->kind, HULL_ERR_NOT_EXIST);
    assert_string_equal(err->msg, want);
}

static void test_import_plain(void **state)
{
    struct fixture *f = *state;
    const char *changes[] = {"CMD [\"/bin/sh\"]", "ENV A=b", NULL};
    _cleanup_free_ char *id = import_ok(f, f->tar, "test/app:1", changes);
    _cleanup_free_ char *prefix = xstrndup(hull_digest_hex(id), 12);
    _cleanup_free_ char *by_digest = NULL;
    _cleanup_error_ hull_error *err = NULL;
    char file_digest[HULL_DIGEST_SIZE];
    struct stat st;

    struct hull_image *img = get_ok(f, "test/app:1");
    assert_string_equal(img->id, id);
    assert_int_equal(strv_len(img->repo_tags), 1);
    assert_string_equal(img->repo_tags[0], "test/app:1");
    assert_int_equal(strv_len(img->diff_ids), 1);
    assert_string_equal(img->diff_ids[0], f->diff_id);
    assert_int_equal(img->size, strlen(OS_RELEASE) + strlen("#!fake\n"));
    _cleanup_strv_ char **cmd = hull_image_config_cmd(img->config);
    assert_string_equal(cmd[0], "/bin/sh");
    _cleanup_free_ char *want_dir = xasprintf("%s/layers/%s", f->root, hull_digest_hex(f->diff_id));
    assert_string_equal(img->layer_dirs[0], want_dir);

    /* the layer is unpacked and overlay-ready */
    int lfd = open(img->layer_dirs[0], O_PATH | O_DIRECTORY | O_CLOEXEC);
    _cleanup_free_ char *content = NULL;
    assert_true(lfd >= 0);
    assert_int_equal(read_file_at(lfd, "etc/os-release", 0, &content, NULL, &err), 0);
    assert_string_equal(content, OS_RELEASE);
    assert_int_equal(fstatat(lfd, "var/gone", &st, AT_SYMLINK_NOFOLLOW), 0);
    assert_true(S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0));
    close(lfd);

    /* the blob is the file as given */
    int tfd = open(f->tar, O_RDONLY | O_CLOEXEC);
    assert_int_equal(hull_sha256_fd(tfd, file_digest, &err), 0);
    close(tfd);
    _cleanup_free_ char *blob =
        xasprintf("%s/blobs/sha256/%s", f->root, hull_digest_hex(file_digest));
    assert_int_equal(stat(blob, &st), 0);
    assert_int_equal(st.st_size, f->tar_len);

    by_digest = xasprintf("test/app@%s", img->manifest);
    const char *names[] = {id, hull_digest_hex(id), prefix, by_digest};
    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        struct hull_image *other = get_ok(f, names[i]);
        assert_string_equal(other->id, id);
        hull_image_free(other);
    }
    hull_image_free(img);
    assert_not_found(f, "test/app");
    assert_not_found(f, "other@sha256:" ZERO64);
    assert_not_found(f, "sha256:" ZERO64);
    assert_not_found(f, "ffffffff");
}

static void check_compressed(struct fixture *f, int filter, const char *name, const char *media)
{
    _cleanup_free_ char *path = write_tarball(f, name, filter);
    _cleanup_free_ char *id = import_ok(f, path, name, NULL);
    struct hull_image *img = get_ok(f, name);
    _cleanup_free_ char *manifest = NULL;
    _cleanup_error_ hull_error *err = NULL;

    /* the diff_id is the digest of the uncompressed tar, whatever the file */
    assert_string_equal(img->diff_ids[0], f->diff_id);
    _cleanup_free_ char *mpath = xasprintf("blobs/sha256/%s", hull_digest_hex(img->manifest));
    int rfd = open(f->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    assert_int_equal(read_file_at(rfd, mpath, 0, &manifest, NULL, &err), 0);
    close(rfd);
    json_t *m = json_loads(manifest, 0, NULL);
    json_t *layer = json_array_get(json_object_get(m, "layers"), 0);
    assert_string_equal(json_string_value(json_object_get(layer, "mediaType")), media);
    assert_string_equal(json_string_value(json_object_get(json_object_get(m, "config"), "digest")),
                        id);
    json_decref(m);
    hull_image_free(img);
}

static void test_import_compressed(void **state)
{
    struct fixture *f = *state;

    check_compressed(f, ARCHIVE_FILTER_NONE, "plain", "application/vnd.oci.image.layer.v1.tar");
    check_compressed(f, ARCHIVE_FILTER_GZIP, "gz", "application/vnd.oci.image.layer.v1.tar+gzip");
    check_compressed(f, ARCHIVE_FILTER_ZSTD, "zst", "application/vnd.oci.image.layer.v1.tar+zstd");
    /* three images, one shared layer; blobs: 3 files + 3 configs + 3 manifests */
    assert_int_equal(count_entries(f, "layers"), 1);
    assert_int_equal(count_entries(f, "blobs/sha256"), 9);
    assert_int_equal(count_entries(f, "tmp"), 0);
}

/* hull_store_image_remove() with the given containers' use. */
static int rmi(struct fixture *f, const char *ref, bool force, const struct hull_image_user *users,
               size_t n, hull_error **err)
{
    const struct hull_rmi_opts o = {.force = force, .users = users, .n_users = n};
    char **untagged = NULL, **deleted = NULL;
    int ret = hull_store_image_remove(f->store, ref, &o, &untagged, &deleted, err);

    strv_free(untagged);
    strv_free(deleted);
    return ret;
}

static void test_list_tag_remove(void **state)
{
    struct fixture *f = *state;
    _cleanup_free_ char *gz = write_tarball(f, "r.tar.gz", ARCHIVE_FILTER_GZIP);
    _cleanup_free_ char *a = import_ok(f, f->tar, "a:1", NULL);
    _cleanup_free_ char *b = import_ok(f, gz, "b", NULL);
    _cleanup_error_ hull_error *err = NULL;
    struct hull_image **imgs = NULL;
    size_t n = 0;

    assert_int_equal(hull_store_image_list(f->store, &imgs, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_string_equal(imgs[0]->id, b); /* newest first */
    assert_string_equal(imgs[1]->id, a);
    hull_image_list_free(imgs, n);

    assert_int_equal(hull_store_tag(f->store, "a:1", "c:2", &err), 0);
    struct hull_image *img = get_ok(f, "c:2");
    assert_string_equal(img->id, a);
    assert_int_equal(strv_len(img->repo_tags), 2);
    assert_string_equal(img->repo_tags[0], "a:1");
    assert_string_equal(img->repo_tags[1], "c:2");
    hull_image_free(img);
    assert_int_equal(hull_store_tag(f->store, "a:1", "d@sha256:" ZERO64, &err), -1);
    hull_error_freep(&err);
    assert_int_equal(hull_store_tag(f->store, "nope", "d:1", &err), -1);
    assert_int_equal(err->kind, HULL_ERR_NOT_EXIST);
    hull_error_freep(&err);

    /* by id while two tags name it: refused */
    assert_int_equal(rmi(f, a, false, NULL, 0, &err), -1);
    assert_non_null(strstr(err->msg, "referenced in multiple repositories"));
    hull_error_freep(&err);
    assert_int_equal(rmi(f, "a:1", false, NULL, 0, &err), 0);
    img = get_ok(f, a);
    hull_image_free(img);
    assert_not_found(f, "a:1");
    /* the last tag goes by id: the image goes, the shared layer stays */
    assert_int_equal(rmi(f, hull_digest_hex(a), false, NULL, 0, &err), 0);
    assert_not_found(f, a);
    assert_not_found(f, "c:2");
    assert_int_equal(count_entries(f, "layers"), 1);
    assert_int_equal(count_entries(f, "blobs/sha256"), 3);
    assert_int_equal(rmi(f, "b:latest", false, NULL, 0, &err), 0);
    assert_int_equal(rmi(f, "b", false, NULL, 0, &err), -1);
    assert_int_equal(err->kind, HULL_ERR_NOT_EXIST);
    assert_store_empty(f);
}

/* Images that containers use are never deleted; their last tag goes only
 * with force, and prune leaves them alone. */
static void test_remove_in_use(void **state)
{
    struct fixture *f = *state;
    _cleanup_free_ char *a = import_ok(f, f->tar, "a:1", NULL);
    _cleanup_error_ hull_error *err = NULL;
    struct hull_image_user users[] = {{.image_id = a, .ctr_id = "c0ffee0000001", .running = false}};
    char **untagged = NULL, **deleted = NULL;
    uint64_t reclaimed = 0;

    assert_int_equal(rmi(f, "a:1", false, users, 1, &err), -1);
    assert_int_equal(err->kind, HULL_ERR_BAD_INPUT);
    assert_non_null(strstr(err->msg, "(must force) - container c0ffee000000 is using"));
    hull_error_freep(&err);
    assert_int_equal(rmi(f, hull_digest_hex(a), false, users, 1, &err), -1);
    assert_non_null(strstr(err->msg, "being used by stopped container"));
    hull_error_freep(&err);
    users[0].running = true;
    assert_int_equal(rmi(f, hull_digest_hex(a), true, users, 1, &err), -1);
    assert_non_null(strstr(err->msg, "(cannot be forced)"));
    hull_error_freep(&err);

    /* forced by name: untagged, kept while used */
    const struct hull_rmi_opts o = {.force = true, .users = users, .n_users = 1};
    assert_int_equal(hull_store_image_remove(f->store, "a:1", &o, &untagged, &deleted, &err), 0);
    assert_int_equal(strv_len(untagged), 1);
    assert_string_equal(untagged[0], "a:1");
    assert_int_equal(strv_len(deleted), 0);
    strv_free(untagged);
    strv_free(deleted);
    struct hull_image *img = get_ok(f, a);
    assert_int_equal(strv_len(img->repo_tags), 0);
    hull_image_free(img);

    assert_int_equal(
        hull_store_prune(f->store, false, users, 1, &untagged, &deleted, &reclaimed, &err), 0);
    assert_int_equal(strv_len(deleted), 0);
    strv_free(untagged);
    strv_free(deleted);
    assert_int_equal(
        hull_store_prune(f->store, false, NULL, 0, &untagged, &deleted, &reclaimed, &err), 0);
    assert_int_equal(strv_len(deleted), 1);
    assert_string_equal(deleted[0], a);
    assert_true(reclaimed > 0);
    strv_free(untagged);
    strv_free(deleted);
    assert_store_empty(f);

    /* prune -a takes tagged images too */
    _cleanup_free_ char *b = import_ok(f, f->tar, "b:1", NULL);
    assert_int_equal(
        hull_store_prune(f->store, false, NULL, 0, &untagged, &deleted, &reclaimed, &err), 0);
    assert_int_equal(strv_len(deleted), 0);
    strv_free(untagged);
    strv_free(deleted);
    assert_int_equal(
        hull_store_prune(f->store, true, NULL, 0, &untagged, &deleted, &reclaimed, &err), 0);
    assert_int_equal(strv_len(untagged), 1);
    assert_int_equal(strv_len(deleted), 1);
    assert_string_equal(deleted[0], b);
    strv_free(untagged);
    strv_free(deleted);
    assert_store_empty(f);
}

static void test_corrupt_gzip(void **state)
{
    struct fixture *f = *state;
    _cleanup_free_ char *gz = write_tarball(f, "bad.tar.gz", ARCHIVE_FILTER_GZIP);
    _cleanup_error_ hull_error *err = NULL;
    struct stat st;
    int fd;

    assert_int_equal(stat(gz, &st), 0);
    fd = open(gz, O_WRONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, "\xde\xad\xbe\xef\xde\xad\xbe\xef", 8, st.st_size / 2), 8);
    close(fd);
    assert_int_equal(hull_store_import(f->store, gz, "bad:1", NULL, NULL, &err), -1);
    assert_non_null(strstr(err->msg, "import \""));
    assert_non_null(strstr(err->msg, gz));
    assert_store_empty(f);
    assert_not_found(f, "bad:1");
}

static void check_import_error(struct fixture *f, const char *path, const char *ref,
                               const char *change, const char *want)
{
    const char *changes[] = {change, NULL};
    _cleanup_error_ hull_error *err = NULL;

    assert_int_equal(hull_store_import(f->store, path, ref, (char *const *)changes, NULL, &err),
                     -1);
    if (strstr(err->msg, want) == NULL)
        fail_msg("expected \"%s\" in: %s", want, err->msg);
    assert_store_empty(f);
}

static void test_import_errors(void **state)
{
    struct fixture *f = *state;
    _cleanup_free_ char *missing = xasprintf("%s/missing.tar", f->dir);
    _cleanup_free_ char *text = xasprintf("%s/text.tar", f->dir);
    _cleanup_free_ char *xz = write_tarball(f, "r.tar.xz", ARCHIVE_FILTER_XZ);
    _cleanup_free_ char *empty = xasprintf("%s/empty.tar", f->dir);
    _cleanup_error_ hull_error *err = NULL;

    int dfd = open(f->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);

    assert_int_equal(write_file_atomic(dfd, "text.tar", "hello world\n", 12, 0644, &err), 0);
    assert_int_equal(write_file_atomic(dfd, "empty.tar", "", 0, 0644, &err), 0);
    close(dfd);
    check_import_error(f, missing, "x", NULL, "No such file");
    check_import_error(f, f->tar, "Bad:Ref", NULL, "invalid reference format: \"Bad:Ref\"");
    check_import_error(f, f->tar, "x@sha256:" ZERO64, NULL, "a tag cannot contain a digest");
    check_import_error(f, f->tar, "x", "RUN true", "--change \"RUN true\"");
    check_import_error(f, text, "x", NULL, text);
    check_import_error(f, xz, "x", NULL, "xz compression is not supported");
    check_import_error(f, empty, "x", NULL, "empty");
    check_import_error(f, f->dir, "x", NULL, "Is a directory");
}

static void test_import_hostile(void **state)
{
    struct fixture *f = *state;
    _cleanup_free_ char *evil = NULL;
    _cleanup_free_ char *host = xasprintf("/tmp/hull-evil-%d", (int)getpid());
    _cleanup_free_ char *name = xasprintf("../../..%s", host);

    free(f->tar_bytes);
    make_rootfs_tar(f, name);
    evil = write_tarball(f, "evil.tar", ARCHIVE_FILTER_GZIP);
    check_import_error(f, evil, "evil", NULL, "path contains \"..\"");
    assert_int_equal(access(host, F_OK), -1);
}

static void test_concurrent_import(void **state)
{
    struct fixture *f = *state;
    _cleanup_free_ char *gz = write_tarball(f, "c.tar.gz", ARCHIVE_FILTER_GZIP);
    pid_t pids[2];

    for (int i = 0; i < 2; i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            struct hull_store *s = NULL;
            hull_error *err = NULL;
            char ref[16];
            snprintf(ref, sizeof(ref), "conc:%d", i);
            int ok = hull_store_open(f->root, &s, &err) == 0 &&
                     hull_store_import(s, gz, ref, NULL, NULL, &err) == 0;
            if (!ok)
                fprintf(stderr, "child %d: %s\n", i, err->msg);
            _exit(ok ? 0 : 1);
        }
    }
    for (int i = 0; i < 2; i++) {
        int status;
        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    struct hull_image *a = get_ok(f, "conc:0");
    struct hull_image *b = get_ok(f, "conc:1");
    assert_string_equal(a->diff_ids[0], b->diff_ids[0]);
    assert_string_equal(a->layer_dirs[0], b->layer_dirs[0]);
    hull_image_free(a);
    hull_image_free(b);
    assert_int_equal(count_entries(f, "layers"), 1);
    assert_int_equal(count_entries(f, "tmp"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_import_plain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_compressed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_tag_remove, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_gzip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_hostile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_import, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remove_in_use, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
