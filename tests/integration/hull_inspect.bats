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

@test "inspect HostConfig has Docker's resource members and follows update" {
    start_ctr lim -m 64m --memory-reservation 32m --cpus 1.5 --cpu-shares 512 --cpuset-cpus 0 \
        --pids-limit 50 --restart on-failure:2 --cap-drop MKNOD --init
    run hull inspect -f '{{json .HostConfig}}' lim
    assert_success
    local hc="$output"
    assert_equal "$(jq -r '[.Memory, .MemoryReservation, .MemorySwap, .NanoCpus, .CpuShares, .CpusetCpus, .PidsLimit, .CpuPeriod, .CpuQuota] | map(tostring) | join(" ")' <<<"$hc")" \
        "67108864 33554432 $(jq -r .MemorySwap <<<"$hc") 1500000000 512 0 50 0 0"
    assert_equal "$(jq -r '[.RestartPolicy.Name, .RestartPolicy.MaximumRetryCount, .AutoRemove, .Privileged, (.CapDrop | join(",")), .NetworkMode, .Init, .PidMode, .IpcMode] | map(tostring) | join(" ")' <<<"$hc")" \
        "on-failure 2 false false MKNOD none true  private"
    jq -e '.PortBindings == {} and .BlkioWeight == 0 and .CpusetMems == "" and .ShmSize == 67108864' <<<"$hc" >/dev/null

    run hull update -m 96m --memory-swap 192m --cpus 0.5 --pids-limit 80 lim
    assert_success
    run hull inspect -f '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}}' lim
    assert_output "100663296 201326592 500000000 80"
}

@test "inspect without limits shows Docker's zero values" {
    start_ctr plain --rm
    run hull inspect -f '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}} {{.HostConfig.AutoRemove}} {{json .HostConfig.CpusetCpus}}' plain
    assert_output '0 0 <nil> true ""'
}

@test "inspect --format: range, index, if, with, variables and functions" {
    start_ctr tpl -l a=1 -l b=two -e X=y
    run hull inspect -f '{{range $k, $v := .Config.Labels}}{{$k}}={{$v}} {{end}}' tpl
    assert_output "a=1 b=two "
    run hull inspect -f '{{index .Config.Labels "b"}}|{{index .Config.Labels "nope"}}|{{.Config.Labels.nope}}' tpl
    assert_output "two||<no value>"
    run hull inspect -f '{{if .State.Running}}up{{else}}down{{end}} {{with .State.Pid}}pid{{end}}' tpl
    assert_output "up pid"
    run hull inspect -f '{{range .NetworkSettings.Networks}}[{{.IPAddress}}]{{end}}' tpl
    assert_output "[]"
    run hull inspect -f '{{json .Mounts}} {{len .Config.Env}} {{upper .State.Status}} {{join .Args ","}}' tpl
    assert_success
    [[ "$output" =~ ^\[\]\ [0-9]+\ RUNNING\ 600$ ]]
    run hull inspect -f '{{$n := .Name}}{{printf "%s:%d" $n .RestartCount}} {{title "a b"}} {{split "x:y" ":"}}' tpl
    assert_output "/tpl:0 A B [x y]"
    run hull inspect -f '{{if and .State.Running (eq .State.Status "running") (not .State.Paused)}}ok{{end}}' tpl
    assert_output "ok"
    # nil slices print as Go prints them: busybox has no Entrypoint
    run hull inspect -f '{{.Config.Entrypoint}} {{json .Config.Entrypoint}} {{.Config.Cmd}}' tpl
    assert_output "[] null [sleep 600]"
}

@test "inspect --format errors name the template and the position" {
    start_ctr bad
    run hull inspect -f '{{.Bogus}}' bad
    assert_failure 1
    assert_output --partial 'template "{{.Bogus}}": 1:2: executing at <.Bogus>: can'"'"'t evaluate field Bogus'
    run hull inspect -f '{{if .Id}}x' bad
    assert_failure 1
    assert_output --partial "unexpected EOF: if without end"
    run hull inspect -f '{{nosuch .Id}}' bad
    assert_failure 1
    assert_output --partial 'function "nosuch" not defined'
}
