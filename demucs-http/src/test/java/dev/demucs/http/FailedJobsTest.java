package dev.demucs.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Inputs that only fail once a worker runs them (not audio, a cut point past the end, an
 * unreachable URL): the job ends "failed" with a one-line reason that names no server path,
 * progress.txt says error, and the worker goes on with the next job.
 */
class FailedJobsTest {

    @Test
    void failuresAreReportedAndTheQueueGoesOn(@TempDir Path dir) throws Exception {
        Path wav = dir.resolve("in.wav");
        TestSupport.writeWav(wav, 3);
        Path data = dir.resolve("data");
        try (TestSupport.InputServer inputs = new TestSupport.InputServer();
             DemucsServer server = DemucsServer.create(TestSupport.config(data).build()).start()) {
            inputs.put("in.wav", wav);
            TestSupport.Client c = new TestSupport.Client(server);
            c.awaitModel();
            byte[] garbage = new byte[50_000];
            new Random(7).nextBytes(garbage);
            HttpResponse<String> up = c.send(c.request("/job").header("Content-Type", "application/octet-stream")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(garbage)).build());
            assertEquals(201, up.statusCode(), up.body());
            String notAudio = TestSupport.parse(up).get("job_id").asText();
            String pastEnd = c.submit(inputs.url("/files/in.wav"), "\"interval_cut\":\"100\"");
            String missing = c.submit(inputs.url("/files/nope.wav"), null);
            String good = c.submit(inputs.url("/files/in.wav"), null);

            for (String id : new String[] {notAudio, pastEnd, missing}) {
                JsonNode j = c.awaitStatus(id, "failed");
                String error = j.get("error").asText();
                assertFalse(error.isBlank());
                assertFalse(error.contains(data.toString()) || error.contains(dir.toString()), "no server path: " + error);
                assertEquals("error", j.get("state").asText(), j.toString());
                assertFalse(j.has("files"));
                String log = c.json("/job/" + id + "/logs").get("logs").asText();
                assertTrue(log.contains("failed: " + error), "the log says why once the job reads failed: " + log);
                TestSupport.assertError(c.get("/result/" + id), 409);
            }
            assertTrue(c.json("/job/" + pastEnd).get("error").asText().contains("100"), "names the cut point");
            assertTrue(c.json("/job/" + missing).get("error").asText().contains("HTTP 404"));
            c.awaitStatus(good, "completed");
            assertEquals(3, c.json("/status").get("failed_jobs").asInt());
            assertEquals(3, c.json("/jobs?status=failed").get("jobs").size());
        }
    }
}
