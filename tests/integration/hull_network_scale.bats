#!/usr/bin/env bats
# Many containers at once on one bridge: addresses and host ports are
# handed out by concurrent hull processes without collisions, and
# removing the containers leaves nothing behind.

load helpers
load net_helpers
bats_require_minimum_version 1.5.0

N=100

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

# The test network's inspect object.
net_json() {
    hull network inspect "$NET_TAG-s" | jq '.[0]'
}

@test "$N containers started concurrently get distinct addresses and connectivity" {
    local net="$NET_TAG-s" bridge i n ip ips ports
    net_create "$net" "10.213.$NET_X.0/24"
    bridge="$(net_json | jq -r '.Options["com.docker.network.bridge.name"]')"
    for ((i = 1; i <= N; i++)); do
        hull_bg "c$i" --network "$net" -p 80 busybox sh -c "$(httpd_cmd "page-$i")"
    done
    for ((i = 0; i < 600; i++)); do
        n="$(net_json | jq '.Containers | length')"
        [ "$n" -eq "$N" ] && break
        sleep 0.2
    done
    assert_equal "$n" "$N"
    ips="$(net_json | jq -r '.Containers[].IPv4Address' | sort)"
    assert_equal "$(uniq <<<"$ips" | wc -l)" "$N"
    for ip in $ips; do
        remember_ip "${ip%/*}"
    done
    # Every container answers on its own address, and on its own host port.
    declare -A addr
    while read -r n ip; do
        addr[$n]="${ip%/*}"
    done < <(net_json | jq -r '.Containers[] | "\(.Name) \(.IPv4Address)"')
    for ((i = 1; i <= N; i++)); do
        for ((n = 0; n < 100; n++)); do
            curl -fsS -m 2 -o /dev/null "http://${addr[c$i]}/" 2>/dev/null && break
            sleep 0.1
        done
        run curl -fsS -m 5 "http://${addr[c$i]}/"
        assert_output "page-$i"
    done
    ports="$(for ((i = 1; i <= N; i++)); do hull port "c$i" 80; done | sort)"
    assert_equal "$(uniq <<<"$ports" | wc -l)" "$N"
    run curl -fsS -m 5 "http://127.0.0.1:$(hull port c7 80 | cut -d: -f2)/"
    assert_output page-7
    # Removal, concurrently too, leaves no veth, rule or lease.
    records | xargs -P 16 -n 1 env HULL_ROOT="$HROOT" HULL_RUNROOT="$HRUN" "$HULL" rm -f >/dev/null
    [ -z "$(records)" ]
    for ((i = 0; i < 100; i++)); do
        [ -z "$(ip -o link show master "$bridge")" ] && break
        sleep 0.1
    done
    [ -z "$(ip -o link show master "$bridge")" ]
    [ -z "$(ls -A "$NET_ROOT/net/$net/leases")" ]
    [ "$(net_json | jq '.Containers | length')" -eq 0 ]
    ! nft list table ip hull | grep -q ": 10\.213\.$NET_X\."
}
