/* hull-sectest: escape attempts for the security regression tests, run
 * inside containers (static, so it works in an empty rootfs or an image).
 * Each subcommand tries one thing a container must not be able to do and
 * prints "ESCAPED ..." and exits 0 if it worked, or "blocked: ENAME" and
 * exits 1 if it did not.
 *
 *   mount-cgroup DIR      mount a cgroup v1 hierarchy (rdma, then any) on
 *                         DIR and write its release_agent (CVE-2022-0492)
 *   read FILE             read the first bytes of FILE (e.g. /proc/kcore);
 *                         "empty" if it reads as empty
 *   unshare-user          create a user namespace
 *   keyctl                join a new session keyring
 *   write FILE TEXT       create or overwrite FILE with TEXT
 *   chmod FILE MODE       chmod FILE (octal)
 *   symlink TARGET LINK   create a symlink
 *   rename FROM TO        rename, to race against a host-side copy
 *   swap-loop A B N       swaps directory A and symlink B back and forth N
 *                         times (renameat2 RENAME_EXCHANGE), for races */
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int blocked(const char *what, int e)
{
    const char *name = strerrorname_np(e);
    printf("blocked: %s: %s\n", what, name ? name : "EUNKNOWN");
    return 1;
}

static int mount_cgroup(const char *dir)
{
    static const char *const opts[] = {"rdma", "memory", "cpu", "pids", "none,name=hulltest"};
    int last = 0;

    for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
        if (mount("cgroup", dir, "cgroup", 0, opts[i]) == 0) {
            char path[4096];
            snprintf(path, sizeof(path), "%s/release_agent", dir);
            int fd = open(path, O_WRONLY | O_CLOEXEC);
            if (fd >= 0 && write(fd, "/tmp/hull-pwn", 13) == 13) {
                printf("ESCAPED: wrote %s\n", path);
                return 0;
            }
            printf("mounted cgroup (%s) but release_agent is not writable\n", opts[i]);
            umount2(dir, MNT_DETACH);
            return 1;
        }
        last = errno;
    }
    return blocked("mount cgroup", last);
}

static int read_file(const char *path)
{
    char buf[64];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return blocked(path, errno);
    ssize_t n = read(fd, buf, sizeof(buf));
    int e = errno;
    close(fd);
    if (n < 0)
        return blocked(path, e);
    if (n == 0) {
        printf("empty\n");
        return 1;
    }
    printf("ESCAPED: read %zd bytes of %s\n", n, path);
    return 0;
}

static int write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return blocked(path, errno);
    ssize_t n = write(fd, text, strlen(text));
    int e = errno;
    close(fd);
    if (n != (ssize_t)strlen(text))
        return blocked(path, e);
    printf("wrote %s\n", path);
    return 0;
}

/* Swaps A (a directory) and B (a symlink) by renameat2 RENAME_EXCHANGE, N
 * times, as fast as possible. */
static int swap_loop(const char *a, const char *b, long n)
{
    for (long i = 0; i < n; i++)
        if (syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, 2 /* RENAME_EXCHANGE */) < 0)
            return blocked("renameat2", errno);
    printf("swapped %ld times\n", n);
    return 0;
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : "";

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (strcmp(cmd, "mount-cgroup") == 0 && argc == 3)
        return mount_cgroup(argv[2]);
    if (strcmp(cmd, "read") == 0 && argc == 3)
        return read_file(argv[2]);
    if (strcmp(cmd, "unshare-user") == 0 && argc == 2) {
        if (unshare(CLONE_NEWUSER) < 0)
            return blocked("unshare(CLONE_NEWUSER)", errno);
        printf("ESCAPED: new user namespace\n");
        return 0;
    }
    if (strcmp(cmd, "keyctl") == 0 && argc == 2) {
        if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0)
            return blocked("keyctl", errno);
        printf("ESCAPED: joined a new session keyring\n");
        return 0;
    }
    if (strcmp(cmd, "write") == 0 && argc == 4)
        return write_file(argv[2], argv[3]);
    if (strcmp(cmd, "chmod") == 0 && argc == 4) {
        if (chmod(argv[2], (mode_t)strtoul(argv[3], NULL, 8)) < 0)
            return blocked(argv[2], errno);
        printf("chmod %s\n", argv[2]);
        return 0;
    }
    if (strcmp(cmd, "symlink") == 0 && argc == 4) {
        if (symlink(argv[2], argv[3]) < 0)
            return blocked(argv[3], errno);
        return 0;
    }
    if (strcmp(cmd, "rename") == 0 && argc == 4) {
        if (rename(argv[2], argv[3]) < 0)
            return blocked(argv[2], errno);
        return 0;
    }
    if (strcmp(cmd, "swap-loop") == 0 && argc == 5)
        return swap_loop(argv[2], argv[3], strtol(argv[4], NULL, 10));
    fprintf(stderr, "usage: hull-sectest mount-cgroup DIR | read FILE | unshare-user | keyctl | "
                    "write FILE TEXT | chmod FILE MODE | symlink TARGET LINK | rename FROM TO | "
                    "swap-loop A B N\n");
    return 2;
}
