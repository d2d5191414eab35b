#!/usr/bin/env bats
# The engine's resource flags and commands: hull run -m/--memory-swap/
# --memory-reservation/--cpus/-c/--cpuset-cpus/--pids-limit/--device/
# --blkio-weight, hull update, pause and unpause, stats, and the OOM kill
# recorded in the container's record, on the busybox image.
#
# Containers run with --network none: networking is not what these tests
# are about.  Every test has its own HULL_ROOT and HULL_RUNROOT under its
# temp dir; teardown removes what is left and fails the test when a
# record, a mount, a runtime state or a cgroup of its containers remains.

load helpers
bats_require_minimum_version 1.5.0

HULL="${HULL:-$BUILD/src/hull/hull}"

setup_file() {
    [ -x "$HULL" ] || {
        echo "hull not found: $HULL (build it first: ninja -C $BUILD)" >&2
        return 1
    }
    BUSYBOX_TAR="$("$HULL_TOP/tests/lib/busybox-image.sh" "$BATS_FILE_TMPDIR/busybox.tar")"
    export BUSYBOX_TAR
}

teardown_file() {
    :
}

hull() {
    HULL_ROOT="$HROOT" HULL_RUNROOT="$HRUN" timeout --kill-after=10 "$HULL_TEST_TIMEOUT" "$HULL" "$@" 3>&-
}

# hull_bg ARGS: a foreground `hull run` in the background.
hull_bg() {
    env HULL_ROOT="$HROOT" HULL_RUNROOT="$HRUN" "$HULL" "$@" </dev/null >"$BATS_TEST_TMPDIR/bg.out" 2>&1 3>&- &
    BG_PIDS+=($!)
}

setup() {
    HROOT="$BATS_TEST_TMPDIR/state"
    HRUN="$BATS_TEST_TMPDIR/run"
    BG_PIDS=()
    run hull import "$BUSYBOX_TAR" busybox
    assert_success
}

records() {
    ls "$HROOT/containers" 2>/dev/null | grep -E '^[0-9a-f]{64}$' || true
}

# What a test must not leave: records, mounts, runtime state, and the
# cgroups of its containers (IDS; other tests' engines share /hull).
leftovers() {
    local m id
    [ -z "$(records)" ] || echo "record left: $(records | tr '\n' ' ')"
    for m in $(awk -v dir="$BATS_TEST_TMPDIR" 'index($5, dir) == 1 { print $5 }' /proc/self/mountinfo); do
        echo "mount left: $m"
    done
    [ -z "$(ls -A "$HRUN/runtime" 2>/dev/null)" ] || echo "runtime state left: $(ls -A "$HRUN/runtime")"
    for id in "$@"; do
        ls -d /sys/fs/cgroup/*/hull/"$id" 2>/dev/null | sed 's/^/cgroup left: /'
    done
}

teardown() {
    local pid id problems ids
    ids="$(records)"
    for id in $ids; do
        hull unpause "$id" >/dev/null 2>&1 || true
        hull rm -f "$id" >/dev/null 2>&1 || true
    done
    for pid in "${BG_PIDS[@]}"; do
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    for id in $(records); do
        hull rm -f "$id" >/dev/null 2>&1 || true
    done
    # shellcheck disable=SC2086
    problems="$(leftovers $ids)"
    if [ -n "$problems" ]; then
        echo "teardown: $problems" >&2
        awk -v dir="$BATS_TEST_TMPDIR" 'index($5, dir) == 1 { print $5 }' /proc/self/mountinfo |
            sort -r | xargs -r umount -l
        return 1
    fi
}

ctr_id() {
    local f
    for f in "$HROOT"/containers/*/hull.json; do
        [ "$(jq -r .name "$f")" = "$1" ] && jq -r .id "$f" && return 0
    done
    return 1
}

record_field() {
    jq -r "$2" "$HROOT/containers/$(ctr_id "$1")/hull.json"
}

wait_running() {
    local i
    for ((i = 0; i < 100; i++)); do
        [ "$(record_field "$1" .state.status 2>/dev/null)" = running ] && return 0
        sleep 0.1
    done
    echo "container $1 never ran: $(cat "$BATS_TEST_TMPDIR/bg.out")" >&2
    return 1
}

# cg NAME CONTROLLER: the v1 cgroup directory of container NAME.
cg() {
    echo "/sys/fs/cgroup/$2/hull/$(ctr_id "$1")"
}

# counter NAME: what the counting loop of container NAME last wrote.
counter() {
    cat "$HROOT/containers/$(ctr_id "$1")/rootfs/tmp/count" 2>/dev/null || echo 0
}

wait_counter_above() {
    local i
    for ((i = 0; i < 100; i++)); do
        [ "$(counter "$1")" -gt "$2" ] 2>/dev/null && return 0
        sleep 0.1
    done
    echo "the counter of $1 stayed at $(counter "$1")" >&2
    return 1
}

start_counter() {
    hull_bg run --network none --name "$1" busybox sh -c \
        'i=0; while :; do i=$((i+1)); echo $i >/tmp/count.new; mv /tmp/count.new /tmp/count; done'
    wait_running "$1"
    wait_counter_above "$1" 0
}

@test "a memory hog is OOM-killed at --memory: exit 137, recorded as OOMKilled" {
    run hull run --network none --name hog -m 32m --memory-swap 32m busybox dd if=/dev/zero of=/dev/null bs=256M count=1
    assert_equal "$status" 137
    assert_equal "$(record_field hog .state.exit_code)" 137
    assert_equal "$(record_field hog .state.oom_killed)" true
    run hull inspect --format '{{.State.OOMKilled}} {{.State.ExitCode}}' hog
    assert_output "true 137"

    run hull run --network none --name fine -m 32m busybox true
    assert_success
    assert_equal "$(record_field fine .state.oom_killed)" false
}

@test "--memory, --memory-reservation, --cpus, --cpu-shares, --cpuset-cpus and --pids-limit reach the cgroup" {
    hull_bg run --network none --name lim -m 64m --memory-reservation 32m --cpus 0.5 -c 512 --cpuset-cpus 0 \
        --pids-limit 20 busybox sleep 600
    wait_running lim
    assert_equal "$(cat "$(cg lim memory)/memory.limit_in_bytes")" 67108864
    assert_equal "$(cat "$(cg lim memory)/memory.soft_limit_in_bytes")" 33554432
    # Docker's default: as much swap as memory.
    assert_equal "$(cat "$(cg lim memory)/memory.memsw.limit_in_bytes")" 134217728
    assert_equal "$(cat "$(cg lim cpu)/cpu.cfs_quota_us")" 50000
    assert_equal "$(cat "$(cg lim cpu)/cpu.cfs_period_us")" 100000
    assert_equal "$(cat "$(cg lim cpu)/cpu.shares")" 512
    assert_equal "$(cat "$(cg lim cpuset)/cpuset.cpus")" 0
    assert_equal "$(cat "$(cg lim pids)/pids.max")" 20
}

@test "--pids-limit stops forks" {
    run hull run --network none --rm --pids-limit 3 busybox sh -c \
        'for i in 1 2 3 4 5 6; do sleep 30 & done; echo started'
    assert_output --partial "can't fork"
}

# /dev/net/tun is outside the default rules, and opening it without an
# ioctl creates nothing on the host.
@test "--device gives a host device with its permissions; other devices stay closed" {
    run hull run --network none --rm --device /dev/net/tun busybox sh -c \
        ': </dev/net/tun && : >/dev/net/tun && echo ok'
    assert_success
    assert_output ok
    run hull run --network none --rm --device /dev/net/tun:/dev/tun:r busybox sh -c \
        ': </dev/tun && echo read-ok; : >/dev/tun'
    assert_failure
    assert_line read-ok
    assert_line --regexp "can't create /dev/tun: Operation not permitted"
    run hull run --network none --rm busybox sh -c 'mknod /dev/tun c 10 200 && : </dev/tun'
    assert_failure
    assert_output --partial "Operation not permitted"
}

@test "bad resource values are clear errors and create nothing" {
    local args
    while IFS='|' read -r args msg; do
        # shellcheck disable=SC2086
        run hull run --network none --rm $args busybox true
        assert_equal "$status" 125
        assert_output --partial "$msg"
    done <<'EOF'
-m 1k|smallest memory limit
-m lots|"lots"
-m -5m|"-5m"
--memory-swap 16m -m 32m|--memory-swap
--memory-swap 64m|needs --memory
--memory-reservation 64m -m 32m|--memory-reservation
--cpus 100000|--cpus
--cpus -1|"-1"
--cpus 0.001|--cpus
--cpus 1 --cpu-quota 50000|cannot be used together
--cpu-period 10|--cpu-period
--cpu-shares -4|--cpu-shares
--cpuset-cpus 4096|--cpuset-cpus
--blkio-weight 5|--blkio-weight
--blkio-weight 70000|"70000"
--device /no/such/device|/no/such/device
--device /etc/passwd|not a character or block device
--device /dev/null:/dev/x:rwz|"rwz"
--device /dev|directory
EOF
    [ -z "$(records)" ]
}

@test "pause freezes a running container and unpause lets it go on" {
    start_counter pz
    run hull pause pz
    assert_success
    assert_output pz
    run hull ps
    assert_output --regexp 'Up .* \(Paused\)'
    local frozen
    frozen="$(counter pz)"
    sleep 0.3
    assert_equal "$(counter pz)" "$frozen"
    run hull pause pz
    assert_failure
    assert_output --partial "already paused"
    run hull unpause pz
    assert_success
    wait_counter_above pz "$frozen"
    run hull unpause pz
    assert_failure
    assert_output --partial "not paused"
}

@test "a paused container can be removed with rm -f" {
    start_counter pz
    hull pause pz
    run hull rm -f pz
    assert_success
    [ -z "$(records)" ]
}

@test "update raises the limits of a running container and keeps them in its config" {
    hull_bg run --network none --name up -m 32m --pids-limit 10 busybox sleep 600
    wait_running up
    run hull update -m 48m --pids-limit 30 up
    assert_success
    assert_output up
    assert_equal "$(cat "$(cg up memory)/memory.limit_in_bytes")" 50331648
    assert_equal "$(cat "$(cg up pids)/pids.max")" 30
    local cfg="$HROOT/containers/$(ctr_id up)/config.json"
    assert_equal "$(jq .linux.resources.memory.limit "$cfg")" 50331648
    assert_equal "$(jq .linux.resources.pids.limit "$cfg")" 30

    run hull update -m 128m up
    assert_failure
    assert_output --partial "memory+swap"
    run hull update up
    assert_equal "$status" 125
    run hull update --restart always up
    assert_equal "$status" 125
    assert_output --partial "not supported"
    run hull update -m 64m no-such-container
    assert_failure
    assert_equal "$(cat "$(cg up memory)/memory.limit_in_bytes")" 50331648
}

@test "stats --no-stream shows Docker's table for running containers" {
    hull_bg run --network none --name st -m 64m busybox sleep 600
    wait_running st
    run hull stats --no-stream
    assert_success
    assert_line --index 0 --regexp '^CONTAINER ID +NAME +CPU % +MEM USAGE / LIMIT +MEM % +NET I/O +BLOCK I/O +PIDS$'
    assert_line --index 1 --regexp "^$(ctr_id st | cut -c1-12) +st +[0-9]+\.[0-9]{2}% +[0-9.]+(B|KiB|MiB) / 64MiB +[0-9]+\.[0-9]{2}% +[0-9.]+k?B / [0-9.]+k?B +[0-9.]+[kM]?B / [0-9.]+[kM]?B +1$"
    [ "${#lines[@]}" = 2 ]
    run hull stats --no-stream st
    assert_success
    assert_line --index 1 --partial " st "
    run hull stats --no-stream no-such-container
    assert_failure
}
