package dev.demucs.benchmarks.report;

import dev.demucs.core.audio.StemSink;
import java.util.List;

/** Sends every event to several sinks in order; closes all of them even when one fails. */
final class TeeSink implements StemSink {

    private final List<StemSink> sinks;

    TeeSink(List<StemSink> sinks) {
        this.sinks = List.copyOf(sinks);
    }

    @Override
    public void begin(List<String> stems, int sampleRate, int channels) {
        for (StemSink s : sinks) {
            s.begin(stems, sampleRate, channels);
        }
    }

    @Override
    public void write(float[][][] block, int frames) {
        for (StemSink s : sinks) {
            s.write(block, frames);
        }
    }

    @Override
    public void complete() {
        for (StemSink s : sinks) {
            s.complete();
        }
    }

    @Override
    public void close() {
        RuntimeException first = null;
        for (StemSink s : sinks) {
            try {
                s.close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
