#!/usr/bin/env bats
# Many hull commands at once: names stay unique, records whole, and every
# container appears.

load lifecycle_helpers

# wait_all: waits for every background hull; FAILED gets how many failed.
# Not through `run`: a subshell has no children to wait for.
wait_all() {
    local pid
    FAILED=0
    for pid in "${BG_PIDS[@]}"; do
        wait "$pid" || FAILED=$((FAILED + 1))
    done
    BG_PIDS=()
}

@test "50 containers started concurrently with distinct names all appear in ps" {
    local i
    for i in $(seq 50); do
        HULL_ROOT="$HROOT" HULL_RUNROOT="$HRUN" "$HULL" run -d --name "many$i" busybox sleep 600 \
            >/dev/null 2>"$BATS_TEST_TMPDIR/err$i" 3>&- &
        BG_PIDS+=($!)
    done
    wait_all
    assert_equal "$FAILED" 0
    note_ids
    run hull ps --format '{{.Names}} {{.State}}'
    assert_success
    assert_equal "$(grep -c '^many[0-9]* running$' <<<"$output")" 50
    assert_equal "$(sort -u <<<"$output" | wc -l)" 50
    run hull run -d --name many7 busybox true
    assert_equal "$status" 125
    assert_output --partial 'the container name "/many7" is already in use'
    # And all removed at once.
    for i in $(seq 50); do
        HULL_ROOT="$HROOT" HULL_RUNROOT="$HRUN" "$HULL" rm -f "many$i" >/dev/null 2>&1 3>&- &
        BG_PIDS+=($!)
    done
    wait_all
    assert_equal "$FAILED" 0
    [ -z "$(records)" ]
}

@test "the same name asked by 8 runs at once: exactly one gets it" {
    local i
    for i in $(seq 8); do
        HULL_ROOT="$HROOT" HULL_RUNROOT="$HRUN" "$HULL" run -d --name contested busybox sleep 600 \
            >/dev/null 2>&1 3>&- &
        BG_PIDS+=($!)
    done
    wait_all
    assert_equal "$FAILED" 7
    [ "$(records | wc -l)" -eq 1 ]
    state_is contested running
}

@test "start, stop and rm racing on one container never corrupt it" {
    run hull run -d --name raced busybox sleep 600
    assert_success
    local i
    for i in $(seq 6); do
        hull_bg stop -t 1 raced
        hull_bg start raced
        hull_bg restart -t 1 raced
    done
    wait_all
    # Whatever the order was, the record is whole and tells the truth.
    run jq -e '.state.status' "$HROOT/containers/$(ctr_id raced)/hull.json"
    assert_success
    run hull ps -a --filter name=raced --format '{{.State}}'
    assert_output --regexp '^(running|exited)$'
    if [ "$output" = running ]; then
        kill -0 "$(init_pid raced)"
    fi
    run hull rm -f raced
    assert_success
}
