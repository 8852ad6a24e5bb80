#!/usr/bin/env bash
# Builds the container image demucs-separate:cpu or demucs-separate:gpu from the jar built on
# this host (docker/README.md).
#   docker/build.sh cpu|gpu [--local-base]
#     cpu           CPU ONNX Runtime jar, base debian:bookworm-slim
#     gpu           onnxruntime_gpu jar (mvn -Pgpu), base nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04
#     --local-base  no registry: first build (once, then cached) a Debian bookworm base from this
#                   host's apt mirror with debootstrap, and build on it (the gpu image then runs
#                   on the CPU only: the base has no CUDA)
# Environment:
#   BASE_IMAGE    another base (any Debian/Ubuntu with apt, or one that already has java 17)
#   IMAGE         image name (default demucs-separate:FLAVOUR)
#   DEMUCS_JAR    a prebuilt demucs-separate.jar of the right flavour (default: build it with Maven)
# Needs a running docker daemon (here: dockerd --bridge=none &); builds use --network host.
set -euo pipefail
export DOCKER_BUILDKIT=0   # the classic builder: --network host, no buildx plugin needed

die() { echo "docker/build.sh: error: $*" >&2; exit 1; }
say() { echo "docker/build.sh: $*" >&2; }

flavour="${1:-}"
[[ "$flavour" == cpu || "$flavour" == gpu ]] || die "usage: docker/build.sh cpu|gpu [--local-base]"
shift
local_base=0
for a in "$@"; do
    case "$a" in
        --local-base) local_base=1 ;;
        *) die "unknown argument '$a' (usage: docker/build.sh cpu|gpu [--local-base])" ;;
    esac
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
docker info >/dev/null 2>&1 || die "no docker daemon answers (start one, e.g. 'dockerd --bridge=none &')"

LOCAL_BASE=local/debian:bookworm

# The apt mirror this host is configured with (deb822 .sources first, then one-line lists).
apt_mirror() {
    local f uri
    for f in /etc/apt/sources.list.d/*.sources; do
        [[ -f "$f" ]] || continue
        uri="$(awk '/^URIs:/{u=$2} /^Suites:/ && /bookworm( |$)/{print u; exit}' "$f")"
        [[ -n "$uri" ]] && { echo "$uri"; return; }
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [[ -f "$f" ]] || continue
        uri="$(awk '$1=="deb" && $0 ~ / bookworm /{for(i=2;i<=NF;i++) if ($i ~ /^https?:/) {print $i; exit}}' "$f")"
        [[ -n "$uri" ]] && { echo "$uri"; return; }
    done
    echo "http://deb.debian.org/debian"
}

if (( local_base )); then
    if docker image inspect "$LOCAL_BASE" >/dev/null 2>&1; then
        say "local base $LOCAL_BASE is cached"
    else
        command -v debootstrap >/dev/null || die "--local-base needs debootstrap (apt-get install debootstrap)"
        mirror="$(apt_mirror)"
        rootfs="$(mktemp -d "${TMPDIR:-/tmp}/demucs-rootfs.XXXXXX")"
        trap 'rm -rf "$rootfs"' EXIT
        say "debootstrap --variant=minbase bookworm from $mirror (about a minute)"
        debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$rootfs.log" 2>&1 \
            || { tail -n 20 "$rootfs.log" >&2; rm -f "$rootfs.log"; die "debootstrap failed"; }
        rm -f "$rootfs.log"
        rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
        tar -C "$rootfs" -c . | docker import - "$LOCAL_BASE" >/dev/null
        rm -rf "$rootfs"
        trap - EXIT
        say "built $LOCAL_BASE"
    fi
    BASE_IMAGE="$LOCAL_BASE"
fi
if [[ -z "${BASE_IMAGE:-}" ]]; then
    if [[ "$flavour" == gpu ]]; then
        BASE_IMAGE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04
    else
        BASE_IMAGE=debian:bookworm-slim
    fi
fi
IMAGE="${IMAGE:-demucs-separate:$flavour}"

# The jar, of the right flavour: the GPU jar holds the CUDA provider library.
jar="${DEMUCS_JAR:-$root/demucs-cli/target/demucs-separate.jar}"
has_cuda() { unzip -l "$1" 'ai/onnxruntime/native/linux-x64/libonnxruntime_providers_cuda.so' >/dev/null 2>&1; }
flavour_ok() {
    [[ -f "$jar" ]] || return 1
    if [[ "$flavour" == gpu ]]; then has_cuda "$jar"; else ! has_cuda "$jar"; fi
}
if ! flavour_ok; then
    [[ -z "${DEMUCS_JAR:-}" ]] || die "$jar is not a $flavour jar (or is missing)"
    profile=()
    [[ "$flavour" == gpu ]] && profile=(-Pgpu)
    say "building the $flavour jar: mvn -q -B ${profile[*]} -DskipTests package -pl demucs-cli -am"
    (cd "$root" && mvn -q -B "${profile[@]}" -DskipTests package -pl demucs-cli -am) \
        || die "the Maven build failed"
    flavour_ok || die "the build did not produce a $flavour jar at $jar"
fi

# Build context: the jar without any ONNX Runtime natives, and the linux-x64 natives extracted
# beside it (loaded through -Donnxruntime.native.path, so nothing is extracted at start).
ctx="$root/docker/.build/$flavour"
rm -rf "$ctx"
mkdir -p "$ctx/app/onnxruntime-native"
cp "$root/docker/Dockerfile" "$root/docker/start.sh" "$root/docker/healthcheck.sh" "$ctx/"
unzip -q -j -o "$jar" 'ai/onnxruntime/native/linux-x64/*' -d "$ctx/app/onnxruntime-native"
rm -f "$ctx/app/onnxruntime-native/"*tensorrt*   # TensorRT is not in the base: never loadable
cp "$jar" "$ctx/app/demucs-separate.jar"
zip -q -d "$ctx/app/demucs-separate.jar" 'ai/onnxruntime/native/*' >/dev/null
chmod -R a+rX "$ctx/app"
chmod 0755 "$ctx/start.sh" "$ctx/healthcheck.sh"

say "docker build $IMAGE on $BASE_IMAGE"
start=$SECONDS
if ! docker build --network host --build-arg "BASE_IMAGE=$BASE_IMAGE" -t "$IMAGE" "$ctx" >"$ctx.log" 2>&1; then
    tail -n 30 "$ctx.log" >&2
    die "docker build failed (log: $ctx.log)"
fi
rm -rf "$ctx" "$ctx.log"
size="$(docker image inspect -f '{{.Size}}' "$IMAGE")"
say "built $IMAGE in $((SECONDS - start)) s, $((size / 1000000)) MB"
