#!/usr/bin/env bats
# Interactive sessions (-it) driven through a real terminal: a tmux server
# of the test's own (its own socket), whose window is resized like a
# user's terminal.

load lifecycle_helpers

setup() {
    TMUX_SOCKET="hull-test-$$-$BATS_SUITE_TEST_NUMBER"
    SESSION=hulltty
    EXIT_FILE="$BATS_TEST_TMPDIR/exit"
    command -v tmux >/dev/null || skip "tmux is not installed"
    lifecycle_setup
}

teardown() {
    tm kill-server 2>/dev/null || true
    lifecycle_teardown
}

tm() {
    tmux -L "$TMUX_SOCKET" "$@"
}

# start_session COMMAND: runs COMMAND in a new 80x24 terminal; its exit
# status lands in $EXIT_FILE.
start_session() {
    tm new-session -d -s "$SESSION" -x 80 -y 24 \
        "HULL_ROOT=$HROOT HULL_RUNROOT=$HRUN $1; echo \$? > $EXIT_FILE; sleep 600"
}

screen() {
    tm capture-pane -t "$SESSION" -p
}

# screen_has REGEX: the terminal shows a line matching REGEX.
screen_has() {
    screen | grep -qE "$1"
}

@test "-it: the prompt, a resize seen by stty size, Ctrl-D ends it with the shell's status" {
    start_session "$HULL run -it --name shell busybox sh"
    wait_for 100 screen_has '^/ # ?$'
    tm send-keys -t "$SESSION" 'stty size' Enter
    wait_for 50 screen_has '^24 80$'
    tm resize-window -t "$SESSION" -x 100 -y 30
    tm send-keys -t "$SESSION" 'clear; stty size' Enter
    wait_for 50 screen_has '^30 100$'
    # The status of the last command is the shell's when Ctrl-D ends it.
    tm send-keys -t "$SESSION" 'sh -c "exit 7"' Enter
    tm send-keys -t "$SESSION" C-d
    wait_for 100 test -s "$EXIT_FILE"
    assert_equal "$(cat "$EXIT_FILE")" 7
    state_is shell exited
    assert_equal "$(record_field shell .state.exit_code)" 7
}

@test "-it: Ctrl-C reaches the container's program, not hull" {
    start_session "$HULL run -it --rm busybox sh"
    wait_for 100 screen_has '^/ # ?$'
    tm send-keys -t "$SESSION" 'sleep 600' Enter
    sleep 0.5
    tm send-keys -t "$SESSION" C-c
    tm send-keys -t "$SESSION" 'echo still-$((40+2))' Enter
    wait_for 50 screen_has '^still-42$'
    tm send-keys -t "$SESSION" 'exit 3' Enter
    wait_for 100 test -s "$EXIT_FILE"
    assert_equal "$(cat "$EXIT_FILE")" 3
}

@test "detach keys leave it running; attach comes back to it" {
    start_session "$HULL run -it --name det busybox sh"
    wait_for 100 screen_has '^/ # ?$'
    tm send-keys -t "$SESSION" C-p C-q
    wait_for 100 test -s "$EXIT_FILE"
    assert_equal "$(cat "$EXIT_FILE")" 0
    state_is det running
    # A terminal of a new tmux server, as another login would be.
    tm kill-server
    TMUX_SOCKET="$TMUX_SOCKET-again"
    rm -f "$EXIT_FILE"
    start_session "$HULL attach det"
    sleep 0.5
    tm send-keys -t "$SESSION" 'echo back-$((1+1))' Enter
    wait_for 50 screen_has '^back-2$'
    tm send-keys -t "$SESSION" 'exit 4' Enter
    wait_for 100 test -s "$EXIT_FILE"
    assert_equal "$(cat "$EXIT_FILE")" 4
}
