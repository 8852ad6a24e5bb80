package dev.demucs.models;

import dev.demucs.importer.CheckpointImporter;
import java.nio.file.Path;

/** The default {@link CheckpointConverter}: demucs-import's pure-Java checkpoint importer. */
final class ImporterConverter implements CheckpointConverter {

    static final ImporterConverter INSTANCE = new ImporterConverter();

    private ImporterConverter() {
    }

    @Override
    public void convert(Path checkpoint, Path onnxOut) {
        CheckpointImporter.convert(checkpoint, onnxOut);
    }

    @Override
    public String version() {
        return CheckpointImporter.VERSION;
    }
}
