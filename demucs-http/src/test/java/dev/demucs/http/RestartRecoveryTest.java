package dev.demucs.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * After a restart on the same data directory every job is still there: finished ones listed and
 * downloadable, pending ones run, one interrupted by the shutdown and one left "running" by a
 * crash both run again; a directory without job.json (a request that never completed) is removed.
 */
class RestartRecoveryTest {

    @Test
    void jobsSurviveARestart(@TempDir Path dir) throws Exception {
        Path wav = dir.resolve("in.wav");
        TestSupport.writeWav(wav, 3);
        Path data = dir.resolve("data");
        String done;
        String interrupted;
        String queued;
        String crashed;
        byte[] doneMp3;
        try (TestSupport.InputServer inputs = new TestSupport.InputServer()) {
            inputs.put("in.wav", wav);
            try (DemucsServer first = DemucsServer.create(TestSupport.config(data).build()).start()) {
                TestSupport.Client c = new TestSupport.Client(first);
                c.awaitModel();
                done = c.submit(inputs.url("/files/in.wav"), null);
                c.awaitStatus(done, "completed");
                doneMp3 = c.sendBytes(c.request("/result/" + done).GET().build()).body();
                interrupted = c.submit(inputs.url("/stall/in.wav"), null);
                c.awaitStatus(interrupted, "running");
                queued = c.submit(inputs.url("/files/in.wav"), "\"interval_cut\":\"1.5\"");
                crashed = c.submit(inputs.url("/files/in.wav"), null);
            } // close(): grace 0 → the running job is recorded as interrupted
            Path jobs = data.resolve("jobs");
            JsonNode interruptedJson = Json.MAPPER.readTree(jobs.resolve(interrupted).resolve("job.json").toFile());
            assertEquals("pending", interruptedJson.get("status").asText());
            assertEquals(1, interruptedJson.get("interruptions").asInt());
            assertEquals("pending", Json.MAPPER.readTree(jobs.resolve(queued).resolve("job.json").toFile()).get("status").asText());
            // simulate a crash while a job ran: its job.json still says running
            Path crashedFile = jobs.resolve(crashed).resolve("job.json");
            ObjectNode crashedJson = (ObjectNode) Json.MAPPER.readTree(crashedFile.toFile());
            crashedJson.put("status", "running").put("attempts", 1);
            Files.writeString(crashedFile, crashedJson.toString());
            // a directory left by an upload that never completed
            Files.createDirectories(jobs.resolve("half-created").resolve("input"));

            inputs.release();
            try (DemucsServer second = DemucsServer.create(TestSupport.config(data).build()).start()) {
                TestSupport.Client c = new TestSupport.Client(second);
                JsonNode list = c.json("/jobs");
                assertEquals(4, list.get("total").asInt(), list.toString());
                assertEquals("completed", c.json("/job/" + done).get("status").asText());
                assertArrayEquals(doneMp3, c.sendBytes(c.request("/result/" + done).GET().build()).body(), "finished job still downloadable");
                JsonNode i = c.awaitStatus(interrupted, "completed");
                assertEquals(2, i.get("attempts").asInt());
                assertTrue(i.get("note").asText().contains("interrupted"), i.toString());
                JsonNode q = c.awaitStatus(queued, "completed");
                assertEquals(2, q.get("details").get("total_segments").asInt(), "options kept across the restart");
                JsonNode cr = c.awaitStatus(crashed, "completed");
                assertEquals(2, cr.get("attempts").asInt());
                assertTrue(cr.get("note").asText().contains("stopped"), cr.toString());
                assertFalse(Files.exists(jobs.resolve("half-created")));
                // newest first
                JsonNode newest = c.json("/jobs").get("jobs");
                assertEquals(crashed, newest.get(0).get("job_id").asText());
                assertEquals(done, newest.get(3).get("job_id").asText());
            }
        }
    }
}
