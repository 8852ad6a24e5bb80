package dev.demucs.ffmpeg;

import dev.demucs.core.audio.AudioSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every path, successful or failing, releases its native decoder/encoder state. */
class LeakTest {

    @TempDir
    static Path dir;
    static Path mp3;

    @BeforeAll
    static void input() {
        Cli.assumeAvailable();
        mp3 = dir.resolve("a.mp3");
        Cli.ffmpeg("-f", "lavfi", "-i", "sine=sample_rate=48000:duration=1", "-c:a", "libmp3lame", mp3.toString());
    }

    /** Resident bytes minus the committed Java heap (which grows and shrinks on its own), after a GC. */
    static long nativeResidentBytes() {
        System.gc();
        long rss = LongInputTest.residentBytes().orElse(-1L);
        if (rss < 0) {
            return -1;
        }
        return rss - java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted();
    }

    @Test
    void nothingStaysOpenAndResidentMemoryStaysFlat() throws IOException {
        Path text = Files.writeString(dir.resolve("t.wav"), "not audio ".repeat(100));
        Path missing = dir.resolve("missing.wav");
        Runnable round = () -> {
            try (AudioSource s = FfmpegInput.of(mp3.toString(), 44100, 2).open()) {
                Cli.readAll(s);
            }
            try (AudioSource s = FfmpegInput.of(mp3.toString(), 44100, 2).open(1000, 2000)) {
                s.read(new float[2][500], 0, 500); // closed half-way
            }
            FfmpegInput.of(mp3.toString(), 44100, 2).probe();
            assertThrows(MediaIOException.class, () -> FfmpegInput.of(text.toString(), 44100, 2).open());
            assertThrows(MediaIOException.class, () -> FfmpegInput.of(missing.toString(), 44100, 2).probe());
            try (AudioWriter w = AudioWriter.open(dir.resolve("o.m4a"), AudioFormat.M4A, 44100, 2, EncoderOptions.defaults())) {
                w.write(new float[2][5000], 0, 5000);
                w.complete();
            }
            try (AudioWriter w = AudioWriter.open(dir.resolve("p.mp3"), AudioFormat.MP3, 44100, 2, EncoderOptions.defaults())) {
                w.write(new float[2][5000], 0, 5000); // aborted
            }
        };
        for (int i = 0; i < 20; i++) {
            round.run(); // warm-up: allocator pools, JIT
        }
        // Two equal blocks of rounds: the first may still grow allocator arenas, code cache and
        // metaspace; a real leak grows the second block as much as the first.
        long start = nativeResidentBytes();
        for (int i = 0; i < 150; i++) {
            round.run();
        }
        long middle = nativeResidentBytes();
        for (int i = 0; i < 150; i++) {
            round.run();
        }
        long end = nativeResidentBytes();
        assertEquals(0, Native.OPEN_HANDLES.get(), "decoders/encoders left open");
        if (start > 0) {
            // 150 rounds open 1050 decoders/encoders; a leak of one frame buffer each would show
            System.out.printf("LeakTest: resident size outside the Java heap %d → %d → %d MB over 2 × 150 rounds%n",
                    start >> 20, middle >> 20, end >> 20);
            assertTrue(end - middle < 32L << 20, "native resident size grew by " + ((end - middle) >> 20)
                    + " MB over the second 150 rounds (first: " + ((middle - start) >> 20) + " MB)");
        }
    }
}
