package dev.demucs.benchmarks;

import dev.demucs.testing.TestModels;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The benchmarks' Demucs-shaped "gain" model in the two-input form: the exact tensor shapes of the
 * public HTDemucs exports, but each stem is a constant gain of the inputs (time 0.25, frequency
 * 0.25), so ONNX Runtime spends almost no time in it and a separation measures the host's own
 * work. Written by core's {@link TestModels} (the same generator the tests use).
 */
public final class GainModel {

    /** HTDemucs' segment in samples (7.8 s at 44.1 kHz). */
    public static final int SEGMENT_SAMPLES = TestModels.SEGMENT_SAMPLES;
    /** The four Demucs stems, in model order. */
    public static final List<String> SOURCES = TestModels.FOUR_STEMS;

    private GainModel() {
    }

    /**
     * Writes the gain model for tools and container tests:
     * {@code java -cp benchmarks.jar dev.demucs.benchmarks.GainModel FILE [SEGMENT_SAMPLES]}.
     */
    public static void main(String[] args) {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: GainModel FILE.onnx [SEGMENT_SAMPLES (default " + SEGMENT_SAMPLES + ")]");
            System.exit(2);
        }
        write(Path.of(args[0]), args.length == 2 ? Integer.parseInt(args[1]) : SEGMENT_SAMPLES);
    }

    /**
     * Writes the model to {@code file} (under a temporary name, then renamed).
     *
     * @param segmentSamples the model's segment L in samples
     * @return {@code file}
     */
    public static Path write(Path file, int segmentSamples) {
        float[] gains = new float[SOURCES.size()];
        Arrays.fill(gains, 0.25f);
        return TestModels.twoInputGain(file, gains, gains, segmentSamples,
                TestModels.metadata(SOURCES, 44_100, segmentSamples));
    }

    /**
     * Writes the gain model's fixed-cost twin (the same outputs, plus {@code matmuls} cache-resident
     * 256×256 matrix products per run: {@link TestModels#twoInputFixedCost}) to {@code file}.
     */
    public static Path writeFixedCost(Path file, int segmentSamples, int matmuls) {
        float[] gains = new float[SOURCES.size()];
        Arrays.fill(gains, 0.25f);
        return TestModels.twoInputFixedCost(file, gains, gains, segmentSamples, matmuls,
                TestModels.metadata(SOURCES, 44_100, segmentSamples));
    }
}
