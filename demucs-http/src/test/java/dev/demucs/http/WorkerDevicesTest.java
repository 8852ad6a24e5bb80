package dev.demucs.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.demucs.core.Device;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code serve --devices}: one worker per device, each with its own separator on that device. */
class WorkerDevicesTest {

    @Test
    void oneWorkerPerDeviceRunsJobsSideBySide(@TempDir Path dir) throws Exception {
        Path wav = dir.resolve("in.wav");
        TestSupport.writeWav(wav, 2);
        ServerConfig config = TestSupport.config(dir.resolve("data")).workerDevices(List.of(Device.cpu(), Device.cpu())).build();
        assertEquals(2, config.workers());
        try (TestSupport.InputServer inputs = new TestSupport.InputServer();
             DemucsServer server = DemucsServer.create(config).start()) {
            inputs.put("in.wav", wav);
            TestSupport.Client c = new TestSupport.Client(server);
            c.awaitModel();
            // both downloads stall: running at the same time means two workers
            String a = c.submit(inputs.url("/stall/in.wav"), null);
            String b = c.submit(inputs.url("/stall/in.wav"), "\"shifts\":1");
            c.awaitStatus(a, "running");
            c.awaitStatus(b, "running");
            assertEquals(2, c.json("/status").get("active_jobs").asInt());
            inputs.release();
            c.awaitStatus(a, "completed");
            c.awaitStatus(b, "completed");
        }
    }

    /** A worker whose device cannot be used fails its jobs with the reason, not silently elsewhere. */
    @Test
    void anUnusableWorkerDeviceFailsItsJobsWithTheReason(@TempDir Path dir) throws Exception {
        Path wav = dir.resolve("in.wav");
        TestSupport.writeWav(wav, 1);
        ServerConfig config = TestSupport.config(dir.resolve("data")).workerDevices(List.of(Device.cuda(7))).build();
        try (TestSupport.InputServer inputs = new TestSupport.InputServer();
             DemucsServer server = DemucsServer.create(config).start()) {
            inputs.put("in.wav", wav);
            TestSupport.Client c = new TestSupport.Client(server);
            c.awaitModel();
            String a = c.submit(inputs.url("/files/in.wav"), null);
            JsonNode failed = c.awaitStatus(a, "failed");
            assertTrue(failed.toString().contains("CUDA device 7 cannot be used"), failed.toString());
        }
    }

    @Test
    void workersMustMatchTheDevices() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ServerConfig.builder()
                .workerDevices(List.of(Device.cpu(), Device.cpu())).workers(3).build());
        assertTrue(e.getMessage().startsWith("workers ") && e.getMessage().contains("3"), e.getMessage());
    }
}
