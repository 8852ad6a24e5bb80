package dev.demucs.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.demucs.core.model.ModelForm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code htdemucs} pointed (by a user catalogue and the mirror) at a fixture checkpoint served by
 * a local HTTP server under a name carrying the fixture's own SHA-256 prefix: downloaded,
 * verified, converted by the real importer, cached; the second resolve converts nothing.
 */
class ImportedCheckpointTest {

    @TempDir
    Path tmp;

    @Test
    void fetchHtdemucsFromAMirrorConvertsOnce() throws Exception {
        Optional<Path> fixtures = TestFiles.checkpointFixtures();
        assumeTrue(fixtures.isPresent(), "../shared/fixtures/checkpoints is absent: skipping");
        byte[] th = Files.readAllBytes(fixtures.get().resolve("htdemucs_tiny_a.th"));
        String sha = TestFiles.sha256(th);
        String name = "00000000-" + sha.substring(0, 8) + ".th";
        try (ModelServer server = new ModelServer()) {
            server.put(name, th);
            Path config = tmp.resolve("config");
            TestFiles.catalogue(config, "mirror.json", "{\"models\": {\"htdemucs\": {\"description\": \"tiny fixture\","
                    + " \"sources\": [\"drums\", \"bass\", \"other\", \"vocals\"], \"files\": [{\"name\": \"" + name + "\"}]}}}");
            ModelResolver r = ModelResolver.builder().cacheDir(tmp.resolve("cache")).configDir(config)
                    .officialBaseUrl(server.baseUrl()).build();
            assertTrue(!r.isReady("htdemucs"));
            DownloadTest.Recorder rec = new DownloadTest.Recorder();
            long t0 = System.nanoTime();
            ResolvedModel m = r.resolve(null, rec);
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertEquals("htdemucs", m.name());
            assertEquals(List.of("start " + name, "end " + name, "convert " + name, "converted " + name), rec.events);
            Path onnx = m.bag().members().get(0).onnx();
            assertEquals(r.cache().convertedPath(sha, ImporterConverter.INSTANCE.version()), onnx);
            OnnxSummary s = OnnxSummary.read(onnx);
            assertEquals(Optional.of(ModelForm.TWO_INPUT), s.form());
            assertEquals("batch", s.inputs().get(0).dims().get(0), "converted with a dynamic batch dimension");
            assertEquals(4, s.stemCount());
            assertTrue(r.isReady("htdemucs"));
            System.out.printf("fetch + convert of the tiny fixture: %.2f s, %d parameters%n", seconds, s.parameterCount());

            DownloadTest.Recorder again = new DownloadTest.Recorder();
            ResolvedModel m2 = r.withOffline(true).resolve("htdemucs", again);
            assertEquals(m.bag(), m2.bag());
            assertEquals(List.of(), again.events, "cached: no download and no conversion");
            assertEquals(1, server.requestsFor(name));
        }
    }

    @Test
    void registryBagOfCheckpointsResolvesWithWeightsAndRejectsMixedStems() throws Exception {
        Optional<Path> fixtures = TestFiles.checkpointFixtures();
        assumeTrue(fixtures.isPresent(), "../shared/fixtures/checkpoints is absent: skipping");
        try (ModelServer server = new ModelServer()) {
            List<String> names = new java.util.ArrayList<>();
            for (String f : List.of("htdemucs_tiny_a.th", "htdemucs_tiny_a_legacy.th", "htdemucs6s_tiny_a.th")) {
                byte[] th = Files.readAllBytes(fixtures.get().resolve(f));
                String name = f.replace(".th", "") + "-" + TestFiles.sha256(th).substring(0, 8) + ".th";
                server.put(name, th);
                names.add(name);
            }
            Path config = tmp.resolve("config");
            String four = "[\"drums\", \"bass\", \"other\", \"vocals\"]";
            TestFiles.catalogue(config, "bags.json", "{\"models\": {"
                    + "\"pair\": {\"sources\": " + four + ", \"files\": ["
                    + "{\"name\": \"" + names.get(0) + "\", \"weights\": [1, 1, 0, 0]},"
                    + "{\"name\": \"" + names.get(1) + "\", \"weights\": [0, 0, 1, 1]}]},"
                    + "\"mixed\": {\"sources\": " + four + ", \"files\": ["
                    + "{\"name\": \"" + names.get(0) + "\"}, {\"name\": \"" + names.get(2) + "\"}]}}}");
            ModelResolver r = ModelResolver.builder().cacheDir(tmp.resolve("cache")).configDir(config)
                    .officialBaseUrl(server.baseUrl()).build();
            ResolvedModel pair = r.resolve("pair", DownloadListener.NONE);
            assertEquals(2, pair.bag().members().size());
            assertEquals(List.of(1f, 1f, 0f, 0f), floats(pair.bag().members().get(0).weights()));
            assertEquals(List.of(0f, 0f, 1f, 1f), floats(pair.bag().members().get(1).weights()));
            for (var m : pair.bag().members()) {
                assertEquals(Optional.of(ModelForm.TWO_INPUT), OnnxSummary.read(m.onnx()).form());
            }
            dev.demucs.core.InvalidModelException e = org.junit.jupiter.api.Assertions.assertThrows(
                    dev.demucs.core.InvalidModelException.class, () -> r.resolve("mixed", DownloadListener.NONE));
            assertTrue(e.getMessage().contains("model mixed"), e.getMessage());
            assertTrue(e.getMessage().contains(names.get(2)), e.getMessage());
            assertTrue(e.getMessage().contains("guitar, piano]"), e.getMessage());
        }
    }

    private static List<Float> floats(float[] a) {
        List<Float> out = new java.util.ArrayList<>();
        for (float f : a) {
            out.add(f);
        }
        return out;
    }
}
