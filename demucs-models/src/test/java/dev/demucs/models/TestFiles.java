package dev.demucs.models;

import dev.demucs.testing.TestModels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** Helpers shared by the tests: generated models, hashes, catalogues, fixture lookup. */
final class TestFiles {

    static final List<String> FOUR = TestModels.FOUR_STEMS;
    static final int SEGMENT = 4096;

    private TestFiles() {
    }

    /** A small two-input gain model (4 stems, 44.1 kHz, segment 4096) written to {@code file}. */
    static Path gainModel(Path file, List<String> sources, int sampleRate) {
        float[] g = new float[sources.size()];
        for (int i = 0; i < g.length; i++) {
            g[i] = 0.1f * (i + 1);
        }
        return TestModels.twoInputGain(file, g, g, SEGMENT, TestModels.metadata(sources, sampleRate, SEGMENT));
    }

    static byte[] gainModelBytes(Path dir, String name) {
        try {
            return Files.readAllBytes(gainModel(dir.resolve(name), FOUR, 44_100));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes {@code json} as the user catalogue {@code <configDir>/models/<name>}. */
    static void catalogue(Path configDir, String name, String json) {
        try {
            Files.createDirectories(configDir.resolve("models"));
            Files.writeString(configDir.resolve("models").resolve(name), json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Regular files under {@code dir} (recursively), empty when it does not exist. */
    static List<Path> filesUnder(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** ../shared/fixtures/checkpoints relative to the repository root, when present. */
    static Optional<Path> checkpointFixtures() {
        String root = System.getProperty("demucs.repoRoot");
        if (root == null) {
            return Optional.empty();
        }
        Path dir = Path.of(root).resolve("../shared/fixtures/checkpoints").normalize();
        return Files.isDirectory(dir) ? Optional.of(dir) : Optional.empty();
    }

}
