# Shared by the image suites (hull_images*.bats): the engine with a state
# root of its own per test, images made by real tools (cached by
# tests/lib/docker-images.sh) and image layouts crafted here.
#
# teardown fails a test that left a container record, a mount under its
# temp dir, a work directory in the store's tmp/ or a runtime state.

load helpers
bats_require_minimum_version 1.5.0

HULL="${HULL:-$BUILD/src/hull/hull}"
HULL_CACHE="${HULL_CACHE:-/var/cache/hull-tests}"
DOCKER_TAR="$HULL_CACHE/docker-layers.tar"
DOCKER_TREE="$HULL_CACHE/docker-layers.tree"
LISTING="$(cat "$HULL_TOP/tests/lib/tree-listing.sh")"

images_setup_file() {
    [ -x "$HULL" ] || {
        echo "hull not found: $HULL (build it first: ninja -C $BUILD)" >&2
        return 1
    }
    "$HULL_TOP/tests/lib/docker-images.sh" --check || {
        echo "the real-image fixtures are missing: run tests/lib/docker-images.sh" >&2
        return 1
    }
    export BUSYBOX_TAR
    BUSYBOX_TAR="$("$HULL_TOP/tests/lib/busybox-image.sh")"
}

# hull ARGS: the engine with this test's roots, bounded in time.
hull() {
    HULL_ROOT="$HROOT" HULL_RUNROOT="$HRUN" timeout --kill-after=10 "$HULL_TEST_TIMEOUT" "$HULL" "$@" 3>&-
}

images_setup() {
    HROOT="$BATS_TEST_TMPDIR/state"
    HRUN="$BATS_TEST_TMPDIR/run"
    T="$BATS_TEST_TMPDIR"
}

records() {
    ls "$HROOT/containers" 2>/dev/null | grep -E '^[0-9a-f]{64}$' || true
}

images_teardown() {
    local id problems=()
    for id in $(records); do
        hull rm -f "$id" >/dev/null 2>&1 || true
    done
    [ -z "$(records)" ] || problems+=("record left: $(records | tr '\n' ' ')")
    [ -z "$(ls -A "$HROOT/tmp" 2>/dev/null)" ] || problems+=("store work dirs left: $(ls -A "$HROOT/tmp")")
    [ -z "$(ls -A "$HRUN/runtime" 2>/dev/null)" ] || problems+=("runtime state left")
    for m in $(awk -v dir="$BATS_TEST_TMPDIR" 'index($5, dir) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
        problems+=("mount left: $m")
        umount -l "$m" || true
    done
    if [ "${#problems[@]}" -gt 0 ]; then
        printf 'teardown: %s\n' "${problems[@]}" >&2
        return 1
    fi
}

# The tree docker showed of the image, without what docker itself adds.
docker_tree() {
    grep -v '^\./etc/mtab ' "$DOCKER_TREE"
}

# tree_of IMAGE [RUN OPTIONS...]: the tree listing inside a hull container.
tree_of() {
    local image="$1"
    shift
    hull run --rm --network none "$@" "$image" /bin/sh -c "$LISTING" 2>/dev/null
}

# layer_tar OUT DIR [TAR OPTIONS...]: DIR's content as a layer tar.
layer_tar() {
    local out="$1" dir="$2"
    shift 2
    tar --numeric-owner -C "$dir" "$@" -cf "$out" .
}

# oci_layout DIR REF CONFIG_JSON LAYER_TAR...: an OCI image layout at DIR
# of an image with these uncompressed (or gzipped) layers, the run config
# CONFIG_JSON and the ref.name annotation REF.
oci_layout() {
    local dir="$1" ref="$2" rc="$3" t d s mt layers="" diffs="" cfg manifest
    shift 3
    mkdir -p "$dir/blobs/sha256"
    for t in "$@"; do
        d="$(sha256sum "$t" | cut -d' ' -f1)"
        s="$(stat -c %s "$t")"
        cp "$t" "$dir/blobs/sha256/$d"
        mt=application/vnd.oci.image.layer.v1.tar
        case "$(file -b --mime-type "$t")" in
        application/gzip) mt="$mt+gzip" ;;
        application/zstd) mt="$mt+zstd" ;;
        esac
        layers+="${layers:+,}{\"mediaType\":\"$mt\",\"digest\":\"sha256:$d\",\"size\":$s}"
        case "$mt" in
        *+gzip) d="$(gzip -dc "$t" | sha256sum | cut -d' ' -f1)" ;;
        *+zstd) d="$(zstd -dc "$t" | sha256sum | cut -d' ' -f1)" ;;
        esac
        diffs+="${diffs:+,}\"sha256:$d\""
    done
    cfg="{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2024-01-01T00:00:00Z\",\"config\":$rc,\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[$diffs]}}"
    printf '%s' "$cfg" >"$dir/config"
    d="$(sha256sum "$dir/config" | cut -d' ' -f1)"
    mv "$dir/config" "$dir/blobs/sha256/$d"
    manifest="{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:$d\",\"size\":${#cfg}},\"layers\":[$layers]}"
    printf '%s' "$manifest" >"$dir/manifest"
    d="$(sha256sum "$dir/manifest" | cut -d' ' -f1)"
    mv "$dir/manifest" "$dir/blobs/sha256/$d"
    printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"annotations":{"org.opencontainers.image.ref.name":"%s"}}]}' \
        "$d" "${#manifest}" "$ref" >"$dir/index.json"
    printf '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci-layout"
}

# The store holds nothing but what these images need: no work dirs.
store_clean() {
    [ -z "$(ls -A "$HROOT/tmp" 2>/dev/null)" ]
}
