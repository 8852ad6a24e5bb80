package dev.demucs.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every error status the API uses, each with a one-line JSON error. */
class ErrorsTest {

    @Test
    void badRequestsAre400(@TempDir Path dir) {
        try (DemucsServer server = DemucsServer.create(TestSupport.config(dir).build()).start()) {
            TestSupport.Client c = new TestSupport.Client(server);
            String url = "\"input_url\":\"http://127.0.0.1:9/a.wav\"";
            String[][] cases = {
                    {"{", "malformed JSON"},
                    {"[1,2]", "JSON object"},
                    {"{} {}", "malformed JSON"},
                    {"{\"interval_cut\":\"300\"}", "input_url is required"},
                    {"{" + url + ",\"colour\":\"red\"}", "unknown field 'colour'"},
                    {"{" + url + ",\"all_stems\":\"maybe\"}", "all_stems (--all-stems) must be a boolean"},
                    {"{" + url + ",\"all_stems\":[true]}", "all_stems must be a boolean"},
                    {"{\"input_url\":42}", "input_url must be a string"},
                    {"{" + url + ",\"interval_cut\":{\"a\":1}}", "interval_cut must be"},
                    {"{" + url + ",\"interval_cut\":\"300,abc\"}", "'abc' is not a number"},
                    {"{" + url + ",\"interval_cut\":\"600,300\"}", "strictly increasing"},
                    {"{" + url + ",\"interval_cut\":\"-5\"}", "negative"},
                    {"{" + url + ",\"interval_cut\":[300,\"x\"]}", "interval_cut must be"},
                    {"{" + url + ",\"job_id\":\"../../etc\"}", "job_id must be"},
                    {"{" + url + ",\"mp3_bitrate\":1000}", "mp3_bitrate"},
                    {"{" + url + ",\"clip_mode\":\"loud\"}", "clip_mode"},
                    {"{" + url + ",\"overlap\":1.5}", "overlap"},
                    {"{" + url + ",\"shifts\":1.5}", "shifts"},
                    {"{" + url + ",\"segment_max_seconds\":-1}", "segment_max_seconds"},
                    {"{\"input_url\":\"ftp://example.com/a.mp3\"}", "only http and https"},
                    {"{\"input_url\":\"file:///etc/passwd\"}", "only http and https"},
            };
            for (String[] k : cases) {
                JsonNode e = TestSupport.assertError(c.postJson("/job", k[0]), 400);
                assertTrue(e.get("error").asText().contains(k[1]), () -> k[0] + " → " + e);
            }
            TestSupport.assertError(c.get("/jobs?limit=abc"), 400);
            TestSupport.assertError(c.get("/jobs?limit=0"), 400);
            assertEquals(0, c.json("/jobs").get("total").asInt(), "no job was created by a bad request");
        }
    }

    @Test
    void statusesOtherThan400(@TempDir Path dir) throws Exception {
        try (DemucsServer server = DemucsServer.create(TestSupport.config(dir).maxJsonBytes(1000).maxInputBytes(2000).build()).start()) {
            TestSupport.Client c = new TestSupport.Client(server);
            // 404: unknown route, unknown job, ids that try to leave the data dir
            TestSupport.assertError(c.get("/nope"), 404);
            TestSupport.assertError(c.get("/job/0123456789abcdef0123456789abcdef"), 404);
            TestSupport.assertError(c.get("/job/..%2F..%2Fetc%2Fpasswd"), 404);
            TestSupport.assertError(c.get("/result/..%2Fjobs"), 404);
            TestSupport.assertError(c.get("/job/%2e%2e"), 404);
            TestSupport.assertError(c.send(c.request("/job/nope").DELETE().build()), 404);
            // 405 with Allow
            HttpResponse<String> r = c.send(c.request("/job").PUT(HttpRequest.BodyPublishers.ofString("{}")).build());
            TestSupport.assertError(r, 405);
            assertEquals("POST", r.headers().firstValue("Allow").orElse(""));
            r = c.send(c.request("/job/abc").POST(HttpRequest.BodyPublishers.noBody()).build());
            TestSupport.assertError(r, 405);
            assertEquals("DELETE, GET, HEAD", r.headers().firstValue("Allow").orElse(""));
            TestSupport.assertError(c.send(c.request("/health").DELETE().build()), 405);
            // 415
            TestSupport.assertError(c.send(c.request("/job").header("Content-Type", "text/plain")
                    .POST(HttpRequest.BodyPublishers.ofString("hello")).build()), 415);
            TestSupport.assertError(c.send(c.request("/job").POST(HttpRequest.BodyPublishers.ofString("{}")).build()), 415);
            // 413: JSON and uploads over the limits (declared length and streamed length)
            String big = "{\"input_url\":\"http://127.0.0.1/" + "a".repeat(2000) + "\"}";
            TestSupport.assertError(c.postJson("/job", big), 413);
            TestSupport.assertError(c.send(c.request("/job").header("Content-Type", "audio/wav")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[3000])).build()), 413);
            TestSupport.assertError(c.send(c.request("/job").header("Content-Type", "application/octet-stream")
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(new byte[3000]))).build()), 413);
            // 400 for an empty upload; nothing left behind by refused uploads
            TestSupport.assertError(c.send(c.request("/job").header("Content-Type", "audio/wav")
                    .POST(HttpRequest.BodyPublishers.noBody()).build()), 400);
            assertEquals(0, c.json("/jobs").get("total").asInt());
            try (var s = Files.list(dir.resolve("jobs"))) {
                assertEquals(0, s.count(), "no job directory left by refused requests");
            }
        }
    }
}
