package dev.demucs.benchmarks;

import dev.demucs.core.audio.AudioSource;
import dev.demucs.ffmpeg.AudioFormat;
import dev.demucs.ffmpeg.AudioWriter;
import dev.demucs.ffmpeg.EncoderOptions;
import dev.demucs.ffmpeg.FfmpegInput;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * FFmpeg (JavaCV) throughput through the project's adapters: decoding a 60 s file of each
 * format to 44.1 kHz stereo float, and encoding 60 s of stereo float to each format. The
 * score is the time per 60 s of audio.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 3)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class FfmpegBenchmark {

    private static final int SAMPLE_RATE = 44_100;
    private static final int SECONDS = 60;
    private static final int BLOCK_FRAMES = 16_384;

    /** Container/codec decoded and encoded. */
    @Param({"MP3", "WAV_PCM16", "FLAC", "M4A"})
    public AudioFormat format;

    private Path dir;
    private Path encoded;
    private float[][] audio;
    private float[][] readBuffer;
    private int written;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("demucs-bench-ffmpeg");
        audio = Signals.music(SECONDS * SAMPLE_RATE, SAMPLE_RATE, 11);
        readBuffer = new float[2][BLOCK_FRAMES];
        encoded = encode(dir.resolve("input." + format.extension()));
    }

    /** Decodes the whole file; returns the frame count. */
    @Benchmark
    public long decode() {
        long frames = 0;
        try (AudioSource source = FfmpegInput.of(encoded.toString(), SAMPLE_RATE, 2).open()) {
            int n;
            while ((n = source.read(readBuffer, 0, BLOCK_FRAMES)) >= 0) {
                frames += n;
            }
        }
        return frames;
    }

    /** Encodes 60 s of stereo audio to a new file. */
    @Benchmark
    public Path encode() throws IOException {
        return encode(dir.resolve("out" + (written++ % 2) + "." + format.extension()));
    }

    private Path encode(Path target) throws IOException {
        try (AudioWriter writer = AudioWriter.open(target, format, SAMPLE_RATE, 2, EncoderOptions.defaults())) {
            for (int offset = 0; offset < audio[0].length; offset += BLOCK_FRAMES) {
                writer.write(audio, offset, Math.min(BLOCK_FRAMES, audio[0].length - offset));
            }
            writer.complete();
        }
        return target;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        try (var files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(dir);
    }
}
