#!/usr/bin/env bats
# Lifecycle hooks: the six kinds, their order, the state on stdin, env,
# timeout, and what a failing hook does.
#
# Some hooks run in the runtime's namespaces and some in the container's, so
# the hook program (a copy of the probe) and the directory it writes to are
# at the same absolute path on the host and, bind-mounted, in the container.

load helpers

setup() {
    hull_setup
    HOOKS="$BATS_TEST_TMPDIR/hooks"
    mkdir -p "$HOOKS/out"
    cp "$PROBE" "$HOOKS/probe"
    cfg --arg d "$HOOKS" '.mounts += [{destination: $d, type: "bind", source: $d,
        options: ["rbind", "rw"]}]'
    cfg_args /probe sleep 600
}

# add_hook KIND ARGS...: appends a hook running the probe with ARGS.
add_hook() {
    local kind="$1"
    shift
    cfg --arg k "$kind" --arg p "$HOOKS/probe" --argjson a "$(jq -cn '$ARGS.positional' --args "$@")" \
        '.hooks[$k] += [{path: $p, args: (["probe"] + $a)}]'
}

# A hook that logs its kind, its stdin and its environment.
add_recording_hook() {
    add_hook "$1" append "$HOOKS/out/order" "$1" + save-stdin "$HOOKS/out/$1.state" \
        + save-env "$HOOKS/out/$1.env"
}

ALL_KINDS=(prestart createRuntime createContainer startContainer poststart poststop)

# sorted_log: the kinds logged so far, sorted.
sorted_log() {
    sort "$HOOKS/out/order" | tr '\n' ' '
}

@test "each hook runs at its step of the lifecycle" {
    for kind in "${ALL_KINDS[@]}"; do
        add_recording_hook "$kind"
    done
    run_rt create --bundle "$BUNDLE" "$ID"
    assert_success
    if [ "$RT_KIND" = runc ]; then
        # runc 1.1 runs poststart hooks at create.
        assert_equal "$(grep -v poststart "$HOOKS/out/order" | sort | tr '\n' ' ')" \
            "createContainer createRuntime prestart "
    else
        assert_equal "$(sorted_log)" "createContainer createRuntime prestart "
    fi

    run_rt start "$ID"
    assert_success
    wait_status "$ID" running
    for _ in $(seq 50); do
        [ "$(wc -l <"$HOOKS/out/order")" -ge 5 ] && break
        sleep 0.1
    done
    assert_equal "$(sorted_log)" "createContainer createRuntime poststart prestart startContainer "

    rt kill "$ID" KILL
    wait_status "$ID" stopped
    run_rt delete "$ID"
    assert_success
    assert_equal "$(sorted_log)" \
        "createContainer createRuntime poststart poststop prestart startContainer "
}

@test "the six hooks run in the spec's order" {
    [ "$RT_KIND" != runc ] || skip "runc 1.1 runs poststart hooks at create"
    [ "$RT_KIND" != crun ] || skip "crun 1.8 may run poststart before startContainer"
    for kind in "${ALL_KINDS[@]}"; do
        add_recording_hook "$kind"
    done
    rt create --bundle "$BUNDLE" "$ID" >/dev/null
    rt start "$ID"
    wait_status "$ID" running
    wait_file "$HOOKS/out/poststart.env"
    rt delete --force "$ID"
    run cat "$HOOKS/out/order"
    assert_output "$(printf '%s\n' "${ALL_KINDS[@]}")"
}

@test "hooks get the container's state on stdin" {
    cfg '.annotations = {"org.hull.hook": "yes"}'
    for kind in "${ALL_KINDS[@]}"; do
        add_recording_hook "$kind"
    done
    rt create --bundle "$BUNDLE" "$ID" >/dev/null
    pid="$(state_field "$ID" pid)"
    rt start "$ID"
    wait_file "$HOOKS/out/poststart.state"
    rt kill "$ID" KILL
    wait_status "$ID" stopped
    rt delete "$ID"
    for kind in "${ALL_KINDS[@]}"; do
        run jq -r '[.ociVersion, .id, .annotations["org.hull.hook"]] | join(" ")' \
            "$HOOKS/out/$kind.state"
        assert_success
        assert_output --regexp "^1\.[0-9]+.* $ID yes$"
        # crun 1.8 gives startContainer "/" as the bundle.
        [ "$RT_KIND/$kind" = crun/startContainer ] ||
            assert_equal "$kind $(jq -r .bundle "$HOOKS/out/$kind.state")" "$kind $BUNDLE"
    done
    for kind in prestart createRuntime createContainer startContainer poststart; do
        # runc 1.1 gives the hooks it runs in the container the pid as seen
        # there, crun 1.8 gives them 0.
        case "$RT_KIND/$kind" in
        */createContainer | */startContainer) [ "$RT_KIND" = hullrt ] || continue ;;
        esac
        assert_equal "$kind $(jq -r .pid "$HOOKS/out/$kind.state")" "$kind $pid"
    done
    assert_equal "$(jq -r .status "$HOOKS/out/poststop.state")" stopped
}

@test "hooks get the state status the spec gives each step" {
    [ "$RT_KIND" != runc ] || skip "runc 1.1 reports created and running at other steps"
    [ "$RT_KIND" != crun ] || skip "crun 1.8 reports created to the create hooks"
    for kind in "${ALL_KINDS[@]}"; do
        add_recording_hook "$kind"
    done
    rt create --bundle "$BUNDLE" "$ID" >/dev/null
    rt start "$ID"
    wait_file "$HOOKS/out/poststart.state"
    rt delete --force "$ID"
    for k in prestart:creating createRuntime:creating createContainer:creating \
        startContainer:created poststart:running poststop:stopped; do
        assert_equal "${k%%:*}=$(jq -r .status "$HOOKS/out/${k%%:*}.state")" "${k/:/=}"
    done
}

@test "hooks get their env and args, and nothing of the runtime's environment" {
    cfg --arg p "$HOOKS/probe" --arg f "$HOOKS/out/env" \
        '.hooks.createRuntime = [{path: $p, args: ["probe", "save-env", $f],
            env: ["HULL_HOOK_A=1", "HULL_HOOK_B=two words"]}]'
    HULL_RUNTIME_ENV_LEAK=1 rt create --bundle "$BUNDLE" "$ID" >/dev/null
    run cat "$HOOKS/out/env"
    assert_line "HULL_HOOK_A=1"
    assert_line "HULL_HOOK_B=two words"
    refute_line --partial HULL_RUNTIME_ENV_LEAK
    refute_line --partial BATS_
}

@test "a failing prestart hook fails create and leaves nothing" {
    add_hook prestart exit 3
    add_hook poststart append "$HOOKS/out/order" poststart
    run_rt create --bundle "$BUNDLE" "$ID"
    assert_failure
    [ -z "$(ls -A "$ROOT")" ]
    [ ! -e "$HOOKS/out/order" ]
    run_rt state "$ID"
    assert_failure
}

@test "a failing createRuntime hook fails create and leaves nothing" {
    add_hook createRuntime exit 1
    add_hook createContainer append "$HOOKS/out/order" createContainer
    run_rt create --bundle "$BUNDLE" "$ID"
    assert_failure
    [ -z "$(ls -A "$ROOT")" ]
    [ ! -e "$HOOKS/out/order" ]
}

@test "a failing createContainer hook fails create and leaves nothing" {
    add_hook createContainer exit 1
    run_rt create --bundle "$BUNDLE" "$ID"
    assert_failure
    [ -z "$(ls -A "$ROOT")" ]
}

@test "a failing startContainer hook stops the container before the process runs" {
    add_hook startContainer exit 1
    cfg --arg f "$HOOKS/out/ran" '.process.args = ["/probe", "write", $f, "x"]'
    # The init reports the failure on the stdio it got from create: start
    # itself may have returned already.
    rt create --bundle "$BUNDLE" "$ID" >"$BATS_TEST_TMPDIR/create.out" 2>&1
    rt start "$ID" >>"$BATS_TEST_TMPDIR/create.out" 2>&1 || true
    wait_status "$ID" stopped
    sleep 0.3
    [ ! -e "$HOOKS/out/ran" ]
    run cat "$BATS_TEST_TMPDIR/create.out"
    assert_output --partial hook
}

@test "a hook that does not exist fails create" {
    cfg --arg p "$HOOKS/no-such-hook" '.hooks.prestart = [{path: $p}]'
    run_rt create --bundle "$BUNDLE" "$ID"
    assert_failure
    [ -z "$(ls -A "$ROOT")" ]
}

@test "a failing poststart hook is only a warning" {
    [ "$RT_KIND" != runc ] || skip "runc 1.1 stops the container when poststart fails"
    add_hook poststart exit 1
    add_hook poststart append "$HOOKS/out/order" second-poststart
    run_rt run --detach --bundle "$BUNDLE" "$ID"
    assert_success
    assert_equal "$(state_field "$ID" status)" running
    wait_file "$HOOKS/out/order"
}

@test "a failing poststop hook is only a warning and the next ones still run" {
    add_hook poststop exit 1
    add_hook poststop append "$HOOKS/out/order" second-poststop
    rt create --bundle "$BUNDLE" "$ID" >/dev/null
    run_rt delete --force "$ID"
    assert_success
    [ ! -e "$ROOT/$ID" ]
    [ "$RT_KIND" != runc ] || skip "runc 1.1 skips the remaining poststop hooks"
    run cat "$HOOKS/out/order"
    assert_output second-poststop
}

@test "poststop hooks run on delete of a container that ran in the foreground" {
    add_hook poststop append "$HOOKS/out/order" poststop
    cfg_args /probe exit 0
    run_rt run --bundle "$BUNDLE" "$ID"
    assert_success
    run cat "$HOOKS/out/order"
    assert_output poststop
}

@test "a hook that exceeds its timeout is killed and fails create" {
    cfg --arg p "$HOOKS/probe" '.hooks.prestart = [{path: $p, args: ["probe", "sleep", "30"], timeout: 1}]'
    start=$SECONDS
    run_rt create --bundle "$BUNDLE" "$ID"
    assert_failure
    [ $((SECONDS - start)) -lt 15 ]
    [ -z "$(ls -A "$ROOT")" ]
}

@test "a hook within its timeout succeeds" {
    cfg --arg p "$HOOKS/probe" '.hooks.prestart = [{path: $p, args: ["probe", "sleep", "0.2"], timeout: 5}]'
    run_rt create --bundle "$BUNDLE" "$ID"
    assert_success
}

@test "a hook timeout must be positive" {
    [ "$RT_KIND" = hullrt ] || skip "runc and crun accept a zero timeout"
    cfg --arg p "$HOOKS/probe" '.hooks.prestart = [{path: $p, args: ["probe", "exit", "0"], timeout: 0}]'
    run_rt create --bundle "$BUNDLE" "$ID"
    assert_failure
    assert_output --partial timeout
}
