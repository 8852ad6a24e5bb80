package dev.demucs.ffmpeg;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The system's libmp3lame writes the same MP3 files, byte for byte, as the libmp3lame inside the
 * bundled FFmpeg: the reference is FFmpeg's own libmp3lame encoder and mp3 muxer on the same
 * samples.
 */
class SystemLameTest {

    @TempDir
    Path dir;

    /** Writes {@code x} in uneven blocks, through the system's LAME or the bundled one. */
    private byte[] encode(String name, float[][] x, int rate, int kbps, int quality, boolean system) throws IOException {
        Path file = dir.resolve(name + (system ? ".system" : ".bundled") + ".mp3");
        String before = System.getProperty(SystemLame.PROPERTY);
        System.setProperty(SystemLame.PROPERTY, system ? "auto" : "bundled");
        try (FfmpegEncoder e = FfmpegEncoder.open(file, name, AudioFormat.MP3, rate, x.length, kbps, quality)) {
            assertEquals(system, e.usesSystemLame(), name);
            Random random = new Random(5);
            int pos = 0;
            while (pos < x[0].length) {
                int n = Math.min(1 + random.nextInt(6000), x[0].length - pos);
                e.write(x, pos, n);
                pos += n;
            }
            e.finish();
        } finally {
            if (before == null) {
                System.clearProperty(SystemLame.PROPERTY);
            } else {
                System.setProperty(SystemLame.PROPERTY, before);
            }
        }
        return Files.readAllBytes(file);
    }

    private void assertSameFile(String name, float[][] x, int rate, int kbps, int quality) throws IOException {
        byte[] bundled = encode(name, x, rate, kbps, quality, false);
        byte[] system = encode(name, x, rate, kbps, quality, true);
        assertTrue(bundled.length > 0, name);
        assertArrayEquals(bundled, system, name + ": the system's LAME wrote another file than the bundled one");
    }

    private static float[][] signal(int channels, int frames, int rate, long seed) {
        float[][] x = AudioWriterTest.signal(frames, seed, 0.9);
        for (int i = 0; i < frames; i++) {
            x[0][i] *= (float) (0.5 + 0.5 * Math.sin(2 * Math.PI * 3 * i / rate)); // some loudness changes
        }
        return channels == 2 ? x : new float[][] {x[0]};
    }

    @Test
    void writesTheBundledEncodersBytes() throws IOException {
        assumeTrue(SystemLame.available(),
                "no system libmp3lame " + SystemLame.LAME_RELEASE + " here (Debian: libmp3lame0): nothing to compare");
        // the template's mono instrumental and upstream's stems: 320 kbit/s, quality 2
        assertSameFile("mono-320-q2", signal(1, 5 * 44100 + 77, 44100, 1), 44100, 320, 2);
        assertSameFile("stereo-320-q2", signal(2, 4 * 44100 + 1151, 44100, 2), 44100, 320, 2);
        // another rate, bit rate and quality
        assertSameFile("stereo-48k-192-q5", signal(2, 3 * 48000 + 1, 48000, 3), 48000, 192, 5);
        // MPEG-2 frames (576 samples) at 22.05 kHz
        assertSameFile("mono-22k-64-q3", signal(1, 2 * 22050 + 500, 22050, 4), 22050, 64, 3);
        // shorter than one frame, one sample, exactly two frames
        assertSameFile("short", signal(2, 1000, 44100, 5), 44100, 320, 2);
        assertSameFile("one-sample", signal(1, 1, 44100, 6), 44100, 320, 2);
        assertSameFile("two-frames", signal(2, 2 * 1152, 44100, 7), 44100, 128, 2);
    }

    @Test
    void emptyInputWritesTheBundledEncodersBytes() throws IOException {
        assumeTrue(SystemLame.available(),
                "no system libmp3lame " + SystemLame.LAME_RELEASE + " here (Debian: libmp3lame0): nothing to compare");
        assertSameFile("empty", new float[2][0], 44100, 320, 2);
    }

    @Test
    void bundledPropertyAndUnsupportedSettingsKeepFfmpegsEncoder() throws IOException {
        String before = System.getProperty(SystemLame.PROPERTY);
        System.setProperty(SystemLame.PROPERTY, "bundled");
        try {
            assertFalse(SystemLame.available());
            assertEquals(null, SystemLame.openOrNull(44100, 2, 320, 2));
        } finally {
            if (before == null) {
                System.clearProperty(SystemLame.PROPERTY);
            } else {
                System.setProperty(SystemLame.PROPERTY, before);
            }
        }
        // a rate FFmpeg's wrapper refuses takes the bundled path, which reports it
        assertEquals(null, SystemLame.openOrNull(37_000, 2, 320, 2));
    }

    @Test
    void frameLengthFollowsTheLayer3HeaderFormula() {
        // MPEG-1, 320 kbit/s, 44.1 kHz, without and with the padding slot: 144000·320/44100 = 1044.9
        assertEquals(1044, SystemLame.frameLength(new byte[] {(byte) 0xff, (byte) 0xfb, (byte) 0xe0, 0x44}));
        assertEquals(1045, SystemLame.frameLength(new byte[] {(byte) 0xff, (byte) 0xfb, (byte) 0xe2, 0x44}));
        // MPEG-1, 128 kbit/s, 48 kHz: 144000·128/48000 = 384
        assertEquals(384, SystemLame.frameLength(new byte[] {(byte) 0xff, (byte) 0xfb, (byte) 0x94, 0x44}));
        // MPEG-2, 64 kbit/s, 22.05 kHz: 72000·64/22050 = 208.98
        assertEquals(208, SystemLame.frameLength(new byte[] {(byte) 0xff, (byte) 0xf3, (byte) 0x80, (byte) 0xc4}));
    }
}
