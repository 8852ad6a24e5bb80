package dev.demucs.importer;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** Locates ../shared/fixtures/checkpoints and reads its raw float32 files. */
final class Fixtures {
    private Fixtures() {
    }

    /** The checkpoint fixture directory; skips the calling test when it is absent. */
    static Path checkpoints() {
        String root = System.getProperty("demucs.repoRoot", ".");
        Path dir = Path.of(root).toAbsolutePath().normalize().resolve("../shared/fixtures/checkpoints").normalize();
        Assumptions.assumeTrue(Files.isDirectory(dir),
                "checkpoint fixtures not found at " + dir + " (set -Ddemucs.repoRoot or provide ../shared/fixtures): skipping");
        return dir;
    }

    /** Reads little-endian float32 [rows][n] (C order). */
    static float[][] readF32(Path file, int rows) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int n = bytes.length / 4 / rows;
        float[][] out = new float[rows][n];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < n; i++) {
                out[r][i] = b.getFloat((r * n + i) * 4);
            }
        }
        return out;
    }

    /** Signal-to-noise ratio of {@code est} against {@code ref} in dB. */
    static double snrDb(float[] ref, float[] est) {
        double s = 0;
        double e = 0;
        for (int i = 0; i < ref.length; i++) {
            s += (double) ref[i] * ref[i];
            double d = (double) ref[i] - est[i];
            e += d * d;
        }
        return 10 * Math.log10(s / Math.max(e, 1e-30));
    }

    static double maxAbs(float[] ref, float[] est) {
        double m = 0;
        for (int i = 0; i < ref.length; i++) {
            m = Math.max(m, Math.abs((double) ref[i] - est[i]));
        }
        return m;
    }
}
