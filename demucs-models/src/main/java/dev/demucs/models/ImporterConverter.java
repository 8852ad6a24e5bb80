package dev.demucs.models;

import dev.demucs.importer.CheckpointImporter;
import java.nio.file.Path;

/**
 * The default {@link CheckpointConverter}: demucs-import's pure-Java checkpoint importer, writing a
 * dynamic batch dimension (GPUs run several chunks per call; on a CPU the engine runs one and turns
 * ONNX Runtime's memory arena on, which halves the peak memory of the full-size htdemucs).
 */
final class ImporterConverter implements CheckpointConverter {

    static final ImporterConverter INSTANCE = new ImporterConverter();

    private ImporterConverter() {
    }

    @Override
    public void convert(Path checkpoint, Path onnxOut) {
        CheckpointImporter.convert(checkpoint, onnxOut, true);
    }

    @Override
    public String version() {
        return CheckpointImporter.VERSION + ", dynamic batch";
    }
}
