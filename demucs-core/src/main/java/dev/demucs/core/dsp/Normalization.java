package dev.demucs.core.dsp;

/**
 * Demucs' whole-track normalisation, applied outside the model:
 *
 * <pre>
 * ref   = mean of the channels (mono reference)
 * m     = mean(ref), s = std(ref) (unbiased, n − 1)
 * mix'  = (mix − m) / (s + 1e-8)          before separation
 * stem  = stem' · (s + 1e-8) + m           after separation
 * </pre>
 *
 * <p>The statistics are gathered in one streaming pass with {@link Accumulator} (Welford's
 * algorithm in double precision), so a track of any length needs O(1) memory.
 *
 * @param mean  m, the mean of the mono reference
 * @param std   s, its unbiased standard deviation (0 for fewer than two frames)
 * @param frames the number of frames the statistics cover
 */
public record Normalization(double mean, double std, long frames) {

    /** The identity (m = 0, s + 1e-8 ≈ 1) is not what Demucs does; this is only for empty input. */
    public static Normalization empty() {
        return new Normalization(0, 0, 0);
    }

    /** s + 1e-8 as float, the divisor of {@link #normalize} and factor of {@link #denormalize}. */
    public float scale() {
        return (float) (std + 1e-8);
    }

    /** m as float. */
    public float offset() {
        return (float) mean;
    }

    /** (x − m) / (s + 1e-8). */
    public float normalize(float x) {
        return (x - offset()) / scale();
    }

    /** y · (s + 1e-8) + m. */
    public float denormalize(float y) {
        return y * scale() + offset();
    }

    /** Running mean and unbiased variance of the mono reference (Welford, double precision). */
    public static final class Accumulator {
        private long count;
        private double mean;
        private double m2;

        /** Adds frames {@code [offset, offset + frames)} of a stereo pair (mono: pass the same array twice). */
        public void add(float[] left, float[] right, int offset, int frames) {
            for (int i = offset; i < offset + frames; i++) {
                double x = ((double) left[i] + right[i]) * 0.5;
                count++;
                double delta = x - mean;
                mean += delta / count;
                m2 += delta * (x - mean);
            }
        }

        public long frames() {
            return count;
        }

        /** The statistics so far. */
        public Normalization result() {
            double std = count > 1 ? Math.sqrt(m2 / (count - 1)) : 0;
            return new Normalization(count > 0 ? mean : 0, std, count);
        }
    }
}
