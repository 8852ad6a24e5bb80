/**
 * Pure-Java signal processing of the Demucs pipeline, independent of ONNX Runtime:
 * {@link dev.demucs.core.dsp.Normalization} (whole-track statistics),
 * {@link dev.demucs.core.dsp.DemucsStft} (the model's spectrogram and its inverse) and
 * {@link dev.demucs.core.dsp.TransitionWeights} (overlap-add weights).
 */
package dev.demucs.core.dsp;
