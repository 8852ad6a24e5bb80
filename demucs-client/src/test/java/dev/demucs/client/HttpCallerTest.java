package dev.demucs.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Retries of transient failures against a real HTTP server on loopback. */
class HttpCallerTest {

    HttpServer server;
    final AtomicInteger calls = new AtomicInteger();
    final List<Long> at = new CopyOnWriteArrayList<>();
    volatile int failures;
    volatile int failStatus;
    volatile String retryAfter;

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.createContext("/", ex -> {
            at.add(System.nanoTime());
            if (calls.incrementAndGet() <= failures) {
                if (retryAfter != null) {
                    ex.getResponseHeaders().set("Retry-After", retryAfter);
                }
                ex.sendResponseHeaders(failStatus, -1);
            } else {
                byte[] b = "{\"status\":\"ok\"}".getBytes();
                ex.sendResponseHeaders(200, b.length);
                ex.getResponseBody().write(b);
            }
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    HttpCaller caller(Duration budget) {
        return new HttpCaller(HttpClients.create(), new HttpCaller.Backoff(budget, Duration.ofMillis(20), Duration.ofSeconds(2)), "test server");
    }

    Request get() {
        return new Request.Builder().url("http://127.0.0.1:" + server.getAddress().getPort() + "/x").build();
    }

    @Test
    void retriesProxyErrorsUntilTheServerAnswers() throws Exception {
        for (int status : new int[] {502, 503, 524}) {
            calls.set(0);
            failures = 2;
            failStatus = status;
            try (Response r = caller(Duration.ofSeconds(30)).send(get())) {
                assertEquals(200, r.code());
            }
            assertEquals(3, calls.get(), "status " + status);
        }
    }

    @Test
    void honoursRetryAfterOn429() throws Exception {
        failures = 1;
        failStatus = 429;
        retryAfter = "1";
        try (Response r = caller(Duration.ofSeconds(30)).send(get())) {
            assertEquals(200, r.code());
        }
        assertTrue((at.get(1) - at.get(0)) / 1_000_000 >= 1000, "waited the Retry-After second");
    }

    @Test
    void givesUpWithOneLineAfterTheBudget() {
        failures = Integer.MAX_VALUE;
        failStatus = 502;
        ClientException e = assertThrows(ClientException.class, () -> caller(Duration.ofMillis(300)).send(get()));
        assertEquals(ClientException.Kind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().startsWith("test server is unavailable: HTTP 502 after "), e.getMessage());
    }

    @Test
    void permanentErrorsAreReturnedAtOnce() throws Exception {
        failures = 1;
        failStatus = 404;
        try (Response r = caller(Duration.ofSeconds(30)).send(get())) {
            assertEquals(404, r.code());
        }
        assertEquals(1, calls.get());
    }

    @Test
    void refusedConnectionsAreRetriedThenReported() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Request r = new Request.Builder().url("http://127.0.0.1:" + port + "/health").build();
        ClientException e = assertThrows(ClientException.class, () -> caller(Duration.ofMillis(300)).send(r));
        assertTrue(e.getMessage().contains("ConnectException"), e.getMessage());
    }

    @Test
    void theHookCanStopTheRetries() {
        failures = Integer.MAX_VALUE;
        failStatus = 502;
        HttpCaller c = caller(Duration.ofSeconds(30));
        c.onTransient(what -> {
            throw new ClientException(ClientException.Kind.UNAVAILABLE, "pod is EXITED (" + what + ")");
        });
        ClientException e = assertThrows(ClientException.class, () -> c.send(get()));
        assertEquals("pod is EXITED (HTTP 502)", e.getMessage());
        assertEquals(1, calls.get());
    }
}
