/* The json-file log: written by the monitor (src/monitor/logfile.c), read
 * by hull logs (src/lib/ctrlog.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../monitor/logfile.h"
#include "ctrlog.h"
#include "monitor_proto.h"
#include "util.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct fixture {
    char dir[64];
    int dirfd;
};

static int setup(void **state)
{
    struct fixture *f = xmalloc0(sizeof(*f));

    snprintf(f->dir, sizeof(f->dir), "/tmp/test-logfmt-%d-XXXXXX", (int)getpid());
    assert_non_null(mkdtemp(f->dir));
    f->dirfd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    assert_true(f->dirfd >= 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    _cleanup_error_ hull_error *err = NULL;
    struct fixture *f = *state;

    close(f->dirfd);
    assert_int_equal(rm_rf_at(AT_FDCWD, f->dir, &err), 0);
    free(f);
    return 0;
}

/* Encodes DATA and parses the record back. */
static void round_trip(const char *data, size_t len, enum mon_stream stream, bool want_b64)
{
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_free_ char *rec = xmalloc(mon_log_record_max(len));
    char time[48];
    size_t n;
    struct hull_log_entry e;

    mon_time_now(time);
    n = mon_log_encode(rec, stream, data, len, time);
    assert_true(n > 0 && rec[n - 1] == '\n');
    assert_null(memchr(rec, '\n', n - 1));
    assert_int_equal(strstr(rec, "\"encoding\":\"base64\"") != NULL, want_b64);
    assert_int_equal(hull_log_entry_parse(rec, n - 1, &e, &err), 0);
    assert_int_equal(e.len, len);
    assert_memory_equal(e.data, data, len);
    assert_int_equal(e.is_stderr, stream == MON_STDERR);
    assert_string_equal(e.time, time);
    hull_log_entry_clear(&e);
}

static void test_encode(void **state)
{
    (void)state;
    round_trip("hello\n", 6, MON_STDOUT, false);
    round_trip("quotes \" and \\ and \t tab\r\n", 26, MON_STDERR, false);
    round_trip("\x01\x1f control", 10, MON_STDOUT, false);
    round_trip("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3", 15, MON_STDOUT, false);
    round_trip("nul\0inside", 10, MON_STDOUT, false);
    round_trip("\xff\xfe binary", 9, MON_STDOUT, true);
    round_trip("\xc3", 1, MON_STDOUT, true);
    round_trip("\xed\xa0\x80 surrogate", 13, MON_STDOUT, true);
    round_trip("\xc0\xaf overlong", 11, MON_STDOUT, true);
    round_trip("", 0, MON_STDOUT, false);
    /* Every length modulo 3 of base64. */
    round_trip("\x80", 1, MON_STDOUT, true);
    round_trip("\x80\x81", 2, MON_STDOUT, true);
    round_trip("\x80\x81\x82", 3, MON_STDOUT, true);
}

static void test_utf8(void **state)
{
    (void)state;
    assert_int_equal(mon_utf8_valid_prefix("abc", 3), 3);
    assert_int_equal(mon_utf8_valid_prefix("ab\xc3", 3), 2);
    assert_int_equal(mon_utf8_valid_prefix("\xf4\x90\x80\x80", 4), 0);
    assert_int_equal(mon_utf8_valid_prefix("\xe2\x82\xac", 3), 3);
}

/* Reads everything in F's log with O into one string per stream. */
static void read_all_logs(struct fixture *f, const struct hull_logs_opts *o, char **out,
                          size_t *out_len, char **errs, size_t *err_len)
{
    FILE *fo = tmpfile(), *fe = tmpfile();

    assert_non_null(fo);
    assert_non_null(fe);
    assert_int_equal(hull_ctrlog_read(f->dirfd, o, -1, fileno(fo), fileno(fe)), 0);
    *out_len = (size_t)lseek(fileno(fo), 0, SEEK_END);
    *err_len = (size_t)lseek(fileno(fe), 0, SEEK_END);
    *out = xmalloc0(*out_len + 1);
    *errs = xmalloc0(*err_len + 1);
    assert_int_equal(pread(fileno(fo), *out, *out_len, 0), (ssize_t)*out_len);
    assert_int_equal(pread(fileno(fe), *errs, *err_len, 0), (ssize_t)*err_len);
    fclose(fo);
    fclose(fe);
}

static void test_write_and_read(void **state)
{
    struct fixture *f = *state;
    struct mon_logfile l;
    struct hull_logs_opts all = {.tail = -1};
    _cleanup_free_ char *out = NULL, *errs = NULL;
    size_t out_len, err_len;
    static const char want[] = "one\ntwo \xe2\x82\xac end\npartial";

    assert_int_equal(mon_log_open(&l, f->dirfd, 0, 1), 0);
    /* A line in two reads, a euro sign split across them. */
    mon_log_write(&l, MON_STDOUT, "one\ntwo \xe2\x82", 10);
    mon_log_write(&l, MON_STDERR, "warn\n", 5);
    mon_log_write(&l, MON_STDOUT, "\xac end\npartial", 13);
    mon_log_close(&l);
    read_all_logs(f, &all, &out, &out_len, &errs, &err_len);
    assert_int_equal(out_len, strlen(want));
    assert_memory_equal(out, want, out_len);
    assert_string_equal(errs, "warn\n");
    /* The split character was carried over, not written as base64. */
    _cleanup_free_ char *text = NULL;
    _cleanup_error_ hull_error *err = NULL;
    assert_int_equal(read_file_at(f->dirfd, HULL_MON_LOG, 0, &text, NULL, &err), 0);
    assert_null(strstr(text, "base64"));

    struct hull_logs_opts tail = {.tail = 2, .timestamps = true};
    free(out);
    free(errs);
    read_all_logs(f, &tail, &out, &out_len, &errs, &err_len);
    /* The last two records: " end\n" (after the carried character's
     * record) and "partial"; each line start gets its time. */
    assert_non_null(strstr(out, "Z \xe2\x82\xac end\n"));
    assert_non_null(strstr(out, "Z partial"));
    assert_string_equal(errs, "");
}

static void test_rotation(void **state)
{
    struct fixture *f = *state;
    struct mon_logfile l;
    struct hull_logs_opts all = {.tail = -1};
    _cleanup_free_ char *out = NULL, *errs = NULL;
    size_t out_len, err_len;
    struct stat st;
    char line[32];

    assert_int_equal(mon_log_open(&l, f->dirfd, 400, 3), 0);
    for (int i = 0; i < 100; i++) {
        int n = snprintf(line, sizeof(line), "line %03d\n", i);
        mon_log_write(&l, MON_STDOUT, line, (size_t)n);
    }
    mon_log_close(&l);
    assert_int_equal(fstatat(f->dirfd, HULL_MON_LOG ".1", &st, 0), 0);
    assert_true(st.st_size <= 400);
    assert_int_equal(fstatat(f->dirfd, HULL_MON_LOG ".2", &st, 0), 0);
    assert_int_equal(fstatat(f->dirfd, HULL_MON_LOG ".3", &st, 0), -1);
    read_all_logs(f, &all, &out, &out_len, &errs, &err_len);
    /* The newest lines survive, in order, the oldest are gone. */
    assert_non_null(strstr(out, "line 098\nline 099\n"));
    assert_null(strstr(out, "line 000"));
    assert_int_equal(out_len % 9, 0);
    for (size_t i = 9; i < out_len; i += 9)
        assert_true(memcmp(out + i - 9, out + i, 8) < 0);
}

static void test_time_parse(void **state)
{
    _cleanup_error_ hull_error *err = NULL;
    struct timespec ts;

    (void)state;
    assert_int_equal(hull_log_time_parse("2024-01-02T03:04:05.5Z", 0, &ts, &err), 0);
    assert_int_equal(ts.tv_sec, 1704164645);
    assert_int_equal(ts.tv_nsec, 500000000);
    assert_int_equal(hull_log_time_parse("2024-01-02T05:04:05+02:00", 0, &ts, &err), 0);
    assert_int_equal(ts.tv_sec, 1704164645);
    assert_int_equal(hull_log_time_parse("1700000000.25", 0, &ts, &err), 0);
    assert_int_equal(ts.tv_sec, 1700000000);
    assert_int_equal(ts.tv_nsec, 250000000);
    assert_int_equal(hull_log_time_parse("1h30m", 10000, &ts, &err), 0);
    assert_int_equal(ts.tv_sec, 10000 - 5400);
    assert_int_equal(hull_log_time_parse("250ms", 10, &ts, &err), 0);
    assert_int_equal(ts.tv_sec, 9);
    assert_int_equal(ts.tv_nsec, 750000000);
    assert_int_equal(hull_log_time_parse("soon", 10, &ts, &err), -1);
    assert_int_equal(err->kind, HULL_ERR_BAD_INPUT);
    assert_non_null(strstr(err->msg, "\"soon\""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test_setup_teardown(test_write_and_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotation, setup, teardown),
        cmocka_unit_test(test_time_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
