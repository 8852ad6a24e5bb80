package dev.demucs.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.demucs.core.ModelNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A bag manifest written by {@link BagManifest#write()} reads back as written. */
class BagManifestTest {

    @Test
    void writeThenReadGivesTheSameManifest(@TempDir Path dir) throws Exception {
        Path manifest = dir.resolve("sub").resolve("bag.json");
        Files.createDirectories(manifest.getParent());
        List<String> sources = List.of("drums", "bass", "other", "vocals");
        BagManifest written = new BagManifest(manifest, "my_bag", "bag of 2", sources, 44_100, 343_980, List.of(
                new BagManifest.Member(dir.resolve("sub").resolve("a.onnx"), new float[] {1, 0, 0.5f, 0}),
                new BagManifest.Member(dir.resolve("b.th"), null)));
        written.write();
        String text = Files.readString(manifest);
        assertTrue(text.contains("\"a.onnx\"") && text.contains("\"../b.th\""), "paths relative to the manifest: " + text);
        try (var s = Files.list(manifest.getParent())) {
            assertEquals(1, s.count(), "no temporary file left");
        }

        BagManifest read = BagManifest.read(manifest);
        assertEquals("my_bag", read.name());
        assertEquals("bag of 2", read.description());
        assertEquals(sources, read.sources());
        assertEquals(44_100, read.sampleRate());
        assertEquals(343_980, read.segmentSamples());
        assertEquals(2, read.members().size());
        assertEquals(dir.resolve("sub").resolve("a.onnx").toAbsolutePath().normalize(), read.members().get(0).file());
        assertArrayEquals(new float[] {1, 0, 0.5f, 0}, read.members().get(0).weights());
        assertEquals(dir.resolve("b.th").toAbsolutePath().normalize(), read.members().get(1).file());
        assertNull(read.members().get(1).weights());
    }

    @Test
    void aModelSpecThatNamesAMissingFileSaysSo(@TempDir Path dir) {
        assertTrue(ModelResolver.isFileSpec("x/htdemucs") && ModelResolver.isFileSpec("m.ONNX") && ModelResolver.isFileSpec("bag.json"));
        assertFalse(ModelResolver.isFileSpec("htdemucs_ft"));
        ModelResolver resolver = ModelResolver.builder().cacheDir(dir.resolve("cache")).configDir(dir.resolve("config"))
                .offline(true).build();
        for (String spec : new String[] {dir.resolve("missing.onnx").toString(), dir.resolve("nothing/here").toString()}) {
            ModelNotFoundException e = assertThrows(ModelNotFoundException.class, () -> resolver.resolve(spec, null));
            assertTrue(e.getMessage().contains(spec + " does not exist (no such file)"), e.getMessage());
        }
    }
}
