/**
 * Test support for every module's tests and the benchmarks (test scope only, never a dependency of
 * main code): {@link dev.demucs.testing.TestModels} generates small Demucs-shaped ONNX models
 * (per-stem gains, a position-dependent ramp, arbitrary shapes) whose separation result a test can
 * compute independently; {@link dev.demucs.testing.TestAudio} writes and reads test WAV files and
 * probes outputs with Debian's ffprobe; {@link dev.demucs.testing.TorchCheckpoints} writes Demucs
 * checkpoints in torch.save's format and {@link dev.demucs.testing.RandomHtdemucs} a full-size
 * htdemucs one with random weights, for the importer to convert.
 */
package dev.demucs.testing;
