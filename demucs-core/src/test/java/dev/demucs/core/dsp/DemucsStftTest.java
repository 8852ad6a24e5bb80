package dev.demucs.core.dsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link DemucsStft} against goldens from torch.stft / torch.istft (Demucs' _spec / _ispec),
 * made by src/test/python/make_stft_goldens.py with Debian's python3-torch 1.13. The inputs are
 * regenerated here from the same seeded formula; the error must stay within 1e-5 of the golden's RMS.
 */
class DemucsStftTest {

    private static final int BIN_STEP = 8;
    private static final double TOLERANCE = 1e-5;

    /** The script's 64-bit LCG noise in [-0.5, 0.5). */
    static double[] lcgNoise(long seed, int count) {
        double[] out = new double[count];
        long state = seed;
        for (int i = 0; i < count; i++) {
            state = state * 6364136223846793005L + 1442695040888963407L;
            out[i] = (state >>> 40) / (double) (1 << 24) - 0.5;
        }
        return out;
    }

    /** The script's signal(seed, channels, length), as float32. */
    static float[][] signal(long seed, int channels, int length) {
        float[][] rows = new float[channels][length];
        for (int c = 0; c < channels; c++) {
            double[] noise = lcgNoise(seed * 31 + c, length);
            for (int t = 0; t < length; t++) {
                rows[c][t] = (float) (0.5 * Math.sin(0.0123 * (t + 1) * (c + 1)) + 0.25 * noise[t]);
            }
        }
        return rows;
    }

    static float[] golden(String name) throws IOException {
        try (InputStream in = DemucsStftTest.class.getResourceAsStream("/goldens/" + name)) {
            if (in == null) {
                throw new IOException("missing golden " + name);
            }
            ByteBuffer b = ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
            float[] f = new float[b.remaining() / 4];
            b.asFloatBuffer().get(f);
            return f;
        }
    }

    private static double rms(float[] v) {
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        return Math.sqrt(s / v.length);
    }

    @ParameterizedTest(name = "{0}: T = {1}")
    @CsvSource({"short_500, 500, 1, 0", "short_1536, 1536, 2, 0", "short_2047, 2047, 3, 0", "odd_4097, 4097, 4, 0",
            "odd_5001, 5001, 5, 0", "exact_343980, 343980, 6, 4"})
    void specMatchesTorch(String name, int length, long seed, int keep) throws IOException {
        float[][] x = signal(seed, 2, length);
        int le = DemucsStft.frames(length);
        DemucsStft stft = new DemucsStft();
        int plane = DemucsStft.BINS * le;
        float[] z = new float[4 * plane];
        for (int c = 0; c < 2; c++) {
            stft.spec(x[c], 0, length, z, 2 * c * plane, (2 * c + 1) * plane);
        }
        float[] expected = golden(name + ".spec.f32");
        int bins = DemucsStft.BINS / BIN_STEP;
        int[] frames = keptIndices(le, keep);
        assertEquals(4 * bins * frames.length, expected.length, "golden size");
        double maxError = 0;
        int i = 0;
        for (int p = 0; p < 4; p++) {
            for (int b = 0; b < bins; b++) {
                for (int f : frames) {
                    maxError = Math.max(maxError, Math.abs(z[p * plane + b * BIN_STEP * le + f] - expected[i++]));
                }
            }
        }
        double rms = rms(expected);
        assertTrue(maxError <= TOLERANCE * rms, name + ": max error " + maxError + " > 1e-5 × RMS " + rms);
    }

    @ParameterizedTest(name = "{0}: T = {1}")
    @CsvSource({"short_500, 500, 1, 0", "short_1536, 1536, 2, 0", "short_2047, 2047, 3, 0", "odd_4097, 4097, 4, 0",
            "odd_5001, 5001, 5, 0", "exact_343980, 343980, 6, 4"})
    void ispecMatchesTorch(String name, int length, long seed, int keep) throws IOException {
        int le = DemucsStft.frames(length);
        int plane = DemucsStft.BINS * le;
        // Z = spec(signal(seed + 100)) with bin b scaled by 0.5 + 0.5·cos(0.01·b), as the script makes it
        float[][] x = signal(seed + 100, 2, length);
        DemucsStft stft = new DemucsStft();
        float[] z = new float[4 * plane];
        for (int c = 0; c < 2; c++) {
            stft.spec(x[c], 0, length, z, 2 * c * plane, (2 * c + 1) * plane);
        }
        for (int b = 0; b < DemucsStft.BINS; b++) {
            float gain = (float) (0.5 + 0.5 * Math.cos(0.01 * b));
            for (int p = 0; p < 4; p++) {
                for (int f = 0; f < le; f++) {
                    z[p * plane + b * le + f] *= gain;
                }
            }
        }
        float[][] y = new float[2][length];
        for (int c = 0; c < 2; c++) {
            stft.ispec(z, 2 * c * plane, (2 * c + 1) * plane, length, y[c], 0);
        }
        float[] expected = golden(name + ".ispec.f32");
        int[] samples = keptIndices(length, keep * 1024);
        assertEquals(2 * samples.length, expected.length, "golden size");
        double maxError = 0;
        int i = 0;
        for (int c = 0; c < 2; c++) {
            for (int t : samples) {
                maxError = Math.max(maxError, Math.abs(y[c][t] - expected[i++]));
            }
        }
        double rms = rms(expected);
        assertTrue(maxError <= TOLERANCE * rms, name + ": max error " + maxError + " > 1e-5 × RMS " + rms);
    }

    /**
     * ispec(spec(x)) = x away from the window edges for a signal without Nyquist content (Demucs drops
     * the Nyquist bin and two frames at each end, so the first and last ~1536 samples are not restored; 2048 are skipped).
     */
    @ParameterizedTest
    @ValueSource(ints = {8192, 12001, 343980})
    void roundTripRestoresTheInterior(int length) {
        float[] x = new float[length];
        for (int t = 0; t < length; t++) {
            x[t] = (float) (0.5 * Math.sin(0.05 * t) + 0.3 * Math.cos(0.31 * t + 1));
        }
        int le = DemucsStft.frames(length);
        int plane = DemucsStft.BINS * le;
        DemucsStft stft = new DemucsStft();
        float[] z = new float[2 * plane];
        stft.spec(x, 0, length, z, 0, plane);
        float[] y = new float[length];
        stft.ispec(z, 0, plane, length, y, 0);
        double maxError = 0;
        for (int t = 2048; t < length - 2048; t++) {
            maxError = Math.max(maxError, Math.abs(y[t] - x[t]));
        }
        assertTrue(maxError <= TOLERANCE * rms(x), "round trip max error " + maxError);
    }

    private static int[] keptIndices(int count, int keep) {
        if (keep == 0 || 2 * keep >= count) {
            int[] all = new int[count];
            for (int i = 0; i < count; i++) {
                all[i] = i;
            }
            return all;
        }
        int[] idx = new int[2 * keep];
        for (int i = 0; i < keep; i++) {
            idx[i] = i;
            idx[keep + i] = count - keep + i;
        }
        return idx;
    }
}
