#!/usr/bin/env bats
# Bad input: every failure explains itself (file, line and field for the
# config) and leaves no state directory, cgroup or mount behind.

load helpers

# Nothing of the failed container may remain (teardown checks it again for
# mounts and cgroups after its forced delete).
assert_nothing_left() {
    [ -z "$(ls -A "$ROOT")" ] || fail "state left in $ROOT: $(ls -A "$ROOT")"
    [ -z "$(leftover_cgroups)" ] || fail "cgroups left: $(leftover_cgroups)"
    [ -z "$(leftover_mounts)" ] || fail "mounts left: $(leftover_mounts)"
    run_rt state "$ID"
    assert_failure
}

# line_of PATTERN: the first line of config.json matching PATTERN.
line_of() {
    grep -n -m 1 -e "$1" "$BUNDLE/config.json" | cut -d: -f1
}

@test "a JSON syntax error names the file and the line" {
    line="$(line_of '"cwd"')"
    sed -i "${line}s/\"cwd\"/\"cwd\",,/" "$BUNDLE/config.json"
    run_rt run --bundle "$BUNDLE" "$ID"
    assert_failure
    if [ "$RT_KIND" = hullrt ]; then
        assert_output --partial "config.json:$line"
    fi
    assert_nothing_left
}

@test "a truncated config.json is an error" {
    head -c 100 "$BUNDLE/config.json" >"$BUNDLE/config.json.cut"
    mv "$BUNDLE/config.json.cut" "$BUNDLE/config.json"
    run_rt run --bundle "$BUNDLE" "$ID"
    assert_failure
    [ "$RT_KIND" != hullrt ] || assert_output --partial "config.json"
    assert_nothing_left
}

@test "a field of the wrong type names the file, the line and the field" {
    [ "$RT_KIND" != crun ] || skip "crun 1.8 reads a string uid as 0"
    cfg '.process.user.uid = "root"'
    line="$(line_of '"uid": "root"')"
    run_rt run --bundle "$BUNDLE" "$ID"
    assert_failure
    assert_output --partial uid
    if [ "$RT_KIND" = hullrt ]; then
        assert_output --partial "config.json:$line: process.user.uid"
    fi
    assert_nothing_left
}

@test "a value out of range names the field" {
    cfg '.process.user.gid = -1'
    run_rt run --bundle "$BUNDLE" "$ID"
    assert_failure
    assert_output --partial gid
    [ "$RT_KIND" != hullrt ] || assert_output --partial "process.user.gid"
    assert_nothing_left
}

@test "a missing config.json is an error that names it" {
    rm "$BUNDLE/config.json"
    run_rt run --bundle "$BUNDLE" "$ID"
    assert_failure
    assert_output --partial config.json
    assert_nothing_left
}

@test "a missing bundle directory is an error that names it" {
    run_rt run --bundle "$BATS_TEST_TMPDIR/no-such-bundle" "$ID"
    assert_failure
    assert_output --partial no-such-bundle
    assert_nothing_left
}

@test "empty process.args is an error" {
    cfg '.process.args = []'
    run_rt run --bundle "$BUNDLE" "$ID"
    assert_failure
    [ "$RT_KIND" = crun ] || assert_output --partial args
    assert_nothing_left
}

@test "unknown properties are ignored, as the spec requires" {
    cfg '.hullUnknownTop = {"a": 1} | .process.hullUnknown = "x" | .linux.hullUnknown = []'
    run_probe id
    assert_success
    assert_output "uid=0 gid=0 groups="
}

@test "a missing rootfs is an error that names it" {
    rm -rf "$ROOTFS"
    run_rt run --bundle "$BUNDLE" "$ID"
    assert_failure
    assert_output --partial rootfs
    assert_nothing_left
}

@test "a rootfs that is a file is an error" {
    rm -rf "$ROOTFS"
    touch "$ROOTFS"
    run_rt run --bundle "$BUNDLE" "$ID"
    assert_failure
    assert_nothing_left
}

@test "an unknown capability is an error and leaves nothing" {
    hullrt_only
    cfg '.process.capabilities.effective += ["CAP_HULL_BOGUS"]'
    run_rt run --bundle "$BUNDLE" "$ID"
    assert_failure
    assert_output --partial '"CAP_HULL_BOGUS"'
    assert_output --partial process.capabilities.effective
    assert_nothing_left
}

@test "a relative mount destination is an error" {
    [ "$RT_KIND" = hullrt ] || skip "runc and crun accept it with a warning"
    cfg '.mounts += [{destination: "relative/dir", type: "tmpfs", source: "tmpfs"}]'
    run_rt run --bundle "$BUNDLE" "$ID"
    assert_failure
    assert_output --partial '"relative/dir"'
    assert_output --partial destination
    assert_nothing_left
}

@test "an empty mount destination is an error" {
    cfg '.mounts += [{destination: "", type: "tmpfs", source: "tmpfs"}]'
    run_rt run --bundle "$BUNDLE" "$ID"
    assert_failure
    assert_nothing_left
}

@test "a mount destination with .. stays inside the rootfs" {
    local escape="hull-escape-$BATS_ROOT_PID-$BATS_SUITE_TEST_NUMBER"
    cfg --arg d "/../../../../../../tmp/$escape" \
        '.mounts += [{destination: $d, type: "tmpfs", source: "tmpfs"}]'
    cfg_args /probe stat "/tmp/$escape"
    run_rt run --bundle "$BUNDLE" "$ID"
    [ ! -e "/tmp/$escape" ]
    [ ! -e "$BUNDLE/tmp/$escape" ]
    if [ "$status" -eq 0 ]; then
        assert_output --partial "type=dir"
        [ -d "$ROOTFS/tmp/$escape" ]
    fi
}

@test "an unknown filesystem type is an error that names it" {
    cfg '.mounts += [{destination: "/x", type: "hullnosuchfs", source: "none"}]'
    run_rt run --bundle "$BUNDLE" "$ID"
    assert_failure
    [ "$RT_KIND" != hullrt ] || assert_output --partial hullnosuchfs
    assert_nothing_left
}

@test "a failure late in create (exec of a missing program) leaves nothing" {
    cfg '.process.args = ["/no-such-program"]'
    run_rt create --bundle "$BUNDLE" "$ID"
    assert_failure
    assert_output --partial no-such-program
    assert_nothing_left
}

@test "a failure inside the container's setup reaches the caller with context" {
    cfg '.process.cwd = "/probe/not-a-dir"'
    run_rt run --bundle "$BUNDLE" "$ID"
    assert_failure
    if [ "$RT_KIND" = hullrt ]; then
        assert_output --partial "/probe/not-a-dir"
    else
        assert_output --partial /probe
    fi
    assert_nothing_left
}

@test "an unknown option is a usage error" {
    run_rt create --no-such-option --bundle "$BUNDLE" "$ID"
    assert_failure
    assert_output --partial no-such-option
    assert_nothing_left
}

@test "a missing container id is a usage error" {
    run_rt create --bundle "$BUNDLE"
    assert_failure
    [ -z "$(ls -A "$ROOT")" ]
}

@test "help --help describes help, as runc does" {
    run_rt help --help
    assert_success
    assert_output --partial "hullrt help [COMMAND]"
    run_rt help nosuchcommand
    assert_failure
}
