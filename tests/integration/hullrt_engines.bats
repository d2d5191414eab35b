#!/usr/bin/env bats
# Podman (through conmon), and Docker (through containerd's runc v2 shim),
# driving hullrt unchanged, as they would drive runc.
#
# Each peer runs with state of its own under $ENG: Podman with a private
# containers.conf (cgroupfs, no journald), storage, run and tmp dirs and a
# CNI bridge made for this run (no masquerade, no firewall rules); Docker as
# a containerd and a dockerd started here with private roots and sockets, no
# bridge and no iptables.  Containers go under cgroup parents named after
# this run.  teardown_file removes the containers, stops the daemons it
# started by their pids, and removes the bridge, the cgroups, any mount
# under $ENG and $ENG itself.
#
# HULLRT=runc runs the same tests against runc.  A peer that is not
# installed skips its tests, saying so; one that is installed but fails to
# start fails them.

load helpers
bats_require_minimum_version 1.5.0

IMAGE_TAR=/var/cache/hull-tests/busybox.tar
# The container's memory limit, seen through its cgroup namespace (v1 or v2).
MEMORY_LIMIT='cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max'

setup_file() {
    hull_setup_file
    [ -f "$IMAGE_TAR" ] || {
        echo "missing $IMAGE_TAR: run tests/run fixtures" >&2
        return 1
    }
    # Short: dockerd's and containerd's socket paths must fit sun_path.
    ENG="$(mktemp -d /tmp/hull-eng.XXXXXX)"
    TAG="hulleng$BATS_ROOT_PID"
    CGPARENT="/hull-eng-$BATS_ROOT_PID"
    export ENG TAG CGPARENT
    if command -v podman >/dev/null; then
        podman_setup
    fi
    if command -v dockerd >/dev/null && command -v docker >/dev/null &&
        command -v containerd >/dev/null && command -v ctr >/dev/null; then
        docker_setup
    fi
}

teardown_file() {
    if [ -n "${ENG:-}" ] && [ -d "$ENG" ]; then
        [ ! -f "$ENG/podman.conf" ] || podman_teardown
        [ ! -f "$ENG/containerd.pid" ] || docker_teardown
        remove_cgroups
        awk -v dir="$ENG/" 'index($5, dir) == 1 { print $5 }' /proc/self/mountinfo |
            sort -r | while read -r m; do umount "$m" || umount -l "$m"; done
        rm -rf "$ENG"
    fi
    hull_teardown_file
}

setup() {
    :
}

teardown() {
    :
}

remove_cgroups() {
    local d
    for d in /sys/fs/cgroup/*/"${CGPARENT#/}"; do
        [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
    done
    return 0
}

# ---- Podman ----

# A /24 no route of the host uses yet, for the run's bridge.
free_subnet() {
    local a b
    for _ in $(seq 50); do
        a=$((200 + RANDOM % 50)) b=$((RANDOM % 250 + 1))
        ip -4 route | grep -q "^10\.$a\.$b\." || {
            echo "10.$a.$b"
            return 0
        }
    done
    return 1
}

podman_setup() {
    local net="$ENG/podman"
    SUBNET="$(free_subnet)"
    BRIDGE="hle$BATS_ROOT_PID"
    export SUBNET BRIDGE
    mkdir -p "$net"/{root,runroot,tmp,cni,ipam}
    cat >"$net/cni/$TAG.conflist" <<EOF
{"cniVersion": "0.4.0", "name": "$TAG", "plugins": [{"type": "bridge", "bridge": "$BRIDGE",
 "isGateway": true, "ipMasq": false, "ipam": {"type": "host-local", "dataDir": "$net/ipam",
 "ranges": [[{"subnet": "$SUBNET.0/24", "gateway": "$SUBNET.1"}]],
 "routes": [{"dst": "0.0.0.0/0"}]}}]}
EOF
    # The ulimits: podman's default nproc is above this VM's hard limit.
    cat >"$ENG/podman.conf" <<EOF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$net/events.log"
tmp_dir = "$net/tmp"
[network]
network_backend = "cni"
network_config_dir = "$net/cni"
default_network = "$TAG"
EOF
    # A script rather than a function: script(1) runs it under a terminal.
    cat >"$ENG/pm" <<EOF
#!/bin/sh
export CONTAINERS_CONF="$ENG/podman.conf"
exec podman --root "$net/root" --runroot "$net/runroot" --tmpdir "$net/tmp" \\
    --storage-driver overlay --runtime "$HULLRT" "\$@"
EOF
    chmod +x "$ENG/pm"
    pm import "$IMAGE_TAR" "localhost/$TAG:latest" >/dev/null
}

# pm ARGS: podman with the private configuration and hullrt.  Descriptor 3
# (bats's) is closed so conmon, which stays, cannot hold the test open.
pm() {
    "$ENG/pm" "$@" 3>&-
}

# pm_run ARGS: podman run under this run's cgroup parent.
pm_run() {
    pm run --cgroup-parent "$CGPARENT" "$@"
}

podman_teardown() {
    pm rm --all --force --time 0 >/dev/null 2>&1 || true
    pm network rm --force "$TAG" >/dev/null 2>&1 || true
    if ip link show "$BRIDGE" >/dev/null 2>&1; then
        ip link del "$BRIDGE"
    fi
}

need_podman() {
    command -v podman >/dev/null || skip "podman is not installed"
    command -v conmon >/dev/null || skip "conmon is not installed"
}

need_cni() {
    [ -x /usr/lib/cni/bridge ] && [ -x /usr/lib/cni/host-local ] ||
        skip "the CNI plugins are not installed (containernetworking-plugins)"
}

# The runtime's own record of a container, which delete must have removed.
assert_runtime_forgot() {
    run "$HULLRT" "$@"
    assert_failure
    assert_output --partial "does not exist"
}

@test "podman: run --rm returns the container's output and exit status" {
    need_podman
    run pm_run --rm --network none "localhost/$TAG" sh -c 'echo "out $((6 * 7))"; echo err >&2'
    assert_success
    assert_line "out 42"
    assert_line err

    run pm_run --rm --network none "localhost/$TAG" sh -c 'exit 42'
    assert_equal "$status" 42

    run -127 pm_run --rm --network none "localhost/$TAG" /no/such/cmd
    assert_output --partial /no/such/cmd
}

@test "podman: -d, exec, pause, unpause, stop, logs and rm" {
    need_podman
    local name="$TAG-life" id
    pm_run -d --name "$name" --network none "localhost/$TAG" sh -c \
        'echo started; trap "echo got-term; exit 9" TERM; while :; do sleep 0.1; done' >/dev/null
    id="$(pm inspect --format '{{.Id}}' "$name")"

    run pm exec "$name" sh -c 'echo "in $(hostname)"; exit 5'
    assert_equal "$status" 5
    assert_output "in ${id:0:12}"

    pm pause "$name"
    run pm inspect --format '{{.State.Status}}' "$name"
    assert_output paused
    run "$HULLRT" state "$id"
    assert_equal "$(jq -r .status <<<"$output")" paused
    pm unpause "$name"
    run pm inspect --format '{{.State.Status}}' "$name"
    assert_output running

    pm stop --time 30 "$name"
    run pm inspect --format '{{.State.Status}} {{.State.ExitCode}}' "$name"
    assert_output "exited 9"
    run pm logs "$name"
    assert_line started
    assert_line got-term

    pm rm "$name"
    assert_runtime_forgot state "$id"
}

# Drops from $output and $lines what the terminals add: carriage returns,
# and the "^@" echo of a NUL byte that conmon's terminal may show before
# or after the output (with runc as well).
strip_tty_noise() {
    output="${output//$'\r'/}"
    output="${output//^@/}"
    mapfile -t lines <<<"$output"
}

@test "podman: -it and exec -it get a terminal through the console socket" {
    need_podman
    command -v script >/dev/null || skip "script (bsdutils) is not installed"
    local name="$TAG-tty"
    # script gives podman a terminal of its own, so conmon asks the runtime
    # for the container's over --console-socket.  The commands go in through
    # the terminal: podman can lose what a process prints before it has
    # attached, but not the answer to input that went through the attachment.
    run script -qec "$ENG/pm run --cgroup-parent $CGPARENT --rm -it --network none \
        localhost/$TAG sh" /dev/null <<<$'tty\nexit 7'
    assert_equal "$status" 7
    strip_tty_noise
    assert_line /dev/pts/0

    pm_run -d --name "$name" --network none "localhost/$TAG" sleep 600 >/dev/null
    run script -qec "$ENG/pm exec -it $name sh" /dev/null <<<$'tty\nexit 6'
    assert_equal "$status" 6
    strip_tty_noise
    assert_line --regexp '^/dev/pts/[0-9]+$'
    pm rm --force --time 0 "$name" >/dev/null
}

@test "podman: --memory and --device reach the container, kill reports the signal" {
    need_podman
    local name="$TAG-res"
    pm_run -d --name "$name" --network none --memory 64m --device /dev/null:/dev/hull-null \
        "localhost/$TAG" sleep 600 >/dev/null

    run pm exec "$name" sh -c "$MEMORY_LIMIT"
    assert_output $((64 << 20))
    # Podman writes the node's whole st_mode (type bits included) as fileMode.
    run pm exec "$name" sh -c 'stat -c "%t:%T %A" /dev/hull-null && echo x >/dev/hull-null'
    assert_success
    assert_output "1:3 crw-rw-rw-"

    pm kill --signal KILL "$name" >/dev/null
    pm wait "$name" >/dev/null
    run pm inspect --format '{{.State.Status}} {{.State.ExitCode}}' "$name"
    assert_output "exited 137"
    pm rm "$name" >/dev/null
}

@test "podman: the default network is a bridge to the host, --network none has only lo" {
    need_podman
    need_cni
    run pm_run --rm --cap-add NET_RAW "localhost/$TAG" sh -c \
        "ip -4 -o addr show eth0; ping -c 1 -W 10 $SUBNET.1 >/dev/null && echo reached"
    assert_success
    assert_output --regexp "inet $SUBNET\.[0-9]+/24"
    assert_line reached

    run pm_run --rm --network none "localhost/$TAG" sh -c 'ls /sys/class/net'
    assert_success
    assert_output lo
}

# ---- Docker through containerd ----

# wait_for CMD...: until CMD succeeds (30 s at most, for a slow machine).
wait_for() {
    for _ in $(seq 300); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}

# containerd first, explicitly: dockerd alone would use a containerd already
# listening on /run/containerd/containerd.sock instead of starting its own.
containerd_start() {
    local d="$ENG/docker"
    cat >"$d/containerd.toml" <<EOF
version = 2
root = "$d/ctrd-root"
state = "$d/ctrd-state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
address = "$d/ctrd.sock"
[ttrpc]
address = "$d/ctrd.sock.ttrpc"
[debug]
address = "$d/ctrd-debug.sock"
EOF
    containerd --config "$d/containerd.toml" >"$d/containerd.log" 2>&1 3>&- &
    echo $! >"$ENG/containerd.pid"
    wait_for ctr --address "$d/ctrd.sock" version || {
        echo "containerd did not start:" >&2
        tail -20 "$d/containerd.log" >&2
        return 1
    }
}

docker_setup() {
    local d="$ENG/docker"
    mkdir -p "$d"/{data,exec}
    containerd_start || return 1
    cat >"$d/daemon.json" <<EOF
{"runtimes": {"hull": {"path": "$HULLRT"}}, "bridge": "none", "iptables": false,
 "ip6tables": false, "ip-forward": false, "ip-masq": false, "userland-proxy": false,
 "storage-driver": "overlay2", "cgroup-parent": "$CGPARENT",
 "exec-opts": ["native.cgroupdriver=cgroupfs"]}
EOF
    dockerd --config-file "$d/daemon.json" --data-root "$d/data" --exec-root "$d/exec" \
        --pidfile "$d/dockerd.pid" --containerd "$d/ctrd.sock" --containerd-namespace "$TAG" \
        --containerd-plugins-namespace "$TAG-plugins" -H "unix://$d/docker.sock" \
        >"$d/dockerd.log" 2>&1 3>&- &
    echo $! >"$ENG/dockerd.pid"
    wait_for dk version || {
        echo "dockerd did not start:" >&2
        tail -20 "$d/dockerd.log" >&2
        return 1
    }
    dk import "$IMAGE_TAR" "$TAG:latest" >/dev/null
}

dk() {
    docker --host "unix://$ENG/docker/docker.sock" "$@" 3>&-
}

# stop_pid FILE: ends the daemon whose pid FILE holds, which this file
# started: SIGTERM, then SIGKILL if it is still there after 30 s.
stop_pid() {
    local pid
    [ -f "$1" ] || return 0
    pid="$(cat "$1")"
    kill -TERM "$pid" 2>/dev/null || return 0
    wait_for sh -c "! kill -0 $pid" || kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

docker_teardown() {
    dk ps -aq 2>/dev/null | while read -r c; do dk rm -f "$c" >/dev/null 2>&1; done
    stop_pid "$ENG/dockerd.pid"
    stop_pid "$ENG/containerd.pid"
}

need_docker() {
    command -v dockerd >/dev/null || skip "dockerd is not installed"
    command -v docker >/dev/null || skip "the docker client is not installed"
    command -v containerd >/dev/null || skip "containerd is not installed"
    command -v ctr >/dev/null || skip "ctr (containerd) is not installed"
}

@test "docker: run --rm through containerd's shim returns output, status and errors" {
    need_docker
    run dk run --runtime hull --rm "$TAG" sh -c 'echo "out $((6 * 7))"; exit 3'
    assert_equal "$status" 3
    assert_output "out 42"

    # The shim shows the runtime's last error from its --log json file.
    run -127 dk run --runtime hull --rm "$TAG" /no/such/cmd
    assert_output --partial /no/such/cmd
}

@test "docker: -d, exec, pause, update, stop and rm through containerd's shim" {
    need_docker
    local name="$TAG-life" id rtroot
    id="$(dk run --runtime hull -d --name "$name" --memory 64m "$TAG" sh -c \
        'echo started; trap "echo got-term; exit 9" TERM; while :; do sleep 0.1; done')"

    # The shim keeps the runtime's state under the exec root, per namespace.
    rtroot="$ENG/docker/exec/runtime-runc/$TAG"
    run "$HULLRT" --root "$rtroot" state "$id"
    assert_equal "$(jq -r .status <<<"$output")" running

    run dk exec "$name" sh -c 'echo in-exec; exit 5'
    assert_equal "$status" 5
    assert_output in-exec

    dk pause "$name" >/dev/null
    run "$HULLRT" --root "$rtroot" state "$id"
    assert_equal "$(jq -r .status <<<"$output")" paused
    dk unpause "$name" >/dev/null

    dk update --memory 128m --memory-swap 256m "$name" >/dev/null
    run dk exec "$name" sh -c "$MEMORY_LIMIT"
    assert_output $((128 << 20))

    dk stop --time 30 "$name" >/dev/null
    run dk inspect --format '{{.State.Status}} {{.State.ExitCode}}' "$name"
    assert_output "exited 9"
    run dk logs "$name"
    assert_line started
    assert_line got-term
    dk rm "$name" >/dev/null
    assert_runtime_forgot --root "$rtroot" state "$id"
}

@test "docker: -it and exec -it get a terminal from the shim's console socket" {
    need_docker
    command -v script >/dev/null || skip "script (bsdutils) is not installed"
    local name="$TAG-tty" dock="docker --host unix://$ENG/docker/docker.sock"
    run script -qec "$dock run --runtime hull --rm -it $TAG sh" /dev/null <<<$'tty\nexit 7'
    assert_equal "$status" 7
    strip_tty_noise
    assert_line /dev/pts/0

    dk run --runtime hull -d --name "$name" "$TAG" sleep 600 >/dev/null
    run script -qec "$dock exec -it $name sh" /dev/null <<<$'tty\nexit 6'
    assert_equal "$status" 6
    strip_tty_noise
    assert_line --regexp '^/dev/pts/[0-9]+$'
    dk rm -f "$name" >/dev/null
}
