/**
 * Demucs models on ONNX Runtime: what a model file is ({@link dev.demucs.core.model.ModelInspector},
 * {@link dev.demucs.core.model.ModelSpec}, {@link dev.demucs.core.model.ModelForm}), bags of models
 * ({@link dev.demucs.core.model.ModelBag}). Sessions live in a {@link dev.demucs.core.SessionPool}.
 */
package dev.demucs.core.model;
