/**
 * JMH benchmarks of the separation pipeline, one class per concern (STFT, chunking, host
 * overhead with a gain model, the realistic model, FFmpeg decode and encode), and the helpers
 * they share: a tiny gain-model writer and deterministic test audio.
 *
 * <p>Run with {@code java -jar benchmarks/target/benchmarks.jar} (JMH options apply, e.g.
 * {@code -f 1 -wi 1 -i 3 Stft}). Native resources are created in {@code @Setup} and released in
 * {@code @TearDown}.
 */
package dev.demucs.benchmarks;
