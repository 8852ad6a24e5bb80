package dev.demucs.ffmpeg;

import dev.demucs.core.AudioIOException;
import dev.demucs.core.audio.StemSink;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StemSinkTest {

    static final List<String> STEMS = List.of("drums", "bass", "other", "vocals");

    @TempDir
    Path dir;

    @BeforeAll
    static void tools() {
        Cli.assumeAvailable();
    }

    /** Stem k is the test signal scaled by (k+1)/8. */
    static float[][][] stems(int frames) {
        float[][] x = AudioWriterTest.signal(frames, 3, 1.0);
        float[][][] out = new float[STEMS.size()][2][frames];
        for (int k = 0; k < STEMS.size(); k++) {
            for (int c = 0; c < 2; c++) {
                for (int i = 0; i < frames; i++) {
                    out[k][c][i] = x[c][i] * (k + 1) / 8f;
                }
            }
        }
        return out;
    }

    /** Feeds the stems in blocks, reusing (and scribbling over) one lent block as a separator would. */
    static void feed(StemSink sink, float[][][] stems, int blockFrames) {
        sink.begin(STEMS, 44100, 2);
        float[][][] lent = new float[stems.length][2][blockFrames];
        int frames = stems[0][0].length;
        for (int pos = 0; pos < frames; pos += blockFrames) {
            int n = Math.min(blockFrames, frames - pos);
            for (int k = 0; k < stems.length; k++) {
                for (int c = 0; c < 2; c++) {
                    System.arraycopy(stems[k][c], pos, lent[k][c], 0, n);
                }
            }
            sink.write(lent, n);
            for (float[][] s : lent) {
                for (float[] ch : s) {
                    java.util.Arrays.fill(ch, 123f); // the lender reuses the arrays at once
                }
            }
        }
    }

    private List<String> listing() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void stemFileSinkWritesOneFilePerStem() throws IOException {
        float[][][] stems = stems(50_000);
        StemFileSink files = new StemFileSink(dir, "song_", AudioFormat.WAV_FLOAT32,
                EncoderOptions.defaults().withClipMode(ClipMode.NONE));
        try (files) {
            feed(files, stems, 7000);
            files.complete();
        }
        assertEquals(List.of("song_bass.wav", "song_drums.wav", "song_other.wav", "song_vocals.wav"), listing());
        assertEquals(dir.resolve("song_drums.wav"), files.files().get(0));
        for (int k = 0; k < STEMS.size(); k++) {
            float[][] back = Cli.decode(dir.resolve("song_" + STEMS.get(k) + ".wav"), 44100, 2);
            assertArrayEquals(stems[k][0], back[0]);
            assertArrayEquals(stems[k][1], back[1]);
        }
    }

    @Test
    void asyncSinkProducesTheSameFiles() throws IOException {
        float[][][] stems = stems(80_000);
        try (StemSink sink = new AsyncStemSink(new StemFileSink(dir, "", AudioFormat.WAV_FLOAT32,
                EncoderOptions.defaults().withClipMode(ClipMode.NONE)), 2)) {
            feed(sink, stems, 3000);
            sink.complete();
        }
        assertEquals(List.of("bass.wav", "drums.wav", "other.wav", "vocals.wav"), listing());
        for (int k = 0; k < STEMS.size(); k++) {
            float[][] back = Cli.decode(dir.resolve(STEMS.get(k) + ".wav"), 44100, 2);
            assertArrayEquals(stems[k][0], back[0], STEMS.get(k));
            assertArrayEquals(stems[k][1], back[1], STEMS.get(k));
        }
    }

    @Test
    void closeWithoutCompleteDiscardsEverything() throws IOException {
        try (StemSink sink = new AsyncStemSink(new StemFileSink(dir, "x_", AudioFormat.MP3, EncoderOptions.defaults()), 4)) {
            feed(sink, stems(30_000), 4096);
        }
        assertEquals(List.of(), listing());
    }

    @Test
    @Timeout(30)
    void encodingRunsOnItsOwnThreadBehindABoundedQueue() throws InterruptedException {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch inSlowSink = new CountDownLatch(1);
        AtomicInteger written = new AtomicInteger();
        List<String> threads = new ArrayList<>();
        StemSink slow = new RecordingSink() {
            @Override
            public void write(float[][][] block, int frames) {
                threads.add(Thread.currentThread().getName());
                inSlowSink.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                written.incrementAndGet();
            }
        };
        AsyncStemSink sink = new AsyncStemSink(slow, 2);
        sink.begin(STEMS, 44100, 2);
        AtomicInteger queued = new AtomicInteger();
        Thread producer = new Thread(() -> {
            for (int i = 0; i < 10; i++) {
                sink.write(new float[4][2][100], 100);
                queued.incrementAndGet();
            }
        });
        producer.start();
        assertTrue(inSlowSink.await(20, TimeUnit.SECONDS), "the worker never wrote");
        // one block in the slow sink: the producer fills the queue and then blocks in write()
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!blocked(producer) && producer.isAlive() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertTrue(blocked(producer), "the producer must block on the full queue, is " + producer.getState());
        assertTrue(queued.get() <= 4, "queued " + queued.get());
        assertEquals(0, written.get());
        release.countDown();
        producer.join(10_000);
        sink.complete();
        sink.close();
        assertEquals(10, written.get());
        assertNotEquals(Thread.currentThread().getName(), threads.get(0));
    }

    /** Parked in a (timed) wait: the only waits in write() are on the full queue. */
    private static boolean blocked(Thread t) {
        Thread.State s = t.getState();
        return s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING;
    }

    @Test
    void errorsSurfaceOnTheCallersNextWriteOrComplete() {
        RecordingSink failing = new RecordingSink() {
            @Override
            public void write(float[][][] block, int frames) {
                if (++writes == 3) {
                    throw new AudioIOException("disk full (test)");
                }
            }
        };
        AsyncStemSink sink = new AsyncStemSink(failing, 2);
        sink.begin(STEMS, 44100, 2);
        AudioIOException e = assertThrows(AudioIOException.class, () -> {
            for (int i = 0; i < 1000; i++) {
                sink.write(new float[4][2][10], 10);
                Thread.sleep(1);
            }
            sink.complete();
        });
        assertEquals("disk full (test)", e.getMessage());
        sink.close();
        assertTrue(failing.closed);
        assertTrue(!failing.completed);
    }

    /** A sink recording what happens to it. */
    static class RecordingSink implements StemSink {
        int writes;
        volatile boolean completed;
        volatile boolean closed;

        @Override
        public void begin(List<String> stems, int sampleRate, int channels) {
        }

        @Override
        public void write(float[][][] block, int frames) {
            writes++;
        }

        @Override
        public void complete() {
            completed = true;
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
