package dev.demucs.cli.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import dev.demucs.cli.DemucsCli;
import dev.demucs.cli.ExitCodes;
import dev.demucs.testing.TestModels;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code demucs-separate models ...} in process, against a real HTTP server on loopback. */
class ModelsCommandTest {

    @TempDir
    Path tmp;
    HttpServer server;
    final Map<String, byte[]> served = new ConcurrentHashMap<>();
    final AtomicInteger requests = new AtomicInteger();
    Path cache;
    Path config;

    record Run(int exit, String out, String err) {
    }

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            requests.incrementAndGet();
            byte[] body = served.get(ex.getRequestURI().getPath().substring(1));
            try (ex) {
                if (body == null) {
                    ex.sendResponseHeaders(404, -1);
                    return;
                }
                ex.sendResponseHeaders(200, body.length);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(body);
                }
            }
        });
        server.start();
        cache = tmp.resolve("cache");
        config = tmp.resolve("config");
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private String mirror() {
        return "http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort() + "/";
    }

    private Run run(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        if (all.size() >= 2 && !all.get(1).equals("import")) {
            all.addAll(List.of("--cache-dir", cache.toString(), "--config-dir", config.toString(), "--mirror", mirror()));
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = DemucsCli.commandLine(new DemucsCli());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(all.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    private static Path fixture(String name) {
        String root = System.getProperty("demucs.repoRoot");
        Path p = root == null ? null : Path.of(root).resolve("../shared/fixtures/checkpoints").resolve(name).normalize();
        assumeTrue(p != null && Files.isRegularFile(p), "../shared/fixtures/checkpoints/" + name + " is absent: skipping");
        return p;
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    private static List<Path> filesUnder(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).toList();
        }
    }

    /** Points htdemucs (user catalogue + mirror) at the tiny fixture checkpoint, named with its own hash prefix. */
    private String serveFixtureAsHtdemucs() throws Exception {
        byte[] th = Files.readAllBytes(fixture("htdemucs_tiny_a.th"));
        String name = "00000000-" + sha256(th).substring(0, 8) + ".th";
        served.put(name, th);
        Files.createDirectories(config.resolve("models"));
        Files.writeString(config.resolve("models").resolve("mirror.json"), "{\"models\": {\"htdemucs\": {"
                + "\"description\": \"tiny fixture\", \"sources\": [\"drums\", \"bass\", \"other\", \"vocals\"],"
                + " \"files\": [{\"name\": \"" + name + "\"}]}}}");
        return name;
    }

    @Test
    void modelsAloneIsAUsageError() {
        Run r = run("models");
        assertEquals(ExitCodes.USAGE, r.exit);
        assertTrue(r.err.contains("missing subcommand"), r.err);
    }

    @Test
    void listShowsTheBuiltInModels() {
        Run r = run("models", "list");
        assertEquals(ExitCodes.OK, r.exit, r.err);
        List<String> lines = r.out.lines().toList();
        assertTrue(lines.get(0).startsWith("NAME"), r.out);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("htdemucs *") && l.contains("drums,bass,other,vocals")
                && l.contains("not cached")), r.out);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("htdemucs_ft ") && l.contains(" 4 ")), r.out);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("htdemucs_6s ") && l.contains("guitar,piano")), r.out);
        assertEquals(0, requests.get(), "list never touches the network");
    }

    @Test
    void fetchConvertsThenListPathInfoVerifyWork() throws Exception {
        String name = serveFixtureAsHtdemucs();
        Run fetch = run("models", "fetch", "htdemucs");
        assertEquals(ExitCodes.OK, fetch.exit, fetch.err);
        assertTrue(fetch.out.startsWith("htdemucs: ready"), fetch.out);
        assertTrue(fetch.err.contains("downloading " + name), fetch.err);
        assertTrue(fetch.err.contains("converting " + name + " to ONNX"), fetch.err);
        assertEquals(1, requests.get());

        Run list = run("models", "list");
        assertTrue(list.out.lines().anyMatch(l -> l.startsWith("htdemucs *") && l.contains("ready")), list.out);

        Run path = run("models", "path", "htdemucs");
        assertEquals(ExitCodes.OK, path.exit, path.err);
        Path onnx = Path.of(path.out.trim());
        assertTrue(Files.isRegularFile(onnx), path.out);
        assertTrue(onnx.startsWith(cache.toAbsolutePath()), path.out);

        Run info = run("models", "info", "htdemucs");
        assertEquals(ExitCodes.OK, info.exit, info.err);
        for (String expected : List.of("form:        two-input", "engine:      accepted as TWO_INPUT, stems drums,bass,other,vocals",
                "stems:       drums, bass, other, vocals",
                "sample rate: 44100 Hz", "opset:       17", "parameters:  ", "checkpoint_sha256 = ")) {
            assertTrue(info.out.contains(expected), expected + " in\n" + info.out);
        }

        Run verify = run("models", "verify", "htdemucs");
        assertEquals(ExitCodes.OK, verify.exit, verify.err);
        assertEquals(2, verify.out.lines().filter(l -> l.startsWith("ok ")).count(), verify.out);

        // Corrupt the downloaded checkpoint: verify reports it, removes it, exits 3.
        Path th = filesUnder(cache.resolve("files")).get(0);
        byte[] b = Files.readAllBytes(th);
        b[100] ^= 1;
        Files.write(th, b);
        Run bad = run("models", "verify");
        assertEquals(ExitCodes.MODEL, bad.exit, bad.out + bad.err);
        assertTrue(bad.out.contains("CORRUPT") && bad.out.contains("(removed)"), bad.out);
        assertTrue(bad.err.contains("models fetch NAME"), bad.err);
        assertFalse(Files.exists(th));
        assertEquals(1, requests.get(), "nothing but fetch used the network");
    }

    @Test
    void fetchOfTheOfficialNameWithForeignBytesFailsAndLeavesNothing() throws Exception {
        served.put("955717e8-8726e21a.th", Files.readAllBytes(fixture("htdemucs_tiny_a.th")));
        Run r = run("models", "fetch", "htdemucs");
        assertEquals(ExitCodes.MODEL, r.exit, r.out + r.err);
        assertTrue(r.err.contains("demucs-separate: error: download of 955717e8-8726e21a.th"), r.err);
        assertTrue(r.err.contains("8726e21a"), r.err);
        assertEquals(List.of(), filesUnder(cache.resolve("files")));
        assertEquals(List.of(), filesUnder(cache.resolve("partial")));
    }

    @Test
    void unknownNameAndOfflineAndMissingAreModelErrors() {
        Run unknown = run("models", "fetch", "nope");
        assertEquals(ExitCodes.MODEL, unknown.exit);
        assertTrue(unknown.err.contains("known models: htdemucs, htdemucs_6s, htdemucs_ft"), unknown.err);
        Run offline = run("models", "fetch", "htdemucs_6s", "--offline");
        assertEquals(ExitCodes.MODEL, offline.exit);
        assertTrue(offline.err.contains("`demucs-separate models fetch htdemucs_6s`"), offline.err);
        Run path = run("models", "path", "htdemucs");
        assertEquals(ExitCodes.MODEL, path.exit);
        assertTrue(path.err.contains("not in the model cache"), path.err);
        Run notFound = run("models", "fetch", "htdemucs_6s");
        assertEquals(ExitCodes.MODEL, notFound.exit);
        assertTrue(notFound.err.contains("HTTP 404"), notFound.err);
        assertEquals(1, requests.get(), "only the last fetch went online");
    }

    @Test
    void infoOnAnOnnxFile() {
        Path f = TestModels.singleGraphGain(tmp.resolve("s.onnx"), new float[] {1, 2}, 1000,
                TestModels.metadata(List.of("vocals", "accompaniment"), 44_100, 1000));
        Run r = run("models", "info", f.toString());
        // initializers: gains [1,2,1,1] (2 elements) and the Unsqueeze axis [1] (1 element)
        assertEquals(ExitCodes.OK, r.exit, r.err);
        assertTrue(r.out.contains("form:        single-graph"), r.out);
        assertTrue(r.out.contains("engine:      accepted as SINGLE_GRAPH, stems vocals,accompaniment, segment 1000, batch 1"),
                r.out);
        assertTrue(r.out.contains("inputs:      mix FLOAT [1, 2, 1000]"), r.out);
        assertTrue(r.out.contains("outputs:     stems FLOAT [1, 2, 2, 1000]"), r.out);
        assertTrue(r.out.contains("stems:       vocals, accompaniment"), r.out);
        assertTrue(r.out.contains("onnx:        " + f + " ("), r.out);
        assertTrue(r.out.contains("segment:     1000 samples (0.02 s)"), r.out);
        assertTrue(r.out.contains("parameters:  3 in 2 initializers; 2 nodes"), r.out);
        Path odd = TestModels.shapes(tmp.resolve("odd.onnx"), List.of(new long[] {1, 8}), List.of(new long[] {1, 8}), Map.of());
        Run rejected = run("models", "info", odd.toString());
        assertEquals(ExitCodes.MODEL, rejected.exit, rejected.out);
        assertTrue(rejected.err.contains("not a Demucs model"), rejected.err);
        assertTrue(rejected.out.contains("inputs:      in0 FLOAT [1, 8]"), rejected.out);
        assertTrue(rejected.out.contains("form:        not a Demucs form"), rejected.out);
        assertTrue(rejected.out.contains("engine:      rejected: "), rejected.out);
        Run missing = run("models", "info", tmp.resolve("none.onnx").toString());
        assertEquals(ExitCodes.MODEL, missing.exit);
    }

    @Test
    void importOneCheckpointAndABag() throws Exception {
        Path a = fixture("htdemucs_tiny_a.th");
        Path legacy = fixture("htdemucs_tiny_a_legacy.th");
        Path out = tmp.resolve("one.onnx");
        Run one = run("models", "import", a.toString(), "-o", out.toString());
        assertEquals(ExitCodes.OK, one.exit, one.err);
        assertTrue(one.out.contains("drums,bass,other,vocals, 44100 Hz"), one.out);
        Run info = run("models", "info", out.toString());
        assertTrue(info.out.contains("form:        two-input"), info.out);
        assertTrue(info.out.contains("batch 1"), info.out);
        Path dynamic = tmp.resolve("dynamic.onnx");
        Run dyn = run("models", "import", a.toString(), "-o", dynamic.toString(), "--dynamic-batch");
        assertEquals(ExitCodes.OK, dyn.exit, dyn.err);
        Run dynInfo = run("models", "info", dynamic.toString());
        assertTrue(dynInfo.out.contains("batch dynamic"), dynInfo.out);

        Run exists = run("models", "import", a.toString(), "-o", out.toString());
        assertEquals(ExitCodes.USAGE, exists.exit);
        assertTrue(exists.err.contains("already exists"), exists.err);

        Run oneHot = run("models", "import", a.toString(), legacy.toString(), "--one-hot", "-o", tmp.resolve("x.json").toString());
        assertEquals(ExitCodes.MODEL, oneHot.exit);
        assertTrue(oneHot.err.contains("one checkpoint per stem: 2 checkpoints for 4 stems"), oneHot.err);

        Path bag = tmp.resolve("bag").resolve("pair.json");
        Files.createDirectories(bag.getParent());
        Run pair = run("models", "import", a.toString(), legacy.toString(), "-o", bag.toString());
        assertEquals(ExitCodes.OK, pair.exit, pair.err);
        assertTrue(Files.isRegularFile(bag.resolveSibling("htdemucs_tiny_a.onnx")));
        assertTrue(Files.isRegularFile(bag.resolveSibling("htdemucs_tiny_a_legacy.onnx")));
        Run bagInfo = run("models", "info", bag.toString());
        assertEquals(ExitCodes.OK, bagInfo.exit, bagInfo.err);
        assertTrue(bagInfo.out.contains("model 2 of 2"), bagInfo.out);
    }
}
