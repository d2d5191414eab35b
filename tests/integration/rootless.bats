#!/usr/bin/env bats
# Rootless containers: an ordinary user (an account made for this file and
# removed after it, with its own subordinate id ranges) runs `hullrt run`
# of a `hullrt spec --rootless` config and `hull run --rm IMAGE id`.
# Everything the user makes lives in a directory of this file (its XDG
# directories), which teardown_file removes with the account.

load helpers

HULL="${HULL:-$BUILD/src/hull/hull}"

setup_file() {
    hull_setup_file
    RL_USER="hullrl$((BATS_ROOT_PID % 100000))"
    RL_DIR="$(mktemp -d /tmp/hull-rootless-XXXXXX)"
    # Ranges far from what useradd hands out, distinct per run.
    RL_SUB=$((1000000000 + (BATS_ROOT_PID % 1000) * 65536))
    useradd -M -d "$RL_DIR/home" -s /bin/sh "$RL_USER"
    usermod --add-subuids "$RL_SUB-$((RL_SUB + 65535))" \
        --add-subgids "$RL_SUB-$((RL_SUB + 65535))" "$RL_USER"
    chmod 755 "$RL_DIR"
    mkdir -p "$RL_DIR/home" "$RL_DIR/data" "$RL_DIR/run"
    chmod 700 "$RL_DIR/run"
    chown -R "$RL_USER:" "$RL_DIR/home" "$RL_DIR/data" "$RL_DIR/run"
    BUSYBOX_TAR="$("$HULL_TOP/tests/lib/busybox-image.sh" "$RL_DIR/busybox.tar")"
    chmod 644 "$BUSYBOX_TAR"
    export RL_USER RL_DIR RL_SUB BUSYBOX_TAR
}

teardown_file() {
    local pid
    # The account's processes are this file's (containers, monitors).
    for pid in $(pgrep -u "$RL_USER"); do
        kill -9 "$pid" 2>/dev/null || true
    done
    userdel "$RL_USER" 2>/dev/null || true
    sed -i "/^$RL_USER:/d" /etc/subuid /etc/subgid
    rm -rf "$RL_DIR"
    hull_teardown_file
}

setup() {
    WORK="$RL_DIR/t$BATS_SUITE_TEST_NUMBER"
    mkdir -p "$WORK/bundle/rootfs/"{proc,dev,sys,tmp}
    cp "$PROBE" "$WORK/bundle/rootfs/probe"
    chown -R "$RL_USER:" "$WORK"
}

teardown() {
    :
}

# as_user CMD...: CMD as the test account, with its XDG directories and
# nothing of root's environment.
as_user() {
    timeout --kill-after=10 "$HULL_TEST_TIMEOUT" runuser -u "$RL_USER" -- env -i \
        HOME="$RL_DIR/home" XDG_DATA_HOME="$RL_DIR/data" XDG_RUNTIME_DIR="$RL_DIR/run" \
        PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@" 3>&-
}

# rootless_spec: `hullrt spec --rootless` in the bundle, made by the user,
# with the probe as the process.
rootless_spec() {
    (cd "$WORK/bundle" && as_user "$HULLRT" spec --rootless)
    local tmp="$WORK/bundle/config.tmp"
    jq '.process.terminal = false | .process.args = ["/probe", "id"]' \
        "$WORK/bundle/config.json" >"$tmp"
    chown "$RL_USER:" "$tmp"
    mv "$tmp" "$WORK/bundle/config.json"
}

# rcfg FILTER: edits the bundle's config.json (jq), keeping its owner.
rcfg() {
    local tmp="$WORK/bundle/config.tmp"
    jq "$@" "$WORK/bundle/config.json" >"$tmp" && chown "$RL_USER:" "$tmp" &&
        mv "$tmp" "$WORK/bundle/config.json"
}

@test "hullrt run of a rootless spec maps the user to root" {
    hullrt_only
    rootless_spec
    run as_user "$HULLRT" run --bundle "$WORK/bundle" "rl-$BATS_SUITE_TEST_NUMBER"
    assert_success
    assert_output --regexp "^uid=0 gid=0 groups="
    # Its state went to the user's runtime directory and is gone again.
    [ -d "$RL_DIR/run/hullrt" ]
    [ -z "$(ls -A "$RL_DIR/run/hullrt")" ]
}

@test "hullrt maps the subordinate ranges through newuidmap and newgidmap" {
    hullrt_only
    rootless_spec
    local uid
    uid="$(id -u "$RL_USER")"
    rcfg --argjson u "$uid" --argjson s "$RL_SUB" '
        .linux.uidMappings = [{containerID: 0, hostID: $u, size: 1},
                              {containerID: 1, hostID: $s, size: 65536}]
        | .linux.gidMappings = .linux.uidMappings
        | .process.user = {uid: 1000, gid: 1000, additionalGids: [5]}
        | .process.args = ["/probe", "id", "+", "cat", "/proc/self/uid_map"]'
    run as_user "$HULLRT" run --bundle "$WORK/bundle" "rl-$BATS_SUITE_TEST_NUMBER"
    assert_success
    assert_line "uid=1000 gid=1000 groups=5"
    assert_line --regexp "^ +1 +$RL_SUB +65536$"
    # A range the user was not given is refused by newuidmap.
    rcfg '.linux.uidMappings[1].hostID = 5000000'
    run as_user "$HULLRT" run --bundle "$WORK/bundle" "rl-$BATS_SUITE_TEST_NUMBER"
    assert_failure
    assert_output --partial "newuidmap"
}

@test "rootless, a resource limit without a delegated cgroup is a clear error" {
    hullrt_only
    rootless_spec
    rcfg '.linux.resources = {memory: {limit: 104857600}}'
    run as_user "$HULLRT" run --bundle "$WORK/bundle" "rl-$BATS_SUITE_TEST_NUMBER"
    assert_failure
    assert_output --partial "linux.resources cannot be honoured: rootless, and no cgroup is delegated to this user"
    [ -z "$(ls -A "$RL_DIR/run/hullrt")" ]
}

@test "hull run --rm IMAGE id as an ordinary user" {
    hullrt_only
    run as_user "$HULL" import "$BUSYBOX_TAR" busybox
    assert_success
    [ -d "$RL_DIR/data/hull" ]
    run as_user "$HULL" run --rm --network none busybox sh -c \
        'id; stat -c "%u:%g %n" /bin/busybox /etc/passwd; cat /sys/class/net/lo/operstate'
    assert_success
    assert_line --regexp "^uid=0\(root\) gid=0\(root\)"
    # Layer files owned by root in the store are root's inside.
    assert_line "0:0 /bin/busybox"
    assert_line "0:0 /etc/passwd"
    assert_line --regexp "^(up|unknown)$"
    # The store's files belong to the user (its own id for root's files).
    assert_equal "$(stat -c %U "$RL_DIR/data/hull")" "$RL_USER"
    run as_user "$HULL" ps -a -q
    assert_success
    assert_output ""
}

@test "hull run as an ordinary user: ids of the image map into the subordinate range" {
    hullrt_only
    local root="$WORK/img" tar="$WORK/img.tar"
    mkdir -p "$root/bin" "$root/home/app"
    tar -C "$root" -xf "$BUSYBOX_TAR"
    chown 1000:1000 "$root/home/app"
    tar --numeric-owner -C "$root" -cf "$tar" .
    chmod 644 "$tar"
    as_user "$HULL" import "$tar" owned >/dev/null
    run as_user "$HULL" run --rm --network none -u 1000:1000 owned sh -c \
        'id -u; stat -c "%u:%g" /home/app'
    assert_success
    assert_line 1000
    assert_line 1000:1000
    # On the host, that directory's layer copy is the user's first
    # subordinate id + 999 (hull maps the first range of /etc/subuid).
    local first want
    first="$(awk -F: -v u="$RL_USER" '$1 == u { print $2; exit }' /etc/subuid)"
    want=$((first + 999))
    run find "$RL_DIR/data/hull" -path '*/home/app' -uid "$want"
    [ -n "$output" ]
}

@test "hull run as an ordinary user refuses limits it cannot honour" {
    hullrt_only
    as_user "$HULL" import "$BUSYBOX_TAR" busybox >/dev/null
    run as_user "$HULL" run --rm --network none -m 64m busybox true
    assert_equal "$status" 125
    assert_output --partial "cannot be honoured"
}

@test "hull run as an ordinary user with the default network" {
    hullrt_only
    as_user "$HULL" import "$BUSYBOX_TAR" busybox >/dev/null
    run as_user "$HULL" run --rm busybox sh -c 'id -u; cat /sys/class/net/lo/operstate'
    assert_success
    assert_line 0
}

# rl_lan: a network namespace of this test linked to the host by a veth
# pair, 10.216.X.1/30 on the host's end and .2 inside, with a busybox
# httpd there on port 8000 serving "outside-PID": a stand-in for another
# machine, reached only through the host.  Sets RL_LAN_IP, RL_LAN_NS and
# RL_LAN_PID; rl_lan_del removes it all.
rl_lan() {
    local x taken
    taken="$(ip -4 route show table all)"
    for ((x = BATS_ROOT_PID % 250 + 1; x < 256; x++)); do
        grep -q "10\.216\.$x\." <<<"$taken" || break
    done
    RL_LAN_NS="hullrl$BATS_ROOT_PID-lan"
    RL_LAN_IP="10.216.$x.2"
    ip netns add "$RL_LAN_NS"
    ip link add "hrl$BATS_ROOT_PID" type veth peer name eth0 netns "$RL_LAN_NS"
    ip addr add "10.216.$x.1/30" dev "hrl$BATS_ROOT_PID"
    ip link set "hrl$BATS_ROOT_PID" up
    ip -n "$RL_LAN_NS" addr add "$RL_LAN_IP/30" dev eth0
    ip -n "$RL_LAN_NS" link set eth0 up
    ip -n "$RL_LAN_NS" link set lo up
    ip -n "$RL_LAN_NS" route add default via "10.216.$x.1"
    mkdir -p "$WORK/www"
    echo "outside-$BATS_ROOT_PID" >"$WORK/www/index.html"
    ip netns exec "$RL_LAN_NS" busybox httpd -f -p "$RL_LAN_IP:8000" -h "$WORK/www" &
    RL_LAN_PID=$!
}

rl_lan_del() {
    kill "$RL_LAN_PID" 2>/dev/null || true
    wait "$RL_LAN_PID" 2>/dev/null || true
    ip netns del "$RL_LAN_NS" 2>/dev/null || true
}

@test "hull run as an ordinary user reaches out through slirp4netns, stopped with the container" {
    hullrt_only
    local i
    as_user "$HULL" import "$BUSYBOX_TAR" busybox >/dev/null
    rl_lan
    run as_user "$HULL" run --rm busybox sh -c "ip -o -4 addr show tap0; ip route; cat /etc/resolv.conf
        for i in \$(seq 50); do wget -qO- http://$RL_LAN_IP:8000/ && exit 0; sleep 0.1; done; exit 1"
    rl_lan_del
    assert_success
    assert_line --regexp '^[0-9]+: tap0 +inet 10\.0\.2\.100/24 '
    assert_line --regexp '^default via 10\.0\.2\.2 dev tap0'
    assert_line "nameserver 10.0.2.3"
    assert_line "outside-$BATS_ROOT_PID"
    # The container is gone (--rm), and so is its slirp4netns.
    for ((i = 0; i < 100; i++)); do
        [ -z "$(rl_slirps)" ] && break
        sleep 0.1
    done
    [ -z "$(rl_slirps)" ]
}

# The test account's slirp4netns processes that run (not zombies, which
# an init that does not reap would leave).
rl_slirps() {
    ps -u "$RL_USER" -o stat=,comm= | awk '$2 == "slirp4netns" && $1 !~ /^Z/'
}

@test "hull run as an ordinary user publishes ports through slirp4netns" {
    hullrt_only
    local port i
    as_user "$HULL" import "$BUSYBOX_TAR" busybox >/dev/null
    port=$((20000 + BATS_ROOT_PID % 10000))
    while ss -Htan "sport = :$port" | grep -q .; do
        port=$((port + 1))
    done
    run as_user "$HULL" run -d --name web -p "$port:80" -p 81 busybox sh -c \
        'mkdir /www && echo rootless-page >/www/index.html && exec httpd -f -p 80 -h /www'
    assert_success
    run as_user "$HULL" port web
    assert_success
    assert_line --index 0 "80/tcp -> 0.0.0.0:$port"
    assert_line --index 1 --regexp '^81/tcp -> 0\.0\.0\.0:[0-9]+$'
    for ((i = 0; i < 50; i++)); do
        curl -fsS -m 2 "http://127.0.0.1:$port/" >/dev/null 2>&1 && break
        sleep 0.1
    done
    run curl -fsS -m 5 "http://127.0.0.1:$port/"
    assert_success
    assert_output rootless-page
    # The same host port again is refused before the container starts.
    run as_user "$HULL" run --rm -p "$port:80" busybox true
    assert_equal "$status" 125
    assert_output --partial "Bind for 0.0.0.0:$port/tcp failed"
    run as_user "$HULL" rm -f web
    assert_success
    for ((i = 0; i < 100; i++)); do
        [ -z "$(rl_slirps)" ] && break
        sleep 0.1
    done
    [ -z "$(rl_slirps)" ]
    run curl -fsS -m 2 "http://127.0.0.1:$port/"
    assert_failure
}
