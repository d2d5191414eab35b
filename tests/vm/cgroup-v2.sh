#!/bin/bash
# The cgroup v2 test lane.  This host runs cgroup v1, so the cgroup tests
# also run in a virtual machine with only the unified hierarchy: Debian's
# cloud kernel booted by qemu (TCG software emulation: KVM hangs early in
# boot here) from an initramfs made below, holding busybox, the build's
# hullrt, test_cgroup and hull-probe, and the libraries they link.  Its init
# mounts cgroup2 at /sys/fs/cgroup with every controller enabled and runs
# tests/vm/guest-tests.sh, which prints one "HULLVM PASS name" or "HULLVM
# FAIL name: why" line per test on the serial console; this script collects
# and counts them.
#
#   tests/vm/cgroup-v2.sh            BUILD (default build/) holds the binaries
#
# Exit status: 0 when every test passed, 1 when one failed or the VM did
# not finish, 77 when the lane cannot run here (no qemu, no kernel), with
# the reason on the last line.
set -uo pipefail

TOP="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD="${BUILD:-$TOP/build}"
[[ "$BUILD" == /* ]] || BUILD="$TOP/$BUILD"
VM_TIMEOUT="${VM_TIMEOUT:-240}"

skip() {
    echo "cgroup-v2: SKIPPED: $*"
    exit 77
}

die() {
    echo "cgroup-v2: $*" >&2
    exit 1
}

command -v qemu-system-x86_64 >/dev/null ||
    skip "qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)"
KERNEL="$(ls /boot/vmlinuz-*-cloud-amd64 2>/dev/null | sort -V | tail -1)"
[ -n "$KERNEL" ] || skip "no Debian cloud kernel in /boot (apt-get install linux-image-cloud-amd64)"
[ -r "$KERNEL" ] || skip "$KERNEL is not readable"
for tool in cpio gzip jq ldd; do
    command -v "$tool" >/dev/null || skip "$tool is not installed"
done

HULLRT="$BUILD/src/hullrt/hullrt"
UNIT="$BUILD/tests/test_cgroup"
PROBE="$BUILD/tests/hull-probe"
BUSYBOX="${BUSYBOX:-/bin/busybox}"
for f in "$HULLRT" "$UNIT" "$PROBE" "$BUSYBOX"; do
    [ -x "$f" ] || die "missing $f (build first: ninja -C $BUILD)"
done

WORK="$(mktemp -d "${TMPDIR:-/tmp}/hull-vm-$$-XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
ROOT="$WORK/root"

# copy_with_libs FILE DEST: FILE at DEST in the image, with every shared
# library it needs at the path the host's loader found it.
copy_with_libs() {
    local lib
    install -D -m 0755 "$1" "$ROOT$2"
    for lib in $(ldd "$1" 2>/dev/null | grep -o '/[^ ]*'); do
        [ -e "$ROOT$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" "$ROOT$lib"
    done
}

# make_bundle NAME JQ-FILTER: /hull/bundles/NAME/config.json, from hullrt's
# default config, the container in cgroup /hullvm/NAME.
make_bundle() {
    local dir="$ROOT/hull/bundles/$1"
    mkdir -p "$dir"
    jq --arg cg "/hullvm/$1" '.process.terminal = false
        | .root = {path: "rootfs", readonly: false}
        | .linux.cgroupsPath = $cg
        | del(.process.env[] | select(startswith("TERM=")))
        | '"$2" "$WORK/spec/config.json" >"$dir/config.json" || die "bundle $1: jq failed"
}

make_bundles() {
    mkdir -p "$WORK/spec"
    (cd "$WORK/spec" && "$HULLRT" spec) || die "hullrt spec failed"
    make_bundle limits '.process.args = ["/probe", "sleep", "600"]
        | .linux.resources.memory = {limit: 67108864}
        | .linux.resources.cpu = {quota: 50000, period: 100000, shares: 512}
        | .linux.resources.pids = {limit: 10}'
    make_bundle iolimits '.process.args = ["/probe", "sleep", "600"]
        | .linux.resources.blockIO = {weight: 100}'
    make_bundle devices '.process.args = ["/probe", "open", "/dev/hull-kmsg", "w"]
        | .linux.devices = [{path: "/dev/hull-kmsg", type: "c", major: 1, minor: 11}]'
    make_bundle devices_allow '.process.args = ["/probe", "open", "/dev/hull-kmsg", "w", "+",
            "open", "/dev/hull-kmsg", "r"]
        | .linux.devices = [{path: "/dev/hull-kmsg", type: "c", major: 1, minor: 11}]
        | .linux.resources.devices += [{allow: true, type: "c", major: 1, minor: 11, access: "w"}]'
    make_bundle oom '.process.args = ["/probe", "hog", "512"]
        | .linux.resources.memory = {limit: 33554432, swap: 33554432}'
    make_bundle pids '.process.args = ["/probe", "fork-bomb", "50"]
        | .linux.resources.pids = {limit: 10}'
    make_bundle freeze '.process.args = ["/probe", "count", "/tmp/counter"]'
    make_bundle killall '.process.args = ["/probe", "spawn", "3", "600"]'
    make_bundle throttle '.process.args = ["/probe", "spin"]
        | .linux.resources.cpu = {quota: 10000, period: 100000}'
    make_bundle unified '.process.args = ["/probe", "sleep", "600"]
        | .linux.resources.unified = {"pids.max": "7", "memory.high": "41943040"}'
    make_bundle unified_bad '.process.args = ["/probe", "sleep", "600"]
        | .linux.resources.unified = {"memory.no_such_knob": "1"}'
    make_bundle badpath '.process.args = ["/probe", "sleep", "600"]
        | .linux.cgroupsPath = "/hullvm/../escape"'
    make_bundle swap_only '.process.args = ["/probe", "sleep", "600"]
        | .linux.resources.memory = {swap: 67108864}'
    make_bundle v1_only '.process.args = ["/probe", "sleep", "600"]
        | .linux.resources.memory = {swappiness: 10}'
}

make_initramfs() {
    mkdir -p "$ROOT"/{bin,dev,proc,sys,run,tmp,newroot,hull}
    install -m 0755 "$BUSYBOX" "$ROOT/bin/busybox"
    install -m 0755 "$TOP/tests/vm/guest-init.sh" "$ROOT/init"
    install -m 0755 "$TOP/tests/vm/guest-tests.sh" "$ROOT/hull/tests.sh"
    copy_with_libs "$HULLRT" /hull/hullrt
    copy_with_libs "$UNIT" /hull/test_cgroup
    install -m 0755 "$PROBE" "$ROOT/hull/probe"
    make_bundles
    (cd "$ROOT" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -1) >"$WORK/initrd.gz" ||
        die "cpio failed"
}

make_initramfs
# no_timer_check: on a busy host the emulated timer can look broken to the
# kernel's early IO-APIC check, which then panics.
echo "cgroup-v2: booting $(basename "$KERNEL") under qemu (TCG)"
timeout --kill-after=10 "$VM_TIMEOUT" qemu-system-x86_64 -accel tcg -m 1024 -smp 2 \
    -nographic -no-reboot -nodefaults -serial stdio \
    -kernel "$KERNEL" -initrd "$WORK/initrd.gz" \
    -append "console=ttyS0 panic=-1 loglevel=1 no_timer_check" </dev/null 2>&1 | tr -d '\r' >"$WORK/console.log"

passed=$(grep -c '^HULLVM PASS ' "$WORK/console.log")
failed=$(grep -c '^HULLVM FAIL ' "$WORK/console.log")
grep -E '^HULLVM (PASS|FAIL) ' "$WORK/console.log" | sed 's/^HULLVM /  /'
if ! grep -q '^HULLVM DONE' "$WORK/console.log"; then
    echo "cgroup-v2: the VM did not finish (timeout ${VM_TIMEOUT}s or crash); its console ended with:"
    tail -40 "$WORK/console.log"
    exit 1
fi
if [ "$failed" -gt 0 ] || [ "$passed" -eq 0 ]; then
    echo "cgroup-v2: $failed failed, $passed passed; details:"
    grep -E '^(HULLVM FAIL|  \| )' "$WORK/console.log"
    exit 1
fi
echo "cgroup-v2: all $passed tests passed"
