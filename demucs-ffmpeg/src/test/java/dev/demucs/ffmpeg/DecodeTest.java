package dev.demucs.ffmpeg;

import dev.demucs.core.audio.AudioSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Decoding against Debian's ffmpeg CLI as the reference. */
class DecodeTest {

    @TempDir
    static Path dir;

    static Path stereoWav;
    static Path mp3At48k;

    @BeforeAll
    static void inputs() {
        Cli.assumeAvailable();
        stereoWav = dir.resolve("stereo.wav");
        Cli.ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=3",
                "-f", "lavfi", "-i", "anoisesrc=color=pink:sample_rate=44100:duration=3:amplitude=0.3:seed=7",
                "-filter_complex", "[0][1]amerge=inputs=2", "-c:a", "pcm_s16le", stereoWav.toString());
        mp3At48k = dir.resolve("song 48k.mp3");
        Cli.ffmpeg("-f", "lavfi", "-i", "anoisesrc=color=pink:sample_rate=48000:duration=5:amplitude=0.4:seed=3",
                "-ac", "2", "-c:a", "libmp3lame", "-b:a", "192k",
                "-metadata", "title=Ünïcode Title", "-metadata", "artist=Some Artist", mp3At48k.toString());
    }

    private static float[][] decode(Path file, int rate, int channels) {
        try (AudioSource s = FfmpegInput.of(file.toString(), rate, channels).open()) {
            assertEquals(rate, s.sampleRate());
            assertEquals(channels, s.channels());
            return Cli.readAll(s);
        }
    }

    @Test
    void wavDecodesBitExactLikeDebianFfmpeg() {
        float[][] expected = Cli.decode(stereoWav, 44100, 2);
        float[][] actual = decode(stereoWav, 44100, 2);
        assertEquals(3 * 44100, actual[0].length);
        for (int c = 0; c < 2; c++) {
            assertArrayEquals(expected[c], actual[c], "channel " + c);
        }
    }

    @Test
    void monoIsDuplicatedWithoutGainChange() {
        Path mono = dir.resolve("mono.flac");
        Cli.ffmpeg("-f", "lavfi", "-i", "sine=frequency=300:sample_rate=44100:duration=2", "-c:a", "flac", mono.toString());
        float[][] reference = Cli.decode(mono, 44100, 1);
        float[][] actual = decode(mono, 44100, 2);
        assertArrayEquals(reference[0], actual[0]);
        assertArrayEquals(reference[0], actual[1]);
    }

    @Test
    void stereoToMonoIsTheMean() {
        float[][] stereo = decode(stereoWav, 44100, 2);
        float[][] mono = decode(stereoWav, 44100, 1);
        assertEquals(stereo[0].length, mono[0].length);
        for (int i = 0; i < mono[0].length; i++) {
            assertEquals(0.5f * (stereo[0][i] + stereo[1][i]), mono[0][i], 1e-7f);
        }
    }

    @Test
    void resamplesLikeDebianFfmpeg() {
        float[][] expected = Cli.decode(mp3At48k, 44100, 2);
        float[][] actual = decode(mp3At48k, 44100, 2);
        // both are libswresample with default settings; builds differ, so allow a few frames at the end
        assertTrue(Math.abs(expected[0].length - actual[0].length) <= 4,
                expected[0].length + " vs " + actual[0].length);
        assertEquals(5 * 44100, actual[0].length, 4);
        int n = Math.min(expected[0].length, actual[0].length) - 64;
        for (int c = 0; c < 2; c++) {
            assertTrue(Cli.maxAbsDiff(expected[c], actual[c], n) < 1e-3,
                    "max diff " + Cli.maxAbsDiff(expected[c], actual[c], n));
        }
    }

    @Test
    void surroundIsDownmixedLikeFfmpegAc2() {
        Path surround = dir.resolve("surround.wav");
        Cli.ffmpeg("-f", "lavfi", "-i", "sine=frequency=200:sample_rate=44100:duration=1",
                "-f", "lavfi", "-i", "sine=frequency=300:sample_rate=44100:duration=1",
                "-f", "lavfi", "-i", "sine=frequency=400:sample_rate=44100:duration=1",
                "-f", "lavfi", "-i", "sine=frequency=500:sample_rate=44100:duration=1",
                "-f", "lavfi", "-i", "sine=frequency=600:sample_rate=44100:duration=1",
                "-f", "lavfi", "-i", "sine=frequency=700:sample_rate=44100:duration=1",
                "-filter_complex", "[0][1][2][3][4][5]join=inputs=6:channel_layout=5.1",
                "-c:a", "pcm_f32le", surround.toString());
        assertEquals(6, FfmpegInput.of(surround.toString(), 44100, 2).probe().sourceChannels());
        float[][] expected = Cli.decode(surround, 44100, 2);
        float[][] actual = decode(surround, 44100, 2);
        assertEquals(expected[0].length, actual[0].length);
        for (int c = 0; c < 2; c++) {
            assertTrue(Cli.maxAbsDiff(expected[c], actual[c], actual[c].length) < 1e-5);
        }
        // centre (300 Hz) reaches both sides; the left-only 200 Hz does not reach the right
        assertTrue(Cli.correlation(actual[0], actual[1], 0, actual[0].length) > 0.1);
    }

    @Test
    void rangesConcatenatedEqualTheWholeDecode() {
        FfmpegInput input = FfmpegInput.of(mp3At48k.toString(), 44100, 2);
        float[][] whole;
        try (AudioSource s = input.open()) {
            whole = Cli.readAll(s);
        }
        long[] cuts = {0, 1, 44100, 100_000, 100_001, 150_000, whole[0].length};
        for (int k = 0; k + 1 < cuts.length; k++) {
            float[][] part;
            try (AudioSource s = input.open(cuts[k], cuts[k + 1])) {
                part = Cli.readAll(s);
            }
            assertEquals(cuts[k + 1] - cuts[k], part[0].length, "range " + k);
            for (int c = 0; c < 2; c++) {
                for (int i = 0; i < part[c].length; i++) {
                    if (part[c][i] != whole[c][(int) cuts[k] + i]) {
                        throw new AssertionError("range " + k + " channel " + c + " frame " + i + " differs");
                    }
                }
            }
        }
        // a range past the end ends with the input
        try (AudioSource s = input.open(whole[0].length - 10, whole[0].length + 1000)) {
            assertEquals(10, Cli.readAll(s)[0].length);
        }
    }

    @Test
    void reopeningGivesTheSameSamples() {
        FfmpegInput input = FfmpegInput.of(mp3At48k.toString(), 44100, 2);
        float[][] a;
        float[][] b;
        try (AudioSource s = input.open()) {
            a = Cli.readAll(s);
        }
        // odd read sizes must not change anything
        try (AudioSource s = input.open()) {
            float[][] out = new float[2][a[0].length];
            Random random = new Random(1);
            int n = 0;
            for (int r; (r = s.read(out, n, Math.min(1 + random.nextInt(5000), a[0].length - n + 1))) > 0; ) {
                n += r;
                if (n == a[0].length) {
                    assertEquals(-1, s.read(new float[2][16], 0, 16));
                    break;
                }
            }
            b = out;
        }
        assertArrayEquals(a[0], b[0]);
        assertArrayEquals(a[1], b[1]);
    }

    @Test
    void probeReadsDurationFormatAndTags() {
        MediaInfo info = FfmpegInput.of(mp3At48k.toString(), 44100, 2).probe();
        assertEquals(mp3At48k.toString(), info.input());
        assertEquals(48000, info.sourceSampleRate());
        assertEquals(2, info.sourceChannels());
        assertEquals("mp3", info.codec());
        assertEquals(Cli.number(Cli.probeFormat(mp3At48k, "duration")), info.durationSeconds(), 0.05);
        assertEquals("Ünïcode Title", info.title().orElseThrow());
        assertEquals("Some Artist", info.artist().orElseThrow());

        MediaInfo wav = FfmpegInput.of(stereoWav.toString(), 44100, 2).probe();
        assertEquals(3.0, wav.durationSeconds(), 1e-6);
        assertEquals("pcm_s16le", wav.codec());
        assertTrue(wav.title().isEmpty());
    }

    @Test
    void closeIsIdempotentAndReadAfterCloseFails() {
        AudioSource s = FfmpegInput.of(stereoWav.toString(), 44100, 2).open();
        assertTrue(s.read(new float[2][100], 0, 100) > 0);
        s.close();
        s.close();
        assertThrows(IllegalStateException.class, () -> s.read(new float[2][100], 0, 100));
    }

    @Test
    void badArgumentsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> FfmpegInput.of("x.wav", 0, 2));
        assertThrows(IllegalArgumentException.class, () -> FfmpegInput.of("x.wav", 44100, 0));
        assertThrows(IllegalArgumentException.class, () -> FfmpegInput.of(" ", 44100, 2));
        assertThrows(IllegalArgumentException.class, () -> FfmpegInput.of(stereoWav.toString(), 44100, 2).open(5, 2));
    }

    @Test
    void urlDescriptionsHideQueryAndCredentials() {
        assertEquals("https://host.example/a/song.mp3",
                FfmpegInput.of("https://user:pw@host.example/a/song.mp3?X-Amz-Signature=abc&x=1#frag", 44100, 2).description());
        assertEquals("http://h/x.wav", FfmpegInput.withoutSecrets("http://h/x.wav"));
    }
}
