package dev.demucs.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.demucs.core.Device;
import dev.demucs.core.SeparationOptions;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /status} names the device the model runs on, not the configured {@code auto}. */
class StatusDeviceTest {

    @Test
    void autoIsReportedAsTheDeviceInUse(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Device.cudaMissingFromBuild().isPresent(), "on a GPU build auto may pick CUDA");
        ServerConfig config = TestSupport.config(dir.resolve("data"))
                .separationOptions(SeparationOptions.builder().device(Device.auto()).build()).build();
        try (DemucsServer server = DemucsServer.create(config).start()) {
            TestSupport.Client c = new TestSupport.Client(server);
            c.awaitModel();
            JsonNode status = c.json("/status");
            assertEquals("cpu", status.get("device").asText(), status.toString());
            assertFalse(status.has("device_fallback"), "the CPU build has nothing to fall back from: " + status);
        }
    }
}
