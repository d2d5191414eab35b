#!/usr/bin/env bats
# runc's exec: a new process in a running container, in its namespaces and
# cgroup, with the config's process settings and the command line's
# overrides.  These tests pass with HULLRT=runc as well.

load helpers

# start_ctr [JQ FILTER]: a detached container whose init sleeps, with a
# host directory shared as /shared ($SHARED).
start_ctr() {
    SHARED="$BATS_TEST_TMPDIR/shared"
    mkdir -p "$SHARED" "$ROOTFS/shared"
    chmod 777 "$SHARED"
    cfg --arg src "$SHARED" '.mounts += [{destination: "/shared", type: "bind", source: $src,
        options: ["rbind", "rw"]}] | .process.noNewPrivileges = false'
    [ $# -eq 0 ] || cfg "$@"
    cfg_args /probe sleep 600
    run_rt run --detach --bundle "$BUNDLE" "$ID"
    assert_success
    wait_status "$ID" running
    INIT_PID="$(state_field "$ID" pid)"
}

# start_recvtty [-i TEXT]: a console socket receiver ($TTY_SOCK), writing
# what the terminal shows to $TTY_OUT.
start_recvtty() {
    [ -x "$RECVTTY" ] || skip "missing $RECVTTY"
    TTY_SOCK="$BATS_TEST_TMPDIR/tty.sock"
    TTY_OUT="$BATS_TEST_TMPDIR/tty.out"
    "$RECVTTY" "$@" "$TTY_SOCK" "$TTY_OUT" >"$BATS_TEST_TMPDIR/tty.name" 3>&- &
    RECVTTY_PID=$!
    BG_PIDS+=("$RECVTTY_PID")
    wait_file "$TTY_SOCK"
}

# run_exec ARGS: `run` of exec (its output through a file, see rt_via_file).
run_exec() {
    run rt_via_file exec "$@"
}

@test "exec runs a command in the container's namespaces and cgroup" {
    start_ctr
    local t
    for t in pid net mnt ipc uts cgroup; do
        run_exec "$ID" /probe ns "$t"
        assert_success
        assert_output "$(readlink "/proc/$INIT_PID/ns/$t")"
    done
    # The process is inside the container's pid namespace, not the host's.
    run_exec "$ID" /probe ppid
    assert_success
    assert_output 0
    # Same cgroups as the init (pid 1 there), seen from the same cgroup
    # namespace.
    run_exec "$ID" /probe cat /proc/self/cgroup + cat /proc/1/cgroup
    assert_success
    local half=$((${#lines[@]} / 2))
    [ "$half" -gt 0 ]
    assert_equal "${lines[*]:0:half}" "${lines[*]:half}"
    run_exec "$ID" /probe hostname
    assert_output hulltest
}

@test "exec returns the command's exit status" {
    start_ctr
    run_exec "$ID" /probe exit 0
    assert_success
    run_exec "$ID" /probe exit 7
    assert_failure 7
    run_exec "$ID" /probe kill-self TERM
    assert_failure 143
}

@test "exec of a missing command fails with 255 and says why" {
    start_ctr
    run_exec "$ID" /nope
    assert_failure 255
    assert_output --partial "/nope"
    run_exec "$ID" nope
    assert_failure 255
    assert_output --partial "executable file not found in \$PATH"
}

@test "exec without a command fails with 255" {
    start_ctr
    run_exec "$ID"
    assert_failure 255
}

@test "exec takes the config's environment, -e replaces and adds" {
    start_ctr '.process.env = ["PATH=/bin:/usr/bin", "KEEP=1"]'
    run_exec -e FOO=bar -e PATH=/x "$ID" /probe env
    assert_success
    assert_line PATH=/x
    assert_line KEEP=1
    assert_line FOO=bar
    assert_equal "$(grep -c '^PATH=' <<<"$output")" 1
}

@test "exec --cwd changes the working directory, a relative one is refused" {
    start_ctr '.process.cwd = "/"'
    run_exec "$ID" /probe cwd
    assert_output /
    run_exec --cwd /tmp "$ID" /probe cwd
    assert_success
    assert_output /tmp
    run_exec --cwd tmp "$ID" /probe cwd
    assert_failure 255
    run_exec --cwd /nonexistent "$ID" /probe cwd
    assert_failure 255
}

@test "exec --user and --additional-gids set the ids" {
    start_ctr
    run_exec "$ID" /probe id
    assert_output "uid=0 gid=0 groups="
    run_exec --user 1000:1001 --additional-gids 5 --additional-gids 7 "$ID" /probe id
    assert_success
    assert_output "uid=1000 gid=1001 groups=5,7"
    run_exec --user 1000 "$ID" /probe id
    assert_output "uid=1000 gid=0 groups="
    run_exec --user abc "$ID" /probe id
    assert_failure 255
}

@test "exec --cap adds a capability, --no-new-privs sets it" {
    start_ctr
    run_exec "$ID" /probe caps
    assert_success
    local bnd
    bnd="$(awk '/^CapBnd/ {print $2}' <<<"$output")"
    # CAP_SYS_ADMIN (21) is not in the default set; --cap adds it.
    [ $((0x$bnd & (1 << 21))) -eq 0 ]
    run_exec --cap CAP_SYS_ADMIN "$ID" /probe caps
    assert_success
    bnd="$(awk '/^CapBnd/ {print $2}' <<<"$output")"
    [ $((0x$bnd & (1 << 21))) -ne 0 ]
    run_exec "$ID" /probe nnp
    assert_output "NoNewPrivs: 0"
    run_exec --no-new-privs "$ID" /probe nnp
    assert_output "NoNewPrivs: 1"
}

@test "exec --process runs a whole process.json" {
    start_ctr
    cat >"$BATS_TEST_TMPDIR/process.json" <<'EOF'
{"terminal": false, "user": {"uid": 1234, "gid": 99}, "args": ["/probe", "id", "+", "env", "+", "cwd"],
 "env": ["ONLY=this"], "cwd": "/tmp"}
EOF
    run_exec --process "$BATS_TEST_TMPDIR/process.json" "$ID"
    assert_success
    assert_line "uid=1234 gid=99 groups="
    assert_line ONLY=this
    assert_line /tmp
    refute_line --partial PATH=
}

@test "exec --pid-file names the process as the host sees it" {
    start_ctr
    run_exec --pid-file "$BATS_TEST_TMPDIR/exec.pid" "$ID" /probe sleep 0.2
    assert_success
    run cat "$BATS_TEST_TMPDIR/exec.pid"
    assert_output --regexp '^[0-9]+$'
    [ "$output" != "$INIT_PID" ]
}

@test "exec --detach returns while the process runs on" {
    start_ctr
    run_exec --detach --pid-file "$BATS_TEST_TMPDIR/exec.pid" "$ID" /probe sleep 1 + write /shared/done yes
    assert_success
    local pid
    pid="$(cat "$BATS_TEST_TMPDIR/exec.pid")"
    [ -d "/proc/$pid" ]
    [ "$(readlink "/proc/$pid/ns/pid")" = "$(readlink "/proc/$INIT_PID/ns/pid")" ]
    wait_file "$SHARED/done"
}

@test "exec --preserve-fds passes descriptors on" {
    start_ctr
    run_exec "$ID" /probe fds
    assert_output "0 1 2"
    run timeout 60 "$HULLRT" --root "$ROOT" exec --preserve-fds 1 "$ID" /probe fds 3</etc/hostname
    assert_success
    assert_output "0 1 2 3"
}

@test "exec with a terminal sends it to --console-socket" {
    start_ctr
    start_recvtty
    run_exec --detach --tty --console-socket "$TTY_SOCK" "$ID" /probe tty
    assert_success
    wait "$RECVTTY_PID"
    run tr -d '\r' <"$TTY_OUT"
    assert_line --regexp '^0 tty /dev/pts/[0-9]+$'
    assert_line --regexp '^1 tty /dev/pts/[0-9]+$'
}

@test "exec --tty uses the caller's terminal" {
    start_ctr
    run script -qec "$(printf '%q ' "$HULLRT" --root "$ROOT" exec -t "$ID" /probe tty)" /dev/null 3>&- </dev/null
    assert_success
    run tr -d '\r' <<<"$output"
    assert_line --regexp '(^|[^0-9])0 tty /dev/pts/[0-9]+$'
}

@test "exec refuses bad terminal arrangements" {
    start_ctr
    run_exec --detach --tty "$ID" /probe tty
    assert_failure 255
    assert_output --partial "cannot allocate tty"
    run_exec --console-socket "$BATS_TEST_TMPDIR/none.sock" "$ID" /probe tty
    assert_failure 255
    assert_output --partial "cannot use console socket"
    run_exec --tty --console-socket "$BATS_TEST_TMPDIR/none.sock" "$ID" /probe tty
    assert_failure 255
    assert_output --partial "cannot use console socket"
}

@test "signals sent to exec reach the process, and its status comes back" {
    start_ctr
    "$HULLRT" --root "$ROOT" exec "$ID" /probe catch /shared/sig >/dev/null 2>&1 </dev/null 3>&- &
    local pid=$! status=0
    BG_PIDS+=("$pid")
    wait_file "$SHARED/sig"
    kill -USR1 "$pid"
    for _ in $(seq 100); do
        grep -qx USR1 "$SHARED/sig" && break
        sleep 0.1
    done
    kill -TERM "$pid"
    wait "$pid" || status=$?
    assert_equal "$(cat "$SHARED/sig")" "$(printf 'ready\nUSR1\nTERM')"
    assert_equal "$status" 0
}

@test "exec in a stopped or unknown container fails with 255" {
    cfg_args /probe exit 0
    run_rt run --detach --bundle "$BUNDLE" "$ID"
    assert_success
    wait_status "$ID" stopped
    run_exec "$ID" /probe id
    assert_failure 255
    assert_output --partial stopped
    run_exec "nonexistent-$ID" /probe id
    assert_failure 255
    assert_output --partial "does not exist"
}

@test "exec joins a container's user namespace" {
    # The bundle must be reachable by the mapped root.
    local d="$ROOTFS"
    while [ "$d" != / ]; do
        chmod a+x "$d"
        d="$(dirname "$d")"
    done
    start_ctr '.linux.namespaces |= (map(select(.type != "user")) + [{type: "user"}])
        | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
        | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
    run_exec "$ID" /probe ns user + cat /proc/self/uid_map + id
    assert_success
    assert_line "$(readlink "/proc/$INIT_PID/ns/user")"
    assert_line --regexp '^ +0 +100000 +65536$'
    assert_line "uid=0 gid=0 groups="
}

@test "exec in a paused container needs --ignore-paused and starts frozen" {
    start_ctr
    run_rt pause "$ID"
    assert_success
    run_exec "$ID" /probe id
    assert_failure 255
    assert_output --partial paused
    # The process joins the frozen cgroup: exec returns once it runs.
    "$HULLRT" --root "$ROOT" exec --ignore-paused "$ID" /probe write /shared/ran yes \
        >/dev/null 2>&1 </dev/null 3>&- &
    local pid=$! status=0
    BG_PIDS+=("$pid")
    sleep 0.5
    [ ! -e "$SHARED/ran" ]
    run_rt resume "$ID"
    assert_success
    wait_file "$SHARED/ran"
    wait "$pid" || status=$?
    assert_equal "$status" 0
}
