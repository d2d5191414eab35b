#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "ctr.h"
#include "error.h"
#include "util.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct fixture {
    char root[64];
    int dirfd;
};

static int setup(void **state)
{
    _cleanup_error_ hull_error *err = NULL;
    struct fixture *f = xmalloc0(sizeof(*f));

    snprintf(f->root, sizeof(f->root), "/tmp/test-ctr-%d-XXXXXX", (int)getpid());
    assert_non_null(mkdtemp(f->root));
    f->dirfd = hull_ctr_dir_open(f->root, &err);
    assert_true(f->dirfd >= 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    _cleanup_error_ hull_error *err = NULL;
    struct fixture *f = *state;

    close(f->dirfd);
    assert_int_equal(rm_rf_at(AT_FDCWD, f->root, &err), 0);
    free(f);
    return 0;
}

/* Creates a record named NAME (NULL: generated); returns its id. */
static char *make(struct fixture *f, const char *name)
{
    _cleanup_error_ hull_error *err = NULL;
    struct hull_ctr c = {
        .name = name ? xstrdup(name) : NULL,
        .image = xstrdup("busybox"),
        .image_id = xstrdup("sha256:00"),
    };
    strv_append(&c.command, "echo");
    strv_append(&c.command, "hi");
    if (hull_ctr_create(f->dirfd, &c, &err) < 0)
        fail_msg("create %s: %s", name ? name : "(generated)", err->msg);
    char *id = xstrdup(c.id);
    hull_ctr_clear(&c);
    return id;
}

static void test_create_load_save(void **state)
{
    struct fixture *f = *state;
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_free_ char *id = make(f, "web");
    struct hull_ctr c;

    assert_int_equal(strlen(id), HULL_CTR_ID_LEN);
    assert_int_equal(hull_ctr_load(f->dirfd, id, &c, &err), 0);
    assert_string_equal(c.name, "web");
    assert_string_equal(c.image, "busybox");
    assert_string_equal(c.command[1], "hi");
    assert_int_equal(c.status, HULL_CTR_CREATED);
    assert_null(c.finished_at);
    assert_false(hull_ctr_is_running(&c));

    c.status = HULL_CTR_EXITED;
    c.exit_code = 3;
    c.finished_at = xstrdup("2024-01-01T00:00:00.000000000Z");
    int lock = hull_ctr_lock(f->dirfd, id, &err);
    assert_true(lock >= 0);
    assert_int_equal(hull_ctr_save(f->dirfd, &c, &err), 0);
    close(lock);
    hull_ctr_clear(&c);
    assert_int_equal(hull_ctr_load(f->dirfd, id, &c, &err), 0);
    assert_int_equal(c.status, HULL_CTR_EXITED);
    assert_int_equal(c.exit_code, 3);
    assert_string_equal(c.finished_at, "2024-01-01T00:00:00.000000000Z");
    hull_ctr_clear(&c);
}

static void test_names(void **state)
{
    struct fixture *f = *state;
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_free_ char *id = make(f, "/db");
    _cleanup_free_ char *gen = make(f, NULL);
    struct hull_ctr c = {.name = xstrdup("db"), .image = xstrdup("x"), .image_id = xstrdup("y")};
    struct hull_ctr g;

    /* The same name twice is refused, with Docker's wording. */
    assert_int_equal(hull_ctr_create(f->dirfd, &c, &err), -1);
    assert_non_null(strstr(err->msg, "the container name \"/db\" is already in use by container"));
    assert_non_null(strstr(err->msg, id));
    assert_null(c.id);
    hull_ctr_clear(&c);
    hull_error_freep(&err);

    c = (struct hull_ctr){.name = xstrdup("a"), .image = xstrdup("x"), .image_id = xstrdup("y")};
    assert_int_equal(hull_ctr_create(f->dirfd, &c, &err), -1);
    assert_string_equal(err->msg,
                        "Invalid container name (a), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
    hull_ctr_clear(&c);
    assert_int_equal(hull_ctr_name_validate("-x", NULL), -1);
    assert_int_equal(hull_ctr_name_validate("my_box.1-a", NULL), 0);

    /* A generated name is adjective_noun and valid. */
    assert_int_equal(hull_ctr_load(f->dirfd, gen, &g, &err), 0);
    assert_non_null(strchr(g.name, '_'));
    assert_int_equal(hull_ctr_name_validate(g.name, NULL), 0);
    hull_ctr_clear(&g);
}

static void test_lookup(void **state)
{
    struct fixture *f = *state;
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_free_ char *a = make(f, "alpha");
    _cleanup_free_ char *b = make(f, "beta");
    _cleanup_free_ char *found = NULL;
    size_t common = 0;

    assert_int_equal(hull_ctr_lookup(f->dirfd, a, &found, &err), 0);
    assert_string_equal(found, a);
    free(found);
    assert_int_equal(hull_ctr_lookup(f->dirfd, "beta", &found, &err), 0);
    assert_string_equal(found, b);
    free(found);
    assert_int_equal(hull_ctr_lookup(f->dirfd, "/alpha", &found, &err), 0);
    assert_string_equal(found, a);
    free(found);
    /* The shortest prefix of a that b does not share. */
    while (a[common] == b[common])
        common++;
    _cleanup_free_ char *prefix = xstrndup(a, common + 1);
    assert_int_equal(hull_ctr_lookup(f->dirfd, prefix, &found, &err), 0);
    assert_string_equal(found, a);
    free(found);
    found = NULL;

    assert_int_equal(hull_ctr_lookup(f->dirfd, "gamma", &found, &err), -1);
    assert_int_equal(err->kind, HULL_ERR_NOT_EXIST);
    assert_string_equal(err->msg, "No such container: gamma");
    hull_error_freep(&err);
    /* Seventeen ids share a first digit somewhere (pigeonhole): that
     * digit is an ambiguous prefix, and the error lists the matches. */
    char seen[16][HULL_CTR_ID_LEN + 1] = {{0}};
    for (int i = 0; i < 17; i++) {
        _cleanup_free_ char *name = xasprintf("box%d", i);
        _cleanup_free_ char *id = make(f, name);
        int digit = id[0] <= '9' ? id[0] - '0' : id[0] - 'a' + 10;
        if (seen[digit][0] == '\0') {
            strcpy(seen[digit], id);
            continue;
        }
        char one[2] = {id[0], '\0'};
        assert_int_equal(hull_ctr_lookup(f->dirfd, one, &found, &err), -1);
        assert_int_equal(err->kind, HULL_ERR_BAD_INPUT);
        assert_non_null(strstr(err->msg, "multiple containers match the id prefix"));
        _cleanup_free_ char *short_id = xstrndup(id, HULL_CTR_SHORT_LEN);
        assert_non_null(strstr(err->msg, short_id));
        hull_error_freep(&err);
        break;
    }
    /* An empty reference names nothing. */
    assert_int_equal(hull_ctr_lookup(f->dirfd, "", &found, &err), -1);
    assert_null(found);
}

static void test_list_and_remove(void **state)
{
    struct fixture *f = *state;
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_free_ char *first = make(f, "first");
    _cleanup_free_ char *second = make(f, "second");
    struct hull_ctr *list = NULL;
    size_t n = 0;
    struct hull_ctr c;

    assert_int_equal(hull_ctr_list(f->dirfd, &list, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_string_equal(list[0].name, "second");
    assert_string_equal(list[1].name, "first");
    hull_ctr_list_free(list, n);

    _cleanup_free_ char *upper = xasprintf("%s/upper", first);
    assert_int_equal(mkdirat(f->dirfd, upper, 0700), 0);
    assert_int_equal(hull_ctr_remove(f->dirfd, first, &err), 0);
    assert_int_equal(faccessat(f->dirfd, first, F_OK, AT_SYMLINK_NOFOLLOW), -1);
    assert_int_equal(hull_ctr_load(f->dirfd, first, &c, &err), -1);
    assert_int_equal(err->kind, HULL_ERR_NOT_EXIST);
    hull_error_freep(&err);
    assert_int_equal(hull_ctr_lock(f->dirfd, first, &err), -1);
    assert_int_equal(err->kind, HULL_ERR_NOT_EXIST);
    hull_error_freep(&err);
    /* The name is free again. */
    _cleanup_free_ char *again = make(f, "first");
    assert_string_not_equal(again, first);
}

/* Two processes creating the same name at once: exactly one wins. */
static void test_concurrent_names(void **state)
{
    struct fixture *f = *state;
    pid_t pids[4];
    int wins = 0;

    for (size_t i = 0; i < ARRAY_SIZE(pids); i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            hull_error *err = NULL;
            struct hull_ctr c = {
                .name = xstrdup("race"), .image = xstrdup("x"), .image_id = xstrdup("y")};
            _exit(hull_ctr_create(f->dirfd, &c, &err) == 0 ? 0 : 1);
        }
    }
    for (size_t i = 0; i < ARRAY_SIZE(pids); i++) {
        int status;
        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
        wins += WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    assert_int_equal(wins, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_load_save, setup, teardown),
        cmocka_unit_test_setup_teardown(test_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lookup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_and_remove, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_names, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
