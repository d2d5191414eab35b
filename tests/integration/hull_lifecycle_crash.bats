#!/usr/bin/env bats
# Crashes: hull commands and monitors killed with SIGKILL at random points,
# and a simulated reboot.  Whatever was interrupted, the next hull command
# shows the truth and repairs the state: no leaked mount, cgroup, veth,
# runtime state or monitor (the teardown checks them all).

load lifecycle_helpers

# sigkill_after MS ARGS...: hull ARGS in the background, killed with
# SIGKILL after MS milliseconds unless it finished first.
sigkill_after() {
    local ms="$1" pid
    shift
    HULL_ROOT="$HROOT" HULL_RUNROOT="$HRUN" "$HULL" "$@" >/dev/null 2>&1 3>&- &
    pid=$!
    sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

mounted() {
    mountpoint -q "$HROOT/containers/$1/rootfs"
}

alive() {
    [ "$1" -gt 0 ] 2>/dev/null && kill -0 "$1" 2>/dev/null
}

# settled ID: ps no longer says running while ID's process is gone (its
# monitor says running until it has recorded the exit).
settled() {
    local rec="$HROOT/containers/$1/hull.json"
    [ ! -f "$rec" ] || [ "$(hull ps -a --filter "id=$1" --format '{{.State}}')" != running ] ||
        alive "$(jq -r .state.pid "$rec")"
}

# consistent: what ps says of each container is what exists.  A running
# one has its process; a stopped one holds nothing; a created one holds
# something only while its monitor waits for a start that was cut off.
consistent() {
    local id state rec
    hull ps -a >/dev/null
    for id in $(records); do
        rec="$HROOT/containers/$id/hull.json"
        wait_for 100 settled "$id"
        [ -f "$rec" ] || continue
        state="$(hull ps -a --filter "id=$id" --format '{{.State}}')"
        case "$state" in
        running)
            alive "$(jq -r .state.pid "$rec")" || {
                echo "$id: running, but its process is gone" >&2
                return 1
            }
            ;;
        exited | created)
            if [ "$state" = created ] && alive "$(jq -r .state.monitor_pid "$rec")"; then
                continue
            fi
            if mounted "$id" || [ -e "$HRUN/runtime/$id" ] || ls -d /sys/fs/cgroup/*/hull/"$id" >/dev/null 2>&1; then
                echo "$id: $state, but its mount, runtime state or cgroup is left" >&2
                return 1
            fi
            ;;
        *)
            echo "$id: unexpected state \"$state\"" >&2
            return 1
            ;;
        esac
    done
}

@test "SIGKILL of hull at random points of run -d, stop and rm -f: the next command repairs" {
    local i
    for i in $(seq 6); do
        sigkill_after $((RANDOM % 400)) run -d --name "k$i" busybox sleep 600
        note_ids
        consistent
    done
    for i in $(seq 6); do
        ctr_id "k$i" >/dev/null || continue
        sigkill_after $((RANDOM % 1500)) stop -t 1 "k$i"
        consistent
    done
    for i in $(seq 6); do
        ctr_id "k$i" >/dev/null || continue
        sigkill_after $((RANDOM % 300)) rm -f "k$i"
        consistent
    done
    # Whatever is left goes with one more rm -f each.
    for i in $(records); do
        run hull rm -f "$i"
        assert_success
    done
    [ -z "$(records)" ]
}

@test "SIGKILL of a foreground run: the container goes on under its monitor" {
    local i
    for i in $(seq 4); do
        sigkill_after $((200 + RANDOM % 400)) run --name "fg$i" busybox sleep 600
        note_ids
        consistent
    done
}

# A foreground run records the exit itself (the monitor asks it to);
# killed before, while or after it does, its monitor records it instead.
@test "SIGKILL of a foreground run around the exit it records: the monitor finishes the work" {
    local i pid
    # Surely after the monitor asked: stopped before the exit, killed after.
    HULL_ROOT="$HROOT" HULL_RUNROOT="$HRUN" "$HULL" run --rm --name fstop busybox sh -c 'sleep 0.5; exit 4' >/dev/null 2>&1 3>&- &
    pid=$!
    wait_for 50 state_is fstop running
    kill -STOP "$pid"
    note_ids
    sleep 1
    kill -9 "$pid"
    wait "$pid" 2>/dev/null || true
    wait_for 50 eval '! ctr_id fstop'
    consistent
    for i in $(seq 6); do
        sigkill_after $((250 + RANDOM % 200)) run --name "fx$i" busybox sh -c 'sleep 0.3; exit 4'
        note_ids
        wait_for 50 state_is "fx$i" exited
        assert_equal "$(record_field "fx$i" .state.exit_code)" 4
        consistent
    done
    for i in $(seq 6); do
        sigkill_after $((250 + RANDOM % 200)) run --rm --name "fr$i" busybox sh -c 'sleep 0.3; exit 4'
        note_ids
        wait_for 50 eval '! ctr_id fr'"$i"
        consistent
    done
    run hull ps -a --format '{{.Names}}'
    refute_output --partial fr
}

@test "SIGKILL of the monitor: the container runs on; stop, start and rm still work" {
    run hull run -d --name orphan busybox sleep 600
    assert_success
    local init
    init="$(init_pid orphan)"
    kill -9 "$(monitor_pid orphan)"
    # The truth: it still runs.
    sleep 0.2
    state_is orphan running
    consistent
    run hull stop -t 1 orphan
    assert_success
    ! alive "$init"
    state_is orphan exited
    consistent
    run hull start orphan
    assert_success
    state_is orphan running
    # Both gone, as after a crash of the machine's processes.
    init="$(init_pid orphan)"
    kill -9 "$(monitor_pid orphan)" "$init"
    wait_for 50 state_is orphan exited
    assert_equal "$(record_field orphan .state.exit_code)" 255
    consistent
    run hull start orphan
    assert_success
    state_is orphan running
}

@test "SIGKILL of the monitor at random points around an exit" {
    local i pid
    for i in $(seq 5); do
        hull run -d --name "ex$i" busybox sh -c 'sleep 0.3; exit 5' >/dev/null
        sleep "0.$((RANDOM % 6))"
        pid="$(monitor_pid "ex$i")"
        alive "$pid" && kill -9 "$pid"
        wait_for 50 eval '! alive "$(init_pid ex'"$i"')"'
        wait_for 50 state_is "ex$i" exited
        consistent
    done
    # The monitor wrote the exit file first: when it got that far, the
    # code is known (5); otherwise it is unknown (255).
    for i in $(seq 5); do
        [[ "$(record_field "ex$i" .state.exit_code)" =~ ^(5|255)$ ]]
    done
}

@test "a reboot: /run emptied, mounts and processes gone; ps tells, start runs it again" {
    run hull run -d --name survivor --network none busybox sh -c 'echo before; sleep 600'
    assert_success
    local id
    id="$(ctr_id survivor)"
    # What a reboot does: every process gone, every mount and cgroup, and
    # /run empty.
    kill -9 "$(monitor_pid survivor)" "$(init_pid survivor)"
    wait_for 50 eval '! alive "$(init_pid survivor)"'
    umount "$HROOT/containers/$id/rootfs"
    local d
    for d in /sys/fs/cgroup/*/hull/"$id"; do
        [ -d "$d" ] && rmdir "$d"
    done
    rm -rf "$HRUN"
    run hull ps -a --format '{{.Names}} {{.Status}}'
    assert_output --regexp '^survivor Exited \(255\) '
    consistent
    run hull start survivor
    assert_success
    state_is survivor running
    run hull logs survivor
    assert_output "$(printf 'before\nbefore')"
}

@test "SIGKILL of run -d while the record is made: a created container always starts" {
    local i id state
    for i in $(seq 12); do
        sigkill_after $((RANDOM % 20)) run -d --name "mk$i" busybox sleep 600
        note_ids
    done
    # A record whose creation was cut off is gone after ps; every other
    # one starts.
    hull ps -a >/dev/null
    for i in $(seq 12); do
        id="$(ctr_id "mk$i")" || continue
        state="$(hull ps -a --filter "id=$id" --format '{{.State}}')"
        [ "$state" != created ] || {
            run hull start "mk$i"
            assert_success
        }
    done
    consistent
}

@test "a created record without its config.json (creation cut off) is removed, not left unstartable" {
    run hull create --name cut busybox true
    assert_success
    local id
    id="$(ctr_id cut)"
    note_ids
    # What a hull killed before it wrote config.json leaves.
    rm "$HROOT/containers/$id/config.json"
    run hull start cut
    assert_failure
    assert_output --partial "No such container"
    [ ! -e "$HROOT/containers/$id" ]
    run hull create --name cut2 busybox true
    assert_success
    rm "$HROOT/containers/$(ctr_id cut2)/config.json"
    note_ids
    run hull ps -a --format '{{.Names}}'
    assert_success
    refute_output --partial cut2
    [ -z "$(records)" ]
}

@test "SIGKILL of commit while it holds the container paused: the next command resumes it" {
    run hull run -d --name frozen busybox sh -c 'echo data >/f; sleep 600'
    assert_success
    note_ids
    local id i
    id="$(ctr_id frozen)"
    # What a commit killed between its pause and its resume leaves: the
    # container paused, its unlocked marker.
    : >"$HROOT/containers/$id/commit-pause"
    run hull pause frozen
    assert_success
    run hull ps --format '{{.Status}}'
    refute_output --partial Paused
    [ ! -e "$HROOT/containers/$id/commit-pause" ]
    # The same, found by the next commit itself.
    : >"$HROOT/containers/$id/commit-pause"
    run hull pause frozen
    assert_success
    run hull commit frozen "frozen-img$$"
    assert_success
    [ ! -e "$HROOT/containers/$id/commit-pause" ]
    run hull exec frozen cat /f
    assert_output data
    # And real kills at random points of real commits.
    for i in $(seq 4); do
        sigkill_after $((RANDOM % 150)) commit frozen "frozen-img$$-$i"
        run hull ps --format '{{.Status}}'
        refute_output --partial Paused
        run hull commit frozen "frozen-img$$"
        assert_success
    done
    run hull exec frozen true
    assert_success
}

@test "SIGKILL of export -o and save -o: no temporary file is left" {
    run hull run -d --name bulky busybox sh -c \
        'dd if=/dev/urandom of=/bulk bs=1M count=64 2>/dev/null; touch /ready; sleep 600'
    assert_success
    note_ids
    wait_for 300 hull exec bulky test -e /ready
    local out="$BATS_TEST_TMPDIR/out" i
    mkdir "$out"
    for i in $(seq 4); do
        sigkill_after $((RANDOM % 300)) export -o "$out/bulky.tar" bulky
        sigkill_after $((RANDOM % 100)) save -o "$out/busybox.tar" busybox
    done
    run ls -A "$out"
    refute_output --partial hull-tmp
    # What is there is complete.
    [ ! -e "$out/bulky.tar" ] || tar -tf "$out/bulky.tar" >/dev/null
    [ ! -e "$out/busybox.tar" ] || tar -tf "$out/busybox.tar" >/dev/null
    run hull export -o "$out/bulky.tar" bulky
    assert_success
    run tar -tf "$out/bulky.tar" bulk
    assert_success
    run ls -A "$out"
    refute_output --partial hull-tmp
}
