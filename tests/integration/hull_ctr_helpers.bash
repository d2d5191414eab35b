# Shared setup of the engine suites that look into containers (hull_exec,
# hull_cp, hull_volumes, hull_inspect, hull_runflags): each test has its own
# HULL_ROOT and HULL_RUNROOT under its temp dir with the busybox image
# imported; teardown removes every container it left and fails the test
# when a record, a mount, a runtime state or the /hull/ID cgroup of one of
# its containers remains.
# Volumes live under HULL_ROOT and go with the test's temp dir.
#
# Load it after helpers:  load helpers; load hull_ctr_helpers

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

# hull ARGS: the engine with this test's roots, bounded in time.  fd 3 is
# bats' own channel: a detached container must not inherit it.  Containers
# get --network none: these suites test what is inside them, and stay
# independent of the host's bridge (hull_network*.bats test that).
hull() {
    if [ "$1" = run ] || [ "$1" = create ]; then
        set -- "$1" --network none "${@:2}"
    fi
    local rc=0
    HULL_ROOT="$HROOT" HULL_RUNROOT="$HRUN" timeout --kill-after=10 "$HULL_TEST_TIMEOUT" "$HULL" "$@" 3>&- || rc=$?
    records >>"$BATS_TEST_TMPDIR/ids-seen"
    return "$rc"
}

# The cgroups of this test's containers (/hull/ID) left in any hierarchy.
# Other suites may run containers at the same time: only the ids this
# test's state root has held count.
test_cgroups() {
    local id
    for id in $(sort -u "$BATS_TEST_TMPDIR/ids-seen" 2>/dev/null); do
        ls -d /sys/fs/cgroup/*/hull/"$id" 2>/dev/null || true
    done
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

leftovers() {
    local m
    [ -z "$(records)" ] || echo "record left: $(records | tr '\n' ' ')"
    for m in $(awk -v dir="$BATS_TEST_TMPDIR" 'index($5, dir) == 1 { print $5 }' /proc/self/mountinfo); do
        echo "mount left: $m"
    done
    [ -z "$(ls -A "$HRUN/runtime" 2>/dev/null)" ] || echo "runtime state left: $(ls -A "$HRUN/runtime")"
    test_cgroups | sed 's/^/cgroup left: /'
}

teardown() {
    local pid id problems
    for pid in "${BG_PIDS[@]}"; do
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    for id in $(records); do
        hull rm -f "$id" >/dev/null 2>&1 || true
    done
    problems="$(leftovers)"
    if [ -n "$problems" ]; then
        echo "teardown: $problems" >&2
        awk -v dir="$BATS_TEST_TMPDIR" 'index($5, dir) == 1 { print $5 }' /proc/self/mountinfo |
            sort -r | xargs -r umount -l
        return 1
    fi
}

# start_ctr NAME [RUN OPTIONS...]: a detached busybox container named NAME
# whose process sleeps; its init's pid in $CTR_PID.
start_ctr() {
    local name="$1"
    shift
    run hull run -d --name "$name" "$@" busybox sleep 600
    assert_success
    wait_running "$name"
}

# wait_running NAME: until inspect says it runs; its pid in $CTR_PID.
wait_running() {
    local i
    for ((i = 0; i < 100; i++)); do
        if [ "$(hull inspect -f '{{.State.Running}}' "$1" 2>/dev/null)" = true ]; then
            CTR_PID="$(hull inspect -f '{{.State.Pid}}' "$1")"
            return 0
        fi
        sleep 0.1
    done
    echo "container $1 does not run" >&2
    return 1
}

# wait_exited NAME: until inspect says it exited.
wait_exited() {
    local i
    for ((i = 0; i < 100; i++)); do
        [ "$(hull inspect -f '{{.State.Status}}' "$1" 2>/dev/null)" = exited ] && return 0
        sleep 0.1
    done
    echo "container $1 did not exit" >&2
    return 1
}
