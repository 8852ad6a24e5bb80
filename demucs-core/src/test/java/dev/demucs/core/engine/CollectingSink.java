package dev.demucs.core.engine;

import dev.demucs.core.audio.StemSink;
import java.util.ArrayList;
import java.util.List;

/** A sink that copies what it gets and records the calls, for tests. */
final class CollectingSink implements StemSink {
    List<String> stems;
    int sampleRate;
    final List<float[][]> data = new ArrayList<>();
    int frames;
    boolean completed;
    boolean closed;
    boolean closedBeforeComplete;

    @Override
    public void begin(List<String> stems, int sampleRate, int channels) {
        this.stems = stems;
        this.sampleRate = sampleRate;
        for (int k = 0; k < stems.size(); k++) {
            data.add(new float[channels][0]);
        }
    }

    @Override
    public void write(float[][][] block, int n) {
        for (int k = 0; k < data.size(); k++) {
            float[][] d = data.get(k);
            for (int c = 0; c < d.length; c++) {
                float[] grown = java.util.Arrays.copyOf(d[c], frames + n);
                System.arraycopy(block[k][c], 0, grown, frames, n);
                d[c] = grown;
            }
        }
        frames += n;
    }

    @Override
    public void complete() {
        completed = true;
    }

    @Override
    public void close() {
        if (!completed) {
            closedBeforeComplete = true;
        }
        closed = true;
    }
}
