#!/usr/bin/env bats
# hull's networking: the default bridge, user-defined networks (names,
# isolation), the modes none, host and container:, the /etc files,
# --ip, `ip netns` visibility, `hull network ...` and bad input.
# See net_helpers.bash for what each test gets and what teardown checks.

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

# wait_running NAME: until container NAME runs with its network set up.
wait_running() {
    local i
    for ((i = 0; i < 100; i++)); do
        [ "$(jq -r .state.status "$HROOT/containers/$(ctr_id "$1")/hull.json" 2>/dev/null)" = \
            running ] && return 0
        sleep 0.1
    done
    echo "container $1 never ran" >&2
    cat "$BATS_TEST_TMPDIR/$1.out" >&2 2>/dev/null
    return 1
}

bridge_gateway() {
    hull network inspect "${1:-bridge}" | jq -r '.[0].IPAM.Config[0].Gateway'
}

@test "two containers on the default bridge exchange TCP traffic" {
    hull_bg server busybox sh -c 'nc -l -p 5000'
    wait_running server
    local ip
    ip="$(ctr_ip server)"
    [ -n "$ip" ]
    remember_ip "$ip"
    run hull run --rm busybox sh -c "for i in \$(seq 100); do
        echo hello-$NET_TAG | nc $ip 5000 && exit 0; sleep 0.1; done; exit 1"
    assert_success
    wait "${BG_PIDS[0]}"
    grep -qx "hello-$NET_TAG" "$BATS_TEST_TMPDIR/server.out"
}

@test "eth0, the default route, lo and the generated /etc files" {
    local gw subnet ip
    gw="$(bridge_gateway)"
    subnet="$(hull network inspect bridge | jq -r '.[0].IPAM.Config[0].Subnet')"
    run hull run --rm --hostname box --add-host "db:192.0.2.9" --add-host "gw:host-gateway" \
        --dns 192.0.2.53 --dns-search example.test busybox sh -c \
        'ip -o -4 addr show eth0; ip route; cat /sys/class/net/lo/operstate; hostname;
         cat /etc/hostname /etc/hosts /etc/resolv.conf'
    assert_success
    assert_line --regexp "^2: eth0 +inet [0-9.]+/${subnet#*/} "
    ip="$(awk '$2 == "eth0" { print $4 }' <<<"$output" | cut -d/ -f1)"
    in_subnet "$ip" "$subnet"
    assert_line --regexp "^default via $gw dev eth0"
    assert_line unknown
    assert_line box
    assert_line "$(printf '192.0.2.9\tdb')"
    assert_line "$(printf '%s\tgw' "$gw")"
    assert_line "$(printf '%s\tbox' "$ip")"
    assert_line "nameserver 192.0.2.53"
    assert_line "search example.test"
    assert_line "127.0.0.1	localhost"
}

@test "user-defined networks: reach each other by name, not across networks" {
    local a="$NET_TAG-a" b="$NET_TAG-b" web_ip
    net_create "$a" "10.213.$NET_X.0/24"
    net_create "$b" "10.214.$NET_X.0/24"
    hull_bg web --network "$a" busybox sh -c "$(httpd_cmd web-page)"
    hull_bg other --network "$b" busybox sh -c "$(httpd_cmd other-page)"
    wait_serving web 80 "$a"
    wait_serving other 80 "$b"
    web_ip="$(ctr_ip web "$a")"
    [[ "$web_ip" == 10.213.$NET_X.* ]]
    run hull run --rm --network "$a" busybox wget -qO- http://web/
    assert_success
    assert_output web-page
    # The other network reaches neither the name nor the address.
    # (busybox's wget -T crashes: timeout bounds it instead, and a crash
    # would not count as unreachable.  busybox's timeout runs the command
    # itself and signals it from a child: with --init the command is not
    # PID 1, which would ignore that SIGTERM.)
    run hull run --rm --network "$b" --init busybox timeout 3 wget -qO- http://web/
    assert_failure
    [ "$status" -ne 139 ]
    run hull run --rm --network "$b" --init busybox timeout 3 wget -qO- "http://$web_ip/"
    assert_failure
    [ "$status" -ne 139 ]
    # The host reaches both.
    curl -fs "http://$web_ip/" | grep -qx web-page
    # A member that comes and goes appears in web's /etc/hosts and leaves it.
    hull_bg visitor --network "$a" busybox sleep 600
    wait_running visitor
    grep -qP "^10\.213\.$NET_X\.\d+\tvisitor$" "$HROOT/containers/$(ctr_id web)/hosts"
    hull rm -f visitor
    ! grep -q visitor "$HROOT/containers/$(ctr_id web)/hosts"
}

@test "--internal: members reach each other by name, nothing goes past the bridge" {
    local a="$NET_TAG-a" www="$BATS_TEST_TMPDIR/www"
    TEST_NETS+=("$a")
    run hull network create --internal --subnet "10.213.$NET_X.0/24" "$a"
    assert_success
    assert_equal "$(hull network inspect --format '{{.Internal}}' "$a")" true
    assert_equal "$(hull network ls --format '{{.Name}} {{.Internal}}' | grep "^$a ")" "$a true"
    # Another machine, reached through the host.
    mkdir -p "$www"
    echo outside-page >"$www/index.html"
    lan_netns srv 5
    ip netns exec "$NET_TAG-srv" busybox httpd -f -p "10.215.$NET_X.6:8000" -h "$www" &
    BG_PIDS+=($!)
    hull_bg web --network "$a" busybox sh -c "$(httpd_cmd internal-page)"
    wait_serving web 80 "$a"
    curl -fsS -m 5 "http://10.215.$NET_X.6:8000/" | grep -qx outside-page
    run hull run --rm --network "$a" busybox wget -qO- http://web/
    assert_success
    assert_output internal-page
    run hull run --rm --network "$a" --init busybox timeout 3 wget -qO- "http://10.215.$NET_X.6:8000/"
    assert_failure
    # The same request from the default bridge goes out.
    run hull run --rm busybox wget -qO- "http://10.215.$NET_X.6:8000/"
    assert_success
    assert_output outside-page
    run hull run --rm --network "$a" -p 80 busybox true
    assert_equal "$status" 125
    assert_output --partial "publishing ports (-p, -P) is not supported on internal network $a"
}

@test "--network none, host and container:NAME" {
    run hull run --rm --network none busybox sh -c 'ls /sys/class/net; cat /sys/class/net/lo/operstate'
    assert_success
    assert_output "$(printf 'lo\nunknown')"
    run hull run --rm --network host busybox sh -c 'readlink /proc/self/ns/net; hostname'
    assert_success
    assert_line --index 0 "$(readlink /proc/self/ns/net)"
    assert_line --index 1 "$(hostname)"
    hull_bg target busybox sh -c "$(httpd_cmd target-page)"
    wait_serving target 80
    run hull run --rm --network container:target busybox sh -c \
        'wget -qO- http://127.0.0.1/; readlink /proc/self/ns/net; hostname'
    assert_success
    assert_line --index 0 target-page
    assert_line --index 1 "$(readlink "/proc/$(jq -r .state.pid "$HROOT/containers/$(ctr_id target)/hull.json")/ns/net")"
    assert_line --index 2 "$(ctr_id target | cut -c1-12)"
}

@test "--ip pins an address; a taken one, or one outside the network, is refused" {
    local a="$NET_TAG-a"
    net_create "$a" "10.213.$NET_X.0/24"
    hull_bg pinned --network "$a" --ip "10.213.$NET_X.77" busybox sleep 600
    wait_running pinned
    assert_equal "$(ctr_ip pinned "$a")" "10.213.$NET_X.77"
    run hull run --rm --network "$a" --ip "10.213.$NET_X.77" busybox true
    assert_equal "$status" 125
    assert_output --partial "address 10.213.$NET_X.77 on network $a: Address already in use"
    run hull run --rm --network "$a" --ip "10.214.$NET_X.5" busybox true
    assert_equal "$status" 125
    assert_output --partial "invalid --ip \"10.214.$NET_X.5\": not a free host address of network $a"
    run hull run --rm --ip "10.213.$NET_X.78" busybox true
    assert_equal "$status" 125
    assert_output --partial "supported on user defined networks only"
    [ "$(records | wc -l)" -eq 1 ]
}

@test "the namespace is visible to ip netns; network inspect shows the veth" {
    local id ns veth bridge key
    hull_bg box busybox sleep 600
    wait_running box
    id="$(ctr_id box)"
    ns="hull-${id:0:12}"
    run ip netns exec "$ns" ip -o -4 addr show eth0
    assert_success
    assert_output --partial "inet $(ctr_ip box)/"
    veth="$(hull network inspect bridge | jq -r --arg id "$id" '.[0].Containers[$id].HostInterface')"
    bridge="$(hull network inspect bridge | jq -r '.[0].Options["com.docker.network.bridge.name"]')"
    ip -o link show "$veth" | grep -q "master $bridge "
    run hull inspect box
    assert_success
    local settings
    settings="$(jq '.[0].NetworkSettings' <<<"$output")"
    assert_equal "$(jq -r .SandboxKey <<<"$settings")" "/run/netns/$ns"
    assert_equal "$(jq -r .HostInterface <<<"$settings")" "$veth"
    assert_equal "$(jq -r .Networks.bridge.HostInterface <<<"$settings")" "$veth"
    assert_equal "$(jq -r .IPAddress <<<"$settings")" "$(ctr_ip box)"
    assert_equal "$(jq -r .Networks.bridge.IPAddress <<<"$settings")" "$(ctr_ip box)"
    assert_equal "$(jq -r .Gateway <<<"$settings")" "$(bridge_gateway)"
    # Docker's keys, all of them there.
    for key in Bridge SandboxID SandboxKey HairpinMode LinkLocalIPv6Address \
        LinkLocalIPv6PrefixLen Ports SecondaryIPAddresses SecondaryIPv6Addresses EndpointID \
        Gateway GlobalIPv6Address GlobalIPv6PrefixLen IPAddress IPPrefixLen IPv6Gateway \
        MacAddress Networks; do
        jq -e --arg k "$key" 'has($k)' <<<"$settings" >/dev/null || fail "no NetworkSettings.$key"
    done
    for key in IPAMConfig Links Aliases MacAddress DriverOpts NetworkID EndpointID Gateway \
        IPAddress IPPrefixLen IPv6Gateway GlobalIPv6Address GlobalIPv6PrefixLen DNSNames; do
        jq -e --arg k "$key" '.Networks.bridge | has($k)' <<<"$settings" >/dev/null ||
            fail "no NetworkSettings.Networks.bridge.$key"
    done
    hull rm -f box
    [ ! -e "/run/netns/$ns" ]
    [ -z "$(veths_of "$id")" ]
}

@test "network create, ls, inspect, connect, disconnect, rm and prune" {
    local a="$NET_TAG-a" b="$NET_TAG-b" id bridge ns
    run net_create "$a" "10.213.$NET_X.0/24"
    assert_success
    assert_output --regexp '^[0-9a-f]{64}$'
    id="$output"
    run hull network ls
    assert_success
    assert_line --index 0 --regexp '^NETWORK ID +NAME +DRIVER +SCOPE$'
    assert_line --regexp "^${id:0:12} +$a +bridge +local$"
    assert_line --regexp '^[0-9a-f]{12} +bridge +bridge +local$'
    assert_line --regexp '^[0-9a-f]{12} +host +host +local$'
    assert_line --regexp '^[0-9a-f]{12} +none +null +local$'
    run hull network ls -q
    assert_success
    assert_line "${id:0:12}"
    refute_line --regexp '[^0-9a-f]'
    run hull network ls --format '{{.ID}} {{.Name}} {{.Driver}} {{.Scope}} {{.Internal}}'
    assert_success
    assert_line "${id:0:12} $a bridge local false"
    run hull network ls --no-trunc --format '{{.ID}}'
    assert_line "$id"
    run hull network ls --format json
    assert_success
    assert_equal "$(jq -c --arg n "$a" 'select(.Name == $n) | [.ID, .Driver, .Scope, .IPv6, .Labels]' <<<"$output")" \
        "[\"${id:0:12}\",\"bridge\",\"local\",\"false\",\"\"]"
    jq -se --arg n "$a" '.[] | select(.Name == $n) | .CreatedAt | test("^[0-9-]+ [0-9:.]+ \\+0000 UTC$")' <<<"$output"
    run hull network inspect --format '{{.Name}} {{.Driver}}' "$a"
    assert_success
    assert_output "$a bridge"
    run hull network inspect "${id:0:6}"
    assert_success
    assert_equal "$(jq -r '.[0].Name' <<<"$output")" "$a"
    assert_equal "$(jq -r '.[0].IPAM.Config[0].Subnet' <<<"$output")" "10.213.$NET_X.0/24"
    assert_equal "$(jq -r '.[0].IPAM.Config[0].Gateway' <<<"$output")" "10.213.$NET_X.1"
    bridge="$(jq -r '.[0].Options["com.docker.network.bridge.name"]' <<<"$output")"
    ip -o -4 addr show "$bridge" | grep -q "inet 10.213.$NET_X.1/24"
    # connect gives a running container a second interface at once.
    hull_bg c1 busybox sleep 600
    wait_running c1
    ns="hull-$(ctr_id c1 | cut -c1-12)"
    run hull network connect --ip "10.213.$NET_X.50" "$a" c1
    assert_success
    ip netns exec "$ns" ip -o -4 addr show eth1 | grep -q "inet 10.213.$NET_X.50/24"
    assert_equal "$(ctr_ip c1 "$a")" "10.213.$NET_X.50"
    run hull network connect "$a" c1
    assert_failure
    assert_output --partial "already exists in network $a"
    run hull network rm "$a"
    assert_failure
    assert_output --partial "has active endpoints"
    run hull network disconnect "$a" c1
    assert_success
    ! ip netns exec "$ns" ip link show eth1 2>/dev/null
    [ -z "$(ls "$NET_ROOT/net/$a/leases")" ]
    run hull network disconnect "$a" c1
    assert_failure
    assert_output --partial "is not connected to network $a"
    # prune removes unused user-defined networks only.
    TEST_NETS+=("$b")
    run hull network create -d bridge --subnet "10.214.$NET_X.0/24" --gateway "10.214.$NET_X.254" "$b"
    assert_success
    assert_equal "$(hull network inspect --format '{{.Driver}}' "$b")" bridge
    assert_equal "$(hull network inspect "$b" | jq -r '.[0].IPAM.Config[0].Gateway')" "10.214.$NET_X.254"
    ip -o -4 addr show "$(hull network inspect "$b" | jq -r '.[0].Options["com.docker.network.bridge.name"]')" |
        grep -q "inet 10.214.$NET_X.254/24"
    run hull network connect "$a" c1
    assert_success
    run hull network prune -f
    assert_success
    assert_line "$b"
    refute_line "$a"
    run hull network inspect "$b"
    assert_failure
    hull rm -f c1
    run hull network rm "$a"
    assert_success
    assert_output "$a"
    ! ip link show "$bridge" 2>/dev/null
}

@test "a subnet picked for a network avoids the host's routes" {
    local a="$NET_TAG-a" ns="$NET_TAG-route" first second
    TEST_NETS+=("$a")
    run hull network create "$a"
    assert_success
    first="$(hull network inspect "$a" | jq -r '.[0].IPAM.Config[0].Subnet')"
    hull network rm "$a"
    # A route of the host over that subnet (a link to a namespace of this
    # test, its host end given the subnet's second address).
    TEST_NETNS+=("$ns")
    ip netns add "$ns"
    ip link add "${NET_TAG}r" type veth peer name eth0 netns "$ns"
    ip addr add "$(cut -d. -f1-3 <<<"${first%/*}").2/${first#*/}" dev "${NET_TAG}r"
    ip link set "${NET_TAG}r" up
    ip -n "$ns" link set eth0 up
    run hull network create "$a"
    assert_success
    second="$(hull network inspect "$a" | jq -r '.[0].IPAM.Config[0].Subnet')"
    [ "$second" != "$first" ]
    ! in_subnet "${second%/*}" "$first"
    ! in_subnet "${first%/*}" "$second"
    # Given that subnet explicitly, a network is refused.
    run hull network create --subnet "$first" "$NET_TAG-b"
    assert_failure
    assert_output --partial "overlaps the host's route ${first} dev ${NET_TAG}r"
}

@test "bad input: clear errors and nothing made" {
    local a="$NET_TAG-a"
    net_create "$a" "10.213.$NET_X.0/24"
    run hull network create --subnet "10.213.$NET_X.128/25" "$NET_TAG-b"
    assert_failure
    assert_output --partial "overlaps network $a (10.213.$NET_X.0/24)"
    run hull network create --subnet "10.214.$NET_X.0/33" "$NET_TAG-b"
    assert_failure
    assert_output --partial "invalid CIDR address \"10.214.$NET_X.0/33\""
    run hull network create --subnet banana "$NET_TAG-b"
    assert_failure
    assert_output --partial 'invalid CIDR address "banana"'
    lan_netns lan 1
    run hull network create --subnet "10.215.$NET_X.0/24" "$NET_TAG-b"
    assert_failure
    assert_output --partial "overlaps the host's route 10.215.$NET_X.0/30 dev $NET_TAG"
    run hull network create "$a"
    assert_failure
    assert_output --partial "network with name $a already exists"
    run hull network inspect "$NET_TAG-b"
    assert_failure
    assert_output --partial "network $NET_TAG-b not found"
    run hull network rm "$NET_TAG-b"
    assert_failure
    assert_output --partial "network $NET_TAG-b not found"
    run hull network create -d overlay "$NET_TAG-b"
    assert_failure
    assert_output --partial 'network driver "overlay" is not supported (only bridge)'
    run hull network create --subnet "10.214.$NET_X.0/24" --gateway "10.213.$NET_X.1" "$NET_TAG-b"
    assert_failure
    assert_output --partial "invalid gateway \"10.213.$NET_X.1\": not a host address of the subnet"
    run hull run --rm -p 70000:80 busybox true
    assert_equal "$status" 125
    assert_output --partial 'invalid published port "70000:80": host port "70000" is not a port (1-65535)'
    run hull run --rm --network "$NET_TAG-nosuch" busybox true
    assert_equal "$status" 125
    assert_output --partial "network $NET_TAG-nosuch not found"
    hull run --name stopped busybox true
    run hull network connect "$NET_TAG-b" stopped
    assert_failure
    assert_output --partial "network $NET_TAG-b not found"
    run hull run --rm --network container:stopped busybox true
    assert_equal "$status" 125
    assert_output --partial 'cannot join the network of container "stopped": it is not running'
    run hull run --rm --network container:nosuch busybox true
    assert_equal "$status" 125
    assert_output --partial "No such container: nosuch"
    run hull run --rm --network host -p 80 busybox true
    assert_equal "$status" 125
    assert_output --partial 'conflicting options: port publishing (-p, -P) and the network mode "host"'
    run hull run --rm --dns banana busybox true
    assert_equal "$status" 125
    assert_output --partial 'invalid --dns "banana"'
    run hull run --rm --add-host nocolon busybox true
    assert_equal "$status" 125
    assert_output --partial 'invalid --add-host "nocolon"'
    assert_equal "$(records)" "$(ctr_id stopped)"
    ! ls "$NET_ROOT/net" | grep -q "^$NET_TAG-b$"
}

@test "a network create killed halfway leaves nothing that blocks the name" {
    local a="$NET_TAG-half" b="$NET_TAG-work"
    TEST_NETS+=("$a")
    # what a hull killed while writing the network file left (before the
    # creation was atomic): a directory without network.json
    mkdir -p "$NET_ROOT/net/$a/leases"
    echo '{"name":' >"$NET_ROOT/net/$a/.network.json.XXXXXX.tmp"
    # and what one killed now leaves: its work directory
    mkdir -p "$NET_ROOT/net/.$b.new/leases"
    run hull network ls --format '{{.Name}}'
    refute_line "$a"
    run hull network create --subnet "10.214.$NET_X.0/24" "$a"
    assert_success
    [ -f "$NET_ROOT/net/$a/network.json" ]
    [ -d "$NET_ROOT/net/$a/leases" ]
    [ ! -e "$NET_ROOT/net/$a/.network.json.XXXXXX.tmp" ]
    [ ! -e "$NET_ROOT/net/.$b.new" ]
    [ -z "$(ls -A "$NET_ROOT/net" | grep '\.new$')" ]
    run hull network ls --format '{{.Name}}'
    assert_line "$a"
    run hull network create --subnet "10.214.$NET_X.0/24" "$a"
    assert_failure
    assert_output --partial "network with name $a already exists"
    run hull network rm "$a"
    assert_success
    [ ! -e "$NET_ROOT/net/$a" ]
}
