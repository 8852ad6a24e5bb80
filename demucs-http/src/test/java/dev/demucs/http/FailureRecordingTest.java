package dev.demucs.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.demucs.job.JobListener;
import dev.demucs.job.queue.FileJobQueue;
import dev.demucs.job.ProgressSnapshot;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every failure is recorded and every failed job gives its disk back: a store that cannot write
 * mid-job, a job past the wall-time cap, an unreadable job.json at start-up, a full disk.
 */
class FailureRecordingTest {

    @Test
    void storeWriteFailureMidJobShowsFailedAndIsWrittenLater(@TempDir Path dir) throws Exception {
        Path wav = dir.resolve("in.wav");
        TestSupport.writeWav(wav, 3);
        Path data = dir.resolve("data");
        AtomicBoolean failWrites = new AtomicBoolean();
        AtomicBoolean armed = new AtomicBoolean(true);
        JobListener armWhenSeparating = new JobListener() {
            @Override
            public void onProgress(ProgressSnapshot p) {
                if (p.state() == ProgressSnapshot.State.DEMUCS && armed.compareAndSet(true, false)) {
                    failWrites.set(true); // the first job's disk fails while it separates
                }
            }
        };
        Seams seams = Seams.NONE.withJobHook(armWhenSeparating).withQueue(f -> new FileJobQueue(f) {
            @Override
            protected void persist(Path jobDir, byte[] json) throws IOException {
                if (failWrites.get()) {
                    throw new IOException("No space left on device (injected)");
                }
                super.persist(jobDir, json);
            }
        });
        try (TestSupport.InputServer inputs = new TestSupport.InputServer();
             DemucsServer server = DemucsServer.create(TestSupport.config(data).build(), seams).start()) {
            inputs.put("in.wav", wav);
            TestSupport.Client c = new TestSupport.Client(server);
            c.awaitModel();
            String id = c.submit(inputs.url("/files/in.wav"), null);
            JsonNode failed = c.awaitStatus(id, "failed");
            assertTrue(failed.get("error").asText().contains("No space left on device"), failed.toString());
            assertEquals("running", Json.MAPPER.readTree(data.resolve("jobs").resolve(id).resolve("job.json").toFile())
                    .get("status").asText(), "the disk still holds the last record that could be written");
            assertFalse(Files.exists(data.resolve("jobs").resolve(id).resolve("input")), "a failed job drops its input");
            assertFalse(Files.exists(data.resolve("jobs").resolve(id).resolve("instrumental.mp3")), "and its partial outputs");

            // the disk recovers: the next job's first record write also writes the failed record again
            failWrites.set(false);
            String next = c.submit(inputs.url("/files/in.wav"), null);
            c.awaitStatus(next, "completed");
            JsonNode onDisk = Json.MAPPER.readTree(data.resolve("jobs").resolve(id).resolve("job.json").toFile());
            assertEquals("failed", onDisk.get("status").asText(), onDisk.toString());
        }
    }

    @Test
    void jobPastTheWallTimeCapFailsAndTheWorkerMovesOn(@TempDir Path dir) throws Exception {
        Path wav = dir.resolve("in.wav");
        TestSupport.writeWav(wav, 1); // separates in a few seconds, well inside the cap
        try (TestSupport.InputServer inputs = new TestSupport.InputServer();
             DemucsServer server = DemucsServer.create(TestSupport.config(dir.resolve("data")).workers(1)
                     .maxJobTime(Duration.ofSeconds(15)).build()).start()) {
            inputs.put("in.wav", wav);
            TestSupport.Client c = new TestSupport.Client(server);
            c.awaitModel();
            String stuck = c.submit(inputs.url("/stall/in.wav"), null); // the download never finishes
            String next = c.submit(inputs.url("/files/in.wav"), null);
            JsonNode failed = c.awaitStatus(stuck, "failed");
            assertTrue(failed.get("error").asText().contains("max job time"), failed.toString());
            assertEquals(failed.get("error").asText(), failed.get("details").get("error").asText(), "progress.txt says why");
            assertEquals("completed", c.awaitStatus(next, "completed").get("status").asText(), "the worker took the next job");
            assertFalse(Files.exists(dir.resolve("data").resolve("jobs").resolve(stuck).resolve("input")));
        }
    }

    @Test
    void truncatedRecordIsListedFailedDeletableAndItsIdReusable(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        Path job = Files.createDirectories(data.resolve("jobs").resolve("cut-short"));
        Files.writeString(job.resolve("job.json"), "{\"id\": \"cut-short\", \"status\": \"comp");
        Files.writeString(job.resolve("job.log"), "old log\n");
        try (DemucsServer server = DemucsServer.create(TestSupport.config(data).build()).start()) {
            TestSupport.Client c = new TestSupport.Client(server);
            JsonNode j = c.json("/job/cut-short");
            assertEquals("failed", j.get("status").asText());
            assertTrue(j.get("error").asText().startsWith("record unreadable"), j.toString());
            assertEquals("cut-short", c.json("/jobs?status=failed").get("jobs").get(0).get("job_id").asText());
            JsonNode deleted = TestSupport.parse(c.send(c.request("/job/cut-short").DELETE().build()));
            assertEquals("deleted", deleted.get("status").asText(), deleted.toString());
            assertFalse(deleted.has("not_removed"), deleted.toString());
            assertFalse(Files.exists(job));
            TestSupport.assertError(c.get("/job/cut-short"), 404);
            assertEquals("cut-short", c.submit("http://127.0.0.1:9/a.wav", "\"job_id\":\"cut-short\""), "the id is free again");
        }
    }

    @Test
    void shortDiskIs507(@TempDir Path dir) {
        try (DemucsServer server = DemucsServer.create(TestSupport.config(dir).minFreeBytes(Long.MAX_VALUE / 4).build()).start()) {
            TestSupport.Client c = new TestSupport.Client(server);
            HttpResponse<String> r = c.postJson("/job", "{\"input_url\":\"http://127.0.0.1:9/a.wav\"}");
            JsonNode e = TestSupport.assertError(r, 507);
            assertTrue(e.get("error").asText().contains("disk space"), e.toString());
            TestSupport.assertError(c.send(c.request("/job").header("Content-Type", "audio/wav")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(new byte[100])).build()), 507);
            assertEquals(0, c.json("/jobs").get("total").asInt());
        }
    }
}
