package dev.demucs.benchmarks;

import java.util.SplittableRandom;

/**
 * Deterministic music-like test audio: a few detuned partials with a slow tremolo plus a little
 * noise, different in the two channels. Benchmark timings do not depend on the content, but
 * encoders and decoders behave more realistically on tonal audio than on silence.
 */
public final class Signals {

    private Signals() {
    }

    /**
     * Planar stereo audio, {@code data[channel][frame]}, peak below 0.8.
     *
     * @param frames     length in frames
     * @param sampleRate frames per second
     * @param seed       noise seed
     */
    public static float[][] music(int frames, int sampleRate, long seed) {
        float[][] out = new float[2][frames];
        fill(out, 0, frames, 0, sampleRate, seed);
        return out;
    }

    /**
     * Fills {@code dst[c][offset .. offset+frames)} with the signal from absolute frame
     * {@code start}: consecutive calls with consecutive starts give one continuous signal.
     */
    public static void fill(float[][] dst, int offset, int frames, long start, int sampleRate, long seed) {
        SplittableRandom random = new SplittableRandom(seed ^ start);
        double[] freqs = {110.0, 164.8, 220.0, 329.6, 440.0, 659.3};
        for (int i = 0; i < frames; i++) {
            double t = (double) (start + i) / sampleRate;
            double tremolo = 0.75 + 0.25 * Math.sin(2 * Math.PI * 0.5 * t);
            double left = 0;
            double right = 0;
            for (int k = 0; k < freqs.length; k++) {
                double a = 0.1 / (k + 1);
                left += a * Math.sin(2 * Math.PI * freqs[k] * t);
                right += a * Math.sin(2 * Math.PI * freqs[k] * 1.003 * t + k);
            }
            double noise = 0.02 * (random.nextDouble() - 0.5);
            for (int c = 0; c < dst.length; c++) {
                dst[c][offset + i] = (float) (tremolo * (c == 0 ? left : right) + noise);
            }
        }
    }
}
