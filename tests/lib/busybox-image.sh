#!/bin/bash
# Builds the busybox image tarball (like the output of `docker export`) from
# Debian's busybox-static: /bin/busybox with a symlink for every applet, as
# `busybox --install -s` would make them, /etc/passwd and /etc/group with
# root and nobody, and a sticky world-writable /tmp.
#
#   tests/lib/busybox-image.sh [OUTPUT.tar]
#
# OUTPUT defaults to $HULL_CACHE/busybox.tar (HULL_CACHE defaults to
# /var/cache/hull-tests).  The tarball is rebuilt only when it is missing or
# older than /bin/busybox; its path is printed on standard output.  Members
# are sorted, owned by 0:0 and dated like /bin/busybox, so the same busybox
# always gives the same bytes (and the same layer digest).
set -euo pipefail

BUSYBOX="${BUSYBOX:-/bin/busybox}"
HULL_CACHE="${HULL_CACHE:-/var/cache/hull-tests}"
out="${1:-$HULL_CACHE/busybox.tar}"

die() {
    echo "busybox-image: $*" >&2
    exit 1
}

[ -x "$BUSYBOX" ] || die "$BUSYBOX not found (apt-get install busybox-static)"
# A dynamically linked busybox would not run in an image without libc.
if ! LC_ALL=C file -b "$BUSYBOX" 2>/dev/null | grep -q 'statically linked'; then
    [ -z "$(command -v file)" ] || die "$BUSYBOX is not statically linked"
fi

if [ -s "$out" ] && [ "$out" -nt "$BUSYBOX" ]; then
    echo "$out"
    exit 0
fi

mkdir -p "$(dirname "$out")"
work="$(mktemp -d "$(dirname "$out")/.busybox-XXXXXX")"
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"

mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,root,home,var,proc,sys,dev,tmp,run}
chmod 1777 "$root/tmp"
chmod 0700 "$root/root"
install -m 0755 "$BUSYBOX" "$root/bin/busybox"
"$BUSYBOX" --list-full | while read -r applet; do
    [ "$applet" = bin/busybox ] && continue
    mkdir -p "$root/$(dirname "$applet")"
    ln -sf /bin/busybox "$root/$applet"
done

cat >"$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat >"$root/etc/group" <<'GROUP'
root:x:0:
nobody:x:65534:
GROUP
chmod 0644 "$root/etc/passwd" "$root/etc/group"

tar --sort=name --numeric-owner --owner=0 --group=0 \
    --mtime="@$(stat -c %Y "$BUSYBOX")" -C "$root" -cf "$work/image.tar" .
mv "$work/image.tar" "$out"
echo "$out"
