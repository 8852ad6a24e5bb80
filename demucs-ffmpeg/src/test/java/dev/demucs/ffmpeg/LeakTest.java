package dev.demucs.ffmpeg;

import dev.demucs.core.audio.AudioSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

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

    /** Rounds per block, also the warm-up; each round opens and closes seven decoders/encoders. */
    static final int ROUNDS = 80;
    static final int BLOCKS = 3;
    /**
     * Growth every block must reach to count as a leak: 0.5 KB per round. Leaving one AVFrame
     * struct unfreed per decoder adds about 1 KB per round; a codec context or frame buffer far more.
     * Without a leak blocks grew by 6–34 KB here, loaded or idle (glibc, FFmpeg and the JVM settling).
     */
    static final long BLOCK_LIMIT = ROUNDS * 512L;

    @Test
    void nothingStaysOpenAndNativeHeapStaysFlat() throws IOException {
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
        NativeHeap.bytes(); // the first reading allocates once for itself (JNA, the MBean server)
        for (int i = 0; i < ROUNDS; i++) {
            round.run(); // warm-up: allocator pools, FFmpeg's one-time tables, JIT
        }
        // Bytes FFmpeg and JavaCPP hold from malloc, not the resident size: that moves by tens of MB
        // on a loaded machine (page cache, JIT arenas, allocator caching) with nothing leaking.
        // A leak grows every block by about the same amount; noise does not, so only growth in
        // every one of the blocks fails the test.
        long[] held = new long[BLOCKS + 1];
        held[0] = NativeHeap.bytes().orElse(-1);
        for (int b = 1; b <= BLOCKS; b++) {
            for (int i = 0; i < ROUNDS; i++) {
                round.run();
            }
            held[b] = NativeHeap.bytes().orElse(-1);
        }
        assertEquals(0, Native.OPEN_HANDLES.get(), "decoders/encoders left open");
        if (held[0] < 0) {
            System.out.println("LeakTest: native heap not measured: " + NativeHeap.unavailable());
            return;
        }
        long[] growth = new long[BLOCKS];
        for (int b = 0; b < BLOCKS; b++) {
            growth[b] = held[b + 1] - held[b];
        }
        String report = "non-JVM malloc'd bytes " + Arrays.toString(Arrays.stream(held).map(v -> v >> 10).toArray())
                + " KB after " + BLOCKS + " × " + ROUNDS + " rounds";
        System.out.println("LeakTest: " + report);
        assertTrue(Arrays.stream(growth).min().getAsLong() < BLOCK_LIMIT,
                "every block of " + ROUNDS + " rounds grew by " + (BLOCK_LIMIT >> 10) + " KB or more: " + report);
    }
}
