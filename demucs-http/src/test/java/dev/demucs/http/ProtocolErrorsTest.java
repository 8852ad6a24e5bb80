package dev.demucs.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whatever a client sends, the answer is JSON, never the server library's HTML page: malformed
 * requests written on a raw socket, oversized headers, unknown paths and methods; HEAD works on
 * every GET route; 503 during shutdown carries Retry-After; the web files have types and caching.
 */
class ProtocolErrorsTest {

    /** A raw HTTP exchange: the status code, the header block (lower case) and the body. */
    record Raw(int status, String headers, String body) {
    }

    static Raw raw(int port, String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(30_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            InputStream in = s.getInputStream();
            try {
                in.transferTo(out);
            } catch (IOException reset) {
                // the server may reset after answering a request it refuses
            }
            String text = out.toString(StandardCharsets.ISO_8859_1);
            int end = text.indexOf("\r\n\r\n");
            assertTrue(end > 0, () -> "no answer to " + request.lines().findFirst().orElse("") + ": " + text);
            return new Raw(Integer.parseInt(text.substring(9, 12)), text.substring(0, end).toLowerCase(Locale.ROOT), text.substring(end + 4));
        }
    }

    static void assertJsonError(Raw r, int status, String what) throws IOException {
        assertEquals(status, r.status(), () -> what + ": " + r.headers() + "\n" + r.body());
        assertTrue(r.headers().contains("content-type: application/json"), () -> what + ": " + r.headers());
        JsonNode n = Json.MAPPER.readTree(r.body());
        assertEquals(1, n.size(), () -> what + ": " + r.body());
        assertTrue(n.get("error").isTextual() && !n.get("error").asText().contains("<"), () -> what + ": " + r.body());
    }

    @Test
    void malformedRequestsGetJsonErrors(@TempDir Path dir) throws Exception {
        try (DemucsServer server = DemucsServer.create(TestSupport.config(dir).maxJsonBytes(1000).maxHeaderBytes(4096).build()).start()) {
            int port = server.port();
            String close = "Host: 127.0.0.1\r\nConnection: close\r\n";
            assertJsonError(raw(port, "POST /job HTTP/1.1\r\n" + close + "Content-Type: application/json\r\nContent-Length: abc\r\n\r\n{}"), 400, "bad Content-Length");
            assertJsonError(raw(port, "POST /job HTTP/1.1\r\n" + close + "Content-Type: application/json\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n{}"), 400, "two Content-Lengths");
            assertJsonError(raw(port, "GET /jobs?limit=%zz HTTP/1.1\r\n" + close + "\r\n"), 400, "%zz in the query");
            assertJsonError(raw(port, "GET /job/%zz HTTP/1.1\r\n" + close + "\r\n"), 400, "%zz in the path");
            assertJsonError(raw(port, "GET /no/such/path HTTP/1.1\r\n" + close + "\r\n"), 404, "unknown path");
            assertJsonError(raw(port, "PATCH /jobs HTTP/1.1\r\n" + close + "\r\n"), 405, "unknown method on a route");
            assertJsonError(raw(port, "BREW /health HTTP/1.1\r\n" + close + "\r\n"), 405, "an invented method");
            assertJsonError(raw(port, "POST /job HTTP/1.1\r\n" + close + "Content-Type: application/json\r\nContent-Length: 5000\r\n\r\n"
                    + "{".repeat(5000)), 413, "JSON over the limit");
            assertJsonError(raw(port, "GET /health HTTP/1.1\r\n" + close + "X-Big: " + "a".repeat(8000) + "\r\n\r\n"), 431, "headers over the limit");
            assertJsonError(raw(port, "GARBAGE\r\n\r\n"), 400, "not HTTP");
            assertJsonError(raw(port, "GET /health HTTP/9.9\r\n" + close + "\r\n"), 505, "unknown HTTP version");
        }
    }

    @Test
    void headOnEveryGetRoute(@TempDir Path dir) throws Exception {
        try (DemucsServer server = DemucsServer.create(TestSupport.config(dir).build()).start()) {
            TestSupport.Client c = new TestSupport.Client(server);
            String id = c.submit("http://127.0.0.1:9/a.wav", null);
            for (String path : new String[] {"/health", "/status", "/openapi.json", "/jobs", "/job/" + id, "/job/" + id + "/logs"}) {
                HttpResponse<String> head = c.send(c.request(path).method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
                assertEquals(200, head.statusCode(), path);
                assertEquals("", head.body(), path);
                assertTrue(head.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), path);
                assertTrue(head.headers().firstValueAsLong("Content-Length").orElse(0) > 0, path);
            }
            HttpResponse<String> missing = c.send(c.request("/job/nope").method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
            assertEquals(404, missing.statusCode());
        }
    }

    @Test
    void shutdownAnswers503WithRetryAfterWhileStatusStillWorks(@TempDir Path dir) throws Exception {
        Path wav = dir.resolve("in.wav");
        TestSupport.writeWav(wav, 1);
        try (TestSupport.InputServer inputs = new TestSupport.InputServer()) {
            inputs.put("in.wav", wav);
            DemucsServer server = DemucsServer.create(TestSupport.config(dir.resolve("data"))
                    .shutdownGrace(Duration.ofSeconds(120)).build()).start();
            TestSupport.Client c = new TestSupport.Client(server);
            c.awaitModel();
            String running = c.submit(inputs.url("/stall/in.wav"), null);
            c.awaitStatus(running, "running");
            Thread closer = new Thread(server::close, "closer");
            closer.start();
            HttpResponse<String> refused = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline) {
                refused = c.postJson("/job", "{\"input_url\":\"" + inputs.url("/files/in.wav") + "\"}");
                if (refused.statusCode() != 201) {
                    break;
                }
            }
            TestSupport.assertError(refused, 503);
            assertTrue(Integer.parseInt(refused.headers().firstValue("Retry-After").orElse("0")) > 0);
            assertEquals("running", c.json("/job/" + running).get("status").asText(), "status is answered during the grace");
            inputs.release();
            closer.join(120_000);
        }
    }

    @Test
    void webFilesHaveTypesCachingAndEtags(@TempDir Path dir) throws Exception {
        try (DemucsServer server = DemucsServer.create(TestSupport.config(dir).build()).start()) {
            TestSupport.Client c = new TestSupport.Client(server);
            HttpResponse<String> css = c.get("/web/test-fixture.css");
            assertEquals(200, css.statusCode());
            assertEquals("text/css; charset=utf-8", css.headers().firstValue("Content-Type").orElse(""));
            assertTrue(css.body().contains("#123456"));
            assertTrue(css.headers().firstValue("Cache-Control").orElse("").contains("max-age"));
            String etag = css.headers().firstValue("ETag").orElseThrow();
            assertEquals(304, c.send(c.request("/web/test-fixture.css").header("If-None-Match", etag).GET().build()).statusCode());
            TestSupport.assertError(c.get("/web/..%2Fopenapi.json"), 404);
            TestSupport.assertError(c.get("/web/missing.js"), 404);
            HttpResponse<String> index = c.get("/");
            if (StaticFiles.class.getResource("web/index.html") != null) {
                assertEquals(200, index.statusCode());
                assertEquals("text/html; charset=utf-8", index.headers().firstValue("Content-Type").orElse(""));
                assertEquals("no-cache", index.headers().firstValue("Cache-Control").orElse(""));
            } else {
                TestSupport.assertError(index, 404);
            }
        }
    }
}
