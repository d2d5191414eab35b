/* hull load and hull save on archives built here: an OCI layout (as a
 * directory, a tar and a gzipped tar) and a docker-archive, good and
 * damaged; save round trips. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "digest.h"
#include "error.h"
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
#include <sys/xattr.h>
#include <unistd.h>

#define CAP (1 << 20)

struct blob {
    char *data;
    size_t len;
    char digest[HULL_DIGEST_SIZE];
};

struct fixture {
    char dir[64];
    char *root;
    struct hull_store *store;
    struct blob l1, l1gz, l2, config, manifest, index;
    char diff1[HULL_DIGEST_SIZE], diff2[HULL_DIGEST_SIZE];
};

static void blob_digest(struct blob *b)
{
    assert_int_equal(hull_sha256_buf(b->data, b->len, b->digest, NULL), 0);
}

static void blob_json(struct blob *b, json_t *v)
{
    b->data = json_dumps(v, JSON_COMPACT);
    b->len = strlen(b->data);
    json_decref(v);
    blob_digest(b);
}

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

static struct archive *tar_open(struct blob *b, int filter)
{
    struct archive *w = archive_write_new();

    b->data = xmalloc(CAP);
    assert_int_equal(archive_write_set_format_pax_restricted(w), ARCHIVE_OK);
    if (filter == ARCHIVE_FILTER_GZIP)
        assert_int_equal(archive_write_add_filter_gzip(w), ARCHIVE_OK);
    assert_int_equal(archive_write_open_memory(w, b->data, CAP, &b->len), ARCHIVE_OK);
    return w;
}

static void tar_close(struct archive *w, struct blob *b)
{
    assert_int_equal(archive_write_close(w), ARCHIVE_OK);
    archive_write_free(w);
    blob_digest(b);
}

static void layer1(struct blob *b, int filter)
{
    struct archive *w = tar_open(b, filter);
    add(w, "etc/", AE_IFDIR, NULL, NULL);
    add(w, "etc/a", AE_IFREG, "one\n", NULL);
    add(w, "etc/b", AE_IFREG, "bee\n", NULL);
    add(w, "dir/", AE_IFDIR, NULL, NULL);
    add(w, "dir/x", AE_IFREG, "x\n", NULL);
    add(w, "bin/", AE_IFDIR, NULL, NULL);
    add(w, "bin/sh", AE_IFLNK, NULL, "busybox");
    tar_close(w, b);
}

static void layer2(struct blob *b)
{
    struct archive *w = tar_open(b, ARCHIVE_FILTER_NONE);
    add(w, "etc/", AE_IFDIR, NULL, NULL);
    add(w, "etc/a", AE_IFREG, "two\n", NULL);
    add(w, "etc/.wh.b", AE_IFREG, NULL, NULL);
    add(w, "dir/", AE_IFDIR, NULL, NULL);
    add(w, "dir/.wh..wh..opq", AE_IFREG, NULL, NULL);
    add(w, "dir/y", AE_IFREG, "y\n", NULL);
    tar_close(w, b);
}

/* Config, manifest and index of the two-layer image (layer 1 gzipped). */
static void make_metadata(struct fixture *f, const char *diff2)
{
    json_t *cfg = json_pack(
        "{s:s, s:s, s:s, s:{s:[s], s:[s]}, s:{s:s, s:[s, s]}, s:[{s:s, s:s}, {s:s, s:s}]}",
        "created", "2024-01-02T03:04:05Z", "architecture", "amd64", "os", "linux", "config", "Cmd",
        "/bin/sh", "Env", "PATH=/bin", "rootfs", "type", "layers", "diff_ids", f->diff1, diff2,
        "history", "created", "2024-01-02T03:04:05Z", "created_by", "one", "created",
        "2024-01-02T03:04:05Z", "created_by", "two");
    blob_json(&f->config, cfg);
    blob_json(
        &f->manifest,
        json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:[{s:s, s:s, s:I}, {s:s, s:s, s:I}]}",
                  "schemaVersion", 2, "mediaType", "application/vnd.oci.image.manifest.v1+json",
                  "config", "mediaType", "application/vnd.oci.image.config.v1+json", "digest",
                  f->config.digest, "size", (json_int_t)f->config.len, "layers", "mediaType",
                  "application/vnd.oci.image.layer.v1.tar+gzip", "digest", f->l1gz.digest, "size",
                  (json_int_t)f->l1gz.len, "mediaType", "application/vnd.oci.image.layer.v1.tar",
                  "digest", f->l2.digest, "size", (json_int_t)f->l2.len));
    blob_json(&f->index,
              json_pack("{s:i, s:[{s:s, s:s, s:I, s:{s:s}}]}", "schemaVersion", 2, "manifests",
                        "mediaType", "application/vnd.oci.image.manifest.v1+json", "digest",
                        f->manifest.digest, "size", (json_int_t)f->manifest.len, "annotations",
                        "org.opencontainers.image.ref.name", "test/img:v1"));
}

static void free_blob(struct blob *b)
{
    free(b->data);
    *b = (struct blob){0};
}

static int setup(void **state)
{
    struct fixture *f = xmalloc0(sizeof(*f));
    _cleanup_error_ hull_error *err = NULL;

    snprintf(f->dir, sizeof(f->dir), "/tmp/hull-test-load-%d-XXXXXX", (int)getpid());
    assert_non_null(mkdtemp(f->dir));
    f->root = xasprintf("%s/root", f->dir);
    if (hull_store_open(f->root, &f->store, &err) < 0)
        fail_msg("%s", err->msg);
    layer1(&f->l1, ARCHIVE_FILTER_NONE);
    layer1(&f->l1gz, ARCHIVE_FILTER_GZIP);
    layer2(&f->l2);
    memcpy(f->diff1, f->l1.digest, HULL_DIGEST_SIZE);
    memcpy(f->diff2, f->l2.digest, HULL_DIGEST_SIZE);
    make_metadata(f, f->diff2);
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
    free_blob(&f->l1);
    free_blob(&f->l1gz);
    free_blob(&f->l2);
    free_blob(&f->config);
    free_blob(&f->manifest);
    free_blob(&f->index);
    free(f);
    return 0;
}

static void write_file(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write_all(fd, data, len), 0);
    close(fd);
}

static void put_blob(const char *layout, const struct blob *b)
{
    _cleanup_free_ char *p = xasprintf("%s/blobs/sha256/%s", layout, hull_digest_hex(b->digest));
    write_file(p, b->data, b->len);
}

/* The OCI layout as a directory; returns its path. */
static char *make_layout_dir(struct fixture *f)
{
    char *dir = xasprintf("%s/layout", f->dir);
    _cleanup_free_ char *blobs = xasprintf("%s/blobs/sha256", dir);
    _cleanup_free_ char *layout = xasprintf("%s/oci-layout", dir);
    _cleanup_free_ char *index = xasprintf("%s/index.json", dir);
    static const char version[] = "{\"imageLayoutVersion\":\"1.0.0\"}";

    assert_int_equal(mkdir_p(blobs, 0755, NULL), 0);
    write_file(layout, version, strlen(version));
    write_file(index, f->index.data, f->index.len);
    put_blob(dir, &f->l1gz);
    put_blob(dir, &f->l2);
    put_blob(dir, &f->config);
    put_blob(dir, &f->manifest);
    return dir;
}

static void add_member(struct archive *w, const char *name, const struct blob *b)
{
    struct archive_entry *e = archive_entry_new();

    archive_entry_set_pathname(e, name);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, (la_int64_t)b->len);
    assert_int_equal(archive_write_header(w, e), ARCHIVE_OK);
    assert_int_equal(archive_write_data(w, b->data, b->len), (la_ssize_t)b->len);
    archive_entry_free(e);
}

static void add_blob_member(struct archive *w, const struct blob *b)
{
    _cleanup_free_ char *name = xasprintf("blobs/sha256/%s", hull_digest_hex(b->digest));
    add_member(w, name, b);
}

/* The OCI layout as a tar file (FILTER: none or gzip). */
static char *make_layout_tar(struct fixture *f, int filter, const char *name)
{
    char *path = xasprintf("%s/%s", f->dir, name);
    struct blob out = {0}, version = {.data = (char *)"{\"imageLayoutVersion\":\"1.0.0\"}"};
    struct archive *w;

    version.len = strlen(version.data);
    w = tar_open(&out, filter);
    add_member(w, "oci-layout", &version);
    add_member(w, "index.json", &f->index);
    add_blob_member(w, &f->config);
    add_blob_member(w, &f->manifest);
    add_blob_member(w, &f->l1gz);
    add_blob_member(w, &f->l2);
    tar_close(w, &out);
    write_file(path, out.data, out.len);
    free(out.data);
    return path;
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

    assert_int_equal(hull_store_image_list(f->store, &imgs, &n, NULL), 0);
    assert_int_equal(n, 0);
    hull_image_list_free(imgs, n);
    assert_int_equal(count_entries(f, "blobs/sha256"), 0);
    assert_int_equal(count_entries(f, "layers"), 0);
    assert_int_equal(count_entries(f, "tmp"), 0);
}

static void load_ok(struct hull_store *s, const char *path, const char *want_tag)
{
    _cleanup_error_ hull_error *err = NULL;
    char **tags = NULL, **ids = NULL;

    if (hull_store_load(s, path, &tags, &ids, &err) < 0)
        fail_msg("load %s: %s", path, err->msg);
    if (want_tag != NULL) {
        assert_int_equal(strv_len(tags), 1);
        assert_string_equal(tags[0], want_tag);
    }
    strv_free(tags);
    strv_free(ids);
}

static void load_fails(struct fixture *f, const char *path, const char *want)
{
    _cleanup_error_ hull_error *err = NULL;
    char **tags = NULL, **ids = NULL;

    assert_int_equal(hull_store_load(f->store, path, &tags, &ids, &err), -1);
    if (strstr(err->msg, want) == NULL)
        fail_msg("error \"%s\" does not say \"%s\"", err->msg, want);
    assert_store_empty(f);
}

static char *read_in(const char *dir, const char *name)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
    char *data = NULL;
    size_t len;

    if (read_file_at(AT_FDCWD, path, 4096, &data, &len, NULL) < 0)
        return NULL;
    return data;
}

/* The image as the fixture describes it, its layers unpacked for
 * overlayfs: the whiteout as a 0:0 device, the opaque directory marked. */
static void check_image(struct fixture *f, const char *ref)
{
    _cleanup_error_ hull_error *err = NULL;
    struct hull_image *img = NULL;
    struct stat st;
    char v[2];

    if (hull_store_image_get(f->store, ref, &img, &err) < 0)
        fail_msg("%s", err->msg);
    assert_string_equal(img->id, f->config.digest);
    assert_string_equal(img->manifest, f->manifest.digest);
    assert_int_equal(strv_len(img->layer_dirs), 2);
    assert_string_equal(img->diff_ids[0], f->diff1);
    _cleanup_free_ char *a1 = read_in(img->layer_dirs[0], "etc/a");
    _cleanup_free_ char *a2 = read_in(img->layer_dirs[1], "etc/a");
    assert_string_equal(a1, "one\n");
    assert_string_equal(a2, "two\n");
    _cleanup_free_ char *b = xasprintf("%s/etc/b", img->layer_dirs[1]);
    assert_int_equal(lstat(b, &st), 0);
    assert_true(S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0));
    _cleanup_free_ char *dir = xasprintf("%s/dir", img->layer_dirs[1]);
    assert_int_equal(getxattr(dir, "trusted.overlay.opaque", v, sizeof(v)), 1);
    assert_int_equal(v[0], 'y');
    assert_true(img->layer_sizes[0] > 0);
    hull_image_free(img);
}

static void test_load_oci_dir(void **state)
{
    struct fixture *f = *state;
    _cleanup_free_ char *dir = make_layout_dir(f);

    load_ok(f->store, dir, "test/img:v1");
    check_image(f, "test/img:v1");
    /* again: nothing new, the layers are shared */
    load_ok(f->store, dir, "test/img:v1");
    assert_int_equal(count_entries(f, "layers"), 2);
    assert_int_equal(count_entries(f, "blobs/sha256"), 4);
    assert_int_equal(count_entries(f, "tmp"), 0);
}

static void test_load_oci_tar(void **state)
{
    struct fixture *f = *state;
    _cleanup_free_ char *plain = make_layout_tar(f, ARCHIVE_FILTER_NONE, "oci.tar");
    _cleanup_free_ char *gz = make_layout_tar(f, ARCHIVE_FILTER_GZIP, "oci.tar.gz");

    load_ok(f->store, plain, "test/img:v1");
    check_image(f, "test/img:v1");
    load_ok(f->store, gz, "test/img:v1");
    check_image(f, f->config.digest);
    assert_int_equal(count_entries(f, "tmp"), 0);
}

/* docker save's form: manifest.json, CONFIG.json, ID/layer.tar, with the
 * second layer reached through a symlink as docker writes duplicates. */
static char *make_docker_tar(struct fixture *f, const struct blob *cfg)
{
    char *path = xasprintf("%s/docker.tar", f->dir);
    _cleanup_free_ char *cfg_name = xasprintf("%s.json", hull_digest_hex(cfg->digest));
    struct blob out = {0}, manifest = {0};
    struct archive *w;

    blob_json(&manifest, json_pack("[{s:s, s:[s], s:[s, s]}]", "Config", cfg_name, "RepoTags",
                                   "docker.io/library/dimg:latest", "Layers", "one/layer.tar",
                                   "two/layer.tar"));
    w = tar_open(&out, ARCHIVE_FILTER_NONE);
    add_member(w, cfg_name, cfg);
    add_member(w, "one/layer.tar", &f->l1);
    add_member(w, "real/layer.tar", &f->l2);
    add(w, "two/layer.tar", AE_IFLNK, NULL, "../real/layer.tar");
    add_member(w, "manifest.json", &manifest);
    tar_close(w, &out);
    write_file(path, out.data, out.len);
    free(out.data);
    free(manifest.data);
    return path;
}

static void test_load_docker(void **state)
{
    struct fixture *f = *state;
    _cleanup_free_ char *path = make_docker_tar(f, &f->config);
    _cleanup_error_ hull_error *err = NULL;
    struct hull_image *img = NULL;

    load_ok(f->store, path, "dimg:latest");
    assert_int_equal(hull_store_image_get(f->store, "dimg", &img, &err), 0);
    assert_string_equal(img->id, f->config.digest);
    assert_int_equal(strv_len(img->layer_dirs), 2);
    hull_image_free(img);
}

static void test_load_corrupt(void **state)
{
    struct fixture *f = *state;
    _cleanup_free_ char *dir = make_layout_dir(f);
    _cleanup_free_ char *blob = xasprintf("%s/blobs/sha256/%s", dir, hull_digest_hex(f->l2.digest));

    /* one byte changed in a layer: its digest no longer matches */
    f->l2.data[600] ^= 1;
    write_file(blob, f->l2.data, f->l2.len);
    load_fails(f, dir, "does not match the manifest's");
    /* truncated */
    write_file(blob, f->l2.data, f->l2.len / 2);
    load_fails(f, dir, "does not match the");
    /* missing */
    unlink(blob);
    load_fails(f, dir, "is not in the archive");
}

static void test_load_bad_diff_id(void **state)
{
    struct fixture *f = *state;

    /* the config promises another tar than the layer holds */
    free_blob(&f->config);
    free_blob(&f->manifest);
    free_blob(&f->index);
    make_metadata(f, f->diff1);
    _cleanup_free_ char *dir = make_layout_dir(f);
    load_fails(f, dir, "does not match the config's diff_id");
    _cleanup_free_ char *docker = make_docker_tar(f, &f->config);
    load_fails(f, docker, "does not match the config's diff_id");
}

static void test_load_truncated_archive(void **state)
{
    struct fixture *f = *state;
    _cleanup_free_ char *plain = make_layout_tar(f, ARCHIVE_FILTER_NONE, "oci.tar");
    struct stat st;

    assert_int_equal(stat(plain, &st), 0);
    assert_int_equal(truncate(plain, st.st_size / 2), 0);
    load_fails(f, plain, "truncated");
    load_fails(f, "/nonexistent-hull-test", "No such file");
}

/* Several hull processes loading the same image at once: all succeed and
 * the store ends up with one copy of each layer and blob. */
static void test_load_concurrent(void **state)
{
    struct fixture *f = *state;
    _cleanup_free_ char *dir = make_layout_dir(f);
    pid_t pids[4];

    for (size_t i = 0; i < ARRAY_SIZE(pids); i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            struct hull_store *s = NULL;
            char **tags = NULL, **ids = NULL;
            int ok = hull_store_open(f->root, &s, NULL) == 0 &&
                     hull_store_load(s, dir, &tags, &ids, NULL) == 0;
            _exit(ok ? 0 : 1);
        }
    }
    for (size_t i = 0; i < ARRAY_SIZE(pids); i++) {
        int status;
        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    check_image(f, "test/img:v1");
    assert_int_equal(count_entries(f, "layers"), 2);
    assert_int_equal(count_entries(f, "blobs/sha256"), 4);
    assert_int_equal(count_entries(f, "tmp"), 0);
}

static void save_to(struct hull_store *s, const char *ref, enum hull_save_format fmt,
                    const char *path)
{
    _cleanup_error_ hull_error *err = NULL;
    char *refs[] = {(char *)ref, NULL};
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

    assert_true(fd >= 0);
    if (hull_store_save(s, refs, fmt, fd, &err) < 0)
        fail_msg("save: %s", err->msg);
    close(fd);
}

static void test_save_roundtrip(void **state)
{
    struct fixture *f = *state;
    _cleanup_free_ char *dir = make_layout_dir(f);
    _cleanup_free_ char *docker = xasprintf("%s/saved-docker.tar", f->dir);
    _cleanup_free_ char *oci = xasprintf("%s/saved-oci.tar", f->dir);
    _cleanup_free_ char *root2 = xasprintf("%s/root2", f->dir);
    _cleanup_free_ char *root3 = xasprintf("%s/root3", f->dir);
    _cleanup_error_ hull_error *err = NULL;
    struct hull_store *s2 = NULL, *s3 = NULL;
    struct hull_image *img = NULL;

    load_ok(f->store, dir, "test/img:v1");
    save_to(f->store, "test/img:v1", HULL_SAVE_DOCKER_ARCHIVE, docker);
    save_to(f->store, "test/img:v1", HULL_SAVE_OCI_ARCHIVE, oci);
    assert_int_equal(hull_store_open(root2, &s2, &err), 0);
    assert_int_equal(hull_store_open(root3, &s3, &err), 0);
    load_ok(s2, docker, "test/img:v1");
    load_ok(s3, oci, "test/img:v1");
    assert_int_equal(hull_store_image_get(s2, "test/img:v1", &img, &err), 0);
    assert_string_equal(img->id, f->config.digest);
    hull_image_free(img);
    /* the OCI archive carries the manifest as it was */
    assert_int_equal(hull_store_image_get(s3, "test/img:v1", &img, &err), 0);
    assert_string_equal(img->id, f->config.digest);
    assert_string_equal(img->manifest, f->manifest.digest);
    hull_image_free(img);
    hull_store_close(s2);
    hull_store_close(s3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_load_oci_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_oci_tar, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_docker, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_corrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_bad_diff_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_truncated_archive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_save_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_concurrent, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
