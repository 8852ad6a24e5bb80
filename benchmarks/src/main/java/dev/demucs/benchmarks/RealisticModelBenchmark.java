package dev.demucs.benchmarks;

import ai.onnxruntime.OrtException;
import dev.demucs.core.SeparationOptions;
import dev.demucs.core.Separator;
import dev.demucs.core.SessionPool;
import dev.demucs.core.Stems;
import dev.demucs.core.audio.AudioBuffer;
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
 * The realistic model (torchaudio hdemucs_high, ~84 M parameters, see {@link RealisticModel}):
 * one bare {@code session.run} per chunk, and a {@link Separator} over a 17 s track (3 chunks
 * without shifts). Three times {@code ortChunk} against {@code separate17s} gives the host's
 * share. Fails its setup with a message saying how to create the model when it is absent.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(1)
public class RealisticModelBenchmark {

    /** ONNX Runtime intra-op threads. */
    @Param({"2"})
    public int threads;

    private OrtChunkRunner runner;
    private SessionPool pool;
    private Separator separator;
    private AudioBuffer mix;

    @Setup(Level.Trial)
    public void setUp() throws OrtException {
        Path model = RealisticModel.require();
        runner = new OrtChunkRunner(model, threads);
        pool = SessionPool.create();
        separator = Separator.open(model, SeparationOptions.builder().shifts(0).intraOpThreads(threads).build(), pool);
        mix = AudioBuffer.of(44_100, Signals.music(17 * 44_100, 44_100, 3));
    }

    /** One bare model run on one 7.8 s chunk. */
    @Benchmark
    public float ortChunk() throws OrtException {
        return runner.runOnce();
    }

    /** A whole separation of 17 s (3 chunks, no shifts). */
    @Benchmark
    public Stems separate17s() {
        return separator.separate(mix);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (separator != null) {
            separator.close();
        }
        if (runner != null) {
            runner.close();
        }
        if (pool != null) {
            pool.close();
        }
    }
}
