package dev.demucs.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.demucs.core.SeparationOptions;
import dev.demucs.core.Separator;
import dev.demucs.core.Stems;
import dev.demucs.core.audio.AudioBuffer;
import dev.demucs.core.model.ModelBag;
import dev.demucs.testing.TestModels;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The engine against {@link ReferenceSeparation} with a position-dependent model (the time
 * branch multiplies by a ramp over the model window, the frequency branch by a per-stem gain), so
 * any mistake in offsets, centre padding, trimming, weights, shifts or bag weighting shows.
 * Tolerance: 1e-5 of the mix RMS.
 */
class SplittingReferenceTest {

    static final int L = TestModels.SEGMENT_SAMPLES;
    static final int RATE = 44_100;
    static final float[] TIME = {1f, 0.5f, 0f, 2f};
    static final float[] FREQ = {0f, 0.5f, 1f, -0.5f};

    @TempDir
    static Path dir;
    static Path ramp;

    @BeforeAll
    static void models() {
        ramp = TestModels.twoInputRamp(dir.resolve("ramp.onnx"), TIME, FREQ, L, TestModels.metadata(TestModels.FOUR_STEMS, RATE, L));
    }

    static void check(Path model, ReferenceSeparation.ChunkModel reference, int frames, int shifts, double overlap,
                      double power, Double segmentSeconds, long seed) {
        float[][] mix = Signals.mix(2, frames, frames + shifts);
        SeparationOptions options = SeparationOptions.builder().shifts(shifts).overlap(overlap).transitionPower(power)
                .segmentSeconds(segmentSeconds).seed(seed).build();
        Stems stems;
        try (Separator s = Separator.open(model, options)) {
            stems = s.separate(AudioBuffer.of(RATE, mix));
        }
        int chunk = segmentSeconds == null ? 0 : (int) Math.floor(segmentSeconds * RATE + 1e-6);
        double[][][] expected = ReferenceSeparation.separate(mix,
                List.of(new ReferenceSeparation.Member(reference, L, new double[]{1, 1, 1, 1})), 4, chunk, shifts, seed,
                overlap, power, RATE);
        float[][][] actual = stems.buffers().stream().map(AudioBuffer::data).toArray(float[][][]::new);
        assertEquals(TestModels.FOUR_STEMS, stems.names());
        assertEquals(frames, actual[0][0].length);
        double error = Signals.maxError(actual, expected);
        double rms = Signals.rms(mix);
        assertTrue(error <= 1e-5 * rms, "max error " + error + " > 1e-5 × mix RMS " + rms);
    }

    @ParameterizedTest(name = "{0} frames, shifts {1}, overlap {2}, power {3}")
    @CsvSource({
            "22050, 0, 0.25, 1",     // 0.5 s: one centre-padded chunk
            "22050, 2, 0.25, 1",
            "343980, 0, 0.25, 1",    // 7.8 s exactly
            "343980, 1, 0.0, 2",
            "343981, 0, 0.5, 1",     // 7.8 s + 1 sample
            "343981, 1, 0.25, 2",
            "882000, 2, 0.5, 2",     // 20 s
            "882000, 0, 0.0, 1",
            "2703330, 1, 0.25, 1",   // 61.3 s
            "2703330, 0, 0.5, 2",
    })
    void rampModelMatchesReference(int frames, int shifts, double overlap, double power) {
        check(ramp, Models.ramp(TIME, FREQ, L), frames, shifts, overlap, power, null, 7);
    }

    /** HTDemucs' use_train_segment: shorter chunks, each right-padded with zeros to the model's segment. */
    @Test
    void segmentOverrideShorterThanTheModel() {
        check(ramp, Models.ramp(TIME, FREQ, L), 882000, 1, 0.25, 1, 4.0, 3);
    }

    /** A bag of two position-dependent models with per-stem weights. */
    @Test
    void bagWeightsEachModelPerStem() {
        float[] time2 = {0.5f, 1f, 2f, 0f};
        float[] freq2 = {1f, 0f, 0f, 1f};
        Path second = TestModels.twoInputRamp(dir.resolve("ramp2.onnx"), time2, freq2, L, TestModels.metadata(TestModels.FOUR_STEMS, RATE, L));
        float[] w1 = {1f, 0f, 0.5f, 0.25f};
        float[] w2 = {0f, 1f, 0.5f, 2f};
        int frames = 600_000;
        float[][] mix = Signals.mix(2, frames, 11);
        SeparationOptions options = SeparationOptions.builder().shifts(1).seed(5).build();
        Stems stems;
        try (Separator s = Separator.open(ModelBag.of(List.of(new ModelBag.Member(ramp, w1), new ModelBag.Member(second, w2))), options)) {
            stems = s.separate(AudioBuffer.of(RATE, mix));
        }
        double[][][] expected = ReferenceSeparation.separate(mix, List.of(
                        new ReferenceSeparation.Member(Models.ramp(TIME, FREQ, L), L, toDouble(w1)),
                        new ReferenceSeparation.Member(Models.ramp(time2, freq2, L), L, toDouble(w2))),
                4, 0, 1, 5, 0.25, 1, RATE);
        float[][][] actual = stems.buffers().stream().map(AudioBuffer::data).toArray(float[][][]::new);
        double error = Signals.maxError(actual, expected);
        assertTrue(error <= 1e-5 * Signals.rms(mix), "bag max error " + error);
    }

    static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
