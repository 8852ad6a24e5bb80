package dev.demucs.core.dsp;

/**
 * The triangular transition weights of Demucs' overlap-add ({@code apply_model}, split=True):
 *
 * <pre>
 * w = concat(1, 2, …, L/2,  L − L/2, …, 2, 1) / max      (integer division)
 * w = w ^ transition_power
 * </pre>
 *
 * A chunk of n ≤ L samples uses {@code w[0 .. n)}.
 */
public final class TransitionWeights {

    private TransitionWeights() {
    }

    /**
     * @param segmentSamples  L, the chunk length
     * @param transitionPower the exponent, ≥ 1
     * @return L weights in (0, 1]
     */
    public static float[] of(int segmentSamples, double transitionPower) {
        if (segmentSamples < 1) {
            throw new IllegalArgumentException("segmentSamples must be >= 1, got " + segmentSamples);
        }
        if (!(transitionPower >= 1)) {
            throw new IllegalArgumentException("transitionPower must be >= 1, got " + transitionPower);
        }
        int half = segmentSamples / 2;
        float max = segmentSamples - half;
        float[] w = new float[segmentSamples];
        for (int i = 0; i < segmentSamples; i++) {
            int v = i < half ? i + 1 : segmentSamples - i;
            float x = v / max;
            w[i] = transitionPower == 1.0 ? x : (float) Math.pow(x, transitionPower);
        }
        return w;
    }
}
