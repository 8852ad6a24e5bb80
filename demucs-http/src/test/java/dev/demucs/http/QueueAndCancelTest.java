package dev.demucs.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import dev.demucs.job.JobListener;
import dev.demucs.job.ProgressSnapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The FIFO queue with one worker: a full queue answers 429 with Retry-After, results of an
 * unfinished job answer 409, a duplicate job_id 409, and DELETE cancels pending, running
 * (downloading or separating) and finished jobs and removes their files.
 */
class QueueAndCancelTest {

    @Test
    void queueLimitsConflictsAndCancellation(@TempDir Path dir) throws Exception {
        Path wav = dir.resolve("in.wav");
        TestSupport.writeWav(wav, 3);
        Path data = dir.resolve("data");
        try (TestSupport.InputServer inputs = new TestSupport.InputServer();
             DemucsServer server = DemucsServer.create(TestSupport.config(data).workers(1).queueCapacity(1).build()).start()) {
            inputs.put("in.wav", wav);
            TestSupport.Client c = new TestSupport.Client(server);
            c.awaitModel();

            // A: running, its download stalled
            String a = c.submit(inputs.url("/stall/in.wav"), null);
            c.awaitJob(a, j -> "downloading".equals(j.path("phase").asText()), Duration.ofSeconds(60));
            TestSupport.assertError(c.get("/result/" + a), 409);
            TestSupport.assertError(c.get("/result/" + a + "/instrumental.mp3"), 409);

            // B: pending, then deleted while pending
            String b = c.submit(inputs.url("/files/in.wav"), null);
            JsonNode bj = c.json("/job/" + b);
            assertEquals("pending", bj.get("status").asText());
            assertEquals(0, bj.get("queue_position").asInt());
            assertEquals("idle", bj.get("state").asText(), "a pending job shows progress.txt's idle state");
            JsonNode deleted = TestSupport.parse(c.send(c.request("/job/" + b).DELETE().build()));
            assertEquals("deleted", deleted.get("status").asText());
            assertEquals("pending", deleted.get("previous_status").asText());
            TestSupport.assertError(c.get("/job/" + b), 404);
            assertFalse(Files.exists(data.resolve("jobs").resolve(b)));

            // B2 with a chosen id; the same id again is a conflict; the queue (capacity 1) is now full
            String b2 = c.submit(inputs.url("/files/in.wav"), "\"job_id\":\"my-job_2\"");
            assertEquals("my-job_2", b2);
            TestSupport.assertError(c.postJson("/job", "{\"input_url\":\"" + inputs.url("/files/in.wav") + "\",\"job_id\":\"my-job_2\"}"), 409);
            HttpResponse<String> full = c.postJson("/job", "{\"input_url\":\"" + inputs.url("/files/in.wav") + "\"}");
            TestSupport.assertError(full, 429);
            assertTrue(Integer.parseInt(full.headers().firstValue("Retry-After").orElse("0")) > 0, "Retry-After");
            JsonNode status = c.json("/status");
            assertEquals(1, status.get("active_jobs").asInt());
            assertEquals(1, status.get("queued_jobs").asInt());

            // cancel A while it downloads: answered, gone, and the worker moves on to B2
            long t0 = System.nanoTime();
            JsonNode da = TestSupport.parse(c.send(c.request("/job/" + a).DELETE().build()));
            assertEquals("running", da.get("previous_status").asText());
            assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(10).toNanos(), "cancel is prompt");
            TestSupport.assertError(c.get("/job/" + a), 404);
            assertFalse(Files.exists(data.resolve("jobs").resolve(a)), "cancelled job's files removed");
            JsonNode done = c.awaitStatus(b2, "completed");
            assertEquals("completed", done.get("state").asText());

            // 416 for a range outside the file
            long size = c.sendBytes(c.request("/result/" + b2).GET().build()).body().length;
            HttpResponse<String> r416 = c.send(c.request("/result/" + b2).header("Range", "bytes=" + size + "-").GET().build());
            TestSupport.assertError(r416, 416);
            assertEquals("bytes */" + size, r416.headers().firstValue("Content-Range").orElse(""));

            // delete a finished job: files removed
            assertEquals("completed", TestSupport.parse(c.send(c.request("/job/" + b2).DELETE().build())).get("previous_status").asText());
            assertFalse(Files.exists(data.resolve("jobs").resolve(b2)));
            TestSupport.assertError(c.get("/result/" + b2), 404);
            assertEquals(0, c.json("/jobs").get("total").asInt());
        }
    }

    @Test
    void cancelDuringSeparation(@TempDir Path dir) throws Exception {
        Path wav = dir.resolve("long.wav");
        TestSupport.writeWav(wav, 60);
        Path shortWav = dir.resolve("short.wav");
        TestSupport.writeWav(shortWav, 2);
        Path data = dir.resolve("data");
        // the first job is held in inference until the DELETE has been taken; nothing may report it finished
        CountDownLatch inInference = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean secondSubmitted = new AtomicBoolean();
        AtomicBoolean firstFinished = new AtomicBoolean();
        JobListener hold = TestSupport.holdAtFirstProgress(inInference, release);
        JobListener gate = new JobListener() {
            @Override
            public void onProgress(ProgressSnapshot p) {
                if (p.state() == ProgressSnapshot.State.COMPLETED && !secondSubmitted.get()) {
                    firstFinished.set(true);
                }
                hold.onProgress(p);
            }
        };
        try (TestSupport.InputServer inputs = new TestSupport.InputServer();
             DemucsServer server = DemucsServer.create(TestSupport.config(data).build(), Seams.NONE.withJobHook(gate)).start()) {
            inputs.put("long.wav", wav);
            inputs.put("short.wav", shortWav);
            TestSupport.Client c = new TestSupport.Client(server);
            c.awaitModel();
            String id = c.submit(inputs.url("/files/long.wav"), null);
            assertTrue(inInference.await(120, TimeUnit.SECONDS), "the job reached inference");
            JsonNode during = c.json("/job/" + id);
            assertEquals("running", during.get("status").asText());
            assertEquals("demucs", during.get("state").asText());
            long t0 = System.nanoTime();
            CompletableFuture<HttpResponse<String>> delete = c.http.sendAsync(c.request("/job/" + id).DELETE().build(),
                    HttpResponse.BodyHandlers.ofString());
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (c.get("/job/" + id).statusCode() != 404 && System.nanoTime() < deadline) {
                Thread.onSpinWait(); // DELETE forgets the job, then cancels it
            }
            release.countDown();
            HttpResponse<String> r = delete.get(60, TimeUnit.SECONDS);
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("running", TestSupport.parse(r).get("previous_status").asText(), "cancelled while it ran");
            double seconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf("QueueAndCancelTest: DELETE of a job in inference answered in %.2f s%n", seconds);
            assertFalse(firstFinished.get(), "the job was cancelled, not finished");
            TestSupport.assertError(c.get("/job/" + id), 404);
            assertFalse(Files.exists(data.resolve("jobs").resolve(id)));
            // the worker is free again
            secondSubmitted.set(true);
            String next = c.submit(inputs.url("/files/short.wav"), null);
            c.awaitStatus(next, "completed");
            long deadline2 = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (c.json("/status").get("active_jobs").asInt() != 0 && System.nanoTime() < deadline2) {
                Thread.onSpinWait(); // the worker lets go of the job just after recording it completed
            }
            assertEquals(0, c.json("/status").get("active_jobs").asInt());
        }
    }

    static HttpRequest.BodyPublisher none() {
        return HttpRequest.BodyPublishers.noBody();
    }
}
