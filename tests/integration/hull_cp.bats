#!/usr/bin/env bats
# hull cp: files both ways between a container and the host, by docker
# cp's rules, on running and stopped containers, confined to the
# container's root even while the container swaps symlinks under it
# (CVE-2018-15664).

load helpers
load hull_ctr_helpers

@test "cp copies a file both ways" {
    start_ctr box
    echo "from host" >"$BATS_TEST_TMPDIR/in.txt"
    run hull cp "$BATS_TEST_TMPDIR/in.txt" box:/tmp/in.txt
    assert_success
    run hull exec box cat /tmp/in.txt
    assert_output "from host"
    hull exec box sh -c 'echo from container > /tmp/out.txt'
    run hull cp box:/tmp/out.txt "$BATS_TEST_TMPDIR/out.txt"
    assert_success
    assert_equal "$(cat "$BATS_TEST_TMPDIR/out.txt")" "from container"
    # Into an existing directory: under the source's name.
    run hull cp box:/etc/passwd "$BATS_TEST_TMPDIR"
    assert_success
    grep -q '^root:' "$BATS_TEST_TMPDIR/passwd"
    # Relative container paths start at its root.
    run hull cp box:etc/group "$BATS_TEST_TMPDIR/group"
    assert_success
    grep -q '^root:' "$BATS_TEST_TMPDIR/group"
}

@test "cp follows docker cp's rules for directories" {
    start_ctr box
    local src="$BATS_TEST_TMPDIR/src"
    mkdir -p "$src/sub"
    echo a >"$src/a"
    echo b >"$src/sub/b"
    ln -s a "$src/link"
    # A directory into an existing one: copied as a subdirectory.
    hull exec box mkdir /dst
    run hull cp "$src" box:/dst
    assert_success
    run hull exec box sh -c 'cat /dst/src/a /dst/src/sub/b; readlink /dst/src/link'
    assert_output "$(printf 'a\nb\na')"
    # "DIR/." copies the contents.
    run hull cp "$src/." box:/dst
    assert_success
    run hull exec box cat /dst/a
    assert_output a
    # A directory to a path that does not exist: created with the contents.
    run hull cp box:/dst/src "$BATS_TEST_TMPDIR/new"
    assert_success
    [ -f "$BATS_TEST_TMPDIR/new/sub/b" ]
    [ -L "$BATS_TEST_TMPDIR/new/link" ]
    # A directory onto a file, a file into a missing directory: errors.
    run hull cp "$src" box:/dst/a
    assert_failure
    assert_output --partial "cannot copy a directory to a file"
    run hull cp "$src/a" box:/nonexistent/
    assert_failure
    run hull cp box:/nonexistent "$BATS_TEST_TMPDIR/x"
    assert_failure
    assert_output --partial "Could not find the file /nonexistent in container box"
}

@test "cp keeps owners with -a, gives them to the destination's root without" {
    start_ctr box
    hull exec box sh -c 'echo x > /tmp/owned; chown 1234:5678 /tmp/owned; chmod 640 /tmp/owned'
    run hull cp box:/tmp/owned "$BATS_TEST_TMPDIR/plain"
    assert_success
    assert_equal "$(stat -c '%u:%g %a' "$BATS_TEST_TMPDIR/plain")" "0:0 640"
    run hull cp -a box:/tmp/owned "$BATS_TEST_TMPDIR/kept"
    assert_success
    assert_equal "$(stat -c '%u:%g %a' "$BATS_TEST_TMPDIR/kept")" "1234:5678 640"
    echo y >"$BATS_TEST_TMPDIR/hostfile"
    chown 4321:8765 "$BATS_TEST_TMPDIR/hostfile"
    hull cp "$BATS_TEST_TMPDIR/hostfile" box:/tmp/h1
    hull cp -a "$BATS_TEST_TMPDIR/hostfile" box:/tmp/h2
    run hull exec box stat -c '%u:%g' /tmp/h1 /tmp/h2
    assert_output "$(printf '0:0\n4321:8765')"
}

@test "cp works on a stopped container, with its volumes" {
    run hull run -d --name stopped -v data:/data busybox sh -c 'echo inside > /etc/marker; echo vol > /data/v'
    assert_success
    wait_exited stopped
    run hull cp stopped:/etc/marker "$BATS_TEST_TMPDIR/marker"
    assert_success
    assert_equal "$(cat "$BATS_TEST_TMPDIR/marker")" inside
    run hull cp stopped:/data/v "$BATS_TEST_TMPDIR/v"
    assert_success
    assert_equal "$(cat "$BATS_TEST_TMPDIR/v")" vol
    echo new >"$BATS_TEST_TMPDIR/new"
    run hull cp "$BATS_TEST_TMPDIR/new" stopped:/etc/new
    assert_success
    # Nothing of the copy stays mounted on the host.
    [ -z "$(awk -v d="$HROOT" 'index($5, d) == 1' /proc/self/mountinfo)" ]
    run hull start stopped
    assert_success
    wait_exited stopped
    run hull cp stopped:/etc/new "$BATS_TEST_TMPDIR/back"
    assert_success
    assert_equal "$(cat "$BATS_TEST_TMPDIR/back")" new
}

@test "cp sees a running container's volumes and refuses a read-only root" {
    start_ctr box -v vol1:/vol
    echo v >"$BATS_TEST_TMPDIR/v"
    run hull cp "$BATS_TEST_TMPDIR/v" box:/vol/v
    assert_success
    [ -f "$HROOT/volumes/vol1/_data/v" ]
    start_ctr ro --read-only
    run hull cp "$BATS_TEST_TMPDIR/v" ro:/tmp/v
    assert_failure
    assert_output --partial "read-only"
}

# The container swaps /w/link between a directory and a symlink to a host
# path while cp reads and writes through it: every resolution must stay
# inside the container, so the host's file is never read nor written.
@test "cp through a path the container keeps swapping stays inside it" {
    local host="$BATS_TEST_TMPDIR/host"
    mkdir -p "$host"
    echo "host secret" >"$host/secret.txt"
    start_ctr box
    hull exec -d box sh -c "mkdir -p /w $host; echo decoy > $host/secret.txt
        while :; do
            rm -rf /w/link 2>/dev/null; mkdir /w/link; echo inside > /w/link/secret.txt
            rm -rf /w/link 2>/dev/null; ln -s $host /w/link
        done"
    echo payload >"$BATS_TEST_TMPDIR/payload"
    local i got
    for i in $(seq 40); do
        rm -f "$BATS_TEST_TMPDIR/got"
        if hull cp box:/w/link/secret.txt "$BATS_TEST_TMPDIR/got" 2>/dev/null; then
            # Empty: caught between the container's create and write.
            got="$(cat "$BATS_TEST_TMPDIR/got")"
            [ "$got" = inside ] || [ "$got" = decoy ] || [ -z "$got" ] || {
                echo "round $i read \"$got\"" >&2
                return 1
            }
        fi
        hull cp "$BATS_TEST_TMPDIR/payload" "box:/w/link/pwned" 2>/dev/null || true
        [ ! -e "$host/pwned" ]
    done
    assert_equal "$(cat "$host/secret.txt")" "host secret"
    [ ! -e "$host/pwned" ]
}
