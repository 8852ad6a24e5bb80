package dev.demucs.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** input_url on private addresses is refused unless allowed; redirects are checked per hop. */
class SsrfTest {

    @Test
    void privateAddressesAreRefusedByDefault(@TempDir Path dir) throws Exception {
        Path wav = dir.resolve("in.wav");
        TestSupport.writeWav(wav, 1);
        try (TestSupport.InputServer inputs = new TestSupport.InputServer();
             DemucsServer server = DemucsServer.create(TestSupport.config(dir.resolve("data")).allowPrivateUrls(false).build()).start()) {
            inputs.put("in.wav", wav);
            TestSupport.Client c = new TestSupport.Client(server);
            for (String url : new String[] {inputs.url("/files/in.wav"), "http://localhost:" + server.port() + "/status",
                    "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/a.mp3", "http://[::1]:8185/x",
                    "http://0.0.0.0:8185/"}) {
                JsonNode e = TestSupport.assertError(c.postJson("/job", "{\"input_url\":\"" + url + "\"}"), 400);
                assertTrue(e.get("error").asText().contains("refused"), e.toString());
            }
            assertEquals(0, c.json("/jobs").get("total").asInt());
        }
    }

    @Test
    void redirectsToForbiddenTargetsFailTheJob(@TempDir Path dir) throws Exception {
        try (TestSupport.InputServer inputs = new TestSupport.InputServer();
             DemucsServer server = DemucsServer.create(TestSupport.config(dir.resolve("data")).build()).start()) {
            TestSupport.Client c = new TestSupport.Client(server);
            c.awaitModel();
            String id = c.submit(inputs.url("/redirect?to=file%3A%2F%2F%2Fetc%2Fpasswd"), null);
            JsonNode failed = c.awaitStatus(id, "failed");
            assertTrue(failed.get("error").asText().contains("only http and https"), failed.toString());
            assertEquals("error", failed.get("state").asText());
            assertEquals(failed.get("error").asText(), failed.get("details").get("error").asText());
        }
    }
}
