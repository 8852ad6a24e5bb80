package dev.demucs.core.engine;

import dev.demucs.core.audio.StemSink;
import java.util.List;

/** A sink that keeps every stem in memory, for the in-memory form of {@link DemucsSeparator}. */
final class ArraySink implements StemSink {

    private final float[][][] data;
    private int position;
    private boolean complete;

    ArraySink(int stems, int frames) {
        data = new float[stems][2][frames];
    }

    @Override
    public void begin(List<String> stems, int sampleRate, int channels) {
        if (stems.size() != data.length || channels != 2) {
            throw new IllegalStateException("expected " + data.length + " stereo stems, got " + stems + " × " + channels);
        }
    }

    @Override
    public void write(float[][][] block, int frames) {
        for (int k = 0; k < data.length; k++) {
            for (int c = 0; c < 2; c++) {
                System.arraycopy(block[k][c], 0, data[k][c], position, frames);
            }
        }
        position += frames;
    }

    @Override
    public void complete() {
        if (position != data[0][0].length) {
            throw new IllegalStateException("got " + position + " of " + data[0][0].length + " frames");
        }
        complete = true;
    }

    @Override
    public void close() {
    }

    float[][][] data() {
        if (!complete) {
            throw new IllegalStateException("separation did not complete");
        }
        return data;
    }
}
