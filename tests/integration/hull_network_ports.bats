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
