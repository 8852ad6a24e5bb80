package dev.demucs.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.demucs.core.SeparationOptions;
import dev.demucs.core.model.ModelBag;
import dev.demucs.job.JobListener;
import dev.demucs.job.ProgressSnapshot;
import dev.demucs.testing.TestModels;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** Shared pieces of the HTTP tests: a gain model, WAV inputs, a loopback file server, a client. */
final class TestSupport {
    static final int SAMPLE_RATE = 44_100;
    /** Time gains of the test model: stem k = gain_k · (mix − m) + m. */
    static final float[] GAINS = {0.25f, 0.25f, 0.25f, 0.25f};

    private static Path modelDir;
    private static Path model;

    private TestSupport() {
    }

    /** A two-input gain model with the real segment (drums, bass, other, vocals each 0.25 · mix). */
    static synchronized Path gainModel() {
        if (model == null) {
            try {
                modelDir = Files.createTempDirectory("demucs-http-model");
                modelDir.toFile().deleteOnExit();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            model = TestModels.twoInputGain(modelDir.resolve("gain.onnx"), GAINS, new float[4], TestModels.SEGMENT_SAMPLES,
                    TestModels.metadata(TestModels.FOUR_STEMS, SAMPLE_RATE, TestModels.SEGMENT_SAMPLES));
            model.toFile().deleteOnExit();
        }
        return model;
    }

    /**
     * A job hook that holds the first job reaching its first progress (state demucs) until
     * {@code release} opens (at most 120 s), after counting down {@code reached}: the job stays
     * running however fast the machine.
     */
    static JobListener holdAtFirstProgress(CountDownLatch reached, CountDownLatch release) {
        return new JobListener() {
            @Override
            public void onProgress(ProgressSnapshot p) {
                if (p.state() == ProgressSnapshot.State.DEMUCS && reached.getCount() > 0) {
                    reached.countDown();
                    try {
                        release.await(120, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        };
    }

    /** A server config on a free loopback port with the gain model, private URLs allowed. */
    static ServerConfig.Builder config(Path dataDir) {
        return ServerConfig.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dataDir)
                .modelBag(ModelBag.single(gainModel()))
                .separationOptions(SeparationOptions.builder().shifts(0).intraOpThreads(1).build())
                .allowPrivateUrls(true)
                .shutdownGrace(Duration.ZERO);
    }

    /**
     * Writes a 16-bit stereo WAV: left a 440 Hz sine, right a 660 Hz sine, amplitude 0.5.
     *
     * @return the samples of the mono mean, as written (after 16-bit rounding)
     */
    static double[] writeWav(Path file, double seconds) {
        int frames = (int) Math.round(seconds * SAMPLE_RATE);
        ByteBuffer b = ByteBuffer.allocate(44 + frames * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes()).putInt(36 + frames * 4).put("WAVE".getBytes());
        b.put("fmt ".getBytes()).putInt(16).putShort((short) 1).putShort((short) 2).putInt(SAMPLE_RATE)
                .putInt(SAMPLE_RATE * 4).putShort((short) 4).putShort((short) 16);
        b.put("data".getBytes()).putInt(frames * 4);
        double[] mono = new double[frames];
        for (int i = 0; i < frames; i++) {
            short l = (short) Math.round(0.5 * Math.sin(2 * Math.PI * 440 * i / SAMPLE_RATE) * 32767);
            short r = (short) Math.round(0.5 * Math.sin(2 * Math.PI * 660 * i / SAMPLE_RATE) * 32767);
            b.putShort(l).putShort(r);
            mono[i] = (l + r) / 2.0 / 32768.0;
        }
        try {
            Files.write(file, b.array());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return mono;
    }

    static double rms(double[] x) {
        double s = 0;
        for (double v : x) {
            s += v * v;
        }
        return Math.sqrt(s / Math.max(1, x.length));
    }

    /** Decodes any audio file to mono float samples at 44.1 kHz with the ffmpeg command. */
    static double[] decodeMono(Path file) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("ffmpeg", "-v", "error", "-i", file.toString(), "-f", "f32le", "-ac", "1",
                "-ar", Integer.toString(SAMPLE_RATE), "-").redirectError(ProcessBuilder.Redirect.INHERIT).start();
        byte[] bytes = p.getInputStream().readAllBytes();
        assertEquals(0, p.waitFor(), "ffmpeg could not decode " + file);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        double[] out = new double[bytes.length / 4];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.getFloat();
        }
        return out;
    }

    static boolean ffmpegAvailable() {
        try {
            return new ProcessBuilder("ffmpeg", "-version").redirectErrorStream(true).start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /**
     * A loopback HTTP server for job inputs: {@code /files/NAME} serves files of a folder,
     * {@code /stall/NAME} sends the headers and 1 KiB, then waits until {@link #release()}
     * before sending the rest, {@code /redirect?to=URL} answers 302 to the URL.
     */
    static final class InputServer implements AutoCloseable {
        private final HttpServer server;
        private final Map<String, byte[]> files = new ConcurrentHashMap<>();
        private volatile CountDownLatch gate = new CountDownLatch(1);

        InputServer() throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
            server.setExecutor(Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "input-server");
                t.setDaemon(true);
                return t;
            }));
            server.createContext("/files/", ex -> {
                byte[] body = files.get(ex.getRequestURI().getPath().substring("/files/".length()));
                if (body == null) {
                    ex.sendResponseHeaders(404, -1);
                } else {
                    ex.getResponseHeaders().set("Content-Type", "audio/wav");
                    ex.sendResponseHeaders(200, body.length);
                    try (OutputStream out = ex.getResponseBody()) {
                        out.write(body);
                    }
                }
                ex.close();
            });
            server.createContext("/stall/", ex -> {
                byte[] body = files.get(ex.getRequestURI().getPath().substring("/stall/".length()));
                ex.sendResponseHeaders(200, body.length);
                try (OutputStream out = ex.getResponseBody()) {
                    int first = Math.min(1024, body.length);
                    out.write(body, 0, first);
                    out.flush();
                    gate.await(120, TimeUnit.SECONDS);
                    out.write(body, first, body.length - first);
                } catch (InterruptedException | IOException e) {
                    // the client went away (cancelled download)
                }
                ex.close();
            });
            server.createContext("/redirect", ex -> {
                String q = ex.getRequestURI().getRawQuery();
                ex.getResponseHeaders().set("Location", java.net.URLDecoder.decode(q.substring(3), java.nio.charset.StandardCharsets.UTF_8));
                ex.sendResponseHeaders(302, -1);
                ex.close();
            });
            server.start();
        }

        void put(String name, Path file) {
            try {
                files.put(name, Files.readAllBytes(file));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        String url(String path) {
            return "http://127.0.0.1:" + server.getAddress().getPort() + path;
        }

        /** Lets stalled downloads finish (and the next ones pass at once). */
        void release() {
            gate.countDown();
        }

        @Override
        public void close() {
            gate.countDown();
            server.stop(0);
        }
    }

    /** A small JSON client of the server under test. */
    static final class Client {
        final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        final URI base;
        final String token;

        Client(int port, String token) {
            this.base = URI.create("http://127.0.0.1:" + port);
            this.token = token;
        }

        Client(DemucsServer server) {
            this(server.port(), server.config().bearerToken().orElse(null));
        }

        HttpRequest.Builder request(String path) {
            HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60));
            if (token != null) {
                b.header("Authorization", "Bearer " + token);
            }
            return b;
        }

        HttpResponse<String> send(HttpRequest request) {
            try {
                return http.send(request, HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        HttpResponse<byte[]> sendBytes(HttpRequest request) {
            try {
                return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        HttpResponse<String> get(String path) {
            return send(request(path).GET().build());
        }

        HttpResponse<String> postJson(String path, String json) {
            return send(request(path).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json)).build());
        }

        /** GET that must answer 200 with JSON. */
        JsonNode json(String path) {
            HttpResponse<String> r = get(path);
            assertEquals(200, r.statusCode(), () -> path + " answered " + r.statusCode() + ": " + r.body());
            return parse(r);
        }

        /** Creates a job from a URL; returns its id. */
        String submit(String inputUrl, String extraJsonFields) {
            ObjectNode body = Json.object().put("input_url", inputUrl);
            String json = body.toString();
            if (extraJsonFields != null && !extraJsonFields.isBlank()) {
                json = json.substring(0, json.length() - 1) + "," + extraJsonFields + "}";
            }
            HttpResponse<String> r = postJson("/job", json);
            assertEquals(201, r.statusCode(), () -> "POST /job answered " + r.statusCode() + ": " + r.body());
            JsonNode n = parse(r);
            assertEquals("pending", n.get("status").asText());
            return n.get("job_id").asText();
        }

        /** Polls GET /job/{id} until the predicate holds. */
        JsonNode awaitJob(String id, Predicate<JsonNode> until, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            JsonNode last = null;
            while (System.nanoTime() < deadline) {
                last = json("/job/" + id);
                if (until.test(last)) {
                    return last;
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            fail("job " + id + " did not reach the expected state in " + timeout + "; last: " + last);
            return null;
        }

        JsonNode awaitStatus(String id, String status) {
            return awaitJob(id, j -> {
                if (!status.equals("failed") && "failed".equals(j.get("status").asText())) {
                    fail("job " + id + " failed: " + j);
                }
                return status.equals(j.get("status").asText());
            }, Duration.ofSeconds(180));
        }

        void awaitModel() {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                JsonNode s = json("/status");
                if (s.get("models_ready").asBoolean()) {
                    return;
                }
                assertFalse(s.has("model_error"), () -> "model failed to load: " + s.get("model_error"));
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            fail("model not ready after 60 s");
        }
    }

    static JsonNode parse(HttpResponse<String> r) {
        try {
            return Json.MAPPER.readTree(r.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + r.body(), e);
        }
    }

    /** Asserts an error answer: the status, a JSON body with exactly one "error" text, no stack trace. */
    static JsonNode assertError(HttpResponse<String> r, int status) {
        assertEquals(status, r.statusCode(), () -> "expected " + status + ", got " + r.statusCode() + ": " + r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), "error is JSON");
        JsonNode n = parse(r);
        Iterator<String> names = n.fieldNames();
        assertTrue(names.hasNext() && names.next().equals("error") && !names.hasNext(), () -> "only 'error': " + r.body());
        String message = n.get("error").asText();
        assertFalse(message.isBlank());
        assertFalse(message.contains("\n") || message.contains("\tat ") || message.contains("Exception"),
                () -> "one line, no stack trace: " + message);
        return n;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
