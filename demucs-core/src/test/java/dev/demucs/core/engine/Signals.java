package dev.demucs.core.engine;

import java.util.SplittableRandom;

/** Test mixes: tones, noise and a DC offset (so the normalisation's mean matters), in float. */
final class Signals {

    private Signals() {
    }

    static float[][] mix(int channels, int frames, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[][] x = new float[channels][frames];
        for (int c = 0; c < channels; c++) {
            double f1 = 0.013 + 0.002 * c;
            for (int t = 0; t < frames; t++) {
                x[c][t] = (float) (0.3 * Math.sin(f1 * t) + 0.1 * Math.sin(0.2 * t + c) + 0.08 * (r.nextDouble() - 0.5)
                        + 0.05 + 0.02 * c);
            }
        }
        return x;
    }

    static double rms(float[][] x) {
        double s = 0;
        long n = 0;
        for (float[] ch : x) {
            for (float v : ch) {
                s += (double) v * v;
                n++;
            }
        }
        return Math.sqrt(s / n);
    }

    /** Largest |actual − expected| over all stems, channels and frames. */
    static double maxError(float[][][] actual, double[][][] expected) {
        double max = 0;
        for (int k = 0; k < expected.length; k++) {
            for (int c = 0; c < 2; c++) {
                for (int t = 0; t < expected[k][c].length; t++) {
                    max = Math.max(max, Math.abs(actual[k][c][t] - expected[k][c][t]));
                }
            }
        }
        return max;
    }
}
