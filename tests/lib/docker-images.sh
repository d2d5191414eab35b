#!/bin/bash
# Builds the real-world test images once, with the tools that make them
# elsewhere, and caches them in $HULL_CACHE (default /var/cache/hull-tests):
#
#   docker-layers.tar    `docker save` of an image built by Debian's
#                        docker.io: FROM scratch, the Debian rootfs, then
#                        layers that delete files and directories, make
#                        them again, hardlink across directories, change
#                        modes and owners, add a fifo and a setuid file
#   docker-layers.tree   that image's tree as `docker run` shows it
#                        (tests/lib/tree-listing.sh)
#   skopeo-oci/          the same image as an OCI layout by skopeo (gzip)
#   skopeo-oci.tar       ... and as an oci-archive
#   umoci-oci/           an OCI layout made by umoci, two layers, the
#                        second one deleting a file of the first
#   buildah-oci.tar      an oci-archive made by buildah (vfs storage):
#                        busybox plus a layer that adds /etc/second and
#                        deletes /etc/hello of the layer below
#
#   tests/lib/docker-images.sh          builds what is missing
#   tests/lib/docker-images.sh --check  exit 0 when all is cached
#
# dockerd runs only while building, privately (own data root, socket,
# exec root, no bridge, no iptables), and is stopped by its pid.
set -euo pipefail

HULL_CACHE="${HULL_CACHE:-/var/cache/hull-tests}"
TOP="$(cd "$(dirname "$0")/../.." && pwd)"
IMAGE=hulltest/layers:1
ALL=(docker-layers.tar docker-layers.tree skopeo-oci skopeo-oci.tar umoci-oci buildah-oci.tar)

die() {
    echo "docker-images: $*" >&2
    exit 1
}

all_cached() {
    local f
    for f in "${ALL[@]}"; do
        [ -e "$HULL_CACHE/$f" ] || return 1
    done
}

if [ "${1:-}" = --check ]; then
    all_cached
    exit
fi
[ "$(id -u)" -eq 0 ] || die "needs root"
mkdir -p "$HULL_CACHE"
exec 9>"$HULL_CACHE/docker-images.lock"
flock 9
if all_cached; then
    echo "$HULL_CACHE"
    exit 0
fi
for t in dockerd docker skopeo umoci buildah; do
    command -v "$t" >/dev/null || die "$t not found (apt-get install docker.io skopeo umoci)"
done
rootfs_tar="$("$TOP/tests/lib/debian-rootfs.sh")"

work="$(mktemp -d "$HULL_CACHE/.docker-images-XXXXXX")"
run_dir="/run/hull-test-dockerd-$$"
dockerd_pid=""
cleanup() {
    if [ -n "$dockerd_pid" ]; then
        kill "$dockerd_pid" 2>/dev/null || true
        for _ in $(seq 100); do
            kill -0 "$dockerd_pid" 2>/dev/null || break
            sleep 0.1
        done
    fi
    # what a killed dockerd may leave mounted below its own directories
    for m in $(awk -v a="$work" -v b="$run_dir" 'index($5, a) == 1 || index($5, b) == 1 { print $5 }' \
        /proc/self/mountinfo | sort -r); do
        umount -l "$m" 2>/dev/null || true
    done
    rm -rf "$work" "$run_dir"
}
trap cleanup EXIT

start_dockerd() {
    mkdir -p "$run_dir"
    dockerd --data-root "$work/docker" --exec-root "$run_dir/exec" \
        -H "unix://$run_dir/docker.sock" --pidfile "$run_dir/docker.pid" \
        --bridge=none --iptables=false --ip6tables=false >"$work/dockerd.log" 2>&1 &
    dockerd_pid=$!
    export DOCKER_HOST="unix://$run_dir/docker.sock"
    for _ in $(seq 150); do
        docker version >/dev/null 2>&1 && return 0
        kill -0 "$dockerd_pid" 2>/dev/null || break
        sleep 0.2
    done
    tail -20 "$work/dockerd.log" >&2
    die "dockerd did not start"
}

# The Dockerfile: each RUN is one layer of changes on top of Debian.
write_context() {
    local ctx="$work/ctx"
    mkdir -p "$ctx"
    cp "$rootfs_tar" "$ctx/rootfs.tar"
    cat >"$ctx/Dockerfile" <<'EOF'
FROM scratch
ADD rootfs.tar /
RUN rm -rf /usr/share/doc /etc/cron.daily /var/lib/apt && rm /etc/issue.net \
 && mkdir -p /opt/a/b /opt/c && echo data >/opt/a/b/f && ln /opt/a/b/f /opt/c/hardlink \
 && ln /usr/bin/env /opt/c/env-link && ln -s ../etc/os-release /opt/rel \
 && mkfifo /opt/fifo && chmod 4755 /opt/a/b/f && chown 1234:5678 /opt/c
RUN mkdir -p /usr/share/doc/again /etc/cron.daily && echo back >/usr/share/doc/again/f \
 && echo new >/etc/cron.daily/new && rm -rf /opt/a/b && mkdir /opt/a/b && echo other >/opt/a/b/g \
 && chmod 0700 /opt/a && rm /opt/c/env-link && echo changed >>/etc/debian_version
RUN rm -rf /opt/c && mkdir /opt/c && touch /opt/c/only && ln -sf /nonexistent /opt/dangling \
 && ln /etc/debian_version /opt/c/debian-link
RUN mkdir -p /srv/x && echo s >/srv/x/s && chown -R 1234:5678 /srv/x && chmod 4755 /srv/x/s \
 && ln /srv/x/s /usr/local/s-link && mkfifo /srv/fifo
ENV HULLTEST=1
WORKDIR /opt
CMD ["/bin/sh"]
EOF
}

build_docker() {
    start_dockerd
    write_context
    docker build -q -t "$IMAGE" "$work/ctx" >/dev/null
    docker save -o "$work/docker-layers.tar" "$IMAGE"
    docker run --rm --network none "$IMAGE" /bin/sh -c "$(cat "$TOP/tests/lib/tree-listing.sh")" \
        >"$work/docker-layers.tree"
    [ -s "$work/docker-layers.tree" ] || die "empty tree listing from docker run"
}

build_skopeo() {
    skopeo copy --quiet "docker-archive:$work/docker-layers.tar" "oci:$work/skopeo-oci:v1"
    skopeo copy --quiet "docker-archive:$work/docker-layers.tar" "oci-archive:$work/skopeo-oci.tar:v1"
}

build_umoci() {
    local layout="$work/umoci-oci" bundle="$work/umoci-bundle"
    umoci init --layout "$layout"
    umoci new --image "$layout:v1"
    umoci unpack --image "$layout:v1" "$bundle"
    mkdir -p "$bundle/rootfs/etc" "$bundle/rootfs/srv"
    echo first >"$bundle/rootfs/etc/first"
    echo gone >"$bundle/rootfs/srv/gone"
    umoci repack --image "$layout:v1" "$bundle"
    rm -rf "$bundle"
    umoci unpack --image "$layout:v1" "$bundle"
    rm "$bundle/rootfs/srv/gone"
    echo second >"$bundle/rootfs/etc/second"
    umoci repack --image "$layout:v1" "$bundle"
    rm -rf "$bundle"
}

build_buildah() {
    local b=(buildah --root "$work/buildah" --runroot "$run_dir/buildah" --storage-driver vfs) c
    local busybox_tar
    busybox_tar="$("$TOP/tests/lib/busybox-image.sh")"
    mkdir -p "$work/bsrc/etc"
    echo hello >"$work/bsrc/etc/hello"
    c="$("${b[@]}" from scratch)"
    "${b[@]}" add "$c" "$busybox_tar" / >/dev/null
    "${b[@]}" copy "$c" "$work/bsrc" / >/dev/null
    "${b[@]}" config --cmd /bin/sh "$c"
    "${b[@]}" commit -q "$c" hulltest/buildah:base >/dev/null
    "${b[@]}" rm "$c" >/dev/null
    c="$("${b[@]}" from hulltest/buildah:base)"
    rm "$("${b[@]}" mount "$c")/etc/hello"
    echo second >"$("${b[@]}" mount "$c")/etc/second"
    "${b[@]}" umount "$c" >/dev/null
    "${b[@]}" commit -q --format oci "$c" "oci-archive:$work/buildah-oci.tar:hulltest/buildah:1" >/dev/null
    "${b[@]}" rm "$c" >/dev/null
    "${b[@]}" rmi -a -f >/dev/null 2>&1 || true
}

build_docker
build_skopeo
build_umoci
build_buildah
for f in "${ALL[@]}"; do
    rm -rf "${HULL_CACHE:?}/$f"
    mv "$work/$f" "$HULL_CACHE/$f"
done
echo "$HULL_CACHE"
