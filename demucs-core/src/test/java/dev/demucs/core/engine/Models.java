package dev.demucs.core.engine;

import dev.demucs.core.dsp.DemucsStft;
import dev.demucs.testing.TestModels;

/**
 * What the generated test models compute, as {@link ReferenceSeparation.ChunkModel}s. The
 * frequency branch passes the window through {@link DemucsStft} (spec, gain, ispec), the STFT
 * that DemucsStftTest checks against torch; everything about splitting stays in the reference.
 */
final class Models {

    private Models() {
    }

    /** TestModels.twoInputRamp (ramp = null: twoInputGain / singleGraphGain when freqGains are 0). */
    static ReferenceSeparation.ChunkModel gain(float[] timeGains, float[] freqGains, float[] ramp) {
        return window -> {
            int length = window[0].length;
            int stems = timeGains.length;
            double[][][] y = new double[stems][2][length];
            DemucsStft stft = new DemucsStft();
            int plane = DemucsStft.BINS * DemucsStft.frames(length);
            for (int c = 0; c < 2; c++) {
                float[] w = new float[length];
                for (int t = 0; t < length; t++) {
                    w[t] = (float) window[c][t];
                }
                float[] restored = null;
                boolean anyFreq = false;
                for (float b : freqGains) {
                    anyFreq |= b != 0;
                }
                if (anyFreq) {
                    float[] z = new float[2 * plane];
                    stft.spec(w, 0, length, z, 0, plane);
                    restored = new float[length];
                    stft.ispec(z, 0, plane, length, restored, 0);
                }
                for (int k = 0; k < stems; k++) {
                    for (int t = 0; t < length; t++) {
                        double time = timeGains[k] * (ramp == null ? 1.0 : ramp[t]) * window[c][t];
                        double freq = restored == null ? 0 : freqGains[k] * (double) restored[t];
                        y[k][c][t] = time + freq;
                    }
                }
            }
            return y;
        };
    }

    static ReferenceSeparation.ChunkModel ramp(float[] timeGains, float[] freqGains, int segmentSamples) {
        return gain(timeGains, freqGains, TestModels.ramp(segmentSamples));
    }
}
