# Shared setup of the engine lifecycle suites (hull_lifecycle*.bats):
# detached containers under their monitors, restarts, crashes.
#
# Every test gets its own state root (HULL_ROOT) and run root
# (HULL_RUNROOT) under its temp dir, with the busybox image imported.
# teardown removes what a test left (hull rm -f of every record, then the
# monitors of this test's roots by pid) and then fails the test when a
# record, a mount, a runtime state, a cgroup, a veth or a monitor of one
# of its containers remains.  Leftovers are looked up by this test's
# container ids, so suites running side by side do not disturb the check.

load helpers
bats_require_minimum_version 1.5.0

HULL="${HULL:-$BUILD/src/hull/hull}"

# The busybox image (Debian's busybox-static with every applet), built
# once per file.
lifecycle_setup_file() {
    [ -x "$HULL" ] || {
        echo "hull not found: $HULL (build it first: ninja -C $BUILD)" >&2
        return 1
    }
    export BUSYBOX_TAR="$BATS_FILE_TMPDIR/busybox.tar"
    "$HULL_TOP/tests/lib/busybox-image.sh" "$BUSYBOX_TAR" >/dev/null
}

setup_file() {
    lifecycle_setup_file
}

teardown_file() {
    :
}

# hull ARGS: the engine with this test's roots, bounded in time; fd 3 is
# bats' own and must not reach a monitor.
hull() {
    HULL_ROOT="$HROOT" HULL_RUNROOT="$HRUN" timeout --kill-after=10 "$HULL_TEST_TIMEOUT" \
        "$HULL" "$@" 3>&-
}

# hull_bg ARGS: hull in the background, its own pid remembered; its
# output goes to $BATS_TEST_TMPDIR/bg.out.
hull_bg() {
    HULL_ROOT="$HROOT" HULL_RUNROOT="$HRUN" "$HULL" "$@" >>"$BATS_TEST_TMPDIR/bg.out" 2>&1 3>&- &
    BG_PIDS+=($!)
}

setup() {
    lifecycle_setup
}

teardown() {
    lifecycle_teardown
}

lifecycle_setup() {
    HROOT="$BATS_TEST_TMPDIR/state"
    HRUN="$BATS_TEST_TMPDIR/run"
    BG_PIDS=()
    SEEN_IDS=()
    run hull import "$BUSYBOX_TAR" busybox
    assert_success
}

# Container directories in the state root (each holds a record).
records() {
    ls "$HROOT/containers" 2>/dev/null | grep -E '^[0-9a-f]{64}$' || true
}

# Remembers the ids of this test's containers, for the leftover checks
# after they are gone.
note_ids() {
    local id
    for id in $(records); do
        [[ " ${SEEN_IDS[*]} " == *" $id "* ]] || SEEN_IDS+=("$id")
    done
}

# Monitors serving this test's roots, by pid.
monitors() {
    local pid
    for pid in $(pgrep -x hull-monitor); do
        grep -qF -- "--root=$HROOT" "/proc/$pid/cmdline" 2>/dev/null && echo "$pid"
    done
    return 0
}

# held_by ID: what container ID still holds (nothing once it stopped).
held_by() {
    local id="$1" d
    mountpoint -q "$HROOT/containers/$id/rootfs" 2>/dev/null && echo "mount: $id"
    [ -e "$HRUN/runtime/$id" ] && echo "runtime state: $id"
    [ -e "$HRUN/containers/$id" ] && echo "run directory: $id"
    for d in /sys/fs/cgroup/*/hull/"$id"; do
        [ -d "$d" ] && echo "cgroup: $d"
    done
    ip -o link show 2>/dev/null | grep -q "hv${id:0:11}" && echo "veth: hv${id:0:11}"
    [ -e "/run/netns/hull-${id:0:12}" ] && echo "netns: hull-${id:0:12}"
    return 0
}

no_records() {
    [ -z "$(records)" ]
}

no_monitors() {
    [ -z "$(monitors)" ]
}

# What a finished test must not leave behind.
leftovers() {
    local m id d
    note_ids
    [ -z "$(records)" ] || echo "record left: $(records | tr '\n' ' ')"
    for m in $(awk -v dir="$BATS_TEST_TMPDIR" 'index($5, dir) == 1 { print $5 }' /proc/self/mountinfo); do
        echo "mount left: $m"
    done
    [ -z "$(ls -A "$HRUN/runtime" 2>/dev/null)" ] || echo "runtime state left: $(ls -A "$HRUN/runtime")"
    [ -z "$(ls -A "$HRUN/containers" 2>/dev/null)" ] || echo "run directory left: $(ls -A "$HRUN/containers")"
    [ -z "$(monitors)" ] || echo "monitor left: $(monitors | tr '\n' ' ')"
    for id in "${SEEN_IDS[@]}"; do
        for d in /sys/fs/cgroup/*/hull/"$id"; do
            [ -d "$d" ] && echo "cgroup left: $d"
        done
        ip -o link show 2>/dev/null | grep -q "hv${id:0:11}" && echo "veth left: hv${id:0:11}"
        [ -e "/run/netns/hull-${id:0:12}" ] && echo "netns left: hull-${id:0:12}"
    done
    return 0
}

lifecycle_teardown() {
    local pid id problems
    for pid in "${BG_PIDS[@]}"; do
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    note_ids
    for id in $(records); do
        hull rm -f "$id" >/dev/null 2>&1 || true
    done
    # Monitors finish their hooks once their containers are gone.
    for _ in $(seq 50); do
        [ -z "$(monitors)" ] && break
        sleep 0.1
    done
    problems="$(leftovers)"
    for pid in $(monitors); do
        kill -9 "$pid" 2>/dev/null || true
    done
    if [ -n "$problems" ]; then
        echo "teardown: $problems" >&2
        awk -v dir="$BATS_TEST_TMPDIR" 'index($5, dir) == 1 { print $5 }' /proc/self/mountinfo |
            sort -r | xargs -r umount -l
        return 1
    fi
}

# The id of the container named NAME.
ctr_id() {
    local f
    for f in "$HROOT"/containers/*/hull.json; do
        [ "$(jq -r .name "$f" 2>/dev/null)" = "$1" ] && jq -r .id "$f" && return 0
    done
    return 1
}

# record_field NAME JQ: a field of the record of container NAME.
record_field() {
    jq -r "$2" "$HROOT/containers/$(ctr_id "$1")/hull.json"
}

# wait_for TRIES CMD...: runs CMD every 0.1s until it succeeds.
wait_for() {
    local tries="$1" i
    shift
    for ((i = 0; i < tries; i++)); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "timed out waiting for: $*" >&2
    return 1
}

# state_is NAME STATE: hull ps says so.
state_is() {
    [ "$(hull ps -a --filter "name=^$1\$" --format '{{.State}}')" = "$2" ]
}

# The pid of the init of running container NAME.
init_pid() {
    record_field "$1" .state.pid
}

# The pid of the monitor of container NAME.
monitor_pid() {
    record_field "$1" .state.monitor_pid
}
