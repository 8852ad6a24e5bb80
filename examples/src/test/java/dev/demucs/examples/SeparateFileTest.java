package dev.demucs.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.demucs.testing.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the {@link SeparateFile} example end to end (FFmpeg decode, model resolution of an .onnx
 * path, streaming separation, WAV encoding) on a generated gain model and generated audio, and
 * checks every stem against the analytic answer: a gain model with gains a_k + b_k gives
 * stem k = (a_k + b_k)·(mix − m) + m, m the mean of the mono reference.
 */
class SeparateFileTest {

    private static final int SAMPLE_RATE = 44_100;
    /** time-branch gains a_k and frequency-branch gains b_k of drums, bass, other, vocals */
    private static final float[] TIME_GAINS = {1.0f, 0.25f, 0.0f, 0.5f};
    private static final float[] FREQ_GAINS = {0.0f, 0.25f, 0.0f, 0.25f};

    @TempDir
    Path dir;

    @Test
    void separatesAGeneratedSongIntoTheExpectedStems() throws Exception {
        Path model = TestModels.twoInputGain(dir.resolve("gain.onnx"), TIME_GAINS, FREQ_GAINS,
                TestModels.SEGMENT_SAMPLES, TestModels.metadata(TestModels.FOUR_STEMS, SAMPLE_RATE, TestModels.SEGMENT_SAMPLES));
        int frames = 10 * SAMPLE_RATE + 123; // two chunks and a ragged end
        float[][] mix = new float[2][frames];
        for (int i = 0; i < frames; i++) {
            double t = (double) i / SAMPLE_RATE;
            mix[0][i] = (float) (0.05 + 0.3 * Math.sin(2 * Math.PI * 220 * t));
            mix[1][i] = (float) (0.05 + 0.2 * Math.sin(2 * Math.PI * 331 * t + 1));
        }
        Path song = dir.resolve("song.wav");
        Wav16.write(song, SAMPLE_RATE, mix);

        Path out = dir.resolve("stems");
        SeparateFile.main(new String[] {song.toString(), out.toString(), model.toString()});

        // The mix exactly as FFmpeg decodes it, and the mean of its mono reference.
        double sum = 0;
        for (int i = 0; i < frames; i++) {
            mix[0][i] = Wav16.quantized(mix[0][i]);
            mix[1][i] = Wav16.quantized(mix[1][i]);
            sum += (mix[0][i] + mix[1][i]) / 2.0;
        }
        double m = sum / frames;
        String[] stems = {"drums", "bass", "other", "vocals"};
        for (int k = 0; k < stems.length; k++) {
            Path file = out.resolve("song_" + stems[k] + ".wav");
            assertTrue(Files.isRegularFile(file), "missing " + file);
            Wav16.Audio audio = Wav16.read(file);
            assertEquals(SAMPLE_RATE, audio.sampleRate(), file + " sample rate");
            assertEquals(2, audio.data().length, file + " channels");
            assertEquals(frames, audio.data()[0].length, file + " frames");
            double gain = TIME_GAINS[k] + FREQ_GAINS[k];
            double worst = 0;
            for (int c = 0; c < 2; c++) {
                for (int i = 0; i < frames; i++) {
                    double expected = gain * (mix[c][i] - m) + m;
                    worst = Math.max(worst, Math.abs(audio.data()[c][i] - expected));
                }
            }
            // 16-bit output: half a step of rounding plus float32 pipeline error
            assertTrue(worst < 3.0 / 32768, stems[k] + ": max error " + worst);
        }
        try (var listing = Files.list(out)) {
            assertEquals(4, listing.count(), "exactly the four stem files, no temporaries left");
        }
    }
}
