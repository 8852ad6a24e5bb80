package dev.demucs.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.demucs.testing.ServeProcess;
import dev.demucs.testing.TestPostgres;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster acceptance run: three real {@code serve} processes (separate JVMs, loopback
 * ports) share one PostgreSQL job queue (Debian's server, started here) and one shared folder
 * of job files. Jobs posted round-robin all complete exactly once and every node serves every
 * job's files; a node killed with SIGKILL while it runs a job loses it to another node once its
 * lease expires; a database restart costs nothing; DELETE on one node stops a job running on
 * another.
 */
class ClusterIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final int JOBS = 30;
    private static final double LEASE_SECONDS = 3;

    @TempDir
    Path dir;
    private Path shared;
    private String store;
    private CliFixture fx;

    @Test
    void threeNodesShareOneQueueAndOneFolder() throws Exception {
        assumeTrue(TestPostgres.available(), TestPostgres.WHY_SKIPPED);
        fx = new CliFixture(dir, 1.0);
        shared = Files.createDirectories(dir.resolve("shared"));
        List<ServeProcess> nodes = new ArrayList<>();
        try (TestPostgres pg = TestPostgres.start(); Inputs inputs = new Inputs(Files.readAllBytes(fx.input))) {
            store = pg.jdbcUrl();
            for (int i = 0; i < 3; i++) {
                nodes.add(node("n" + i));
            }
            List<String> bases = new ArrayList<>();
            for (ServeProcess n : nodes) {
                bases.add(n.base());
            }
            for (String b : bases) {
                await(() -> Optional.of(get(b, "/status")).filter(s -> s.path("models_ready").asBoolean()), b + " to load its model");
            }
            JsonNode status = await(() -> Optional.of(get(bases.get(0), "/status")).filter(s -> s.path("nodes_alive").asInt() == 3),
                    "three nodes alive in /status");
            assertEquals(3, status.get("cluster_workers").asInt(), status.toString());
            assertEquals("n0", status.get("node_id").asText());

            // a job whose first download stalls: it runs on one node, which is then killed
            String doomed = post(bases.get(0), inputs.url("/stall-once/doomed.wav"));
            await(() -> Optional.of(get(bases.get(0), "/job/" + doomed)).filter(j -> j.path("status").asText().equals("running")),
                    "the doomed job to run");
            int victim = runnerOf(bases);

            List<String> ids = new ArrayList<>();
            for (int i = 0; i < JOBS; i++) {
                ids.add(post(bases.get(i % 3), inputs.url("/files/in" + i + ".wav")));
            }
            Instant killedAt = Instant.now();
            nodes.get(victim).kill();

            // the database restarts while jobs run: nodes reconnect, nothing is lost
            pg.stop();
            pg.restart();

            List<String> alive = new ArrayList<>(bases);
            alive.remove(victim);
            JsonNode rerun = await(() -> Optional.of(get(alive.get(0), "/job/" + doomed))
                    .filter(j -> j.path("status").asText().equals("completed")), "the killed node's job to complete elsewhere");
            assertEquals(2, rerun.get("attempts").asInt(), rerun.toString());
            assertTrue(rerun.get("note").asText().contains("stopped answering"), rerun.toString());
            double takeover = Duration.between(killedAt, Instant.parse(rerun.get("started_at").asText())).toMillis() / 1000.0;
            System.out.printf("cluster: the killed node's job started again on another node %.1f s after kill -9 (lease %.0f s)%n",
                    takeover, LEASE_SECONDS);
            assertTrue(takeover < LEASE_SECONDS + 15, "taken over after " + takeover + " s");

            for (String id : ids) {
                JsonNode j = await(() -> Optional.of(get(alive.get(ids.indexOf(id) % 2), "/job/" + id))
                        .filter(x -> x.path("status").asText().equals("completed")), "job " + id + " to complete");
                assertTrue(j.get("attempts").asInt() >= 1, j.toString());
            }
            // a replacement for the killed node; then every node serves every job's files
            nodes.set(victim, node("n" + victim + "-replacement"));
            bases.set(victim, nodes.get(victim).base());
            for (String id : concat(ids, doomed)) {
                assertEquals(1, countLines(shared.resolve("jobs").resolve(id).resolve("job.log"), "completed in"),
                        "job " + id + " completed exactly once");
                JsonNode job = get(bases.get(0), "/job/" + id);
                assertTrue(job.get("files").size() > 1, job.toString());
                for (JsonNode f : job.get("files")) {
                    byte[] expected = Files.readAllBytes(shared.resolve("jobs").resolve(id).resolve(f.get("path").asText()));
                    for (String b : bases) {
                        HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(URI.create(b + f.get("url").asText())).build(),
                                HttpResponse.BodyHandlers.ofByteArray());
                        assertEquals(200, r.statusCode(), b + f.get("url").asText());
                        assertArrayEquals(expected, r.body(), b + f.get("url").asText());
                    }
                }
            }
            assertEquals(JOBS + 1, get(bases.get(1), "/jobs?status=completed&limit=100").get("jobs").size());

            // DELETE on one node stops the job running on another and removes its files
            String stuck = post(bases.get(0), inputs.url("/stall/stuck.wav"));
            await(() -> Optional.of(get(bases.get(0), "/job/" + stuck)).filter(j -> j.path("status").asText().equals("running")),
                    "the stuck job to run");
            int runner = runnerOf(bases);
            String other = bases.get((runner + 1) % 3);
            HttpResponse<String> deleted = HTTP.send(HttpRequest.newBuilder(URI.create(other + "/job/" + stuck)).DELETE().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, deleted.statusCode(), deleted.body());
            JsonNode d = JSON.readTree(deleted.body());
            assertEquals("running", d.get("previous_status").asText(), d.toString());
            assertFalse(d.has("not_removed"), d.toString());
            assertFalse(Files.exists(shared.resolve("jobs").resolve(stuck)), "the running node removed the files");
            assertEquals(0, get(bases.get(runner), "/status").get("active_jobs").asInt(), "its worker stopped");
            for (String b : bases) {
                assertEquals(404, HTTP.send(HttpRequest.newBuilder(URI.create(b + "/job/" + stuck)).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode());
            }
        } catch (AssertionError | Exception e) {
            for (ServeProcess n : nodes) { // what the servers said, for the failure report
                System.out.println("---- " + n.log + "\n" + (Files.exists(n.log) ? Files.readString(n.log) : "(no output)"));
            }
            throw e;
        } finally {
            for (ServeProcess n : nodes) {
                n.stop();
            }
        }
    }

    private ServeProcess node(String id) throws IOException {
        Path data = Files.createDirectories(dir.resolve(id));
        return ServeProcess.start(ServeProcess.fromClassPath(), List.of("--data-dir", data.toString(), "--model", fx.model.toString(), "--device", "cpu",
                "--threads", "1", "--workers", "1", "--allow-private-urls", "--shutdown-grace", "0", "--files", shared.toString(),
                "--lease-seconds", "" + LEASE_SECONDS, "--heartbeat-seconds", "0.5", "--poll-seconds", "0.2"),
                Map.of("DEMUCS_STORE", store, "DEMUCS_NODE_ID", id), data.resolve("serve.log"));
    }

    /** The node whose worker runs the one running job. */
    private static int runnerOf(List<String> bases) throws Exception {
        return await(() -> {
            for (int i = 0; i < bases.size(); i++) {
                if (get(bases.get(i), "/status").path("active_jobs").asInt() == 1) {
                    return Optional.of(i);
                }
            }
            return Optional.empty();
        }, "a node to report the running job");
    }

    private static List<String> concat(List<String> ids, String one) {
        List<String> all = new ArrayList<>(ids);
        all.add(one);
        return all;
    }

    private static long countLines(Path file, String text) throws IOException {
        return Files.readAllLines(file).stream().filter(l -> l.contains(text)).count();
    }

    static String post(String base, String inputUrl) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/job")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.createObjectNode().put("input_url", inputUrl).toString())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(201, r.statusCode(), r.body());
        return JSON.readTree(r.body()).get("job_id").asText();
    }

    static JsonNode get(String base, String path) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(r.body());
        } catch (IOException e) {
            return JSON.createObjectNode().put("error", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static <T> T await(Supplier<Optional<T>> poll, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<T> v = poll.get();
            if (v.isPresent()) {
                return v.get();
            }
            Thread.sleep(100);
        }
        throw new AssertionError("timed out after " + WAIT.toSeconds() + " s waiting for " + what);
    }

    /**
     * Job inputs on loopback: {@code /files/NAME} answers the audio; {@code /stall/NAME} never
     * answers; {@code /stall-once/NAME} never answers the first request, then answers the audio.
     */
    static final class Inputs implements AutoCloseable {
        private final HttpServer server;
        private final ExecutorService pool = Executors.newCachedThreadPool();
        private final byte[] audio;
        private final Set<String> stalledOnce = ConcurrentHashMap.newKeySet();
        private final CountDownLatch closing = new CountDownLatch(1);

        Inputs(byte[] audio) throws IOException {
            this.audio = audio;
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
            server.setExecutor(pool);
            server.createContext("/", this::handle);
            server.start();
        }

        String url(String path) {
            return "http://127.0.0.1:" + server.getAddress().getPort() + path;
        }

        private void handle(HttpExchange ex) throws IOException {
            String path = ex.getRequestURI().getPath();
            boolean stall = path.startsWith("/stall/") || path.startsWith("/stall-once/") && stalledOnce.add(path);
            if (stall) {
                try {
                    closing.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                ex.close();
                return;
            }
            ex.getResponseHeaders().set("Content-Type", "audio/wav");
            ex.sendResponseHeaders(200, audio.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(audio);
            }
        }

        @Override
        public void close() {
            closing.countDown();
            server.stop(0);
            pool.shutdownNow();
        }
    }
}
