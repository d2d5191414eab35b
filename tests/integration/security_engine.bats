#!/usr/bin/env bats
# Known escapes recreated against the engine: what a container with hull's
# defaults (Docker's: capabilities, masked paths, the default seccomp
# profile) cannot do, image layers that try to write outside the store,
# and ids that must never become root.  The runtime's classes are in
# security_runtime.bats and hullrt_security.bats; the `hull cp` symlink
# race (CVE-2018-15664) is in hull_cp.bats.

load helpers
load hull_ctr_helpers

SECTEST="$BUILD/tests/hull-sectest"

# The busybox image plus /bin/sectest, imported as "sec".
import_sec() {
    local tar="$BATS_TEST_TMPDIR/sec.tar"
    mkdir -p "$BATS_TEST_TMPDIR/sec/bin"
    cp "$SECTEST" "$BATS_TEST_TMPDIR/sec/bin/sectest"
    cp "$BUSYBOX_TAR" "$tar"
    tar --numeric-owner --owner=0 --group=0 -C "$BATS_TEST_TMPDIR/sec" -rf "$tar" ./bin/sectest
    run hull import "$tar" sec
    assert_success
}

@test "the default seccomp profile stops keyctl, user namespaces and mounts" {
    import_sec
    run hull run --rm sec sh -c 'grep "^Seccomp:" /proc/self/status; sectest keyctl;
        sectest unshare-user; sectest mount-cgroup /tmp; mount -t tmpfs none /mnt; echo end'
    assert_success
    assert_line --regexp '^Seccomp:[[:space:]]+2$'
    assert_line "blocked: keyctl: EPERM"
    assert_line "blocked: unshare(CLONE_NEWUSER): EPERM"
    assert_line "blocked: mount cgroup: EPERM"
    refute_output --partial ESCAPED
}

@test "CVE-2022-0492: a default container cannot mount cgroupfs nor read /proc/kcore" {
    import_sec
    run hull run --rm sec sh -c 'sectest mount-cgroup /tmp; sectest read /proc/kcore;
        sectest read /proc/keys; sectest read /proc/timer_list; echo end'
    assert_success
    assert_line end
    refute_output --partial ESCAPED
}

@test "CAP_SYS_ADMIN brings mount and unshare back, as Docker's profile does" {
    import_sec
    run hull run --rm --cap-add SYS_ADMIN sec sh -c 'mount -t tmpfs none /tmp && echo mounted;
        sectest keyctl; echo end'
    assert_success
    assert_line mounted
    assert_line "blocked: keyctl: EPERM"
}

@test "--security-opt seccomp=unconfined runs without a filter" {
    run hull run --rm --security-opt seccomp=unconfined busybox grep "^Seccomp:" /proc/self/status
    assert_success
    assert_output --regexp '^Seccomp:[[:space:]]+0$'
}

@test "--security-opt seccomp=FILE takes Docker's profile format" {
    local prof="$BATS_TEST_TMPDIR/profile.json"
    cat >"$prof" <<'EOF'
{
  "defaultAction": "SCMP_ACT_ALLOW",
  "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]}],
  "syscalls": [
    {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 18},
    {"names": ["rmdir"], "action": "SCMP_ACT_ERRNO", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
    {"names": ["chdir"], "action": "SCMP_ACT_ERRNO", "excludes": {"arches": ["amd64"]}}
  ]
}
EOF
    run hull run --rm --security-opt "seccomp=$prof" busybox sh -c \
        'mkdir /tmp/x; cd /tmp && echo cd-ok; rmdir /tmp 2>/dev/null; echo end'
    assert_success
    assert_output --partial "Invalid cross-device link"
    assert_line cd-ok
    echo '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["x"], "action": "SCMP_ACT_NOPE"}]}' >"$prof"
    run hull run --rm --security-opt "seccomp=$prof" busybox true
    assert_equal "$status" 125
    assert_output --partial 'syscalls[0].action: unknown action "SCMP_ACT_NOPE"'
    run hull run --rm --security-opt "seccomp=$BATS_TEST_TMPDIR/missing.json" busybox true
    assert_equal "$status" 125
    assert_output --partial "opening seccomp profile"
    [ -z "$(records)" ]
}

@test "the default profile is compiled once and loaded from the cache" {
    run hull run --rm busybox true
    assert_success
    local entries
    entries="$(ls "$HROOT/cache/seccomp")"
    [[ "$entries" =~ ^[0-9a-f]{16}\.bpf$ ]]
    # The entry holds the key it was made for and the program.
    assert_equal "$(head -c 8 "$HROOT/cache/seccomp/$entries")" HULLBPF3
    touch -d '2000-01-01' "$HROOT/cache/seccomp/$entries"
    run hull run --rm busybox true
    assert_success
    assert_equal "$(ls "$HROOT/cache/seccomp")" "$entries"
    # Read, not rewritten.
    [ "$(stat -c %Y "$HROOT/cache/seccomp/$entries")" -lt 1000000000 ]
    # A damaged entry is compiled again and still filters.
    echo garbage >"$HROOT/cache/seccomp/$entries"
    run hull run --rm busybox grep "^Seccomp:" /proc/self/status
    assert_output --regexp '^Seccomp:[[:space:]]+2$'
    # ... and written anew.
    assert_equal "$(head -c 8 "$HROOT/cache/seccomp/$entries")" HULLBPF3
}

@test "CVE-2024-40635: -u with ids above 2^31-1, negative or not numbers never runs as root" {
    local u
    for u in 2147483648 4294967296 0:2147483648 -1 "-1:0" 99999999999999999999; do
        run hull run --rm -u "$u" busybox id -u
        assert_equal "$status" 125
        refute_output 0
    done
    [ -z "$(records)" ]
}

# import_tar NAME PYTHON: builds a layer tar with the Python tarfile code
# PYTHON (which adds to the open archive `t`) and imports it as NAME.
import_tar() {
    local tar="$BATS_TEST_TMPDIR/$1.tar"
    python3 - "$tar" <<EOF
import io, sys, tarfile
def add(t, name, kind="f", data=b"", link="", mode=0o644):
    ti = tarfile.TarInfo(name)
    ti.mode = mode
    if kind == "f":
        ti.size = len(data)
        t.addfile(ti, io.BytesIO(data))
        return
    ti.type = {"d": tarfile.DIRTYPE, "l": tarfile.SYMTYPE, "h": tarfile.LNKTYPE}[kind]
    ti.linkname = link
    t.addfile(ti)
with tarfile.open(sys.argv[1], "w") as t:
$2
EOF
    run hull import "$tar" "$1"
}

@test "CVE-2014-9356: a layer's symlink cannot lead a later entry outside" {
    local victim="$BATS_TEST_TMPDIR/victim"
    mkdir -p "$victim"
    echo precious >"$victim/file"
    import_tar evil "    add(t, 'escape', 'l', link='$victim')
    add(t, 'escape/file', data=b'overwritten')
    add(t, 'escape/new', data=b'created')
    add(t, 'abs', 'l', link='/')
    add(t, 'abs$victim/other', data=b'created')"
    assert_equal "$(cat "$victim/file")" precious
    [ ! -e "$victim/new" ] && [ ! -e "$victim/other" ]
}

@test "CVE-2014-6407: '..', absolute names and hardlinks out of the layer stay inside" {
    local victim="$BATS_TEST_TMPDIR/victim"
    mkdir -p "$victim"
    echo precious >"$victim/file"
    import_tar dots "    add(t, '../../../../../../..$victim/dotdot', data=b'x')
    add(t, '$victim/absolute', data=b'x')
    add(t, 'hard', 'h', link='$victim/file')
    add(t, 'hard2', 'h', link='../../../../../..$victim/file')"
    [ ! -e "$victim/dotdot" ] && [ ! -e "$victim/absolute" ]
    assert_equal "$(cat "$victim/file")" precious
    assert_equal "$(stat -c %h "$victim/file")" 1
}

@test "CVE-2021-32760: chmod and chown through a layer's symlink stay inside" {
    local victim="$BATS_TEST_TMPDIR/victim"
    echo precious >"$victim"
    chmod 0600 "$victim"
    import_tar chmod "    add(t, 'link', 'l', link='$victim')
    add(t, 'link', 'd', mode=0o777)
    add(t, 'link2', 'l', link='$victim')
    add(t, 'link2', mode=0o4777, data=b'')"
    assert_equal "$(stat -c %a "$victim")" 600
    assert_equal "$(cat "$victim")" precious
    assert_equal "$(stat -c %u "$victim")" 0
}

@test "hull cp into a container does not follow its symlinks to the host" {
    local victim="$BATS_TEST_TMPDIR/victim"
    mkdir -p "$victim"
    start_ctr box
    hull exec box ln -s "$victim" /tmp/out
    echo data >"$BATS_TEST_TMPDIR/in"
    run hull cp "$BATS_TEST_TMPDIR/in" box:/tmp/out/in
    [ -z "$(ls -A "$victim")" ]
}
