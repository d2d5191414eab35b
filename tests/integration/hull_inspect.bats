#!/usr/bin/env bats
# hull inspect of containers: Docker's keys and values, and --format.

load helpers
load hull_ctr_helpers

@test "inspect shows a running container with Docker's keys" {
    start_ctr web -e FOO=bar -w /tmp -l team=a --cap-add NET_ADMIN -v data:/data --hostname h1
    run hull inspect web
    assert_success
    local o="$output"
    assert_equal "$(jq length <<<"$o")" 1
    run jq -r '.[0] | keys_unsorted | join(" ")' <<<"$o"
    for k in Id Created Path Args State Image Name RestartCount HostConfig Mounts Config NetworkSettings; do
        assert_output --partial "$k"
    done
    assert_equal "$(jq -r '.[0].Name' <<<"$o")" /web
    assert_equal "$(jq -r '.[0].Id | length' <<<"$o")" 64
    assert_equal "$(jq -r '.[0].Path + " " + (.[0].Args | join(" "))' <<<"$o")" "sleep 600"
    assert_equal "$(jq -r '.[0].State | [.Status, .Running, .Paused, .Restarting, .OOMKilled, .Dead, .ExitCode, .Error] | map(tostring) | join(" ")' <<<"$o")" \
        "running true false false false false 0 "
    assert_equal "$(jq -r '.[0].State.Pid' <<<"$o")" "$CTR_PID"
    [ -d "/proc/$CTR_PID" ]
    assert_equal "$(jq -r '.[0].State.FinishedAt' <<<"$o")" "0001-01-01T00:00:00Z"
    [[ "$(jq -r '.[0].State.StartedAt' <<<"$o")" =~ ^20[0-9][0-9]- ]]
    [[ "$(jq -r '.[0].Image' <<<"$o")" =~ ^sha256:[0-9a-f]{64}$ ]]
    assert_equal "$(jq -r '.[0].Config | [.Image, .Hostname, .WorkingDir, .Labels.team, (.Cmd | join(" "))] | join(" ")' <<<"$o")" \
        "busybox h1 /tmp a sleep 600"
    jq -e '.[0].Config.Env | index("FOO=bar")' <<<"$o" >/dev/null
    assert_equal "$(jq -r '.[0].HostConfig | [(.CapAdd | join(",")), .Privileged, .ReadonlyRootfs, .RestartPolicy.Name] | map(tostring) | join(" ")' <<<"$o")" \
        "NET_ADMIN false false no"
    assert_equal "$(jq -r '.[0].Mounts[0] | [.Type, .Name, .Destination, .RW] | map(tostring) | join(" ")' <<<"$o")" \
        "volume data /data true"
    jq -e '.[0].NetworkSettings | type == "object"' <<<"$o" >/dev/null
}

@test "inspect --format renders Go template fields and json" {
    start_ctr web
    run hull inspect -f '{{.State.Pid}}' web
    assert_success
    assert_output "$CTR_PID"
    run hull inspect --format '{{.Name}} {{.State.Status}}' web
    assert_output "/web running"
    run hull inspect -f '{{json .Config.Cmd}}' web
    assert_output '["sleep","600"]'
    run hull inspect -f json web
    assert_success
    assert_equal "$(jq -r '.[0].Name' <<<"$output")" /web
}

@test "inspect shows how a container exited" {
    run hull run -d --name gone busybox sh -c 'exit 3'
    assert_success
    wait_exited gone
    run hull inspect gone
    assert_success
    assert_equal "$(jq -r '.[0].State | [.Status, .Running, .Pid, .ExitCode] | map(tostring) | join(" ")' <<<"$output")" \
        "exited false 0 3"
    [[ "$(jq -r '.[0].State.FinishedAt' <<<"$output")" =~ ^20[0-9][0-9]- ]]
}

@test "inspect takes ids and prefixes, and fails on unknown names" {
    start_ctr web
    local id
    id="$(hull inspect -f '{{.Id}}' web)"
    run hull inspect -f '{{.Name}}' "${id:0:12}"
    assert_output /web
    run hull inspect --type container -f '{{.Name}}' "$id"
    assert_output /web
    run hull inspect nosuchthing
    assert_failure
    assert_output --partial "No such object: nosuchthing"
    run hull inspect web nosuchthing
    assert_failure
    assert_equal "$(sed -n '/^\[/,/^\]/p' <<<"$output" | jq -r '.[0].Name')" /web
}
