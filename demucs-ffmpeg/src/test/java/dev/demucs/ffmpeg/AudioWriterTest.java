package dev.demucs.ffmpeg;

import dev.demucs.core.audio.AudioSource;
import dev.demucs.ffmpeg.MediaIOException.Reason;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Encoding, checked by Debian's ffprobe/ffmpeg reading what we write. */
class AudioWriterTest {

    static final int RATE = 44100;

    @TempDir
    Path dir;

    @BeforeAll
    static void tools() {
        Cli.assumeAvailable();
    }

    /** Music-like test signal: two tones plus seeded noise, peak below 1/1.01. */
    static float[][] signal(int frames, long seed, double gain) {
        Random random = new Random(seed);
        float[][] x = new float[2][frames];
        for (int i = 0; i < frames; i++) {
            double t = i / (double) RATE;
            x[0][i] = (float) (gain * (0.5 * Math.sin(2 * Math.PI * 440 * t) + 0.1 * (random.nextDouble() - 0.5)));
            x[1][i] = (float) (gain * (0.4 * Math.sin(2 * Math.PI * 660 * t + 1) + 0.1 * (random.nextDouble() - 0.5)));
        }
        return x;
    }

    /** Writes in uneven blocks through the public API. */
    static Path write(Path target, AudioFormat format, float[][] x, EncoderOptions options) {
        int channels = x.length;
        boolean existed = Files.exists(target);
        try (AudioWriter w = AudioWriter.open(target, format, RATE, channels, options)) {
            int pos = 0;
            Random random = new Random(11);
            while (pos < x[0].length) {
                int n = Math.min(1 + random.nextInt(9000), x[0].length - pos);
                w.write(x, pos, n);
                pos += n;
            }
            assertEquals(x[0].length, w.framesWritten());
            assertEquals(existed, Files.exists(target), "target must not appear before complete()");
            w.complete();
            assertTrue(w.isCompleted());
        }
        return target;
    }

    private void assertNoLeftovers() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> hidden = files.filter(p -> p.getFileName().toString().startsWith(".")).toList();
            assertEquals(List.of(), hidden, "temporary files left behind");
        }
    }

    private static void assertStream(Path file, String codec, int channels) {
        assertEquals(codec, Cli.probe(file, "codec_name"));
        assertEquals(Integer.toString(RATE), Cli.probe(file, "sample_rate"));
        assertEquals(Integer.toString(channels), Cli.probe(file, "channels"));
    }

    @Test
    void floatWavIsExact() throws IOException {
        float[][] x = signal(100_000, 1, 1.5); // peaks above 1 survive with ClipMode.NONE
        Path f = write(dir.resolve("f.wav"), AudioFormat.WAV_FLOAT32, x, EncoderOptions.defaults().withClipMode(ClipMode.NONE));
        assertStream(f, "pcm_f32le", 2);
        float[][] back = Cli.decode(f, RATE, 2);
        assertArrayEquals(x[0], back[0]);
        assertArrayEquals(x[1], back[1]);
        assertNoLeftovers();
    }

    @Test
    void pcm16IsRoundedTimes32767() throws IOException {
        float[][] x = signal(50_000, 2, 1.0);
        x[0][10] = 1.5f;   // clamps to 32767
        x[1][10] = -2f;    // clamps to −32767
        Path f = write(dir.resolve("s16.wav"), AudioFormat.WAV_PCM16, x, EncoderOptions.defaults().withClipMode(ClipMode.NONE));
        assertStream(f, "pcm_s16le", 2);
        short[] s = Cli.decodeS16(f);
        assertEquals(2 * x[0].length, s.length);
        for (int i = 0; i < x[0].length; i++) {
            for (int c = 0; c < 2; c++) {
                float v = Math.max(-1f, Math.min(1f, x[c][i]));
                assertEquals(Math.round(v * 32767f), s[2 * i + c], "frame " + i);
            }
        }
        // reading it back as float (FFmpeg divides by 32768, we multiplied by 32767) is within
        // half an LSB of rounding plus the 1/32768 relative scale difference
        float[][] back;
        try (AudioSource src = FfmpegInput.of(f.toString(), RATE, 2).open()) {
            back = Cli.readAll(src);
        }
        for (int i = 0; i < x[0].length; i++) {
            if (i != 10) {
                assertEquals(x[0][i], back[0][i], (0.5 + Math.abs(x[0][i])) / 32768 + 1e-7);
            }
        }
    }

    @Test
    void pcm24WithinOneLsb() {
        float[][] x = signal(40_000, 3, 1.0);
        Path f = write(dir.resolve("s24.wav"), AudioFormat.WAV_PCM24, x, EncoderOptions.defaults());
        assertStream(f, "pcm_s24le", 2);
        assertEquals("24", Cli.probe(f, "bits_per_sample"));
        float[][] back = Cli.decode(f, RATE, 2);
        assertEquals(x[0].length, back[0].length);
        for (int c = 0; c < 2; c++) {
            assertTrue(Cli.maxAbsDiff(x[c], back[c], x[c].length) <= 1.0 / 8388608 + 1e-9);
        }
    }

    @Test
    void flacIsLosslessSixteenBit() {
        float[][] x = signal(60_000, 4, 1.0);
        Path flac = write(dir.resolve("a.flac"), AudioFormat.FLAC, x, EncoderOptions.defaults());
        Path wav = write(dir.resolve("a.wav"), AudioFormat.WAV_PCM16, x, EncoderOptions.defaults());
        assertStream(flac, "flac", 2);
        assertArrayEquals(Cli.decodeS16(wav), Cli.decodeS16(flac));
    }

    @Test
    void mp3StereoAndMonoWithBitrate() {
        float[][] x = signal(5 * RATE, 5, 1.0);
        Path stereo = write(dir.resolve("s.mp3"), AudioFormat.MP3, x, EncoderOptions.defaults());
        assertStream(stereo, "mp3", 2);
        assertEquals(320_000, Cli.number(Cli.probe(stereo, "bit_rate")), 1);
        checkLossy(x, Cli.decode(stereo, RATE, 2), 0);

        float[][] mono = {x[0]};
        Path m = write(dir.resolve("m.mp3"), AudioFormat.MP3, mono, new EncoderOptions(128, ClipMode.RESCALE));
        assertStream(m, "mp3", 1);
        assertEquals(128_000, Cli.number(Cli.probe(m, "bit_rate")), 1);
        checkLossy(mono, Cli.decode(m, RATE, 1), 0);
    }

    @Test
    void m4aIsAacWithTheIndexAtTheFront() throws IOException {
        float[][] x = signal(5 * RATE, 6, 1.0);
        Path f = write(dir.resolve("a.m4a"), AudioFormat.M4A, x, new EncoderOptions(192, ClipMode.RESCALE));
        assertStream(f, "aac", 2);
        assertTrue(Cli.probeFormat(f, "format_name").contains("mp4"));
        long[] boxes = Cli.moovMdatOffsets(f);
        assertTrue(boxes[0] >= 0 && boxes[0] < boxes[1], "moov must precede mdat (faststart)");
        checkLossy(x, Cli.decode(f, RATE, 2), 2048);
        assertNoLeftovers();
    }

    /** Duration within tolerance and the signal correlates after the codec's delay. */
    private static void checkLossy(float[][] x, float[][] back, int extraFrames) {
        int n = x[0].length;
        assertTrue(back[0].length >= n - 1152 && back[0].length <= n + 1152 + extraFrames,
                "decoded " + back[0].length + " frames for " + n);
        int window = n - 4096;
        for (int c = 0; c < x.length; c++) {
            int lag = Cli.bestLag(x[c], back[c], Math.min(2200, back[c].length - window), 16384);
            double corr = Cli.correlation(x[c], back[c], lag, window);
            assertTrue(corr > 0.99, "channel " + c + " correlation " + corr + " at lag " + lag);
        }
    }

    @Test
    void rescaleDividesByPeakTimes1_01() {
        float[][] x = signal(30_000, 7, 1.0);
        x[1][12345] = 2.0f; // the whole file must be scaled by 1/2.02
        Path f = write(dir.resolve("r.wav"), AudioFormat.WAV_FLOAT32, x, EncoderOptions.defaults());
        float[][] back = Cli.decode(f, RATE, 2);
        float scale = (float) (1.0 / (1.01 * 2.0));
        for (int c = 0; c < 2; c++) {
            for (int i = 0; i < x[c].length; i++) {
                assertEquals(x[c][i] * scale, back[c][i], 0f);
            }
        }
        // the same through a 16-bit file, checked sample by sample
        Path g = write(dir.resolve("r16.wav"), AudioFormat.WAV_PCM16, x, EncoderOptions.defaults());
        short[] s = Cli.decodeS16(g);
        for (int i = 0; i < x[0].length; i++) {
            assertEquals(Math.round(x[0][i] * scale * 32767f), s[2 * i]);
        }
    }

    @Test
    void rescaleLeavesQuietFilesUntouched() {
        float[][] x = signal(30_000, 8, 1.0);
        x[0][5] = 0.99f; // 0.99 · 1.01 < 1: factor 1
        Path f = write(dir.resolve("q.wav"), AudioFormat.WAV_FLOAT32, x, EncoderOptions.defaults());
        float[][] back = Cli.decode(f, RATE, 2);
        assertArrayEquals(x[0], back[0]);
    }

    @Test
    void clampLimitsTo0_99() {
        float[][] x = signal(20_000, 9, 3.0);
        Path f = write(dir.resolve("c.wav"), AudioFormat.WAV_FLOAT32, x, EncoderOptions.defaults().withClipMode(ClipMode.CLAMP));
        float[][] back = Cli.decode(f, RATE, 2);
        for (int i = 0; i < x[0].length; i++) {
            assertEquals(Math.max(-0.99f, Math.min(0.99f, x[0][i])), back[0][i], 0f);
        }
    }

    @Test
    void closeWithoutCompleteLeavesNothing() throws IOException {
        for (AudioFormat format : AudioFormat.values()) {
            for (ClipMode mode : ClipMode.values()) {
                Path target = dir.resolve("partial." + format.extension());
                try (AudioWriter w = AudioWriter.open(target, format, RATE, 2, EncoderOptions.defaults().withClipMode(mode))) {
                    float[][] x = signal(20_000, 10, 2.0);
                    w.write(x, 0, 20_000);
                }
                assertFalse(Files.exists(target), format + " " + mode);
                assertNoLeftovers();
            }
        }
    }

    @Test
    void existingTargetIsReplacedOnlyOnComplete() throws IOException {
        Path target = dir.resolve("keep.wav");
        Files.writeString(target, "old");
        try (AudioWriter w = AudioWriter.open(target, AudioFormat.WAV_PCM16, RATE, 2, EncoderOptions.defaults())) {
            w.write(signal(1000, 1, 1), 0, 1000);
        }
        assertEquals("old", Files.readString(target));
        write(target, AudioFormat.WAV_PCM16, signal(1000, 1, 1), EncoderOptions.defaults());
        assertEquals("pcm_s16le", Cli.probe(target, "codec_name"));
        assertNoLeftovers();
    }

    @Test
    void badUseIsRejected() {
        Path target = dir.resolve("x.wav");
        assertThrows(IllegalArgumentException.class,
                () -> AudioWriter.open(target, AudioFormat.MP3, RATE, 6, EncoderOptions.defaults()));
        assertThrows(IllegalArgumentException.class, () -> new EncoderOptions(0, ClipMode.NONE));
        MediaIOException e = assertThrows(MediaIOException.class, () -> AudioWriter.open(
                dir.resolve("no/such/dir/x.wav"), AudioFormat.WAV_PCM16, RATE, 2, EncoderOptions.defaults()));
        assertEquals(Reason.WRITE_FAILED, e.mediaReason());
        try (AudioWriter w = AudioWriter.open(target, AudioFormat.WAV_PCM16, RATE, 2, EncoderOptions.defaults())) {
            assertThrows(IllegalArgumentException.class, () -> w.write(new float[1][10], 0, 10));
            w.write(new float[2][10], 0, 10);
            w.complete();
            assertThrows(IllegalStateException.class, () -> w.write(new float[2][10], 0, 10));
            w.close();
            w.close();
        }
        assertTrue(Files.exists(target));
    }

    @Test
    void formatsFromFileNames() {
        assertEquals(AudioFormat.WAV_PCM16, AudioFormat.fromFileName("a.WAV"));
        assertEquals(AudioFormat.FLAC, AudioFormat.fromFileName("dir.x/a.flac"));
        assertEquals(AudioFormat.MP3, AudioFormat.fromFileName("a.b.mp3"));
        assertEquals(AudioFormat.M4A, AudioFormat.fromFileName("a.m4a"));
        assertThrows(IllegalArgumentException.class, () -> AudioFormat.fromFileName("a.ogg"));
        assertThrows(IllegalArgumentException.class, () -> AudioFormat.fromFileName("noext"));
        assertEquals("wav", AudioFormat.WAV_FLOAT32.extension());
    }
}
