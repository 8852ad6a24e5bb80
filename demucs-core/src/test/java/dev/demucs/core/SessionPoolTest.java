package dev.demucs.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.demucs.core.audio.AudioBuffer;
import dev.demucs.testing.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The application-owned session pool: sharing, superseded files, closing during a run. */
class SessionPoolTest {

    static final int L = TestModels.SEGMENT_SAMPLES;
    static final int RATE = 44_100;

    @TempDir
    Path dir;

    /** A single-graph model whose four stems are gain·mix. */
    Path gainModel(Path file, float gain) {
        return TestModels.singleGraphGain(file, new float[]{gain, gain, gain, gain}, L, TestModels.metadata(TestModels.FOUR_STEMS, RATE, L));
    }

    /** Writes a model beside the target and renames it over the target, as a model update would. */
    void replace(Path target, float gain) throws Exception {
        Path next = gainModel(dir.resolve("next.onnx"), gain);
        Files.move(next, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static float[][] mix(int frames) {
        float[][] x = new float[2][frames];
        for (int t = 0; t < frames; t++) {
            x[0][t] = (float) (0.3 * Math.sin(0.013 * t) + 0.05);
            x[1][t] = (float) (0.2 * Math.sin(0.021 * t) - 0.03);
        }
        return x;
    }

    /**
     * The gain the separator applied. Demucs normalises the mix and de-normalises the stems, so a
     * gain-g model gives g·x + (1 − g)·mean: the gain shows in differences between samples, checked
     * to be the same at every sample.
     */
    static double appliedGain(Separator s) {
        float[][] x = mix(2_000);
        float[][] vocals = s.separate(AudioBuffer.of(RATE, x)).get("vocals").data();
        double gain = (vocals[0][100] - vocals[0][0]) / (x[0][100] - x[0][0]);
        for (int c = 0; c < 2; c++) {
            for (int t = 0; t < x[c].length; t++) {
                assertEquals(gain * (x[c][t] - x[c][0]), vocals[c][t] - vocals[c][0], 1e-4, "channel " + c + " frame " + t);
            }
        }
        return gain;
    }

    @Test
    void separatorsOfOneModelShareOneSession() {
        Path model = gainModel(dir.resolve("m.onnx"), 1f);
        try (SessionPool pool = SessionPool.create()) {
            try (Separator a = Separator.open(model, SeparationOptions.defaults(), pool);
                 Separator b = Separator.open(model, SeparationOptions.defaults(), pool)) {
                assertEquals(1, pool.openSessions());
                assertEquals(new DeviceInUse(Device.cpu(), null), a.device());
                assertEquals(1.0, appliedGain(b), 1e-5);
            }
            assertEquals(1, pool.openSessions(), "the session stays pooled for the next separator");
        }
    }

    @Test
    void aReplacedModelFileReleasesTheOldSessionOnceItsUsersAreDone() throws Exception {
        Path model = gainModel(dir.resolve("m.onnx"), 1f);
        try (SessionPool pool = SessionPool.create()) {
            Separator old = Separator.open(model, SeparationOptions.defaults(), pool);
            assertEquals(1.0, appliedGain(old), 1e-5);
            replace(model, 2f);
            try (Separator fresh = Separator.open(model, SeparationOptions.defaults(), pool)) {
                assertEquals(2.0, appliedGain(fresh), 1e-5, "the new file gets a new session");
                assertEquals(2, pool.openSessions(), "the old session is still in use");
                assertEquals(1.0, appliedGain(old), 1e-5, "a separator keeps the session it was opened with");
                old.close();
                assertEquals(1, pool.openSessions(), "the superseded session is released when its last user closes");
            }
            // no user left: replacing the file and opening again releases the superseded session at once
            replace(model, 3f);
            try (Separator third = Separator.open(model, SeparationOptions.defaults(), pool)) {
                assertEquals(3.0, appliedGain(third), 1e-5);
                assertEquals(1, pool.openSessions());
            }
        }
    }

    @Test
    void closingThePoolWaitsForTheRunInFlight() throws Exception {
        Path model = gainModel(dir.resolve("m.onnx"), 1f);
        SessionPool pool = SessionPool.create();
        Separator s = Separator.open(model, SeparationOptions.defaults(), pool);
        CountDownLatch inRun = new CountDownLatch(1);
        CountDownLatch letRunFinish = new CountDownLatch(1);
        ProgressListener gate = new ProgressListener() {
            @Override
            public void onChunkEnd(ChunkProgress chunk) {
                inRun.countDown();
                try {
                    letRunFinish.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        float[][] x = mix(2_000);
        CompletableFuture<Stems> run = CompletableFuture.supplyAsync(() -> s.separate(AudioBuffer.of(RATE, x), gate, Cancellation.NONE));
        assertTrue(inRun.await(60, TimeUnit.SECONDS), "the run did not start");

        CountDownLatch closed = new CountDownLatch(1);
        Thread closer = new Thread(() -> {
            pool.close();
            closed.countDown();
        });
        closer.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (closer.getState() != Thread.State.WAITING && closer.isAlive() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(Thread.State.WAITING, closer.getState(), "close() must block while a run is in flight");
        assertEquals(1, closed.getCount());
        assertEquals(1, pool.openSessions(), "the session must stay open during the run");
        assertThrows(IllegalStateException.class, () -> Separator.open(model, SeparationOptions.defaults(), pool),
                "a closing pool refuses new separators");

        letRunFinish.countDown();
        Stems stems = run.get(60, TimeUnit.SECONDS);
        assertEquals(x[0][500], stems.get("vocals").data()[0][500], 1e-4, "the run in flight completes normally");
        assertTrue(closed.await(60, TimeUnit.SECONDS), "close() returns once the run is done");
        assertEquals(0, pool.openSessions());
        assertThrows(IllegalStateException.class, () -> s.separate(AudioBuffer.of(RATE, x)),
                "a separator of a closed pool fails clearly");
        s.close();
        pool.close(); // idempotent
    }

    @Test
    void theSharedPoolOutlivesClose() {
        Path model = gainModel(dir.resolve("m.onnx"), 1f);
        try (Separator s = Separator.open(model, SeparationOptions.defaults())) {
            SessionPool.shared().close();
            assertEquals(1.0, appliedGain(s), 1e-5);
            assertFalse(SessionPool.shared().openSessions() < 1);
        }
    }
}
