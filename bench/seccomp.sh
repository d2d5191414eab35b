#!/bin/bash
# What the cache of compiled seccomp programs saves at container start:
# `hull run --rm --network none IMAGE true` with hull's default profile
# and a warm cache, with the cache emptied before every run (the profile
# is validated and compiled by libseccomp each time), and with
# --security-opt seccomp=unconfined (no filter at all), side by side
# (hyperfine).  Prints hyperfine's report, then the means and the ratio
# cold/warm.  Measures only: there are no thresholds.
#
#   bench/seccomp.sh [-n RUNS] [-b BUILD]     (needs root, hyperfine)
#
# The image is a busybox root filesystem imported into a state root of its
# own under a temporary directory, removed afterwards.
set -euo pipefail

cd "$(dirname "$0")/.."
TOP="$PWD"
RUNS=20
BUILD="${BUILD:-build}"
while getopts n:b: opt; do
    case "$opt" in
    n) RUNS="$OPTARG" ;;
    b) BUILD="$OPTARG" ;;
    *) exit 2 ;;
    esac
done
[[ "$BUILD" == /* ]] || BUILD="$TOP/$BUILD"
HULL="$BUILD/src/hull/hull"

for t in hyperfine jq busybox; do
    command -v "$t" >/dev/null || {
        echo "bench/seccomp: $t not found" >&2
        exit 1
    }
done
[ -x "$HULL" ] || {
    echo "bench/seccomp: $HULL not found (ninja -C $BUILD)" >&2
    exit 1
}

WORK="$(mktemp -d /tmp/hull-bench-seccomp-XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
export HULL_ROOT="$WORK/state" HULL_RUNROOT="$WORK/run"
mkdir -p "$WORK/rootfs/bin" "$WORK/rootfs/etc"
cp "$(command -v busybox)" "$WORK/rootfs/bin/busybox"
ln -s busybox "$WORK/rootfs/bin/true"
echo 'root:x:0:0:root:/:/bin/true' >"$WORK/rootfs/etc/passwd"
tar --numeric-owner -C "$WORK/rootfs" -cf "$WORK/image.tar" .
"$HULL" import "$WORK/image.tar" bench-seccomp >/dev/null

RUN="$HULL run --rm --network none bench-seccomp true"
hyperfine --runs "$RUNS" --warmup 2 --export-json "$WORK/result.json" \
    -n warm-cache "$RUN" \
    -n cold-cache --prepare "rm -rf $HULL_ROOT/cache/seccomp" "$RUN" \
    -n unconfined "$HULL run --rm --network none --security-opt seccomp=unconfined bench-seccomp true"

jq -r '.results | map({(.command): .mean}) | add as $m
    | "warm cache  \($m["warm-cache"] * 1000 | floor) ms",
      "cold cache  \($m["cold-cache"] * 1000 | floor) ms",
      "unconfined  \($m["unconfined"] * 1000 | floor) ms",
      "cold/warm   \($m["cold-cache"] / $m["warm-cache"] * 100 | floor / 100)",
      "saved per start by the cache: \(($m["cold-cache"] - $m["warm-cache"]) * 1000 | floor) ms"' \
    "$WORK/result.json"
