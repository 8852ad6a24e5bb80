/**
 * Demucs models on ONNX Runtime: what a model file is ({@link dev.demucs.core.model.ModelInspector},
 * {@link dev.demucs.core.model.ModelSpec}, {@link dev.demucs.core.model.ModelForm}), bags of models
 * ({@link dev.demucs.core.model.ModelBag}) and the shared session cache
 * ({@link dev.demucs.core.model.SessionCache}).
 */
package dev.demucs.core.model;
