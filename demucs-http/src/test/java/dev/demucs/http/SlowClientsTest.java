package dev.demucs.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slow and broken clients against the real server on loopback: 64 stalled connections (partial
 * request line, partial headers, partial body) do not stop {@code /health}, and are closed by the
 * server within its idle timeout; 1000 connections that send half a request and close leave no
 * file descriptors behind.
 */
class SlowClientsTest {
    private static final Duration IDLE = Duration.ofSeconds(3);

    @Test
    void stalledConnectionsDoNotStopTheApiAndAreClosed(@TempDir Path dir) throws Exception {
        try (DemucsServer server = DemucsServer.create(TestSupport.config(dir).idleTimeout(IDLE).build()).start()) {
            TestSupport.Client c = new TestSupport.Client(server);
            assertEquals(200, c.get("/health").statusCode()); // warm up
            String[] partial = {
                    "GET /hea",
                    "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ",
                    "POST /job HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"input_url\":",
            };
            List<Socket> stalled = new ArrayList<>();
            long opened = System.nanoTime();
            for (int i = 0; i < 64; i++) {
                Socket s = new Socket("127.0.0.1", server.port());
                s.getOutputStream().write(partial[i % 3].getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                stalled.add(s);
            }
            long t0 = System.nanoTime();
            TestSupport.Client fresh = new TestSupport.Client(server);
            assertEquals(200, fresh.get("/health").statusCode());
            double healthMs = (System.nanoTime() - t0) / 1e6;
            assertTrue(healthMs < 1000, "/health took " + healthMs + " ms with 64 stalled connections");

            // every stalled connection is closed by the server (EOF or a reset), none outlives the timeout by much
            double slowest = 0;
            for (Socket s : stalled) {
                s.setSoTimeout((int) IDLE.multipliedBy(10).toMillis());
                try (s; InputStream in = s.getInputStream()) {
                    byte[] buffer = new byte[4096];
                    while (in.read(buffer) >= 0) {
                        // an error answer may come before the close
                    }
                } catch (SocketTimeoutException e) {
                    throw new AssertionError("a stalled connection was still open after " + IDLE.multipliedBy(10));
                } catch (IOException reset) {
                    // closed by the server
                }
                slowest = Math.max(slowest, (System.nanoTime() - opened) / 1e9);
            }
            System.out.printf("SlowClientsTest: /health answered in %.1f ms with 64 stalled connections; all 64 closed by the server"
                    + " %.1f s after opening (idle timeout %d s)%n", healthMs, slowest, IDLE.toSeconds());
            assertEquals(200, fresh.get("/health").statusCode());
        }
    }

    @Test
    void halfRequestsThatCloseLeaveNoDescriptors(@TempDir Path dir) throws Exception {
        try (DemucsServer server = DemucsServer.create(TestSupport.config(dir).idleTimeout(IDLE).build()).start()) {
            TestSupport.Client c = new TestSupport.Client(server);
            assertEquals(200, c.get("/health").statusCode());
            long before = openFds();
            long threadsBefore = Thread.activeCount();
            String[] halves = {"GET /status HTTP/1.1\r\nHost: x\r\nAccept: ", "POST /job HTTP/1.1\r\nHost: x\r\nContent-Length: 99\r\n\r\n{", "GET /he"};
            for (int i = 0; i < 1000; i++) {
                try (Socket s = new Socket("127.0.0.1", server.port())) {
                    OutputStream out = s.getOutputStream();
                    out.write(halves[i % 3].getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            long after = openFds();
            while (after > before + 10 && System.nanoTime() < deadline) {
                Thread.sleep(100); // polling the count, not standing in for synchronisation
                after = openFds();
            }
            System.out.printf("SlowClientsTest: fds before %d, after 1000 half requests %d; threads %d → %d%n",
                    before, after, threadsBefore, Thread.activeCount());
            assertTrue(after <= before + 10, "fd count " + before + " → " + after);
            assertEquals(200, c.get("/health").statusCode());
        }
    }

    static long openFds() throws IOException {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }
}
