package dev.demucs.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.demucs.core.Cancellation;
import dev.demucs.core.ProgressListener;
import dev.demucs.core.SeparationOptions;
import dev.demucs.core.Separator;
import dev.demucs.core.audio.AudioInput;
import dev.demucs.core.audio.AudioSource;
import dev.demucs.core.audio.StemSink;
import dev.demucs.testing.TestModels;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 60-minute synthetic track through the streaming form under a 512 MB heap (surefire's
 * "small-heap" execution runs this class alone with -Xmx512m): the input alone would be 1.27 GB
 * as float stereo, its four stems 5 GB. Model: single-graph per-stem gains at the real 343 980
 * segment, shifts 0; every output frame is checked against g_k·(x − m) + m as it arrives.
 */
@Tag("small-heap")
class LongStreamingTest {

    static final int RATE = 44_100;
    static final long FRAMES = 60L * 60 * RATE;
    /** The synthetic track repeats a table of this many frames (not a multiple of any stride). */
    static final int PERIOD = 3 * RATE + 17;

    @TempDir
    Path dir;

    static float[][] table() {
        return Signals.mix(2, PERIOD, 60);
    }

    /** The track: the table repeated; a source that reads it in irregular pieces. */
    static AudioInput track(float[][] table) {
        return new AudioInput() {
            @Override
            public AudioSource open() {
                return new AudioSource() {
                    long position;
                    int call;

                    @Override
                    public int sampleRate() {
                        return RATE;
                    }

                    @Override
                    public int channels() {
                        return 2;
                    }

                    @Override
                    public long lengthFrames() {
                        return FRAMES;
                    }

                    @Override
                    public int read(float[][] dst, int offset, int frames) {
                        int n = (int) Math.min(Math.min(frames, 4096 + 997 * (call++ % 5)), FRAMES - position);
                        if (n <= 0) {
                            return -1;
                        }
                        for (int i = 0; i < n; i++) {
                            int j = (int) ((position + i) % PERIOD);
                            dst[0][offset + i] = table[0][j];
                            dst[1][offset + i] = table[1][j];
                        }
                        position += n;
                        return n;
                    }

                    @Override
                    public void close() {
                    }
                };
            }

            @Override
            public String description() {
                return "60-minute synthetic track";
            }
        };
    }

    @Test
    void anHourInASmallHeap() {
        long maxHeap = Runtime.getRuntime().maxMemory();
        Assumptions.assumeTrue(maxHeap <= 600L << 20, "run by the small-heap surefire execution (-Xmx512m); heap is " + (maxHeap >> 20) + " MB");
        float[][] table = table();
        // Independent mean of the mono reference over the hour (the table's mean weighted by repetitions).
        double sum = 0;
        long full = FRAMES / PERIOD;
        for (int j = 0; j < PERIOD; j++) {
            double mono = ((double) table[0][j] + table[1][j]) / 2;
            sum += mono * (full + (j < FRAMES % PERIOD ? 1 : 0));
        }
        double mean = sum / FRAMES;
        double rms = Signals.rms(table);
        float[] gains = {1f, 0.5f, -0.25f, 2f};
        Path model = TestModels.singleGraphGain(dir.resolve("gain.onnx"), gains, TestModels.SEGMENT_SAMPLES,
                TestModels.metadata(TestModels.FOUR_STEMS, RATE, TestModels.SEGMENT_SAMPLES));
        double[] maxError = new double[1];
        long[] received = new long[1];
        boolean[] completed = new boolean[1];
        StemSink sink = new StemSink() {
            @Override
            public void begin(List<String> stems, int sampleRate, int channels) {
                assertEquals(TestModels.FOUR_STEMS, stems);
            }

            @Override
            public void write(float[][][] block, int frames) {
                int j = (int) (received[0] % PERIOD);
                for (int i = 0; i < frames; i++, j = j + 1 == PERIOD ? 0 : j + 1) {
                    for (int k = 0; k < 4; k++) {
                        for (int c = 0; c < 2; c++) {
                            double expected = gains[k] * (table[c][j] - mean) + mean;
                            maxError[0] = Math.max(maxError[0], Math.abs(block[k][c][i] - expected));
                        }
                    }
                }
                received[0] += frames;
            }

            @Override
            public void complete() {
                completed[0] = true;
            }

            @Override
            public void close() {
            }
        };
        long t0 = System.nanoTime();
        try (Separator s = Separator.open(model, SeparationOptions.builder().shifts(0).build())) {
            s.separate(track(table), sink, ProgressListener.NONE, Cancellation.NONE);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        long peakHeap = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peakHeap += pool.getPeakUsage().getUsed();
            }
        }
        System.out.printf("60 min streamed in %.1f s, heap peak %d MB (max %d MB), max error %.3g%n", seconds, peakHeap >> 20,
                maxHeap >> 20, maxError[0]);
        assertTrue(completed[0]);
        assertEquals(FRAMES, received[0]);
        assertTrue(maxError[0] <= 1e-5 * rms, "max error " + maxError[0] + " > 1e-5 × " + rms);
    }
}
