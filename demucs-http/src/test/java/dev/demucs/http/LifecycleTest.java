package dev.demucs.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.demucs.core.model.ModelBag;
import dev.demucs.job.JobListener;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Start, shutdown with a grace period, idempotent close, port clash, a model that cannot load. */
class LifecycleTest {

    @Test
    void closeLetsTheRunningJobFinishWithinTheGrace(@TempDir Path dir) throws Exception {
        Path wav = dir.resolve("in.wav");
        TestSupport.writeWav(wav, 4);
        Path data = dir.resolve("data");
        String id;
        // the job is held at its first progress until close() is under way: however fast the machine, close()
        // finds it running (polling for "running" could miss a job that finishes between two polls)
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        JobListener hold = TestSupport.holdAtFirstProgress(started, release);
        try (TestSupport.InputServer inputs = new TestSupport.InputServer()) {
            inputs.put("in.wav", wav);
            DemucsServer server = DemucsServer.create(TestSupport.config(data).shutdownGrace(Duration.ofSeconds(120)).build(),
                    Seams.NONE.withJobHook(hold)).start();
            TestSupport.Client c = new TestSupport.Client(server);
            c.awaitModel();
            id = c.submit(inputs.url("/files/in.wav"), null);
            assertTrue(started.await(120, TimeUnit.SECONDS), "the job started separating");
            assertEquals("running", c.json("/job/" + id).get("status").asText());
            int port = server.port();
            Thread closer = new Thread(server::close, "closer"); // blocks while the job finishes
            closer.start();
            // close() first stops taking jobs (503), then waits for the running one
            HttpResponse<String> closing;
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            do {
                closing = c.postJson("/job", "{\"input_url\":\"" + inputs.url("/files/in.wav") + "\"}");
            } while (closing.statusCode() == 201 && System.nanoTime() < deadline);
            TestSupport.assertError(closing, 503);
            assertTrue(closer.isAlive(), "close() waits for the running job");
            release.countDown();
            closer.join(TimeUnit.MINUTES.toMillis(2));
            assertFalse(closer.isAlive(), "close() returned once the job finished");
            server.close(); // idempotent
            JsonNode job = Json.MAPPER.readTree(data.resolve("jobs").resolve(id).resolve("job.json").toFile());
            assertEquals("completed", job.get("status").asText(), job.toString());
            assertTrue(Files.exists(data.resolve("jobs").resolve(id).resolve("instrumental.mp3")));
            Exception refused = assertThrows(Exception.class, () -> new java.net.Socket("127.0.0.1", port).close());
            assertTrue(refused instanceof ConnectException, refused.toString());
            assertThrows(IllegalStateException.class, server::start);
        }
    }

    @Test
    void portInUseIsAClearError(@TempDir Path dir) {
        try (DemucsServer first = DemucsServer.create(TestSupport.config(dir.resolve("a")).build()).start();
             DemucsServer second = DemucsServer.create(TestSupport.config(dir.resolve("b")).port(first.port()).build())) {
            UncheckedIOException e = assertThrows(UncheckedIOException.class, second::start);
            assertTrue(e.getMessage().contains("cannot listen on 127.0.0.1:" + first.port()), e.getMessage());
        }
    }

    @Test
    void oneServerPerDataDirectory(@TempDir Path dir) {
        try (DemucsServer first = DemucsServer.create(TestSupport.config(dir).build()).start()) {
            DemucsServer second = DemucsServer.create(TestSupport.config(dir).build());
            IllegalStateException e = assertThrows(IllegalStateException.class, second::start);
            assertTrue(e.getMessage().contains("in use by another server"), e.getMessage());
            second.close();
        }
        // released on close
        DemucsServer again = DemucsServer.create(TestSupport.config(dir).build()).start();
        again.close();
    }

    @Test
    void aModelThatCannotLoadIsReportedAndFailsJobs(@TempDir Path dir) throws Exception {
        Path notAModel = Files.writeString(dir.resolve("broken.onnx"), "not an onnx file");
        try (DemucsServer server = DemucsServer.create(TestSupport.config(dir.resolve("data"))
                .modelBag(ModelBag.single(notAModel)).build()).start()) {
            TestSupport.Client c = new TestSupport.Client(server);
            // the load fails in the background (the first ONNX Runtime start in this JVM may be slow)
            JsonNode status = c.json("/status");
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!status.has("model_error") && System.nanoTime() < deadline) {
                Thread.sleep(50); // polling the server's state, not standing in for synchronisation
                status = c.json("/status");
            }
            assertTrue(status.has("model_error"), String.valueOf(status));
            assertFalse(status.get("models_ready").asBoolean());
            String id = c.submit("http://127.0.0.1:9/a.wav", null);
            JsonNode failed = c.awaitStatus(id, "failed");
            assertTrue(failed.get("error").asText().contains("model could not be loaded"), failed.toString());
            assertEquals("error", failed.get("state").asText());
        }
    }
}
