#!/usr/bin/env bats
# linux.namespaces: each type created new or joined by path, and user
# namespaces with id mappings.

load helpers

# Container namespace type -> name under /proc/self/ns.
declare -gA NS_FILE=([pid]=pid [network]=net [mount]=mnt [ipc]=ipc [uts]=uts [user]=user
    [cgroup]=cgroup [time]=time)

# A user namespace's mapped root must be able to reach the rootfs through
# the test's private temp dirs.
open_bundle_path() {
    local d="$BUNDLE"
    while [ "$d" != / ]; do
        chmod a+x "$d"
        d="$(dirname "$d")"
    done
}

add_userns() {
    open_bundle_path
    cfg '.linux.namespaces |= (map(select(.type != "user")) + [{type: "user"}])
        | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
        | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
}

# ns_is_new TYPE: the container's namespace of TYPE differs from the host's.
ns_is_new() {
    local type="$1" file="${NS_FILE[$1]}"
    cfg --arg t "$type" '.linux.namespaces |= (map(select(.type != $t)) + [{type: $t}])'
    [ "$type" != user ] || add_userns
    run_probe ns "$file"
    assert_success
    assert_output --regexp "^$file:\[[0-9]+\]$"
    refute_output "$(readlink "/proc/self/ns/$file")"
}

@test "a new pid namespace" {
    ns_is_new pid
    run_probe pid
    assert_output 1
}

@test "a new network namespace" {
    ns_is_new network
}

@test "a new mount namespace" {
    ns_is_new mount
}

@test "a new ipc namespace" {
    ns_is_new ipc
}

@test "a new uts namespace" {
    ns_is_new uts
}

@test "a new user namespace" {
    ns_is_new user
}

@test "a new cgroup namespace" {
    ns_is_new cgroup
}

@test "a new time namespace" {
    # Checked by hand: `unshare --time /probe ns time` differs from the host.
    [ "$RT_KIND" != runc ] || skip "runc 1.1 has no time namespaces"
    [ "$RT_KIND" != crun ] || skip "crun 1.8 fails to create time namespaces on this kernel"
    ns_is_new time
}

@test "without a namespace entry the host's namespace is kept" {
    cfg '.linux.namespaces |= map(select(.type != "uts" and .type != "network"))
        | del(.hostname)'
    run_probe ns uts
    assert_success
    assert_output "$(readlink /proc/self/ns/uts)"
    run_probe ns net
    assert_output "$(readlink /proc/self/ns/net)"
}

# join_by_path TYPE UNSHARE_FLAG: the container joins a namespace the test
# made with unshare and bind-mounted to a file.
join_by_path() {
    local type="$1" file="${NS_FILE[$1]}" nsfile="$BATS_TEST_TMPDIR/ns-$1"
    touch "$nsfile"
    unshare "$2=$nsfile" true
    track_mount "$nsfile"
    cfg --arg t "$type" --arg p "$nsfile" \
        '.linux.namespaces |= (map(select(.type != $t)) + [{type: $t, path: $p}])'
    [ "$type" != uts ] || cfg 'del(.hostname)'
    run_probe ns "$file"
    assert_success
    assert_output "$file:[$(stat -c %i "$nsfile")]"
}

@test "a network namespace joined by path" {
    join_by_path network --net
}

@test "an ipc namespace joined by path" {
    join_by_path ipc --ipc
}

@test "a uts namespace joined by path" {
    join_by_path uts --uts
}

@test "a hostname is set in a joined uts namespace the container owns" {
    # runc and hull both refuse a hostname without a new uts namespace; with a
    # joined one they set it there, which the host must not see.
    local nsfile="$BATS_TEST_TMPDIR/ns-uts"
    touch "$nsfile"
    unshare --uts="$nsfile" true
    track_mount "$nsfile"
    cfg --arg p "$nsfile" '.linux.namespaces |= (map(select(.type != "uts")) + [{type: "uts", path: $p}])
        | .hostname = "joined"'
    run_probe hostname
    assert_success
    assert_output joined
    [ "$(hostname)" != joined ]
    run nsenter --uts="$nsfile" hostname
    assert_output joined
}

@test "a namespace path of the wrong type is an error and leaves nothing" {
    local nsfile="$BATS_TEST_TMPDIR/ns-ipc"
    touch "$nsfile"
    unshare --ipc="$nsfile" true
    track_mount "$nsfile"
    cfg --arg p "$nsfile" \
        '.linux.namespaces |= (map(select(.type != "network")) + [{type: "network", path: $p}])'
    run_probe id
    assert_failure
    refute_output --partial "uid=0"
    [ -z "$(ls -A "$ROOT")" ]
}

@test "a namespace path that does not exist is an error" {
    cfg --arg p "$BATS_TEST_TMPDIR/no-such-ns" \
        '.linux.namespaces |= (map(select(.type != "network")) + [{type: "network", path: $p}])'
    run_probe id
    assert_failure
    assert_output --partial "no-such-ns"
}

@test "a duplicate namespace entry is an error" {
    [ "$RT_KIND" != crun ] || skip "crun 1.8 accepts duplicate namespace entries"
    cfg '.linux.namespaces += [{type: "network"}]'
    run_probe id
    assert_failure
    refute_output --partial "uid=0"
    [ -z "$(ls -A "$ROOT")" ]
}

@test "an unknown namespace type is an error" {
    cfg '.linux.namespaces += [{type: "nosuchns"}]'
    run_probe id
    assert_failure
    assert_output --partial nosuchns
}

@test "a user namespace with two-range uid and gid maps" {
    open_bundle_path
    cfg '.linux.namespaces += [{type: "user"}]
        | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 1000},
                                {containerID: 1000, hostID: 200000, size: 1000}]
        | .linux.gidMappings = [{containerID: 0, hostID: 300000, size: 1000},
                                {containerID: 1000, hostID: 400000, size: 1000}]
        | .process.user = {uid: 1500, gid: 1600}
        | .mounts |= map(select(.type != "devpts" and .type != "mqueue"))'
    run_probe id
    assert_success
    assert_output "uid=1500 gid=1600 groups="

    run_probe cat /proc/self/uid_map
    assert_success
    run awk '{ print $1, $2, $3 }' <<<"$output"
    assert_line --index 0 "0 100000 1000"
    assert_line --index 1 "1000 200000 1000"

    run_probe cat /proc/self/gid_map
    assert_success
    run awk '{ print $1, $2, $3 }' <<<"$output"
    assert_line --index 0 "0 300000 1000"
    assert_line --index 1 "1000 400000 1000"

    # Seen from the host, the process runs as the mapped ids.
    cfg_args /probe sleep 600
    rt run --detach --bundle "$BUNDLE" "$ID" >/dev/null
    pid="$(state_field "$ID" pid)"
    run awk '/^Uid:/ { print $2 } /^Gid:/ { print $2 }' "/proc/$pid/status"
    assert_line --index 0 200500
    assert_line --index 1 400600
}

@test "a user namespace without mappings is an error" {
    cfg '.linux.namespaces += [{type: "user"}] | del(.linux.uidMappings, .linux.gidMappings)'
    run_probe id
    assert_failure
    [ -z "$(ls -A "$ROOT")" ]
}
