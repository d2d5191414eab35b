#!/usr/bin/env bats
# What the container must not get: descriptors, capabilities or groups it
# was not given, a way to redirect mounts through rootfs symlinks, or write
# access to the runtime's binary.

load helpers

@test "the container gets no descriptor beyond stdio" {
    exec 7<"$BUNDLE/config.json" 8>"$BATS_TEST_TMPDIR/fd8"
    run_probe fds
    exec 7<&- 8>&-
    assert_success
    assert_output "0 1 2"
}

@test "--preserve-fds passes exactly the next N descriptors" {
    echo three >"$BATS_TEST_TMPDIR/three"
    echo four >"$BATS_TEST_TMPDIR/four"
    cfg_args /probe fds + cat /proc/self/fd/3 + cat /proc/self/fd/4
    run timeout 60 "$HULLRT" --root "$ROOT" run --preserve-fds 2 --bundle "$BUNDLE" "$ID" \
        3<"$BATS_TEST_TMPDIR/three" 4<"$BATS_TEST_TMPDIR/four" 5<"$BUNDLE/config.json"
    assert_success
    assert_line --index 0 "0 1 2 3 4"
    assert_line --index 1 three
    assert_line --index 2 four
}

@test "no inheritable or ambient capabilities unless configured" {
    cfg '.process.capabilities = {bounding: ["CAP_KILL", "CAP_CHOWN"],
        effective: ["CAP_KILL", "CAP_CHOWN"], permitted: ["CAP_KILL", "CAP_CHOWN"]}'
    run_probe caps
    assert_success
    assert_line "CapInh: 0000000000000000"
    assert_line "CapAmb: 0000000000000000"
    cfg '.process.user = {uid: 1000, gid: 1000}'
    run_probe caps
    assert_line "CapInh: 0000000000000000"
    assert_line "CapPrm: 0000000000000000"
    assert_line "CapEff: 0000000000000000"
}

@test "the caller's supplementary groups do not leak into the container" {
    cfg_args /probe id
    run setpriv --groups 4,24,27 -- timeout 60 "$HULLRT" --root "$ROOT" run --bundle "$BUNDLE" "$ID"
    assert_success
    assert_output "uid=0 gid=0 groups="
}

@test "the container's bounding set is only what was configured" {
    run_probe caps
    assert_success
    local want
    want="$(jq -r '.process.capabilities.bounding | length' "$BUNDLE/config.json")"
    bnd="$(awk '/^CapBnd:/ { print $2 }' <<<"$output")"
    # Count the bits of the hex mask.
    bits=0
    for ((i = 0; i < 64; i++)); do
        (((0x$bnd >> i) & 1)) && bits=$((bits + 1))
    done
    assert_equal "$bits" "$want"
}

@test "a rootfs whose /proc is a symlink is refused" {
    mkdir -p "$BATS_TEST_TMPDIR/victim"
    rmdir "$ROOTFS/proc"
    ln -s "$BATS_TEST_TMPDIR/victim" "$ROOTFS/proc"
    run_probe id
    assert_failure
    refute_output --partial "uid=0"
    [ -z "$(ls -A "$BATS_TEST_TMPDIR/victim")" ]
    [ -z "$(ls -A "$ROOT")" ]
}

@test "a rootfs whose /proc is a relative symlink is refused" {
    mkdir -p "$ROOTFS/elsewhere"
    rmdir "$ROOTFS/proc"
    ln -s elsewhere "$ROOTFS/proc"
    run_probe id
    assert_failure
    [ -z "$(ls -A "$ROOTFS/elsewhere")" ]
}

@test "a rootfs whose /dev/null is a symlink is refused or replaced" {
    # Without a /dev mount the runtime works on the rootfs's own /dev.
    cfg '.mounts |= map(select(.destination | startswith("/dev") | not))'
    echo precious >"$BATS_TEST_TMPDIR/victim"
    ln -s "$BATS_TEST_TMPDIR/victim" "$ROOTFS/dev/null"
    cfg_args /probe write /dev/null overwritten
    run rt_via_file run --bundle "$BUNDLE" "$ID"
    assert_equal "$(cat "$BATS_TEST_TMPDIR/victim")" precious
    [ "$RT_KIND" != hullrt ] || assert_failure
}

@test "a mount destination through a symlink stays inside the rootfs" {
    mkdir -p "$BATS_TEST_TMPDIR/outside" "$BATS_TEST_TMPDIR/src"
    echo data >"$BATS_TEST_TMPDIR/src/file"
    ln -s "$BATS_TEST_TMPDIR/outside" "$ROOTFS/link"
    cfg --arg src "$BATS_TEST_TMPDIR/src" \
        '.mounts += [{destination: "/link/sub", type: "bind", source: $src, options: ["bind"]}]'
    run_probe cat /link/sub/file
    [ -z "$(ls -A "$BATS_TEST_TMPDIR/outside")" ]
}

@test "the runtime's binary cannot be rewritten from inside a container" {
    # Container A stays created, so its init is still the runtime; B joins
    # A's pid namespace, holds /proc/1/exe, and once A has started (the
    # runtime's process has exec'ed away) tries to write through it, the
    # way CVE-2019-5736 did.  B gets CAP_SYS_PTRACE so that only the
    # runtime's own protection can stop it.
    local shared="$BATS_TEST_TMPDIR/shared" sum
    mkdir -p "$shared"
    sum="$(sha256sum <"$(readlink -f "$HULLRT")")"
    cfg_args /probe sleep 600
    rt create --bundle "$BUNDLE" "$ID" >/dev/null
    apid="$(state_field "$ID" pid)"

    local bundle_a="$BUNDLE"
    BUNDLE="$BATS_TEST_TMPDIR/bundle-b"
    mkdir -p "$BUNDLE"
    cp -a "$bundle_a/rootfs" "$BUNDLE/rootfs"
    cp "$bundle_a/config.json" "$BUNDLE/config.json"
    cfg --arg ns "/proc/$apid/ns/pid" --arg src "$shared" --arg cg "$CGPATH-b" \
        '.linux.namespaces |= (map(select(.type != "pid")) + [{type: "pid", path: $ns}])
        | .linux.cgroupsPath = $cg
        | .process.capabilities |= with_entries(.value += ["CAP_SYS_PTRACE"])
        | .mounts += [{destination: "/shared", type: "bind", source: $src, options: ["rbind"]}]'
    cfg_args /probe rewrite-exe 1 /shared/go
    rt run --detach --bundle "$BUNDLE" "$ID-b" >"$BATS_TEST_TMPDIR/b.out" 2>&1
    for _ in $(seq 100); do
        grep -q -e held -e probe: "$BATS_TEST_TMPDIR/b.out" && break
        sleep 0.1
    done

    rt start "$ID"
    for _ in $(seq 100); do
        [[ "$(readlink "/proc/$apid/exe")" == */probe ]] && break
        sleep 0.1
    done
    [[ "$(readlink "/proc/$apid/exe")" == */probe ]]
    touch "$shared/go"
    wait_status "$ID-b" stopped
    run cat "$BATS_TEST_TMPDIR/b.out"
    refute_line written
    assert_equal "$(sha256sum <"$(readlink -f "$HULLRT")")" "$sum"
    rt delete --force "$ID-b"
    for d in /sys/fs/cgroup/*/; do
        [ ! -d "$d${CGPATH#/}-b" ] || rmdir "$d${CGPATH#/}-b"
    done
}

@test "the container cannot see the host's processes" {
    run_probe stat /proc/1/exe
    assert_success
    run_probe cat /proc/1/cmdline
    assert_success
    assert_equal "$(tr '\0' ' ' <"$BATS_TEST_TMPDIR/rt-output")" "/probe cat /proc/1/cmdline "
}
