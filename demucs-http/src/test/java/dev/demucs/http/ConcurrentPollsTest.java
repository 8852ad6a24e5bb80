package dev.demucs.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.demucs.job.JobListener;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 200 concurrent status polls while a job is in inference (held there by a latch, so every poll
 * overlaps it): all answered, request threads bounded, the job completes afterwards. Prints the
 * latency percentiles and thread and descriptor counts for the closing note; asserts no timing.
 */
class ConcurrentPollsTest {
    private static final int HTTP_THREADS = 4;

    @Test
    void twoHundredConcurrentPolls(@TempDir Path dir) throws Exception {
        Path wav = dir.resolve("in.wav");
        TestSupport.writeWav(wav, 10);
        CountDownLatch inInference = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        JobListener hold = TestSupport.holdAtFirstProgress(inInference, release);
        try (TestSupport.InputServer inputs = new TestSupport.InputServer();
             DemucsServer server = DemucsServer.create(TestSupport.config(dir.resolve("data")).httpThreads(HTTP_THREADS).build(),
                     Seams.NONE.withJobHook(hold)).start()) {
            inputs.put("in.wav", wav);
            TestSupport.Client c = new TestSupport.Client(server);
            c.awaitModel();
            String id = c.submit(inputs.url("/files/in.wav"), null);
            assertTrue(inInference.await(120, TimeUnit.SECONDS), "the job reached inference");
            long fdsBefore = SlowClientsTest.openFds();

            long[] sequential = new long[50];
            for (int i = 0; i < sequential.length; i++) {
                long sent = System.nanoTime();
                assertEquals(200, c.get("/job/" + id).statusCode());
                sequential[i] = System.nanoTime() - sent;
            }
            Arrays.sort(sequential);
            for (int round = 1; round <= 2; round++) {
                long t0 = System.nanoTime();
                List<CompletableFuture<Long>> polls = new ArrayList<>();
                List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    String path = i % 4 == 3 ? "/status" : "/job/" + id;
                    long sent = System.nanoTime();
                    CompletableFuture<HttpResponse<String>> f = c.http.sendAsync(c.request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
                    answers.add(f);
                    polls.add(f.thenApply(r -> System.nanoTime() - sent));
                }
                int sawRunning = 0;
                for (CompletableFuture<HttpResponse<String>> f : answers) {
                    HttpResponse<String> r = f.get(120, TimeUnit.SECONDS);
                    assertEquals(200, r.statusCode(), r.body());
                    JsonNode n = TestSupport.parse(r);
                    assertTrue(n.has("job_id") || n.has("models_ready"));
                    if (n.has("job_id") && "running".equals(n.get("status").asText())) {
                        sawRunning++;
                    }
                }
                double wallMs = (System.nanoTime() - t0) / 1e6;
                long[] nanos = polls.stream().mapToLong(CompletableFuture::join).sorted().toArray();
                long requestThreads = Thread.getAllStackTraces().keySet().stream()
                        .filter(t -> t.getName().matches("demucs-http-\\d+")).count();
                System.out.printf("ConcurrentPollsTest: round %d, 200 concurrent polls during inference: p50 %.1f ms, p99 %.1f ms,"
                                + " max %.1f ms, all in %.0f ms (baseline: one client polling alone p50 %.1f ms); server pool threads"
                                + " %d (cap %d + %d), JVM threads %d, fds %d → %d%n",
                        round, nanos[99] / 1e6, nanos[197] / 1e6, nanos[199] / 1e6, wallMs, sequential[24] / 1e6, requestThreads,
                        HTTP_THREADS, DemucsServer.JETTY_OWN_THREADS, Thread.activeCount(), fdsBefore, SlowClientsTest.openFds());
                assertEquals(150, sawRunning, "every job poll saw the job running");
                assertTrue(requestThreads <= HTTP_THREADS + DemucsServer.JETTY_OWN_THREADS, "request threads stay bounded: " + requestThreads);
            }
            release.countDown();
            JsonNode done = c.awaitStatus(id, "completed");
            assertEquals("completed", done.get("state").asText());
        }
    }
}
