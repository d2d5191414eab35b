#!/bin/bash
# The engine side by side with Podman and Docker:
#   - `run --rm IMAGE true` of the same busybox image (imported into each),
#     on the default network and with --network none (hyperfine);
#   - the memory one idle detached container keeps on the host besides its
#     own processes: hull's monitor, Podman's conmon, Docker's
#     containerd-shim (RSS and PSS of each, from /proc).
#
#   bench/engine.sh [-n RUNS] [-w WARMUP] [-b BUILD]
#
# Prints hyperfine's report, a table of the means and of the memory, and
# the ratios podman/hull and docker/hull (above 1: hull is faster, or
# smaller).  Engines that are not installed or cannot run here are left
# out.  Measures only: there are no thresholds.
#
# Podman and Docker each run inside a network namespace made here (entered
# with nsenter, which keeps the host's mounts and cgroups), so their
# bridges and firewall rules never touch the host's; their storage is in a
# temporary directory.  Podman gets a containers.conf of its own
# (default_ulimits: there is no CAP_SYS_RESOURCE here; cgroupfs: no
# systemd).  dockerd is started by hand and stopped by its pid.  hull uses
# a state root of its own.  Each engine's runtime state (hull's run root,
# Podman's runroot, dockerd's exec root) is on a tmpfs made here, as /run
# is on a usual host (not on this VM); the rest is in the temporary
# directory.
set -euo pipefail

cd "$(dirname "$0")/.."
TOP="$PWD"
RUNS=30
WARMUP=3
BUILD="${BUILD:-build}"

usage() {
    sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//' >&2
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

WORK="$(mktemp -d /tmp/hull-enginebench-XXXXXX)"
TAG="hullengine$$"
DOCKERD_PID=
RUN="$WORK/run"

hull_cmd() {
    HULL_ROOT="$WORK/hull" HULL_RUNROOT="$RUN/hull" "$HULL" "$@"
}

podman_cmd() {
    nsenter --net="/run/netns/$TAG-podman" env CONTAINERS_CONF="$WORK/containers.conf" \
        "$PODMAN" --root "$WORK/podman" --runroot "$RUN/podman" "$@"
}

docker_cmd() {
    "$DOCKER" -H "unix://$WORK/docker.sock" "$@"
}

cleanup() {
    set +e
    hull_cmd rm -f bench-idle >/dev/null 2>&1
    if [ -n "$PODMAN" ] && [ -d "$WORK/podman" ]; then
        podman_cmd rm -af -t 0 >/dev/null 2>&1
        podman_cmd system reset -f >/dev/null 2>&1
    fi
    if [ -n "$DOCKERD_PID" ]; then
        docker_cmd rm -f bench-idle >/dev/null 2>&1
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
mkdir "$RUN"
mount -t tmpfs -o mode=0700 hull-enginebench "$RUN"

# new_netns NAME: a network namespace with lo up for one engine.
new_netns() {
    ip netns add "$TAG-$1"
    ip -n "$TAG-$1" link set lo up
}

start_dockerd() {
    local i
    new_netns docker
    nsenter --net="/run/netns/$TAG-docker" "$DOCKERD" --data-root "$WORK/docker" \
        --exec-root "$RUN/docker-exec" --pidfile "$WORK/docker.pid" \
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

# kb PID FIELD: a /proc memory figure of PID in kB (VmRSS from status, Pss
# from smaps_rollup), 0 when the process is gone.
kb() {
    local file=status
    [ "$2" = Pss ] && file=smaps_rollup
    awk -v f="$2:" '$1 == f { print $2; found = 1 } END { if (!found) print 0 }' \
        "/proc/$1/$file" 2>/dev/null || echo 0
}

IMAGE_TAR="$(HULL_CACHE="$WORK" tests/lib/busybox-image.sh)"
ENGINES=(hull)
declare -A HELPER_PID
hull_cmd import "$IMAGE_TAR" busybox >/dev/null
hull_cmd run --rm busybox true || die "hull cannot run the image"
hull_cmd run --rm --network none busybox true || die "hull cannot run the image"
COMMANDS=(
    --command-name hull-default "HULL_ROOT=$WORK/hull HULL_RUNROOT=$RUN/hull $HULL run --rm busybox true"
    --command-name hull-none "HULL_ROOT=$WORK/hull HULL_RUNROOT=$RUN/hull $HULL run --rm --network none busybox true"
)

if [ -n "$PODMAN" ]; then
    new_netns podman
    cat >"$WORK/containers.conf" <<'EOF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
    podman_cmd import "$IMAGE_TAR" busybox-bench >/dev/null 2>&1 || true
    P="nsenter --net=/run/netns/$TAG-podman env CONTAINERS_CONF=$WORK/containers.conf $PODMAN --root $WORK/podman --runroot $RUN/podman"
    if podman_cmd run --rm busybox-bench true >/dev/null 2>&1; then
        ENGINES+=(podman)
        COMMANDS+=(--command-name podman-default "$P run --rm busybox-bench true"
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
        COMMANDS+=(--command-name docker-default "$D run --rm busybox-bench true"
            --command-name docker-none "$D run --rm --network none busybox-bench true")
    else
        echo "bench: docker cannot run here, left out" >&2
    fi
else
    echo "bench: docker not installed, left out" >&2
fi

hyperfine --runs "$RUNS" --warmup "$WARMUP" --export-json "$WORK/results.json" "${COMMANDS[@]}"

# One idle detached container per engine, and the process each keeps for
# it on the host.
hull_cmd run -d --name bench-idle busybox sleep 3600 >/dev/null
HELPER_PID[hull]="$(jq -r .state.monitor_pid "$WORK/hull/containers/$(hull_cmd ps -q --no-trunc --filter name=bench-idle)/hull.json")"
if [[ " ${ENGINES[*]} " == *" podman "* ]]; then
    podman_cmd run -d --name bench-idle busybox-bench sleep 3600 >/dev/null
    HELPER_PID[podman]="$(podman_cmd inspect --format '{{.State.ConmonPid}}' bench-idle)"
fi
if [[ " ${ENGINES[*]} " == *" docker "* ]]; then
    id="$(docker_cmd run -d --name bench-idle busybox-bench sleep 3600)"
    HELPER_PID[docker]="$(pgrep -f -- "containerd-shim-runc-v2 .*-id $id" | head -1 || true)"
    [ -n "${HELPER_PID[docker]}" ] ||
        HELPER_PID[docker]="$(pgrep -f -- "containerd-shim.*$id" | head -1 || true)"
fi
sleep 1

mean_ms() {
    jq -r --arg n "$1" '.results[] | select(.command == $n) | .mean * 1000' "$WORK/results.json"
}

ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "-" }'
}

declare -A HELPER=([hull]=hull-monitor [podman]=conmon [docker]=containerd-shim)
echo
printf '%-8s %14s %12s %18s %10s %10s\n' engine "default (ms)" "none (ms)" "per-container" \
    "RSS (kB)" "PSS (kB)"
for e in "${ENGINES[@]}"; do
    pid="${HELPER_PID[$e]:-0}"
    printf '%-8s %14.2f %12.2f %18s %10s %10s\n' "$e" "$(mean_ms "$e-default")" \
        "$(mean_ms "$e-none")" "${HELPER[$e]}" "$(kb "$pid" VmRSS)" "$(kb "$pid" Pss)"
done
echo
for e in podman docker; do
    [[ " ${ENGINES[*]} " == *" $e "* ]] || continue
    printf '%s/hull: run --rm %s (default network), %s (--network none); memory %s (RSS), %s (PSS)\n' \
        "$e" "$(ratio "$(mean_ms "$e-default")" "$(mean_ms hull-default)")" \
        "$(ratio "$(mean_ms "$e-none")" "$(mean_ms hull-none)")" \
        "$(ratio "$(kb "${HELPER_PID[$e]:-0}" VmRSS)" "$(kb "${HELPER_PID[hull]}" VmRSS)")" \
        "$(ratio "$(kb "${HELPER_PID[$e]:-0}" Pss)" "$(kb "${HELPER_PID[hull]}" Pss)")"
done
