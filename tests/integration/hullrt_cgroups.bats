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
