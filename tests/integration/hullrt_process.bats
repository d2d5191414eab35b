#!/usr/bin/env bats
# The container's process: args, env, cwd, user, capabilities,
# noNewPrivileges, rlimits, oomScoreAdj, terminals.

load helpers

@test "args are passed as given" {
    run_probe write /tmp/out "two  spaces" + cat /tmp/out
    assert_success
    assert_output "two  spaces"
    # cmdline is NUL-separated, which `run` cannot capture: read the file.
    run_probe cat /proc/self/cmdline
    assert_success
    assert_equal "$(tr '\0' ' ' <"$BATS_TEST_TMPDIR/rt-output")" "/probe cat /proc/self/cmdline "
}

@test "a command name is looked up in the process's PATH" {
    mkdir -p "$ROOTFS/usr/bin"
    mv "$ROOTFS/probe" "$ROOTFS/usr/bin/probe"
    cfg '.process.env = ["PATH=/nowhere:/usr/bin"] | .process.args = ["probe", "id"]'
    run_rt run --bundle "$BUNDLE" "$ID"
    assert_success
    assert_output "uid=0 gid=0 groups="
}

@test "a missing command says executable file not found" {
    cfg '.process.args = ["no-such-command"]'
    run_rt run --bundle "$BUNDLE" "$ID"
    assert_failure
    if [ "$RT_KIND" = crun ]; then
        assert_output --regexp 'executable file .*not found'
    else
        assert_output --partial "executable file not found"
    fi
    assert_output --partial no-such-command
    [ -z "$(ls -A "$ROOT")" ]
}

@test "a missing absolute command fails at create" {
    cfg '.process.args = ["/no-such-command"]'
    run_rt create --bundle "$BUNDLE" "$ID"
    assert_failure
    assert_output --partial no-such-command
    [ -z "$(ls -A "$ROOT")" ]
}

@test "a command that is not executable fails" {
    echo data >"$ROOTFS/notexec"
    chmod 0644 "$ROOTFS/notexec"
    cfg '.process.args = ["/notexec"]'
    run_rt run --bundle "$BUNDLE" "$ID"
    assert_failure
    assert_output --regexp "[Pp]ermission denied|not executable"
}

@test "env is the process's environment" {
    cfg '.process.env = ["PATH=/bin", "HULL_A=1", "HULL_B=two words", "HULL_EMPTY="]'
    run_probe env
    assert_success
    assert_line "PATH=/bin"
    assert_line "HULL_A=1"
    assert_line "HULL_B=two words"
    assert_line "HULL_EMPTY="
    refute_line --partial BATS_
}

@test "cwd is the process's working directory" {
    mkdir -p "$ROOTFS/work/dir"
    cfg '.process.cwd = "/work/dir"'
    run_probe cwd
    assert_success
    assert_output /work/dir
}

@test "a missing cwd is created" {
    cfg '.process.cwd = "/made/by/runtime"'
    run_probe cwd
    assert_success
    assert_output /made/by/runtime
}

@test "a relative cwd is an error" {
    [ "$RT_KIND" != crun ] || skip "crun 1.8 accepts a relative cwd"
    cfg '.process.cwd = "relative/dir"'
    run_probe cwd
    assert_failure
    assert_output --regexp '[Cc]wd'
}

@test "user uid and gid, without supplementary groups unless configured" {
    cfg '.process.user = {uid: 1000, gid: 1001}'
    run_probe id
    assert_success
    assert_output "uid=1000 gid=1001 groups="
}

@test "user additionalGids are set" {
    cfg '.process.user = {uid: 1000, gid: 1001, additionalGids: [5, 6, 1001]}'
    run_probe id
    assert_success
    assert_output "uid=1000 gid=1001 groups=5,6,1001"
}

@test "root gets no supplementary groups unless configured" {
    run_probe id
    assert_success
    assert_output "uid=0 gid=0 groups="
}

@test "user umask" {
    cfg '.process.user.umask = 23'
    run_probe umask
    assert_success
    assert_output 0027
    cfg '.process.user.umask = 0'
    run_probe umask
    assert_output 0000
}

@test "the default umask is 0022" {
    cfg 'del(.process.user.umask)'
    run_probe umask
    assert_success
    assert_output 0022
}

@test "all five capability sets of a non-root user" {
    # For a non-root user without file capabilities, exec keeps the
    # inheritable, bounding and ambient sets and makes permitted and
    # effective equal to ambient, so every configured set is visible.
    cfg '.process.user = {uid: 1000, gid: 1000}
        | .process.capabilities = {
            bounding: ["CAP_CHOWN", "CAP_KILL", "CAP_SETUID", "CAP_NET_RAW"],
            permitted: ["CAP_KILL", "CAP_NET_RAW"],
            effective: ["CAP_KILL"],
            inheritable: ["CAP_KILL", "CAP_SETUID"],
            ambient: ["CAP_KILL"]}'
    run_probe caps
    assert_success
    assert_line "CapInh: 00000000000000a0"
    assert_line "CapPrm: 0000000000000020"
    assert_line "CapEff: 0000000000000020"
    assert_line "CapBnd: 00000000000020a1"
    assert_line "CapAmb: 0000000000000020"
}

@test "capabilities of root" {
    # With noNewPrivileges, root's exec cannot add to permitted, so it keeps
    # the configured permitted set, and effective becomes permitted.
    cfg '.process.noNewPrivileges = true
        | .process.capabilities = {
            bounding: ["CAP_CHOWN", "CAP_KILL", "CAP_SETUID", "CAP_NET_RAW"],
            permitted: ["CAP_CHOWN", "CAP_KILL", "CAP_SETUID"],
            effective: ["CAP_CHOWN", "CAP_KILL"],
            inheritable: ["CAP_KILL"],
            ambient: ["CAP_KILL"]}'
    run_probe caps
    assert_success
    assert_line "CapInh: 0000000000000020"
    assert_line "CapPrm: 00000000000000a1"
    assert_line "CapEff: 00000000000000a1"
    assert_line "CapBnd: 00000000000020a1"
    assert_line "CapAmb: 0000000000000020"
}

@test "no capabilities at all" {
    cfg '.process.user = {uid: 1000, gid: 1000} | .process.capabilities = {}'
    run_probe caps
    assert_success
    for set in Inh Prm Eff Bnd Amb; do
        assert_line "Cap$set: 0000000000000000"
    done
}

@test "an unknown capability is an error that names it" {
    # runc 1.1 and crun 1.8 ignore unknown capabilities (with a warning).
    hullrt_only
    cfg '.process.capabilities.bounding += ["CAP_NO_SUCH_THING"]'
    run_probe caps
    assert_failure
    assert_output --partial CAP_NO_SUCH_THING
    [ -z "$(ls -A "$ROOT")" ]
}

@test "noNewPrivileges" {
    cfg '.process.noNewPrivileges = true'
    run_probe nnp
    assert_success
    assert_output "NoNewPrivs: 1"
    cfg '.process.noNewPrivileges = false'
    run_probe nnp
    assert_success
    assert_output "NoNewPrivs: 0"
}

@test "rlimits are applied" {
    cfg '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 123, hard: 456},
        {type: "RLIMIT_MSGQUEUE", soft: 4096, hard: 8192},
        {type: "RLIMIT_CORE", soft: 0, hard: 0}]'
    run_probe rlimit NOFILE
    assert_success
    assert_output "123 456"
    run_probe rlimit MSGQUEUE
    assert_output "4096 8192"
    run_probe rlimit CORE
    assert_output "0 0"
}

@test "an unknown rlimit is an error" {
    cfg '.process.rlimits = [{type: "RLIMIT_NO_SUCH", soft: 1, hard: 1}]'
    run_probe id
    assert_failure
    assert_output --partial RLIMIT_NO_SUCH
    [ -z "$(ls -A "$ROOT")" ]
}

@test "oomScoreAdj" {
    cfg '.process.oomScoreAdj = 345'
    run_probe oom
    assert_success
    assert_output 345
}

@test "without a terminal the process has no tty" {
    run_probe tty
    assert_success
    assert_line "0 notty"
    assert_line "1 notty"
    assert_line "2 notty"
}

# Starts the console socket receiver; its output file is $TTY_OUT.
start_recvtty() {
    [ -x "$RECVTTY" ] || skip "missing $RECVTTY"
    TTY_SOCK="$BATS_TEST_TMPDIR/tty.sock"
    TTY_OUT="$BATS_TEST_TMPDIR/tty.out"
    "$RECVTTY" "$@" "$TTY_SOCK" "$TTY_OUT" >"$BATS_TEST_TMPDIR/tty.name" 3>&- &
    RECVTTY_PID=$!
    BG_PIDS+=("$RECVTTY_PID")
    wait_file "$TTY_SOCK"
}

@test "terminal: the pty master is sent to --console-socket" {
    start_recvtty
    cfg '.process.terminal = true | .process.consoleSize = {height: 31, width: 101}'
    cfg_args /probe tty + winsize
    run_rt run --detach --console-socket "$TTY_SOCK" --bundle "$BUNDLE" "$ID"
    assert_success
    wait "$RECVTTY_PID"
    run tr -d '\r' <"$TTY_OUT"
    assert_line --regexp '^0 tty /dev/pts/[0-9]+$'
    assert_line --regexp '^1 tty /dev/pts/[0-9]+$'
    assert_line --regexp '^2 tty /dev/pts/[0-9]+$'
    assert_line "rows=31 cols=101"
    wait_status "$ID" stopped
}

@test "terminal: input typed into the console reaches the process" {
    local shared="$BATS_TEST_TMPDIR/shared"
    mkdir -p "$shared"
    start_recvtty -i hello-from-test
    cfg '.process.terminal = true'
    cfg --arg src "$shared" '.mounts += [{destination: "/shared", type: "bind", source: $src,
        options: ["rbind"]}]'
    cfg_args /probe save-stdin /shared/in
    run_rt run --detach --console-socket "$TTY_SOCK" --bundle "$BUNDLE" "$ID"
    assert_success
    wait_status "$ID" stopped
    wait "$RECVTTY_PID"
    assert_equal "$(cat "$shared/in")" hello-from-test
}

@test "terminal: create without a console socket is an error" {
    cfg '.process.terminal = true'
    run_rt create --bundle "$BUNDLE" "$ID"
    assert_failure
    [ -z "$(ls -A "$ROOT")" ]
}

@test "terminal: a foreground run uses the caller's terminal" {
    cfg '.process.terminal = true'
    cfg_args /probe tty
    run script -qec "$(printf '%q ' "$HULLRT" --root "$ROOT" run --bundle "$BUNDLE" "$ID")" /dev/null 3>&- </dev/null
    assert_success
    run tr -d '\r' <<<"$output"
    assert_line --regexp '(^|[^0-9])0 tty /dev/pts/[0-9]+$'
    assert_line --regexp '^1 tty /dev/pts/[0-9]+$'
}
