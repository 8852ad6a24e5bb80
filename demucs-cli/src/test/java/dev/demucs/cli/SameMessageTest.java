package dev.demucs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.demucs.core.SeparationOptions;
import dev.demucs.core.model.ModelBag;
import dev.demucs.http.DemucsServer;
import dev.demucs.http.ServerConfig;
import dev.demucs.job.JobField;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The same bad value gets the same message from the command line and from the HTTP service: both
 * map their input into the job's one factory ({@code JobSpec.fromFields}). Each case runs the
 * {@code demucs-separate} entry point and a real {@code POST /job} on loopback (with the server's
 * default caps, which these values do not reach).
 */
class SameMessageTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PREFIX = "demucs-separate: error: ";

    @TempDir
    static Path dir;
    static CliFixture fx;
    static DemucsServer server;
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeAll
    static void start() throws Exception {
        fx = new CliFixture(dir, 5);
        server = DemucsServer.create(ServerConfig.builder().host("127.0.0.1").port(0).dataDir(dir.resolve("data"))
                .modelBag(ModelBag.single(fx.model))
                .separationOptions(SeparationOptions.builder().shifts(0).intraOpThreads(1).build())
                .allowPrivateUrls(true).shutdownGrace(Duration.ZERO).build()).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!get("/status").get("models_ready").asBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("model not ready: " + get("/status"));
            }
            Thread.sleep(50); // polling the server's state, not standing in for synchronisation
        }
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "--mp3-bitrate  | 1000    | true",
        "--mp3-bitrate  | 128.5   | true",
        "--mp3-bitrate  | fast    | false",
        "--segment-max  | 0       | true",
        "--segment-max  | -3      | true",
        "--segment-max  | long    | false",
        "--shifts       | -1      | true",
        "--shifts       | two     | false",
        "--overlap      | 1.5     | true",
        "--seed         | 0.5     | true",
        "--clip-mode    | loud    | false",
        "--two-stems    | guitar  | false",
        "--two-stems    | ../etc  | false",
        "--interval-cut | 5,3     | false",
        "--interval-cut | 3,abc   | false",
        "--interval-cut | 0       | false",
    })
    void cliAndHttpSayTheSame(String flag, String value, boolean numeric) throws Exception {
        JobField field = java.util.Arrays.stream(JobField.values()).filter(f -> f.flag().equals(flag)).findFirst().orElseThrow();
        Path out = Files.createTempDirectory(dir, "out");
        CliFixture.Run cli = CliFixture.run("--input", fx.input.toString(), "--output", out.toString(),
                "--model", fx.model.toString(), "--device", "cpu", flag, value);
        assertEquals(ExitCodes.USAGE, cli.exitCode(), cli::err);
        String line = cli.errorLine();
        assertTrue(line.startsWith(PREFIX), cli::err);
        String cliMessage = line.substring(PREFIX.length());

        ObjectNode asText = JSON.createObjectNode().put("input_url", "http://127.0.0.1:9/song.wav").put(field.key(), value);
        assertEquals(cliMessage, postError(asText), "JSON string value");
        if (numeric) {
            ObjectNode asNumber = JSON.createObjectNode().put("input_url", "http://127.0.0.1:9/song.wav");
            asNumber.set(field.key(), JSON.readTree(value));
            assertEquals(cliMessage, postError(asNumber), "JSON number value");
        }
        assertTrue(cliMessage.contains(flag) || flag.equals("--interval-cut"), cliMessage);
        if (!value.equals("guitar")) { // a stem of the model is known once the model is loaded
            assertTrue(Files.notExists(out.resolve("progress.txt")), "refused before any work");
        }
    }

    @Test
    void everyJobFieldIsAFlagOfTheCommand() {
        var options = DemucsCli.commandLine(new DemucsCli()).getCommandSpec();
        for (JobField f : JobField.values()) {
            assertNotNull(options.findOption(f.flag()), f.flag());
        }
    }

    @Test
    void serveNamesABadCapByItsFlag() {
        CliFixture.Run r = CliFixture.run("serve", "--port", "0", "--data-dir", dir.resolve("serve").toString(),
                "--max-shifts", "-1");
        assertEquals(ExitCodes.USAGE, r.exitCode(), r::err);
        assertTrue(r.errorLine().contains("--max-shifts must be >= 0, got -1"), r::err);
        CliFixture.Run overlap = CliFixture.run("serve", "--port", "0", "--data-dir", dir.resolve("serve").toString(),
                "--max-overlap", "2");
        assertTrue(overlap.errorLine().contains("--max-overlap must be in [0, 1]"), overlap::err);
    }

    private static String postError(JsonNode body) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/job"))
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, r.statusCode(), r.body());
        return JSON.readTree(r.body()).get("error").asText();
    }

    private static JsonNode get(String path) throws Exception {
        return JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }
}
