# Shared setup of the hullrt integration tests (bats).
#
# Every test gets its own runtime root ($ROOT), bundle ($BUNDLE with a
# rootfs holding only /probe and empty /proc /dev /sys /tmp), container id
# ($ID) and cgroup path ($CGPATH), all unique per run.  teardown deletes
# whatever container is left and then fails the test if the runtime left a
# mount, a cgroup or a state directory behind.
#
# HULLRT picks the runtime under test (default: the build's hullrt); the
# runc contract tests also pass with HULLRT=runc and HULLRT=crun, which is
# how the tests themselves were checked.  BUILD is the meson build directory
# holding the helper programs (default: build).  For example:
#
#   ninja -C build && bats tests/integration/hullrt_lifecycle.bats
#   HULLRT=runc bats tests/integration/hullrt_*.bats
#
# A test builds its config with cfg (jq filters on $BUNDLE/config.json) and
# runs the probe with run_probe ARGS, or the runtime with run_rt ARGS; tests
# of hull-only behaviour start with hullrt_only.

bats_load_library bats-support
bats_load_library bats-assert

HULL_TOP="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
BUILD="${BUILD:-build}"
[[ "$BUILD" == /* ]] || BUILD="$HULL_TOP/$BUILD"
HULLRT="${HULLRT:-$BUILD/src/hullrt/hullrt}"
if [[ "$HULLRT" != */* ]]; then
    HULLRT="$(command -v "$HULLRT" || echo "$HULLRT")"
fi
PROBE="$BUILD/tests/hull-probe"
RECVTTY="$BUILD/tests/hull-recvtty"
HULL_TEST_TIMEOUT="${HULL_TEST_TIMEOUT:-60}"

case "$(basename "$HULLRT")" in
runc*) RT_KIND=runc ;;
crun*) RT_KIND=crun ;;
*) RT_KIND=hullrt ;;
esac

# crun refuses to run on this cgroup v1 hybrid host until the hugetlb
# controller is bound to a v1 hierarchy; only crun needs it, and we undo
# only what we did.
HUGETLB_MNT=/run/hull-hugetlb
hugetlb_bound() {
    awk '$9 == "cgroup" && $0 ~ /hugetlb/ { found = 1 } END { exit !found }' /proc/self/mountinfo
}

setup_file() {
    hull_setup_file
}

teardown_file() {
    hull_teardown_file
}

hull_setup_file() {
    [ -x "$PROBE" ] || {
        echo "missing $PROBE: build the tests first (ninja -C $BUILD)" >&2
        return 1
    }
    [ -x "$HULLRT" ] || {
        echo "runtime under test not found: $HULLRT" >&2
        return 1
    }
    if [ "$RT_KIND" = crun ] && ! hugetlb_bound; then
        mkdir -p "$HUGETLB_MNT"
        mount -t cgroup -o hugetlb cgroup "$HUGETLB_MNT"
        touch "$BATS_FILE_TMPDIR/hugetlb-mounted"
    fi
}

hull_teardown_file() {
    if [ -e "$BATS_FILE_TMPDIR/hugetlb-mounted" ]; then
        umount "$HUGETLB_MNT" && rmdir "$HUGETLB_MNT"
    fi
}

setup() {
    hull_setup
}

teardown() {
    hull_teardown
}

hull_setup() {
    ROOT="$BATS_TEST_TMPDIR/root"
    BUNDLE="$BATS_TEST_TMPDIR/bundle"
    ROOTFS="$BUNDLE/rootfs"
    ID="hullt-$BATS_ROOT_PID-$BATS_SUITE_TEST_NUMBER"
    CGPATH="/hull-test-$BATS_ROOT_PID-$BATS_SUITE_TEST_NUMBER"
    BG_PIDS=()
    EXTRA_MOUNTS=()
    mkdir -p "$ROOT" "$ROOTFS"/{proc,dev,sys,tmp}
    chmod 1777 "$ROOTFS/tmp"
    cp "$PROBE" "$ROOTFS/probe"
    make_config
}

# Writes $BUNDLE/config.json: the runtime's own default (`spec`) when it
# can produce one, else the checked-in template, then makes it
# deterministic: no terminal, a writable root, /probe id as the process, a
# known hostname and this test's cgroup path.
make_config() {
    rm -f "$BUNDLE/config.json"
    if ! (cd "$BUNDLE" && "$HULLRT" spec >/dev/null 2>&1) || ! jq -e . "$BUNDLE/config.json" >/dev/null 2>&1; then
        cp "$BATS_TEST_DIRNAME/config.json.in" "$BUNDLE/config.json"
    fi
    cfg --arg cg "$CGPATH" '.process.terminal = false
        | .process.args = ["/probe", "id"]
        | .root = {path: "rootfs", readonly: false}
        | .hostname = "hulltest"
        | .linux.cgroupsPath = $cg
        | del(.process.env[] | select(startswith("TERM=")))'
}

# cfg [JQ OPTIONS] FILTER: edits $BUNDLE/config.json in place.
cfg() {
    local tmp="$BUNDLE/config.json.tmp"
    jq "$@" "$BUNDLE/config.json" </dev/null >"$tmp" && [ -s "$tmp" ] || {
        echo "cfg: jq $* failed" >&2
        return 1
    }
    mv "$tmp" "$BUNDLE/config.json"
}

# cfg_args ARG...: sets process.args.
cfg_args() {
    cfg --argjson a "$(jq -cn '$ARGS.positional' --args "$@")" '.process.args = $a'
}

# rt ARGS: the runtime with this test's root, bounded in time so a hang
# fails the test instead of the whole suite.
# fd 3 is bats' own output channel: nothing may inherit it.
rt() {
    timeout --kill-after=10 "$HULL_TEST_TIMEOUT" "$HULLRT" --root "$ROOT" "$@" 3>&-
}

# The runtime's output goes through a file, not through the pipe `run`
# reads: a created or detached container inherits the runtime's stdio and
# would keep that pipe open, so `run` would never return.
rt_via_file() {
    local out="$BATS_TEST_TMPDIR/rt-output" rc=0
    rt "$@" >"$out" 2>&1 </dev/null || rc=$?
    cat "$out"
    return "$rc"
}

# run_rt ARGS: `run` of the runtime; $status and $output as usual.
run_rt() {
    run rt_via_file "$@"
}

# run_probe ARG...: runs /probe ARG... in a container in the foreground.
run_probe() {
    cfg_args /probe "$@"
    run rt_via_file run --bundle "$BUNDLE" "$ID"
}

# state_field ID FIELD: one field of `state`.
state_field() {
    rt state "$1" | jq -r ".$2"
}

# wait_status ID STATUS [TRIES]: polls state every 0.1s.
wait_status() {
    local i status=""
    for ((i = 0; i < ${3:-100}; i++)); do
        status="$(rt state "$1" 2>/dev/null | jq -r .status)"
        [ "$status" = "$2" ] && return 0
        sleep 0.1
    done
    echo "container $1: status \"$status\", wanted \"$2\"" >&2
    return 1
}

# wait_file PATH [TRIES]: polls every 0.1s until PATH exists.
wait_file() {
    local i
    for ((i = 0; i < ${2:-100}; i++)); do
        [ -e "$1" ] && return 0
        sleep 0.1
    done
    echo "timed out waiting for $1" >&2
    return 1
}

# Starts "$@" in the background and remembers it for teardown.
bg() {
    "$@" &
    BG_PIDS+=($!)
}

# Skips a test of hull-only behaviour when another runtime is under test.
hullrt_only() {
    [ "$RT_KIND" = hullrt ] || skip "hullrt-only behaviour (testing $RT_KIND)"
}

# A bind-mount a test makes on the host (e.g. a namespace file), unmounted
# and removed by teardown.
track_mount() {
    EXTRA_MOUNTS+=("$1")
}

# Mount points a test left on the host: anything under its temp dir.
leftover_mounts() {
    awk -v dir="$BATS_TEST_TMPDIR" 'index($5, dir) == 1 { print $5 }' /proc/self/mountinfo
}

# cgroup directories named after this test's cgroup path, in every
# hierarchy.
leftover_cgroups() {
    local d
    for d in /sys/fs/cgroup/*/ "$HUGETLB_MNT/"; do
        [ -d "$d${CGPATH#/}" ] && echo "$d${CGPATH#/}"
    done
    return 0
}

# kill_cgroup DIR: kills what a broken runtime left in a cgroup of this
# test (its processes are the test's) and removes the cgroup tree.
kill_cgroup() {
    local pid
    for pid in $(find "$1" -name cgroup.procs -exec cat {} + 2>/dev/null); do
        kill -9 "$pid" 2>/dev/null || true
    done
    for _ in $(seq 20); do
        find "$1" -depth -type d -exec rmdir {} + 2>/dev/null
        [ -d "$1" ] || return 0
        sleep 0.1
    done
}

hull_teardown() {
    local problems=() id m d pid

    for pid in "${BG_PIDS[@]}"; do
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    for id in $(rt list -q 2>/dev/null) "$ID"; do
        [ -d "$ROOT/$id" ] || continue
        rt delete -f "$id" >/dev/null 2>&1 || problems+=("delete -f $id failed")
    done
    if [ -n "$(ls -A "$ROOT" 2>/dev/null)" ]; then
        problems+=("state left in $ROOT: $(ls -A "$ROOT" | tr '\n' ' ')")
    fi
    for m in "${EXTRA_MOUNTS[@]}"; do
        umount "$m" 2>/dev/null || true
        [ -d "$m" ] || rm -f "$m"
    done
    for m in $(leftover_mounts | sort -r); do
        problems+=("mount left: $m")
        umount -l "$m" || true
    done
    for d in $(leftover_cgroups); do
        problems+=("cgroup left: $d")
        kill_cgroup "$d"
    done
    if [ "${#problems[@]}" -gt 0 ]; then
        printf 'teardown: %s\n' "${problems[@]}" >&2
        return 1
    fi
}
