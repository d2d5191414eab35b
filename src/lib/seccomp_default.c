/* hull's default seccomp profile.
 *
 * It has the effect of Docker's default profile (moby's
 * profiles/seccomp/default.json): a list of allowed syscalls, everything
 * else failing with EPERM, so a container that starts under Docker starts
 * under hull.  What stays out is what reaches past the container: kernel
 * keyrings (keyctl, add_key, request_key), kexec and modules, swap,
 * mounting and namespaces, bpf and perf, clock setting, reboot, ptrace on
 * kernels older than 4.8 (CVE-2014-9529-style seccomp bypasses), and
 * AF_VSOCK sockets to the hypervisor.  Several of these come back with the
 * capability that legitimately needs them (CAP_SYS_ADMIN for mount and
 * unshare, CAP_SYS_PTRACE for process_vm_*, ...), so --cap-add works as it
 * does with Docker.  The rules are grouped by subject here; the set they
 * allow is Docker's. */
#include "seccomp_docker.h"
#include "util.h"

#include <errno.h>

#define NAMES(...) ((const char *const[]){__VA_ARGS__, NULL})

/* Files, directories, descriptors and I/O on them. */
static const char *const files[] = {
    "access",
    "faccessat",
    "faccessat2",
    "chdir",
    "fchdir",
    "getcwd",
    "chmod",
    "fchmod",
    "fchmodat",
    "chown",
    "chown32",
    "fchown",
    "fchown32",
    "fchownat",
    "lchown",
    "lchown32",
    "close",
    "close_range",
    "creat",
    "open",
    "openat",
    "openat2",
    "name_to_handle_at",
    "dup",
    "dup2",
    "dup3",
    "fcntl",
    "fcntl64",
    "flock",
    "fadvise64",
    "fadvise64_64",
    "fallocate",
    "readahead",
    "fsync",
    "fdatasync",
    "sync",
    "syncfs",
    "sync_file_range",
    "ftruncate",
    "ftruncate64",
    "truncate",
    "truncate64",
    "stat",
    "stat64",
    "lstat",
    "lstat64",
    "fstat",
    "fstat64",
    "fstatat64",
    "newfstatat",
    "statx",
    "statfs",
    "statfs64",
    "fstatfs",
    "fstatfs64",
    "getdents",
    "getdents64",
    "mkdir",
    "mkdirat",
    "rmdir",
    "mknod",
    "mknodat",
    "link",
    "linkat",
    "symlink",
    "symlinkat",
    "readlink",
    "readlinkat",
    "rename",
    "renameat",
    "renameat2",
    "unlink",
    "unlinkat",
    "umask",
    "utime",
    "utimes",
    "utimensat",
    "utimensat_time64",
    "futimesat",
    "getxattr",
    "lgetxattr",
    "fgetxattr",
    "setxattr",
    "lsetxattr",
    "fsetxattr",
    "listxattr",
    "llistxattr",
    "flistxattr",
    "removexattr",
    "lremovexattr",
    "fremovexattr",
    "read",
    "readv",
    "pread64",
    "preadv",
    "preadv2",
    "write",
    "writev",
    "pwrite64",
    "pwritev",
    "pwritev2",
    "lseek",
    "_llseek",
    "sendfile",
    "sendfile64",
    "splice",
    "tee",
    "vmsplice",
    "copy_file_range",
    "pipe",
    "pipe2",
    "ioctl",
    "inotify_init",
    "inotify_init1",
    "inotify_add_watch",
    "inotify_rm_watch",
    "fanotify_mark",
    NULL,
};

/* Waiting for events and asynchronous I/O. */
static const char *const events[] = {
    "select",
    "_newselect",
    "pselect6",
    "pselect6_time64",
    "poll",
    "ppoll",
    "ppoll_time64",
    "epoll_create",
    "epoll_create1",
    "epoll_ctl",
    "epoll_ctl_old",
    "epoll_wait",
    "epoll_wait_old",
    "epoll_pwait",
    "epoll_pwait2",
    "eventfd",
    "eventfd2",
    "signalfd",
    "signalfd4",
    "timerfd_create",
    "timerfd_gettime",
    "timerfd_gettime64",
    "timerfd_settime",
    "timerfd_settime64",
    "io_setup",
    "io_destroy",
    "io_submit",
    "io_cancel",
    "io_getevents",
    "io_pgetevents",
    "io_pgetevents_time64",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    NULL,
};

/* Processes, credentials, scheduling and resource limits of oneself. */
static const char *const processes[] = {
    "fork",
    "vfork",
    "execve",
    "execveat",
    "exit",
    "exit_group",
    "wait4",
    "waitid",
    "waitpid",
    "getpid",
    "getppid",
    "gettid",
    "getpgid",
    "getpgrp",
    "setpgid",
    "getsid",
    "setsid",
    "getuid",
    "getuid32",
    "geteuid",
    "geteuid32",
    "getgid",
    "getgid32",
    "getegid",
    "getegid32",
    "getresuid",
    "getresuid32",
    "getresgid",
    "getresgid32",
    "getgroups",
    "getgroups32",
    "setuid",
    "setuid32",
    "setgid",
    "setgid32",
    "setreuid",
    "setreuid32",
    "setregid",
    "setregid32",
    "setresuid",
    "setresuid32",
    "setresgid",
    "setresgid32",
    "setfsuid",
    "setfsuid32",
    "setfsgid",
    "setfsgid32",
    "setgroups",
    "setgroups32",
    "capget",
    "capset",
    "prctl",
    "seccomp",
    "landlock_create_ruleset",
    "landlock_add_rule",
    "landlock_restrict_self",
    "getpriority",
    "setpriority",
    "ioprio_get",
    "ioprio_set",
    "sched_yield",
    "sched_getaffinity",
    "sched_setaffinity",
    "sched_getattr",
    "sched_setattr",
    "sched_getparam",
    "sched_setparam",
    "sched_getscheduler",
    "sched_setscheduler",
    "sched_get_priority_max",
    "sched_get_priority_min",
    "sched_rr_get_interval",
    "sched_rr_get_interval_time64",
    "getrlimit",
    "setrlimit",
    "ugetrlimit",
    "prlimit64",
    "getrusage",
    "times",
    "getcpu",
    "uname",
    "sysinfo",
    "getrandom",
    "set_tid_address",
    "get_robust_list",
    "set_robust_list",
    "get_thread_area",
    "set_thread_area",
    "rseq",
    "restart_syscall",
    "pidfd_open",
    "pidfd_send_signal",
    "process_mrelease",
    NULL,
};

static const char *const signals[] = {
    "kill",
    "tkill",
    "tgkill",
    "pause",
    "alarm",
    "sigaltstack",
    "sigprocmask",
    "sigreturn",
    "rt_sigaction",
    "rt_sigprocmask",
    "rt_sigpending",
    "rt_sigsuspend",
    "rt_sigreturn",
    "rt_sigqueueinfo",
    "rt_tgsigqueueinfo",
    "rt_sigtimedwait",
    "rt_sigtimedwait_time64",
    NULL,
};

static const char *const memory[] = {
    "brk",           "mmap",         "mmap2",        "munmap",      "mremap",
    "mprotect",      "madvise",      "mincore",      "msync",       "remap_file_pages",
    "mlock",         "mlock2",       "mlockall",     "munlock",     "munlockall",
    "membarrier",    "memfd_create", "memfd_secret", "pkey_alloc",  "pkey_free",
    "pkey_mprotect", "futex",        "futex_time64", "futex_waitv", NULL,
};

/* Reading clocks and timers (setting the clock needs CAP_SYS_TIME). */
static const char *const time_calls[] = {
    "time",
    "gettimeofday",
    "clock_gettime",
    "clock_gettime64",
    "clock_getres",
    "clock_getres_time64",
    "clock_nanosleep",
    "clock_nanosleep_time64",
    "nanosleep",
    "adjtimex",
    "clock_adjtime",
    "clock_adjtime64",
    "getitimer",
    "setitimer",
    "timer_create",
    "timer_delete",
    "timer_getoverrun",
    "timer_gettime",
    "timer_gettime64",
    "timer_settime",
    "timer_settime64",
    NULL,
};

/* System V and POSIX IPC: the container's own IPC namespace. */
static const char *const ipc[] = {
    "ipc",
    "msgget",
    "msgctl",
    "msgsnd",
    "msgrcv",
    "semget",
    "semctl",
    "semop",
    "semtimedop",
    "semtimedop_time64",
    "shmget",
    "shmctl",
    "shmat",
    "shmdt",
    "mq_open",
    "mq_unlink",
    "mq_getsetattr",
    "mq_notify",
    "mq_timedsend",
    "mq_timedsend_time64",
    "mq_timedreceive",
    "mq_timedreceive_time64",
    NULL,
};

/* Sockets; socket(2) itself is allowed below, without AF_VSOCK. */
static const char *const sockets[] = {
    "socketpair",      "socketcall", "bind",     "listen",      "accept",
    "accept4",         "connect",    "shutdown", "getsockname", "getpeername",
    "getsockopt",      "setsockopt", "send",     "sendto",      "sendmsg",
    "sendmmsg",        "recv",       "recvfrom", "recvmsg",     "recvmmsg",
    "recvmmsg_time64", NULL,
};

/* A conditional rule: allowed when the container holds CAP (or, with
 * ARCHES, on those architectures), or an argument condition. */
struct cond_rule {
    const char *const *names;
    const char *cap;           /* includes.caps */
    const char *const *arches; /* includes.arches */
    const char *min_kernel;    /* includes.minKernel */
};

static const struct cond_rule cond_rules[] = {
    /* ptrace could bypass seccomp before 4.8. */
    {NAMES("ptrace", "process_vm_readv", "process_vm_writev"), NULL, NULL, "4.8"},
    {NAMES("arch_prctl"), NULL, NAMES("amd64", "x32"), NULL},
    {NAMES("modify_ldt"), NULL, NAMES("amd64", "x32", "x86"), NULL},
    {NAMES("breakpoint", "cacheflush", "set_tls", "arm_fadvise64_64", "arm_sync_file_range",
           "sync_file_range2"),
     NULL, NAMES("arm", "arm64"), NULL},
    {NAMES("sync_file_range2", "swapcontext"), NULL, NAMES("ppc64le"), NULL},
    {NAMES("s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr"), NULL,
     NAMES("s390", "s390x"), NULL},
    {NAMES("riscv_flush_icache"), NULL, NAMES("riscv64"), NULL},
    {NAMES("mount", "umount", "umount2", "mount_setattr", "move_mount", "open_tree", "fsopen",
           "fsconfig", "fsmount", "fspick", "unshare", "setns", "clone", "clone3", "sethostname",
           "setdomainname", "quotactl", "quotactl_fd", "bpf", "perf_event_open", "fanotify_init",
           "lookup_dcookie", "syslog"),
     "CAP_SYS_ADMIN", NULL, NULL},
    {NAMES("open_by_handle_at"), "CAP_DAC_READ_SEARCH", NULL, NULL},
    {NAMES("chroot"), "CAP_SYS_CHROOT", NULL, NULL},
    {NAMES("reboot"), "CAP_SYS_BOOT", NULL, NULL},
    {NAMES("init_module", "finit_module", "delete_module"), "CAP_SYS_MODULE", NULL, NULL},
    {NAMES("acct"), "CAP_SYS_PACCT", NULL, NULL},
    {NAMES("ptrace", "process_vm_readv", "process_vm_writev", "process_madvise", "kcmp",
           "pidfd_getfd"),
     "CAP_SYS_PTRACE", NULL, NULL},
    {NAMES("iopl", "ioperm"), "CAP_SYS_RAWIO", NULL, NULL},
    {NAMES("settimeofday", "stime", "clock_settime", "clock_settime64"), "CAP_SYS_TIME", NULL,
     NULL},
    {NAMES("vhangup"), "CAP_SYS_TTY_CONFIG", NULL, NULL},
    {NAMES("mbind", "get_mempolicy", "set_mempolicy", "set_mempolicy_home_node"), "CAP_SYS_NICE",
     NULL, NULL},
    {NAMES("syslog"), "CAP_SYSLOG", NULL, NULL},
    {NAMES("bpf"), "CAP_BPF", NULL, NULL},
    {NAMES("perf_event_open"), "CAP_PERFMON", NULL, NULL},
};

/* clone(2) flags creating namespaces: without CAP_SYS_ADMIN a container
 * may clone threads and processes, never new namespaces. */
#define CLONE_NS_FLAGS 0x7E020000ULL
#define AF_VSOCK_NR    40
/* personality(2) values that only change what uname reports or query:
 * PER_LINUX, PER_LINUX32, UNAME26 and their mix, and 0xffffffff. */
static const json_int_t personalities[] = {0x0, 0x8, 0x20000, 0x20008, 0xffffffff};

static json_t *strings(const char *const *v)
{
    json_t *a = json_array();
    for (size_t i = 0; v[i] != NULL; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

static json_t *allow(const char *const *names)
{
    return json_pack("{s:o, s:s}", "names", strings(names), "action", "SCMP_ACT_ALLOW");
}

static json_t *allow_if(const char *name, unsigned int index, json_int_t value,
                        json_int_t value_two, const char *op)
{
    return json_pack("{s:[s], s:s, s:[{s:i, s:I, s:I, s:s}]}", "names", name, "action",
                     "SCMP_ACT_ALLOW", "args", "index", index, "value", value, "valueTwo",
                     value_two, "op", op);
}

static void add_cond_rules(json_t *calls)
{
    for (size_t i = 0; i < ARRAY_SIZE(cond_rules); i++) {
        const struct cond_rule *r = &cond_rules[i];
        json_t *rule = allow(r->names), *inc = json_object();
        if (r->cap != NULL)
            json_object_set_new(inc, "caps", json_pack("[s]", r->cap));
        if (r->arches != NULL)
            json_object_set_new(inc, "arches", strings(r->arches));
        if (r->min_kernel != NULL)
            json_object_set_new(inc, "minKernel", json_string(r->min_kernel));
        json_object_set_new(rule, "includes", inc);
        json_array_append_new(calls, rule);
    }
}

/* clone without namespace flags (s390 swaps the first two arguments), and
 * clone3, whose flags sit in memory seccomp cannot inspect: ENOSYS makes
 * libc fall back to clone. */
static void add_clone_rules(json_t *calls)
{
    json_t *r = allow_if("clone", 0, CLONE_NS_FLAGS, 0, "SCMP_CMP_MASKED_EQ");
    json_object_set_new(
        r, "excludes",
        json_pack("{s:[s], s:[s, s]}", "caps", "CAP_SYS_ADMIN", "arches", "s390", "s390x"));
    json_array_append_new(calls, r);
    r = allow_if("clone", 1, CLONE_NS_FLAGS, 0, "SCMP_CMP_MASKED_EQ");
    json_object_set_new(r, "includes", json_pack("{s:[s, s]}", "arches", "s390", "s390x"));
    json_object_set_new(r, "excludes", json_pack("{s:[s]}", "caps", "CAP_SYS_ADMIN"));
    json_array_append_new(calls, r);
    json_array_append_new(calls, json_pack("{s:[s], s:s, s:i, s:{s:[s]}}", "names", "clone3",
                                           "action", "SCMP_ACT_ERRNO", "errnoRet", ENOSYS,
                                           "excludes", "caps", "CAP_SYS_ADMIN"));
}

/* Per native architecture, the others its kernel also runs (compat
 * syscalls must meet the same filter). */
static const struct {
    const char *arch;
    const char *const *subs;
} arch_map[] = {
    {"SCMP_ARCH_X86_64", NAMES("SCMP_ARCH_X86", "SCMP_ARCH_X32")},
    {"SCMP_ARCH_AARCH64", NAMES("SCMP_ARCH_ARM")},
    {"SCMP_ARCH_MIPS64", NAMES("SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64N32")},
    {"SCMP_ARCH_MIPS64N32", NAMES("SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64")},
    {"SCMP_ARCH_MIPSEL64", NAMES("SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64N32")},
    {"SCMP_ARCH_MIPSEL64N32", NAMES("SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64")},
    {"SCMP_ARCH_S390X", NAMES("SCMP_ARCH_S390")},
    {"SCMP_ARCH_RISCV64", NULL},
};

json_t *hull_seccomp_default_profile(void)
{
    const char *const *groups[] = {files,  events,     processes, signals,
                                   memory, time_calls, ipc,       sockets};
    json_t *calls = json_array(), *map = json_array();

    for (size_t i = 0; i < ARRAY_SIZE(groups); i++)
        json_array_append_new(calls, allow(groups[i]));
    json_array_append_new(calls, allow_if("socket", 0, AF_VSOCK_NR, 0, "SCMP_CMP_NE"));
    for (size_t i = 0; i < ARRAY_SIZE(personalities); i++)
        json_array_append_new(calls,
                              allow_if("personality", 0, personalities[i], 0, "SCMP_CMP_EQ"));
    add_cond_rules(calls);
    add_clone_rules(calls);
    for (size_t i = 0; i < ARRAY_SIZE(arch_map); i++)
        json_array_append_new(
            map, json_pack("{s:s, s:o}", "architecture", arch_map[i].arch, "subArchitectures",
                           arch_map[i].subs != NULL ? strings(arch_map[i].subs) : json_null()));
    return json_pack("{s:s, s:i, s:o, s:o}", "defaultAction", "SCMP_ACT_ERRNO", "defaultErrnoRet",
                     EPERM, "archMap", map, "syscalls", calls);
}
