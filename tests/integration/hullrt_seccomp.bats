#!/usr/bin/env bats
# linux.seccomp as the runtime applies it: actions, errno values, argument
# conditions, flags, and notifications handed to linux.seccomp.listenerPath
# the way runc hands them (the container process state as the message, the
# listener descriptor with it).

load helpers

AGENT="$BUILD/tests/hull-seccomp-agent"

# seccomp JSON: sets linux.seccomp (jq expression).
seccomp() {
    cfg "$@"
}

@test "SCMP_ACT_ERRNO fails the syscall with errnoRet, EPERM without it" {
    seccomp '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", syscalls: [
        {names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 18},
        {names: ["unlink", "unlinkat"], action: "SCMP_ACT_ERRNO"}]}'
    run_probe mkdir /tmp/d
    assert_failure
    assert_output --partial "/tmp/d: EXDEV"
    run_probe write /tmp/f x + exec /probe cat /tmp/f
    assert_success
    assert_output x
}

# What hullrt (between loading the filter and execve) and the static probe
# call, besides the syscall under test.  Other runtimes call more, and
# Debian's runc 1.1 has neither filter flags nor a working listenerPath in
# these tests: those tests are hullrt-only.
ALLOWED='["execve", "execveat", "brk", "arch_prctl", "set_tid_address", "set_robust_list",
    "rseq", "prlimit64", "getrlimit", "readlink", "readlinkat", "getrandom", "mprotect", "mmap",
    "munmap", "uname", "fstat", "newfstatat", "statx", "stat", "lstat", "write", "writev",
    "read", "exit", "exit_group", "ioctl", "close", "close_range", "capget", "capset", "prctl",
    "setresuid", "setresgid", "setuid", "setgid", "setgroups", "chdir", "fchdir", "sendmsg",
    "sendto", "recvmsg", "recvfrom", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn",
    "sigaltstack", "fcntl", "open", "openat", "access", "faccessat", "faccessat2", "getpid",
    "gettid", "getppid", "getuid", "geteuid", "getgid", "getegid", "umask", "futex", "lseek",
    "dup", "dup2", "dup3", "keyctl", "personality", "setsid", "kill", "tgkill", "wait4",
    "madvise", "poll", "ppoll", "clock_gettime", "clock_nanosleep", "nanosleep"]'

@test "the default action takes defaultErrnoRet" {
    hullrt_only
    seccomp --argjson allowed "$ALLOWED" '.linux.seccomp = {defaultAction: "SCMP_ACT_ERRNO",
        defaultErrnoRet: 13, syscalls: [{names: $allowed, action: "SCMP_ACT_ALLOW"}]}'
    run_probe cwd
    assert_failure
    assert_output --partial "getcwd: EACCES"
}

@test "SCMP_ACT_KILL_PROCESS and SCMP_ACT_TRAP end the process with SIGSYS" {
    local action
    for action in SCMP_ACT_KILL_PROCESS SCMP_ACT_KILL SCMP_ACT_TRAP; do
        seccomp --arg a "$action" '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
            syscalls: [{names: ["mkdir", "mkdirat"], action: $a}]}'
        run_probe mkdir /tmp/d
        assert_equal "$status" 159
    done
}

@test "SCMP_ACT_LOG lets the syscall through" {
    seccomp '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
        syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_LOG"}]}'
    run_probe mkdir /tmp/d + stat /tmp/d
    assert_success
    assert_output --partial type=dir
}

@test "argument conditions: EQ, NE and MASKED_EQ on the mode of mkdir" {
    # The probe creates directories with mode 0755 (493).
    seccomp '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", syscalls: [
        {names: ["mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 18,
         args: [{index: 1, value: 493, op: "SCMP_CMP_NE"}]},
        {names: ["mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 18,
         args: [{index: 2, value: 493, op: "SCMP_CMP_NE"}]}]}'
    run_probe mkdir /tmp/d
    assert_success
    seccomp '.linux.seccomp.syscalls[0].args[0] = {index: 1, value: 448, valueTwo: 448,
            op: "SCMP_CMP_MASKED_EQ"}
        | .linux.seccomp.syscalls[1].args[0] = {index: 2, value: 448, valueTwo: 448,
            op: "SCMP_CMP_MASKED_EQ"}'
    run_probe mkdir /tmp/d
    assert_failure
    assert_output --partial "/tmp/d: EXDEV"
}

@test "a syscall name unknown to libseccomp is skipped" {
    seccomp '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", syscalls: [
        {names: ["hull_no_such_syscall", "mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO",
         errnoRet: 18}]}'
    run_probe mkdir /tmp/d
    assert_failure
    assert_output --partial "/tmp/d: EXDEV"
}

@test "an unknown action or operator is refused before anything is created" {
    seccomp '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", syscalls: [
        {names: ["mkdir"], action: "SCMP_ACT_BOGUS"}]}'
    run_probe id
    assert_failure
    refute_output --partial "uid=0"
    [ "$RT_KIND" != hullrt ] || assert_output --partial 'unknown action "SCMP_ACT_BOGUS"'
    seccomp '.linux.seccomp.syscalls[0] = {names: ["mkdir"], action: "SCMP_ACT_ERRNO",
        args: [{index: 0, value: 1, op: "SCMP_CMP_SOMETIMES"}]}'
    run_probe id
    assert_failure
    refute_output --partial "uid=0"
    [ "$RT_KIND" != hullrt ] || assert_output --partial 'unknown operator "SCMP_CMP_SOMETIMES"'
    [ -z "$(ls -A "$ROOT")" ]
}

@test "filter flags LOG and SPEC_ALLOW are applied" {
    hullrt_only
    seccomp '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
        flags: ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"],
        syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO"}]}'
    run_probe seccomp + mkdir /tmp/d
    assert_failure
    assert_line "Seccomp: 2"
    assert_output --partial "/tmp/d: EPERM"
}

@test "a flag this libseccomp lacks is an explicit error" {
    hullrt_only
    seccomp '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
        flags: ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"]}'
    run_probe id
    if [ "$status" -eq 0 ]; then
        skip "this libseccomp supports SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"
    fi
    assert_output --partial '"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV" is not supported'
}

@test "SCMP_ACT_NOTIFY without listenerPath is refused" {
    hullrt_only
    seccomp '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
        syscalls: [{names: ["mkdir"], action: "SCMP_ACT_NOTIFY"}]}'
    run_probe id
    assert_failure
    assert_output --partial "listenerPath is required"
}

# start_agent ERRNO: the agent on $SOCK, writing to $STATE.
start_agent() {
    SOCK="$BATS_TEST_TMPDIR/agent.sock"
    STATE="$BATS_TEST_TMPDIR/agent.state"
    bg "$AGENT" "$SOCK" "$STATE" "$1" >"$BATS_TEST_TMPDIR/agent.out"
    wait_file "$SOCK"
}

@test "notifications go to the agent at listenerPath with the container's state" {
    hullrt_only
    start_agent 15
    seccomp --arg sock "$SOCK" '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
        listenerPath: $sock, listenerMetadata: "hull-test-metadata",
        syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_NOTIFY"}]}'
    run_probe mkdir /tmp/d
    assert_failure
    assert_output --partial "/tmp/d: ENOTBLK"
    wait_file "$STATE"
    run cat "$STATE"
    assert_line "fds: 1"
    assert_line --regexp '^nr (83|258)$'
    json="$(head -1 "$STATE")"
    assert_equal "$(jq -r '.fds | join(",")' <<<"$json")" seccompFd
    assert_equal "$(jq -r .metadata <<<"$json")" hull-test-metadata
    assert_equal "$(jq -r .state.id <<<"$json")" "$ID"
    assert_equal "$(jq -r .state.status <<<"$json")" creating
    assert_equal "$(jq -r .state.bundle <<<"$json")" "$BUNDLE"
    [ "$(jq -r .pid <<<"$json")" -gt 0 ]
    assert_equal "$(jq -r .pid <<<"$json")" "$(jq -r .state.pid <<<"$json")"
}

@test "notifications work with noNewPrivileges too" {
    hullrt_only
    start_agent 18
    seccomp --arg sock "$SOCK" '.process.noNewPrivileges = true
        | .linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", listenerPath: $sock,
        syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_NOTIFY"}]}'
    run_probe nnp + mkdir /tmp/d
    assert_failure
    assert_line "NoNewPrivs: 1"
    assert_output --partial "/tmp/d: EXDEV"
}

@test "an unreachable listenerPath fails the create and removes it" {
    hullrt_only
    seccomp --arg sock "$BATS_TEST_TMPDIR/nobody.sock" '.linux.seccomp = {
        defaultAction: "SCMP_ACT_ALLOW", listenerPath: $sock,
        syscalls: [{names: ["mkdir"], action: "SCMP_ACT_NOTIFY"}]}'
    run_probe id
    assert_failure
    assert_output --partial "nobody.sock"
    [ -z "$(ls -A "$ROOT")" ]
}
