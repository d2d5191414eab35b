/* hull-probe: a static program the integration tests put into an otherwise
 * empty rootfs as /probe.  Each subcommand reports one fact about what the
 * process sees, as plain lines that bats can assert on, or does one thing
 * (write a file, exit with a code, ignore SIGTERM).  Subcommands chain with
 * "+" ("probe write /tmp/f x + sleep 60") and stop at the first failure.
 *
 * Exit status: 0 on success, 1 on failure with the errno name (EPERM,
 * ENOENT, ...) on standard error, 2 on a usage error.  It must run with no
 * /bin/sh, no /etc and no shared libraries, so it is linked statically and
 * uses nothing from libc that needs NSS (no getpwnam, no getgrouplist). */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* Reports the failure of WHAT as "probe: WHAT: ENAME" and returns 1, the
 * probe's failure status.  Tests match on the errno name, which unlike
 * strerror() text does not depend on the locale. */
static int fail_errno(const char *what, int errnum)
{
    const char *name = strerrorname_np(errnum);

    fprintf(stderr, "probe: %s: %s\n", what, name ? name : "EUNKNOWN");
    return 1;
}

static int usage(const char *msg)
{
    fprintf(stderr, "probe: %s\n", msg);
    return 2;
}

static int parse_long(const char *s, long *out)
{
    char *end;

    errno = 0;
    *out = strtol(s, &end, 10);
    return (errno || end == s || *end) ? -1 : 0;
}

/* Accepts "TERM", "SIGTERM" or a number. */
static int parse_signal(const char *s, int *out)
{
    long n;

    if (parse_long(s, &n) == 0) {
        if (n <= 0 || n >= NSIG)
            return -1;
        *out = (int)n;
        return 0;
    }
    if (strncasecmp(s, "SIG", 3) == 0)
        s += 3;
    for (int sig = 1; sig < NSIG; sig++) {
        const char *abbrev = sigabbrev_np(sig);

        if (abbrev && strcasecmp(abbrev, s) == 0) {
            *out = sig;
            return 0;
        }
    }
    return -1;
}

static void sleep_seconds(double secs)
{
    struct timespec ts = {.tv_sec = (time_t)secs,
                          .tv_nsec = (long)((secs - (double)(time_t)secs) * 1e9)};

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

static int parse_seconds(const char *s, double *out)
{
    char *end;

    errno = 0;
    *out = strtod(s, &end);
    return (errno || end == s || *end || *out < 0) ? -1 : 0;
}

/* Copies a whole file to standard output. */
static int copy_file(const char *path)
{
    char buf[8192];
    ssize_t n;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return fail_errno(path, errno);
    while ((n = read(fd, buf, sizeof(buf))) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);
            return fail_errno(path, e);
        }
        fwrite(buf, 1, (size_t)n, stdout);
    }
    close(fd);
    return 0;
}

/* Prints the lines of /proc/self/status whose key starts with PREFIX, as
 * "Key: value" with the tab collapsed to one space. */
static int status_lines(const char *prefix)
{
    char line[512];
    bool found = false;
    FILE *f = fopen("/proc/self/status", "re");

    if (!f)
        return fail_errno("/proc/self/status", errno);
    while (fgets(line, sizeof(line), f)) {
        char *colon = strchr(line, ':');
        char *value;

        if (!colon || strncmp(line, prefix, strlen(prefix)) != 0)
            continue;
        *colon = '\0';
        for (value = colon + 1; *value == ' ' || *value == '\t'; value++)
            ;
        printf("%s: %s", line, value);
        found = true;
    }
    fclose(f);
    if (!found)
        return fail_errno(prefix, ENOENT);
    return 0;
}

static int cmd_id(int argc, char **argv)
{
    gid_t groups[NGROUPS_MAX];
    int n = getgroups(NGROUPS_MAX, groups);

    if (n < 0)
        return fail_errno("getgroups", errno);
    printf("uid=%u gid=%u groups=", (unsigned)getuid(), (unsigned)getgid());
    for (int i = 0; i < n; i++)
        printf("%s%u", i ? "," : "", (unsigned)groups[i]);
    printf("\n");
    return 0;
}

static int cmd_caps(int argc, char **argv)
{
    return status_lines("Cap");
}

static int cmd_nnp(int argc, char **argv)
{
    return status_lines("NoNewPrivs");
}

static int cmd_seccomp(int argc, char **argv)
{
    return status_lines("Seccomp");
}

static int cmd_ns(int argc, char **argv)
{
    char path[PATH_MAX], target[PATH_MAX];
    ssize_t n;

    snprintf(path, sizeof(path), "/proc/self/ns/%s", argv[1]);
    n = readlink(path, target, sizeof(target) - 1);
    if (n < 0)
        return fail_errno(path, errno);
    target[n] = '\0';
    printf("%s\n", target);
    return 0;
}

static int compare_ints(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;

    return (x > y) - (x < y);
}

/* Open descriptors, ascending, on one line ("0 1 2"), not counting the one
 * used to read the directory. */
static int cmd_fds(int argc, char **argv)
{
    int fds[4096];
    size_t n = 0;
    struct dirent *de;
    DIR *d = opendir("/proc/self/fd");

    if (!d)
        return fail_errno("/proc/self/fd", errno);
    while ((de = readdir(d)) != NULL && n < sizeof(fds) / sizeof(fds[0])) {
        long fd;

        if (parse_long(de->d_name, &fd) < 0 || fd == dirfd(d))
            continue;
        fds[n++] = (int)fd;
    }
    closedir(d);
    qsort(fds, n, sizeof(fds[0]), compare_ints);
    for (size_t i = 0; i < n; i++)
        printf("%s%d", i ? " " : "", fds[i]);
    printf("\n");
    return 0;
}

static int cmd_cwd(int argc, char **argv)
{
    char buf[PATH_MAX];

    if (!getcwd(buf, sizeof(buf)))
        return fail_errno("getcwd", errno);
    printf("%s\n", buf);
    return 0;
}

static int cmd_env(int argc, char **argv)
{
    for (char **e = environ; *e; e++)
        printf("%s\n", *e);
    return 0;
}

static int cmd_hostname(int argc, char **argv)
{
    struct utsname u;

    if (uname(&u) < 0)
        return fail_errno("uname", errno);
    printf("%s\n", u.nodename);
    return 0;
}

static int cmd_domainname(int argc, char **argv)
{
    struct utsname u;

    if (uname(&u) < 0)
        return fail_errno("uname", errno);
    printf("%s\n", u.domainname);
    return 0;
}

static const struct {
    const char *name;
    int resource;
} rlimits[] = {
    {"AS", RLIMIT_AS},           {"CORE", RLIMIT_CORE},         {"CPU", RLIMIT_CPU},
    {"DATA", RLIMIT_DATA},       {"FSIZE", RLIMIT_FSIZE},       {"LOCKS", RLIMIT_LOCKS},
    {"MEMLOCK", RLIMIT_MEMLOCK}, {"MSGQUEUE", RLIMIT_MSGQUEUE}, {"NICE", RLIMIT_NICE},
    {"NOFILE", RLIMIT_NOFILE},   {"NPROC", RLIMIT_NPROC},       {"RSS", RLIMIT_RSS},
    {"RTPRIO", RLIMIT_RTPRIO},   {"RTTIME", RLIMIT_RTTIME},     {"SIGPENDING", RLIMIT_SIGPENDING},
    {"STACK", RLIMIT_STACK},
};

static void print_rlim(rlim_t v, const char *end)
{
    if (v == RLIM_INFINITY)
        printf("unlimited%s", end);
    else
        printf("%llu%s", (unsigned long long)v, end);
}

/* "SOFT HARD" of a limit named NOFILE or RLIMIT_NOFILE. */
static int cmd_rlimit(int argc, char **argv)
{
    const char *name = argv[1];
    struct rlimit rl;

    if (strncasecmp(name, "RLIMIT_", 7) == 0)
        name += 7;
    for (size_t i = 0; i < sizeof(rlimits) / sizeof(rlimits[0]); i++) {
        if (strcasecmp(rlimits[i].name, name) != 0)
            continue;
        if (getrlimit(rlimits[i].resource, &rl) < 0)
            return fail_errno("getrlimit", errno);
        print_rlim(rl.rlim_cur, " ");
        print_rlim(rl.rlim_max, "\n");
        return 0;
    }
    return usage("unknown rlimit");
}

static int cmd_mounts(int argc, char **argv)
{
    return copy_file("/proc/self/mountinfo");
}

static int cmd_cat(int argc, char **argv)
{
    return copy_file(argv[1]);
}

/* Writes TEXT (no newline added) to FILE, creating it if missing. */
static int cmd_write(int argc, char **argv)
{
    size_t len = strlen(argv[2]);
    int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

    if (fd < 0)
        return fail_errno(argv[1], errno);
    if (write(fd, argv[2], len) != (ssize_t)len) {
        int e = errno;
        close(fd);
        return fail_errno(argv[1], e);
    }
    if (close(fd) < 0)
        return fail_errno(argv[1], errno);
    return 0;
}

static const char *file_type(mode_t m)
{
    switch (m & S_IFMT) {
    case S_IFREG:
        return "file";
    case S_IFDIR:
        return "dir";
    case S_IFLNK:
        return "link";
    case S_IFCHR:
        return "chr";
    case S_IFBLK:
        return "blk";
    case S_IFIFO:
        return "fifo";
    case S_IFSOCK:
        return "sock";
    default:
        return "unknown";
    }
}

/* "type=chr mode=0666 uid=0 gid=0 rdev=1:3" of PATH itself (lstat), and
 * "target=..." for a symlink. */
static int cmd_stat(int argc, char **argv)
{
    struct stat st;

    if (lstat(argv[1], &st) < 0)
        return fail_errno(argv[1], errno);
    printf("type=%s mode=%04o uid=%u gid=%u rdev=%u:%u", file_type(st.st_mode),
           (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid, (unsigned)st.st_gid,
           major(st.st_rdev), minor(st.st_rdev));
    if (S_ISLNK(st.st_mode)) {
        char target[PATH_MAX];
        ssize_t n = readlink(argv[1], target, sizeof(target) - 1);

        if (n < 0)
            return fail_errno(argv[1], errno);
        target[n] = '\0';
        printf(" target=%s", target);
    }
    printf("\n");
    return 0;
}

static int cmd_pid(int argc, char **argv)
{
    printf("%d\n", (int)getpid());
    return 0;
}

static int cmd_ppid(int argc, char **argv)
{
    printf("%d\n", (int)getppid());
    return 0;
}

static int cmd_sleep(int argc, char **argv)
{
    double secs;

    if (parse_seconds(argv[1], &secs) < 0)
        return usage("sleep: bad number of seconds");
    sleep_seconds(secs);
    return 0;
}

static int cmd_exit(int argc, char **argv)
{
    long code;

    if (parse_long(argv[1], &code) < 0 || code < 0 || code > 255)
        return usage("exit: code must be in 0..255");
    return (int)code;
}

/* Dies by signal SIG.  A pid namespace's init ignores its own signals
 * unless it handles them, so surviving is reported as a failure. */
static int cmd_kill_self(int argc, char **argv)
{
    int sig;

    if (parse_signal(argv[1], &sig) < 0)
        return usage("kill-self: unknown signal");
    signal(sig, SIG_DFL);
    if (kill(getpid(), sig) < 0)
        return fail_errno("kill", errno);
    sleep_seconds(1);
    fprintf(stderr, "probe: kill-self: still alive after signal %d\n", sig);
    return 1;
}

static int cmd_ignore_term_sleep(int argc, char **argv)
{
    double secs;

    if (parse_seconds(argv[1], &secs) < 0)
        return usage("ignore-term-sleep: bad number of seconds");
    signal(SIGTERM, SIG_IGN);
    signal(SIGINT, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    sleep_seconds(secs);
    return 0;
}

static int cmd_umask(int argc, char **argv)
{
    mode_t m = umask(0);

    umask(m);
    printf("%04o\n", (unsigned)m);
    return 0;
}

/* Opens PATH for reading, or for writing with MODE "w" (never truncating
 * or creating), and prints "ok". */
static int cmd_open(int argc, char **argv)
{
    int flags = O_RDONLY;
    int fd;

    if (argc > 2) {
        if (strcmp(argv[2], "w") == 0)
            flags = O_WRONLY;
        else if (strcmp(argv[2], "rw") == 0)
            flags = O_RDWR;
        else if (strcmp(argv[2], "r") != 0)
            return usage("open: mode must be r, w or rw");
    }
    fd = open(argv[1], flags | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return fail_errno(argv[1], errno);
    close(fd);
    printf("ok\n");
    return 0;
}

static int cmd_mkdir(int argc, char **argv)
{
    if (mkdir(argv[1], 0755) < 0)
        return fail_errno(argv[1], errno);
    return 0;
}

static int cmd_oom(int argc, char **argv)
{
    return copy_file("/proc/self/oom_score_adj");
}

/* Value of a sysctl named with dots (net.ipv4.ip_forward). */
static int cmd_sysctl(int argc, char **argv)
{
    char path[PATH_MAX];
    int n = snprintf(path, sizeof(path), "/proc/sys/%s", argv[1]);

    if (n < 0 || (size_t)n >= sizeof(path))
        return usage("sysctl: key too long");
    for (char *p = path + strlen("/proc/sys/"); *p; p++)
        if (*p == '.')
            *p = '/';
    return copy_file(path);
}

/* One line per standard descriptor: "0 tty /dev/pts/0" or "0 notty". */
static int cmd_tty(int argc, char **argv)
{
    for (int fd = 0; fd <= 2; fd++) {
        if (isatty(fd)) {
            const char *name = ttyname(fd);
            printf("%d tty %s\n", fd, name ? name : "?");
        } else {
            printf("%d notty\n", fd);
        }
    }
    return 0;
}

static int cmd_winsize(int argc, char **argv)
{
    struct winsize ws;

    if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) < 0)
        return fail_errno("TIOCGWINSZ", errno);
    printf("rows=%u cols=%u\n", ws.ws_row, ws.ws_col);
    return 0;
}

static int cmd_spin(int argc, char **argv)
{
    volatile unsigned long n = 0;

    for (;;)
        n++;
    return 0;
}

/* Allocates N MiB one at a time, writing every page so it is really
 * charged, and prints "allocated=N" once all are held; under a smaller
 * memory limit the OOM killer ends it first. */
static int cmd_hog(int argc, char **argv)
{
    long mib;

    if (parse_long(argv[1], &mib) < 0 || mib < 1 || mib > 1048576)
        return usage("hog: N must be in 1..1048576");
    for (long i = 0; i < mib; i++) {
        char *p = malloc(1 << 20);
        if (p == NULL)
            return fail_errno("malloc", ENOMEM);
        memset(p, (int)(i & 0xff) | 1, 1 << 20);
    }
    printf("allocated=%ld\n", mib);
    return 0;
}

/* Counts up forever, rewriting FILE with the count (fixed width, so a
 * reader never sees a shorter number mixed with a longer one) every
 * millisecond: a file that stops changing means the process stopped. */
static int cmd_count(int argc, char **argv)
{
    int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    struct timespec ms = {0, 1000000};
    char buf[32];

    if (fd < 0)
        return fail_errno(argv[1], errno);
    for (unsigned long n = 0;; n++) {
        int len = snprintf(buf, sizeof(buf), "%020lu\n", n);
        if (pwrite(fd, buf, (size_t)len, 0) != len)
            return fail_errno(argv[1], errno);
        nanosleep(&ms, NULL);
    }
}

/* Forks up to N children that wait, prints "forked=K", then kills and
 * reaps them.  Fails (with the fork errno) if fewer than N could be made,
 * which is what a pids limit must cause. */
static int cmd_fork_bomb(int argc, char **argv)
{
    long want, made = 0;
    int fork_errno = 0;
    pid_t *kids;

    if (parse_long(argv[1], &want) < 0 || want < 1 || want > 100000)
        return usage("fork-bomb: N must be in 1..100000");
    kids = calloc((size_t)want, sizeof(*kids));
    if (!kids)
        return fail_errno("calloc", ENOMEM);
    while (made < want) {
        pid_t pid = fork();

        if (pid < 0) {
            fork_errno = errno;
            break;
        }
        if (pid == 0) {
            pause();
            _exit(0);
        }
        kids[made++] = pid;
    }
    printf("forked=%ld\n", made);
    fflush(stdout);
    for (long i = 0; i < made; i++)
        kill(kids[i], SIGKILL);
    for (long i = 0; i < made; i++)
        waitpid(kids[i], NULL, 0);
    free(kids);
    if (fork_errno)
        return fail_errno("fork", fork_errno);
    return 0;
}

static int cmd_exec(int argc, char **argv)
{
    execv(argv[1], argv + 1);
    return fail_errno(argv[1], errno);
}

/* Tries to rewrite the executable behind /proc/PID/exe the way
 * CVE-2019-5736 did: hold an O_PATH descriptor of it, wait until WAITFILE
 * appears (the test starts the container in between, so the runtime's
 * process has exec'ed away and no longer keeps the file busy), reopen it for
 * writing through /proc/self/fd and write back its own first byte (so even
 * a vulnerable runtime's binary is left unchanged).  Prints "written" and
 * succeeds only if that worked. */
static int cmd_rewrite_exe(int argc, char **argv)
{
    char path[PATH_MAX], fdpath[64];
    unsigned char first;
    double waited = 0;
    int opath, rfd, wfd;

    snprintf(path, sizeof(path), "/proc/%s/exe", argv[1]);
    opath = open(path, O_PATH | O_CLOEXEC);
    if (opath < 0)
        return fail_errno(path, errno);
    printf("held\n");
    fflush(stdout);
    while (access(argv[2], F_OK) < 0) {
        if (waited > 30)
            return fail_errno(argv[2], ETIMEDOUT);
        sleep_seconds(0.05);
        waited += 0.05;
    }
    snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", opath);
    rfd = open(fdpath, O_RDONLY | O_CLOEXEC);
    if (rfd < 0)
        return fail_errno("reopen for reading", errno);
    if (pread(rfd, &first, 1, 0) != 1)
        return fail_errno("read first byte", errno ? errno : EIO);
    close(rfd);
    wfd = open(fdpath, O_WRONLY | O_CLOEXEC);
    if (wfd < 0)
        return fail_errno("reopen for writing", errno);
    if (pwrite(wfd, &first, 1, 0) != 1)
        return fail_errno("write", errno ? errno : EIO);
    close(wfd);
    printf("written\n");
    return 0;
}

/* Forks N children that sleep SECS, prints each child's pid on its own
 * line, then sleeps SECS itself: a container with several processes. */
static int cmd_spawn(int argc, char **argv)
{
    long n;
    double secs;

    if (parse_long(argv[1], &n) < 0 || n < 1 || n > 1000)
        return usage("spawn: N must be in 1..1000");
    if (parse_seconds(argv[2], &secs) < 0)
        return usage("spawn: bad number of seconds");
    for (long i = 0; i < n; i++) {
        pid_t pid = fork();

        if (pid < 0)
            return fail_errno("fork", errno);
        if (pid == 0) {
            sleep_seconds(secs);
            _exit(0);
        }
        printf("%d\n", (int)pid);
    }
    fflush(stdout);
    sleep_seconds(secs);
    return 0;
}

/* Appends LINE and a newline to FILE with one write(2). */
static int append_line(const char *file, const char *line)
{
    char buf[256];
    int n = snprintf(buf, sizeof(buf), "%s\n", line);
    int fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

    if (fd < 0)
        return fail_errno(file, errno);
    if (n < 0 || write(fd, buf, (size_t)n) != n) {
        int e = errno;
        close(fd);
        return fail_errno(file, e);
    }
    close(fd);
    return 0;
}

/* Receives signals instead of dying of them: appends "ready" to FILE once
 * every catchable signal is blocked, then the name of each signal that
 * arrives ("USR1"), and returns after SIGTERM.  As a pid namespace's init
 * ignores unhandled signals, this is how tests see what kill delivered. */
static int cmd_catch(int argc, char **argv)
{
    sigset_t all;

    sigfillset(&all);
    if (sigprocmask(SIG_BLOCK, &all, NULL) < 0)
        return fail_errno("sigprocmask", errno);
    if (append_line(argv[1], "ready") != 0)
        return 1;
    for (;;) {
        int sig = sigwaitinfo(&all, NULL);
        const char *name;

        if (sig < 0) {
            if (errno == EINTR)
                continue;
            return fail_errno("sigwaitinfo", errno);
        }
        name = sigabbrev_np(sig);
        if (append_line(argv[1], name ? name : "UNKNOWN") != 0)
            return 1;
        if (sig == SIGTERM)
            return 0;
    }
}

static int cmd_append(int argc, char **argv)
{
    return append_line(argv[1], argv[2]);
}

/* Copies standard input (a hook's state JSON) to FILE. */
static int cmd_save_stdin(int argc, char **argv)
{
    char buf[8192];
    ssize_t n;
    int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

    if (fd < 0)
        return fail_errno(argv[1], errno);
    while ((n = read(STDIN_FILENO, buf, sizeof(buf))) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || write(fd, buf, (size_t)n) != n) {
            int e = errno;
            close(fd);
            return fail_errno(argv[1], e);
        }
    }
    close(fd);
    return 0;
}

/* Writes the environment to FILE, one variable a line. */
static int cmd_save_env(int argc, char **argv)
{
    FILE *f = fopen(argv[1], "we");

    if (!f)
        return fail_errno(argv[1], errno);
    for (char **e = environ; *e; e++)
        fprintf(f, "%s\n", *e);
    if (fclose(f) != 0)
        return fail_errno(argv[1], errno);
    return 0;
}

/* Serves UDP on PORT of every address until killed: each datagram comes
 * back to its sender prefixed with "echo:", so a test can see a published
 * UDP port reach it. */
static int cmd_udp_echo(int argc, char **argv)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY)};
    long port;
    int fd;

    (void)argc;
    if (parse_long(argv[1], &port) < 0 || port < 1 || port > 65535)
        return 2;
    sa.sin_port = htons((uint16_t)port);
    fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return fail_errno("socket", errno);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        return fail_errno("bind", errno);
    for (;;) {
        char buf[1024] = "echo:";
        struct sockaddr_in peer;
        socklen_t len = sizeof(peer);
        ssize_t n = recvfrom(fd, buf + 5, sizeof(buf) - 5, 0, (struct sockaddr *)&peer, &len);
        if (n < 0 && errno != EINTR)
            return fail_errno("recvfrom", errno);
        if (n >= 0)
            sendto(fd, buf, (size_t)n + 5, 0, (struct sockaddr *)&peer, len);
    }
}

struct command {
    const char *name;
    int min_args; /* arguments after the subcommand's name */
    int (*fn)(int argc, char **argv);
    const char *usage;
};

static const struct command commands[] = {
    {"id", 0, cmd_id, ""},
    {"caps", 0, cmd_caps, ""},
    {"ns", 1, cmd_ns, "TYPE"},
    {"fds", 0, cmd_fds, ""},
    {"cwd", 0, cmd_cwd, ""},
    {"env", 0, cmd_env, ""},
    {"hostname", 0, cmd_hostname, ""},
    {"domainname", 0, cmd_domainname, ""},
    {"rlimit", 1, cmd_rlimit, "NAME"},
    {"mounts", 0, cmd_mounts, ""},
    {"cat", 1, cmd_cat, "FILE"},
    {"write", 2, cmd_write, "FILE TEXT"},
    {"stat", 1, cmd_stat, "PATH"},
    {"pid", 0, cmd_pid, ""},
    {"ppid", 0, cmd_ppid, ""},
    {"sleep", 1, cmd_sleep, "SECS"},
    {"exit", 1, cmd_exit, "N"},
    {"kill-self", 1, cmd_kill_self, "SIG"},
    {"ignore-term-sleep", 1, cmd_ignore_term_sleep, "SECS"},
    {"umask", 0, cmd_umask, ""},
    {"nnp", 0, cmd_nnp, ""},
    {"seccomp", 0, cmd_seccomp, ""},
    {"open", 1, cmd_open, "PATH [r|w|rw]"},
    {"mkdir", 1, cmd_mkdir, "PATH"},
    {"oom", 0, cmd_oom, ""},
    {"sysctl", 1, cmd_sysctl, "KEY"},
    {"tty", 0, cmd_tty, ""},
    {"winsize", 0, cmd_winsize, ""},
    {"spin", 0, cmd_spin, ""},
    {"fork-bomb", 1, cmd_fork_bomb, "N"},
    {"hog", 1, cmd_hog, "MIB"},
    {"count", 1, cmd_count, "FILE"},
    {"exec", 1, cmd_exec, "PATH [ARGS...]"},
    {"rewrite-exe", 2, cmd_rewrite_exe, "PID WAITFILE"},
    {"spawn", 2, cmd_spawn, "N SECS"},
    {"catch", 1, cmd_catch, "FILE"},
    {"append", 2, cmd_append, "FILE LINE"},
    {"save-stdin", 1, cmd_save_stdin, "FILE"},
    {"save-env", 1, cmd_save_env, "FILE"},
    {"udp-echo", 1, cmd_udp_echo, "PORT"},
};

static int print_usage(void)
{
    fprintf(stderr, "usage: probe COMMAND [ARGS...] [+ COMMAND [ARGS...]]...\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(stderr, "  %s %s\n", commands[i].name, commands[i].usage);
    return 2;
}

static const struct command *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(name, commands[i].name) == 0)
            return &commands[i];
    return NULL;
}

/* Runs "CMD ARGS [+ CMD ARGS]...": each command in turn, stopping at the
 * first that fails, so one container process can for instance write a file
 * and then sleep. */
int main(int argc, char **argv)
{
    int i = 1;

    if (argc < 2)
        return print_usage();
    while (i < argc) {
        const struct command *c = find_command(argv[i]);
        int end = i + 1, rc;

        if (!c) {
            fprintf(stderr, "probe: unknown command \"%s\"\n", argv[i]);
            return print_usage();
        }
        while (end < argc && strcmp(argv[end], "+") != 0)
            end++;
        if (end - i - 1 < c->min_args)
            return print_usage();
        argv[end < argc ? end : argc] = NULL;
        rc = c->fn(end - i, argv + i);
        if (fflush(stdout) != 0 && rc == 0)
            return fail_errno("stdout", errno);
        if (rc != 0)
            return rc;
        i = end + 1;
    }
    return 0;
}
