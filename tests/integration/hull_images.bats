#!/usr/bin/env bats
# Images: load from real archives (docker save, skopeo, umoci) and what a
# container of them sees compared with `docker run` of the same image,
# images/tag/rmi/prune/history/inspect, hostile layers, 100+ layers,
# commit, export and diff.

load images_helpers

setup_file() {
    images_setup_file
}

setup() {
    images_setup
}

teardown() {
    images_teardown
}

@test "load of a docker save archive: the container sees what docker run shows" {
    run hull load -i "$DOCKER_TAR"
    assert_success
    assert_output "Loaded image: hulltest/layers:1"
    run tree_of hulltest/layers:1
    assert_success
    diff -u <(docker_tree) <(echo "$output")
    store_clean
}

@test "load of skopeo's OCI layout and oci-archive, gzip layers: the same tree" {
    run hull load -i "$HULL_CACHE/skopeo-oci"
    assert_success
    assert_output --regexp '^Loaded image ID: sha256:[0-9a-f]{64}$'
    id="${output##* }"
    diff -u <(docker_tree) <(tree_of "$id")
    # the archive and the layout hold the same image: nothing new to unpack
    layers="$(ls "$HROOT/layers" | wc -l)"
    hull load -q -i "$HULL_CACHE/skopeo-oci.tar"
    [ "$(ls "$HROOT/layers" | wc -l)" -eq "$layers" ]
    # a compressed archive read from standard input
    gzip -c "$HULL_CACHE/skopeo-oci.tar" | hull load -q
    store_clean
}

@test "load of umoci's layout: the second layer deletes a file of the first" {
    run hull load -i "$HULL_CACHE/umoci-oci"
    assert_success
    id="${output##* }"
    layers=("$HROOT"/layers/*)
    run hull inspect --format '{{json .RootFS.Layers}}' "$id"
    assert_success
    [ "$(echo "$output" | jq length)" -eq 2 ]
    top="$HROOT/layers/$(echo "$output" | jq -r '.[1]' | cut -d: -f2)"
    low="$HROOT/layers/$(echo "$output" | jq -r '.[0]' | cut -d: -f2)"
    [ "$(cat "$low/srv/gone")" = gone ]
    [ "$(stat -c %t:%T "$top/srv/gone")" = 0:0 ] # the whiteout, for overlayfs
    [ "$(cat "$top/etc/second")" = second ]
}

@test "load of buildah's oci-archive: its layer deletes a file of the one below" {
    run hull load -i "$HULL_CACHE/buildah-oci.tar"
    assert_success
    assert_output "Loaded image: hulltest/buildah:1"
    run hull run --rm --network none hulltest/buildah:1 sh -c 'cat /etc/second; ls /etc/hello'
    assert_failure
    assert_line second
    assert_line --partial "No such file"
}

@test "zstd and gzip layers with a whiteout and an opaque directory" {
    mkdir -p "$T/l1/etc/d" "$T/l2/etc/d"
    echo one >"$T/l1/etc/a"
    echo gone >"$T/l1/etc/b"
    echo old >"$T/l1/etc/d/old"
    layer_tar "$T/l1.tar" "$T/l1"
    zstd -q "$T/l1.tar" -o "$T/l1.tar.zst"
    echo new >"$T/l2/etc/d/new"
    touch "$T/l2/etc/.wh.b" "$T/l2/etc/d/.wh..wh..opq"
    layer_tar "$T/l2.tar" "$T/l2"
    gzip "$T/l2.tar"
    oci_layout "$T/oci" "mixed:1" '{"Cmd":["/bin/sh"]}' "$BUSYBOX_TAR" "$T/l1.tar.zst" "$T/l2.tar.gz"
    run hull load -i "$T/oci"
    assert_success
    assert_output "Loaded image: mixed:1"
    run hull run --rm --network none mixed:1 sh -c 'cat /etc/a; ls /etc/b 2>&1; ls /etc/d'
    assert_success
    assert_output --partial one
    assert_output --partial "No such file"
    assert_line new
    refute_line old
}

@test "images, tag, history and inspect" {
    hull load -q -i "$DOCKER_TAR"
    run hull tag hulltest/layers:1 registry.example:5000/team/app:v2
    assert_success
    run hull images
    assert_success
    assert_line --index 0 --regexp '^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE$'
    assert_line --regexp '^hulltest/layers +1 +[0-9a-f]{12} +.* ago +19[0-9]MB$'
    assert_line --regexp '^registry.example:5000/team/app +v2 +[0-9a-f]{12} '
    run hull images -q
    [ "${#lines[@]}" -eq 1 ]
    run hull images --digests hulltest/layers
    assert_line --index 0 --regexp '^REPOSITORY +TAG +DIGEST +IMAGE ID'
    [ "${#lines[@]}" -eq 2 ]
    run hull images --format '{{.Repository}}:{{.Tag}} {{.ID}}' --filter reference='registry*/*/*'
    assert_output --regexp '^registry.example:5000/team/app:v2 [0-9a-f]{12}$'
    run hull images --format json
    [ "$(echo "${lines[0]}" | jq -r .Repository)" != null ]

    run hull history hulltest/layers:1
    assert_success
    assert_line --index 0 --regexp '^IMAGE +CREATED +CREATED BY +SIZE +COMMENT$'
    assert_line --index 1 --regexp '^[0-9a-f]{12} .*CMD \["/bin/sh"\]'
    assert_line --regexp '^<missing> .*ADD file:.* 19[0-9]MB'
    [ "${#lines[@]}" -eq 9 ]

    run hull inspect hulltest/layers:1
    assert_success
    json="$output"
    [ "$(echo "$json" | jq -r '.[0].Config.WorkingDir')" = /opt ]
    [ "$(echo "$json" | jq -r '.[0].Config.Env[1]')" = HULLTEST=1 ]
    [ "$(echo "$json" | jq -r '.[0].RootFS.Layers | length')" -eq 5 ]
    [ "$(echo "$json" | jq -r '.[0].RepoTags | length')" -eq 2 ]
    for key in Id RepoTags RepoDigests Parent Comment Created Container DockerVersion Author \
        Config Architecture Os Size VirtualSize GraphDriver RootFS; do
        echo "$json" | jq -e ".[0] | has(\"$key\")" >/dev/null
    done
    run hull image inspect --format '{{.Os}}/{{.Architecture}} {{json .Config.Cmd}}' hulltest/layers:1
    assert_output 'linux/amd64 ["/bin/sh"]'
    run hull inspect nosuchthing
    assert_failure
    assert_output --partial "No such object: nosuchthing"
}

@test "references: Docker Hub's implied parts, invalid format, registry digests" {
    hull import "$BUSYBOX_TAR" busybox >/dev/null
    id="$(hull images -q --no-trunc busybox)"
    # docker.io/, library/ and :latest are implied, like Docker's names
    for ref in library/busybox docker.io/library/busybox library/busybox:latest \
        index.docker.io/library/busybox:latest; do
        run hull inspect --format '{{.Id}}' "$ref"
        assert_success
        assert_output "$id"
        run hull history -q "$ref"
        assert_success
        run hull run --rm --network none "$ref" true
        assert_success
    done
    hull save -o "$T/bb.tar" library/busybox
    hull tag library/busybox library/copy$$
    run hull images --format '{{.Repository}}:{{.Tag}}' copy$$
    assert_output "copy$$:latest"
    run hull rmi library/copy$$
    assert_output "Untagged: copy$$:latest"
    # a malformed reference is a format error, never "not found"
    for ref in BUSYBOX 'bad@@name'; do
        for cmd in "run --rm" rmi history inspect images "save -o $T/x.tar"; do
            run hull $cmd "$ref"
            assert_failure
            assert_output --partial "invalid reference format: \"$ref\""
            refute_output --partial "not found"
        done
        run hull tag "$ref" other$$
        assert_output --partial "invalid reference format: \"$ref\""
        run hull tag busybox "$ref"
        assert_output --partial "invalid reference format: \"$ref\""
    done
    run hull run --rm BUSYBOX true
    assert_failure 125
    # only a registry's manifest is a digest: none for imported images
    run hull images --digests --format '{{.Repository}} {{.Digest}}' busybox
    assert_output "busybox <none>"
    run hull inspect --format '{{json .RepoDigests}}' busybox
    assert_output "[]"
    hull load -q -i "$HULL_CACHE/skopeo-oci"
    hull tag "$(hull images -q --no-trunc --filter dangling=true | head -1)" skopeo$$
    run hull images --digests --format '{{.Digest}}' skopeo$$
    assert_output --regexp '^sha256:[0-9a-f]{64}$'
    run hull inspect --format '{{json .RepoDigests}}' skopeo$$
    assert_output --regexp '^\["skopeo'"$$"'@sha256:[0-9a-f]{64}"\]$'
    store_clean
}

@test "rmi refuses an image a container uses, -f untags it, prune cleans up" {
    hull import "$BUSYBOX_TAR" bb:1 >/dev/null
    hull tag bb:1 bb:2
    run hull run --network none --name user bb:1 true
    assert_success
    run hull rmi bb:1
    assert_success
    assert_output "Untagged: bb:1"
    run hull rmi bb:2
    assert_failure
    assert_output --partial 'unable to remove repository reference "bb:2" (must force) - container'
    run hull rmi -f bb:2
    assert_success
    assert_output "Untagged: bb:2"
    run hull images --filter dangling=true -q
    [ "${#lines[@]}" -eq 1 ]
    # still usable by the container's own id
    run hull image prune -f
    assert_success
    assert_output "Total reclaimed space: 0B"
    hull rm user
    run hull image prune -f
    assert_success
    assert_line --regexp '^deleted: sha256:[0-9a-f]{64}$'
    [ -z "$(ls "$HROOT/layers")" ]
    [ -z "$(ls "$HROOT/blobs/sha256")" ]
}

@test "image prune -a removes unused tagged images, rmi by id needs -f with two tags" {
    hull import "$BUSYBOX_TAR" a:1 >/dev/null
    hull tag a:1 a:2
    run hull rmi "$(hull images -q | head -1)"
    assert_failure
    assert_output --partial "(must be forced) - image is referenced in multiple repositories"
    run hull image prune -f
    assert_output "Total reclaimed space: 0B"
    run hull image prune -a -f
    assert_success
    assert_line "untagged: a:1"
    assert_line "untagged: a:2"
    [ -z "$(hull images -q)" ]
}

@test "save and load round trip in both formats keep the image id" {
    hull load -q -i "$HULL_CACHE/umoci-oci"
    id="$(hull images -q --no-trunc)"
    hull tag "$id" rt:1
    for fmt in docker-archive oci-archive; do
        run hull save --format "$fmt" -o "$T/$fmt.tar" rt:1
        assert_success
        HROOT="$T/other-$fmt" run hull load -i "$T/$fmt.tar"
        assert_success
        assert_output "Loaded image: rt:1"
        [ "$(HROOT="$T/other-$fmt" hull images -q --no-trunc)" = "$id" ]
    done
    hull save rt:1 >"$T/stdout.tar"
    tar -tf "$T/stdout.tar" | grep -qx manifest.json
    run hull save --format nonsense rt:1
    assert_failure
    assert_output --partial 'unknown format "nonsense"'
    run hull save -o "$T/x.tar" nosuchimage
    assert_failure
    [ ! -e "$T/x.tar" ]
}

@test "an image of 120 layers runs" {
    local layers=() i
    for ((i = 0; i < 120; i++)); do
        mkdir -p "$T/l$i/layers"
        echo "$i" >"$T/l$i/layers/$i"
        echo "$i" >"$T/l$i/top"
        [ "$i" -ne 100 ] || touch "$T/l$i/layers/.wh.50"
        layer_tar "$T/l$i.tar" "$T/l$i"
        layers+=("$T/l$i.tar")
    done
    oci_layout "$T/oci" "tall:1" '{"Cmd":["/bin/sh"]}' "$BUSYBOX_TAR" "${layers[@]}"
    run hull load -i "$T/oci"
    assert_success
    run hull run --rm --network none tall:1 sh -c 'cat /top /layers/0 /layers/119; ls /layers | wc -l'
    assert_success
    assert_output "$(printf '119\n0\n119\n119')"
}

@test "the image config applies at run: entrypoint, cmd, env, workdir, user" {
    hull import -c 'ENTRYPOINT ["echo", "ep"]' -c 'CMD ["c1"]' -c 'ENV A=1' -c 'WORKDIR /tmp' \
        -c 'USER 65534' -c 'STOPSIGNAL SIGUSR1' -c 'EXPOSE 80/tcp' -c 'LABEL k=v' -c 'VOLUME /data' \
        "$BUSYBOX_TAR" cfg:1 >/dev/null
    run hull run --rm --network none cfg:1
    assert_output "ep c1"
    run hull run --rm --network none cfg:1 x y
    assert_output "ep x y"
    run hull run --rm --network none --entrypoint sh cfg:1 -c 'echo $A $(pwd) $(id -u)'
    assert_output "1 /tmp 65534"
    run hull inspect --format '{{json .Config.ExposedPorts}} {{.Config.StopSignal}} {{json .Config.Labels}} {{json .Config.Volumes}}' cfg:1
    assert_output '{"80/tcp":{}} SIGUSR1 {"k":"v"} {"/data":{}}'
}

@test "diff, export and commit of a container, and the committed image round trips" {
    hull load -q -i "$DOCKER_TAR"
    run hull run --network none --name box hulltest/layers:1 sh -c \
        'rm -rf /etc/cron.daily /usr/share/doc && rm /etc/issue && mkdir /usr/share/doc && echo x >/usr/share/doc/x && echo new >/root/new && ln /root/new /opt/c/new-link && chmod 600 /etc/debian_version'
    assert_success
    run hull diff box
    assert_success
    assert_line "C /etc"
    assert_line "D /etc/cron.daily"
    assert_line "D /etc/issue"
    assert_line "C /etc/debian_version"
    assert_line "A /root/new"
    assert_line "C /usr"
    assert_line "C /usr/share/doc" # made again: opaque over the image's
    refute_line "D /usr/share/doc"
    assert_line "A /usr/share/doc/x"
    assert_line "C /opt/c"
    assert_line "A /opt/c/new-link"

    hull export -o "$T/box.tar" box
    tar -tf "$T/box.tar" >"$T/names"
    grep -qx 'root/new' "$T/names"
    grep -qx 'usr/share/doc/x' "$T/names"
    ! grep -q '^etc/issue$' "$T/names"
    ! grep -q '^etc/cron.daily' "$T/names"
    ! grep -q '\.wh\.' "$T/names"
    [ "$(tar -tvf "$T/box.tar" root/new | cut -c1)" = h ] # a link to opt/c/new-link, first in name order

    run hull commit -m "test commit" -c 'ENV COMMITTED=1' box committed:1
    assert_success
    assert_output --regexp '^sha256:[0-9a-f]{64}$'
    run hull history committed:1
    assert_line --index 1 --regexp 'rm -rf /etc/cron.daily .* test commit$'
    # the new image shows the container's tree, also after save and load
    run tree_of committed:1
    assert_success
    committed_tree="$output"
    echo "$committed_tree" | grep -q '^\./root/new -rw-r--r-- 0:0 n=2$'
    echo "$committed_tree" | grep -q '^\./etc/debian_version -rw------- 0:0 '
    ! echo "$committed_tree" | grep -q '^\./etc/issue '
    hull save -o "$T/c.tar" committed:1
    HROOT="$T/fresh" hull load -q -i "$T/c.tar"
    diff -u <(echo "$committed_tree") <(HROOT="$T/fresh" tree_of committed:1)
    run hull run --rm --network none committed:1 sh -c 'echo $COMMITTED'
    assert_output 1
    hull rm box
}

@test "diff of an opaque directory, and a committed layer's whiteouts are files of their own" {
    hull import "$BUSYBOX_TAR" busybox >/dev/null
    hull run --network none --name box busybox sh -c \
        'rm -rf /usr/bin; mkdir /usr/bin; echo x >/usr/bin/only; rm /bin/cat /bin/ls; mkdir /new; rm -r /new; mkdir /new; touch /new/f'
    run hull diff box
    assert_success
    # as docker diff shows it (hull_images_interop.bats compares them): the
    # directory changed, what the image had in it deleted, the new file added
    assert_line "C /usr"
    assert_line "C /usr/bin"
    refute_line "D /usr/bin"
    assert_line "D /usr/bin/awk"
    assert_line "D /usr/bin/wget"
    assert_line "A /usr/bin/only"
    refute_line "D /usr/bin/only"
    assert_line "C /bin"
    assert_line "D /bin/cat"
    assert_line "D /bin/ls"
    assert_line "A /new"
    assert_line "A /new/f"
    refute_line "D /new"

    hull commit box committed$$ >/dev/null
    hull save -o "$T/c.tar" committed$$
    mkdir "$T/c"
    tar -C "$T/c" -xf "$T/c.tar"
    top="$T/c/$(jq -r '.[0].Layers[-1]' "$T/c/manifest.json")"
    tar -tvf "$top" >"$T/list"
    cat "$T/list"
    # each whiteout an empty regular file, none a hard link to another
    for wh in bin/.wh.cat bin/.wh.ls usr/bin/.wh..wh..opq; do
        grep -E "^-rw------- 0/0 +0 .* $wh\$" "$T/list"
    done
    ! grep -q '^h' "$T/list"
    ! grep -q ' link to ' "$T/list"
    # the image shows what the container saw
    run hull run --rm --network none committed$$ /bin/busybox ls /usr/bin /new
    assert_success
    assert_output "$(printf '/new:\nf\n\n/usr/bin:\nonly')"
    run hull run --rm --network none committed$$ /bin/busybox ls /bin/cat
    assert_failure
    hull rm box
}

@test "system df counts a layer shared by images once, df -v shows shared and unique sizes" {
    hull import "$BUSYBOX_TAR" busybox >/dev/null
    hull run --network none --name one$$ busybox sh -c 'echo one >/one'
    hull commit one$$ one$$ >/dev/null
    hull run --network none --name two$$ busybox sh -c 'echo two2 >/two'
    hull commit two$$ two$$ >/dev/null
    hull rm one$$ two$$
    base="$(hull images --format '{{.Size}}' busybox)"
    [ "$base" = 1.98MB ]
    hull create --name user$$ --network none one$$ true >/dev/null
    run hull system df
    assert_success
    # 3 images, one used; 1.98MB once, and only two's 5 bytes are not used
    assert_line --regexp "^Images +3 +1 +$base +5B \(0%\)\$"
    run hull system df -v
    assert_success
    assert_line "Images space usage:"
    assert_line --regexp '^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE +SHARED SIZE +UNIQUE SIZE +CONTAINERS$'
    assert_line --regexp "^one$$ +latest +[0-9a-f]{12} .* +$base +$base +4B +1\$"
    assert_line --regexp "^two$$ +latest +[0-9a-f]{12} .* +$base +$base +5B +0\$"
    assert_line --regexp "^busybox +latest +[0-9a-f]{12} .* +$base +$base +0B +0\$"
    assert_line --regexp "^[0-9a-f]{12} +one$$ +\"true\" +0 +0B +.* ago +Created +user$$\$"
    assert_line "Local Volumes space usage:"
    hull rm user$$
    # nothing used: everything is reclaimable, and prune frees it
    run hull system df
    assert_line --regexp "^Images +3 +0 +$base +$base \(100%\)\$"
    hull image prune -af >/dev/null
    run hull system df
    assert_line --regexp '^Images +0 +0 +0B +0B$'
}
