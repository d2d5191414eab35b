#!/bin/bash
# Side-by-side start-up cost of hullrt, crun and runc: `RUNTIME run` of a
# busybox bundle whose process is `true`, timed by hyperfine.
#
#   bench/runtime.sh [-n RUNS] [-w WARMUP] [-b BUILD]
#
# Each runtime gets its own --root, every run its own container id.  Prints
# hyperfine's report, then the mean time of each runtime and the ratios
# crun/hullrt and runc/hullrt (above 1: hullrt is faster).  Runtimes that are
# not installed are left out.  Measures only: there are no thresholds.
#
# crun refuses to run on a cgroup v1 hybrid host until the hugetlb
# controller is bound to a v1 hierarchy, so the script mounts one when
# needed and unmounts it when done.
set -euo pipefail

cd "$(dirname "$0")/.."
TOP="$PWD"
RUNS=50
WARMUP=3
BUILD="${BUILD:-build}"

usage() {
    sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

while getopts "n:w:b:h" opt; do
    case "$opt" in
    n) RUNS="$OPTARG" ;;
    w) WARMUP="$OPTARG" ;;
    b) BUILD="$OPTARG" ;;
    *) usage ;;
    esac
done
[[ "$BUILD" == /* ]] || BUILD="$TOP/$BUILD"

die() {
    echo "bench: $*" >&2
    exit 1
}

[ "$(id -u)" -eq 0 ] || die "needs root"
command -v hyperfine >/dev/null || die "hyperfine not found (apt-get install hyperfine)"
command -v jq >/dev/null || die "jq not found"

declare -A RT
RT[hullrt]="$BUILD/src/hullrt/hullrt"
RT[crun]="$(command -v crun || true)"
RT[runc]="$(command -v runc || true)"
[ -x "${RT[hullrt]}" ] || die "hullrt not found at ${RT[hullrt]} (ninja -C $BUILD)"
NAMES=()
for name in hullrt crun runc; do
    if [ -n "${RT[$name]}" ] && [ -x "${RT[$name]}" ]; then
        NAMES+=("$name")
    else
        echo "bench: $name not installed, left out" >&2
    fi
done

WORK="$(mktemp -d /tmp/hull-bench-XXXXXX)"
HUGETLB_MNT=/run/hull-hugetlb
MOUNTED_HUGETLB=0

cleanup() {
    local name id
    for name in "${NAMES[@]}"; do
        [ -d "$WORK/root-$name" ] || continue
        for id in $("${RT[$name]}" --root "$WORK/root-$name" list -q 2>/dev/null); do
            "${RT[$name]}" --root "$WORK/root-$name" delete -f "$id" >/dev/null 2>&1 || true
        done
    done
    if [ "$MOUNTED_HUGETLB" -eq 1 ]; then
        umount "$HUGETLB_MNT" && rmdir "$HUGETLB_MNT"
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

hugetlb_bound() {
    awk '$9 == "cgroup" && $0 ~ /hugetlb/ { found = 1 } END { exit !found }' /proc/self/mountinfo
}

if [[ " ${NAMES[*]} " == *" crun "* ]] && ! hugetlb_bound; then
    mkdir -p "$HUGETLB_MNT"
    mount -t cgroup -o hugetlb cgroup "$HUGETLB_MNT"
    MOUNTED_HUGETLB=1
fi

# The bundle: the busybox image and the tests' config template, running
# `true` without a terminal.
BUNDLE="$WORK/bundle"
mkdir -p "$BUNDLE/rootfs"
tar -C "$BUNDLE/rootfs" -xf "$(HULL_CACHE="$WORK" tests/lib/busybox-image.sh)"
jq '.process.args = ["/bin/true"] | .process.terminal = false | .hostname = "bench"' \
    tests/integration/config.json.in >"$BUNDLE/config.json"

# One command per runtime; $$ (the shell hyperfine starts for each run)
# makes every container id unique.
COMMANDS=()
for name in "${NAMES[@]}"; do
    mkdir -p "$WORK/root-$name"
    COMMANDS+=(--command-name "$name"
        "${RT[$name]} --root $WORK/root-$name run --bundle $BUNDLE bench-$name-\$\$")
    # A failing runtime would otherwise be timed on its error path.
    "${RT[$name]}" --root "$WORK/root-$name" run --bundle "$BUNDLE" "bench-$name-check" ||
        die "$name cannot run the bundle"
done

hyperfine --runs "$RUNS" --warmup "$WARMUP" --export-json "$WORK/results.json" "${COMMANDS[@]}"

mean_ms() {
    jq -r --arg n "$1" '.results[] | select(.command == $n) | .mean * 1000' "$WORK/results.json"
}

echo
printf '%-8s %10s\n' runtime "mean (ms)"
for name in "${NAMES[@]}"; do
    printf '%-8s %10.2f\n' "$name" "$(mean_ms "$name")"
done
hull_mean="$(mean_ms hullrt)"
for name in crun runc; do
    [[ " ${NAMES[*]} " == *" $name "* ]] || continue
    printf '%s/hullrt: %.2f\n' "$name" "$(echo "$(mean_ms "$name") $hull_mean" | awk '{ print $1 / $2 }')"
done
