package dev.demucs.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.demucs.job.JobLimits;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ServerConfigTest {

    @Test
    void defaultsAreTheTemplates() {
        ServerConfig c = ServerConfig.builder().build();
        assertEquals(8185, c.port());
        assertEquals("0.0.0.0", c.host());
        assertEquals(1, c.workers());
        assertFalse(c.allowPrivateUrls());
        assertTrue(c.bearerToken().isEmpty());
        assertTrue(ServerConfig.builder().bearerToken("  ").build().bearerToken().isEmpty());
        assertEquals(c.port(), c.toBuilder().build().port());
        assertFalse(c.toString().contains("s3cr3t"));
        assertFalse(ServerConfig.builder().bearerToken("s3cr3t").build().toString().contains("s3cr3t"));
    }

    @Test
    void badValuesNameTheField() {
        assertEquals("port must be in 0 … 65535 (0 = any free port), got 70000",
                assertThrows(IllegalArgumentException.class, () -> ServerConfig.builder().port(70000).build()).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ServerConfig.builder().workers(0).build())
                .getMessage().startsWith("workers"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ServerConfig.builder().maxInputBytes(0).build())
                .getMessage().startsWith("maxInputBytes"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> ServerConfig.builder().retentionMaxAge(Duration.ofSeconds(-1)).build()).getMessage().startsWith("retentionMaxAge"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ServerConfig.builder().jobLimits(null).build())
                .getMessage().startsWith("jobLimits"));
    }

    @Test
    void jobsAreCappedByDefaultAndTheCapsSurviveToBuilder() {
        ServerConfig c = ServerConfig.builder().build();
        assertEquals(new JobLimits(ServerConfig.DEFAULT_MAX_SHIFTS, ServerConfig.DEFAULT_MAX_OVERLAP,
                ServerConfig.DEFAULT_MIN_SEGMENT_SECONDS, ServerConfig.DEFAULT_MAX_INPUT_SECONDS,
                ServerConfig.DEFAULT_MAX_FILES_PER_JOB), c.jobLimits());
        assertTrue(c.jobLimits().maxShifts() < Integer.MAX_VALUE && c.jobLimits().maxInputSeconds() > 0
                && c.jobLimits().maxFilesPerJob() > 0 && c.jobLimits().minSegmentSeconds() > 0, "every cap is on");
        JobLimits mine = new JobLimits(3, 0.3, 2, 60, 50);
        assertEquals(mine, ServerConfig.builder().jobLimits(mine).build().toBuilder().build().jobLimits());
    }
}
