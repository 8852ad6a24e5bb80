/**
 * Demucs-exact music source separation on ONNX Runtime. The API is {@code dev.demucs.core}
 * (separator, options, session pool, devices, exceptions), {@code dev.demucs.core.audio} (sources
 * and sinks) and {@code dev.demucs.core.model} (model files, specs, bags); the DSP and the engine
 * are internal.
 */
module dev.demucs.core {
    requires transitive com.microsoft.onnxruntime;
    requires JTransforms;

    exports dev.demucs.core;
    exports dev.demucs.core.audio;
    exports dev.demucs.core.model;
}
