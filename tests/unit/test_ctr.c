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
    if (hull_ctr_create(f->dirfd, &c, NULL, &err) < 0)
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
    assert_int_equal(hull_ctr_create(f->dirfd, &c, NULL, &err), -1);
    assert_non_null(strstr(err->msg, "the container name \"/db\" is already in use by container"));
    assert_non_null(strstr(err->msg, id));
    assert_null(c.id);
    hull_ctr_clear(&c);
    hull_error_freep(&err);

    c = (struct hull_ctr){.name = xstrdup("a"), .image = xstrdup("x"), .image_id = xstrdup("y")};
    assert_int_equal(hull_ctr_create(f->dirfd, &c, NULL, &err), -1);
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
            _exit(hull_ctr_create(f->dirfd, &c, NULL, &err) == 0 ? 0 : 1);
        }
    }
    for (size_t i = 0; i < ARRAY_SIZE(pids); i++) {
        int status;
        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
        wins += WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    assert_int_equal(wins, 1);
}

static void test_options_round_trip(void **state)
{
    struct fixture *f = *state;
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_free_ char *id = make(f, "opts");
    struct hull_ctr c;
    int lock;

    assert_int_equal(hull_ctr_load(f->dirfd, id, &c, &err), 0);
    /* Defaults of a record written without the options. */
    assert_int_equal(c.restart.policy, HULL_RESTART_NO);
    assert_int_equal(c.log.max_file, 1);
    strv_append(&c.labels, "tier=web");
    c.init = true;
    c.restart = (struct hull_restart){HULL_RESTART_ON_FAILURE, 3};
    c.stop_signal = xstrdup("SIGUSR1");
    c.stop_timeout = 7;
    c.log = (struct hull_log_opts){1024, 3};
    c.status = HULL_CTR_RESTARTING;
    c.monitor_pid = 42;
    c.restart_count = 2;
    c.stop_requested = true;
    c.error = xstrdup("boom");
    lock = hull_ctr_lock(f->dirfd, id, &err);
    assert_true(lock >= 0);
    assert_int_equal(hull_ctr_save(f->dirfd, &c, &err), 0);
    close(lock);
    hull_ctr_clear(&c);
    assert_int_equal(hull_ctr_load(f->dirfd, id, &c, &err), 0);
    assert_string_equal(c.labels[0], "tier=web");
    assert_true(c.init);
    assert_int_equal(c.restart.policy, HULL_RESTART_ON_FAILURE);
    assert_int_equal(c.restart.max_retries, 3);
    assert_string_equal(c.stop_signal, "SIGUSR1");
    assert_int_equal(c.stop_timeout, 7);
    assert_int_equal(c.log.max_size, 1024);
    assert_int_equal(c.log.max_file, 3);
    assert_int_equal(c.status, HULL_CTR_RESTARTING);
    assert_string_equal(hull_ctr_status_name(c.status), "restarting");
    assert_int_equal(c.monitor_pid, 42);
    assert_int_equal(c.restart_count, 2);
    assert_true(c.stop_requested);
    assert_string_equal(c.error, "boom");
    hull_ctr_clear(&c);
}

static void test_restart_policy(void **state)
{
    _cleanup_error_ hull_error *err = NULL;
    struct hull_restart r;
    struct hull_ctr c = {0};

    (void)state;
    assert_int_equal(hull_restart_parse("no", &r, &err), 0);
    assert_int_equal(r.policy, HULL_RESTART_NO);
    assert_int_equal(hull_restart_parse("", &r, &err), 0);
    assert_int_equal(r.policy, HULL_RESTART_NO);
    assert_int_equal(hull_restart_parse("on-failure:5", &r, &err), 0);
    assert_int_equal(r.policy, HULL_RESTART_ON_FAILURE);
    assert_int_equal(r.max_retries, 5);
    assert_int_equal(hull_restart_parse("unless-stopped", &r, &err), 0);
    assert_string_equal(hull_restart_policy_name(r.policy), "unless-stopped");
    assert_int_equal(hull_restart_parse("always:3", &r, &err), -1);
    assert_non_null(strstr(err->msg, "\"always:3\""));
    hull_error_freep(&err);
    assert_int_equal(hull_restart_parse("on-failure:x", &r, &err), -1);
    hull_error_freep(&err);
    assert_int_equal(hull_restart_parse("sometimes", &r, &err), -1);
    assert_int_equal(err->kind, HULL_ERR_BAD_INPUT);

    c.restart = (struct hull_restart){HULL_RESTART_ON_FAILURE, 2};
    assert_false(hull_restart_wanted(&c, 0));
    assert_true(hull_restart_wanted(&c, 1));
    c.restart_count = 2;
    assert_false(hull_restart_wanted(&c, 1));
    c.restart = (struct hull_restart){HULL_RESTART_ALWAYS, 0};
    assert_true(hull_restart_wanted(&c, 0));
    c.stop_requested = true;
    assert_false(hull_restart_wanted(&c, 0));
    c.stop_requested = false;
    c.restart.policy = HULL_RESTART_NO;
    assert_false(hull_restart_wanted(&c, 1));
}

static void test_log_opts(void **state)
{
    _cleanup_error_ hull_error *err = NULL;
    struct hull_log_opts o = {0, 1};

    (void)state;
    assert_int_equal(hull_log_opt_parse("max-size=10m", &o, &err), 0);
    assert_int_equal(o.max_size, 10ull << 20);
    assert_int_equal(hull_log_opt_parse("max-size=1.5k", &o, &err), 0);
    assert_int_equal(o.max_size, 1536);
    assert_int_equal(hull_log_opt_parse("max-size=2GB", &o, &err), 0);
    assert_int_equal(o.max_size, 2ull << 30);
    assert_int_equal(hull_log_opt_parse("max-size=-1", &o, &err), 0);
    assert_int_equal(o.max_size, 0);
    assert_int_equal(hull_log_opt_parse("max-file=4", &o, &err), 0);
    assert_int_equal(o.max_file, 4);
    assert_int_equal(hull_log_opt_parse("max-file=0", &o, &err), -1);
    hull_error_freep(&err);
    assert_int_equal(hull_log_opt_parse("max-size=lots", &o, &err), -1);
    assert_non_null(strstr(err->msg, "\"lots\""));
    hull_error_freep(&err);
    assert_int_equal(hull_log_opt_parse("compress=true", &o, &err), -1);
    assert_non_null(strstr(err->msg, "unknown log opt \"compress\""));
}

static void test_rename_and_orphans(void **state)
{
    struct fixture *f = *state;
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_free_ char *a = make(f, "alpha");
    _cleanup_free_ char *b = make(f, "beta");
    _cleanup_free_ char *found = NULL;
    _cleanup_strv_ char **orphans = NULL;
    _cleanup_free_ char *record = NULL;

    assert_int_equal(hull_ctr_rename(f->dirfd, a, "gamma", &err), 0);
    assert_int_equal(hull_ctr_lookup(f->dirfd, "gamma", &found, &err), 0);
    assert_string_equal(found, a);
    assert_int_equal(hull_ctr_rename(f->dirfd, a, "beta", &err), -1);
    assert_non_null(strstr(err->msg, "is already in use by container"));
    hull_error_freep(&err);
    assert_int_equal(hull_ctr_rename(f->dirfd, a, "x", &err), -1);
    hull_error_freep(&err);
    assert_int_equal(hull_ctr_rename(f->dirfd, a, "gamma", &err), -1);
    assert_int_equal(err->kind, HULL_ERR_BAD_INPUT);
    assert_non_null(strstr(err->msg, "with the same name as its current name"));
    hull_error_freep(&err);
    /* A directory whose record went first, as a removal killed halfway
     * leaves it. */
    assert_int_equal(hull_ctr_orphans(f->dirfd, &orphans, &err), 0);
    assert_null(orphans);
    record = xasprintf("%s/hull.json", b);
    assert_int_equal(unlinkat(f->dirfd, record, 0), 0);
    assert_int_equal(hull_ctr_orphans(f->dirfd, &orphans, &err), 0);
    assert_non_null(orphans);
    assert_string_equal(orphans[0], b);
    assert_null(orphans[1]);
}

/* A record emptied by a crash of the host (a --rm container's, written
 * without fsync) counts as no record. */
static void test_empty_record_is_orphan(void **state)
{
    struct fixture *f = *state;
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_free_ char *a = make(f, "alpha");
    _cleanup_free_ char *record = xasprintf("%s/hull.json", a);
    _cleanup_strv_ char **orphans = NULL;
    int fd;

    fd = openat(f->dirfd, record, O_WRONLY | O_TRUNC | O_CLOEXEC);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(hull_ctr_orphans(f->dirfd, &orphans, &err), 0);
    assert_non_null(orphans);
    assert_string_equal(orphans[0], a);
    assert_null(orphans[1]);
}

/* Unlisting takes the container out of every lookup at once and keeps
 * its files for the purge, which skips an entry another process holds. */
static void test_unlist_and_purge(void **state)
{
    struct fixture *f = *state;
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_free_ char *a = make(f, "alpha");
    _cleanup_free_ char *b = make(f, "beta");
    _cleanup_free_ char *upper = xasprintf("%s/%s/upper/etc", f->root, a);
    _cleanup_free_ char *aside_a = xasprintf(".removed/%s", a);
    _cleanup_free_ char *aside_b = xasprintf(".removed/%s", b);
    _cleanup_strv_ char **orphans = NULL;
    struct hull_ctr *list = NULL;
    size_t n = 0;
    int held;

    assert_int_equal(mkdir_p(upper, 0755, &err), 0);
    assert_int_equal(hull_ctr_unlist(f->dirfd, a, &err), 0);
    assert_int_equal(hull_ctr_unlist(f->dirfd, b, &err), 0);
    assert_int_equal(faccessat(f->dirfd, a, F_OK, AT_SYMLINK_NOFOLLOW), -1);
    assert_int_equal(hull_ctr_list(f->dirfd, &list, &n, &err), 0);
    assert_int_equal(n, 0);
    hull_ctr_list_free(list, n);
    assert_int_equal(hull_ctr_orphans(f->dirfd, &orphans, &err), 0);
    assert_null(orphans);
    assert_int_equal(faccessat(f->dirfd, aside_a, F_OK, AT_SYMLINK_NOFOLLOW), 0);
    /* The name is free at once. */
    _cleanup_free_ char *again = make(f, "alpha");

    held = openat(f->dirfd, aside_b, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    assert_true(held >= 0);
    assert_int_equal(flock(held, LOCK_EX), 0);
    assert_int_equal(hull_ctr_purge(f->dirfd, &err), 0);
    assert_int_equal(faccessat(f->dirfd, aside_a, F_OK, AT_SYMLINK_NOFOLLOW), -1);
    assert_int_equal(faccessat(f->dirfd, aside_b, F_OK, AT_SYMLINK_NOFOLLOW), 0);
    close(held);
    assert_int_equal(hull_ctr_purge(f->dirfd, &err), 0);
    assert_int_equal(faccessat(f->dirfd, aside_b, F_OK, AT_SYMLINK_NOFOLLOW), -1);
    assert_int_equal(faccessat(f->dirfd, again, F_OK, AT_SYMLINK_NOFOLLOW), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_load_save, setup, teardown),
        cmocka_unit_test_setup_teardown(test_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lookup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_and_remove, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_options_round_trip, setup, teardown),
        cmocka_unit_test(test_restart_policy),
        cmocka_unit_test(test_log_opts),
        cmocka_unit_test_setup_teardown(test_rename_and_orphans, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_record_is_orphan, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unlist_and_purge, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
