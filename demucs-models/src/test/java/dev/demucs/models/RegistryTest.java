package dev.demucs.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.demucs.core.InvalidModelException;
import dev.demucs.core.ModelNotFoundException;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistryTest {

    @TempDir
    Path tmp;

    private static ModelRegistry parse(String json) {
        return ModelRegistry.parse(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), "test.json",
                ModelLocations.OFFICIAL_BASE_URL);
    }

    private static String oneModel(String fileJson) {
        return "{\"models\": {\"m\": {\"sources\": [\"a\", \"b\"], \"files\": [" + fileJson + "]}}}";
    }

    @Test
    void builtInNamesTheOfficialCheckpoints() {
        ModelRegistry r = ModelRegistry.builtIn(ModelLocations.OFFICIAL_BASE_URL);
        assertEquals(List.of("htdemucs", "htdemucs_6s", "htdemucs_ft"), r.names());
        RegistryEntry h = r.get(ModelResolver.DEFAULT_MODEL);
        assertEquals(List.of("drums", "bass", "other", "vocals"), h.sources());
        assertEquals(44_100, h.sampleRate());
        RegistryFile f = h.files().get(0);
        assertEquals(URI.create("https://dl.fbaipublicfiles.com/demucs/hybrid_transformer/955717e8-8726e21a.th"), f.url());
        assertEquals("8726e21a", f.sha256Prefix());
        assertNull(f.sha256());
        assertEquals(RegistryFile.Kind.CHECKPOINT, f.kind());
        assertTrue(f.matches("8726e21a" + "0".repeat(56)));
        assertTrue(!f.matches("8726e21b" + "0".repeat(56)));

        RegistryEntry ft = r.get("htdemucs_ft");
        assertEquals(List.of("f7e0c4bc-ba3fe64a.th", "d12395a8-e57c48e6.th", "92cfc3b6-ef3bcb9c.th", "04573f0d-f3cf25b2.th"),
                ft.files().stream().map(RegistryFile::fileName).toList());
        for (int i = 0; i < 4; i++) {
            float[] oneHot = new float[4];
            oneHot[i] = 1;
            assertArrayEquals(oneHot, ft.files().get(i).weights());
        }
        assertEquals(List.of("drums", "bass", "other", "vocals", "guitar", "piano"), r.get("htdemucs_6s").sources());
        assertEquals("34c22ccb", r.get("htdemucs_6s").files().get(0).sha256Prefix());
    }

    @Test
    void mirrorReplacesTheOfficialBase() {
        ModelRegistry r = ModelRegistry.builtIn("http://mirror.example/demucs/");
        assertEquals(URI.create("http://mirror.example/demucs/5c90dfd2-34c22ccb.th"), r.get("htdemucs_6s").files().get(0).url());
        assertEquals("http://mirror.example/x/", ModelLocations.officialBaseUrl(java.util.Map.of(), "http://mirror.example/x"));
        assertEquals("http://env.example/", ModelLocations.officialBaseUrl(
                java.util.Map.of(ModelLocations.ENV_MIRROR, "http://env.example/"), null));
        assertEquals("http://prop.example/", ModelLocations.officialBaseUrl(
                java.util.Map.of(ModelLocations.ENV_MIRROR, "http://env.example/"), "http://prop.example/"));
        assertEquals(ModelLocations.OFFICIAL_BASE_URL, ModelLocations.officialBaseUrl(java.util.Map.of(), " "));
    }

    @Test
    void userCataloguesAddAndOverrideInFileOrder() {
        TestFiles.catalogue(tmp, "a.json", "{\"base_url\": \"http://a.example/\", \"models\": {"
                + "\"htdemucs\": {\"sources\": [\"x\", \"y\"], \"files\": [{\"name\": \"w.onnx\", \"sha256\": \""
                + "ab".repeat(32) + "\", \"size\": 12}]},"
                + "\"mine\": {\"description\": \"private\", \"sources\": [\"x\"], \"files\": [{\"name\": \"m-0123abcd.onnx\","
                + " \"url\": \"sub/m.onnx\"}]}}}");
        TestFiles.catalogue(tmp, "b.json", "{\"models\": {\"mine\": {\"sources\": [\"z\"], \"files\": [{\"name\": "
                + "\"m-0123abcd.onnx\", \"url\": \"file:///srv/m.onnx\"}]}}}");
        ModelRegistry r = ModelRegistry.load(tmp, ModelLocations.OFFICIAL_BASE_URL);
        assertEquals(List.of("htdemucs", "htdemucs_6s", "htdemucs_ft", "mine"), r.names());
        RegistryEntry h = r.get("htdemucs");
        assertEquals(List.of("x", "y"), h.sources());
        assertEquals(URI.create("http://a.example/w.onnx"), h.files().get(0).url());
        assertEquals("ab".repeat(32), h.files().get(0).sha256());
        assertEquals(12, h.sizeBytes());
        assertEquals(tmp.resolve("models").resolve("a.json").toString(), h.catalogue());
        assertEquals(List.of("z"), r.get("mine").sources(), "b.json comes after a.json and wins");
        assertEquals(URI.create("file:///srv/m.onnx"), r.get("mine").files().get(0).url());
    }

    @Test
    void relativeUrlResolvesAgainstTheCatalogueBase() {
        ModelRegistry r = ModelRegistry.parse(new ByteArrayInputStream(("{\"base_url\": \"http://h/p\", \"models\": {\"m\": "
                + "{\"sources\": [\"a\"], \"files\": [{\"name\": \"f-0123abcd.th\", \"url\": \"q/f.th\"}]}}}")
                .getBytes(StandardCharsets.UTF_8)), "t", ModelLocations.OFFICIAL_BASE_URL);
        assertEquals(URI.create("http://h/p/q/f.th"), r.get("m").files().get(0).url());
    }

    @Test
    void anEntryWithoutAHashIsAnError() {
        InvalidModelException e = assertThrows(InvalidModelException.class,
                () -> parse(oneModel("{\"name\": \"model.onnx\"}")));
        assertTrue(e.getMessage().startsWith("test.json: models.m.files[0] (model.onnx) has no SHA-256"), e.getMessage());
    }

    @Test
    void badHashesAreErrors() {
        assertTrue(assertThrows(InvalidModelException.class,
                () -> parse(oneModel("{\"name\": \"model.onnx\", \"sha256\": \"abc\"}"))).getMessage()
                .contains("must be 64 hex digits"));
        assertTrue(assertThrows(InvalidModelException.class,
                () -> parse(oneModel("{\"name\": \"x-12345678.onnx\", \"sha256\": \"" + "ab".repeat(32) + "\"}")))
                .getMessage().contains("disagrees with the hash prefix 12345678"));
    }

    @Test
    void syntaxErrorNamesTheLine() {
        InvalidModelException e = assertThrows(InvalidModelException.class,
                () -> parse("{\n  \"models\": {\n    \"m\": {\"sources\": [\"a\",]\n  }\n}"));
        assertTrue(e.getMessage().startsWith("test.json: line 3, column"), e.getMessage());
    }

    @Test
    void contentErrorsNameTheField() {
        assertTrue(assertThrows(InvalidModelException.class, () -> parse(oneModel(
                "{\"name\": \"x-12345678.onnx\", \"weights\": [1, 0, 0]}"))).getMessage()
                .contains("models.m.files[0].weights has 3 weights but the model has 2 sources"));
        assertTrue(assertThrows(InvalidModelException.class, () -> parse(oneModel(
                "{\"name\": \"x-12345678.onnx\", \"sha\": \"1\"}"))).getMessage()
                .contains("unknown key \"sha\""));
        assertTrue(assertThrows(InvalidModelException.class, () -> parse(oneModel(
                "{\"name\": \"x-12345678.bin\"}"))).getMessage()
                .contains("neither a .th checkpoint nor an .onnx model"));
        assertTrue(assertThrows(InvalidModelException.class, () -> parse(
                "{\"models\": {\"m\": {\"files\": [{\"name\": \"x-12345678.th\"}]}}}")).getMessage()
                .contains("models.m: missing \"sources\""));
        assertTrue(assertThrows(InvalidModelException.class, () -> parse(oneModel(
                "{\"name\": \"x-12345678.th\", \"url\": \"ftp://h/x.th\"}"))).getMessage()
                .contains("is not http, https or file"));
    }

    @Test
    void brokenUserCatalogueFailsTheResolverWithItsFileName() {
        TestFiles.catalogue(tmp, "broken.json", "{\"models\": ");
        InvalidModelException e = assertThrows(InvalidModelException.class,
                () -> ModelResolver.builder().cacheDir(tmp.resolve("c")).configDir(tmp).build());
        assertTrue(e.getMessage().startsWith(tmp.resolve("models").resolve("broken.json") + ": line 1"), e.getMessage());
    }

    @Test
    void unknownNameListsTheKnownNames() {
        ModelNotFoundException e = assertThrows(ModelNotFoundException.class,
                () -> ModelRegistry.builtIn(ModelLocations.OFFICIAL_BASE_URL).get("nope"));
        assertTrue(e.getMessage().contains("known models: htdemucs, htdemucs_6s, htdemucs_ft"), e.getMessage());
    }

    @Test
    void platformDirectories() {
        String home = "/home/u";
        assertEquals(Path.of("/c"), ModelLocations.cacheDir(java.util.Map.of("DEMUCS_MODELS", "/c"), "Linux", home));
        assertEquals(Path.of("/x/demucs-jvm"), ModelLocations.cacheDir(java.util.Map.of("XDG_CACHE_HOME", "/x"), "Linux", home));
        assertEquals(Path.of(home, ".cache", "demucs-jvm"), ModelLocations.cacheDir(java.util.Map.of(), "Linux", home));
        assertEquals(Path.of(home, "Library", "Caches", "demucs-jvm"), ModelLocations.cacheDir(java.util.Map.of(), "Mac OS X", home));
        assertEquals(Path.of("/l", "demucs-jvm", "cache"),
                ModelLocations.cacheDir(java.util.Map.of("LOCALAPPDATA", "/l"), "Windows 11", home));
        assertEquals(Path.of("/cfg"), ModelLocations.configDir(java.util.Map.of("DEMUCS_CONFIG", "/cfg"), "Linux", home));
        assertEquals(Path.of(home, ".config", "demucs-jvm"), ModelLocations.configDir(java.util.Map.of(), "Linux", home));
        assertEquals(Path.of(home, "Library", "Application Support", "demucs-jvm"),
                ModelLocations.configDir(java.util.Map.of(), "Mac OS X", home));
    }
}
