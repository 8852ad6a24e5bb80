package dev.demucs.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.demucs.core.audio.AudioSource;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpooledInputTest {

    @Test
    void readsBackExactlyWhatWasAppendedAnyBlockSizes(@TempDir Path dir) {
        Random random = new Random(3);
        int frames = 100_003;
        float[][] data = new float[2][frames];
        for (int c = 0; c < 2; c++) {
            for (int i = 0; i < frames; i++) {
                data[c][i] = (float) random.nextGaussian();
            }
        }
        SpooledInput.Writer w = SpooledInput.create(dir.resolve("x.f32"), 44100, 2, "http://host/x.mp3");
        for (int at = 0; at < frames; ) {
            int n = Math.min(frames - at, 1 + random.nextInt(40_000));
            w.append(data, at, n);
            at += n;
        }
        SpooledInput in = w.finish();
        assertEquals(frames, in.frames());
        assertEquals("http://host/x.mp3", in.description());
        for (int pass = 0; pass < 2; pass++) { // re-openable: every pass yields the same samples
            float[][] back = new float[2][frames];
            try (AudioSource s = in.open()) {
                assertEquals(44100, s.sampleRate());
                assertEquals(2, s.channels());
                assertEquals(frames, s.lengthFrames());
                int at = 0;
                int n;
                while ((n = s.read(back, at, Math.min(frames - at + 1, 1 + random.nextInt(30_000)))) >= 0) {
                    at += n;
                }
                assertEquals(frames, at);
            }
            assertArrayEquals(data[0], back[0]);
            assertArrayEquals(data[1], back[1]);
        }
    }
}
