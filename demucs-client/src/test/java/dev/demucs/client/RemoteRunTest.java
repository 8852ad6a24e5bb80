package dev.demucs.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A hostile or broken server cannot make the client write outside the template layout or keep a short file. */
class RemoteRunTest {

    HttpServer server;
    volatile String jobJson;
    volatile byte[] file = new byte[10];

    @TempDir
    Path dir;

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.createContext("/", ex -> {
            String path = ex.getRequestURI().getPath();
            byte[] b = path.startsWith("/result/") ? file
                    : path.startsWith("/job/") ? jobJson.getBytes(StandardCharsets.UTF_8)
                    : "{\"job_id\":\"j1\",\"status\":\"pending\"}".getBytes(StandardCharsets.UTF_8);
            ex.getRequestBody().readAllBytes();
            ex.sendResponseHeaders(path.equals("/job") ? 201 : 200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    RemoteRun run() {
        RemoteClient c = new RemoteClient(HttpClients.create(), "http://127.0.0.1:" + server.getAddress().getPort(), null,
                new HttpCaller.Backoff(Duration.ofSeconds(2), Duration.ofMillis(10), Duration.ofMillis(100)));
        return new RemoteRun(c, RemoteRun.Listener.NONE, Duration.ofMillis(50));
    }

    String completed(String path, long bytes) {
        return "{\"status\":\"completed\",\"files\":[{\"name\":\"x\",\"path\":\"" + path + "\",\"bytes\":" + bytes
                + ",\"url\":\"/result/j1/x\"}]}";
    }

    @Test
    void refusesPathsOutsideTheLayout() throws Exception {
        Path input = Files.write(dir.resolve("in.wav"), new byte[100]);
        for (String evil : new String[] {"../escape.wav", "demucs_results/../../x", "/etc/passwd", "other/file.wav", "segments/.hidden"}) {
            jobJson = completed(evil, 10);
            Path out = dir.resolve("out" + Math.abs(evil.hashCode()));
            ClientException e = assertThrows(ClientException.class, () -> run().run(input.toString(), out, JobOptions.DEFAULTS));
            assertEquals(ClientException.Kind.JOB_FAILED, e.kind(), evil);
            assertTrue(e.getMessage().contains("unexpected result file"), e.getMessage());
        }
        assertFalse(Files.exists(dir.resolve("escape.wav")));
    }

    @Test
    void aShortDownloadIsNeitherKeptNorRenamed() throws Exception {
        Path input = Files.write(dir.resolve("in.wav"), new byte[100]);
        jobJson = completed("demucs_results/segment_000_vocals.wav", 20); // the server sends 10 bytes
        Path out = dir.resolve("out");
        ClientException e = assertThrows(ClientException.class, () -> run().run(input.toString(), out, JobOptions.DEFAULTS));
        assertTrue(e.getMessage().contains("got 10 bytes, the server listed 20"), e.getMessage());
        assertFalse(Files.exists(out.resolve("demucs_results/segment_000_vocals.wav")));
        assertFalse(Files.exists(out.resolve("demucs_results/segment_000_vocals.wav.part")));
        assertTrue(RemoteRun.readState(out).isPresent(), "the job stays recorded for --resume");
    }

    @Test
    void aMissingInputFileIsRejectedBeforeAnyRequest() {
        ClientException e = assertThrows(ClientException.class,
                () -> run().run(dir.resolve("nope.wav").toString(), dir.resolve("o"), JobOptions.DEFAULTS));
        assertEquals(ClientException.Kind.REJECTED, e.kind());
        assertTrue(RemoteRun.readState(dir.resolve("o")).isEmpty());
    }
}
