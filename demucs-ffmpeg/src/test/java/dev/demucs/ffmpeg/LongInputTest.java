package dev.demucs.ffmpeg;

import dev.demucs.core.audio.AudioSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A 60-minute input decodes and re-encodes with flat memory. The module's tests run with
 * -Xmx256m (see the pom): the decoded hour is 1.27 GB of float samples, so holding it would
 * fail outright; the test also bounds the heap and the native heap FFmpeg allocates from.
 */
class LongInputTest {

    static final int MINUTES = 60;

    @TempDir
    static Path dir;

    @BeforeAll
    static void tools() {
        Cli.assumeAvailable();
    }

    @Test
    void anHourDecodesAndEncodesWithFlatMemory() throws IOException {
        // mono 22.05 kHz MP3: cheap to make, and our side must resample and duplicate channels
        Path input = dir.resolve("hour.mp3");
        // lavfi's sine is at 1/8 of full scale: +20 dB takes the peak above 1, so RESCALE must scale the whole hour
        Cli.ffmpeg("-f", "lavfi", "-i", "sine=frequency=220:sample_rate=22050:duration=" + MINUTES * 60,
                "-af", "volume=20dB", "-c:a", "libmp3lame", "-b:a", "32k", input.toString());
        Path output = dir.resolve("hour.wav");
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        long heapBefore = memory.getHeapMemoryUsage().getUsed();
        long nativeBefore = NativeHeap.bytes().orElse(-1); // what FFmpeg holds from malloc (see NativeHeap)
        long heapPeak = 0;
        long nativePeak = 0;
        long frames = 0;
        long t0 = System.nanoTime();
        float[][] block = new float[2][44100];
        float[] headLeft = new float[88200];
        double peak = 0;
        try (AudioSource source = FfmpegInput.of(input.toString(), 44100, 2).open();
             AudioWriter writer = AudioWriter.open(output, AudioFormat.WAV_PCM16, 44100, 2, EncoderOptions.defaults())) {
            int blocks = 0;
            for (int n; (n = source.read(block, 0, block[0].length)) > 0; ) {
                writer.write(block, 0, n);
                for (int c = 0; c < 2; c++) {
                    for (int i = 0; i < n; i++) {
                        peak = Math.max(peak, Math.abs(block[c][i]));
                    }
                }
                if (frames < headLeft.length) {
                    System.arraycopy(block[0], 0, headLeft, (int) frames, (int) Math.min(n, headLeft.length - frames));
                }
                frames += n;
                if (++blocks % 100 == 0) {
                    heapPeak = Math.max(heapPeak, memory.getHeapMemoryUsage().getUsed());
                }
                if (blocks % 600 == 0) {
                    nativePeak = Math.max(nativePeak, NativeHeap.bytes().orElse(-1));
                }
            }
            writer.complete(); // sine peak 1.0 > 1/1.01: RESCALE re-encodes the whole spool here
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("60-minute MP3 decode + RESCALE WAV encode: %.1f s, heap peak %d MB over %d MB, "
                        + "native heap %d → peak %d KB%n", seconds, heapPeak >> 20, heapBefore >> 20, nativeBefore >> 10, nativePeak >> 10);

        long expectedFrames = MINUTES * 60L * 44100;
        assertEquals(expectedFrames, frames, 2048);
        assertEquals(MINUTES * 60.0, Cli.number(Cli.probe(output, "duration")), 0.1);
        assertEquals("2", Cli.probe(output, "channels"));
        assertTrue(heapPeak - heapBefore < 96L << 20, "heap grew by " + ((heapPeak - heapBefore) >> 20) + " MB");
        if (nativeBefore >= 0) {
            assertTrue(nativePeak - nativeBefore < 16L << 20, "FFmpeg's native heap grew by " + ((nativePeak - nativeBefore) >> 10) + " KB");
        }
        // the whole-file rescale factor 1/(1.01·peak) was applied, sample for sample
        assertTrue(peak > 1 / 1.01, "peak " + peak);
        double scale = 1 / (1.01 * peak);
        short[] head = Cli.decodeS16Head(output, headLeft.length);
        assertEquals(2 * headLeft.length, head.length);
        for (int i = 0; i < headLeft.length; i++) {
            assertEquals(Math.round(headLeft[i] * (float) scale * 32767f), head[2 * i], 1, "frame " + i);
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of("hour.mp3", "hour.wav"), files.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }
}
