#!/bin/bash
# Loading and unpacking a large multi-layer gzip image: `hull load` of an
# OCI layout, against `skopeo copy` of it to another layout plus `umoci
# unpack`, and against `tar -xzf` of the same layers (one after the
# other, and all at once).  Prints each mean and the ratios.
#
#   bench/images.sh [BUILD_DIR]     (default: build; needs root, hyperfine,
#                                    skopeo, umoci, pigz, jq)
#
# The image is the Debian rootfs of the tests split into layers by top
# directory (usr/lib, usr/share, the rest of usr, var, everything else),
# each a gzip tar, made once and cached in $HULL_CACHE/bench-image.  Each
# run starts from an empty destination; the page cache is warm for all.
set -euo pipefail

TOP="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${1:-build}"
[[ "$BUILD" == /* ]] || BUILD="$TOP/$BUILD"
HULL="$BUILD/src/hull/hull"
HULL_CACHE="${HULL_CACHE:-/var/cache/hull-tests}"
IMAGE="$HULL_CACHE/bench-image"
RUNS="${RUNS:-3}"

die() {
    echo "bench/images: $*" >&2
    exit 1
}

for t in hyperfine skopeo umoci pigz jq sha256sum; do
    command -v "$t" >/dev/null || die "$t not found"
done
[ -x "$HULL" ] || die "hull not found: $HULL (ninja -C $BUILD)"

# blob FILE: moves FILE into the layout's blobs, prints "DIGEST SIZE".
blob() {
    local d s
    d="$(sha256sum "$1" | cut -d' ' -f1)"
    s="$(stat -c %s "$1")"
    mv "$1" "$IMAGE.tmp/blobs/sha256/$d"
    echo "sha256:$d $s"
}

# layer NAME FIND_ARGS...: a gzip layer of the entries find selects in the
# unpacked rootfs, recursively; "--no-recursion PATH..." entries first.
add_layer() {
    local src="$IMAGE.tmp/src" tar="$IMAGE.tmp/layer.tar" d s diff
    (cd "$src" && tar --numeric-owner -cf "$tar" "$@")
    diff="sha256:$(sha256sum "$tar" | cut -d' ' -f1)"
    pigz -6 "$tar"
    read -r d s < <(blob "$tar.gz")
    LAYERS_JSON+="${LAYERS_JSON:+,}{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"$d\",\"size\":$s}"
    DIFFS_JSON+="${DIFFS_JSON:+,}\"$diff\""
}

make_image() {
    local src="$IMAGE.tmp/src" d s
    LAYERS_JSON="" DIFFS_JSON=""
    rm -rf "$IMAGE.tmp"
    mkdir -p "$IMAGE.tmp/blobs/sha256" "$src"
    tar -C "$src" -xf "$("$TOP/tests/lib/debian-rootfs.sh")"
    mapfile -t top < <(cd "$src" && find . -mindepth 1 -maxdepth 1 ! -name usr ! -name var)
    mapfile -t usr < <(cd "$src" && find ./usr -mindepth 1 -maxdepth 1 ! -name lib ! -name share)
    add_layer --no-recursion . ./usr ./var --recursion "${top[@]}"
    add_layer ./usr/lib
    add_layer ./usr/share
    add_layer "${usr[@]}"
    add_layer ./var
    rm -rf "$src"
    printf '{"architecture":"amd64","os":"linux","created":"2024-01-01T00:00:00Z","config":{"Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":[%s]}}' \
        "$DIFFS_JSON" >"$IMAGE.tmp/config"
    read -r d s < <(blob "$IMAGE.tmp/config")
    printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},"layers":[%s]}' \
        "$d" "$s" "$LAYERS_JSON" >"$IMAGE.tmp/manifest"
    read -r d s < <(blob "$IMAGE.tmp/manifest")
    printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"bench"}}]}' \
        "$d" "$s" >"$IMAGE.tmp/index.json"
    printf '{"imageLayoutVersion":"1.0.0"}' >"$IMAGE.tmp/oci-layout"
    mv "$IMAGE.tmp" "$IMAGE"
}

[ -f "$IMAGE/index.json" ] || make_image
mapfile -t LAYERS < <(jq -r '.layers[].digest' "$IMAGE/blobs/sha256/$(jq -r '.manifests[0].digest' "$IMAGE/index.json" | cut -d: -f2)" | cut -d: -f2)
total=$(du -cb "${LAYERS[@]/#/$IMAGE/blobs/sha256/}" | tail -1 | cut -f1)
echo "image: ${#LAYERS[@]} gzip layers, $((total / 1000000)) MB compressed"

W="$(mktemp -d /var/tmp/hull-bench-images-XXXXXX)"
trap 'rm -rf "$W"' EXIT
tar_seq="for l in ${LAYERS[*]}; do mkdir -p $W/tar/\$l && tar -C $W/tar/\$l -xzf $IMAGE/blobs/sha256/\$l || exit 1; done"
tar_par="for l in ${LAYERS[*]}; do mkdir -p $W/tar/\$l && tar -C $W/tar/\$l -xzf $IMAGE/blobs/sha256/\$l & done; wait"

hyperfine --runs "$RUNS" --export-json "$W/result.json" \
    --prepare "rm -rf $W/hull $W/dst $W/bundle $W/tar" \
    -n "hull load" "HULL_ROOT=$W/hull HULL_RUNROOT=$W/run $HULL load -q -i $IMAGE" \
    -n "skopeo copy + umoci unpack" \
    "skopeo copy --quiet oci:$IMAGE:bench oci:$W/dst:bench && umoci unpack --image $W/dst:bench $W/bundle" \
    -n "tar -xzf (one by one)" "$tar_seq" \
    -n "tar -xzf (in parallel)" "$tar_par"

mean() {
    jq -r --arg n "$1" '.results[] | select(.command == $n) | .mean' "$W/result.json"
}
h="$(mean "hull load")"
printf '\n%-34s %8s\n' "" "seconds"
for n in "hull load" "skopeo copy + umoci unpack" "tar -xzf (one by one)" "tar -xzf (in parallel)"; do
    printf '%-34s %8.3f\n' "$n" "$(mean "$n")"
done
printf '\nratios (hull load / other; below 1 means hull is faster):\n'
for n in "skopeo copy + umoci unpack" "tar -xzf (one by one)" "tar -xzf (in parallel)"; do
    printf '  vs %-30s %6.2f\n' "$n" "$(echo "$h / $(mean "$n")" | bc -l)"
done
