/**
 * Model names, the model registry, the verified download cache and checkpoint conversion:
 * turns a {@code --model} value (a registry name, an {@code .onnx} file, a bag manifest or a
 * {@code .th} checkpoint) into a {@link dev.demucs.models.ResolvedModel} whose ONNX files are
 * on local disk and verified. Entry point: {@link dev.demucs.models.ModelResolver}.
 */
package dev.demucs.models;
