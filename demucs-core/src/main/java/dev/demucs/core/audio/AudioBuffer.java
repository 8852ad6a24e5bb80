package dev.demucs.core.audio;

import java.util.Arrays;

/**
 * Planar float PCM held in memory.
 *
 * <pre>
 * data[channel][frame]   channel 0 = left, 1 = right; all channels the same length
 * </pre>
 *
 * <p>The arrays are owned by the buffer's creator and not copied: a buffer made with
 * {@link #of(int, float[][])} shares them.
 *
 * @param sampleRate frames per second
 * @param data       samples, {@code data[channel][frame]}
 */
public record AudioBuffer(int sampleRate, float[][] data) {

    public AudioBuffer {
        if (sampleRate <= 0) {
            throw new IllegalArgumentException("sampleRate must be > 0, got " + sampleRate);
        }
        if (data == null || data.length == 0) {
            throw new IllegalArgumentException("an audio buffer needs at least one channel");
        }
        for (float[] channel : data) {
            if (channel == null || channel.length != data[0].length) {
                throw new IllegalArgumentException("all channels must have the same length");
            }
        }
    }

    public static AudioBuffer of(int sampleRate, float[][] data) {
        return new AudioBuffer(sampleRate, data);
    }

    /** Silence of the given shape. */
    public static AudioBuffer silence(int sampleRate, int channels, int frames) {
        return new AudioBuffer(sampleRate, new float[channels][frames]);
    }

    public int channels() {
        return data.length;
    }

    public int frames() {
        return data[0].length;
    }

    public double seconds() {
        return (double) frames() / sampleRate;
    }

    /** A copy of frames {@code [from, to)}. */
    public AudioBuffer slice(int from, int to) {
        float[][] out = new float[data.length][];
        for (int c = 0; c < data.length; c++) {
            out[c] = Arrays.copyOfRange(data[c], from, to);
        }
        return new AudioBuffer(sampleRate, out);
    }

    /** This buffer as a one-pass source, reading the shared arrays. */
    public AudioSource asSource() {
        return new AudioSource() {
            private int position;

            @Override
            public int sampleRate() {
                return sampleRate;
            }

            @Override
            public int channels() {
                return data.length;
            }

            @Override
            public long lengthFrames() {
                return frames();
            }

            @Override
            public int read(float[][] dst, int offset, int frames) {
                int n = Math.min(frames, frames() - position);
                if (n <= 0) {
                    return -1;
                }
                for (int c = 0; c < data.length; c++) {
                    System.arraycopy(data[c], position, dst[c], offset, n);
                }
                position += n;
                return n;
            }

            @Override
            public void close() {
            }
        };
    }

    /** This buffer as a re-openable input. */
    public AudioInput asInput() {
        return new AudioInput() {
            @Override
            public AudioSource open() {
                return asSource();
            }

            @Override
            public String description() {
                return "in-memory audio (" + frames() + " frames)";
            }
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AudioBuffer b && b.sampleRate == sampleRate && Arrays.deepEquals(b.data, data);
    }

    @Override
    public int hashCode() {
        return 31 * sampleRate + Arrays.deepHashCode(data);
    }

    @Override
    public String toString() {
        return "AudioBuffer{" + sampleRate + " Hz, " + channels() + " ch, " + frames() + " frames}";
    }
}
