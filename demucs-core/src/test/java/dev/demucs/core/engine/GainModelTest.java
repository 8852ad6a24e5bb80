package dev.demucs.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.demucs.core.ProgressListener;
import dev.demucs.core.SeparationOptions;
import dev.demucs.core.Separator;
import dev.demucs.core.Stems;
import dev.demucs.core.audio.AudioBuffer;
import dev.demucs.testing.TestModels;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Per-stem gain models in both forms against the analytic result stem k = g_k·(mix − m) + m
 * (m = mean of the mono reference), which is exact when the frequency branch is silent; with a
 * frequency gain, against {@link ReferenceSeparation}. Tolerance 1e-5 of the mix RMS.
 */
class GainModelTest {

    static final int L = TestModels.SEGMENT_SAMPLES;
    static final int RATE = 44_100;

    @TempDir
    Path dir;

    static void assertAnalytic(float[][] mix, Stems stems, float[] gains) {
        int n = mix[0].length;
        double m = 0;
        for (int t = 0; t < n; t++) {
            m += ((double) mix[0][t] + mix[mix.length - 1][t]) / 2;
        }
        m /= n;
        double rms = Signals.rms(mix);
        for (int k = 0; k < gains.length; k++) {
            float[][] stem = stems.buffers().get(k).data();
            double max = 0;
            for (int c = 0; c < 2; c++) {
                float[] x = mix[Math.min(c, mix.length - 1)];
                for (int t = 0; t < n; t++) {
                    max = Math.max(max, Math.abs(stem[c][t] - (gains[k] * (x[t] - m) + m)));
                }
            }
            assertTrue(max <= 1e-5 * rms, "stem " + stems.names().get(k) + ": max error " + max + " > 1e-5 × " + rms);
        }
    }

    @ParameterizedTest(name = "two-input, {0} frames, shifts {1}, overlap {2}")
    @CsvSource({"22050, 1, 0.25", "343980, 0, 0.25", "343981, 2, 0.5", "882000, 1, 0.0", "2703330, 1, 0.25"})
    void twoInputTimeBranchGainIsExact(int frames, int shifts, double overlap) {
        float[] time = {1f, 0.5f, 0f, -1f};
        Path model = TestModels.twoInputGain(dir.resolve("gain.onnx"), time, new float[4], L,
                TestModels.metadata(TestModels.FOUR_STEMS, RATE, L));
        float[][] mix = Signals.mix(2, frames, 3);
        try (Separator s = Separator.open(model, SeparationOptions.builder().shifts(shifts).overlap(overlap).build())) {
            Stems stems = s.separate(AudioBuffer.of(RATE, mix));
            assertEquals(TestModels.FOUR_STEMS, stems.names());
            assertAnalytic(mix, stems, time);
        }
    }

    /** Six stems, no metadata: names come from the stem count; auto-generated tensor names are found by shape. */
    @Test
    void singleGraphSixStemsWithoutMetadata() {
        float[] gains = {1f, 0.25f, 0.5f, 2f, 0f, -0.5f};
        Path model = TestModels.singleGraphGain(dir.resolve("six.onnx"), gains, L, java.util.Map.of());
        float[][] mix = Signals.mix(2, 882_000, 4);
        try (Separator s = Separator.open(model, SeparationOptions.builder().shifts(2).overlap(0.5).transitionPower(2).build())) {
            Stems stems = s.separate(AudioBuffer.of(RATE, mix));
            assertEquals(TestModels.SIX_STEMS, stems.names());
            assertAnalytic(mix, stems, gains);
        }
    }

    /** Both branches at once: the frequency branch goes through spec/ispec, compared with the reference. */
    @Test
    void twoInputBothBranchesMatchReference() {
        float[] time = {1f, 0f, 0.5f, 0.25f};
        float[] freq = {0f, 1f, 0.5f, 0.25f};
        Path model = TestModels.twoInputGain(dir.resolve("both.onnx"), time, freq, L, java.util.Map.of());
        SplittingReferenceTest.check(model, Models.gain(time, freq, null), 343_981, 1, 0.25, 1, null, 9);
    }

    /**
     * A dynamic batch dimension puts several chunks into one run: same numbers as the fixed-batch
     * model, and more chunks in flight than the two that pipelining alone allows.
     */
    /** Without maxBatch set, a CPU runs a dynamic-batch model one chunk per call (pipelining alone: two in flight). */
    @Test
    void onACpuADynamicBatchModelRunsOneChunkPerCallByDefault() {
        float[] gains = {1f, 0.5f, 0f, 0.25f};
        Path dynamic = TestModels.twoInputGainDynamicBatch(dir.resolve("dyn1.onnx"), gains, gains, L, java.util.Map.of());
        float[][] mix = Signals.mix(2, 1_000_000, 6);
        InFlight counter = new InFlight();
        try (Separator s = Separator.open(dynamic, SeparationOptions.defaults())) {
            assertEquals(Integer.MAX_VALUE, s.model().maxBatch());
            s.separate(AudioBuffer.of(RATE, mix), counter, dev.demucs.core.Cancellation.NONE);
        }
        assertTrue(counter.most >= 1 && counter.most <= 2, counter.most + " chunks in flight");
    }

    @Test
    void dynamicBatchRunsSeveralChunksPerRun() {
        float[] time = {1f, 0.5f, 0f, 0.25f};
        float[] freq = {0f, 0.5f, 1f, 0.25f};
        Path fixed = TestModels.twoInputGain(dir.resolve("fixed.onnx"), time, freq, L, java.util.Map.of());
        Path dynamic = TestModels.twoInputGainDynamicBatch(dir.resolve("dyn.onnx"), time, freq, L, java.util.Map.of());
        float[][] mix = Signals.mix(2, 2_000_000, 5);
        SeparationOptions options = SeparationOptions.builder().shifts(1).maxBatch(3).build();
        InFlight counter = new InFlight();
        Stems a;
        Stems b;
        try (Separator s = Separator.open(fixed, options)) {
            a = s.separate(AudioBuffer.of(RATE, mix));
        }
        try (Separator s = Separator.open(dynamic, options)) {
            assertEquals(Integer.MAX_VALUE, s.model().maxBatch());
            b = s.separate(AudioBuffer.of(RATE, mix), counter, dev.demucs.core.Cancellation.NONE);
        }
        assertTrue(counter.most >= 3, "at most " + counter.most + " chunks in flight");
        double rms = Signals.rms(mix);
        for (int k = 0; k < 4; k++) {
            double max = 0;
            for (int c = 0; c < 2; c++) {
                for (int t = 0; t < mix[0].length; t++) {
                    max = Math.max(max, Math.abs(a.buffers().get(k).data()[c][t] - b.buffers().get(k).data()[c][t]));
                }
            }
            assertTrue(max <= 1e-6 * rms, "batched differs by " + max);
        }
    }

    /** Counts the chunks started and not yet ended, and the most at once. */
    private static final class InFlight implements ProgressListener {
        int now;
        int most;

        @Override
        public void onChunkStart(ChunkProgress chunk) {
            most = Math.max(most, ++now);
        }

        @Override
        public void onChunkEnd(ChunkProgress chunk) {
            now--;
        }
    }
}
