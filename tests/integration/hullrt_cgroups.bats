#!/usr/bin/env bats
# cgroups: the container joins linux.cgroupsPath, memory, cpu and pids
# limits reach the kernel's files, and the cgroup goes away on delete.
# Works on cgroup v1 (one hierarchy per controller) and on v2.

load helpers

# cg_dir CONTROLLER: the container's cgroup directory for CONTROLLER.
cg_dir() {
    if [ -d "/sys/fs/cgroup/$1" ] && [ -d "/sys/fs/cgroup/$1$CGPATH" ]; then
        echo "/sys/fs/cgroup/$1$CGPATH"
    elif [ -f /sys/fs/cgroup/cgroup.controllers ]; then
        echo "/sys/fs/cgroup$CGPATH"
    else
        echo "/sys/fs/cgroup/unified$CGPATH"
    fi
}

cg_is_v2() {
    [ -f "$(cg_dir "$1")/cgroup.controllers" ]
}

start_sleeper() {
    cfg_args /probe sleep 600
    rt run --detach --bundle "$BUNDLE" "$ID" >/dev/null
    PID="$(state_field "$ID" pid)"
}

@test "the container joins cgroupsPath, created if missing" {
    for c in memory pids; do
        [ ! -e "/sys/fs/cgroup/$c$CGPATH" ]
    done
    start_sleeper
    for c in memory pids cpu; do
        d="$(cg_dir "$c")"
        [ -d "$d" ]
        grep -qx "$PID" "$d/cgroup.procs"
    done
    if cg_is_v2 memory; then
        grep -qx "0::$CGPATH" "/proc/$PID/cgroup"
    else
        grep -q ":memory:$CGPATH\$" "/proc/$PID/cgroup"
        grep -q ":pids:$CGPATH\$" "/proc/$PID/cgroup"
    fi
}

@test "a nested cgroupsPath is created with its parents" {
    local top="$CGPATH"
    CGPATH="$top/nested/deeper"
    cfg --arg cg "$CGPATH" '.linux.cgroupsPath = $cg'
    start_sleeper
    grep -qx "$PID" "$(cg_dir memory)/cgroup.procs"
    rt delete --force "$ID"
    [ ! -e "$(cg_dir memory)" ]
    # Parents may be shared with other containers: runtimes leave them.
    for d in /sys/fs/cgroup/*/ "$HUGETLB_MNT/"; do
        [ ! -d "$d${top#/}" ] || rmdir "$d${top#/}/nested" "$d${top#/}"
    done
    CGPATH="$top"
}

@test "the cgroup is removed on delete" {
    start_sleeper
    d="$(cg_dir memory)"
    [ -d "$d" ]
    rt kill "$ID" KILL
    wait_status "$ID" stopped
    run_rt delete "$ID"
    assert_success
    [ ! -e "$d" ]
    [ -z "$(leftover_cgroups)" ]
}

@test "the cgroup is removed after a foreground run" {
    run_probe exit 0
    assert_success
    [ -z "$(leftover_cgroups)" ]
}

@test "a memory limit is written to the cgroup" {
    cfg '.linux.resources.memory = {limit: 67108864}'
    start_sleeper
    d="$(cg_dir memory)"
    if cg_is_v2 memory; then
        assert_equal "$(cat "$d/memory.max")" 67108864
    else
        assert_equal "$(cat "$d/memory.limit_in_bytes")" 67108864
    fi
}

@test "cpu quota, period and shares are written to the cgroup" {
    cfg '.linux.resources.cpu = {quota: 50000, period: 100000, shares: 512}'
    start_sleeper
    d="$(cg_dir cpu)"
    if cg_is_v2 cpu; then
        assert_equal "$(cat "$d/cpu.max")" "50000 100000"
    else
        assert_equal "$(cat "$d/cpu.cfs_quota_us")" 50000
        assert_equal "$(cat "$d/cpu.cfs_period_us")" 100000
        assert_equal "$(cat "$d/cpu.shares")" 512
    fi
}

@test "a pids limit is written to the cgroup and stops forks" {
    cfg '.linux.resources.pids = {limit: 10}'
    cfg_args /probe sleep 600
    rt run --detach --bundle "$BUNDLE" "$ID" >/dev/null
    assert_equal "$(cat "$(cg_dir pids)/pids.max")" 10
    rt delete --force "$ID"

    run_probe fork-bomb 50
    assert_failure
    assert_output --partial EAGAIN
    assert_line --regexp '^forked=[0-9]$'
}

@test "the container sees the limits it was given" {
    cfg '.linux.resources.pids = {limit: 42}'
    cfg '.linux.namespaces |= map(select(.type != "cgroup"))'
    cfg '.mounts += [{destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup",
        options: ["nosuid", "noexec", "nodev", "ro"]}]'
    if cg_is_v2 pids 2>/dev/null || [ -f /sys/fs/cgroup/cgroup.controllers ]; then
        run_probe cat /sys/fs/cgroup/pids.max
    else
        run_probe cat /sys/fs/cgroup/pids/pids.max
    fi
    assert_success
    assert_output 42
}

@test "a cgroup left by a failed create is removed" {
    cfg '.process.args = ["/no-such-command"]'
    run_rt create --bundle "$BUNDLE" "$ID"
    assert_failure
    [ -z "$(leftover_cgroups)" ]
}

# cg_file CONTROLLER V1FILE V2FILE: the path of a limit file of this test's
# cgroup, whichever version the controller is on.
cg_file() {
    if cg_is_v2 "$1"; then
        echo "$(cg_dir "$1")/$3"
    else
        echo "$(cg_dir "$1")/$2"
    fi
}

# counter_value: what `probe count /tmp/counter` last wrote, as a number.
counter_value() {
    local v
    v="$(cat "$ROOTFS/tmp/counter" 2>/dev/null)"
    echo $((10#${v:-0}))
}

# wait_counter_above N: until the counter passes N.
wait_counter_above() {
    local i
    for ((i = 0; i < 100; i++)); do
        [ "$(counter_value)" -gt "$1" ] && return 0
        sleep 0.1
    done
    echo "the counter stayed at $(counter_value), not above $1" >&2
    return 1
}

start_counter() {
    cfg_args /probe count /tmp/counter
    rt run --detach --bundle "$BUNDLE" "$ID" >/dev/null
    wait_counter_above 0
}

# memory_limits BYTES: a memory limit without swap to escape to.
memory_limits() {
    cfg --argjson m "$1" '.linux.resources.memory = {limit: $m, swap: $m}'
}

@test "a memory hog is killed by the OOM killer at the limit, and the kill is reported" {
    memory_limits 33554432
    run_probe hog 512
    assert_equal "$status" 137
    refute_output --partial allocated=
    if [ "$RT_KIND" = hullrt ]; then
        assert_output --partial "the OOM killer killed 1 of its processes"
    fi
    [ -z "$(leftover_cgroups)" ]
}

@test "events prints an oom event when the OOM killer strikes" {
    memory_limits 33554432
    cfg_args /probe hog 512
    rt create --bundle "$BUNDLE" "$ID" >/dev/null
    # Watching from before the start: no kill can come too early.
    bg rt events --interval 1s "$ID" >"$BATS_TEST_TMPDIR/events" 2>&1
    for _ in $(seq 100); do
        [ -s "$BATS_TEST_TMPDIR/events" ] && break
        sleep 0.1
    done
    rt start "$ID"
    for _ in $(seq 100); do
        grep -q '"type":"oom"' "$BATS_TEST_TMPDIR/events" && break
        sleep 0.1
    done
    run cat "$BATS_TEST_TMPDIR/events"
    assert_line "{\"type\":\"oom\",\"id\":\"$ID\"}"
    wait_status "$ID" stopped
}

@test "events --stats reports memory, cpu and pids in runc's shape" {
    cfg '.linux.resources.memory = {limit: 67108864} | .linux.resources.pids = {limit: 20}'
    start_sleeper
    run_rt events --stats "$ID"
    assert_success
    [ "$(jq -r .type <<<"$output")" = stats ]
    [ "$(jq -r .id <<<"$output")" = "$ID" ]
    [ "$(jq -r .data.memory.usage.limit <<<"$output")" = 67108864 ]
    [ "$(jq -r .data.memory.usage.usage <<<"$output")" -gt 0 ]
    [ "$(jq -r .data.pids.current <<<"$output")" = 1 ]
    [ "$(jq -r .data.pids.limit <<<"$output")" = 20 ]
    [ "$(jq -r '.data.cpu.usage | has("kernel") and has("user")' <<<"$output")" = true ]
}

# 1% of a cpu: a spinning process exceeds it even on a busy host.
@test "the cpu quota shows in the cpu statistics as throttling" {
    cfg '.linux.resources.cpu = {quota: 1000, period: 100000}'
    cfg_args /probe spin
    rt run --detach --bundle "$BUNDLE" "$ID" >/dev/null
    local throttled=0 total=0
    for _ in $(seq 200); do
        out="$(rt events --stats "$ID")"
        throttled="$(jq -r '.data.cpu.throttling.throttledPeriods // 0' <<<"$out")"
        total="$(jq -r '.data.cpu.usage.total // 0' <<<"$out")"
        [ "$throttled" -gt 0 ] && break
        sleep 0.1
    done
    [ "$throttled" -gt 0 ]
    [ "$total" -gt 0 ]
    [ "$(jq -r .data.cpu.throttling.throttledTime <<<"$out")" -gt 0 ]
}

@test "a device the rules do not allow cannot be opened" {
    cfg '.linux.devices = [{path: "/dev/hull-kmsg", type: "c", major: 1, minor: 11}]'
    run_probe open /dev/hull-kmsg w
    assert_failure
    assert_output --partial EPERM

    # An allow rule for writing only: writing opens, reading does not.
    cfg '.linux.resources.devices += [{allow: true, type: "c", major: 1, minor: 11, access: "w"}]'
    run_probe open /dev/hull-kmsg w + open /dev/hull-kmsg r
    assert_failure
    assert_line ok
    assert_output --partial EPERM
}

@test "pause freezes the container and resume lets it go on" {
    start_counter
    run_rt pause "$ID"
    assert_success
    [ "$(state_field "$ID" status)" = paused ]
    local frozen
    frozen="$(counter_value)"
    sleep 0.3
    [ "$(counter_value)" = "$frozen" ]
    run_rt resume "$ID"
    assert_success
    [ "$(state_field "$ID" status)" = running ]
    wait_counter_above "$frozen"
}

@test "pause and resume refuse the wrong states" {
    start_counter
    run_rt resume "$ID"
    assert_failure
    assert_output --partial "not paused"
    rt pause "$ID"
    run_rt pause "$ID"
    assert_failure
    rt resume "$ID"
    rt kill "$ID" KILL
    wait_status "$ID" stopped
    run_rt pause "$ID"
    assert_failure
    assert_output --partial "not running"
}

@test "a paused container can be killed, and deleted with --force" {
    start_counter
    rt pause "$ID"
    run_rt kill "$ID" KILL
    assert_success
    wait_status "$ID" stopped

    ID="$ID-b"
    start_counter
    rt pause "$ID"
    run_rt delete "$ID"
    assert_failure
    run_rt delete --force "$ID"
    assert_success
    [ -z "$(leftover_cgroups)" ]
}

@test "update raises the limits of a running container" {
    cfg '.linux.resources.memory = {limit: 33554432} | .linux.resources.pids = {limit: 10}'
    start_sleeper
    run_rt update --memory 64m --pids-limit 20 "$ID"
    assert_success
    assert_equal "$(cat "$(cg_file memory memory.limit_in_bytes memory.max)")" 67108864
    assert_equal "$(cat "$(cg_dir pids)/pids.max")" 20
    run_rt events --stats "$ID"
    [ "$(jq -r .data.memory.usage.limit <<<"$output")" = 67108864 ]

    echo '{"cpu": {"quota": 20000, "period": 100000}}' >"$BATS_TEST_TMPDIR/res.json"
    run_rt update --resources "$BATS_TEST_TMPDIR/res.json" "$ID"
    assert_success
    if cg_is_v2 cpu; then
        assert_equal "$(cat "$(cg_dir cpu)/cpu.max")" "20000 100000"
    else
        assert_equal "$(cat "$(cg_dir cpu)/cpu.cfs_quota_us")" 20000
    fi
}

@test "update refuses bad values and keeps the old limits" {
    cfg '.linux.resources.memory = {limit: 33554432}'
    start_sleeper
    run_rt update --memory lots "$ID"
    assert_failure
    assert_output --partial lots
    run_rt update --pids-limit x "$ID"
    assert_failure
    run_rt update --cpu-quota -5 "$ID"
    assert_failure
    hullrt_only
    run_rt update --l3-cache-schema L3:0=1 "$ID"
    assert_failure
    assert_output --partial "not supported"
    assert_equal "$(cat "$(cg_file memory memory.limit_in_bytes memory.max)")" 33554432
}

@test "ps lists the container's processes" {
    cfg_args /probe spawn 2 600
    rt run --detach --bundle "$BUNDLE" "$ID" >/dev/null
    PID="$(state_field "$ID" pid)"
    for _ in $(seq 50); do
        [ "$(rt ps --format json "$ID" | jq length)" = 3 ] && break
        sleep 0.1
    done
    run rt ps --format json "$ID"
    assert_success
    [ "$(jq length <<<"$output")" = 3 ]
    [ "$(jq "index($PID)" <<<"$output")" != null ]
    run rt ps "$ID"
    assert_success
    assert_line --index 0 --regexp '^UID +PID +PPID'
    assert_line --regexp "^root +$PID "
    [ "${#lines[@]}" = 4 ]
    run rt ps "$ID" -o pid,comm
    assert_success
    assert_line --index 0 --regexp '^ *PID +COMMAND$'
    assert_line --regexp "^ *$PID +probe$"
}

# bad_config FILTER WORDS...: create fails with an error holding WORDS and
# leaves no state, cgroup or process.
bad_config() {
    make_config
    cfg "$1"
    run_rt create --bundle "$BUNDLE" "$ID"
    assert_failure
    shift
    for w in "$@"; do
        assert_output --partial "$w"
    done
    [ ! -e "$ROOT/$ID" ]
    [ -z "$(leftover_cgroups)" ]
}

@test "bad resource values are clear errors and create nothing" {
    hullrt_only
    bad_config '.linux.resources.memory = {limit: -5}' memory.limit
    bad_config '.linux.resources.pids = {limit: -7}' pids
    bad_config '.linux.resources.cpu = {quota: -3}' cpu.quota
    bad_config '.linux.resources.memory = {limit: 33554432, swap: 1048576}' memory.swap
    bad_config '.linux.resources.blockIO = {weight: 5}' blockIO.weight
    bad_config '.linux.resources.devices = [{allow: true, type: "x", access: "rwm"}]' devices
    bad_config '.linux.resources.devices = [{allow: true, type: "c", access: "rwz"}]' access
    bad_config '.linux.cgroupsPath = "/hull-test/../escape"' '".."'
    bad_config '.linux.cgroupsPath = "../escape"' '".."'
    bad_config '.linux.resources.unified = {"memory.no_such_knob": "1"}' unified
    bad_config '.linux.resources.unified = {"../../etc": "1"}' unified
}
