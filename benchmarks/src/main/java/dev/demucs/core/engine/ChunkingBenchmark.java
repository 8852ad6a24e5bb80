package dev.demucs.core.engine;

import dev.demucs.benchmarks.Signals;
import dev.demucs.core.audio.AudioBuffer;
import dev.demucs.core.dsp.Normalization;
import dev.demucs.core.dsp.TransitionWeights;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Splitting and overlap-add as the streaming engine does them, without STFT or model: one pass
 * over a track with upstream's geometry (segment 343 980, overlap 0.25), each chunk's normalised
 * window cut from the engine's {@link InputWindow} ring, a 4-stem stereo "model output" (the
 * window itself) added into the engine's {@link OverlapAdd} with the triangular
 * {@link TransitionWeights}, and every final frame read out and released.
 *
 * <p>This class lives in the engine's package to reach its package-private classes; the score is
 * the time per pass over {@code seconds} of audio.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class ChunkingBenchmark {

    private static final int SEGMENT = 343_980;
    private static final int STEMS = 4;

    /** Track length in seconds. */
    @Param({"60"})
    public int seconds;

    private AudioBuffer track;
    private Normalization norm;
    private float[] weights;
    private float[][] window;
    private float[][] chunkOut;
    private float[][] finalBlock;
    private int stride;

    @Setup(Level.Trial)
    public void setUp() {
        track = AudioBuffer.of(44_100, Signals.music(seconds * 44_100, 44_100, 5));
        Normalization.Accumulator acc = new Normalization.Accumulator();
        acc.add(track.data()[0], track.data()[1], 0, track.frames());
        norm = acc.result();
        weights = TransitionWeights.of(SEGMENT, 1.0);
        window = new float[2][SEGMENT];
        chunkOut = new float[STEMS * 2][];
        for (int k = 0; k < STEMS; k++) {
            chunkOut[2 * k] = window[0];
            chunkOut[2 * k + 1] = window[1];
        }
        finalBlock = new float[STEMS * 2][SEGMENT];
        stride = (int) ((1 - 0.25) * SEGMENT);
    }

    /** One pass: split into windows, overlap-add, read out and release; returns a checksum. */
    @Benchmark
    public double splitAndOverlapAdd() {
        long frames = track.frames();
        InputWindow input = new InputWindow(track.asSource(), "benchmark", frames, 2 * SEGMENT);
        OverlapAdd ola = new OverlapAdd(STEMS, 2 * SEGMENT + stride + 4096);
        int chunks = (int) ((frames + stride - 1) / stride);
        long emitted = 0;
        double checksum = 0;
        for (int i = 0; i < chunks; i++) {
            long offset = (long) i * stride;
            int n = (int) Math.min(SEGMENT, frames - offset);
            int trim = (SEGMENT - n) / 2;
            input.window(offset - trim, SEGMENT, norm, window, 0);
            ola.add(offset, n, chunkOut, trim, weights, 0);
            long finalUpTo = i + 1 < chunks ? (long) (i + 1) * stride : frames;
            int count = (int) (finalUpTo - emitted);
            for (int k = 0; k < STEMS; k++) {
                for (int c = 0; c < 2; c++) {
                    float[] dst = finalBlock[2 * k + c];
                    for (int j = 0; j < count; j++) {
                        dst[j] = norm.denormalize(ola.value(k, c, emitted + j));
                    }
                }
            }
            checksum += finalBlock[0][0];
            ola.release(finalUpTo);
            input.release(finalUpTo - SEGMENT);
            emitted = finalUpTo;
        }
        return checksum;
    }
}
