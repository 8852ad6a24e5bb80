package dev.demucs.core.engine;

import dev.demucs.core.AudioIOException;
import dev.demucs.core.audio.AudioSource;
import dev.demucs.core.dsp.Normalization;

/**
 * The sliding window over the input of the second pass: a stereo ring over track frames
 * {@code [start, end)}, filled by pulling from the source as chunks need it and released as the
 * schedules move on, so it holds O(segment) frames for a track of any length.
 *
 * <pre>
 * ring[channel][x]   the original (un-normalised) mix; mono is read into both channels,
 *                    more than two channels: the first two
 * window(ws, len)    normalised samples of [ws, ws + len), zeros outside [0, trackFrames)
 * </pre>
 */
final class InputWindow {

    private static final int READ_BLOCK = 16_384;

    private final AudioSource source;
    private final String description;
    private final long trackFrames;
    private final float[][] readBuffer;
    private float[][] ring;
    private int mask;
    private long start;
    private long end;

    InputWindow(AudioSource source, String description, long trackFrames, int initialCapacity) {
        this.source = source;
        this.description = description;
        this.trackFrames = trackFrames;
        this.readBuffer = new float[source.channels()][READ_BLOCK];
        int capacity = Integer.highestOneBit(Math.max(READ_BLOCK, initialCapacity - 1)) << 1;
        ring = new float[2][capacity];
        mask = capacity - 1;
    }

    /** Reads until every frame before {@code upTo} (at most the track's end) is in the ring. */
    void fill(long upTo) {
        long target = Math.min(upTo, trackFrames);
        while (end < target) {
            int want = (int) Math.min(READ_BLOCK, trackFrames - end);
            int n = source.read(readBuffer, 0, want);
            if (n < 0) {
                throw new AudioIOException("input " + description + " ended at frame " + end + " in the second pass but had "
                        + trackFrames + " frames in the first");
            }
            ensure(end + n);
            float[] left = readBuffer[0];
            float[] right = readBuffer.length > 1 ? readBuffer[1] : readBuffer[0];
            for (int i = 0; i < n; i++) {
                int j = (int) ((end + i) & mask);
                ring[0][j] = left[i];
                ring[1][j] = right[i];
            }
            end += n;
        }
    }

    /** Checks that the source has nothing beyond the first pass's length. */
    void requireEnd() {
        int n = source.read(readBuffer, 0, 1);
        if (n > 0) {
            throw new AudioIOException("input " + description + " has more than the " + trackFrames
                    + " frames of its first pass in the second pass");
        }
    }

    /** Original sample of a channel at frame x, which must be held. */
    float sample(int channel, long x) {
        return ring[channel][(int) (x & mask)];
    }

    /**
     * Writes the normalised window {@code [windowStart, windowStart + frames)} to
     * {@code dst[channel][dstOffset ..]}, with zeros outside the track.
     */
    void window(long windowStart, int frames, Normalization norm, float[][] dst, int dstOffset) {
        fill(windowStart + frames);
        float offset = norm.offset();
        float scale = norm.scale();
        for (int c = 0; c < 2; c++) {
            float[] d = dst[c];
            float[] r = ring[c];
            for (int i = 0; i < frames; i++) {
                long x = windowStart + i;
                if (x < 0 || x >= trackFrames) {
                    d[dstOffset + i] = 0f;
                } else {
                    if (x < start) {
                        throw new IllegalStateException("frame " + x + " was released (window starts at " + start + ")");
                    }
                    d[dstOffset + i] = (r[(int) (x & mask)] - offset) / scale;
                }
            }
        }
    }

    /** Forgets the frames before {@code upTo}. */
    void release(long upTo) {
        start = Math.max(start, Math.min(upTo, end));
    }

    private void ensure(long newEnd) {
        int capacity = mask + 1;
        if (newEnd - start <= capacity) {
            return;
        }
        while (newEnd - start > capacity) {
            capacity <<= 1;
        }
        float[][] grown = new float[2][capacity];
        int newMask = capacity - 1;
        for (long x = start; x < end; x++) {
            grown[0][(int) (x & newMask)] = ring[0][(int) (x & mask)];
            grown[1][(int) (x & newMask)] = ring[1][(int) (x & mask)];
        }
        ring = grown;
        mask = newMask;
    }
}
