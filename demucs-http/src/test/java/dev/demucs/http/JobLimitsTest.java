package dev.demucs.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.demucs.job.JobLimits;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The operator's caps ({@link ServerConfig#jobLimits()}) on a real server on loopback. */
class JobLimitsTest {

    private static final JobLimits LIMITS = new JobLimits(2, 0.5, 5, 4, 40);

    @Test
    void capsAreRefusedAtSubmissionNamingTheLimitAndShownInStatus(@TempDir Path dir) {
        try (DemucsServer server = DemucsServer.create(TestSupport.config(dir.resolve("data")).jobLimits(LIMITS).build()).start()) {
            TestSupport.Client c = new TestSupport.Client(server);
            String url = "\"input_url\":\"http://127.0.0.1:9/a.wav\"";
            String[][] cases = {
                {"\"shifts\":3", "shifts (--shifts) must be at most 2 (the limit max_shifts), got 3"},
                {"\"overlap\":0.75", "overlap (--overlap) must be at most 0.5 (the limit max_overlap), got 0.75"},
                {"\"segment_max_seconds\":1", "segment_max_seconds (--segment-max) must be at least 5 s (the limit min_segment_seconds), got 1"},
                {"\"interval_cut\":\"10,12\"", "interval_cut (--interval-cut): segment 1 (10 to 12 s) is shorter than 5 s (the limit min_segment_seconds)"},
                {"\"interval_cut\":\"5,10,15,20,25,30,35,40,45,50,55,60,65,70\"", "(the limit max_files_per_job)"},
            };
            for (String[] k : cases) {
                JsonNode e = TestSupport.assertError(c.postJson("/job", "{" + url + "," + k[0] + "}"), 400);
                assertTrue(e.get("error").asText().contains(k[1]), () -> k[0] + " → " + e);
            }
            // at the cap: accepted
            assertEquals(201, c.postJson("/job", "{" + url + ",\"shifts\":2,\"overlap\":0.5,\"segment_max_seconds\":5}").statusCode());
            // the same refusal for form fields and query parameters
            JsonNode q = TestSupport.assertError(c.send(c.request("/job?shifts=3").header("Content-Type", "audio/wav")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[100])).build()), 400);
            assertTrue(q.get("error").asText().contains("max_shifts"), q::toString);

            JsonNode limits = c.json("/status").get("limits");
            assertEquals(2, limits.get("max_shifts").asInt());
            assertEquals(0.5, limits.get("max_overlap").asDouble());
            assertEquals(5, limits.get("min_segment_seconds").asDouble());
            assertEquals(4, limits.get("max_input_seconds").asDouble());
            assertEquals(40, limits.get("max_files_per_job").asLong());
            TreeSet<String> documented = new TreeSet<>();
            JobViews.openApiDocument().at("/components/schemas/JobLimits/properties").fieldNames().forEachRemaining(documented::add);
            TreeSet<String> served = new TreeSet<>();
            for (Iterator<String> it = limits.fieldNames(); it.hasNext(); ) {
                served.add(it.next());
            }
            assertEquals(documented, served, "GET /status limits as documented");
        }
    }

    @Test
    void noCapIsShownAsNull(@TempDir Path dir) {
        try (DemucsServer server = DemucsServer.create(TestSupport.config(dir).jobLimits(JobLimits.NONE).build()).start()) {
            JsonNode limits = new TestSupport.Client(server).json("/status").get("limits");
            assertTrue(limits.get("max_input_seconds").isNull() && limits.get("max_files_per_job").isNull(), limits::toString);
        }
    }

    @Test
    void durationCapsFailAnUploadAtSubmissionAndAUrlJobAtItsStart(@TempDir Path dir) throws Exception {
        Path wav = dir.resolve("long.wav");
        TestSupport.writeWav(wav, 6); // longer than max_input_seconds = 4
        Path data = dir.resolve("data");
        try (TestSupport.InputServer inputs = new TestSupport.InputServer();
             DemucsServer server = DemucsServer.create(TestSupport.config(data).jobLimits(LIMITS).build()).start()) {
            inputs.put("long.wav", wav);
            TestSupport.Client c = new TestSupport.Client(server);
            c.awaitModel();
            JsonNode up = TestSupport.assertError(c.send(c.request("/job").header("Content-Type", "audio/wav")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(Files.readAllBytes(wav))).build()), 400);
            assertTrue(up.get("error").asText().contains("max_input_seconds"), up::toString);
            assertEquals(0, c.json("/jobs").get("total").asInt(), "nothing accepted");

            String id = c.submit(inputs.url("/files/long.wav"), null);
            JsonNode failed = c.awaitStatus(id, "failed");
            assertTrue(failed.get("error").asText().contains("6.0 s long, longer than 4 s (the limit max_input_seconds)"),
                    failed::toString);
            assertEquals("error", failed.get("state").asText());
        }
    }
}
