#!/usr/bin/env bash
# Why a full-size htdemucs session peaks far above its live tensors: ONNX Runtime's allocation
# planner (memory reuse, on by default and not switchable from its C or Java API) gives a late
# tensor the buffer of an early one of the same shape, so the early buffer stays allocated
# through everything in between. This shows it on a two-model probe, then measures it on the
# full-size htdemucs with a fixed batch, and the peak of the same weights with a dynamic batch (the default).
#
#   benchmarks/ort-memory-trace.sh     (after mvn -q -pl benchmarks -am package -DskipTests)
#
# Needs Debian's strace, and /usr/bin/python3 with python3-onnx and numpy.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
GEN="benchmarks/generated/memory-trace"
JAR="benchmarks/target/benchmarks.jar"
PY=/usr/bin/python3
TOOL=benchmarks/python/ort_memory_trace.py
mkdir -p "$GEN"
command -v strace >/dev/null || { echo "ort-memory-trace: strace not found (apt-get install strace)" >&2; exit 1; }
[ -f "$JAR" ] || { echo "ort-memory-trace: $JAR missing (mvn -q -pl benchmarks -am package -DskipTests)" >&2; exit 1; }

# one ort-chunk run (1 warm-up + RUNS runs) under strace, every block over 128 KiB its own mapping
traced() { # MODEL RUNS TRACE
  MALLOC_MMAP_THRESHOLD_=131072 strace -f -tt -e trace=mmap,munmap -o "$3" \
    java -Xmx1g -cp "$JAR" dev.demucs.benchmarks.report.PerformanceReport ort-chunk --model "$1" --threads 2 \
    --runs "$2" --warmup 1 | grep -E '^(ort_chunk_seconds_median|peak_rss_mb)='
}

"$PY" "$TOOL" probe-models "$GEN" >/dev/null
for variant in same other; do
  echo "## probe, late tensors of $variant shape: the 64 MiB buffers of 3 runs (allocated, freed, seconds from the first)"
  traced "$GEN/reuse_$variant.onnx" 2 "$GEN/reuse_$variant.trace"
  "$PY" "$TOOL" lifetimes "$GEN/reuse_$variant.trace" 63 65
done
FIXED="$GEN/htdemucs_fixed_batch.onnx"
[ -s "$FIXED" ] || java -Xmx1g -cp "$JAR" dev.demucs.benchmarks.FullSizeHtdemucs "$FIXED" 1 --fixed-batch >/dev/null
echo "## full-size htdemucs, fixed batch (the arena off), one 7.8 s chunk (1 warm-up + 1 run)"
traced "$FIXED" 1 "$GEN/htdemucs.trace"
"$PY" "$TOOL" analyze "$GEN/htdemucs.trace"
DYNAMIC="$GEN/htdemucs_dynamic_batch.onnx"
[ -s "$DYNAMIC" ] || java -Xmx1g -cp "$JAR" dev.demucs.benchmarks.FullSizeHtdemucs "$DYNAMIC" 1 >/dev/null
echo "## the same weights with a dynamic batch (as models fetched by name; the CPU arena on): peak RSS"
java -Xmx1g -cp "$JAR" dev.demucs.benchmarks.report.PerformanceReport ort-chunk --model "$DYNAMIC" --threads 2 \
  --runs 1 --warmup 1 | grep -E '^(ort_chunk_seconds_median|peak_rss_mb)='
