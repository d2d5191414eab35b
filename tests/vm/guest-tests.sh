#!/bin/sh
# The cgroup tests of the v2 lane, run inside the VM by guest-init.sh
# (busybox sh, no jq: configs were made on the host, JSON is grepped).
# Prints "HULLVM PASS name" or "HULLVM FAIL name: why" per test, with the
# output of a failed test before its line, prefixed by "  | ".

RT="/hull/hullrt --root /run/hullrt"
CG=/sys/fs/cgroup/hullvm

# bundle NAME: the bundle's directory, its rootfs made (fresh) with the
# probe in it.
bundle() {
    b="/hull/bundles/$1"
    rm -rf "$b/rootfs"
    mkdir -p "$b/rootfs/proc" "$b/rootfs/dev" "$b/rootfs/sys" "$b/rootfs/tmp"
    cp /hull/probe "$b/rootfs/probe"
    echo "$b"
}

# expect_file FILE VALUE
expect_file() {
    got="$(cat "$1" 2>&1)"
    [ "$got" = "$2" ] || {
        echo "$1: \"$got\", expected \"$2\""
        return 1
    }
}

# wait_for COMMAND...: polls every 0.1 s for 20 s.
wait_for() {
    i=0
    while [ $i -lt 200 ]; do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
        i=$((i + 1))
    done
    echo "timed out waiting for: $*"
    return 1
}

status_is() {
    $RT state "$1" | grep -q "\"status\": \"$2\""
}

# The count `probe count` last wrote, without its leading zeros (which
# would make it octal to the shell).
counter() {
    v="$(sed 's/^0*//' /hull/bundles/freeze/rootfs/tmp/counter 2>/dev/null)"
    echo "${v:-0}"
}

counter_above() {
    [ "$(counter)" -gt "$1" ]
}

run_detached() {
    $RT run --detach --bundle "$(bundle "$1")" "$1" </dev/null >/dev/null 2>&1
}

t_unit() {
    /hull/test_cgroup
}

t_limits() {
    run_detached limits || return 1
    expect_file $CG/limits/memory.max 67108864 &&
        expect_file $CG/limits/cpu.max "50000 100000" &&
        expect_file $CG/limits/cpu.weight 20 &&
        expect_file $CG/limits/pids.max 10 &&
        grep -qx 0::/hullvm/limits "/proc/$($RT state limits | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')/cgroup" ||
        return 1
    $RT update --memory 128m --pids-limit 30 --cpu-quota 20000 limits &&
        expect_file $CG/limits/memory.max 134217728 &&
        expect_file $CG/limits/pids.max 30 &&
        expect_file $CG/limits/cpu.max "20000 100000" || return 1
    $RT events --stats limits | grep -q '"usage":{"limit":134217728,' || {
        $RT events --stats limits
        return 1
    }
    $RT delete --force limits && [ ! -e $CG/limits ]
}

# cgroup v2 weights: blockIO.weight 100 of 10..1000 becomes 910 of
# 1..10000 (io.weight), or stays 100 for BFQ (io.bfq.weight).
t_io() {
    run_detached iolimits || return 1
    if [ -e $CG/iolimits/io.bfq.weight ]; then
        grep -q "default 100" $CG/iolimits/io.bfq.weight
    else
        grep -q "default 910" $CG/iolimits/io.weight
    fi || {
        cat $CG/iolimits/io.weight $CG/iolimits/io.bfq.weight
        return 1
    }
    $RT delete --force iolimits
}

t_devices() {
    out="$($RT run --bundle "$(bundle devices)" devices 2>&1)"
    echo "$out" | grep -q EPERM || {
        echo "$out"
        return 1
    }
    out="$($RT run --bundle "$(bundle devices_allow)" devices_allow 2>&1)"
    echo "$out" | grep -qx ok && echo "$out" | grep -q EPERM || {
        echo "$out"
        return 1
    }
}

t_oom() {
    out="$($RT run --bundle "$(bundle oom)" oom 2>&1)"
    rc=$?
    [ $rc = 137 ] && echo "$out" | grep -q "OOM killer killed 1" || {
        echo "exit status $rc: $out"
        return 1
    }
    [ ! -e $CG/oom ]
}

t_pids() {
    out="$($RT run --bundle "$(bundle pids)" pids 2>&1)"
    echo "$out" | grep -q EAGAIN && ! echo "$out" | grep -q "forked=50" || {
        echo "$out"
        return 1
    }
}

t_freeze() {
    run_detached freeze && wait_for counter_above 0 || return 1
    $RT pause freeze && status_is freeze paused && expect_file $CG/freeze/cgroup.freeze 1 ||
        return 1
    frozen="$(counter)"
    sleep 0.5
    [ "$(counter)" = "$frozen" ] || {
        echo "the counter moved from $frozen to $(counter) while paused"
        return 1
    }
    $RT resume freeze && status_is freeze running && wait_for counter_above "$frozen" || return 1
    $RT pause freeze && $RT kill freeze KILL && wait_for status_is freeze stopped &&
        $RT delete freeze && [ ! -e $CG/freeze ]
}

pids_current_is() {
    [ "$(cat $CG/killall/pids.current)" = "$1" ]
}

t_killall() {
    run_detached killall && wait_for pids_current_is 4 || return 1
    $RT kill --all killall KILL && wait_for status_is killall stopped && $RT delete killall &&
        [ ! -e $CG/killall ]
}

throttled() {
    n="$($RT events --stats throttle | sed -n 's/.*"throttledPeriods":\([0-9]*\).*/\1/p')"
    [ "${n:-0}" -gt 2 ]
}

t_throttle() {
    run_detached throttle && wait_for throttled || return 1
    $RT delete --force throttle
}

t_unified() {
    run_detached unified && expect_file $CG/unified/pids.max 7 &&
        expect_file $CG/unified/memory.high 41943040 && $RT delete --force unified
}

# bad BUNDLE WORD: create fails naming WORD and leaves no cgroup.
bad() {
    out="$($RT create --bundle "$(bundle "$1")" "$1" 2>&1)" && {
        echo "create $1 succeeded"
        return 1
    }
    echo "$out" | grep -q "$2" && [ ! -e "$CG/$1" ] && [ ! -e "/run/hullrt/$1" ] || {
        echo "$out"
        return 1
    }
}

t_bad_input() {
    bad unified_bad "no_such_knob" && bad badpath '".."' &&
        bad swap_only "memory.swap" && bad v1_only "swappiness"
}

for t in unit limits io devices oom pids freeze killall throttle unified bad_input; do
    out="$(t_$t 2>&1)"
    if [ $? = 0 ]; then
        echo "HULLVM PASS $t"
    else
        echo "$out" | tail -30 | sed 's/^/  | /'
        echo "HULLVM FAIL $t: $(echo "$out" | tail -1)"
    fi
    for id in $($RT list -q 2>/dev/null); do
        $RT delete --force "$id" >/dev/null 2>&1
    done
done
