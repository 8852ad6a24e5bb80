package dev.demucs.benchmarks;

import dev.demucs.core.dsp.DemucsStft;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Demucs' STFT and inverse STFT ({@link DemucsStft}) on one model segment of one channel
 * (343 980 samples = 7.8 s). Divide the time per operation by 7.8 for the cost per second of
 * mono audio; a stereo chunk costs twice {@code spec} (model input) and, per stem, twice
 * {@code ispec}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class StftBenchmark {

    private DemucsStft stft;
    private float[] signal;
    private float[] spectrogram;
    private float[] back;
    private int planeSize;

    @Setup(Level.Trial)
    public void setUp() {
        stft = new DemucsStft();
        signal = Signals.music(GainModel.SEGMENT_SAMPLES, 44_100, 1)[0];
        planeSize = DemucsStft.BINS * DemucsStft.frames(signal.length);
        spectrogram = new float[2 * planeSize];
        back = new float[signal.length];
        stft.spec(signal, 0, signal.length, spectrogram, 0, planeSize);
    }

    /** Forward STFT of one 7.8 s channel. */
    @Benchmark
    public float[] spec() {
        stft.spec(signal, 0, signal.length, spectrogram, 0, planeSize);
        return spectrogram;
    }

    /** Inverse STFT of one 7.8 s channel. */
    @Benchmark
    public float[] ispec() {
        stft.ispec(spectrogram, 0, planeSize, signal.length, back, 0);
        return back;
    }

    /** Round trip, as one stem channel of a chunk costs in the separator. */
    @Benchmark
    public float[] specAndIspec() {
        stft.spec(signal, 0, signal.length, spectrogram, 0, planeSize);
        stft.ispec(spectrogram, 0, planeSize, signal.length, back, 0);
        return back;
    }
}
