package dev.demucs.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.demucs.testing.TestModels;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the {@link BagOfModels} example on four generated gain models with different vocals
 * gains: with one-hot (specialist) weights only the fourth model may shape the vocals, so the
 * written vocals must be g·(mix − m) + m with that model's gain g, not an average.
 */
class BagOfModelsTest {

    private static final int SAMPLE_RATE = 44_100;
    /** vocals gain (time + frequency branch) of models 0..3 */
    private static final float[] VOCALS_GAINS = {0.1f, 0.2f, 0.3f, 0.75f};

    @TempDir
    Path dir;

    @Test
    void vocalsComeFromTheVocalsSpecialistOnly() throws Exception {
        // The real segment: with much shorter segments Demucs' own spec/ispec round trip is not an
        // identity near chunk edges (upstream behaviour), so the analytic answer would not hold.
        int segment = TestModels.SEGMENT_SAMPLES;
        String[] args = new String[6];
        for (int m = 0; m < 4; m++) {
            float g = VOCALS_GAINS[m];
            Path model = TestModels.twoInputGain(dir.resolve("model" + m + ".onnx"),
                    new float[] {0.5f, 0.5f, 0.5f, g / 2}, new float[] {0.5f, 0.5f, 0.5f, g / 2}, segment,
                    TestModels.metadata(TestModels.FOUR_STEMS, SAMPLE_RATE, segment));
            args[2 + m] = model.toString();
        }
        int frames = 3 * SAMPLE_RATE + 17;
        float[][] mix = new float[2][frames];
        for (int i = 0; i < frames; i++) {
            double t = (double) i / SAMPLE_RATE;
            mix[0][i] = (float) (-0.04 + 0.3 * Math.sin(2 * Math.PI * 440 * t));
            mix[1][i] = (float) (-0.04 + 0.25 * Math.sin(2 * Math.PI * 550 * t));
        }
        Path clip = dir.resolve("clip.wav");
        Wav16.write(clip, SAMPLE_RATE, mix);
        Path vocals = dir.resolve("vocals.wav");
        args[0] = clip.toString();
        args[1] = vocals.toString();

        BagOfModels.main(args);

        double sum = 0;
        for (int i = 0; i < frames; i++) {
            mix[0][i] = Wav16.quantized(mix[0][i]);
            mix[1][i] = Wav16.quantized(mix[1][i]);
            sum += (mix[0][i] + mix[1][i]) / 2.0;
        }
        double m = sum / frames;
        Wav16.Audio out = Wav16.read(vocals);
        assertEquals(frames, out.data()[0].length, "frames");
        double worst = 0;
        for (int c = 0; c < 2; c++) {
            for (int i = 0; i < frames; i++) {
                double expected = VOCALS_GAINS[3] * (mix[c][i] - m) + m;
                worst = Math.max(worst, Math.abs(out.data()[c][i] - expected));
            }
        }
        assertTrue(worst < 3.0 / 32768, "vocals: max error " + worst);
    }
}
