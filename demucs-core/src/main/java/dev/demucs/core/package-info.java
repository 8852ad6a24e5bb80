/**
 * The public API of the Demucs engine: {@link dev.demucs.core.Separator} (opened on an ONNX model or
 * a bag of models), its immutable {@link dev.demucs.core.SeparationOptions}, the stems it returns
 * ({@link dev.demucs.core.Stems}), progress ({@link dev.demucs.core.ProgressListener}), cooperative
 * cancellation ({@link dev.demucs.core.Cancellation}), the execution {@link dev.demucs.core.Device},
 * and one unchecked exception hierarchy rooted at {@link dev.demucs.core.DemucsException}.
 *
 * <pre>{@code
 * try (Separator separator = Separator.open(Path.of("htdemucs.onnx"), SeparationOptions.defaults())) {
 *     Stems stems = separator.separate(AudioBuffer.of(44100, stereo));
 * }
 * }</pre>
 *
 * <p>Packages, in the order the audio flows: {@code audio} (sources and sinks) →
 * {@code dsp} (normalisation, STFT, transition weights) → {@code model} (ONNX models, sessions) →
 * {@code engine} (chunking, inference pipeline, overlap-add, shifts, bags, streaming).
 */
package dev.demucs.core;
