package dev.demucs.benchmarks.report;

import dev.demucs.core.audio.StemSink;
import dev.demucs.ffmpeg.AudioFormat;
import dev.demucs.ffmpeg.AudioWriter;
import dev.demucs.ffmpeg.EncoderOptions;
import java.nio.file.Path;
import java.util.List;

/** Writes one stem, down-mixed to mono (mean of the channels), as an MP3 file. */
final class MonoMp3Sink implements StemSink {

    private final Path target;
    private final String stem;
    private final EncoderOptions options;
    private AudioWriter writer;
    private int stemIndex;
    private float[][] mono = new float[1][0];

    MonoMp3Sink(Path target, String stem, EncoderOptions options) {
        this.target = target;
        this.stem = stem;
        this.options = options;
    }

    @Override
    public void begin(List<String> stems, int sampleRate, int channels) {
        stemIndex = stems.indexOf(stem);
        if (stemIndex < 0) {
            throw new IllegalArgumentException("no stem " + stem + " among " + stems);
        }
        writer = AudioWriter.open(target, AudioFormat.MP3, sampleRate, 1, options);
    }

    @Override
    public void write(float[][][] block, int frames) {
        if (mono[0].length < frames) {
            mono = new float[1][frames];
        }
        float[][] s = block[stemIndex];
        float scale = 1f / s.length;
        for (int i = 0; i < frames; i++) {
            float sum = 0;
            for (float[] channel : s) {
                sum += channel[i];
            }
            mono[0][i] = sum * scale;
        }
        writer.write(mono, 0, frames);
    }

    @Override
    public void complete() {
        writer.complete();
    }

    @Override
    public void close() {
        if (writer != null) {
            writer.close();
        }
    }
}
