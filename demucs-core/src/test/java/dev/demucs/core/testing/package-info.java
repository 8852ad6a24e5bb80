/**
 * Test support shared with other modules through demucs-core's test-jar: {@link dev.demucs.core.testing.TestModels}
 * generates small Demucs-shaped ONNX models (per-stem gains, a position-dependent ramp, arbitrary shapes) whose
 * separation result a test can compute independently.
 */
package dev.demucs.core.testing;
