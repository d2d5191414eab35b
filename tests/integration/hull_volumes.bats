#!/usr/bin/env bats
# Volumes and mounts of hull run (-v, --mount, --tmpfs, --read-only) and
# the hull volume commands: named volumes persist across containers and
# start with a copy of the image's content, anonymous ones come from the
# image's VOLUMEs and -v /path, binds are the host's own directories.

load helpers
load hull_ctr_helpers

# An image like busybox with /data/hello and VOLUME /data.
import_volume_image() {
    local dir="$BATS_TEST_TMPDIR/img"
    mkdir -p "$dir/data"
    echo hello >"$dir/data/hello"
    chown 1000:1000 "$dir/data"
    cp "$BUSYBOX_TAR" "$BATS_TEST_TMPDIR/withdata.tar"
    tar --numeric-owner -C "$dir" -rf "$BATS_TEST_TMPDIR/withdata.tar" ./data
    run hull import -c 'VOLUME /data' "$BATS_TEST_TMPDIR/withdata.tar" withdata
    assert_success
}

@test "a named volume persists across containers" {
    run hull run --rm -v data:/data busybox sh -c 'echo kept > /data/f'
    assert_success
    run hull run --rm -v data:/data busybox cat /data/f
    assert_success
    assert_output kept
    run hull volume ls -q
    assert_output data
    [ -f "$HROOT/volumes/data/_data/f" ]
}

@test "a new named volume starts with the image's content, an old one keeps its own" {
    run hull run --rm -v etcvol:/etc busybox cat /etc/passwd
    assert_success
    assert_output --partial "root:"
    [ -f "$HROOT/volumes/etcvol/_data/passwd" ]
    echo mine >"$HROOT/volumes/etcvol/_data/passwd"
    run hull run --rm -v etcvol:/etc busybox cat /etc/passwd
    assert_output mine
    # nocopy: nothing is copied.
    run hull run --rm -v empty:/usr/bin:nocopy busybox ls /usr/bin
    assert_success
    assert_output ""
}

@test "the image's VOLUME becomes an anonymous volume with its content" {
    import_volume_image
    run hull run --name c1 withdata sh -c 'cat /data/hello; stat -c %u /data; echo more > /data/more'
    assert_success
    assert_output "$(printf 'hello\n1000')"
    run hull inspect -f '{{json .Mounts}}' c1
    assert_success
    local name
    name="$(jq -r '.[0].Name' <<<"$output")"
    assert_equal "$(jq -r '.[0].Type + " " + .[0].Destination' <<<"$output")" "volume /data"
    [[ "$name" =~ ^[0-9a-f]{64}$ ]]
    [ -f "$HROOT/volumes/$name/_data/more" ]
    # In use: rm refuses it.
    run hull volume rm "$name"
    assert_failure
    assert_output --partial "volume is in use"
    # rm -v takes the anonymous volume with the container.
    run hull rm -v c1
    assert_success
    run hull volume ls -q
    assert_output ""
}

@test "-v /path makes an anonymous volume, prune removes unused ones" {
    run hull run --name c1 -v /anon busybox touch /anon/x
    assert_success
    run hull volume ls -q
    [[ "$output" =~ ^[0-9a-f]{64}$ ]]
    run hull rm c1
    assert_success
    run hull volume ls -q --filter dangling=true
    [[ "$output" =~ ^[0-9a-f]{64}$ ]]
    run hull volume create named
    run hull volume prune -f
    assert_success
    assert_line "Deleted Volumes:"
    run hull volume ls -q
    assert_output named
    run hull volume prune -a -f
    run hull volume ls -q
    assert_output ""
}

@test "run --rm takes its anonymous volumes, also when the command cannot start" {
    run hull run --rm -v /anon busybox touch /anon/x
    assert_success
    run -127 hull run --rm -v /anon busybox /no/such/command
    run hull volume ls -q
    assert_success
    assert_output ""
}

@test "a bind mount shares a host directory, read-only with :ro" {
    local dir="$BATS_TEST_TMPDIR/share"
    mkdir -p "$dir"
    echo host >"$dir/f"
    run hull run --rm -v "$dir:/mnt" busybox sh -c 'cat /mnt/f; echo ctr > /mnt/g'
    assert_success
    assert_output host
    assert_equal "$(cat "$dir/g")" ctr
    run hull run --rm -v "$dir:/mnt:ro,z" busybox sh -c 'echo no > /mnt/h'
    assert_failure
    assert_output --partial "Read-only file system"
    [ ! -e "$dir/h" ]
    run hull run --rm --mount "type=bind,source=$dir,target=/m,readonly" busybox cat /m/f
    assert_success
    assert_output host
}

@test "a bind source starting with ./ or . is relative to the current directory" {
    local dir="$BATS_TEST_TMPDIR/cwd"
    mkdir -p "$dir/box"
    echo here >"$dir/box/f"
    cd "$dir"
    run hull run --rm -v ./box:/b busybox cat /b/f
    assert_success
    assert_output here
    run hull run --rm -v .:/b:ro busybox cat /b/box/f
    assert_success
    assert_output here
    run hull run --rm --mount type=bind,source=./box,target=/b busybox cat /b/f
    assert_success
    assert_output here
    run hull inspect --format '{{range .Mounts}}{{.Source}}{{end}}' \
        "$(hull create -v ./box:/b busybox true)"
    assert_output "$dir/box"
    hull rm "$(hull ps -aq)"
    # no volume was made of the names
    run hull volume ls -q
    assert_output ""
    run hull run --rm -v ./missing:/b busybox true
    assert_failure 125
    assert_output --partial "bind source path does not exist: $dir/missing"
}

@test "a missing bind source is an error and nothing is left" {
    run hull run --rm -v "$BATS_TEST_TMPDIR/missing:/mnt" busybox true
    assert_failure 125
    assert_output --partial "bind source path does not exist"
    [ -z "$(records)" ]
    run hull run --rm -v "relative/path:/mnt" busybox true
    assert_failure 125
    run hull run --rm -v "/a:/b" -v "/c:/b" busybox true
    assert_failure 125
    assert_output --partial "Duplicate mount point: /b"
}

@test "--mount volume and tmpfs, --tmpfs and --read-only" {
    run hull run --rm --mount type=volume,src=mvol,dst=/v busybox sh -c 'echo m > /v/f'
    assert_success
    [ -f "$HROOT/volumes/mvol/_data/f" ]
    run hull run --rm --mount type=tmpfs,dst=/t,tmpfs-size=1m busybox sh -c 'grep " /t " /proc/mounts'
    assert_success
    assert_output --regexp '^tmpfs /t tmpfs .*size=1024k'
    run hull run --rm --tmpfs /scratch:size=2m busybox sh -c 'grep " /scratch " /proc/mounts'
    assert_output --regexp 'noexec.*size=2048k'
    run hull run --rm --read-only busybox touch /x
    assert_failure
    assert_output --partial "Read-only file system"
    run hull run --rm --read-only --tmpfs /tmp busybox touch /tmp/x
    assert_success
}

@test "volume create, inspect, ls and rm" {
    run hull volume create -l owner=test v1
    assert_success
    assert_output v1
    run hull volume create v1
    assert_success
    run hull volume inspect v1
    assert_success
    assert_equal "$(jq -r '.[0] | [.Name, .Driver, .Scope, .Mountpoint, .Labels.owner] | join(" ")' <<<"$output")" \
        "v1 local local $HROOT/volumes/v1/_data test"
    run hull volume inspect -f '{{.Mountpoint}}' v1
    assert_output "$HROOT/volumes/v1/_data"
    run hull volume ls
    assert_line --index 0 --regexp '^DRIVER +VOLUME NAME$'
    assert_line --regexp '^local +v1$'
    run hull volume ls -q --filter label=owner=test
    assert_output v1
    run hull volume create 'bad/name'
    assert_failure
    run hull volume rm v1
    assert_success
    assert_output v1
    run hull volume rm v1
    assert_failure
    assert_output --partial "no such volume"
    run hull volume rm -f v1
    assert_success
}
