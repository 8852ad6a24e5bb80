package dev.demucs.benchmarks;

import dev.demucs.importer.CheckpointImporter;
import dev.demucs.importer.ImportReport;
import dev.demucs.testing.RandomHtdemucs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The full-size htdemucs with random weights as ONNX, for the report's {@code ort-chunk} and
 * whole-process runs and for {@link GpuCheck}: demucs-testing's {@link RandomHtdemucs} writes the
 * checkpoint (released kwargs, upstream's state-dict layout, fp16), and the importer's public API
 * converts it, exactly as the model resolver converts the official file (with a dynamic batch dimension). The checkpoint is a temporary file next to
 * the output, deleted afterwards.
 *
 * <pre>
 * java -cp benchmarks.jar dev.demucs.benchmarks.FullSizeHtdemucs OUT.onnx [SEED=1] [--fixed-batch]
 * </pre>
 */
public final class FullSizeHtdemucs {

    private FullSizeHtdemucs() {
    }

    /**
     * Writes the random full-size model for {@code seed} to {@code onnx}, with a batch of 1 or a
     * dynamic batch dimension.
     */
    public static ImportReport write(Path onnx, long seed, boolean dynamicBatch) {
        Path dir = onnx.toAbsolutePath().getParent();
        try {
            Files.createDirectories(dir);
            Path checkpoint = Files.createTempFile(dir, "htdemucs_random_", ".th");
            try {
                RandomHtdemucs.writeCheckpoint(checkpoint, seed);
                return CheckpointImporter.convert(checkpoint, onnx, dynamicBatch);
            } finally {
                Files.deleteIfExists(checkpoint);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(onnx + ": cannot write the random htdemucs: " + e.getMessage(), e);
        }
    }

    /** {@code FullSizeHtdemucs OUT.onnx [SEED=1] [--fixed-batch]}. */
    public static void main(String[] args) {
        List<String> rest = new ArrayList<>(List.of(args));
        boolean fixedBatch = rest.remove("--fixed-batch");
        if (rest.isEmpty() || rest.size() > 2) {
            System.err.println("usage: FullSizeHtdemucs OUT.onnx [SEED=1] [--fixed-batch]");
            System.exit(2);
        }
        long start = System.nanoTime();
        ImportReport r = write(Path.of(rest.get(0)), rest.size() > 1 ? Long.parseLong(rest.get(1)) : 1L, !fixedBatch);
        System.out.printf(Locale.ROOT, "wrote %s: %d parameters, %.1f s (conversion %.1f s)%n",
                r.onnx(), r.parameterCount(), (System.nanoTime() - start) / 1e9, r.seconds());
    }
}
