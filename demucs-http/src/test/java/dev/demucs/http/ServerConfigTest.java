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
        assertEquals(java.nio.file.Path.of("demucs-jobs"), c.dataDir());
        assertFalse(c.allowPrivateUrls());
        assertTrue(c.bearerToken().isEmpty());
        assertFalse(c.noAuth(), "secure by default: a non-loopback bind without a token makes one");
        assertEquals(Duration.ofHours(2), c.maxJobTime());
        assertEquals(1024L * 1024 * 1024, c.minFreeBytes());
        assertTrue(ServerConfig.builder().bearerToken("  ").build().bearerToken().isEmpty(), "a blank token is none");
        ServerConfig custom = ServerConfig.builder().port(9000).workers(3).maxJobTime(Duration.ofMinutes(5)).noAuth(true).build();
        ServerConfig copy = custom.toBuilder().build();
        assertEquals(9000, copy.port());
        assertEquals(3, copy.workers());
        assertEquals(Duration.ofMinutes(5), copy.maxJobTime());
        assertTrue(copy.noAuth());
        ServerConfig secret = ServerConfig.builder().bearerToken("s3cr3t").build();
        assertTrue(secret.bearerToken().isPresent());
        assertFalse(secret.toString().contains("s3cr3t"), "toString hides the token");
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
