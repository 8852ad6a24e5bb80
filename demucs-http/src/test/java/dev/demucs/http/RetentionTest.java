package dev.demucs.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finished jobs beyond the age or count limit are deleted; unfinished ones never. */
class RetentionTest {

    private static void job(Path jobs, String id, String status, Instant finished) throws Exception {
        Path d = Files.createDirectories(jobs.resolve(id));
        String json = "{\"id\":\"" + id + "\",\"status\":\"" + status + "\",\"created_at\":\"" + finished.minusSeconds(60)
                + "\",\"completed_at\":" + (finished == null ? "null" : "\"" + finished + "\"")
                + ",\"request\":{\"input_url\":\"http://example.com/a.mp3\"},\"attempts\":1,\"interruptions\":0}";
        Files.writeString(d.resolve("job.json"), json);
        Files.writeString(d.resolve("instrumental.mp3"), "x");
    }

    @Test
    void ageAndCountLimits(@TempDir Path dir) throws Exception {
        Path jobs = Files.createDirectories(dir.resolve("data").resolve("jobs"));
        Instant now = Instant.now();
        job(jobs, "old-done", "completed", now.minus(Duration.ofDays(10)));
        job(jobs, "old-failed", "failed", now.minus(Duration.ofDays(8)));
        job(jobs, "recent-1", "completed", now.minus(Duration.ofHours(1)));
        job(jobs, "recent-2", "failed", now.minus(Duration.ofHours(2)));
        job(jobs, "recent-3", "completed", now.minus(Duration.ofHours(3)));
        try (DemucsServer server = DemucsServer.create(TestSupport.config(dir.resolve("data"))
                .retentionMaxAge(Duration.ofDays(7)).retentionMaxCount(2).build()).start()) {
            TestSupport.Client c = new TestSupport.Client(server);
            assertEquals(2, c.json("/jobs").get("total").asInt());
            assertTrue(Files.exists(jobs.resolve("recent-1")));
            assertTrue(Files.exists(jobs.resolve("recent-2")));
            assertFalse(Files.exists(jobs.resolve("recent-3")));
            assertFalse(Files.exists(jobs.resolve("old-done")));
            assertFalse(Files.exists(jobs.resolve("old-failed")));
            assertEquals(200, c.get("/job/recent-1").statusCode());
            TestSupport.assertError(c.get("/job/old-done"), 404);
        }
    }
}
