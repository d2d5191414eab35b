#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "terminal.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHILD_CHECK(cond)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "child check failed at line %d: %s\n", __LINE__, #cond);               \
            _exit(1);                                                                              \
        }                                                                                          \
    } while (0)

struct pty {
    int master, slave;
    char *path;
};

static void pty_open(struct pty *p)
{
    _cleanup_error_ hull_error *err = NULL;

    assert_int_equal(hull_pty_open(&p->master, &p->slave, &p->path, &err), 0);
}

static void pty_close(struct pty *p)
{
    closep(&p->master);
    closep(&p->slave);
    free(p->path);
    p->path = NULL;
}

static pid_t fork_child(void)
{
    pid_t pid = fork();

    assert_true(pid >= 0);
    if (pid == 0) {
        signal(SIGSEGV, SIG_DFL);
        alarm(30);
    }
    return pid;
}

static void assert_child_ok(pid_t pid)
{
    int status;

    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_pty_open(void **state)
{
    struct pty p;
    struct stat st;
    char buf[16];

    (void)state;
    pty_open(&p);
    assert_true(str_has_prefix(p.path, "/dev/pts/"));
    assert_true(isatty(p.slave));
    assert_true(fcntl(p.master, F_GETFD) & FD_CLOEXEC);
    assert_true(fcntl(p.slave, F_GETFD) & FD_CLOEXEC);
    /* The slave descriptor is the device named by the path. */
    struct stat by_path;
    assert_int_equal(fstat(p.slave, &st), 0);
    assert_int_equal(stat(p.path, &by_path), 0);
    assert_int_equal(st.st_rdev, by_path.st_rdev);

    assert_int_equal(write(p.slave, "hi\n", 3), 3);
    assert_int_equal(read(p.master, buf, sizeof(buf)), 4);
    assert_memory_equal(buf, "hi\r\n", 4);
    pty_close(&p);
}

static void test_set_size(void **state)
{
    struct pty p;
    struct winsize ws;
    _cleanup_error_ hull_error *err = NULL;

    (void)state;
    pty_open(&p);
    assert_int_equal(hull_pty_set_size(p.master, 40, 100, &err), 0);
    assert_int_equal(ioctl(p.slave, TIOCGWINSZ, &ws), 0);
    assert_int_equal(ws.ws_row, 40);
    assert_int_equal(ws.ws_col, 100);
    assert_int_equal(hull_pty_set_size(p.master, 70000, 1, &err), -1);
    pty_close(&p);
}

static void test_send_recv_fd(void **state)
{
    struct pty p;
    int sv[2], got = -1;
    struct stat a, b;
    _cleanup_error_ hull_error *err = NULL;

    (void)state;
    pty_open(&p);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    assert_int_equal(hull_send_fd(sv[0], p.master, p.path, &err), 0);
    assert_int_equal(hull_recv_fd(sv[1], &got, &err), 0);
    assert_true(got >= 0 && got != p.master);
    assert_true(fcntl(got, F_GETFD) & FD_CLOEXEC);
    assert_int_equal(fstat(got, &a), 0);
    assert_int_equal(fstat(p.master, &b), 0);
    assert_int_equal(a.st_rdev, b.st_rdev);
    assert_int_equal(a.st_ino, b.st_ino);
    close(got);

    /* No name: a single byte still carries the descriptor. */
    assert_int_equal(hull_send_fd(sv[0], p.slave, NULL, &err), 0);
    assert_int_equal(hull_recv_fd(sv[1], &got, &err), 0);
    assert_true(isatty(got));
    close(got);

    /* Data without a descriptor, then a closed peer, are errors. */
    assert_int_equal(write(sv[0], "x", 1), 1);
    assert_int_equal(hull_recv_fd(sv[1], &got, &err), -1);
    assert_non_null(strstr(err->msg, "carried none"));
    close(sv[0]);
    assert_int_equal(hull_recv_fd(sv[1], &got, &err), -1);
    assert_non_null(strstr(err->msg, "connection closed"));
    close(sv[1]);
    pty_close(&p);
}

/* Receives the data and descriptor of one message, as a console-socket
 * server (containerd's shim, conmon) does. */
static void recv_named(int sock, char *name, size_t size, int *fd)
{
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int))];
    } ctl;
    struct iovec iov = {.iov_base = name, .iov_len = size - 1};
    struct msghdr msg = {.msg_iov = &iov,
                         .msg_iovlen = 1,
                         .msg_control = ctl.buf,
                         .msg_controllen = sizeof(ctl.buf)};
    ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);

    assert_true(n > 0);
    name[n] = '\0';
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    if (c == NULL)
        fail_msg("no control message");
    else if (c->cmsg_type != SCM_RIGHTS)
        fail_msg("control message of type %d", c->cmsg_type);
    else
        memcpy(fd, CMSG_DATA(c), sizeof(int));
}

static void connect_and_send(const char *sock_path, const struct pty *p)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    _cleanup_error_ hull_error *err = NULL;
    _cleanup_close_ int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    _cleanup_close_ int dirfd = -1;
    char name[256];
    int fd = -1;

    /* bind() has the same length limit: bind a long path through its
     * directory's descriptor. */
    const char *slash = strrchr(sock_path, '/');
    _cleanup_free_ char *dir = xstrndup(sock_path, (size_t)(slash - sock_path));
    dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    assert_true(dirfd >= 0);
    snprintf(addr.sun_path, sizeof(addr.sun_path), "/proc/self/fd/%d/%s", dirfd, slash + 1);
    assert_int_equal(bind(listener, (struct sockaddr *)&addr, sizeof(addr)), 0);
    assert_int_equal(listen(listener, 1), 0);

    _cleanup_close_ int client = hull_unix_connect(sock_path, &err);
    assert_true(client >= 0);
    _cleanup_close_ int server = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
    assert_true(server >= 0);
    assert_int_equal(hull_send_fd(client, p->master, p->path, &err), 0);
    recv_named(server, name, sizeof(name), &fd);
    assert_string_equal(name, p->path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(unlink(sock_path), 0);
}

static void test_console_socket(void **state)
{
    char dir[64];
    struct pty p;
    _cleanup_error_ hull_error *err = NULL;

    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/hull-test-terminal-%d-XXXXXX", (int)getpid());
    assert_non_null(mkdtemp(dir));
    pty_open(&p);

    _cleanup_free_ char *short_path = xasprintf("%s/console.sock", dir);
    connect_and_send(short_path, &p);

    /* Longer than sun_path can hold. */
    char long_name[120];
    memset(long_name, 'd', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    _cleanup_free_ char *long_dir = xasprintf("%s/%s", dir, long_name);
    assert_int_equal(mkdir(long_dir, 0700), 0);
    _cleanup_free_ char *long_path = xasprintf("%s/console.sock", long_dir);
    assert_true(strlen(long_path) >= sizeof(((struct sockaddr_un *)0)->sun_path));
    connect_and_send(long_path, &p);

    _cleanup_free_ char *missing = xasprintf("%s/missing.sock", dir);
    assert_int_equal(hull_unix_connect(missing, &err), -1);
    assert_non_null(strstr(err->msg, "missing.sock"));

    pty_close(&p);
    assert_int_equal(rm_rf_at(AT_FDCWD, dir, NULL), 0);
}

static void test_make_controlling(void **state)
{
    struct pty p;

    (void)state;
    pty_open(&p);
    pid_t pid = fork_child();
    if (pid == 0) {
        hull_error *err = NULL;
        char name[64];
        CHILD_CHECK(hull_pty_make_controlling(p.slave, &err) == 0);
        CHILD_CHECK(getsid(0) == getpid());
        CHILD_CHECK(tcgetsid(STDIN_FILENO) == getpid());
        for (int fd = 0; fd <= 2; fd++) {
            CHILD_CHECK(ttyname_r(fd, name, sizeof(name)) == 0);
            CHILD_CHECK(strcmp(name, p.path) == 0);
            CHILD_CHECK((fcntl(fd, F_GETFD) & FD_CLOEXEC) == 0);
        }
        _exit(0);
    }
    assert_child_ok(pid);
    pty_close(&p);
}

static void test_raw_mode(void **state)
{
    struct pty p;
    struct termios saved, now;
    _cleanup_error_ hull_error *err = NULL;

    (void)state;
    pty_open(&p);
    assert_int_equal(hull_tty_make_raw(p.slave, &saved, &err), 0);
    assert_true(saved.c_lflag & ICANON);
    assert_int_equal(tcgetattr(p.slave, &now), 0);
    assert_false(now.c_lflag & (ICANON | ECHO | ISIG));
    assert_false(now.c_oflag & OPOST);
    hull_tty_restore(p.slave, &saved);
    assert_int_equal(tcgetattr(p.slave, &now), 0);
    assert_true(now.c_lflag & ICANON);
    assert_true(now.c_lflag & ECHO);

    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    assert_int_equal(hull_tty_make_raw(devnull, &saved, &err), -1);
    close(devnull);
    pty_close(&p);
}

static size_t count_of(const char *haystack, const char *needle)
{
    size_t n = 0;
    for (const char *s = strstr(haystack, needle); s != NULL; s = strstr(s + 1, needle))
        n++;
    return n;
}

/* cat runs on the slave; the proxy feeds it "hello\n" and then EOF (as the
 * terminal's EOF character), cat echoes the line and exits, the master
 * hangs up and the proxy returns. */
static void test_proxy_cat(void **state)
{
    struct pty p;
    int in[2], out[2];
    char buf[256];
    _cleanup_error_ hull_error *err = NULL;

    (void)state;
    pty_open(&p);
    assert_int_equal(pipe2(in, O_CLOEXEC), 0);
    assert_int_equal(pipe2(out, O_CLOEXEC), 0);
    pid_t pid = fork_child();
    if (pid == 0) {
        hull_error *e = NULL;
        CHILD_CHECK(hull_pty_make_controlling(p.slave, &e) == 0);
        execl("/bin/cat", "cat", (char *)NULL);
        _exit(127);
    }
    closep(&p.slave);
    assert_int_equal(write(in[1], "hello\n", 6), 6);
    close(in[1]);

    /* Without the EOF character cat would never exit: fail, do not hang. */
    alarm(30);
    assert_int_equal(hull_pty_proxy(p.master, in[0], out[1], -1, -1, &err), 0);
    alarm(0);
    close(out[1]);
    ssize_t n = read_all(out[0], buf, sizeof(buf) - 1);
    assert_true(n > 0);
    buf[n] = '\0';
    /* The terminal's echo of the input, and cat's copy of it. */
    assert_int_equal(count_of(buf, "hello\r\n"), 2);
    assert_child_ok(pid);
    /* The master's flags are as they were. */
    assert_false(fcntl(p.master, F_GETFL) & O_NONBLOCK);
    close(in[0]);
    close(out[0]);
    pty_close(&p);
}

/* Waits up to two seconds for FD's window size to become ROWS x COLS. */
static bool wait_size(int fd, unsigned short rows, unsigned short cols)
{
    for (int i = 0; i < 200; i++) {
        struct winsize ws;
        if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row == rows && ws.ws_col == cols)
            return true;
        usleep(10000);
    }
    return false;
}

static void test_proxy_winsize(void **state)
{
    struct pty container, caller;
    int win[2], stop[2];
    _cleanup_error_ hull_error *err = NULL;

    (void)state;
    pty_open(&container);
    pty_open(&caller);
    assert_int_equal(hull_pty_set_size(caller.master, 30, 90, &err), 0);
    assert_int_equal(pipe2(win, O_CLOEXEC), 0);
    assert_int_equal(pipe2(stop, O_CLOEXEC), 0);
    int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);

    pid_t pid = fork_child();
    if (pid == 0) {
        hull_error *e = NULL;
        CHILD_CHECK(hull_pty_proxy(container.master, caller.slave, devnull, win[0], stop[0], &e) ==
                    0);
        _exit(0);
    }
    /* The size is copied when the proxy starts ... */
    assert_true(wait_size(container.slave, 30, 90));
    /* ... and again on each SIGWINCH notification. */
    assert_int_equal(hull_pty_set_size(caller.master, 50, 132, &err), 0);
    assert_int_equal(write(win[1], "w", 1), 1);
    assert_true(wait_size(container.slave, 50, 132));

    assert_int_equal(write(stop[1], "s", 1), 1);
    assert_child_ok(pid);
    close(devnull);
    close(win[0]);
    close(win[1]);
    close(stop[0]);
    close(stop[1]);
    pty_close(&container);
    pty_close(&caller);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pty_open),         cmocka_unit_test(test_set_size),
        cmocka_unit_test(test_send_recv_fd),     cmocka_unit_test(test_console_socket),
        cmocka_unit_test(test_make_controlling), cmocka_unit_test(test_raw_mode),
        cmocka_unit_test(test_proxy_cat),        cmocka_unit_test(test_proxy_winsize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
