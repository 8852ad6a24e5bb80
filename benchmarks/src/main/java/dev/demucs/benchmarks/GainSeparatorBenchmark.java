package dev.demucs.benchmarks;

import dev.demucs.core.SeparationOptions;
import dev.demucs.core.Separator;
import dev.demucs.core.SessionPool;
import dev.demucs.core.Stems;
import dev.demucs.core.audio.AudioBuffer;
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
 * A whole in-memory {@link Separator} run with the {@link GainModel} (the real segment and
 * shapes, but a model that costs almost nothing): normalisation, splitting, STFT, tensor
 * copies, iSTFT, overlap-add and de-normalisation — the host's own work per track.
 * The score is the time for {@code seconds} of stereo audio.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(1)
public class GainSeparatorBenchmark {

    /** Track length in seconds. */
    @Param({"60"})
    public int seconds;

    /** Random shifts (upstream's default is 1). */
    @Param({"0", "1"})
    public int shifts;

    private Path dir;
    private SessionPool pool;
    private Separator separator;
    private AudioBuffer mix;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("demucs-bench-gain");
        Path model = GainModel.write(dir.resolve("gain.onnx"), GainModel.SEGMENT_SAMPLES);
        pool = SessionPool.create();
        separator = Separator.open(model, SeparationOptions.builder().shifts(shifts).intraOpThreads(1).build(), pool);
        mix = AudioBuffer.of(44_100, Signals.music(seconds * 44_100, 44_100, 7));
    }

    @Benchmark
    public Stems separate() {
        return separator.separate(mix);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        if (separator != null) {
            separator.close();
        }
        if (pool != null) {
            pool.close();
        }
        Files.deleteIfExists(dir.resolve("gain.onnx"));
        Files.deleteIfExists(dir);
    }
}
