package dev.demucs.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.demucs.testing.ServeProcess;
import dev.demucs.testing.TestAudio;
import dev.demucs.testing.TestPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Cluster throughput: the time N equal jobs take on one {@code serve} node and on two, each
 * node one worker (one ONNX Runtime thread), sharing one PostgreSQL queue and one folder of
 * job files; every job is the same model ({@link GainModel} by default, its fixed-cost twin, or a
 * given model file) on the same input, so every job does the same work. Each node is a separate JVM from the runnable jar; PostgreSQL is Debian's
 * ({@link TestPostgres}). The clock runs from the first POST to the last job seen completed;
 * one warm-up job per node runs first. Configurations alternate (1, 2, 1, 2 …); each round's
 * 2-node time is divided by the same round's 1-node time, and the median ratio is reported.
 *
 * <pre>
 * mvn -q -pl demucs-cli,benchmarks -am package -DskipTests
 * java -cp benchmarks/target/benchmarks.jar dev.demucs.benchmarks.ClusterThroughput \
 *      demucs-cli/target/demucs-separate.jar [JOBS=12] [INPUT_SECONDS=30] [ROUNDS=2] [MODEL.onnx|fixed-cost:MATMULS]
 * </pre>
 */
public final class ClusterThroughput {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String FIXED_COST = "fixed-cost:";

    private ClusterThroughput() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: ClusterThroughput demucs-separate.jar [JOBS] [INPUT_SECONDS] [ROUNDS] [MODEL.onnx|fixed-cost:MATMULS]");
            System.exit(2);
        }
        Path jar = Path.of(args[0]);
        int jobs = args.length > 1 ? Integer.parseInt(args[1]) : 12;
        double inputSeconds = args.length > 2 ? Double.parseDouble(args[2]) : 30;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        // the gain model by default; a heavy model (e.g. the report's hdemucs_high export) makes the
        // model's run, not the host pipeline's threads, the work each node's one worker does;
        // fixed-cost:N is the gain model plus N cache-resident matrix products per run (a fixed
        // cost that two cores run side by side without sharing memory bandwidth)
        String modelArg = args.length > 4 ? args[4] : null;
        if (!Files.isRegularFile(jar)) {
            throw new IllegalArgumentException(jar + ": no such file (build it with mvn -pl demucs-cli -am package -DskipTests)");
        }
        if (!TestPostgres.available()) {
            throw new IllegalStateException(TestPostgres.WHY_SKIPPED);
        }
        Path dir = Files.createTempDirectory("cluster-throughput-");
        Path model;
        if (modelArg == null) {
            model = GainModel.write(dir.resolve("gain.onnx"), GainModel.SEGMENT_SAMPLES);
        } else if (modelArg.startsWith(FIXED_COST)) {
            int matmuls = Integer.parseInt(modelArg.substring(FIXED_COST.length()));
            model = GainModel.writeFixedCost(dir.resolve("fixed-cost-" + matmuls + ".onnx"), GainModel.SEGMENT_SAMPLES, matmuls);
        } else {
            model = Path.of(modelArg);
        }
        Path input = dir.resolve("input.wav");
        TestAudio.writeStereoWav(input, 44100, (int) Math.round(inputSeconds * 44100), 3);
        byte[] audio = Files.readAllBytes(input);
        List<Double> one = new ArrayList<>();
        List<Double> two = new ArrayList<>();
        try (TestPostgres pg = TestPostgres.start()) {
            int run = 0;
            for (int r = 0; r < rounds; r++) {
                for (int nodes = 1; nodes <= 2; nodes++) {
                    double s = measure(jar, pg, dir.resolve("run" + (++run)), model, audio, nodes, jobs);
                    (nodes == 1 ? one : two).add(s);
                    System.out.printf(Locale.ROOT, "round %d, %d node(s): %d jobs in %.1f s%n", r + 1, nodes, jobs, s);
                }
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        List<Double> ratios = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            ratios.add(two.get(r) / one.get(r));
        }
        System.out.printf(Locale.ROOT, "median: 1 node %.1f s, 2 nodes %.1f s; 2 nodes take %.2fx the time of 1 node; per round %s "
                        + "(%d jobs of %.0f s input, %s, 1 worker and 1 ORT thread per node)%n", median(one), median(two),
                median(ratios), ratios.stream().map(x -> String.format(Locale.ROOT, "%.2f", x)).toList(), jobs, inputSeconds,
                model.getFileName());
    }

    /** Seconds from the first POST to the last job completed, on {@code nodes} fresh nodes and a fresh database. */
    private static double measure(Path jar, TestPostgres pg, Path dir, Path model, byte[] audio, int nodes, int jobs) throws Exception {
        String store = pg.createDatabase(dir.getFileName().toString());
        Path shared = Files.createDirectories(dir.resolve("shared"));
        List<ServeProcess> servers = new ArrayList<>();
        try {
            List<String> bases = new ArrayList<>();
            for (int i = 0; i < nodes; i++) {
                Path data = Files.createDirectories(dir.resolve("node" + i));
                servers.add(ServeProcess.start(ServeProcess.fromJar(jar), List.of("--data-dir", data.toString(), "--files", shared.toString(),
                        "--model", model.toString(), "--device", "cpu", "--threads", "1", "--workers", "1", "--poll-seconds", "0.2"),
                        Map.of("DEMUCS_STORE", store), data.resolve("serve.log")));
            }
            for (ServeProcess s : servers) {
                bases.add(s.base());
            }
            for (String b : bases) {
                await(b, "/status", j -> j.path("models_ready").asBoolean());
            }
            List<String> warm = new ArrayList<>();
            for (int i = 0; i < nodes; i++) {
                warm.add(post(bases.get(i), audio));
            }
            for (String id : warm) {
                await(bases.get(0), "/job/" + id, j -> j.path("status").asText().equals("completed"));
            }
            long t0 = System.nanoTime();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < jobs; i++) {
                ids.add(post(bases.get(i % nodes), audio));
            }
            for (String id : ids) {
                await(bases.get(0), "/job/" + id, j -> j.path("status").asText().equals("completed"));
            }
            return (System.nanoTime() - t0) / 1e9;
        } finally {
            for (ServeProcess s : servers) {
                s.stop();
            }
        }
    }

    private static String post(String base, byte[] audio) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/job")).header("Content-Type", "audio/wav")
                .POST(HttpRequest.BodyPublishers.ofByteArray(audio)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) {
            throw new IllegalStateException("POST /job: " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body()).get("job_id").asText();
    }

    private static void await(String base, String path, java.util.function.Predicate<JsonNode> done) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode j = JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            if (j.path("status").asText().equals("failed")) {
                throw new IllegalStateException(path + " failed: " + j.path("error").asText());
            }
            if (done.test(j)) {
                return;
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("timed out waiting for " + path);
    }

    private static double median(List<Double> xs) {
        List<Double> s = xs.stream().sorted().toList();
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }
}
