#!/usr/bin/env bats
# The container lifecycle of runc's command line: create, start, state,
# kill, delete, run, list, spec, features.

load helpers

# A host directory shared with the container as /shared.
share_dir() {
    SHARED="$BATS_TEST_TMPDIR/shared"
    mkdir -p "$SHARED"
    cfg --arg src "$SHARED" '.mounts += [{destination: "/shared", type: "bind", source: $src,
        options: ["rbind", "rw"]}]'
}

# wait_lines FILE N: until FILE has N lines.
wait_lines() {
    for _ in $(seq 100); do
        [ "$(wc -l <"$1")" -ge "$2" ] && return 0
        sleep 0.1
    done
    return 1
}

@test "create leaves the process unrun until start, then kill stops it and delete removes it" {
    share_dir
    cfg_args /probe write /shared/started yes + sleep 600
    run_rt create --bundle "$BUNDLE" "$ID"
    assert_success

    run_rt state "$ID"
    assert_success
    assert_equal "$(jq -r .status <<<"$output")" created
    assert_equal "$(jq -r .id <<<"$output")" "$ID"
    assert_equal "$(jq -r .bundle <<<"$output")" "$BUNDLE"
    pid="$(jq -r .pid <<<"$output")"
    [ "$pid" -gt 0 ]
    [ -d "/proc/$pid" ]
    sleep 0.3
    [ ! -e "$SHARED/started" ]

    run_rt start "$ID"
    assert_success
    wait_file "$SHARED/started"
    assert_equal "$(state_field "$ID" status)" running
    assert_equal "$(state_field "$ID" pid)" "$pid"

    run_rt kill "$ID" KILL
    assert_success
    wait_status "$ID" stopped

    run_rt delete "$ID"
    assert_success
    [ ! -e "$ROOT/$ID" ]
    run_rt state "$ID"
    assert_failure
    [ "$RT_KIND" = crun ] || assert_output --partial "does not exist"
}

@test "state prints runc's fields" {
    cfg '.annotations = {"org.hull.test": "yes"}'
    cfg_args /probe sleep 600
    rt create --bundle "$BUNDLE" "$ID"
    run_rt state "$ID"
    assert_success
    run jq -r '[.ociVersion, .id, (.pid | tostring), .status, .bundle, .rootfs, .created,
        .annotations["org.hull.test"]] | join(" ")' <<<"$output"
    assert_success
    assert_output --regexp "^[0-9]+\.[0-9]+\.[0-9]+.* $ID [0-9]+ created $BUNDLE ($BUNDLE/)?rootfs [0-9]{4}-[0-9]{2}-[0-9]{2}T.* yes$"
}

@test "run in the foreground returns the process's exit code" {
    run_probe exit 0
    assert_success
    run_probe exit 3
    assert_failure 3
    run_probe exit 255
    assert_failure 255
    [ ! -e "$ROOT/$ID" ]
}

@test "run prints the process's output and deletes the container" {
    run_probe id
    assert_success
    assert_output "uid=0 gid=0 groups="
    [ ! -e "$ROOT/$ID" ]
}

@test "run reports death by signal as 128+N" {
    # Without a pid namespace the probe is not an init, so its own signal
    # is not ignored.
    cfg 'del(.linux.namespaces[] | select(.type == "pid"))'
    run_probe kill-self TERM
    assert_failure 143
}

@test "run --detach leaves the container running" {
    cfg_args /probe sleep 600
    run_rt run --detach --bundle "$BUNDLE" "$ID"
    assert_success
    assert_equal "$(state_field "$ID" status)" running
    run_rt kill "$ID" 9
    assert_success
    wait_status "$ID" stopped
    run_rt delete "$ID"
    assert_success
}

@test "run --keep leaves the stopped container" {
    [ "$RT_KIND" != crun ] || skip "crun has no run --keep"
    run_probe exit 0
    cfg_args /probe exit 7
    run_rt run --keep --bundle "$BUNDLE" "$ID"
    assert_failure 7
    assert_equal "$(state_field "$ID" status)" stopped
    run_rt delete "$ID"
    assert_success
}

@test "create --pid-file writes the init's pid" {
    cfg_args /probe sleep 600
    run_rt create --bundle "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/pid" "$ID"
    assert_success
    run cat "$BATS_TEST_TMPDIR/pid"
    assert_output --regexp '^[0-9]+$'
    assert_equal "$output" "$(state_field "$ID" pid)"
    [ -d "/proc/$output" ]
}

@test "a duplicate id is rejected and the first container is untouched" {
    cfg_args /probe sleep 600
    rt create --bundle "$BUNDLE" "$ID"
    pid="$(state_field "$ID" pid)"
    run_rt create --bundle "$BUNDLE" "$ID"
    assert_failure
    assert_output --partial "exists"
    assert_equal "$(state_field "$ID" status)" created
    assert_equal "$(state_field "$ID" pid)" "$pid"
}

@test "bad container ids are rejected and create nothing" {
    for bad in "" "a/b" ".." "../$ID-escape"; do
        run_rt create --bundle "$BUNDLE" "$bad"
        assert_failure
        [ -z "$(ls -A "$ROOT")" ]
        [ ! -e "$BATS_TEST_TMPDIR/$ID-escape" ]
    done
}

@test "start of a container that is not created fails" {
    cfg_args /probe sleep 600
    rt create --bundle "$BUNDLE" "$ID" >/dev/null
    run_rt start "$ID"
    assert_success
    run_rt start "$ID"
    assert_failure
    assert_equal "$(state_field "$ID" status)" running
}

@test "delete of an unknown container fails" {
    run_rt delete "no-such-$ID"
    assert_failure
    [ "$RT_KIND" = crun ] || assert_output --partial "does not exist"
}

@test "--log-format json writes one JSON object per line, the last error explaining the failure" {
    cfg '.process.args = ["/no-such-command"]'
    run_rt --log "$BATS_TEST_TMPDIR/log.json" --log-format json run --bundle "$BUNDLE" "$ID"
    assert_failure
    [ -s "$BATS_TEST_TMPDIR/log.json" ]
    # Every line is an object with level, msg and time.
    run jq -e -c 'select((.level | type) != "string" or (.msg | type) != "string"
        or (.time | type) != "string")' "$BATS_TEST_TMPDIR/log.json"
    assert_failure 4
    run jq -r 'select(.level == "error") | .msg' "$BATS_TEST_TMPDIR/log.json"
    assert_success
    last="${lines[${#lines[@]} - 1]}"
    [[ "$last" == *no-such-command* ]]
}

@test "--log writes text log lines to the file" {
    [ "$RT_KIND" != crun ] || skip "crun 1.8 writes only the bare message"
    cfg '.process.args = ["/no-such-command"]'
    run_rt --log "$BATS_TEST_TMPDIR/log.txt" run --bundle "$BUNDLE" "$ID"
    assert_failure
    run cat "$BATS_TEST_TMPDIR/log.txt"
    assert_line --regexp 'level=error.*no-such-command'
}

@test "state of an unknown container says it does not exist" {
    [ "$RT_KIND" != crun ] || skip "crun does not use runc's wording"
    run_rt state "no-such-$ID"
    assert_failure
    assert_output --partial "does not exist"
}

@test "kill of a stopped container says container not running" {
    [ "$RT_KIND" != crun ] || skip "crun does not use runc's wording"
    cfg_args /probe sleep 600
    rt create --bundle "$BUNDLE" "$ID"
    rt kill "$ID" KILL
    wait_status "$ID" stopped
    run_rt kill "$ID" TERM
    assert_failure
    assert_output --partial "container not running"
}

@test "kill of an unknown container fails" {
    run_rt kill "no-such-$ID" KILL
    assert_failure
}

@test "kill delivers signals given by name, SIG name and number, TERM by default" {
    share_dir
    cfg_args /probe catch /shared/signals
    rt run --detach --bundle "$BUNDLE" "$ID"
    wait_file "$SHARED/signals"
    run_rt kill "$ID" USR1
    assert_success
    run_rt kill "$ID" SIGUSR2
    assert_success
    wait_lines "$SHARED/signals" 3
    run_rt kill "$ID" 1
    assert_success
    wait_lines "$SHARED/signals" 4
    run_rt kill "$ID"
    assert_success
    wait_status "$ID" stopped
    run cat "$SHARED/signals"
    assert_line --index 0 ready
    assert_line USR1
    assert_line USR2
    assert_line --index 3 HUP
    assert_line --index 4 TERM
}

@test "kill rejects an unknown signal" {
    [ "$RT_KIND" != crun ] || skip "crun 1.8 accepts unknown signal names"
    cfg_args /probe sleep 600
    rt create --bundle "$BUNDLE" "$ID"
    run_rt kill "$ID" NOSUCHSIG
    assert_failure
    assert_equal "$(state_field "$ID" status)" created
}

@test "kill --all reaches every process of the container" {
    # Sharing the host's pid namespace, killing init alone would leave the
    # children alive.
    cfg 'del(.linux.namespaces[] | select(.type == "pid"))'
    cfg_args /probe spawn 3 600
    rt run --detach --bundle "$BUNDLE" "$ID" >"$BATS_TEST_TMPDIR/pids"
    for _ in $(seq 50); do
        [ "$(wc -l <"$BATS_TEST_TMPDIR/pids")" -eq 3 ] && break
        sleep 0.1
    done
    mapfile -t kids <"$BATS_TEST_TMPDIR/pids"
    assert_equal "${#kids[@]}" 3
    for k in "${kids[@]}"; do
        kill -0 "$k"
    done
    run_rt kill --all "$ID" KILL
    assert_success
    wait_status "$ID" stopped
    for k in "${kids[@]}"; do
        for _ in $(seq 50); do
            [ ! -e "/proc/$k" ] || [ "$(awk '{ print $3 }' "/proc/$k/stat" 2>/dev/null)" = Z ] && break
            sleep 0.1
        done
        [ ! -e "/proc/$k" ] || [ "$(awk '{ print $3 }' "/proc/$k/stat" 2>/dev/null)" = Z ]
    done
}

@test "delete refuses a running container and --force kills it" {
    cfg_args /probe ignore-term-sleep 600
    rt run --detach --bundle "$BUNDLE" "$ID"
    pid="$(state_field "$ID" pid)"
    run_rt delete "$ID"
    assert_failure
    assert_equal "$(state_field "$ID" status)" running
    run_rt delete --force "$ID"
    assert_success
    [ ! -e "$ROOT/$ID" ]
    for _ in $(seq 50); do
        [ -e "/proc/$pid" ] || break
        sleep 0.1
    done
    [ ! -e "/proc/$pid" ]
}

@test "delete --force of a created container removes it" {
    cfg_args /probe sleep 600
    rt create --bundle "$BUNDLE" "$ID"
    run_rt delete --force "$ID"
    assert_success
    run_rt state "$ID"
    assert_failure
}

@test "list shows containers as a table, as JSON and as bare ids" {
    cfg_args /probe sleep 600
    rt create --bundle "$BUNDLE" "$ID"
    # A cgroup of its own: one cgroup is never shared by two containers.
    cfg --arg cg "$CGPATH-2" '.linux.cgroupsPath = $cg'
    rt create --bundle "$BUNDLE" "$ID-2"

    run_rt list
    assert_success
    assert_line --index 0 --regexp '^(ID|NAME) +PID +STATUS +BUNDLE'
    assert_line --regexp "^$ID +[0-9]+ +created +$BUNDLE "
    assert_line --regexp "^$ID-2 +[0-9]+ +created +$BUNDLE "

    run_rt list --format json
    assert_success
    run jq -r 'sort_by(.id) | map("\(.id) \(.status) \(.bundle)") | .[]' <<<"$output"
    assert_success
    assert_line --index 0 "$ID created $BUNDLE"
    assert_line --index 1 "$ID-2 created $BUNDLE"

    run_rt list --quiet
    assert_success
    assert_equal "$(sort <<<"$output" | tr '\n' ' ')" "$ID $ID-2 "

    rt delete --force "$ID-2"
}

@test "list of an empty root prints only the header" {
    run_rt list -q
    assert_success
    assert_output ""
    run_rt list --format json
    assert_success
    assert_equal "$(jq length <<<"${output:-[]}")" 0
}

@test "spec writes a config.json that parses, and refuses to overwrite one" {
    [ "$RT_KIND" != crun ] || skip "crun spec overwrites config.json"
    mkdir "$BATS_TEST_TMPDIR/spec"
    cd "$BATS_TEST_TMPDIR/spec"
    run "$HULLRT" spec
    assert_success
    run jq -r '.ociVersion, .process.args[0], .root.path, (.linux.namespaces | map(.type) | sort | join(","))' config.json
    assert_success
    assert_line --index 1 sh
    assert_line --index 2 rootfs
    assert_line --index 3 --regexp "^(cgroup,)?ipc,mount,network,pid,uts$"
    run "$HULLRT" spec
    assert_failure
}

@test "a bundle made by runc spec runs unchanged but for its command" {
    command -v runc >/dev/null || skip "runc is not installed"
    rm "$BUNDLE/config.json"
    (cd "$BUNDLE" && runc spec)
    # runc's default has ambient capabilities without inheritable ones:
    # runc warns and does not raise them, so must we.
    jq -e '.process.capabilities.ambient and (.process.capabilities.inheritable | not)' \
        "$BUNDLE/config.json"
    cfg --arg cg "$CGPATH" '.process.terminal = false | .linux.cgroupsPath = $cg'
    run_probe caps
    assert_success
    assert_line "CapPrm: 0000000020000420"
    assert_line "CapAmb: 0000000000000000"
}

@test "spec --bundle writes into the bundle directory" {
    mkdir "$BATS_TEST_TMPDIR/spec"
    run "$HULLRT" spec --bundle "$BATS_TEST_TMPDIR/spec"
    assert_success
    jq -e '.process.args | length > 0' "$BATS_TEST_TMPDIR/spec/config.json"
}

@test "spec --rootless maps the caller to root in a user namespace" {
    mkdir "$BATS_TEST_TMPDIR/spec"
    cd "$BATS_TEST_TMPDIR/spec"
    run "$HULLRT" spec --rootless
    assert_success
    run jq -r '(.linux.namespaces | map(.type) | sort | join(",")),
        (.linux.uidMappings[0] | "\(.containerID) \(.hostID) \(.size)"),
        (.linux.gidMappings[0] | "\(.containerID) \(.hostID) \(.size)")' config.json
    assert_success
    assert_line --index 0 --partial user
    # crun keeps a network namespace in its rootless default and writes the
    # id mappings only when it runs the container.
    [ "$RT_KIND" = crun ] && return
    refute_line --index 0 --partial network
    assert_line --index 1 "0 $(id -u) 1"
    assert_line --index 2 "0 $(id -g) 1"
}

@test "the default spec runs with a rootfs" {
    # The runtime's own default config must work as written, apart from the
    # process (the rootfs has no shell).
    mkdir -p "$BATS_TEST_TMPDIR/def/rootfs"/{proc,dev,sys,tmp}
    cp "$PROBE" "$BATS_TEST_TMPDIR/def/rootfs/probe"
    (cd "$BATS_TEST_TMPDIR/def" && "$HULLRT" spec)
    BUNDLE="$BATS_TEST_TMPDIR/def"
    cfg --arg cg "$CGPATH" '.process.terminal = false | .process.args = ["/probe", "hostname"]
        | .linux.cgroupsPath = $cg'
    run_rt run --bundle "$BUNDLE" "$ID"
    assert_success
    assert_output "$(jq -r .hostname "$BUNDLE/config.json")"
}

@test "features describes the runtime" {
    [ "$RT_KIND" != crun ] || skip "crun 1.8 has no features command"
    run "$HULLRT" features
    assert_success
    run jq -r '.ociVersionMin, .ociVersionMax, (.hooks | sort | join(",")),
        (.linux.namespaces | sort | join(",")), (.mountOptions | index("rbind") != null)' <<<"$output"
    assert_success
    assert_line --index 0 --regexp '^1\.'
    assert_line --index 1 --regexp '^1\.'
    assert_line --index 2 "createContainer,createRuntime,poststart,poststop,prestart,startContainer"
    assert_line --index 3 --regexp 'cgroup,ipc,mount,network,pid,(time,)?user,uts'
    assert_line --index 4 true
}

@test "features lists all eight namespace types" {
    hullrt_only
    run "$HULLRT" features
    assert_success
    assert_equal "$(jq -r '.linux.namespaces | sort | join(",")' <<<"$output")" \
        "cgroup,ipc,mount,network,pid,time,user,uts"
}

@test "version names the runtime spec" {
    run "$HULLRT" --version
    assert_success
    assert_output --partial "spec: 1."
}
