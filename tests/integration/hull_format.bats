#!/usr/bin/env bats
# --format of the listing commands: "table TEMPLATE" with Docker's column
# titles, plain templates, json, and template errors.

load helpers
load hull_ctr_helpers

@test "ps --format 'table ...' prints Docker's titles, then a row per container" {
    start_ctr tab1 -l k=v
    run hull ps --format 'table {{.ID}}\t{{.Names}}\t{{.Labels}}\t{{.State}}'
    assert_success
    assert_line --index 0 --regexp '^CONTAINER ID +NAMES +LABELS +STATE$'
    assert_line --index 1 --regexp '^[0-9a-f]{12} +tab1 +k=v +running$'
    assert_equal "${#lines[@]}" 2
    run hull ps --format 'table {{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.CreatedAt}}\t{{.Size}}'
    assert_line --index 0 --regexp '^IMAGE +COMMAND +CREATED +STATUS +PORTS +CREATED AT +SIZE$'
    # a plain template has no title row; control actions work on rows
    run hull ps --format '{{if eq .State "running"}}{{upper .Names}}{{end}}'
    assert_output "TAB1"
    run hull ps --format '{{.Label "k"}}|{{.Label "none"}}|{{.Names}}'
    assert_output "v||tab1"
}

@test "ps --format fails on an unknown field, and refuses a bad status filter" {
    start_ctr tab2
    run hull ps --format '{{.Bogus}}'
    assert_failure 1
    assert_output --partial 'template "{{.Bogus}}": 1:2: executing at <.Bogus>: can'"'"'t evaluate field Bogus'
    # nothing of a table is printed when a row fails
    run --separate-stderr hull ps --format 'table {{.Names}}\t{{.Bogus}}'
    assert_failure 1
    assert_equal "$output" ""
    run hull ps --format '{{range}}'
    assert_failure 1
    assert_output --partial "missing value for range"
    run hull ps --filter status=bogus
    assert_failure 125
    assert_output --partial "invalid filter 'status=bogus'"
    run hull ps --filter status=running --format '{{.Names}}'
    assert_success
    assert_output tab2
}

@test "images --format 'table ...' and plain templates" {
    run hull images --format 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}'
    assert_success
    assert_line --index 0 --regexp '^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE$'
    assert_line --index 1 --regexp '^busybox +latest +[0-9a-f]{12} +'
    run hull images --format '{{.Repository}}:{{.Tag}} {{printf "%.3s" .ID}}'
    assert_output --regexp '^busybox:latest [0-9a-f]{3}$'
    run hull images --format json
    assert_success
    assert_equal "$(jq -r .Repository <<<"$output")" busybox
    run hull images --format '{{.Nope}}'
    assert_failure 1
    assert_output --partial "can't evaluate field Nope"
}

@test "network ls, volume ls and stats take 'table TEMPLATE' and templates" {
    run hull network ls --format 'table {{.Name}}\t{{.Driver}}\t{{.Internal}}'
    assert_success
    assert_line --index 0 --regexp '^NAME +DRIVER +INTERNAL$'
    assert_line --regexp '^none +null +false$'
    run hull network ls --format '{{if eq .Name "host"}}{{.Driver}}{{end}}'
    assert_success
    assert_line host
    run hull volume create "fmt$$"
    assert_success
    run hull volume ls --format 'table {{.Name}}\t{{.Driver}}'
    assert_line --index 0 --regexp '^VOLUME NAME +DRIVER$'
    assert_line --index 1 --regexp "^fmt$$ +local$"
    run hull volume rm "fmt$$"
    assert_success
    start_ctr st1
    run hull stats --no-stream --format 'table {{.Name}}\t{{.PIDs}}' st1
    assert_success
    assert_line --index 0 --regexp '^NAME +PIDS$'
    assert_line --index 1 --regexp '^st1 +1$'
    run hull stats --no-stream --format '{{json .}}' st1
    assert_equal "$(jq -r '.Name + " " + .PIDs' <<<"$output")" "st1 1"
    run hull stats --no-stream --format '{{.Nope}}' st1
    assert_failure 1
    assert_output --partial "can't evaluate field Nope"
}
