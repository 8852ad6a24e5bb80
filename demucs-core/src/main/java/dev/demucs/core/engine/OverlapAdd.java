package dev.demucs.core.engine;

/**
 * The overlap-add accumulator of one (model, shift) schedule, as a ring over track frames so it
 * holds only the frames between the last emitted one and the furthest chunk added:
 *
 * <pre>
 * out[stem][channel][x]  += w[i] · chunkOut[stem][channel][i]     x = chunk position + i
 * sumWeight[x]            += w[i]
 * value(x)                 = out / sumWeight                       once no later chunk covers x
 * </pre>
 *
 * Grows (doubling) when a chunk lands beyond its capacity; {@link #release} zeroes and recycles
 * the frames before a position. Not thread-safe.
 */
final class OverlapAdd {

    private final int stems;
    private float[][][] out;
    private float[] sumWeight;
    private int mask;
    private long start;

    OverlapAdd(int stems, int initialCapacity) {
        this.stems = stems;
        allocate(Integer.highestOneBit(Math.max(1024, initialCapacity - 1)) << 1);
    }

    private void allocate(int capacity) {
        out = new float[stems][2][capacity];
        sumWeight = new float[capacity];
        mask = capacity - 1;
    }

    int capacity() {
        return mask + 1;
    }

    /**
     * Adds {@code frames} weighted samples at track frames {@code [x0, x0 + frames)}.
     *
     * @param values  {@code values[stem·2 + channel][valueOffset + i]}
     * @param weights {@code weights[weightOffset + i]}
     */
    void add(long x0, int frames, float[][] values, int valueOffset, float[] weights, int weightOffset) {
        if (x0 < start) {
            throw new IllegalStateException("chunk at frame " + x0 + " lands before the released frame " + start);
        }
        ensure(x0 + frames);
        for (int k = 0; k < stems; k++) {
            for (int c = 0; c < 2; c++) {
                float[] dst = out[k][c];
                float[] src = values[k * 2 + c];
                for (int i = 0; i < frames; i++) {
                    dst[(int) ((x0 + i) & mask)] += weights[weightOffset + i] * src[valueOffset + i];
                }
            }
        }
        for (int i = 0; i < frames; i++) {
            sumWeight[(int) ((x0 + i) & mask)] += weights[weightOffset + i];
        }
    }

    /** out / sumWeight at frame x (which must not be released). */
    float value(int stem, int channel, long x) {
        int j = (int) (x & mask);
        return out[stem][channel][j] / sumWeight[j];
    }

    /** Zeroes and recycles every frame before {@code upTo}. */
    void release(long upTo) {
        long end = Math.min(upTo, start + capacity());
        for (long x = start; x < end; x++) {
            int j = (int) (x & mask);
            for (int k = 0; k < stems; k++) {
                out[k][0][j] = 0f;
                out[k][1][j] = 0f;
            }
            sumWeight[j] = 0f;
        }
        start = Math.max(start, upTo);
    }

    private void ensure(long endExclusive) {
        if (endExclusive - start <= capacity()) {
            return;
        }
        int capacity = capacity();
        while (endExclusive - start > capacity) {
            capacity <<= 1;
        }
        float[][][] oldOut = out;
        float[] oldWeight = sumWeight;
        int oldMask = mask;
        allocate(capacity);
        for (long x = start; x < start + oldMask + 1; x++) {
            int from = (int) (x & oldMask);
            int to = (int) (x & mask);
            for (int k = 0; k < stems; k++) {
                out[k][0][to] = oldOut[k][0][from];
                out[k][1][to] = oldOut[k][1][from];
            }
            sumWeight[to] = oldWeight[from];
        }
    }
}
