#!/usr/bin/env bats
# Published ports (DNAT in hull's nftables table, no proxy process) and
# outbound NAT.  The "other machines" are network namespaces the tests
# make, linked to the host by a veth pair (net_helpers.bash: lan_netns).

load helpers
load net_helpers
bats_require_minimum_version 1.5.0

setup_file() {
    net_setup_file
}

teardown_file() {
    :
}

setup() {
    net_setup
}

teardown() {
    net_teardown
}

# host_port NAME PORT: the host port `hull port` shows for NAME's PORT.
host_port() {
    hull port "$1" "$2" | head -1 | cut -d: -f2
}

# free_port: a port of the host that nothing uses, tcp or udp, outside the
# range hull picks random ports from.
free_port() {
    local i port used
    used="$(ss -Htuan | awk '{ print $5 }' | sed 's/.*://')"
    for ((i = 0; i < 1000; i++)); do
        port=$((20000 + (BATS_ROOT_PID + RANDOM) % 10000))
        grep -qx "$port" <<<"$used" || {
            echo "$port"
            return 0
        }
    done
    return 1
}

# udp_ask IP PORT TEXT: sends TEXT to a udp-echo probe until it answers;
# prints the answer.
udp_ask() {
    local i reply
    for ((i = 0; i < 50; i++)); do
        exec 4<>"/dev/udp/$1/$2" || return 1
        echo "$3" >&4
        reply="$(timeout 0.2 head -n 1 <&4 || true)"
        exec 4<&-
        if [ -n "$reply" ]; then
            echo "$reply"
            return 0
        fi
    done
    return 1
}

@test "a published port serves 127.0.0.1, the bridge address and another machine" {
    local port gw
    hull_bg web -p 80 busybox sh -c "$(httpd_cmd hello-web)"
    wait_serving web 80
    remember_ip "$(ctr_ip web)"
    port="$(host_port web 80)"
    [[ "$port" =~ ^[0-9]+$ ]]
    run hull port web
    assert_success
    assert_output "80/tcp -> 0.0.0.0:$port"
    run curl -fsS -m 5 "http://127.0.0.1:$port/"
    assert_success
    assert_output hello-web
    gw="$(hull network inspect bridge | jq -r '.[0].IPAM.Config[0].Gateway')"
    run curl -fsS -m 5 "http://$gw:$port/"
    assert_success
    assert_output hello-web
    lan_netns lan 1
    run ip netns exec "$NET_TAG-lan" curl -fsS -m 5 "http://10.215.$NET_X.1:$port/"
    assert_success
    assert_output hello-web
    # No process of hull's listens on the port: the kernel does it all.
    ! ss -Htlnp "sport = :$port" | grep -q .
    # The same host port again is refused before anything starts.
    run hull run --rm -p "$port:80" busybox true
    assert_equal "$status" 125
    assert_output --partial "Bind for 0.0.0.0:$port failed: port is already allocated"
    [ "$(records | wc -l)" -eq 1 ]
    hull rm -f web
    run curl -fsS -m 2 "http://127.0.0.1:$port/"
    assert_failure
}

@test "127.0.0.1-only publishing, -P with --expose, and hull port's filters" {
    local port all
    hull_bg local -p "127.0.0.1::80" busybox sh -c "$(httpd_cmd local-page)"
    hull_bg exposed -P --expose 80 --expose 81/udp busybox sh -c "$(httpd_cmd exposed-page)"
    wait_serving local 80
    wait_serving exposed 80
    remember_ip "$(ctr_ip local)"
    remember_ip "$(ctr_ip exposed)"
    port="$(host_port local 80)"
    run hull port local 80/tcp
    assert_output "127.0.0.1:$port"
    run curl -fsS -m 5 "http://127.0.0.1:$port/"
    assert_output local-page
    lan_netns lan 1
    run ip netns exec "$NET_TAG-lan" curl -fsS -m 2 "http://10.215.$NET_X.1:$port/"
    assert_failure
    run hull port exposed
    assert_success
    assert_line --index 0 --regexp '^80/tcp -> 0\.0\.0\.0:[0-9]+$'
    assert_line --index 1 --regexp '^81/udp -> 0\.0\.0\.0:[0-9]+$'
    all="$(host_port exposed 80)"
    run curl -fsS -m 5 "http://127.0.0.1:$all/"
    assert_output exposed-page
    run hull port exposed 9999
    assert_failure
    assert_output --partial "No public port '9999/tcp' published for exposed"
}

@test "udp, HOSTIP:HOSTPORT:PORT, and host ports that a host program holds" {
    local port uport busy_tcp busy_udp i www="$BATS_TEST_TMPDIR/www"
    lan_netns lan 1
    port="$(free_port)"
    uport="$(free_port)"
    hull_bg echo -v "$PROBE:/probe:ro" -p "$uport:81/udp" busybox /probe udp-echo 81
    hull_bg web -p "10.215.$NET_X.1:$port:80" busybox sh -c "$(httpd_cmd pinned-page)"
    wait_serving web 80
    remember_ip "$(ctr_ip web)"
    remember_ip "$(ctr_ip echo)"
    run hull port echo
    assert_output "81/udp -> 0.0.0.0:$uport"
    run udp_ask 127.0.0.1 "$uport" "ping-$NET_TAG"
    assert_success
    assert_output "echo:ping-$NET_TAG"
    run hull port web 80
    assert_output "10.215.$NET_X.1:$port"
    run ip netns exec "$NET_TAG-lan" curl -fsS -m 5 "http://10.215.$NET_X.1:$port/"
    assert_success
    assert_output pinned-page
    # Published on that address only.
    run curl -fsS -m 2 "http://127.0.0.1:$port/"
    assert_failure
    # A port that a program of the host listens on is refused before the
    # container starts: the DNAT would take its traffic away.
    mkdir -p "$www"
    busy_tcp="$(free_port)"
    busybox httpd -f -p "127.0.0.1:$busy_tcp" -h "$www" &
    BG_PIDS+=($!)
    busy_udp="$(free_port)"
    "$PROBE" udp-echo "$busy_udp" &
    BG_PIDS+=($!)
    for ((i = 0; i < 100; i++)); do
        ss -Htln "sport = :$busy_tcp" | grep -q . && ss -Huln "sport = :$busy_udp" | grep -q . && break
        sleep 0.1
    done
    run hull run --rm -p "$busy_tcp:80" busybox true
    assert_equal "$status" 125
    assert_output --partial "Bind for 0.0.0.0:$busy_tcp/tcp failed: a program of the host listens there"
    run hull run --rm -p "$busy_udp:81/udp" busybox true
    assert_equal "$status" 125
    assert_output --partial "Bind for 0.0.0.0:$busy_udp/udp failed: a program of the host listens there"
    run hull run --rm -p "192.0.2.1:$port:80" busybox true
    assert_equal "$status" 125
    assert_output --partial "cannot publish on 192.0.2.1: not an address of this host"
    [ "$(records | wc -l)" -eq 2 ]
    ! nft list table ip hull | grep -qwE "$busy_tcp|$busy_udp"
}

@test "outbound NAT: a server routed only via the host sees the host's address" {
    local www="$BATS_TEST_TMPDIR/www"
    mkdir -p "$www/cgi-bin"
    printf '#!/bin/sh\necho "Content-Type: text/plain"\necho\necho "$REMOTE_ADDR"\n' \
        >"$www/cgi-bin/ip"
    chmod +x "$www/cgi-bin/ip"
    lan_netns srv 5
    ip netns exec "$NET_TAG-srv" busybox httpd -f -p "10.215.$NET_X.6:8000" -h "$www" &
    BG_PIDS+=($!)
    net_create "$NET_TAG-a" "10.213.$NET_X.0/24"
    for net in bridge "$NET_TAG-a"; do
        run hull run --rm --network "$net" busybox sh -c "for i in \$(seq 50); do
            wget -qO- http://10.215.$NET_X.6:8000/cgi-bin/ip && exit 0; sleep 0.1; done; exit 1"
        assert_success
        assert_output "10.215.$NET_X.5"
    done
}

@test "a container and its monitor killed with SIGKILL: the next hull command cleans up" {
    local id port rec
    hull_bg victim -p 80 busybox sh -c "$(httpd_cmd victim-page)"
    wait_serving victim 80
    id="$(ctr_id victim)"
    remember_ip "$(ctr_ip victim)"
    port="$(host_port victim 80)"
    rec="$HROOT/containers/$id/hull.json"
    # Nothing that would release the network is left alive.
    kill -9 "$(jq -r .state.monitor_pid "$rec")" "$(jq -r .state.pid "$rec")" "${BG_PIDS[0]}"
    run hull ps -a
    assert_success
    [ -z "$(net_leftovers "$id")" ]
    run curl -fsS -m 2 "http://127.0.0.1:$port/"
    assert_failure
}

# The kills land once the container's record is written: the network is
# set up after that, and the record's own crash safety is
# hull_lifecycle_crash.bats's.
@test "hull run -p killed at random points: rm -f leaves no lease, rule, veth or netns" {
    local net="$NET_TAG-k" i j pid ids
    net_create "$net" "10.213.$NET_X.0/24"
    for i in $(seq 8); do
        HULL_ROOT="$HROOT" HULL_RUNROOT="$HRUN" "$HULL" run -d --name "k$i" --network "$net" \
            -p 80 busybox sleep 600 >/dev/null 2>&1 3>&- &
        pid=$!
        for ((j = 0; j < 200; j++)); do
            ctr_id "k$i" >/dev/null && break
            sleep 0.01
        done
        sleep "0.$(printf '%03d' $((RANDOM % 300)))"
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    ids="$(records)"
    for id in $ids; do
        run hull rm -f "$id"
        assert_success
    done
    [ -z "$(records)" ]
    [ -z "$(net_leftovers $ids)" ]
    [ -z "$(ls -A "$NET_ROOT/net/$net/leases")" ]
    ! grep -lq "\"$net\"" "$NET_ROOT"/sandbox/*.json 2>/dev/null
    ! nft list table ip hull | grep -q ": 10\.213\.$NET_X\."
}

@test "an address claimed but never recorded (a hull killed in between) is released" {
    local net="$NET_TAG-k" id i
    net_create "$net" "10.213.$NET_X.0/24"
    hull_bg box --network "$net" busybox sleep 600
    for ((i = 0; i < 100; i++)); do
        [ -n "$(ctr_ip box "$net")" ] && break
        sleep 0.1
    done
    id="$(ctr_id box)"
    # What a hull killed between claiming the address and writing the
    # sandbox leaves: a lease of this container, and one of a container
    # that never got a sandbox.
    ln -s "$id" "$NET_ROOT/net/$net/leases/10.213.$NET_X.250"
    ln -s "$(printf 'f%.0s' {1..64})" "$NET_ROOT/net/$net/leases/10.213.$NET_X.251"
    run hull rm -f box
    assert_success
    [ -z "$(ls -A "$NET_ROOT/net/$net/leases")" ]
}
