package dev.demucs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.demucs.testing.TestAudio;
import dev.demucs.job.ProgressFile;
import dev.demucs.job.ProgressSnapshot;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code ./demucs-separate} as a newcomer would, as a subprocess. Runs in the
 * integration-test phase, after the package phase has built the self-contained jar; the
 * launcher is told not to rebuild (DEMUCS_SEPARATE_NO_BUILD=1), since a nested Maven build
 * inside the test run would race the outer one.
 */
class DemucsSeparateLauncherIT {

    @TempDir
    static Path shared;
    static Path root;
    static CliFixture fx;

    @BeforeAll
    static void setUp() {
        String r = System.getProperty("demucs.repoRoot");
        assumeTrue(r != null, "demucs.repoRoot is not set (run through Maven)");
        root = Path.of(r);
        assumeTrue(Files.isRegularFile(root.resolve("demucs-cli/target/demucs-separate.jar")),
                "demucs-cli/target/demucs-separate.jar is not built: run 'mvn package -pl demucs-cli' first");
        fx = new CliFixture(shared, 12);
    }

    static Process start(Path log, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(root.resolve("demucs-separate").toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(shared.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().put("DEMUCS_SEPARATE_NO_BUILD", "1");
        return pb.start();
    }

    static int run(Path log, String... args) throws Exception {
        Process p = start(log, args);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "launcher finished");
        return p.exitValue();
    }

    @Test
    void separatesThroughTheLauncher(@TempDir Path out) throws Exception {
        Path log = out.resolve("log.txt");
        Path results = out.resolve("results");
        int code = run(log, "--input", fx.input.toString(), "--output", results.toString(), "--model", fx.model.toString(),
                "--device", "cpu", "--threads", "1", "--interval-cut", "5", "--all-stems");
        String text = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, code, text);
        assertEquals(List.of("demucs_results", "instrumental.mp3", "progress.txt", "segments"), TestAudio.names(results));
        assertEquals(List.of("segment_000.m4a", "segment_001.m4a"), TestAudio.names(results.resolve("segments")));
        assertEquals(10, TestAudio.names(results.resolve("demucs_results")).size());
        float[][] vocals1 = TestAudio.readWav16(results.resolve("demucs_results/segment_001_vocals.wav"));
        assertEquals(fx.frames - 5 * CliFixture.RATE, vocals1[0].length);
        for (int f = 0; f < vocals1[0].length; f += 97) {
            assertEquals(fx.expected("vocals", 1, 5 * CliFixture.RATE + f), vocals1[1][f], CliFixture.TOLERANCE);
        }
        ProgressSnapshot p = ProgressFile.read(results).orElseThrow();
        assertEquals(ProgressSnapshot.State.COMPLETED, p.state());
        assertTrue(text.contains("done in"), text);
    }

    @Test
    void versionAndUsageErrors(@TempDir Path out) throws Exception {
        Path log = out.resolve("log.txt");
        assertEquals(0, run(log, "--version"));
        assertTrue(Files.readString(log).startsWith("demucs-separate "), Files.readString(log));
        assertEquals(ExitCodes.USAGE, run(log, "--input", "missing.wav", "--output", out.resolve("r").toString()));
        String text = Files.readString(log).strip();
        assertEquals("demucs-separate: error: input 'missing.wav': no such file", text);
    }

    /** SIGTERM mid-run: progress.txt says error with a reason, and no output looks complete. */
    @Test
    void sigtermLeavesAnErrorState(@TempDir Path out) throws Exception {
        CliFixture longer = new CliFixture(out, 150);
        Path log = out.resolve("log.txt");
        Path results = out.resolve("results");
        Process p = start(log, "--input", longer.input.toString(), "--output", results.toString(), "--model",
                longer.model.toString(), "--device", "cpu", "--threads", "1", "--shifts", "2");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        boolean inference = false;
        while (System.nanoTime() < deadline && p.isAlive() && !inference) {
            Optional<ProgressSnapshot> s = Files.exists(results) ? ProgressFile.read(results) : Optional.empty();
            inference = s.isPresent() && s.get().tasks().inference() == ProgressSnapshot.TaskState.RUNNING;
            Thread.sleep(50);
        }
        assertTrue(inference, "the job reached inference: " + Files.readString(log));
        p.destroy(); // SIGTERM
        assertTrue(p.waitFor(1, TimeUnit.MINUTES));
        assertTrue(p.exitValue() != 0);
        ProgressSnapshot s = ProgressFile.read(results).orElseThrow();
        assertEquals(ProgressSnapshot.State.ERROR, s.state(), Files.readString(log));
        assertTrue(s.details().error() != null && s.details().error().contains("cancel"), s.details().error());
        assertFalse(Files.exists(results.resolve("instrumental.mp3")));
        assertFalse(Files.exists(results.resolve("segments")));
        assertFalse(Files.exists(results.resolve("demucs_results")));
    }
    /** {@code ./demucs-separate serve}: answers on the port it prints, loads the model, stops on SIGTERM. */
    @Test
    void serveAnswersAndStopsOnSigterm(@TempDir Path out) throws Exception {
        Path log = out.resolve("serve.txt");
        Process p = start(log, "serve", "--host", "127.0.0.1", "--port", "0", "--data-dir", out.resolve("jobs").toString(),
                "--model", fx.model.toString(), "--device", "cpu", "--threads", "1");
        try {
            Pattern listening = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
            Matcher m = listening.matcher("");
            while (System.nanoTime() < deadline && p.isAlive() && !m.find()) {
                Thread.sleep(50);
                m = listening.matcher(Files.readString(log));
            }
            assertTrue(m.find(0), "serve printed its port: " + Files.readString(log));
            URI base = URI.create("http://127.0.0.1:" + m.group(1));
            HttpClient client = HttpClient.newHttpClient();
            HttpResponse<String> health = client.send(HttpRequest.newBuilder(base.resolve("/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode());
            assertTrue(health.body().replace(" ", "").contains("\"status\":\"ok\""), health.body());
            String status = "";
            while (System.nanoTime() < deadline && !status.replace(" ", "").contains("\"models_ready\":true")) {
                Thread.sleep(100);
                status = client.send(HttpRequest.newBuilder(base.resolve("/status")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
            }
            assertTrue(status.replace(" ", "").contains("\"models_ready\":true"), status);
        } finally {
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(1, TimeUnit.MINUTES), "serve stopped on SIGTERM");
        }
        assertTrue(Files.readString(log).contains("serve: stopping"), Files.readString(log));
    }
}
