#!/usr/bin/env bats
# Known container escapes, recreated against the runtime (hullrt), one test
# per class; each shows the runtime holds.  More classes are in
# hullrt_security.bats (CVE-2019-5736 /proc/self/exe, CVE-2019-19921 and
# CVE-2025-31133 rootfs symlinks, CVE-2023-25173 groups, CVE-2022-29162
# inheritable capabilities, leaked descriptors); the engine's classes
# (default profile, image layers, hull cp) are in security_engine.bats.

load helpers

SECTEST="$BUILD/tests/hull-sectest"

setup() {
    hull_setup
    cp "$SECTEST" "$ROOTFS/sectest"
}

# run_sectest ARG...: /sectest ARG... in a container in the foreground.
run_sectest() {
    cfg_args /sectest "$@"
    run rt_via_file run --bundle "$BUNDLE" "$ID"
}

@test "CVE-2024-21626: a leaked descriptor as process.cwd is refused" {
    local fd
    # Descriptors the runtime may hold while it sets up: none may become
    # the working directory (runc's leaked /sys/fs/cgroup fd did).
    for fd in 3 4 5 6 7 8 9; do
        cfg --arg cwd "/proc/self/fd/$fd" '.process.cwd = $cwd'
        run_probe cwd
        if [ "$status" -eq 0 ]; then
            # Only a directory inside the rootfs would be acceptable.
            [[ "$output" != *"/proc/self/fd"* ]]
            run_probe stat /probe
            assert_success
        else
            refute_output --partial "uid="
        fi
    done
    cfg '.process.cwd = "/proc/self/fd/7/../../../../../.."'
    run_probe cwd
    [ "$status" -ne 0 ] || assert_output /
}

@test "CVE-2024-21626: the container holds no descriptor but stdio" {
    exec 7<"$BUNDLE" 8<"$ROOTFS"
    run_probe fds
    exec 7<&- 8<&-
    assert_success
    assert_output "0 1 2"
}

@test "CVE-2021-30465: a mount target swapped for a symlink during setup stays inside" {
    hullrt_only
    local outside="$BATS_TEST_TMPDIR/outside" src="$BATS_TEST_TMPDIR/src" i
    mkdir -p "$outside" "$src" "$ROOTFS/race/dir"
    echo data >"$src/file"
    ln -s "$outside" "$ROOTFS/race/link"
    # Many mounts through the swapped path widen the window.
    cfg --arg src "$src" '.mounts += [range(0; 16) as $i
        | {destination: "/race/dir/m\($i)", type: "bind", source: $src, options: ["bind"]}]'
    # The swapper runs on the host against the rootfs while containers start:
    # /race/dir is exchanged with a symlink to a host directory.
    bg "$SECTEST" swap-loop "$ROOTFS/race/dir" "$ROOTFS/race/link" 2000000
    for i in $(seq 8); do
        cfg_args /probe id
        rt_via_file run --bundle "$BUNDLE" "$ID" >/dev/null 2>&1 || true
        rt delete -f "$ID" >/dev/null 2>&1 || true
    done
    kill "${BG_PIDS[0]}" 2>/dev/null || true
    [ -z "$(ls -A "$outside")" ]
    ! grep -q " $outside" /proc/self/mountinfo
}

@test "CVE-2024-45310: creating mount targets never creates outside the rootfs" {
    local outside="$BATS_TEST_TMPDIR/outside" src="$BATS_TEST_TMPDIR/src"
    mkdir -p "$outside" "$src"
    ln -s "$outside" "$ROOTFS/escape"
    ln -s ../../../../../../.. "$ROOTFS/up"
    cfg --arg src "$src" '.mounts += [
        {destination: "/escape/newdir/deeper", type: "bind", source: $src, options: ["bind"]},
        {destination: "/up/tmp/hull-escape-\(now | floor)", type: "tmpfs", source: "tmpfs"}]'
    run_probe id
    [ -z "$(ls -A "$outside")" ]
    [ -z "$(find /tmp -maxdepth 1 -name 'hull-escape-*' -newer "$BUNDLE/config.json")" ]
}

@test "CVE-2019-19921: /dev as a symlink without a /dev mount is refused" {
    local victim="$BATS_TEST_TMPDIR/victim"
    mkdir -p "$victim"
    cfg '.mounts |= map(select(.destination | startswith("/dev") | not))'
    rmdir "$ROOTFS/dev"
    ln -s "$victim" "$ROOTFS/dev"
    run_probe id
    [ -z "$(ls -A "$victim")" ]
    [ "$RT_KIND" != hullrt ] || assert_output --partial "/dev is a symlink"
}

@test "CVE-2025-31133: masking never binds a /dev/null that is not the null device" {
    # Without a /dev mount the rootfs's own /dev/null would be bound over
    # the masked paths: a regular file planted there must not be.
    cfg '.mounts |= map(select(.destination | startswith("/dev") | not))
        | .linux.maskedPaths = ["/proc/kcore", "/proc/keys", "/proc/timer_list"]'
    echo "not null" >"$ROOTFS/dev/null"
    run_probe cat /proc/keys
    refute_output --partial "not null"
    # Refused, or the file replaced by the real device before masking.
    [ "$status" -ne 0 ] || [ -c "$ROOTFS/dev/null" ]
}

@test "CVE-2019-16884: a bind mount or a tmpfs over /proc is refused" {
    local fake="$BATS_TEST_TMPDIR/fakeproc"
    mkdir -p "$fake/self/attr"
    cfg --arg src "$fake" '.mounts |= map(if .destination == "/proc"
        then {destination: "/proc", type: "bind", source: $src, options: ["rbind"]} else . end)'
    run_probe id
    assert_failure
    refute_output --partial "uid="
    cfg '.mounts |= map(if .destination == "/proc"
        then {destination: "/proc", type: "tmpfs", source: "tmpfs"} else . end)'
    run_probe id
    assert_failure
    refute_output --partial "uid="
}

@test "CVE-2022-0811: a sysctl value cannot smuggle a second key" {
    local before
    before="$(cat /proc/sys/kernel/core_pattern)"
    cfg '.linux.sysctl = {"kernel.shm_rmid_forced": "1\nkernel.core_pattern=|/tmp/hull-pwn"}'
    run_probe id
    [ "$RT_KIND" != hullrt ] || assert_failure
    cfg '.linux.sysctl = {"kernel.shm_rmid_forced": "1+kernel.core_pattern=|/tmp/hull-pwn"}'
    run_probe id
    cfg '.linux.sysctl = {"kernel.shm_rmid_forced": "1 kernel.core_pattern=|/tmp/hull-pwn"}'
    run_probe id
    assert_equal "$(cat /proc/sys/kernel/core_pattern)" "$before"
}

@test "CVE-2022-0811: keys that are not namespaced or leave /proc/sys are refused" {
    local key
    for key in kernel.core_pattern kernel.modprobe vm.overcommit_memory "net/../kernel/core_pattern" \
        "kernel.shm_rmid_forced/../../kernel/core_pattern" "..kernel.core_pattern"; do
        cfg --arg k "$key" '.linux.sysctl = {($k): "1"}'
        run_probe id
        assert_failure
        refute_output --partial "uid="
    done
}

@test "sysctls need the container's own namespace, not the host's joined by path" {
    hullrt_only
    cfg '.linux.sysctl = {"net.ipv4.ip_forward": "1"}
        | .linux.namespaces |= map(select(.type != "network"))'
    run_probe id
    assert_failure
    assert_output --partial "needs the container's own network namespace"
    cfg --arg ns "/proc/$$/ns/net" '.linux.namespaces += [{type: "network", path: $ns}]'
    run_probe id
    assert_failure
    assert_output --partial "is the host's"
    cfg '.linux.namespaces |= map(select(.type != "network")) + [{type: "network"}]'
    run_probe sysctl net.ipv4.ip_forward
    assert_success
    assert_output 1
}

@test "CVE-2024-40635: uids and gids above 2^31-1, negative or not numbers never become root" {
    local field value
    for field in uid gid; do
        for value in 2147483648 4294967295 4294967296 -1 '"0"' 1.5; do
            cfg --argjson v "$value" --arg f "$field" '.process.user[$f] = $v'
            run_probe id
            assert_failure
            refute_output --partial "uid=0"
            make_config
        done
    done
    cfg '.process.user.additionalGids = [2147483648]'
    run_probe id
    assert_failure
    refute_output --partial "uid=0"
}

@test "CVE-2022-0492: without CAP_SYS_ADMIN a container cannot mount cgroupfs" {
    mkdir -p "$ROOTFS/cg"
    run_sectest mount-cgroup /cg
    assert_failure
    refute_output --partial ESCAPED
}

@test "/proc/kcore and the other masked paths read as empty" {
    local f
    for f in /proc/kcore /proc/keys /proc/timer_list; do
        [ -e "$f" ] || continue
        run_sectest read "$f"
        refute_output --partial ESCAPED
    done
}
