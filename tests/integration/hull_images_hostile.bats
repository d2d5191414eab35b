#!/usr/bin/env bats
# Hostile images: layers crafted to write outside their directory
# (CVE-2014-6407, CVE-2014-9356, CVE-2021-32760 and friends), damaged
# blobs and archives.  Each is refused or stays confined to the layer's
# own directory; the host files they aim at never change, and a refused
# load leaves nothing in the store.

load images_helpers

setup_file() {
    images_setup_file
}

setup() {
    images_setup
    HOST="$T/host"
    mkdir -p "$HOST/dir" "$T/src"
    echo original >"$HOST/file"
    chmod 0700 "$HOST/dir"
    echo payload >"$T/src/payload"
}

teardown() {
    images_teardown
}

# The host targets are as they were.
host_untouched() {
    [ "$(cat "$HOST/file")" = original ]
    [ "$(stat -c %a "$HOST/dir")" = 700 ]
    [ -z "$(ls -A "$HOST/dir")" ]
    [ ! -e "$T/escaped" ] && [ ! -e /escaped-by-hull-test ]
}

# load_layer NAME TAR: loads an image of busybox plus TAR; $status, $output.
load_layer() {
    oci_layout "$T/oci-$1" "$1:1" '{"Cmd":["/bin/sh"]}' "$BUSYBOX_TAR" "$2"
    run hull load -i "$T/oci-$1"
}

# top_layer REF: the directory of the image's top layer.
top_layer() {
    hull inspect --format '{{.GraphDriver.Data.UpperDir}}' "$1"
}

# The store holds no layer beyond busybox's and no work directory.
nothing_stored() {
    store_clean
    [ -z "$(hull images -q)" ]
    [ -z "$(ls -A "$HROOT/layers" 2>/dev/null)" ]
}

@test "a name with .. is refused" {
    tar -C "$T/src" -P --transform 's,^payload$,../../escaped,' -cf "$T/evil.tar" payload
    tar -tf "$T/evil.tar" | grep -qx '../../escaped'
    load_layer dotdot "$T/evil.tar"
    assert_failure
    assert_output --partial 'path contains ".."'
    nothing_stored
    host_untouched
}

@test "an absolute name lands inside the layer" {
    tar -C "$T/src" -P --transform "s,^payload\$,$HOST/file," -cf "$T/evil.tar" payload
    load_layer absolute "$T/evil.tar"
    assert_success
    host_untouched
    [ "$(cat "$(top_layer absolute:1)/$HOST/file")" = payload ]
}

@test "a file written through an earlier absolute symlink stays inside" {
    ln -s "$HOST/dir" "$T/src/link"
    tar -C "$T/src" --transform 's,^payload$,link/pwned,S' -cf "$T/evil.tar" link payload
    tar -tvf "$T/evil.tar" | grep -q 'link/pwned'
    # the link resolves inside the layer, where that directory does not exist
    load_layer abslink "$T/evil.tar"
    assert_failure
    assert_output --partial 'layer entry "link/pwned": open "link" inside the root'
    nothing_stored
    host_untouched
    # with the directory made inside the layer first, the file lands there
    mkdir -p "$T/src3$HOST/dir"
    ln -s "$HOST/dir" "$T/src3/link"
    cp "$T/src/payload" "$T/src3/payload"
    tar -C "$T/src3" --transform 's,^payload$,link/pwned,S' -cf "$T/evil3.tar" "${HOST#/}" link \
        payload
    load_layer abslink3 "$T/evil3.tar"
    assert_success
    host_untouched
    [ "$(cat "$(top_layer abslink3:1)/$HOST/dir/pwned")" = payload ]
}

@test "a file written through a relative symlink climbing out stays inside" {
    ln -s ../../../../../../../../../../.. "$T/src/up"
    tar -C "$T/src" --transform 's,^payload$,up/escaped-by-hull-test,S' -cf "$T/evil.tar" up payload
    load_layer rellink "$T/evil.tar"
    assert_success
    host_untouched
    [ "$(cat "$(top_layer rellink:1)/escaped-by-hull-test")" = payload ]
}

@test "a hardlink to a host file is refused" {
    ln "$T/src/payload" "$T/src/hard"
    tar -C "$T/src" -P --transform "s,^payload\$,$HOST/file,h" -cf "$T/evil.tar" payload hard
    tar -P -tvf "$T/evil.tar" | grep -q "link to $HOST/file"
    # the first entry is the (confined) absolute file: drop it, keep the link
    tar --delete -f "$T/evil.tar" "$HOST/file" 2>/dev/null || tar -P --delete -f "$T/evil.tar" "$HOST/file"
    load_layer hardlink "$T/evil.tar"
    assert_failure
    assert_output --partial "is not a file of this layer"
    nothing_stored
    host_untouched
}

@test "a directory entry over a symlink does not chmod the symlink's target" {
    ln -s "$HOST/dir" "$T/src/evil"
    mkdir "$T/src2" && mkdir -m 0777 "$T/src2/evil"
    tar -C "$T/src" -cf "$T/evil.tar" evil
    tar -C "$T/src2" -rf "$T/evil.tar" evil
    load_layer chmodlink "$T/evil.tar"
    assert_success
    host_untouched
}

@test "bad whiteouts and overlayfs xattrs are refused" {
    touch "$T/src/.wh."
    tar -C "$T/src" -cf "$T/bare.tar" .wh.
    load_layer bare "$T/bare.tar"
    assert_failure
    assert_output --partial "invalid whiteout"
    nothing_stored
    setfattr -n trusted.overlay.redirect -v /etc "$T/src/payload"
    tar -C "$T/src" --xattrs --xattrs-include='trusted.*' -cf "$T/xattr.tar" payload
    load_layer xattr "$T/xattr.tar"
    assert_failure
    assert_output --partial "reserved for overlayfs"
    nothing_stored
}

@test "a damaged or truncated blob is refused and leaves nothing" {
    mkdir -p "$T/l/etc" && seq 1 20000 >"$T/l/etc/numbers"
    layer_tar "$T/l.tar" "$T/l"
    gzip "$T/l.tar"
    oci_layout "$T/oci" "dmg:1" '{}' "$T/l.tar.gz"
    blob="$T/oci/blobs/sha256/$(sha256sum "$T/l.tar.gz" | cut -d' ' -f1)"
    printf '\x00\x01\x02' | dd of="$blob" bs=1 seek=200 conv=notrunc status=none
    run hull load -i "$T/oci"
    assert_failure
    assert_output --regexp 'does not match the manifest|damaged'
    nothing_stored
    cp "$T/l.tar.gz" "$blob"
    truncate -s 100 "$blob"
    run hull load -i "$T/oci"
    assert_failure
    nothing_stored
    # a docker archive cut short
    head -c 1000000 "$DOCKER_TAR" >"$T/short.tar"
    run hull load -i "$T/short.tar"
    assert_failure
    assert_output --partial truncated
    nothing_stored
    run hull load -i /dev/null
    assert_failure
    nothing_stored
}
