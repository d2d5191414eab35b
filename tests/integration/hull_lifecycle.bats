#!/usr/bin/env bats
# The engine's lifecycle: detached containers under their monitors, logs,
# stop and start, restart policies, create/start/attach/wait/kill, names,
# ps filters and formats, --init, prune and the system commands.

load lifecycle_helpers

# fetch NAME PATH: GET http://127.0.0.1:8080/PATH inside container NAME's
# network namespace.
fetch() {
    nsenter --net="/proc/$(init_pid "$1")/ns/net" curl -sf -m 5 "http://127.0.0.1:8080/$2"
}

@test "a detached web server outlives the terminal that started it; logs -f, exec, stop, start" {
    # The page is made at the first start only: a second start serves what
    # the first one wrote.
    local web='mkdir -p /www && { [ -f /www/index.html ] || echo served-$(cat /proc/sys/kernel/random/uuid) > /www/index.html; } && exec httpd -f -vv -p 8080 -h /www'
    # script gives the hull command a terminal of its own; setsid makes it
    # a session that is gone when script returns.
    run setsid script -qec "HULL_ROOT=$HROOT HULL_RUNROOT=$HRUN $HULL run -d --name web busybox sh -c '$web'" /dev/null
    assert_success
    assert_output --regexp '^[0-9a-f]{64}'
    wait_for 50 fetch web index.html
    local page
    page="$(fetch web index.html)"
    [[ "$page" == served-* ]]
    # The monitor is the init's parent, in a session of its own without a
    # terminal, not a child of anything here.
    local mon
    mon="$(monitor_pid web)"
    assert_equal "$(ps -o ppid= -p "$(init_pid web)" | tr -d ' ')" "$mon"
    [ "$(ps -o sid= -p "$mon")" != "$(ps -o sid= -p $$)" ]
    assert_equal "$(ps -o tty= -p "$mon" | tr -d ' ')" "?"
    [ "$(ps -o ppid= -p "$mon" | tr -d ' ')" != $$ ]

    # logs -f follows new output and ends when the container stops.
    HULL_ROOT="$HROOT" HULL_RUNROOT="$HRUN" "$HULL" logs -f web >"$BATS_TEST_TMPDIR/follow" 2>&1 3>&- &
    local follower=$!
    BG_PIDS+=("$follower")
    fetch web followed-request >/dev/null 2>&1 || true
    wait_for 50 grep -q followed-request "$BATS_TEST_TMPDIR/follow"

    if hull exec --help >/dev/null 2>&1; then
        run hull exec web cat /www/index.html
        assert_success
        assert_output "$page"
    fi

    # httpd as PID 1 ignores SIGTERM: stop kills it after the timeout.
    run hull stop -t 1 web
    assert_success
    assert_output web
    assert_equal "$(record_field web .state.exit_code)" 137
    state_is web exited
    wait "$follower"
    BG_PIDS=()

    # The same filesystem when it starts again.
    run hull start web
    assert_success
    wait_for 50 fetch web index.html
    assert_equal "$(fetch web index.html)" "$page"
    state_is web running
}

@test "--restart on-failure:3 restarts a failing command three times, then stops" {
    run hull run -d --name flaky --restart on-failure:3 busybox sh -c 'echo attempt; exit 3'
    assert_success
    wait_for 200 state_is flaky exited
    assert_equal "$(record_field flaky .state.restart_count)" 3
    assert_equal "$(record_field flaky .state.exit_code)" 3
    run hull logs flaky
    assert_equal "$(grep -c attempt <<<"$output")" 4
    # The monitor is gone with the last exit, and so is everything held.
    wait_for 50 no_monitors
    run held_by "$(ctr_id flaky)"
    assert_output ""
}

@test "--restart always restarts after a crash, not after stop" {
    run hull run -d --name steady --restart always busybox sleep 600
    assert_success
    local first
    first="$(init_pid steady)"
    kill -KILL "$first"
    wait_for 100 eval '[ "$(record_field steady .state.restart_count)" = 1 ] && state_is steady running'
    [ "$(init_pid steady)" != "$first" ]
    run hull stop -t 1 steady
    assert_success
    state_is steady exited
    # Still stopped a while later: no restart is pending, no monitor left.
    sleep 1
    state_is steady exited
    assert_equal "$(record_field steady .state.restart_count)" 1
    [ -z "$(monitors)" ]
    # A start by hand runs it again.
    run hull start steady
    assert_success
    state_is steady running
}

@test "create, start -a, wait, kill, restart" {
    run hull create --name later busybox sh -c 'echo out; echo err >&2; exit 4'
    assert_success
    assert_output --regexp '^[0-9a-f]{64}$'
    state_is later created
    run hull start -a later
    assert_equal "$status" 4
    assert_line out
    assert_line err
    run hull wait later
    assert_output 4

    # PID 1 has no default signal actions: the trap is what USR1 does.
    run hull run -d --name sleeper busybox sh -c 'trap "exit 10" USR1; while :; do sleep 0.1; done'
    assert_success
    run hull kill -s USR1 sleeper
    assert_success
    wait_for 50 state_is sleeper exited
    assert_equal "$(record_field sleeper .state.exit_code)" 10
    run hull restart -t 1 sleeper
    assert_success
    state_is sleeper running
    hull_bg wait sleeper
    run hull kill sleeper
    assert_success
    wait "${BG_PIDS[0]}"
    run hull wait sleeper
    assert_output 137
    run hull kill sleeper
    assert_failure
    assert_output --partial "is not running"
}

@test "exit codes of run -d and start: 125, 126, 127; a failed start stays created" {
    run -127 hull run -d --name missing busybox nosuchcommand
    assert_output --partial nosuchcommand
    state_is missing created
    assert_equal "$(record_field missing .state.exit_code)" 127
    # start, as Docker's, fails with 1; its -a form has the command's status.
    run hull start missing
    assert_equal "$status" 1
    assert_output --partial 'executable file not found'
    run -127 hull start -a missing
    run hull run -d --name denied busybox /etc/passwd
    assert_equal "$status" 126
    run -127 hull run -d --rm busybox nosuchcommand
    [ "$(records | wc -l)" -eq 2 ]
    run hull run -d --restart sometimes busybox true
    assert_equal "$status" 125
    run hull run -d --rm --restart always busybox true
    assert_equal "$status" 125
    assert_output --partial "Conflicting options: --restart and --rm"
}

@test "attach: input and output of a running container, its exit code" {
    run hull run -d -i --name reader busybox sh -c 'read line; echo "got $line"; exit 6'
    assert_success
    run bash -c 'echo hello | HULL_ROOT="$0" HULL_RUNROOT="$1" "$2" attach reader 3>&-' \
        "$HROOT" "$HRUN" "$HULL"
    assert_equal "$status" 6
    assert_output "got hello"
    run hull attach reader
    assert_failure
    assert_output --partial "You cannot attach to a stopped container"
}

# hull_pipe SHELL-COMMAND: runs SHELL-COMMAND, where "$H" is hull with
# this test's roots, and prints its output then "rc=STATUS" of the part
# that status names (PIPESTATUS index in $IDX, default 1: hull after an
# input pipe).
hull_pipe() {
    run timeout 60 env HROOT="$HROOT" HRUN="$HRUN" HULL="$HULL" IDX="${IDX:-1}" bash -c '
        H() { HULL_ROOT="$HROOT" HULL_RUNROOT="$HRUN" "$HULL" "$@" 3>&-; }
        '"$1"'
        echo "rc=${PIPESTATUS[$IDX]}"'
}

@test "input still flowing when the container exits: the exit code comes back" {
    local i
    for i in 1 2 3 4 5; do
        hull_pipe 'yes | H run -i --rm --network none busybox sh -c "head -c 4; exit 7"'
        assert_success
        assert_output "$(printf 'y\ny\nrc=7')"
        hull create -i --network none --name "sa$i" busybox sh -c 'head -c 1 >/dev/null; exit 5' >/dev/null
        hull_pipe "yes | H start -ai sa$i"
        assert_output "rc=5"
    done
    [ -z "$(hull ps -q --filter status=running)" ]
}

@test "a slow reader gets all the output, then the exit code" {
    # Read from 7 s after the exit on: the output waits for it.
    IDX=0 hull_pipe "H run --rm --network none busybox sh -c 'head -c 300000 /dev/zero; exit 6' | (sleep 7; wc -c)"
    assert_output "$(printf '300000\nrc=6')"
    hull create --network none --name slow busybox sh -c 'head -c 300000 /dev/zero; exit 6' >/dev/null
    IDX=0 hull_pipe "H start -a slow | (sleep 7; wc -c)"
    assert_output "$(printf '300000\nrc=6')"
}

@test "a foreground run stopped (as by ^Z): the exit is recorded anyway; resumed, it exits with the code" {
    local pid
    HULL_ROOT="$HROOT" HULL_RUNROOT="$HRUN" "$HULL" run --network none --name tstp busybox sh -c 'sleep 1; exit 4' \
        >/dev/null 2>&1 3>&- &
    pid=$!
    wait_for 50 state_is tstp running
    # SIGSTOP: a SIGTSTP would be discarded here (an orphaned process
    # group), and the stop is the same.
    kill -STOP "$pid"
    # The monitor gives the stopped client a little time, then records
    # the exit itself.
    wait_for 100 state_is tstp exited
    assert_equal "$(record_field tstp .state.exit_code)" 4
    kill -CONT "$pid"
    local rc=0
    wait "$pid" || rc=$?
    assert_equal "$rc" 4
}

@test "attach to a container created without -i: its output only, as Docker" {
    run hull run -d --name noin busybox sh -c \
        'while [ ! -e /stop ]; do echo tick; sleep 0.1; done; echo bye >&2; exit 3'
    assert_success
    local out="$BATS_TEST_TMPDIR/attach.out" pid
    echo ignored | HULL_ROOT="$HROOT" HULL_RUNROOT="$HRUN" "$HULL" attach noin >"$out" 2>&1 3>&- &
    pid=$!
    wait_for 100 grep -q tick "$out"
    run hull exec noin touch /stop
    assert_success
    local rc=0
    wait "$pid" || rc=$?
    assert_equal "$rc" 3
    run cat "$out"
    assert_line bye
    refute_output --partial "not created with -i"
}

@test "run -it with an input that is not a terminal: refused before anything is made" {
    run hull run -it --name notty busybox true </dev/null
    assert_failure 1
    assert_output "hull: the input device is not a TTY"
    [ -z "$(records)" ]
    run hull run -t --rm busybox true </dev/null
    assert_success
}

@test "Docker's statuses: rename to its own name, kill -s BOGUS, a group without a subcommand" {
    run hull run -d --name same busybox sleep 600
    assert_success
    run hull rename same same
    assert_failure 1
    assert_output --partial "Renaming a container with the same name as its current name"
    run hull kill -s BOGUS same
    assert_failure 1
    assert_output --partial 'invalid signal "BOGUS"'
    state_is same running
    run hull image
    assert_success
    assert_output --partial "Usage:  hull image COMMAND"
    run hull container
    assert_success
}

@test "FinishedAt keeps the last exit through a restart, until the next exit" {
    run hull run -d --name twice busybox sh -c 'until [ -e /go ]; do sleep 0.05; done; rm /go; exit 3'
    assert_success
    hull exec twice touch /go
    wait_for 100 state_is twice exited
    local first
    first="$(hull inspect -f '{{.State.FinishedAt}}' twice)"
    [[ "$first" =~ ^20[0-9][0-9]- ]]
    run hull start twice
    assert_success
    run hull inspect -f '{{.State.FinishedAt}}' twice
    assert_output "$first"
    hull exec twice touch /go
    wait_for 100 state_is twice exited
    run hull inspect -f '{{.State.FinishedAt}}' twice
    [[ "$output" =~ ^20[0-9][0-9]- ]]
    [ "$output" != "$first" ]
}

@test "run -d --rm: removed once it exits" {
    run hull run -d --rm --name brief busybox sh -c 'sleep 0.3'
    assert_success
    wait_for 100 no_records
    wait_for 50 no_monitors
}

@test "logs: partial lines and binary output intact, --tail, -t, --since" {
    hull run --name talker busybox sh -c \
        'echo first; printf "no newline"; sleep 0.2; printf " then more\n"; printf "\000\377\376bin\n" >&2; sleep 0.2; echo last' \
        >/dev/null 2>&1
    hull logs talker >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err"
    printf 'first\nno newline then more\nlast\n' >"$BATS_TEST_TMPDIR/want-out"
    printf '\000\377\376bin\n' >"$BATS_TEST_TMPDIR/want-err"
    cmp "$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/want-out"
    cmp "$BATS_TEST_TMPDIR/err" "$BATS_TEST_TMPDIR/want-err"
    # One JSON object per line, with log, stream and time.
    local log
    log="$HROOT/containers/$(ctr_id talker)/container.log"
    run jq -r '.stream + " " + .time' "$log"
    assert_success
    assert_line --regexp '^stdout [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$'
    assert_line --regexp '^stderr '
    run hull logs --tail 1 talker
    assert_output last
    run hull logs -t --tail 1 talker
    assert_output --regexp '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z last$'
    run hull logs --since 1h talker
    assert_line first
    run hull logs --since "$(date -d '+1 hour' +%s)" talker
    assert_output ""
    run hull logs --since soon talker
    assert_failure
}

@test "logs are rotated by size: max-size, max-file" {
    run hull run --name chatty --log-opt max-size=1k --log-opt max-file=3 busybox \
        sh -c 'i=0; while [ $i -lt 200 ]; do echo "line $i"; i=$((i+1)); done'
    assert_success
    local dir
    dir="$HROOT/containers/$(ctr_id chatty)"
    [ -f "$dir/container.log.1" ]
    [ -f "$dir/container.log.2" ]
    [ ! -e "$dir/container.log.3" ]
    [ "$(stat -c %s "$dir/container.log")" -le 1024 ]
    run hull logs chatty
    assert_line "line 199"
    refute_line "line 0"
    run hull run --log-opt max-file=2 busybox true
    assert_equal "$status" 125
    run hull run --log-opt colour=red busybox true
    assert_equal "$status" 125
    assert_output --partial 'unknown log opt "colour"'
}

@test "--init is PID 1, passes signals on and reaps orphans" {
    run hull run --rm --init busybox ps -o pid,comm
    assert_success
    assert_line --regexp '^ +1 +init$'
    # Without it, sleep is PID 1 and never reaps the orphan it inherits.
    hull run -d --name bare busybox sh -c '(sleep 0.1 &); exec sleep 600'
    hull run -d --name inited --init busybox sh -c '(sleep 0.1 &); exec sleep 600'
    sleep 1
    [ "$(ps --ppid "$(init_pid bare)" -o stat= | grep -c Z)" -eq 1 ]
    local child
    child="$(ps --ppid "$(init_pid inited)" -o pid= | tr -d ' ')"
    [ -n "$child" ]
    [ "$(ps --ppid "$(init_pid inited)" -o stat= | grep -c Z)" -eq 0 ]
    [ "$(ps --ppid "$child" -o stat= | grep -c Z)" -eq 0 ]
    # SIGTERM reaches sleep through the init: it ends at once, 143.
    run hull stop -t 600 inited
    assert_success
    assert_equal "$(record_field inited .state.exit_code)" 143
}

@test "--stop-signal and --stop-timeout" {
    run hull run -d --name usr --stop-signal USR1 --stop-timeout 600 busybox sh -c \
        'trap "exit 9" USR1; while :; do sleep 0.1; done'
    assert_success
    run hull stop usr
    assert_success
    assert_equal "$(record_field usr .state.exit_code)" 9
    run hull run -d --stop-signal NOPE busybox true
    assert_equal "$status" 125
    assert_output --partial NOPE
}

@test "names: generated, unique, by id prefix; ambiguous prefixes are errors; rename" {
    run hull run -d busybox sleep 600
    assert_success
    local id="$output"
    run hull ps --format '{{.Names}}'
    assert_output --regexp '^[a-z]+_[a-z]+[0-9]*$'
    run hull run -d --name twin busybox sleep 600
    run hull run -d --name twin busybox sleep 600
    assert_equal "$status" 125
    assert_output --partial 'the container name "/twin" is already in use'
    run hull stop -t 0 "${id:0:10}"
    assert_success
    # 17 ids: two of them share a first digit.
    local i
    for i in $(seq 17); do hull create --name "n$i" busybox true >/dev/null; done
    local dup
    dup="$(records | cut -c1 | sort | uniq -d | head -1)"
    run hull rm "$dup"
    assert_failure
    assert_output --partial "multiple containers match the id prefix \"$dup\""
    run hull rename twin triplet
    assert_success
    run hull ps --filter name=triplet --format '{{.Names}}'
    assert_output triplet
    run hull rename triplet n1
    assert_failure
    assert_output --partial 'is already in use'
    run hull rm nosuch
    assert_failure
    assert_output --partial "No such container: nosuch"
}

@test "ps: --filter status, name, id, label, exited, ancestor; --format templates and json" {
    hull run -d --name up1 -l tier=web -l solo busybox sleep 600 >/dev/null
    hull run --name down3 -l tier=db busybox sh -c 'exit 3' || true
    hull create --name fresh busybox true >/dev/null
    run hull ps --format '{{.Names}}'
    assert_output up1
    run hull ps -a --filter status=exited --format '{{.Names}}'
    assert_output down3
    run hull ps --filter status=created --format '{{.Names}} {{.State}}'
    assert_output "fresh created"
    run hull ps -a --filter label=tier=web --format '{{.Names}}'
    assert_output up1
    run hull ps -a --filter label=tier --format '{{.Names}}'
    assert_line up1
    assert_line down3
    run hull ps -a --filter label=solo -q --no-trunc
    assert_output "$(ctr_id up1)"
    run hull ps -a --filter exited=3 --format '{{.Names}}'
    assert_output down3
    run hull ps -a --filter "id=$(ctr_id fresh | cut -c1-8)" --format '{{.Names}}'
    assert_output fresh
    run hull ps -a --filter ancestor=busybox --filter name=down --format '{{.Names}}'
    assert_output down3
    run hull ps -a --filter ancestor=nosuchimage -q
    assert_output ""
    run hull ps --filter colour=red
    assert_equal "$status" 125
    assert_output --partial "invalid filter 'colour'"
    run hull ps -a --format 'table {{.Names}}\t{{.Status}}'
    assert_line --index 0 --regexp '^NAMES +STATUS$'
    assert_line --regexp '^down3 +Exited \(3\) .* ago$'
    run hull ps -a --format json
    assert_success
    assert_equal "$(jq -sr 'map(select(.Names == "up1"))[0] | .State + " " + .Labels' <<<"$output")" \
        "running tier=web,solo="
}

@test "container prune, system df, system prune, version, info" {
    hull run -d --name keep busybox sleep 600 >/dev/null
    hull run --name gone1 busybox true
    hull run --name gone2 busybox true
    run hull system df
    assert_success
    assert_line --index 0 --regexp '^TYPE +TOTAL +ACTIVE +SIZE +RECLAIMABLE$'
    assert_line --regexp '^Containers +3 +1 '
    assert_line --regexp '^Images +1 +1 '
    run bash -c 'echo n | HULL_ROOT="$0" HULL_RUNROOT="$1" "$2" container prune 3>&-' \
        "$HROOT" "$HRUN" "$HULL"
    assert_success
    [ "$(records | wc -l)" -eq 3 ]
    local g1 g2
    g1="$(ctr_id gone1)"
    g2="$(ctr_id gone2)"
    run hull container prune -f
    assert_success
    assert_line "Deleted Containers:"
    assert_line "$g1"
    assert_line "$g2"
    assert_line --regexp '^Total reclaimed space: '
    [ "$(records | wc -l)" -eq 1 ]
    run hull container ls --format '{{.Names}}'
    assert_output keep
    run hull system prune -f
    assert_success
    [ "$(records | wc -l)" -eq 1 ]
    run hull version
    assert_success
    assert_line --regexp '^ Version: +[0-9]+\.[0-9]+\.[0-9]+$'
    run hull version --format '{{.Client.Version}}'
    assert_output --regexp '^[0-9]+\.[0-9]+\.[0-9]+$'
    run hull info --format '{{.ContainersRunning}} {{.Containers}} {{.Images}} {{.Driver}}'
    assert_output "1 1 1 overlay"
    run hull system info
    assert_line --regexp '^Containers: 1$'
}
