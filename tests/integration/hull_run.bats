#!/usr/bin/env bats
# The engine's first commands: hull import, images, run, ps and rm, on the
# busybox image and on a Debian bookworm root filesystem.
#
# Every test gets its own state root (HULL_ROOT) and run root
# (HULL_RUNROOT) under its temp dir, with the busybox image imported.
# teardown removes what a test left and then fails it when a container
# record, a mount, a runtime state or the /hull/ID cgroup of one of its
# containers remains.  Only this test's ids count: other runs may have
# containers of their own under /hull at the same time.

load helpers
bats_require_minimum_version 1.5.0

HULL="${HULL:-$BUILD/src/hull/hull}"
HULL_CACHE="${HULL_CACHE:-/var/cache/hull-tests}"
DEBIAN_TAR="$HULL_CACHE/bookworm-minbase.tar"

# The busybox image as a `docker export`-like tarball: /bin/busybox with
# the applets the tests use, an "app" user (uid 1000) in its own group and
# in a supplementary group "extra" (gid 2000).
build_busybox_tar() {
    local root="$BATS_FILE_TMPDIR/busybox-root" app
    mkdir -p "$root"/{bin,etc,tmp,proc,sys,dev}
    chmod 1777 "$root/tmp"
    cp /bin/busybox "$root/bin/busybox"
    for app in sh ls cat echo id hostname ps uname mount sleep true false wc env pwd readlink \
        touch tty test grep kill; do
        ln -s busybox "$root/bin/$app"
    done
    cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
app:x:1000:1000:app:/home/app:/bin/sh
EOF
    cat >"$root/etc/group" <<'EOF'
root:x:0:
app:x:1000:
extra:x:2000:app
nogroup:x:65534:
EOF
    tar --numeric-owner -C "$root" -cf "$BUSYBOX_TAR" .
}

# A minimal Debian bookworm, made once with debootstrap and cached.
debian_tar() {
    local dir
    [ -s "$DEBIAN_TAR" ] && return 0
    mkdir -p "$HULL_CACHE"
    dir="$(mktemp -d "$HULL_CACHE/.debootstrap-XXXXXX")"
    if ! debootstrap --variant=minbase bookworm "$dir/rootfs" >"$dir/log" 2>&1; then
        tail -20 "$dir/log" >&2
        rm -rf "$dir"
        return 1
    fi
    tar --numeric-owner -C "$dir/rootfs" --exclude='./dev/*' --exclude='./proc/*' \
        --exclude='./sys/*' -cf "$dir/rootfs.tar" . && mv "$dir/rootfs.tar" "$DEBIAN_TAR"
    rm -rf "$dir"
    [ -s "$DEBIAN_TAR" ]
}

setup_file() {
    [ -x "$HULL" ] || {
        echo "hull not found: $HULL (build it first: ninja -C $BUILD)" >&2
        return 1
    }
    export BUSYBOX_TAR="$BATS_FILE_TMPDIR/busybox.tar"
    build_busybox_tar
}

teardown_file() {
    :
}

# hull ARGS: the engine with this test's roots, bounded in time.
hull() {
    HULL_ROOT="$HROOT" HULL_RUNROOT="$HRUN" timeout --kill-after=10 "$HULL_TEST_TIMEOUT" "$HULL" "$@"
}

# hull_bg ARGS: hull in the background, its pid (hull's own, so signals
# reach it) remembered for wait_bg and teardown.
hull_bg() {
    env HULL_ROOT="$HROOT" HULL_RUNROOT="$HRUN" "$HULL" "$@" &
    BG_PIDS+=($!)
}

# The cgroups that remain of the containers IDS (/hull/ID, any hierarchy).
hull_cgroups() {
    local id
    for id in "$@"; do
        ls -d /sys/fs/cgroup/*/hull/"$id" 2>/dev/null || true
    done
}

setup() {
    HROOT="$BATS_TEST_TMPDIR/state"
    HRUN="$BATS_TEST_TMPDIR/run"
    BG_PIDS=()
    SEEN_IDS=()
    run hull import "$BUSYBOX_TAR" busybox
    assert_success
    assert_output --regexp '^sha256:[0-9a-f]{64}$'
}

# Container directories in the state root (each holds a record).
records() {
    ls "$HROOT/containers" 2>/dev/null | grep -E '^[0-9a-f]{64}$' || true
}

# What a failed or finished test must not leave behind; the ids of its
# containers that teardown saw are in SEEN_IDS.
leftovers() {
    local m
    [ -z "$(records)" ] || echo "record left: $(records | tr '\n' ' ')"
    for m in $(awk -v dir="$BATS_TEST_TMPDIR" 'index($5, dir) == 1 { print $5 }' /proc/self/mountinfo); do
        echo "mount left: $m"
    done
    [ -z "$(ls -A "$HRUN/runtime" 2>/dev/null)" ] || echo "runtime state left: $(ls -A "$HRUN/runtime")"
    hull_cgroups "${SEEN_IDS[@]}" $(records) | sed 's/^/cgroup left: /'
}

teardown() {
    local pid id problems
    for pid in "${BG_PIDS[@]}"; do
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    for id in $(records); do
        SEEN_IDS+=("$id")
        hull rm -f "$id" >/dev/null 2>&1 || true
    done
    problems="$(leftovers)"
    if [ -n "$problems" ]; then
        echo "teardown: $problems" >&2
        awk -v dir="$BATS_TEST_TMPDIR" 'index($5, dir) == 1 { print $5 }' /proc/self/mountinfo |
            sort -r | xargs -r umount -l
        return 1
    fi
}

# The id of the container named NAME.
ctr_id() {
    local f
    for f in "$HROOT"/containers/*/hull.json; do
        [ "$(jq -r .name "$f")" = "$1" ] && jq -r .id "$f" && return 0
    done
    return 1
}

# record_field NAME JQ: a field of the record of container NAME.
record_field() {
    jq -r "$2" "$HROOT/containers/$(ctr_id "$1")/hull.json"
}

# wait_bg: waits for the first background hull; $status gets its exit
# status (`run wait` would wait in a subshell, which has no children).
wait_bg() {
    status=0
    wait "${BG_PIDS[0]}" || status=$?
}

# wait_running NAME: until the record says running.
wait_running() {
    local i
    for ((i = 0; i < 100; i++)); do
        [ "$(record_field "$1" .state.status 2>/dev/null)" = running ] && return 0
        sleep 0.1
    done
    echo "container $1 never ran" >&2
    return 1
}

@test "import prints the id and images lists the image" {
    run hull images
    assert_success
    assert_line --index 0 --regexp '^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE$'
    assert_line --index 1 --regexp '^busybox +latest +[0-9a-f]{12} +(Less than a second|1 second|[0-9]+ seconds) ago +[0-9.]+[kM]B$'
    run hull images -q
    assert_output --regexp '^[0-9a-f]{12}$'
}

@test "run --rm busybox echo hi prints hi and leaves nothing" {
    run hull run --rm busybox echo hi
    assert_success
    assert_output hi
    [ -z "$(records)" ]
}

@test "exit codes: the command's own, 125, 126 and 127" {
    run hull run --rm busybox true
    assert_success
    run hull run --rm busybox sh -c 'exit 3'
    assert_equal "$status" 3
    run hull run --rm busybox /etc/passwd
    assert_equal "$status" 126
    run -127 hull run --rm busybox nosuchcommand
    assert_output --partial "nosuchcommand"
    run hull run --rm nosuchimage true
    assert_equal "$status" 125
    assert_output --partial 'image "nosuchimage" not found'
    [ -z "$(records)" ]
}

@test "a container killed by a signal exits with 128+N" {
    hull_bg run --name victim busybox sleep 600
    wait_running victim
    kill -KILL "$(record_field victim .state.pid)"
    wait_bg
    assert_equal "$status" 137
    assert_equal "$(record_field victim .state.exit_code)" 137
}

@test "signals sent to hull reach the container" {
    hull_bg run --rm --name trapper busybox sh -c 'trap "exit 42" TERM; while :; do sleep 0.1; done'
    wait_running trapper
    kill -TERM "${BG_PIDS[0]}"
    wait_bg
    assert_equal "$status" 42
}

@test "-e, --env-file, -w, --hostname and the default hostname" {
    printf 'FROMFILE=file\n# comment\nOVER=file\n' >"$BATS_TEST_TMPDIR/env"
    run env FROMHOST=host HULL_ROOT="$HROOT" HULL_RUNROOT="$HRUN" "$HULL" run --rm \
        --env-file "$BATS_TEST_TMPDIR/env" -e OVER=flag -eA=1 --env=B=2 -e FROMHOST \
        busybox sh -c 'echo "$FROMFILE $OVER $A $B $FROMHOST"'
    assert_success
    assert_output "file flag 1 2 host"
    run hull run --rm -w /tmp busybox pwd
    assert_output /tmp
    run hull run --rm -w /new/dir busybox pwd
    assert_output /new/dir
    run hull run --rm --hostname box busybox hostname
    assert_output box
    run hull run --name named busybox hostname
    assert_success
    assert_output "$(ctr_id named | cut -c1-12)"
    run hull run --rm busybox env
    assert_line --regexp '^PATH=/usr/local/sbin:'
    assert_line "HOME=/root"
}

@test "-u app runs as uid 1000 with its supplementary group" {
    run hull run --rm -u app busybox id
    assert_success
    assert_output --regexp '^uid=1000\(app\) gid=1000\(app\) groups=.*2000\(extra\)'
    run hull run --rm -u 1000:2000 busybox id -u
    assert_output 1000
    run hull run --rm -u 1000:2000 busybox id -g
    assert_output 2000
    run hull run --rm -u nobody busybox sh -c 'echo $HOME'
    assert_output /nonexistent
}

@test "--group-add: names from the image's /etc/group, numbers as they are" {
    run hull run --rm --group-add extra --group-add 4321 busybox id -G
    assert_success
    assert_output "0 2000 4321"
    run hull run --rm -u app --group-add 4321 busybox id -G
    assert_success
    assert_output "1000 2000 4321"
    run hull run --rm --group-add nosuchgroup busybox true
    assert_equal "$status" 125
    assert_output --partial 'unable to find group nosuchgroup'
    [ -z "$(records)" ]
}

@test "bad -u leaves no record, mount, cgroup or runtime state" {
    run hull run --rm -u nosuchuser busybox true
    assert_equal "$status" 125
    assert_output --partial "unable to find user nosuchuser: no matching entries in passwd file"
    run hull run --name kept -u 99999999999 busybox true
    assert_equal "$status" 125
    assert_output --partial "uids and gids must be in range"
    [ -z "$(leftovers)" ]
}

@test "unknown flags and missing arguments fail with 125 and leave nothing" {
    run hull run --bogus busybox true
    assert_equal "$status" 125
    assert_output --partial "unknown flag: --bogus"
    run hull run -z busybox true
    assert_equal "$status" 125
    assert_output --partial "unknown shorthand flag: 'z' in -z"
    run hull run
    assert_equal "$status" 125
    assert_output --partial '"hull run" requires at least 1 argument.'
    run hull run --restart sometimes busybox true
    assert_equal "$status" 125
    assert_output --partial 'invalid restart policy "sometimes"'
    run hull run --name x busybox true
    assert_equal "$status" 125
    assert_output --partial "Invalid container name (x)"
    [ -z "$(leftovers)" ]
}

@test "the command is PID 1 and every namespace is the container's own" {
    local ns
    run hull run --rm busybox ps
    assert_success
    assert_line --regexp '^ +1 +root +([0-9:]+ +)?ps$'
    for ns in pid ipc uts mnt net cgroup; do
        run hull run --rm busybox readlink /proc/self/ns/$ns
        assert_success
        assert_output --regexp "^$ns:\[[0-9]+\]$"
        [ "$output" != "$(readlink /proc/self/ns/$ns)" ]
    done
}

@test "Docker's default capabilities, masked and read-only paths" {
    run hull run --rm busybox grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb)' /proc/self/status
    assert_success
    # CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP
    # NET_BIND_SERVICE NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP
    assert_line --regexp '^CapInh:\s+0000000000000000$'
    assert_line --regexp '^CapPrm:\s+00000000a80425fb$'
    assert_line --regexp '^CapEff:\s+00000000a80425fb$'
    assert_line --regexp '^CapBnd:\s+00000000a80425fb$'
    assert_line --regexp '^CapAmb:\s+0000000000000000$'
    # Masked: /proc/interrupts reads empty (/dev/null over it), the
    # /sys/firmware directory is an empty tmpfs.
    [ -n "$(cat /proc/interrupts)" ]
    run hull run --rm busybox sh -c 'wc -c </proc/interrupts; ls -A /sys/firmware | wc -l'
    assert_success
    assert_output "$(printf '0\n0')"
    run hull run --rm busybox sh -c 'echo 1 > /proc/sys/kernel/domainname'
    assert_failure
    assert_output --partial "Read-only file system"
}

@test "lo is up in the container's network namespace" {
    run hull run --rm busybox cat /sys/class/net/lo/operstate
    assert_success
    # A loopback device reports "unknown" when up and "down" otherwise.
    assert_output unknown
}

@test "-i passes standard input, and without it the container reads nothing" {
    run bash -c 'echo piped | HULL_ROOT="$0" HULL_RUNROOT="$1" "$2" run --rm -i busybox cat' \
        "$HROOT" "$HRUN" "$HULL"
    assert_output piped
    run bash -c 'echo piped | HULL_ROOT="$0" HULL_RUNROOT="$1" "$2" run --rm busybox cat' \
        "$HROOT" "$HRUN" "$HULL"
    assert_success
    assert_output ""
}

@test "-t gives the container a terminal" {
    # script(1) gives hull a terminal; carriage returns the two terminals
    # add are dropped before comparing.
    run bash -c "script -qec \"HULL_ROOT=$HROOT HULL_RUNROOT=$HRUN $HULL run --rm -t busybox \
        sh -c 'tty; echo \\\$TERM'\" /dev/null | tr -d '\\r'"
    assert_success
    assert_line --regexp '^/dev/pts/[0-9]+$'
    assert_line xterm
    # An interactive session: input typed on our terminal reaches the
    # shell, and its exit status is hull's.
    run bash -c "(sleep 1; printf 'echo hello-\$((2+3))\\nexit 5\\n') |
        script -qec 'HULL_ROOT=$HROOT HULL_RUNROOT=$HRUN $HULL run --rm -it busybox sh' /dev/null |
        tr -d '\\r'; exit \${PIPESTATUS[1]}"
    assert_equal "$status" 5
    assert_line hello-5
}

@test "a file written in the container lands in its upperdir, not in the layer" {
    run hull run --name writer busybox sh -c 'echo data > /tmp/written'
    assert_success
    local id
    id="$(ctr_id writer)"
    assert_equal "$(cat "$HROOT/containers/$id/upper/tmp/written")" data
    run find "$HROOT/layers" -name written
    assert_output ""
    # The overlay is unmounted once the container exited.
    ! mountpoint -q "$HROOT/containers/$id/rootfs"
}

@test "ps -a shows an exited container with its exit code; ps does not" {
    run hull run --name exiter busybox sh -c 'exit 3'
    assert_equal "$status" 3
    run hull ps -a
    assert_success
    assert_line --index 0 --regexp '^CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES$'
    assert_line --index 1 --regexp '^[0-9a-f]{12} +busybox +"sh -c '"'"'exit 3'"'"'" +.* ago +Exited \(3\) .* ago +exiter$'
    run hull ps
    assert_success
    assert_equal "${#lines[@]}" 1
    run hull ps -aq --no-trunc
    assert_output "$(ctr_id exiter)"
}

@test "ps shows a running container; rm refuses it without -f" {
    hull_bg run --name sleeper busybox sleep 600
    wait_running sleeper
    run hull ps
    assert_line --index 1 --regexp ' +busybox +"sleep 600" +.* +Up .* +sleeper$'
    run hull rm sleeper
    assert_failure
    assert_output --partial 'cannot remove container "/sleeper": container is running'
    run hull rm -f sleeper
    assert_success
    assert_output sleeper
    wait_bg
    assert_equal "$status" 137
    [ -z "$(records)" ]
}

@test "rm removes the record, the directories and the mount" {
    hull run --name gone busybox true
    local id
    id="$(ctr_id gone)"
    [ -d "$HROOT/containers/$id/upper" ]
    run hull rm "${id:0:8}"
    assert_success
    [ ! -e "$HROOT/containers/$id" ]
    run hull rm gone
    assert_failure
    assert_output --partial "No such container: gone"
    [ -z "$(leftovers)" ]
}

@test "rm -f and rmi -f of what does not exist: reported, exit 0 (Docker 20.10)" {
    hull run --name present busybox true
    run hull rm -f nosuch$$ present
    assert_success
    assert_line "hull: No such container: nosuch$$"
    assert_line present
    [ -z "$(records)" ]
    run hull rm nosuch$$
    assert_equal "$status" 1
    run hull rmi -f nosuch$$
    assert_success
    assert_output --partial "nosuch$$"
    run hull rmi nosuch$$
    assert_equal "$status" 1
}

@test "a reader of run's output that goes away: hull dies of SIGPIPE, the container runs on" {
    local codes
    codes="$(HULL_ROOT="$HROOT" HULL_RUNROOT="$HRUN" timeout 60 bash -c \
        '"$0" run --rm --name talker busybox sh -c "while :; do echo y; done" | head -1; \
         echo "${PIPESTATUS[*]}"' "$HULL")"
    assert_equal "$codes" "$(printf 'y\n141 0')"
    wait_running talker
    run hull ps --format '{{.Names}}'
    assert_output talker
    # --rm: removed once it ends, though nobody waits for it.
    kill -KILL "$(record_field talker .state.pid)"
    local i
    for ((i = 0; i < 100; i++)); do
        [ -z "$(records)" ] && break
        sleep 0.1
    done
    [ -z "$(records)" ]
}

@test "names are unique" {
    hull run --name twin busybox true
    run hull run --name twin busybox true
    assert_equal "$status" 125
    assert_output --partial 'the container name "/twin" is already in use'
    [ "$(records | wc -l)" -eq 1 ]
}

@test "Debian bookworm: /etc/debian_version, PID 1 and the hostname" {
    debian_tar
    run hull import "$DEBIAN_TAR" debian:bookworm
    assert_success
    run hull run --rm debian:bookworm cat /etc/debian_version
    assert_success
    assert_output --regexp '^12\.[0-9]+$'
    run hull run --rm --hostname deb debian:bookworm sh -c 'hostname; tr "\0" " " </proc/1/cmdline'
    assert_success
    assert_line --index 0 deb
    assert_line --index 1 --regexp '^sh -c hostname; tr'
    run hull run --rm -u nobody debian:bookworm id
    assert_output --partial "uid=65534(nobody)"
}
