#!/bin/bash
# Builds a minimal Debian bookworm root filesystem with debootstrap and
# exports it as a tarball, the way `docker export` does: the whole tree with
# numeric owners, and /dev, /proc and /sys as empty directories.
#
#   tests/lib/debian-rootfs.sh [OUTPUT.tar]
#
# OUTPUT defaults to $HULL_CACHE/bookworm-minbase.tar (HULL_CACHE defaults
# to /var/cache/hull-tests).  debootstrap takes minutes, so the tarball is a
# cache: it is built only when missing (delete it to rebuild), under a lock
# so concurrent callers build it once.  debootstrap uses its default mirror.
# The tarball's path is printed on standard output.
set -euo pipefail

HULL_CACHE="${HULL_CACHE:-/var/cache/hull-tests}"
SUITE="${DEBIAN_SUITE:-bookworm}"
out="${1:-$HULL_CACHE/$SUITE-minbase.tar}"

die() {
    echo "debian-rootfs: $*" >&2
    exit 1
}

[ "$(id -u)" -eq 0 ] || die "debootstrap needs root"
command -v debootstrap >/dev/null || die "debootstrap not found (apt-get install debootstrap)"

mkdir -p "$(dirname "$out")"
exec 9>"$out.lock"
flock 9
if [ -s "$out" ]; then
    echo "$out"
    exit 0
fi

work="$(mktemp -d "$(dirname "$out")/.debootstrap-XXXXXX")"
trap 'rm -rf "$work"' EXIT
echo "debian-rootfs: debootstrap --variant=minbase $SUITE (log: $work/log)" >&2
if ! debootstrap --variant=minbase "$SUITE" "$work/rootfs" >"$work/log" 2>&1; then
    tail -n 30 "$work/log" >&2
    die "debootstrap failed"
fi
tar --numeric-owner --xattrs -C "$work/rootfs" \
    --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' \
    -cf "$work/rootfs.tar" .
mv "$work/rootfs.tar" "$out"
echo "$out"
