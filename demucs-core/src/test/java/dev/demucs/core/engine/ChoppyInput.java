package dev.demucs.core.engine;

import dev.demucs.core.audio.AudioInput;
import dev.demucs.core.audio.AudioSource;

/** An input over arrays whose reads return irregular, short counts (as a decoder may), counting its passes. */
final class ChoppyInput implements AudioInput {
    private final int sampleRate;
    private final float[][] data;
    int opens;
    int openSources;

    ChoppyInput(int sampleRate, float[][] data) {
        this.sampleRate = sampleRate;
        this.data = data;
    }

    @Override
    public AudioSource open() {
        opens++;
        openSources++;
        return new AudioSource() {
            int position;
            int call;
            boolean closed;

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
                return -1;
            }

            @Override
            public int read(float[][] dst, int offset, int frames) {
                int[] sizes = {1, 7, 1000, 4096, 333};
                int n = Math.min(Math.min(frames, sizes[call++ % sizes.length]), data[0].length - position);
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
                if (!closed) {
                    closed = true;
                    openSources--;
                }
            }
        };
    }

    @Override
    public String description() {
        return "choppy test input";
    }
}
