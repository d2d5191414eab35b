#!/usr/bin/env bats
# What hull save writes, other tools read: `docker load` (Debian's
# docker.io, a private dockerd started for this file and stopped by its
# pid), `podman load` (its own storage under the test's temp dir) and
# skopeo.  The image docker runs from hull's archive shows the same tree
# as the image docker built.

load images_helpers

setup_file() {
    images_setup_file
    export DOCKER_RUN="/run/hull-test-interop-$$"
    export DOCKER_DATA="$BATS_FILE_TMPDIR/docker"
    mkdir -p "$DOCKER_RUN"
    dockerd --data-root "$DOCKER_DATA" --exec-root "$DOCKER_RUN/exec" \
        -H "unix://$DOCKER_RUN/docker.sock" --pidfile "$DOCKER_RUN/docker.pid" \
        --bridge=none --iptables=false --ip6tables=false >"$BATS_FILE_TMPDIR/dockerd.log" 2>&1 3>&- &
    export DOCKERD_PID=$!
    export DOCKER_HOST="unix://$DOCKER_RUN/docker.sock"
    for _ in $(seq 150); do
        docker version >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    tail -20 "$BATS_FILE_TMPDIR/dockerd.log" >&2
    return 1
}

teardown_file() {
    if [ -n "${DOCKERD_PID:-}" ]; then
        kill "$DOCKERD_PID" 2>/dev/null || true
        for _ in $(seq 100); do
            kill -0 "$DOCKERD_PID" 2>/dev/null || break
            sleep 0.1
        done
    fi
    for m in $(awk -v a="$DOCKER_DATA" -v b="$DOCKER_RUN" \
        'index($5, a) == 1 || index($5, b) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
        umount -l "$m" || true
    done
    rm -rf "$DOCKER_RUN" "$DOCKER_DATA"
}

setup() {
    images_setup
    hull load -q -i "$DOCKER_TAR"
}

teardown() {
    images_teardown
    docker rmi -f hulltest/layers:1 hulltest/oci:1 >/dev/null 2>&1 || true
}

docker_tree_of() {
    docker run --rm --network none "$1" /bin/sh -c "$LISTING"
}

@test "docker load reads hull's docker-archive and runs the same tree" {
    hull save -o "$T/d.tar" hulltest/layers:1
    run docker load -i "$T/d.tar"
    assert_success
    assert_output --partial "Loaded image: hulltest/layers:1"
    [ "$(docker image inspect -f '{{.Id}}' hulltest/layers:1)" = "$(hull images -q --no-trunc)" ]
    diff -u <(docker_tree) <(docker_tree_of hulltest/layers:1 | grep -v '^\./etc/mtab ')
}

@test "docker load reads hull's oci-archive (through its manifest.json)" {
    hull tag hulltest/layers:1 hulltest/oci:1
    hull save --format oci-archive -o "$T/o.tar" hulltest/oci:1
    tar -tf "$T/o.tar" | grep -qx index.json
    run docker load -i "$T/o.tar"
    assert_success
    assert_output --partial "Loaded image: hulltest/oci:1"
    run docker run --rm --network none hulltest/oci:1 cat /opt/a/b/g
    assert_output other
}

@test "skopeo reads both formats" {
    hull save -o "$T/d.tar" hulltest/layers:1
    hull save --format oci-archive -o "$T/o.tar" hulltest/layers:1
    run skopeo inspect --config "docker-archive:$T/d.tar"
    assert_success
    [ "$(echo "$output" | jq -r '.rootfs.diff_ids | length')" -eq 5 ]
    run skopeo copy --quiet "oci-archive:$T/o.tar" "oci:$T/copy:x"
    assert_success
    # and the copy loads back into hull as the same image
    HROOT="$T/again" run hull load -i "$T/copy"
    assert_success
    [ "$(HROOT="$T/again" hull images -q --no-trunc)" = "$(hull images -q --no-trunc)" ]
}

@test "podman load reads both formats" {
    local conf="$T/containers.conf"
    printf '[containers]\ndefault_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]\n' >"$conf"
    hull save -o "$T/d.tar" hulltest/layers:1
    hull save --format oci-archive -o "$T/o.tar" hulltest/layers:1
    for f in d o; do
        run env CONTAINERS_CONF="$conf" podman --root "$T/podman-$f" --runroot "$T/podman-run-$f" \
            --storage-driver vfs load -i "$T/$f.tar"
        assert_success
        run env CONTAINERS_CONF="$conf" podman --root "$T/podman-$f" --runroot "$T/podman-run-$f" \
            --storage-driver vfs images --format '{{.ID}}' --no-trunc
        assert_output "$(hull images -q --no-trunc)"
        rm -rf "$T/podman-$f" "$T/podman-run-$f"
    done
}

@test "an opaque directory and whiteouts: hull diff as docker diff, docker runs hull's commit" {
    local script='rm -rf /usr/share/doc && mkdir /usr/share/doc && echo x >/usr/share/doc/only && rm /etc/issue && mkdir /new && rm -r /new && mkdir /new && touch /new/f'
    [ "$(docker info -f '{{.Driver}}')" = overlay2 ] || skip "dockerd does not use overlay2"
    docker load -q -i "$DOCKER_TAR" >/dev/null
    hull run --network none --name box hulltest/layers:1 sh -c "$script"
    docker run --network none --name "box$$" hulltest/layers:1 sh -c "$script"
    # hull's own /etc files are in its upper directory, docker's are binds
    diff -u <(docker diff "box$$" | sort) \
        <(hull diff box | grep -vE '^(A /etc/(hostname|hosts|resolv.conf))$' | sort)
    docker rm "box$$" >/dev/null
    hull commit box "committed:$$" >/dev/null
    hull rm box
    hull save -o "$T/c.tar" "committed:$$"
    docker load -q -i "$T/c.tar"
    run docker run --rm --network none "committed:$$" sh -c 'ls /usr/share/doc /new; ls /etc/issue'
    docker rmi "committed:$$" >/dev/null
    assert_failure
    assert_line --index 0 "/new:"
    assert_line "only"
    assert_line "f"
    assert_line --partial "/etc/issue"
}
