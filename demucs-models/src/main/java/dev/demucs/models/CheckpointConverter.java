package dev.demucs.models;

import java.nio.file.Path;

/**
 * Converts a PyTorch checkpoint ({@code .th}) to an ONNX model. The default is the pure-Java
 * importer of demucs-import ({@code dev.demucs.importer.CheckpointImporter}).
 */
@FunctionalInterface
public interface CheckpointConverter {

    /**
     * Writes the ONNX model converted from {@code checkpoint} to {@code onnxOut}.
     *
     * @throws dev.demucs.core.InvalidModelException when the checkpoint is not supported
     */
    void convert(Path checkpoint, Path onnxOut);

    /**
     * Names the converter's output format; conversions are cached per version, so a new version
     * converts again instead of reusing older output. Letters, digits, '.', '_' and '-' are kept.
     */
    default String version() {
        return "custom";
    }
}
