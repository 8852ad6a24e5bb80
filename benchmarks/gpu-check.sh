#!/usr/bin/env bash
# Device check: on a machine with an NVIDIA driver, CUDA 12 and cuDNN 9 (e.g. inside the
# demucs-separate:gpu image, or a host with them installed), separates generated music with the
# full-size random htdemucs on cuda and on the CPU and prints the largest difference between
# their stems and the real-time factor of each.
#
#   benchmarks/gpu-check.sh [SECONDS=60] [GPU=0] [BATCH=4]
#
# Builds the GPU benchmarks jar (mvn -Pgpu, 642 MB ONNX Runtime download) unless BENCH_JAR names
# one; the model (dynamic batch, so BATCH chunks go into each call) goes to
# benchmarks/generated/htdemucs_random_dynamic.onnx (built once, ~170 MB).
# Exits 1 with one line when CUDA does not load (driver, CUDA 12 or cuDNN 9 missing).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
jar="${BENCH_JAR:-benchmarks/target/benchmarks.jar}"
has_cuda() { unzip -l "$1" 'ai/onnxruntime/native/linux-x64/libonnxruntime_providers_cuda.so' >/dev/null 2>&1; }
if [[ ! -f "$jar" ]] || ! has_cuda "$jar"; then
    [[ -z "${BENCH_JAR:-}" ]] || { echo "gpu-check: $jar is not a GPU (-Pgpu) benchmarks jar" >&2; exit 2; }
    echo "gpu-check: building the GPU benchmarks jar (mvn -Pgpu -DskipTests package -pl benchmarks -am)" >&2
    mvn -q -B -Pgpu -DskipTests package -pl benchmarks -am
fi
if command -v nvidia-smi >/dev/null 2>&1; then
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader >&2 || true
else
    echo "gpu-check: no nvidia-smi on PATH (no driver visible); trying anyway" >&2
fi
mkdir -p benchmarks/generated
exec java ${JAVA_OPTS:-} -cp "$jar" dev.demucs.benchmarks.GpuCheck benchmarks/generated/htdemucs_random_dynamic.onnx \
    "${1:-60}" "${2:-0}" "${3:-4}"
