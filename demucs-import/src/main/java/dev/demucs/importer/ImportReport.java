package dev.demucs.importer;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@link CheckpointImporter#convert(Path, Path)} produced.
 *
 * @param onnx              the ONNX file written (two-input form, opset 17)
 * @param checkpointSha256  lower-case hex SHA-256 of the source checkpoint file
 * @param sources           stem names in output order
 * @param sampleRate        Hz
 * @param segmentSamples    samples per model run, {@code int(segment · samplerate)}
 * @param parameterCount    number of trained parameters in the state dict
 * @param seconds           wall-clock seconds the conversion took
 */
public record ImportReport(Path onnx, String checkpointSha256, List<String> sources, int sampleRate,
                           int segmentSamples, long parameterCount, double seconds) {
    public ImportReport {
        sources = List.copyOf(sources);
    }
}
