#!/bin/bash
# What bridge networking adds to starting a container: `run --rm IMAGE true`
# on the default bridge network against the same with `--network none`,
# for hull, Podman (netavark) and Docker, side by side (hyperfine).
#
#   bench/network.sh [-n RUNS] [-w WARMUP] [-b BUILD]
#
# Prints hyperfine's report, then per engine the mean of both runs and
# their difference (the milliseconds the bridge network adds per
# container; hull's target is under 5), and the ratios podman/hull and
# docker/hull of those differences (above 1: hull adds less).  Engines that
# are not installed are left out.  Measures only: there are no thresholds.
#
# Podman and Docker each run inside a network namespace made here (entered
# with nsenter, which keeps the host's mounts and cgroups), so their
# bridges and iptables rules never touch the host's; their storage is in a
# temporary directory, dockerd is started by hand and stopped by its pid.
# Podman gets a containers.conf of its own (default_ulimits: no
# CAP_SYS_RESOURCE here; cgroupfs: no systemd).  hull uses a state root of
# its own and the host's default network, made on first use like docker0.
set -euo pipefail

cd "$(dirname "$0")/.."
TOP="$PWD"
RUNS=30
WARMUP=3
BUILD="${BUILD:-build}"

usage() {
    sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2
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
for tool in hyperfine jq nsenter; do
    command -v "$tool" >/dev/null || die "$tool not found"
done
HULL="$BUILD/src/hull/hull"
[ -x "$HULL" ] || die "hull not found at $HULL (ninja -C $BUILD)"
PODMAN="$(command -v podman || true)"
DOCKERD="$(command -v dockerd || true)"
DOCKER=/usr/bin/docker
[ -x "$DOCKER" ] || DOCKER="$(command -v docker || true)"

WORK="$(mktemp -d /tmp/hull-netbench-XXXXXX)"
TAG="hullbench$$"
DOCKERD_PID=

cleanup() {
    set +e
    if [ -n "$PODMAN" ] && [ -d "$WORK/podman" ]; then
        podman_cmd rm -af >/dev/null 2>&1
        podman_cmd system reset -f >/dev/null 2>&1
    fi
    if [ -n "$DOCKERD_PID" ]; then
        kill "$DOCKERD_PID"
        wait "$DOCKERD_PID" 2>/dev/null
    fi
    ip netns del "$TAG-podman" 2>/dev/null
    ip netns del "$TAG-docker" 2>/dev/null
    awk -v dir="$WORK" 'index($5, dir) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
        xargs -r umount -l
    rm -rf "$WORK"
}
trap cleanup EXIT

IMAGE_TAR="$(HULL_CACHE="$WORK" tests/lib/busybox-image.sh)"

hull_cmd() {
    HULL_ROOT="$WORK/hull" HULL_RUNROOT="$WORK/hull-run" "$HULL" "$@"
}

podman_cmd() {
    nsenter --net="/run/netns/$TAG-podman" env CONTAINERS_CONF="$WORK/containers.conf" \
        "$PODMAN" --root "$WORK/podman" --runroot "$WORK/podman-run" "$@"
}

docker_cmd() {
    "$DOCKER" -H "unix://$WORK/docker.sock" "$@"
}

# new_netns NAME: a network namespace with lo up for one engine.
new_netns() {
    ip netns add "$TAG-$1"
    ip -n "$TAG-$1" link set lo up
}

start_dockerd() {
    local i
    new_netns docker
    nsenter --net="/run/netns/$TAG-docker" "$DOCKERD" --data-root "$WORK/docker" \
        --exec-root "$WORK/docker-exec" --pidfile "$WORK/docker.pid" \
        -H "unix://$WORK/docker.sock" >"$WORK/dockerd.log" 2>&1 &
    DOCKERD_PID=$!
    for ((i = 0; i < 300; i++)); do
        docker_cmd version >/dev/null 2>&1 && return 0
        kill -0 "$DOCKERD_PID" 2>/dev/null || break
        sleep 0.1
    done
    tail -20 "$WORK/dockerd.log" >&2
    return 1
}

ENGINES=(hull)
COMMANDS=()
hull_cmd import "$IMAGE_TAR" busybox >/dev/null
COMMANDS+=(--command-name hull-bridge "HULL_ROOT=$WORK/hull HULL_RUNROOT=$WORK/hull-run $HULL run --rm busybox true"
    --command-name hull-none "HULL_ROOT=$WORK/hull HULL_RUNROOT=$WORK/hull-run $HULL run --rm --network none busybox true")

if [ -n "$PODMAN" ]; then
    new_netns podman
    cat >"$WORK/containers.conf" <<'EOF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
    podman_cmd import "$IMAGE_TAR" busybox-bench >/dev/null 2>&1
    P="nsenter --net=/run/netns/$TAG-podman env CONTAINERS_CONF=$WORK/containers.conf $PODMAN --root $WORK/podman --runroot $WORK/podman-run"
    if podman_cmd run --rm busybox-bench true >/dev/null 2>&1; then
        ENGINES+=(podman)
        COMMANDS+=(--command-name podman-bridge "$P run --rm busybox-bench true"
            --command-name podman-none "$P run --rm --network none busybox-bench true")
    else
        echo "bench: podman cannot run here, left out" >&2
    fi
else
    echo "bench: podman not installed, left out" >&2
fi

if [ -n "$DOCKERD" ] && [ -n "$DOCKER" ]; then
    if start_dockerd && docker_cmd import "$IMAGE_TAR" busybox-bench >/dev/null &&
        docker_cmd run --rm busybox-bench true; then
        ENGINES+=(docker)
        D="$DOCKER -H unix://$WORK/docker.sock"
        COMMANDS+=(--command-name docker-bridge "$D run --rm busybox-bench true"
            --command-name docker-none "$D run --rm --network none busybox-bench true")
    else
        echo "bench: docker cannot run here, left out" >&2
    fi
else
    echo "bench: docker not installed, left out" >&2
fi

# A failing command would otherwise be timed on its error path.
hull_cmd run --rm busybox true || die "hull cannot run the image"
hull_cmd run --rm --network none busybox true || die "hull cannot run the image"

hyperfine --runs "$RUNS" --warmup "$WARMUP" --export-json "$WORK/results.json" "${COMMANDS[@]}"

mean_ms() {
    jq -r --arg n "$1" '.results[] | select(.command == $n) | .mean * 1000' "$WORK/results.json"
}

echo
printf '%-8s %12s %12s %14s\n' engine "bridge (ms)" "none (ms)" "added (ms)"
declare -A ADDED
for e in "${ENGINES[@]}"; do
    bridge="$(mean_ms "$e-bridge")"
    none="$(mean_ms "$e-none")"
    ADDED[$e]="$(awk -v a="$bridge" -v b="$none" 'BEGIN { print a - b }')"
    printf '%-8s %12.2f %12.2f %14.2f\n' "$e" "$bridge" "$none" "${ADDED[$e]}"
done
for e in podman docker; do
    [ -n "${ADDED[$e]:-}" ] || continue
    # Within the noise hull's difference can be zero or negative: a ratio
    # would then mean nothing.
    awk -v e="$e" -v a="${ADDED[$e]}" -v b="${ADDED[hull]}" 'BEGIN {
        if (b > 0.01)
            printf "%s/hull (added time): %.1f\n", e, a / b
        else
            printf "%s/hull (added time): hull adds no measurable time (%.2f ms), %s adds %.2f ms\n", e, b, e, a
    }'
done
