#!/usr/bin/env bats
# The container's filesystem: root.readonly, mounts, propagation, masked and
# read-only paths, /dev, linux.devices, sysctl, hostname and domainname,
# --no-pivot.

load helpers

# mount_line DEST: the mountinfo line of DEST as the container sees it.
mount_line() {
    awk -v d="$1" '$5 == d' <<<"$output" | tail -n 1
}

@test "root.readonly makes the root read-only but not the mounts on it" {
    cfg '.root.readonly = true'
    run_probe write /newfile x
    assert_failure
    assert_output --partial EROFS
    run_probe write /tmp/newfile x
    assert_failure
    assert_output --partial EROFS
    run_probe write /dev/shm/newfile x
    assert_success
    run_probe mounts
    run awk '$5 == "/" { print $6 }' <<<"$output"
    assert_output --regexp '(^|,)ro(,|$)'
}

@test "a writable root takes writes" {
    run_probe write /newfile x
    assert_success
    assert_equal "$(cat "$ROOTFS/newfile")" x
}

@test "mounts are made in order, later ones on top of earlier ones" {
    mkdir -p "$BATS_TEST_TMPDIR/src"
    echo inner >"$BATS_TEST_TMPDIR/src/file"
    cfg --arg src "$BATS_TEST_TMPDIR/src" '.mounts += [
        {destination: "/m", type: "tmpfs", source: "tmpfs", options: ["size=1m"]},
        {destination: "/m/sub", type: "bind", source: $src, options: ["rbind"]}]'
    run_probe cat /m/sub/file
    assert_success
    assert_output inner
    run_probe mounts
    run awk '$5 == "/m" || $5 == "/m/sub" { print $5 }' <<<"$output"
    assert_output "$(printf '/m\n/m/sub')"
}

@test "a read-only bind mount can be read but not written" {
    mkdir -p "$BATS_TEST_TMPDIR/src"
    echo content >"$BATS_TEST_TMPDIR/src/file"
    cfg --arg src "$BATS_TEST_TMPDIR/src" '.mounts += [
        {destination: "/data", type: "bind", source: $src, options: ["bind", "ro"]}]'
    run_probe cat /data/file
    assert_success
    assert_output content
    run_probe write /data/file changed
    assert_failure
    assert_output --partial EROFS
    assert_equal "$(cat "$BATS_TEST_TMPDIR/src/file")" content
}

@test "a bind mount of a single file" {
    echo filecontent >"$BATS_TEST_TMPDIR/single"
    cfg --arg src "$BATS_TEST_TMPDIR/single" '.mounts += [
        {destination: "/etc/single", type: "bind", source: $src, options: ["bind"]}]'
    run_probe stat /etc/single
    assert_success
    assert_output --partial "type=file"
    run_probe cat /etc/single
    assert_output filecontent
}

@test "a bind mount of a missing source is an error and leaves nothing" {
    cfg --arg src "$BATS_TEST_TMPDIR/no-such-dir" '.mounts += [
        {destination: "/data", type: "bind", source: $src, options: ["bind"]}]'
    run_probe id
    assert_failure
    assert_output --partial no-such-dir
    [ -z "$(ls -A "$ROOT")" ]
}

@test "tmpfs mount options reach the kernel" {
    cfg '.mounts += [{destination: "/scratch", type: "tmpfs", source: "tmpfs",
        options: ["nosuid", "nodev", "noexec", "size=1m", "mode=1750"]}]'
    run_probe stat /scratch
    assert_success
    assert_output --partial "type=dir mode=1750"
    run_probe mounts
    line="$(mount_line /scratch)"
    [[ "$line" == *" - tmpfs "* ]]
    [[ "$(awk '{ print $6 }' <<<"$line")" == *nosuid* ]]
    [[ "$(awk '{ print $6 }' <<<"$line")" == *nodev* ]]
    [[ "$(awk '{ print $6 }' <<<"$line")" == *noexec* ]]
    [[ "$line" == *size=1024k* ]]
}

@test "a read-only tmpfs" {
    cfg '.mounts += [{destination: "/scratch", type: "tmpfs", source: "tmpfs",
        options: ["ro", "size=1m"]}]'
    run_probe write /scratch/f x
    assert_failure
    assert_output --partial EROFS
}

@test "noexec on a bind mount stops execution" {
    mkdir -p "$BATS_TEST_TMPDIR/bin"
    cp "$PROBE" "$BATS_TEST_TMPDIR/bin/probe"
    cfg --arg src "$BATS_TEST_TMPDIR/bin" '.mounts += [
        {destination: "/bin2", type: "bind", source: $src, options: ["bind", "noexec"]}]'
    run_probe exec /bin2/probe id
    assert_failure
    assert_output --partial EACCES
}

# A host directory that is its own shared mount, so that the propagation of
# a bind of it into the container can be observed.
make_shared_dir() {
    SHARED_SRC="$BATS_TEST_TMPDIR/propagation"
    mkdir -p "$SHARED_SRC"
    mount --bind "$SHARED_SRC" "$SHARED_SRC"
    track_mount "$SHARED_SRC"
    mount --make-shared "$SHARED_SRC"
}

@test "bind mount propagation: rslave receives host mounts, rprivate does not" {
    [ "$RT_KIND" != crun ] || skip "crun 1.8 applies the rootfs propagation over the mounts' own"
    make_shared_dir
    cfg --arg src "$SHARED_SRC" '.mounts += [
        {destination: "/slave", type: "bind", source: $src, options: ["rbind", "rslave"]},
        {destination: "/private", type: "bind", source: $src, options: ["rbind", "rprivate"]}]'
    run_probe mounts
    assert_success
    [[ "$(mount_line /slave)" == *" master:"* ]]
    [[ "$(mount_line /private)" != *" master:"* ]]
    [[ "$(mount_line /private)" != *" shared:"* ]]
}

@test "bind mount propagation: rshared" {
    make_shared_dir
    cfg '.linux.rootfsPropagation = "shared"'
    cfg --arg src "$SHARED_SRC" '.mounts += [
        {destination: "/shared", type: "bind", source: $src, options: ["rbind", "rshared"]}]'
    run_probe mounts
    assert_success
    [[ "$(mount_line /shared)" == *" shared:"* ]]
}

@test "an unknown mount option is an error" {
    [ "$RT_KIND" = hullrt ] || skip "runc and crun pass unknown options to the kernel as data"
    cfg '.mounts += [{destination: "/scratch", type: "tmpfs", source: "tmpfs",
        options: ["nosuchoption"]}]'
    run_probe id
    assert_failure
    assert_output --partial nosuchoption
    [ -z "$(ls -A "$ROOT")" ]
}

@test "maskedPaths hide files and directories" {
    [ -e /proc/keys ]
    cfg '.linux.maskedPaths = ["/proc/keys", "/proc/acpi", "/proc/no-such-path"]'
    run_probe stat /proc/keys
    assert_success
    assert_output --partial "type=chr"
    assert_output --partial "rdev=1:3"
    run_probe cat /proc/keys
    assert_success
    assert_output ""
    run_probe mounts
    line="$(mount_line /proc/acpi)"
    [[ "$line" == *" - tmpfs "* ]]
    [[ "$(awk '{ print $6 }' <<<"$line")" == ro* ]]
}

@test "readonlyPaths are read-only" {
    cfg '.linux.readonlyPaths = ["/proc/sys", "/proc/no-such-path"]'
    run_probe sysctl kernel.hostname
    assert_success
    assert_output hulltest
    run_probe write /proc/sys/kernel/hostname changed
    assert_failure
    assert_output --partial EROFS
}

@test "the default devices exist with the right numbers" {
    for dev in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
        IFS=: read -r name maj min <<<"$dev"
        run_probe stat "/dev/$name"
        assert_success
        assert_output "type=chr mode=0666 uid=0 gid=0 rdev=$maj:$min"
    done
    run_probe write /dev/null discarded
    assert_success
}

@test "the /dev symlinks exist" {
    run_probe stat /dev/fd
    assert_output --partial "target=/proc/self/fd"
    for n in 0:stdin 1:stdout 2:stderr; do
        run_probe stat "/dev/${n#*:}"
        assert_success
        assert_output --partial "type=link"
        assert_output --partial "target=/proc/self/fd/${n%%:*}"
    done
    run_probe stat /dev/ptmx
    assert_success
    assert_output --regexp '(target=pts/ptmx|type=chr .* rdev=5:2)'
}

@test "/dev is a tmpfs with devpts, shm and mqueue on it" {
    run_probe mounts
    assert_success
    [[ "$(mount_line /dev)" == *" - tmpfs "* ]]
    [[ "$(mount_line /dev/pts)" == *" - devpts "* ]]
    [[ "$(mount_line /dev/shm)" == *" - tmpfs "* ]]
    [[ "$(mount_line /dev/mqueue)" == *" - mqueue "* ]]
}

@test "linux.devices are created with their type, numbers, mode and owner" {
    cfg '.linux.devices = [
        {path: "/dev/hull-char", type: "c", major: 1, minor: 5, fileMode: 416, uid: 12, gid: 34},
        {path: "/dev/sub/hull-block", type: "b", major: 7, minor: 200, fileMode: 384},
        {path: "/dev/hull-fifo", type: "p"}]'
    run_probe stat /dev/hull-char
    assert_success
    assert_output "type=chr mode=0640 uid=12 gid=34 rdev=1:5"
    run_probe stat /dev/sub/hull-block
    assert_success
    assert_output "type=blk mode=0600 uid=0 gid=0 rdev=7:200"
    run_probe stat /dev/hull-fifo
    assert_success
    assert_output --partial "type=fifo"
}

@test "a device outside /dev is an error or kept inside the rootfs" {
    cfg '.linux.devices = [{path: "/dev/../../hull-escape-'"$BATS_ROOT_PID"'", type: "c", major: 1, minor: 3}]'
    run_probe id
    [ ! -e "/hull-escape-$BATS_ROOT_PID" ]
    [ ! -e "$BUNDLE/hull-escape-$BATS_ROOT_PID" ]
}

@test "sysctl values are set in the container's namespaces" {
    cfg '.linux.sysctl = {"net.ipv4.ip_forward": "1", "kernel.domainname": "sysctl.example",
        "kernel.msgmax": "4242"}'
    run_probe sysctl net.ipv4.ip_forward
    assert_success
    assert_output 1
    run_probe domainname
    assert_output sysctl.example
    run_probe sysctl kernel.msgmax
    assert_output 4242
    [ "$(cat /proc/sys/kernel/msgmax)" != 4242 ]
}

@test "a sysctl outside the container's namespaces is refused" {
    cfg '.linux.sysctl = {"kernel.panic": "7"}'
    old="$(cat /proc/sys/kernel/panic)"
    run_probe id
    assert_failure
    assert_output --partial kernel.panic
    assert_equal "$(cat /proc/sys/kernel/panic)" "$old"
}

@test "a network sysctl without a network namespace is refused" {
    cfg '.linux.namespaces |= map(select(.type != "network"))
        | .linux.sysctl = {"net.ipv4.ip_forward": "1"}'
    old="$(cat /proc/sys/net/ipv4/ip_forward)"
    run_probe id
    assert_failure
    assert_equal "$(cat /proc/sys/net/ipv4/ip_forward)" "$old"
}

@test "hostname" {
    cfg '.hostname = "box1"'
    run_probe hostname
    assert_success
    assert_output box1
    [ "$(hostname)" != box1 ]
}

@test "domainname" {
    [ "$RT_KIND" != runc ] || skip "runc 1.1 ignores domainname"
    cfg '.domainname = "example.test"'
    run_probe domainname
    assert_success
    assert_output example.test
    [ "$(domainname)" != example.test ]
}

@test "a hostname without a uts namespace is an error" {
    cfg '.linux.namespaces |= map(select(.type != "uts")) | .hostname = "box1"'
    run_probe hostname
    assert_failure
    [ "$(hostname)" != box1 ]
}

@test "--no-pivot runs the container with MS_MOVE and chroot" {
    cfg_args /probe cat /shared-marker
    echo marker >"$ROOTFS/shared-marker"
    run_rt run --no-pivot --bundle "$BUNDLE" "$ID"
    assert_success
    assert_output marker
    cfg_args /probe stat /probe
    run_rt run --no-pivot --bundle "$BUNDLE" "$ID"
    assert_success
    assert_output --partial "type=file"
}

@test "the root is the bundle's rootfs, and the host's files are not visible" {
    touch "$ROOTFS/only-in-rootfs"
    run_probe stat /only-in-rootfs
    assert_success
    run_probe stat "$BUNDLE"
    assert_failure
    assert_output --partial ENOENT
    run_probe stat /etc/os-release
    assert_failure
}

@test "a relative root.path is taken from the bundle" {
    mv "$ROOTFS" "$BUNDLE/other-root"
    cfg '.root.path = "other-root"'
    cd /
    run_probe id
    assert_success
    assert_output "uid=0 gid=0 groups="
}
