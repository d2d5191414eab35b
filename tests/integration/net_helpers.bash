# Shared setup of the networking suites (hull_network*.bats), loaded after
# helpers.bash.
#
# Every test gets its own state root and run root with the full busybox
# image (tests/lib/busybox-image.sh: nc, httpd, wget, ...).  Networks are
# host-wide (their state is under /var/lib/hull/networks), so everything
# a test makes is named after this run (NET_TAG) and the subnets come from
# ranges picked per run where the host has no route: 10.213.X.0/24 and
# 10.214.X.0/24 for hull networks, 10.215.X.0/24 for the links to network
# namespaces the tests make (stand-ins for other machines).  All traffic
# stays on loopback, on hull's bridges or in those namespaces.
#
# teardown removes the test's containers, networks, namespaces and links,
# then fails the test if any of its containers left a sandbox, a lease, a
# veth, a netns mount or a DNAT element behind.

HULL="${HULL:-$BUILD/src/hull/hull}"
NET_ROOT=/var/lib/hull/networks

# A third octet X for which neither the host's routes nor hull's networks
# use 10.213.X, 10.214.X or 10.215.X.
pick_octet() {
    local x i taken
    taken="$(ip -4 route show table all; cat "$NET_ROOT"/net/*/network.json 2>/dev/null)"
    for ((i = 0; i < 250; i++)); do
        x=$(((BATS_ROOT_PID + i) % 250 + 1))
        if ! grep -qE "10\.21[345]\.$x\." <<<"$taken"; then
            echo "$x"
            return 0
        fi
    done
    echo "no free 10.213-215.X.0/24 for the tests" >&2
    return 1
}

net_setup_file() {
    [ -x "$HULL" ] || {
        echo "hull not found: $HULL (build it first: ninja -C $BUILD)" >&2
        return 1
    }
    BUSYBOX_TAR="$("$HULL_TOP/tests/lib/busybox-image.sh")"
    NET_X="$(pick_octet)"
    NET_TAG="ht$BATS_ROOT_PID"
    export BUSYBOX_TAR NET_X NET_TAG
}

# hull ARGS: the engine with this test's roots, bounded in time.
hull() {
    HULL_ROOT="$HROOT" HULL_RUNROOT="$HRUN" timeout --kill-after=10 "$HULL_TEST_TIMEOUT" \
        "$HULL" "$@" 3>&-
}

# hull_bg NAME ARGS: `hull run --name NAME ARGS` in the background (its
# output in $BATS_TEST_TMPDIR/NAME.out), remembered for teardown.
hull_bg() {
    local name="$1"
    shift
    HULL_ROOT="$HROOT" HULL_RUNROOT="$HRUN" "$HULL" run --name "$name" "$@" \
        >"$BATS_TEST_TMPDIR/$name.out" 2>&1 </dev/null 3>&- &
    BG_PIDS+=($!)
}

net_setup() {
    HROOT="$BATS_TEST_TMPDIR/state"
    HRUN="$BATS_TEST_TMPDIR/run"
    BG_PIDS=()
    TEST_NETS=()
    TEST_NETNS=()
    run hull import "$BUSYBOX_TAR" busybox
    assert_success
}

records() {
    ls "$HROOT/containers" 2>/dev/null | grep -E '^[0-9a-f]{64}$' || true
}

ctr_id() {
    local id
    id="$(cat "$HROOT"/containers/*/hull.json 2>/dev/null | jq -r --arg n "$1" 'select(.name == $n) | .id')"
    [ -n "$id" ] && echo "$id"
}

# net_create NAME SUBNET: a network of this test, removed by teardown.
net_create() {
    TEST_NETS+=("$1")
    hull network create --subnet "$2" "$1"
}

# ctr_ip NAME [NETWORK]: the address of container NAME on NETWORK.
ctr_ip() {
    local id
    id="$(ctr_id "$1")" || return 1
    hull network inspect "${2:-bridge}" |
        jq -r --arg id "$id" '.[0].Containers[$id].IPv4Address // empty' | cut -d/ -f1
}

# in_subnet IP CIDR: whether IP is an address of CIDR.
in_subnet() {
    local a b c d w x y z len
    IFS=. read -r a b c d <<<"$1"
    IFS=./ read -r w x y z len <<<"$2"
    local ip=$(((a << 24) | (b << 16) | (c << 8) | d))
    local net=$(((w << 24) | (x << 16) | (y << 8) | z))
    local mask=$(((0xffffffff << (32 - len)) & 0xffffffff))
    [ $((ip & mask)) -eq $((net & mask)) ]
}

# wait_serving NAME PORT [NETWORK]: until container NAME answers HTTP on
# PORT of its address (its server started after hull_bg).
wait_serving() {
    local i ip
    for ((i = 0; i < 100; i++)); do
        ip="$(ctr_ip "$1" "${3:-bridge}" 2>/dev/null || true)"
        if [ -n "$ip" ] && curl -fs -m 1 -o /dev/null "http://$ip:$2/"; then
            return 0
        fi
        sleep 0.1
    done
    echo "container $1 never served on port $2 (address \"$ip\")" >&2
    cat "$BATS_TEST_TMPDIR/$1.out" >&2 2>/dev/null
    return 1
}

# A busybox httpd in the container serving TEXT at / on port 80.
httpd_cmd() {
    echo "mkdir -p /www && echo $1 > /www/index.html && exec httpd -f -p 80 -h /www"
}

# lan_netns NAME OCTET: a network namespace linked to the host by a veth
# pair: 10.215.X.OCTET/30 on the host's end, OCTET+1 inside, default
# route through the host.  Removed by teardown (the pair goes with it).
lan_netns() {
    local ns="$NET_TAG-$1" host_if="${NET_TAG}$1"
    TEST_NETNS+=("$ns")
    ip netns add "$ns"
    ip link add "$host_if" type veth peer name eth0 netns "$ns"
    ip addr add "10.215.$NET_X.$2/30" dev "$host_if"
    ip link set "$host_if" up
    ip -n "$ns" addr add "10.215.$NET_X.$(($2 + 1))/30" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" link set lo up
    ip -n "$ns" route add default via "10.215.$NET_X.$2"
}

# The veths of containers IDS that are still there.  A stopped
# container's veth goes with its network namespace, which the kernel
# removes in the background: give it a moment.
veths_of() {
    local id i links
    for ((i = 0; i < 100; i++)); do
        links="$(ip -br link | awk '{ print $1 }')"
        for id in "$@"; do
            grep "^hv${id:0:11}" <<<"$links"
        done | grep -q . || return 0
        sleep 0.1
    done
    for id in "$@"; do
        grep "^hv${id:0:11}" <<<"$links"
    done
}

# What the test's containers IDS left behind in the network state.
net_leftovers() {
    local id
    veths_of "$@" | sed 's/^/veth left: /'
    for id in "$@"; do
        [ ! -e "$NET_ROOT/sandbox/$id.json" ] || echo "sandbox left: $id"
        find "$NET_ROOT/net" -lname "$id" 2>/dev/null | sed 's/^/lease left: /'
        [ ! -e "/run/netns/hull-${id:0:12}" ] || echo "netns mount left: hull-${id:0:12}"
    done
    for ip in $(cat "$BATS_TEST_TMPDIR/ips" 2>/dev/null); do
        nft list table ip hull 2>/dev/null | grep -qF ": $ip . " && echo "DNAT element left: $ip"
    done
    return 0
}

# remember_ip IP: checked by teardown for DNAT elements left behind.
remember_ip() {
    echo "$1" >>"$BATS_TEST_TMPDIR/ips"
}

net_teardown() {
    local pid id n ns ids problems
    ids="$(records)"
    for id in $ids; do
        hull rm -f "$id" >/dev/null 2>&1 || true
    done
    for pid in "${BG_PIDS[@]}"; do
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    for n in "${TEST_NETS[@]}"; do
        hull network rm "$n" >/dev/null 2>&1 || true
    done
    for ns in "${TEST_NETNS[@]}"; do
        ip netns del "$ns" 2>/dev/null || true
    done
    problems="$([ -z "$(records)" ] || echo "records left: $(records | tr '\n' ' ')")"
    problems+="$(net_leftovers $ids)"
    for n in "${TEST_NETS[@]}"; do
        [ ! -d "$NET_ROOT/net/$n" ] || problems+=" network left: $n"
    done
    if [ -n "$problems" ]; then
        echo "teardown: $problems" >&2
        return 1
    fi
}
