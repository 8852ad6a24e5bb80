package dev.demucs.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** 200 concurrent status polls while a job separates: all answered, bounded threads, job completes. */
class ConcurrentPollsTest {

    @Test
    void twoHundredConcurrentPolls(@TempDir Path dir) throws Exception {
        Path wav = dir.resolve("in.wav");
        TestSupport.writeWav(wav, 40);
        try (TestSupport.InputServer inputs = new TestSupport.InputServer();
             DemucsServer server = DemucsServer.create(TestSupport.config(dir.resolve("data")).httpThreads(4).build()).start()) {
            inputs.put("in.wav", wav);
            TestSupport.Client c = new TestSupport.Client(server);
            c.awaitModel();
            String id = c.submit(inputs.url("/files/in.wav"), null);
            c.awaitJob(id, j -> "demucs".equals(j.get("state").asText()), Duration.ofSeconds(120));

            long t0 = System.nanoTime();
            List<CompletableFuture<HttpResponse<String>>> polls = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                String path = i % 4 == 3 ? "/status" : "/job/" + id;
                polls.add(c.http.sendAsync(c.request(path).GET().build(), HttpResponse.BodyHandlers.ofString()));
            }
            int answered = 0;
            int sawRunning = 0;
            for (CompletableFuture<HttpResponse<String>> f : polls) {
                HttpResponse<String> r = f.get();
                assertEquals(200, r.statusCode(), r.body());
                JsonNode n = TestSupport.parse(r);
                assertTrue(n.has("job_id") || n.has("models_ready"));
                if (n.has("job_id") && "running".equals(n.get("status").asText())) {
                    sawRunning++;
                }
                answered++;
            }
            assertEquals(200, answered);
            System.out.printf("ConcurrentPollsTest: 200 concurrent polls answered in %.0f ms while the job ran%n", (System.nanoTime() - t0) / 1e6);
            assertTrue(sawRunning > 0, "the polls overlapped the running job");
            long httpThreads = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().matches("demucs-http-\\d+")).count();
            assertTrue(httpThreads <= 4, "request threads stay bounded: " + httpThreads);
            JsonNode done = c.awaitStatus(id, "completed");
            assertEquals("completed", done.get("state").asText());
        }
    }
}
