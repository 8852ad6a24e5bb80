package dev.demucs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.demucs.testing.TestAudio;
import dev.demucs.importer.CheckpointImporter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole command on a real HTDemucs architecture: the shared fixture checkpoint
 * {@code htdemucs6s_tiny_a.th} (random weights, 6 stems) imported to ONNX, run through
 * {@code --all-stems} with a cut point, and every written WAV compared with the PyTorch
 * reference {@code ref_tiny6s_a_5s.f32} (upstream apply_model, shifts 0, overlap 0.25).
 */
class CheckpointEndToEndTest {

    static final List<String> SIX = List.of("drums", "bass", "other", "vocals", "guitar", "piano");

    @Test
    void tinyHtdemucs6sMatchesTheReferenceAcrossACutPoint(@TempDir Path dir) throws IOException {
        String root = System.getProperty("demucs.repoRoot");
        Path fixtures = root == null ? null : Path.of(root).resolve("../shared/fixtures/checkpoints").normalize();
        assumeTrue(fixtures != null && Files.isDirectory(fixtures),
                "../shared/fixtures/checkpoints is absent: the checkpoint end-to-end test is skipped");
        Path onnx = dir.resolve("tiny6s.onnx");
        CheckpointImporter.convert(fixtures.resolve("htdemucs6s_tiny_a.th"), onnx);

        float[] planar = readF32(fixtures.resolve("input_5s.f32"));
        int frames = planar.length / 2;
        Path wav = dir.resolve("input.wav");
        writeFloatWav(wav, planar, frames);
        float[] ref = readF32(fixtures.resolve("ref_tiny6s_a_5s.f32")); // [6][2][frames]

        Path out = dir.resolve("out");
        CliFixture.Run r = CliFixture.run("--input", wav.toString(), "--output", out.toString(), "--model", onnx.toString(),
                "--device", "cpu", "--threads", "1", "--shifts", "0", "--all-stems", "--clip-mode", "none",
                "--interval-cut", "2.5", "-q");
        assertEquals(0, r.exitCode(), r.err());

        int cut = (int) Math.round(2.5 * CliFixture.RATE);
        double tolerance = 0.5 / 32767 + 1e-4; // 16-bit rounding + the fixture's float32 tolerance
        double worst = 0;
        for (int k = 0; k <= SIX.size(); k++) {
            String stem = k < SIX.size() ? SIX.get(k) : "instrum";
            float[][] a = TestAudio.readWav16(out.resolve("demucs_results/segment_000_" + stem + ".wav"));
            float[][] b = TestAudio.readWav16(out.resolve("demucs_results/segment_001_" + stem + ".wav"));
            assertEquals(cut, a[0].length);
            assertEquals(frames - cut, b[0].length);
            for (int c = 0; c < 2; c++) {
                for (int f = 0; f < frames; f++) {
                    float got = f < cut ? a[c][f] : b[c][f - cut];
                    double expected = 0;
                    if (k < SIX.size()) {
                        expected = ref[(k * 2 + c) * frames + f];
                    } else {
                        for (int s = 0; s < SIX.size(); s++) {
                            if (!SIX.get(s).equals("vocals")) {
                                expected += ref[(s * 2 + c) * frames + f];
                            }
                        }
                    }
                    worst = Math.max(worst, Math.abs(got - expected));
                }
            }
        }
        assertTrue(worst <= tolerance, "worst error against the PyTorch reference " + worst + " > " + tolerance);
    }

    static float[] readF32(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        float[] f = new float[b.remaining() / 4];
        b.asFloatBuffer().get(f);
        return f;
    }

    /** A 32-bit float WAV (WAVE_FORMAT_IEEE_FLOAT) of planar [2][frames] samples. */
    static void writeFloatWav(Path file, float[] planar, int frames) throws IOException {
        int dataBytes = frames * 2 * 4;
        ByteBuffer b = ByteBuffer.allocate(44 + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes()).putInt(36 + dataBytes).put("WAVE".getBytes());
        b.put("fmt ".getBytes()).putInt(16).putShort((short) 3).putShort((short) 2).putInt(CliFixture.RATE)
                .putInt(CliFixture.RATE * 8).putShort((short) 8).putShort((short) 32);
        b.put("data".getBytes()).putInt(dataBytes);
        for (int i = 0; i < frames; i++) {
            b.putFloat(planar[i]).putFloat(planar[frames + i]);
        }
        Files.write(file, b.array());
    }
}
