package dev.demucs.core.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import dev.demucs.core.Cancellation;
import dev.demucs.core.Device;
import dev.demucs.core.DeviceInUse;
import dev.demucs.core.InferenceException;
import dev.demucs.core.InvalidModelException;
import dev.demucs.core.ProgressListener;
import dev.demucs.core.SeparationCancelledException;
import dev.demucs.core.SeparationOptions;
import dev.demucs.core.Separator;
import dev.demucs.core.SessionPool;
import dev.demucs.core.StemSelection;
import dev.demucs.core.Stems;
import dev.demucs.core.audio.AudioBuffer;
import dev.demucs.core.model.ModelBag;
import dev.demucs.testing.TestModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reproducibility, the streaming form, stem selection, progress, cancellation, devices and misuse. */
class SeparatorBehaviourTest {

    static final int L = TestModels.SEGMENT_SAMPLES;
    static final int RATE = 44_100;
    static final float[] TIME = {1f, 0.5f, 0f, 2f};
    static final float[] FREQ = {0f, 0.5f, 1f, -0.5f};

    @TempDir
    static Path dir;
    static Path ramp;
    static Path gain;

    @BeforeAll
    static void models() {
        ramp = TestModels.twoInputRamp(dir.resolve("ramp.onnx"), TIME, FREQ, L, TestModels.metadata(TestModels.FOUR_STEMS, RATE, L));
        gain = TestModels.twoInputGain(dir.resolve("gain.onnx"), TIME, new float[4], L, TestModels.metadata(TestModels.FOUR_STEMS, RATE, L));
    }

    static Stems separate(Path model, SeparationOptions options, float[][] mix) {
        try (Separator s = Separator.open(model, options)) {
            return s.separate(AudioBuffer.of(RATE, mix));
        }
    }

    static void assertBitIdentical(Stems a, Stems b) {
        assertEquals(a.names(), b.names());
        for (int k = 0; k < a.names().size(); k++) {
            assertTrue(Arrays.deepEquals(a.buffers().get(k).data(), b.buffers().get(k).data()), "stem " + a.names().get(k) + " differs");
        }
    }

    @Test
    void sameSeedIsBitIdenticalAndAnotherSeedIsNot() {
        float[][] mix = Signals.mix(2, 400_000, 1);
        SeparationOptions options = SeparationOptions.builder().shifts(2).seed(42).build();
        Stems a = separate(ramp, options, mix);
        Stems b = separate(ramp, options, mix);
        assertBitIdentical(a, b);
        Stems c = separate(ramp, options.toBuilder().seed(43).build(), mix);
        assertFalse(Arrays.deepEquals(a.buffers().get(0).data(), c.buffers().get(0).data()), "a different seed gave the same shifts");
    }

    @Test
    void streamingFormIsBitIdenticalToInMemory() {
        float[][] mix = Signals.mix(2, 700_000, 2);
        SeparationOptions options = SeparationOptions.builder().shifts(2).overlap(0.5).build();
        try (Separator s = Separator.open(ramp, options)) {
            Stems inMemory = s.separate(AudioBuffer.of(RATE, mix));
            ChoppyInput input = new ChoppyInput(RATE, mix);
            CollectingSink sink = new CollectingSink();
            s.separate(input, sink, ProgressListener.NONE, Cancellation.NONE);
            assertEquals(2, input.opens, "two passes over the input");
            assertEquals(0, input.openSources, "every pass closed");
            assertTrue(sink.completed && sink.closed && !sink.closedBeforeComplete);
            assertEquals(TestModels.FOUR_STEMS, sink.stems);
            assertEquals(RATE, sink.sampleRate);
            for (int k = 0; k < 4; k++) {
                assertTrue(Arrays.deepEquals(inMemory.buffers().get(k).data(), sink.data.get(k)), "stem " + k + " differs");
            }
        }
    }

    @Test
    void monoIsSeparatedAsBothChannels() {
        float[][] mono = Signals.mix(1, 100_000, 3);
        SeparationOptions options = SeparationOptions.builder().shifts(1).build();
        assertBitIdentical(separate(ramp, options, new float[][]{mono[0], mono[0]}), separate(ramp, options, mono));
    }

    @Test
    void twoStemModesAndSubsets() {
        float[][] mix = Signals.mix(2, 500_000, 4);
        SeparationOptions base = SeparationOptions.builder().shifts(1).build();
        Stems all = separate(gain, base, mix);
        Stems add = separate(gain, base.toBuilder().stems(StemSelection.twoStems("vocals", StemSelection.Complement.ADD)).build(), mix);
        Stems minus = separate(gain, base.toBuilder().stems(StemSelection.twoStems("vocals", StemSelection.Complement.MINUS)).build(), mix);
        Stems subset = separate(gain, base.toBuilder().stems(StemSelection.only(List.of("vocals", "drums"))).build(), mix);
        assertEquals(List.of("vocals", "no_vocals"), add.names());
        assertEquals(List.of("vocals", "no_vocals"), minus.names());
        assertEquals(List.of("vocals", "drums"), subset.names());
        assertArrayEquals(all.get("vocals").data(), add.get("vocals").data());
        assertArrayEquals(all.get("drums").data(), subset.get("drums").data());
        for (int c = 0; c < 2; c++) {
            for (int t = 0; t < mix[0].length; t++) {
                float sum = all.get("drums").data()[c][t] + all.get("bass").data()[c][t] + all.get("other").data()[c][t];
                assertEquals(sum, add.get("no_vocals").data()[c][t], 1e-6f);
                assertEquals(mix[c][t] - all.get("vocals").data()[c][t], minus.get("no_vocals").data()[c][t], 0f);
            }
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Separator.open(gain, base.toBuilder().stems(StemSelection.twoStems("guitar", StemSelection.Complement.ADD)).build()));
        assertTrue(e.getMessage().contains("guitar"), e.getMessage());
    }

    @Test
    void wrongSampleRateNamesBothRates() {
        try (Separator s = Separator.open(gain, SeparationOptions.defaults())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> s.separate(AudioBuffer.of(48_000, new float[2][1000])));
            assertTrue(e.getMessage().contains("48000") && e.getMessage().contains("44100"), e.getMessage());
            IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
                    () -> s.separate(new ChoppyInput(22_050, new float[2][1000]), new CollectingSink(), ProgressListener.NONE, Cancellation.NONE));
            assertTrue(e2.getMessage().contains("22050") && e2.getMessage().contains("choppy test input"), e2.getMessage());
        }
    }

    @Test
    void emptyAndTinyInputs() {
        try (Separator s = Separator.open(gain, SeparationOptions.defaults())) {
            Stems empty = s.separate(AudioBuffer.of(RATE, new float[2][0]));
            assertEquals(0, empty.buffers().get(0).frames());
            Stems one = s.separate(AudioBuffer.of(RATE, new float[][]{{0.5f}, {0.25f}}));
            assertEquals(1, one.buffers().get(0).frames());
            assertTrue(Float.isFinite(one.buffers().get(0).data()[0][0]));
        }
    }

    /** Paired events, chunk counts per pass, shift and model indices, monotonic percent, all on the calling thread. */
    @Test
    void progressEventsArePairedAndMonotonic() {
        float[][] mix = Signals.mix(2, 900_000, 5);
        List<String> events = new ArrayList<>();
        List<ProgressListener.ChunkProgress> ends = new ArrayList<>();
        Thread caller = Thread.currentThread();
        boolean[] otherThread = new boolean[1];
        ProgressListener listener = new ProgressListener() {
            @Override
            public void onSeparationStart(int totalChunks, long frames) {
                events.add("start " + totalChunks + " " + frames);
                otherThread[0] |= Thread.currentThread() != caller;
            }

            @Override
            public void onChunkStart(ChunkProgress chunk) {
                events.add("chunk+");
                otherThread[0] |= Thread.currentThread() != caller;
            }

            @Override
            public void onChunkEnd(ChunkProgress chunk) {
                events.add("chunk-");
                ends.add(chunk);
                otherThread[0] |= Thread.currentThread() != caller;
            }

            @Override
            public void onSeparationEnd(Throwable error) {
                events.add("end " + error);
            }
        };
        try (Separator s = Separator.open(ModelBag.of(List.of(new ModelBag.Member(gain, null), new ModelBag.Member(ramp, null))),
                SeparationOptions.builder().shifts(2).build())) {
            s.separate(AudioBuffer.of(RATE, mix), listener, Cancellation.NONE);
        }
        assertFalse(otherThread[0], "listener called from another thread");
        // (900000 + 22050 − o) / 257985 → 4 chunks per pass for every offset o; 2 models × 2 shifts.
        assertEquals("start 16 900000", events.get(0));
        assertEquals("end null", events.get(events.size() - 1));
        assertEquals(16, ends.size());
        assertEquals(16, events.stream().filter("chunk+"::equals).count());
        double last = -1;
        for (ProgressListener.ChunkProgress p : ends) {
            assertTrue(p.percent() > last, "percent went from " + last + " to " + p.percent());
            last = p.percent();
            assertEquals(4, p.chunkCount());
            assertEquals(2, p.modelCount());
            assertEquals(2, p.shiftCount());
            assertEquals(16, p.total());
        }
        assertEquals(100.0, last);
        assertEquals(2, ends.stream().map(p -> p.modelIndex() + ":" + p.shiftIndex()).distinct().count() / 2);
        int open = 0;
        for (String e : events) {
            open += e.equals("chunk+") ? 1 : e.equals("chunk-") ? -1 : 0;
            assertTrue(open >= 0, "a chunk ended before it started");
        }
        assertEquals(0, open);
    }

    @Test
    void cancellationStopsAndDiscardsTheOutput() {
        float[][] mix = Signals.mix(2, 2_000_000, 6);
        Cancellation cancellation = new Cancellation();
        Throwable[] ended = new Throwable[1];
        int[] chunksEnded = new int[1];
        ProgressListener listener = new ProgressListener() {
            @Override
            public void onChunkEnd(ChunkProgress chunk) {
                if (++chunksEnded[0] == 2) {
                    cancellation.cancel();
                }
            }

            @Override
            public void onSeparationEnd(Throwable error) {
                ended[0] = error;
            }
        };
        try (DemucsSeparator s = (DemucsSeparator) Separator.open(ramp, SeparationOptions.builder().shifts(1).build())) {
            CollectingSink sink = new CollectingSink();
            ChoppyInput input = new ChoppyInput(RATE, mix);
            assertThrows(SeparationCancelledException.class, () -> s.separate(input, sink, listener, cancellation));
            assertInstanceOf(SeparationCancelledException.class, ended[0]);
            assertTrue(sink.closedBeforeComplete && !sink.completed, "the sink must be closed without complete()");
            assertEquals(2, chunksEnded[0]);
            assertEquals(0, input.openSources, "input pass left open");
            // the separator still works after a cancelled run
            Stems again = s.separate(AudioBuffer.of(RATE, Signals.mix(2, 50_000, 7)));
            assertEquals(50_000, again.buffers().get(0).frames());
            s.close();
            assertEquals(0, s.openTensors(), "tensors left open");
            assertThrows(IllegalStateException.class, () -> s.separate(AudioBuffer.of(RATE, new float[2][10])));
            s.close(); // idempotent
        }
    }

    @Test
    void cancellingFromAnotherThreadStopsARunningSeparation() throws Exception {
        float[][] mix = Signals.mix(2, 3_000_000, 8);
        Cancellation cancellation = new Cancellation();
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch cancelled = new CountDownLatch(1);
        int[] chunks = new int[2];
        ProgressListener listener = new ProgressListener() {
            @Override
            public void onSeparationStart(int totalChunks, long totalFrames) {
                chunks[0] = totalChunks;
            }

            @Override
            public void onChunkEnd(ChunkProgress chunk) {
                chunks[1]++;
                if (running.getCount() > 0) {
                    running.countDown();
                    // the first chunk waits for the other thread's cancel, however late that thread
                    // gets a core, so the cancel lands while chunks remain
                    try {
                        assertTrue(cancelled.await(60, java.util.concurrent.TimeUnit.SECONDS), "the killer never cancelled");
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        };
        try (Separator s = Separator.open(ramp, SeparationOptions.builder().shifts(2).build())) {
            Thread killer = new Thread(() -> {
                try {
                    running.await();
                } catch (InterruptedException e) {
                    return;
                }
                cancellation.cancel();
                cancelled.countDown();
            });
            killer.start();
            assertThrows(SeparationCancelledException.class, () -> s.separate(AudioBuffer.of(RATE, mix), listener, cancellation));
            killer.join();
            assertTrue(chunks[1] >= 1 && chunks[1] < chunks[0],
                    "cancelled after " + chunks[1] + " of " + chunks[0] + " chunks: the run must stop between them");
        }
    }

    @Test
    void optionsThatDoNotFitTheModelAreRejectedAtOpen() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Separator.open(gain, SeparationOptions.builder().segmentSeconds(8.0).build()));
        assertTrue(e.getMessage().contains("segmentSeconds") && e.getMessage().contains("343980"), e.getMessage());
        // 7.8 s is exactly the model's segment
        Separator.open(gain, SeparationOptions.builder().segmentSeconds(7.8).build()).close();
    }

    @Test
    void inconsistentBagsAreRejected() {
        Path six = TestModels.singleGraphGain(dir.resolve("six.onnx"), new float[6], L, Map.of());
        InvalidModelException e = assertThrows(InvalidModelException.class,
                () -> Separator.open(ModelBag.of(List.of(new ModelBag.Member(gain, null), new ModelBag.Member(six, null))), SeparationOptions.defaults()));
        assertTrue(e.getMessage().contains("disagree"), e.getMessage());
        InvalidModelException w = assertThrows(InvalidModelException.class,
                () -> Separator.open(ModelBag.of(List.of(new ModelBag.Member(gain, new float[]{1, 1}))), SeparationOptions.defaults()));
        assertTrue(w.getMessage().contains("2 weights"), w.getMessage());
        InvalidModelException z = assertThrows(InvalidModelException.class,
                () -> Separator.open(ModelBag.of(List.of(new ModelBag.Member(gain, new float[]{1, 1, 0, 1}))), SeparationOptions.defaults()));
        assertTrue(z.getMessage().contains("other"), z.getMessage());
    }

    /**
     * An explicit CUDA request either runs on that GPU or fails clearly; auto uses CUDA when it loads
     * and otherwise falls back to the CPU and says why. Which of the two happens depends on the ONNX
     * Runtime jar and the machine: without the CUDA provider it must be the failure.
     */
    @Test
    void explicitCudaRunsOrFailsClearlyAndAutoFollows() throws OrtException {
        boolean cudaProvider = OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA);
        try (SessionPool pool = SessionPool.create()) {
            InferenceException failure = null;
            try (Separator s = Separator.open(gain, SeparationOptions.builder().device(Device.cuda(0)).build(), pool)) {
                assertEquals(new DeviceInUse(Device.cuda(0), null), s.device());
            } catch (InferenceException e) {
                failure = e;
                assertTrue(e.getMessage().contains("CUDA device 0"), e.getMessage());
            }
            if (!cudaProvider) {
                assertNotNull(failure, "this ONNX Runtime has no CUDA provider, so cuda:0 must fail");
            }
            String[] reason = new String[1];
            Device[] used = new Device[1];
            try (Separator s = Separator.open(gain, SeparationOptions.builder().device(Device.auto()).build(), pool)) {
                s.separate(AudioBuffer.of(RATE, Signals.mix(2, 1000, 1)), new ProgressListener() {
                    @Override
                    public void onDeviceFallback(Device device, String why) {
                        used[0] = device;
                        reason[0] = why;
                    }
                }, Cancellation.NONE);
                if (failure == null) {
                    assertEquals(new DeviceInUse(Device.cuda(0), null), s.device());
                    assertEquals(null, used[0], "no fallback event when CUDA is used");
                } else if (!cudaProvider) {
                    // the CPU build: auto is simply the CPU, nothing tried, no fallback event
                    assertEquals(new DeviceInUse(Device.cpu(), null), s.device());
                    assertNull(used[0], "the CPU build chose the CPU for auto without a fallback event");
                } else {
                    assertEquals(Device.cpu(), s.device().device());
                    assertEquals(Device.cpu(), used[0]);
                    assertEquals(failure.getMessage(), reason[0], "auto reports why cuda:0 failed");
                    assertEquals(reason[0], s.device().fallbackReason());
                }
            }
        }
    }

    /** One separator used from two threads at once gives each the same stems as a lone run. */
    @Test
    void concurrentSeparationsShareTheSeparator() throws Exception {
        float[][] a = Signals.mix(2, 400_000, 21);
        float[][] b = Signals.mix(2, 300_000, 22);
        SeparationOptions options = SeparationOptions.builder().shifts(1).build();
        Stems aloneA = separate(ramp, options, a);
        Stems aloneB = separate(ramp, options, b);
        try (Separator s = Separator.open(ramp, options)) {
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
            try {
                var fa = pool.submit(() -> s.separate(AudioBuffer.of(RATE, a)));
                var fb = pool.submit(() -> s.separate(AudioBuffer.of(RATE, b)));
                assertBitIdentical(aloneA, fa.get());
                assertBitIdentical(aloneB, fb.get());
            } finally {
                pool.shutdown();
            }
        }
    }
}
