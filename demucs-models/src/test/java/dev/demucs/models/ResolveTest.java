package dev.demucs.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.demucs.core.InvalidModelException;
import dev.demucs.core.ModelNotFoundException;
import dev.demucs.core.model.ModelBag;
import dev.demucs.testing.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Resolution of paths and manifests, conversion caching and cache verification (no network). */
class ResolveTest {

    @TempDir
    Path tmp;

    private ModelResolver resolver() {
        return ModelResolver.builder().cacheDir(tmp.resolve("cache")).offline(true).build();
    }

    @Test
    void onnxPath() {
        Path f = TestFiles.gainModel(tmp.resolve("m.onnx"), TestFiles.FOUR, 44_100);
        ResolvedModel m = resolver().resolve(f.toString(), DownloadListener.NONE);
        assertEquals(ModelBag.single(f), m.bag());
        assertEquals("m.onnx", m.name());
        assertTrue(m.description().contains("4 stems (drums, bass, other, vocals)"), m.description());
    }

    @Test
    void missingOrWrongOnnxFiles() {
        ModelNotFoundException nf = assertThrows(ModelNotFoundException.class,
                () -> resolver().resolve(tmp.resolve("nope.onnx").toString(), DownloadListener.NONE));
        assertTrue(nf.getMessage().contains("nope.onnx does not exist"), nf.getMessage());
        Path other = TestModels.shapes(tmp.resolve("o.onnx"), List.of(new long[] {1, 8}), List.of(new long[] {1, 8}), Map.of());
        InvalidModelException bad = assertThrows(InvalidModelException.class,
                () -> resolver().resolve(other.toString(), DownloadListener.NONE));
        assertTrue(bad.getMessage().contains("not a Demucs model"), bad.getMessage());
    }

    private Path manifest(String json) throws Exception {
        return Files.writeString(tmp.resolve("bag.json"), json);
    }

    @Test
    void manifestBuildsABagWithWeightsRelativeToItsFolder() throws Exception {
        Path a = TestFiles.gainModel(tmp.resolve("a.onnx"), TestFiles.FOUR, 44_100);
        Path b = TestFiles.gainModel(tmp.resolve("b.onnx"), TestFiles.FOUR, 44_100);
        Path mf = manifest("{\"name\": \"pair\", \"sources\": [\"drums\", \"bass\", \"other\", \"vocals\"],"
                + " \"segment_samples\": " + TestFiles.SEGMENT + ", \"models\": ["
                + "{\"file\": \"a.onnx\", \"weights\": [1, 1, 0, 0]}, {\"file\": \"./b.onnx\", \"weights\": [0, 0, 1, 1]}]}");
        ResolvedModel m = resolver().resolve(mf.toString(), DownloadListener.NONE);
        assertEquals("pair", m.name());
        assertEquals(2, m.bag().members().size());
        assertEquals(a.toAbsolutePath(), m.bag().members().get(0).onnx());
        assertEquals(b.toAbsolutePath(), m.bag().members().get(1).onnx());
        assertArrayEquals(new float[] {1, 1, 0, 0}, m.bag().members().get(0).weights());
        assertArrayEquals(new float[] {0, 0, 1, 1}, m.bag().members().get(1).weights());
    }

    @Test
    void manifestMembersThatDisagreeAreRejectedBeforeSeparation() throws Exception {
        TestFiles.gainModel(tmp.resolve("a.onnx"), TestFiles.FOUR, 44_100);
        TestFiles.gainModel(tmp.resolve("six.onnx"), TestModels.SIX_STEMS, 44_100);
        TestFiles.gainModel(tmp.resolve("r48.onnx"), TestFiles.FOUR, 48_000);
        String head = "{\"sources\": [\"drums\", \"bass\", \"other\", \"vocals\"], \"models\": [{\"file\": \"a.onnx\"}, ";
        InvalidModelException stems = assertThrows(InvalidModelException.class, () -> resolver().resolve(
                manifest(head + "{\"file\": \"six.onnx\"}]}").toString(), DownloadListener.NONE));
        assertTrue(stems.getMessage().contains("member six.onnx has stems [drums, bass, other, vocals, guitar, piano]"),
                stems.getMessage());
        InvalidModelException rate = assertThrows(InvalidModelException.class, () -> resolver().resolve(
                manifest(head + "{\"file\": \"r48.onnx\"}]}").toString(), DownloadListener.NONE));
        assertTrue(rate.getMessage().contains("member r48.onnx has sample rate 48000 Hz but the manifest says 44100 Hz"),
                rate.getMessage());
        InvalidModelException seg = assertThrows(InvalidModelException.class, () -> resolver().resolve(
                manifest("{\"sources\": [\"drums\", \"bass\", \"other\", \"vocals\"], \"segment_samples\": 343980,"
                        + " \"models\": [{\"file\": \"a.onnx\"}]}").toString(), DownloadListener.NONE));
        assertTrue(seg.getMessage().contains("segment of 4096 samples but the manifest says 343980"), seg.getMessage());
        ModelNotFoundException missing = assertThrows(ModelNotFoundException.class, () -> resolver().resolve(
                manifest(head + "{\"file\": \"gone.onnx\"}]}").toString(), DownloadListener.NONE));
        assertTrue(missing.getMessage().contains("gone.onnx does not exist"), missing.getMessage());
    }

    @Test
    void unreadableManifestNamesFileAndLine() throws Exception {
        Path mf = manifest("{\n \"sources\": [\"a\"],\n \"models\": [\n  {\"file\": \"a.onnx\"\n ]\n}\n");
        InvalidModelException e = assertThrows(InvalidModelException.class,
                () -> resolver().resolve(mf.toString(), DownloadListener.NONE));
        assertTrue(e.getMessage().startsWith(mf + ": line 5"), e.getMessage());
        Path weights = manifest("{\"sources\": [\"a\", \"b\"], \"models\": [{\"file\": \"a.onnx\", \"weights\": [1]}]}");
        assertTrue(assertThrows(InvalidModelException.class, () -> resolver().resolve(weights.toString(), DownloadListener.NONE))
                .getMessage().contains("models[0].weights has 1 weights but the model has 2 sources"));
        assertThrows(ModelNotFoundException.class,
                () -> resolver().resolve(tmp.resolve("none.json").toString(), DownloadListener.NONE));
    }

    /** A converter that writes a generated gain model and counts its calls (stands in for the importer here). */
    /** Counts conversions; a conversion waits for {@code release} (open unless a test closes it). */
    static final class CountingConverter implements CheckpointConverter {
        final AtomicInteger calls = new AtomicInteger();
        final List<String> sources;
        final CountDownLatch converting = new CountDownLatch(1);
        final CountDownLatch release;

        CountingConverter(List<String> sources) {
            this(sources, new CountDownLatch(0));
        }

        CountingConverter(List<String> sources, CountDownLatch release) {
            this.sources = sources;
            this.release = release;
        }

        @Override
        public void convert(Path checkpoint, Path onnxOut) {
            calls.incrementAndGet();
            converting.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            TestFiles.gainModel(onnxOut, sources, 44_100);
        }
    }

    @Test
    void checkpointIsConvertedOnceAndCachedByItsHash() throws Exception {
        Path th = Files.write(tmp.resolve("model.th"), new byte[] {1, 2, 3, 4});
        CountingConverter conv = new CountingConverter(TestFiles.FOUR);
        ModelResolver r = ModelResolver.builder().cacheDir(tmp.resolve("cache")).offline(true).converter(conv).build();
        assertFalse(r.isReady(th.toString()));
        DownloadTest.Recorder rec = new DownloadTest.Recorder();
        ResolvedModel m = r.resolve(th.toString(), rec);
        assertEquals(List.of("convert model.th", "converted model.th"), rec.events);
        String sha = TestFiles.sha256(new byte[] {1, 2, 3, 4});
        assertEquals(r.cache().convertedPath(sha, "custom"), m.bag().members().get(0).onnx());
        assertTrue(r.isReady(th.toString()));

        DownloadTest.Recorder again = new DownloadTest.Recorder();
        assertEquals(m.bag(), r.resolve(th.toString(), again).bag());
        assertEquals(List.of(), again.events, "the second resolve does not convert again");
        // The same bytes under another name share the conversion.
        Path copy = Files.copy(th, tmp.resolve("copy.th"));
        assertEquals(m.bag(), r.resolve(copy.toString(), DownloadListener.NONE).bag());
        assertEquals(1, conv.calls.get());
        assertEquals(List.of(), TestFiles.filesUnder(r.cache().dir().resolve("converted")).stream()
                .filter(p -> p.getFileName().toString().startsWith(".tmp")).toList(), "no temporary files left");
    }

    @Test
    void concurrentResolvesConvertOnce() throws Exception {
        Path th = Files.write(tmp.resolve("model.th"), new byte[] {9, 9, 9});
        CountDownLatch release = new CountDownLatch(1);
        CountingConverter conv = new CountingConverter(TestFiles.FOUR, release);
        ModelResolver r = ModelResolver.builder().cacheDir(tmp.resolve("cache")).offline(true).converter(conv).build();
        List<Thread> threads = new ArrayList<>();
        List<CompletableFuture<ResolvedModel>> fs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            CompletableFuture<ResolvedModel> f = new CompletableFuture<>();
            Thread t = new Thread(() -> {
                try {
                    f.complete(r.resolve(th.toString(), null));
                } catch (Throwable e) {
                    f.completeExceptionally(e);
                }
            });
            fs.add(f);
            threads.add(t);
            t.start();
        }
        // one thread converts (held in the converter); the other two must be waiting for it, not converting too
        assertTrue(conv.converting.await(60, TimeUnit.SECONDS), "no conversion started");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (threads.stream().anyMatch(t -> t.getState() != Thread.State.WAITING) && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertTrue(threads.stream().allMatch(t -> t.getState() == Thread.State.WAITING),
                "all three resolves must be in flight together: " + threads.stream().map(Thread::getState).toList());
        assertEquals(1, conv.calls.get());
        release.countDown();
        for (CompletableFuture<ResolvedModel> f : fs) {
            assertEquals(fs.get(0).get(60, TimeUnit.SECONDS).bag(), f.get(60, TimeUnit.SECONDS).bag());
        }
        assertEquals(1, conv.calls.get());
    }

    @Test
    void converterFailureLeavesNoConvertedFile() throws Exception {
        Path th = Files.write(tmp.resolve("bad.th"), new byte[] {5});
        ModelResolver r = ModelResolver.builder().cacheDir(tmp.resolve("cache")).offline(true).converter((c, o) -> {
            throw new InvalidModelException(c + ": unsupported model class Demucs (v2)");
        }).build();
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> r.resolve(th.toString(), null));
        assertTrue(e.getMessage().contains("unsupported model class"), e.getMessage());
        assertEquals(List.of(), TestFiles.filesUnder(r.cache().dir().resolve("converted")));
    }

    @Test
    void convertedModelWithOtherStemsThanTheRegistrySaysIsRejected() throws Exception {
        Path th = Files.write(tmp.resolve("x.th"), new byte[] {1, 2});
        String sha = TestFiles.sha256(new byte[] {1, 2});
        Path cacheDir = tmp.resolve("cache");
        Files.createDirectories(cacheDir.resolve("files"));
        Files.copy(th, cacheDir.resolve("files").resolve(sha + ".th"));
        Path config = tmp.resolve("cfg");
        TestFiles.catalogue(config, "c.json", "{\"models\": {\"six\": {\"sources\": [\"drums\", \"bass\", \"other\", \"vocals\","
                + " \"guitar\", \"piano\"], \"files\": [{\"name\": \"x.th\", \"sha256\": \"" + sha + "\"}]}}}");
        ModelResolver r = ModelResolver.builder().cacheDir(cacheDir).configDir(config).offline(true)
                .converter(new CountingConverter(TestFiles.FOUR)).build();
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> r.resolve("six", null));
        assertTrue(e.getMessage().contains("model six"), e.getMessage());
        assertTrue(e.getMessage().contains("has stems [drums, bass, other, vocals]"), e.getMessage());
    }

    @Test
    void verifyRemovesCorruptFiles() throws Exception {
        byte[] good = TestFiles.gainModelBytes(tmp, "g.onnx");
        String sha = TestFiles.sha256(good);
        ModelCache cache = new ModelCache(tmp.resolve("cache"));
        Files.createDirectories(cache.dir().resolve("files"));
        Path ok = Files.write(cache.filePath(sha, ".onnx"), good);
        byte[] bad = good.clone();
        bad[10] ^= 0x40;
        String badName = TestFiles.sha256(new byte[] {42});
        Path corrupt = Files.write(cache.filePath(badName, ".th"), bad);
        List<ModelCache.Check> checks = cache.verify();
        assertEquals(2, checks.size());
        ModelCache.Check c0 = checks.stream().filter(c -> c.file().equals(ok)).findFirst().orElseThrow();
        ModelCache.Check c1 = checks.stream().filter(c -> c.file().equals(corrupt)).findFirst().orElseThrow();
        assertTrue(c0.ok());
        assertFalse(c0.removed());
        assertFalse(c1.ok());
        assertTrue(c1.removed());
        assertEquals(TestFiles.sha256(bad), c1.sha256());
        assertTrue(Files.exists(ok));
        assertFalse(Files.exists(corrupt));
    }

    @Test
    void verifyChecksConversionsAgainstTheirRecordedHash() throws Exception {
        Path th = Files.write(tmp.resolve("model.th"), new byte[] {7});
        ModelResolver r = ModelResolver.builder().cacheDir(tmp.resolve("cache")).offline(true)
                .converter(new CountingConverter(TestFiles.FOUR)).build();
        Path onnx = r.resolve(th.toString(), null).bag().members().get(0).onnx();
        assertTrue(r.cache().verify().stream().allMatch(ModelCache.Check::ok));
        byte[] b = Files.readAllBytes(onnx);
        b[b.length - 1] ^= 1;
        Files.write(onnx, b);
        List<ModelCache.Check> checks = r.cache().verify();
        assertEquals(1, checks.size());
        assertTrue(checks.get(0).removed());
        assertFalse(Files.exists(onnx));
        assertNull(checks.stream().filter(ModelCache.Check::ok).findFirst().orElse(null));
    }
}
