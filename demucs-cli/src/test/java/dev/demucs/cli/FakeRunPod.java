package dev.demucs.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.demucs.testing.ServeProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fake RunPod on loopback, following RunPod's documented REST v1 requests and answers
 * ({@code POST /v1/pods} with name, imageName, gpuTypeIds, gpuCount, cloudType, containerDiskInGb,
 * ports, env; {@code GET /v1/pods[/{id}]} with desiredStatus and costPerHr; {@code POST /v1/pods/{id}/stop};
 * {@code DELETE /v1/pods/{id}}), the GraphQL {@code gpuTypes} query, and the HTTP proxy in front of a
 * pod's port ({@code /proxy/{podId}/{port}/...}, answering 502 while nothing listens, as RunPod's does).
 * Its pods are real {@code demucs-separate serve} processes on loopback ports, configured by the pod's
 * env (DEMUCS_API_TOKEN, DEMUCS_MODEL, DEMUCS_DEVICE).
 */
final class FakeRunPod implements AutoCloseable {

    static final String NO_CAPACITY = "There are no longer any instances available with the requested specifications. Please refresh and try again.";
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern POD = Pattern.compile("/v1/pods/([A-Za-z0-9]+)(/stop)?");
    private static final Pattern PROXY = Pattern.compile("/proxy/([A-Za-z0-9]+)/(\\d+)(/.*)");

    /** One pod: its record and, once started, its server process. */
    static final class Pod {
        final String id;
        final ObjectNode json;
        final Path dataDir;
        volatile Process process;
        final CompletableFuture<Integer> port = new CompletableFuture<>();

        Pod(String id, ObjectNode json, Path dataDir) {
            this.id = id;
            this.json = json;
            this.dataDir = dataDir;
        }

        void kill() {
            Process p = process;
            if (p != null) {
                p.destroyForcibly();
                try {
                    p.waitFor(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    final String apiKey;
    final Path workDir;
    final HttpServer server;
    final ExecutorService pool = Executors.newCachedThreadPool();
    final HttpClient forward = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    final Map<String, Pod> pods = new ConcurrentHashMap<>();
    final List<String> createdTypes = new CopyOnWriteArrayList<>();
    final List<Long> createNanos = new CopyOnWriteArrayList<>();
    final List<String> terminated = new CopyOnWriteArrayList<>();
    final List<String> stopped = new CopyOnWriteArrayList<>();
    final AtomicInteger counter = new AtomicInteger();

    // behaviour switches, set by a test before the run
    volatile Set<String> noCapacity = Set.of();
    volatile int rateLimitCreates; // the next N creates answer 429 with Retry-After: 1
    volatile boolean neverStart; // pods stay without a listening server (stuck provisioning)
    final java.util.concurrent.atomic.AtomicBoolean killOnNextPoll = new java.util.concurrent.atomic.AtomicBoolean(); // the pod dies at the next job poll
    final java.util.concurrent.atomic.AtomicReference<CountDownLatch> holdNextPoll = new java.util.concurrent.atomic.AtomicReference<>();
    volatile CountDownLatch pollSeen = new CountDownLatch(1);
    volatile CountDownLatch holdDownload; // result downloads send 1 KiB, then wait on this latch
    volatile CountDownLatch downloadSeen = new CountDownLatch(1);
    volatile Path servedFile; // GET /files/{name} answers this file

    FakeRunPod(String apiKey, Path workDir) throws IOException {
        this.apiKey = apiKey;
        this.workDir = workDir;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.setExecutor(pool);
        server.createContext("/", this::handle);
        server.start();
    }

    String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    String apiUrl() {
        return base() + "/v1";
    }

    String graphqlUrl() {
        return base() + "/graphql";
    }

    String proxyTemplate() {
        return base() + "/proxy/{podId}/{port}";
    }

    /** The settings flags of {@code runpod} for this fake. */
    List<String> settings() {
        return List.of("--api-url", apiUrl(), "--graphql-url", graphqlUrl(), "--proxy-url", proxyTemplate());
    }

    /** Starts a pod's server directly (no API call), e.g. a plain serve for {@code remote} tests. */
    Pod startPod(Map<String, String> env) throws IOException {
        ObjectNode json = JSON.createObjectNode();
        Pod pod = newPod(json, env, "NVIDIA TEST");
        start(pod, env);
        return pod;
    }

    private Pod newPod(ObjectNode json, Map<String, String> env, String gpu) throws IOException {
        String id = "pod" + counter.incrementAndGet() + "x" + Long.toString(System.nanoTime() % 100000, 36);
        json.put("id", id).put("desiredStatus", "RUNNING").put("costPerHr", 0.69).put("name", json.path("name").asText("pod"));
        json.putObject("machine").put("gpuTypeId", gpu);
        Pod pod = new Pod(id, json, Files.createDirectories(workDir.resolve(id)));
        pods.put(id, pod);
        return pod;
    }

    private void start(Pod pod, Map<String, String> env) throws IOException {
        List<String> args = new java.util.ArrayList<>(List.of("--data-dir", pod.dataDir.resolve("jobs").toString(),
                "--allow-private-urls", "--threads", "1", "--device", env.getOrDefault("DEMUCS_DEVICE", "cpu"), "--shutdown-grace", "0"));
        if (env.containsKey("DEMUCS_MODEL")) {
            args.add("--model");
            args.add(env.get("DEMUCS_MODEL"));
        }
        Map<String, String> serveEnv = env.containsKey("DEMUCS_API_TOKEN") ? Map.of("DEMUCS_API_TOKEN", env.get("DEMUCS_API_TOKEN")) : Map.of();
        ServeProcess serve = ServeProcess.start(ServeProcess.fromClassPath(), args, serveEnv, pod.dataDir.resolve("serve.log"));
        pod.process = serve.process;
        serve.port.whenComplete((port, failure) -> {
            if (failure != null) {
                pod.port.completeExceptionally(failure);
            } else {
                pod.port.complete(port);
            }
        });
    }

    private void handle(HttpExchange ex) throws IOException {
        try {
            String path = ex.getRequestURI().getRawPath();
            Matcher proxy = PROXY.matcher(path);
            if (proxy.matches()) {
                proxy(ex, proxy.group(1), proxy.group(3));
                return;
            }
            if (path.startsWith("/files/") && servedFile != null) {
                byte[] bytes = Files.readAllBytes(servedFile);
                ex.getResponseHeaders().set("Content-Type", "audio/wav");
                ex.sendResponseHeaders(200, bytes.length);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(bytes);
                }
                return;
            }
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            if (!("Bearer " + apiKey).equals(auth)) {
                send(ex, 401, JSON.createObjectNode().put("error", "Unauthorized"));
                return;
            }
            if (path.equals("/graphql") && ex.getRequestMethod().equals("POST")) {
                JsonNode body = JSON.readTree(ex.getRequestBody());
                if (!body.path("query").asText().contains("gpuTypes")) {
                    send(ex, 400, JSON.createObjectNode().put("error", "unknown query"));
                    return;
                }
                ObjectNode answer = JSON.createObjectNode();
                ArrayNode types = answer.putObject("data").putArray("gpuTypes");
                types.addObject().put("id", "NVIDIA GeForce RTX 4090").put("displayName", "RTX 4090").put("memoryInGb", 24)
                        .put("secureCloud", true).put("communityCloud", true)
                        .putObject("lowestPrice").put("uninterruptablePrice", 0.69).put("stockStatus", "High");
                types.addObject().put("id", "NVIDIA A40").put("displayName", "A40").put("memoryInGb", 48)
                        .put("secureCloud", true).put("communityCloud", false)
                        .putObject("lowestPrice").putNull("uninterruptablePrice").putNull("stockStatus");
                send(ex, 200, answer);
                return;
            }
            if (path.equals("/v1/pods") && ex.getRequestMethod().equals("POST")) {
                create(ex);
                return;
            }
            if (path.equals("/v1/pods") && ex.getRequestMethod().equals("GET")) {
                ArrayNode list = JSON.createArrayNode();
                pods.values().forEach(p -> list.add(p.json));
                send(ex, 200, list);
                return;
            }
            Matcher m = POD.matcher(path);
            if (m.matches()) {
                Pod pod = pods.get(m.group(1));
                if (pod == null) {
                    send(ex, 404, JSON.createObjectNode().put("error", "pod not found"));
                    return;
                }
                if (m.group(2) != null && ex.getRequestMethod().equals("POST")) {
                    pod.kill();
                    pod.json.put("desiredStatus", "EXITED");
                    stopped.add(pod.id);
                    send(ex, 200, pod.json);
                } else if (m.group(2) == null && ex.getRequestMethod().equals("DELETE")) {
                    pod.kill();
                    pod.json.put("desiredStatus", "TERMINATED");
                    pods.remove(pod.id);
                    terminated.add(pod.id);
                    ex.sendResponseHeaders(204, -1);
                } else if (m.group(2) == null && ex.getRequestMethod().equals("GET")) {
                    send(ex, 200, pod.json);
                } else {
                    send(ex, 405, JSON.createObjectNode().put("error", "method not allowed"));
                }
                return;
            }
            send(ex, 404, JSON.createObjectNode().put("error", "not found"));
        } finally {
            ex.close();
        }
    }

    private void create(HttpExchange ex) throws IOException {
        JsonNode body = JSON.readTree(ex.getRequestBody());
        createNanos.add(System.nanoTime());
        if (rateLimitCreates > 0) {
            rateLimitCreates--;
            ex.getResponseHeaders().set("Retry-After", "1");
            send(ex, 429, JSON.createObjectNode().put("error", "rate limit exceeded"));
            return;
        }
        JsonNode types = body.path("gpuTypeIds");
        JsonNode env = body.path("env");
        boolean portOk = false;
        for (JsonNode p : body.path("ports")) {
            portOk |= p.asText().equals("8185/http");
        }
        if (!body.hasNonNull("name") || !body.hasNonNull("imageName") || !types.isArray() || types.size() == 0 || !env.isObject()
                || !portOk || body.path("gpuCount").asInt() != 1) {
            send(ex, 400, JSON.createObjectNode().put("error", "invalid pod request: " + body));
            return;
        }
        String type = types.get(0).asText();
        createdTypes.add(type);
        if (noCapacity.contains(type)) {
            send(ex, 500, JSON.createObjectNode().put("error", NO_CAPACITY));
            return;
        }
        Map<String, String> envMap = new java.util.LinkedHashMap<>();
        env.fields().forEachRemaining(e -> envMap.put(e.getKey(), e.getValue().asText()));
        ObjectNode json = JSON.createObjectNode().put("name", body.get("name").asText()).put("image", body.get("imageName").asText());
        Pod pod = newPod(json, envMap, type);
        if (!neverStart) {
            start(pod, envMap);
        }
        send(ex, 201, pod.json);
    }

    private void proxy(HttpExchange ex, String podId, String rest) throws IOException {
        Pod pod = pods.get(podId);
        Integer port = pod == null ? null : pod.port.getNow(null);
        Process p = pod == null ? null : pod.process;
        if (port == null || p == null || !p.isAlive()) {
            drain(ex);
            send(ex, 502, null);
            return;
        }
        boolean jobPoll = ex.getRequestMethod().equals("GET") && rest.startsWith("/job/");
        if (jobPoll) {
            pollSeen.countDown();
            CountDownLatch hold = holdNextPoll.getAndSet(null);
            if (hold != null) {
                await(hold);
            }
            if (killOnNextPoll.getAndSet(false)) {
                pod.kill();
                pod.json.put("desiredStatus", "EXITED");
                send(ex, 502, null);
                return;
            }
        }
        byte[] body = ex.getRequestBody().readAllBytes();
        String query = ex.getRequestURI().getRawQuery();
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + rest + (query == null ? "" : "?" + query)))
                .method(ex.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        for (String h : new String[] {"Authorization", "Content-Type", "Content-Disposition", "Accept"}) {
            String v = ex.getRequestHeaders().getFirst(h);
            if (v != null) {
                b.header(h, v);
            }
        }
        HttpResponse<InputStream> r;
        try {
            r = forward.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            send(ex, 502, null);
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            send(ex, 502, null);
            return;
        }
        r.headers().firstValue("Content-Type").ifPresent(v -> ex.getResponseHeaders().set("Content-Type", v));
        long length = r.headers().firstValueAsLong("Content-Length").orElse(-1);
        ex.sendResponseHeaders(r.statusCode(), length < 0 ? 0 : length == 0 ? -1 : length);
        CountDownLatch hold = holdDownload;
        boolean download = rest.startsWith("/result/") && hold != null;
        try (InputStream in = r.body(); OutputStream out = ex.getResponseBody()) {
            byte[] buffer = new byte[1024];
            int n;
            boolean first = true;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
                if (download && first) {
                    out.flush();
                    first = false;
                    downloadSeen.countDown();
                    await(hold);
                    return; // the client was killed: drop the connection
                }
            }
        } catch (IOException ignored) {
            // the client went away
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(2, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void drain(HttpExchange ex) {
        try (InputStream in = ex.getRequestBody()) {
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException ignored) {
            // gone
        }
    }

    private static void send(HttpExchange ex, int status, JsonNode body) throws IOException {
        if (body == null) {
            ex.sendResponseHeaders(status, -1);
            return;
        }
        byte[] bytes = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        pods.values().forEach(Pod::kill);
        server.stop(0);
        pool.shutdownNow();
    }
}
