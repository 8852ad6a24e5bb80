package dev.demucs.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the realistic model lives: the file written by
 * {@code benchmarks/python/export_hdemucs.py export} (torchaudio's hdemucs_high, random weights,
 * two-input form). Looked up in the system property {@code demucs.bench.model}, else
 * {@code benchmarks/generated/hdemucs_high.onnx} or {@code generated/hdemucs_high.onnx} under the
 * working directory.
 */
public final class RealisticModel {

    /** How to create the model, for messages. */
    public static final String HOW_TO_CREATE =
            "create it with: /usr/bin/python3 benchmarks/python/export_hdemucs.py export "
                    + "(needs apt packages python3-torch python3-torchaudio python3-onnx)";

    private RealisticModel() {
    }

    /** The model file, if present. */
    public static Optional<Path> find() {
        String property = System.getProperty("demucs.bench.model");
        if (property != null && !property.isBlank()) {
            Path p = Path.of(property);
            return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
        }
        for (String candidate : new String[] {"benchmarks/generated/hdemucs_high.onnx", "generated/hdemucs_high.onnx"}) {
            Path p = Path.of(candidate);
            if (Files.isRegularFile(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** The model file, or an {@link IllegalStateException} saying how to create it. */
    public static Path require() {
        return find().orElseThrow(() -> new IllegalStateException(
                "skipped: no realistic model (benchmarks/generated/hdemucs_high.onnx or -Ddemucs.bench.model); "
                        + HOW_TO_CREATE));
    }
}
