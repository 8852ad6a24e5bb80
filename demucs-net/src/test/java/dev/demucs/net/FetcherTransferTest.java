package dev.demucs.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real transfers against raw HTTP servers on loopback. */
class FetcherTransferTest {

    @TempDir
    Path dir;

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    /** Under PUBLIC_ONLY only 127.0.0.1 counts as public here, so a loopback origin can redirect elsewhere. */
    private static Fetcher.Builder publicWithTestOrigin() {
        return Fetcher.builder(AddressPolicy.PUBLIC_ONLY).ranges(a -> a.getHostAddress().equals("127.0.0.1")
                ? null : AddressRanges.refusedReason(a));
    }

    @Test
    void downloadsToATemporaryNameAndRenames() throws Exception {
        byte[] body = random(300_000);
        try (LoopbackServer server = new LoopbackServer(LoopbackServer.ok(body));
             Fetcher f = Fetcher.builder(AddressPolicy.ANY).build()) {
            Path target = dir.resolve("in.mp3");
            assertEquals(body.length, f.download(server.url("/a.mp3?sig=1"), target));
            assertArrayEquals(body, Files.readAllBytes(target));
            assertFalse(Files.exists(dir.resolve("in.mp3.part")));
            assertTrue(server.requests.get(0).contains("User-Agent: demucs-jvm"), server.requests.get(0));
            assertTrue(server.requests.get(0).startsWith("GET /a.mp3?sig=1 HTTP/1.1"), "the query is sent intact");
        }
    }

    /**
     * "Connect to the vetted address": a name the injected resolver maps to 127.0.0.1 is fetched
     * from exactly that address (the server sees the name as Host), and under PUBLIC_ONLY the
     * same name reaches no socket at all.
     */
    @Test
    void connectsToTheVettedAddressAndUnderPublicOnlyToNothing() throws Exception {
        byte[] body = "audio".getBytes(StandardCharsets.US_ASCII);
        AtomicInteger lookups = new AtomicInteger();
        okhttp3.Dns fake = host -> {
            if (!host.equals("media.test")) {
                throw new java.net.UnknownHostException(host);
            }
            lookups.incrementAndGet();
            return List.of(InetAddress.getByName("127.0.0.1"));
        };
        try (LoopbackServer server = new LoopbackServer(LoopbackServer.ok(body))) {
            String url = "http://media.test:" + server.port() + "/song.mp3";
            try (Fetcher any = Fetcher.builder(AddressPolicy.ANY).dns(fake).build()) {
                Path target = dir.resolve("a");
                any.download(url, target);
                assertArrayEquals(body, Files.readAllBytes(target));
                assertEquals(1, server.accepted.get());
                assertTrue(server.requests.get(0).contains("Host: media.test:" + server.port()), server.requests.get(0));
                assertEquals(1, lookups.get());
            }
            try (Fetcher pub = Fetcher.builder(AddressPolicy.PUBLIC_ONLY).dns(fake).build()) {
                FetchException e = assertThrows(FetchException.class, () -> pub.download(url, dir.resolve("b")));
                assertEquals(FetchException.Reason.REFUSED_ADDRESS, e.reason(), e.getMessage());
                assertTrue(e.getMessage().contains("resolves to a loopback address 127.0.0.1"), e.getMessage());
                FetchException literal = assertThrows(FetchException.class, () -> pub.download(server.url("/x"), dir.resolve("c")));
                assertEquals(FetchException.Reason.REFUSED_ADDRESS, literal.reason(), literal.getMessage());
            }
            assertEquals(1, server.accepted.get(), "no connection under PUBLIC_ONLY");
            assertFalse(Files.exists(dir.resolve("b")) || Files.exists(dir.resolve("b.part")));
        }
    }

    /** The socket guard refuses on its own, whatever asked for the connection (e.g. the exposed client). */
    @Test
    void guardedSocketsRefuseRefusedAddresses() throws Exception {
        try (LoopbackServer server = new LoopbackServer(LoopbackServer.ok(new byte[0]))) {
            GuardedSocketFactory factory = new GuardedSocketFactory(AddressRanges::refusedReason);
            try (Socket s = factory.createSocket()) {
                IOException e = assertThrows(IOException.class,
                        () -> s.connect(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), server.port()), 5000));
                assertTrue(e.getMessage().contains("loopback"), e.getMessage());
            }
            try (Fetcher pub = Fetcher.builder(AddressPolicy.PUBLIC_ONLY).build()) {
                okhttp3.Request r = new okhttp3.Request.Builder().url(server.url("/")).build();
                assertThrows(IOException.class, () -> pub.client().newCall(r).execute().close());
            }
            assertEquals(0, server.accepted.get());
        }
    }

    @Test
    void redirectsToRefusedAddressesAreRefusedBeforeConnecting() throws Exception {
        try (LoopbackServer target = new LoopbackServer("127.0.0.2", LoopbackServer.ok("secret".getBytes(StandardCharsets.US_ASCII)));
             Fetcher pub = publicWithTestOrigin().dns(host -> host.equals("internal.test")
                     ? List.of(InetAddress.getByName("127.0.0.2")) : okhttp3.Dns.SYSTEM.lookup(host)).build()) {
            for (String location : List.of(target.url("/s"), "http://[::ffff:127.0.0.2]:" + target.port() + "/s",
                    "http://internal.test:" + target.port() + "/s", "http://[64:ff9b::a9fe:a9fe]/latest/meta-data/",
                    "http://2130706433:" + target.port() + "/")) {
                try (LoopbackServer origin = new LoopbackServer(LoopbackServer.redirect(302, location))) {
                    FetchException e = assertThrows(FetchException.class, () -> pub.download(origin.url("/a.mp3"), dir.resolve("x")));
                    assertTrue(e.reason() == FetchException.Reason.REFUSED_ADDRESS || e.reason() == FetchException.Reason.BAD_URL,
                            location + ": " + e.getMessage());
                    assertTrue(e.getMessage().contains("redirect refused"), e.getMessage());
                    assertEquals(1, origin.accepted.get());
                }
            }
            assertEquals(0, target.accepted.get(), "the refused target saw no connection");
        }
    }

    @Test
    void redirectsAreFollowedBoundedAndOnlyToHttp() throws Exception {
        byte[] body = random(1000);
        try (LoopbackServer end = new LoopbackServer(LoopbackServer.ok(body));
             LoopbackServer hop = new LoopbackServer(LoopbackServer.redirect(301, end.url("/end")));
             LoopbackServer file = new LoopbackServer(LoopbackServer.redirect(302, "file:///etc/passwd"));
             LoopbackServer loop = new LoopbackServer((head, out) -> LoopbackServer.redirect(307, "/again").respond(head, out));
             Fetcher f = Fetcher.builder(AddressPolicy.ANY).maxRedirects(3).build()) {
            Path t = dir.resolve("r");
            f.download(hop.url("/start"), t);
            assertArrayEquals(body, Files.readAllBytes(t));
            FetchException scheme = assertThrows(FetchException.class, () -> f.download(file.url("/"), dir.resolve("f")));
            assertEquals(FetchException.Reason.REDIRECT, scheme.reason());
            assertTrue(scheme.getMessage().contains("only http and https"), scheme.getMessage());
            FetchException many = assertThrows(FetchException.class, () -> f.download(loop.url("/"), dir.resolve("l")));
            assertEquals(FetchException.Reason.REDIRECT, many.reason());
            assertEquals(4, loop.accepted.get());
        }
    }

    /** 1 byte per second never trips the read time-out; the total deadline cuts it. */
    @Test
    void totalDeadlineCutsADribblingServer() throws Exception {
        CountDownLatch done = new CountDownLatch(1);
        try (LoopbackServer server = new LoopbackServer((head, out) -> {
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            while (!done.await(1, TimeUnit.SECONDS)) {
                out.write('x');
                out.flush();
            }
        }); Fetcher f = Fetcher.builder(AddressPolicy.ANY).readTimeout(Duration.ofSeconds(20))
                .totalTimeout(Duration.ofSeconds(3)).build()) {
            long t0 = System.nanoTime();
            FetchException e = assertThrows(FetchException.class, () -> f.download(server.url("/slow.mp3"), dir.resolve("s")));
            double seconds = (System.nanoTime() - t0) / 1e9;
            done.countDown();
            assertEquals(FetchException.Reason.TIMEOUT, e.reason(), e.getMessage());
            assertTrue(e.getMessage().contains("total deadline of 3 s"), e.getMessage());
            assertTrue(seconds < 20, "cut by the deadline, not the read time-out: " + seconds + " s");
            assertFalse(Files.exists(dir.resolve("s")) || Files.exists(dir.resolve("s.part")));
        }
    }

    @Test
    void readTimeoutCutsASilentServer() throws Exception {
        CountDownLatch done = new CountDownLatch(1);
        try (LoopbackServer server = new LoopbackServer((head, out) -> {
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            done.await(60, TimeUnit.SECONDS);
        }); Fetcher f = Fetcher.builder(AddressPolicy.ANY).readTimeout(Duration.ofSeconds(1)).build()) {
            FetchException e = assertThrows(FetchException.class, () -> f.download(server.url("/"), dir.resolve("q")));
            done.countDown();
            assertEquals(FetchException.Reason.TIMEOUT, e.reason(), e.getMessage());
            assertTrue(e.getMessage().contains("read time-out of 1 s"), e.getMessage());
        }
    }

    @Test
    void sizeCapRefusesDeclaredAndCutsUndeclaredBodies() throws Exception {
        byte[] body = random(50_000);
        try (LoopbackServer declared = new LoopbackServer(LoopbackServer.ok(body));
             LoopbackServer undeclared = new LoopbackServer((head, out) -> {
                 out.write("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                 out.write(body);
             });
             Fetcher f = Fetcher.builder(AddressPolicy.ANY).maxBytes(10_000).build()) {
            for (LoopbackServer s : List.of(declared, undeclared)) {
                Path t = dir.resolve("big" + s.port());
                FetchException e = assertThrows(FetchException.class, () -> f.download(s.url("/big.wav"), t));
                assertEquals(FetchException.Reason.TOO_LARGE, e.reason(), e.getMessage());
                assertTrue(e.getMessage().contains("size cap of 10000 bytes"), e.getMessage());
                assertFalse(Files.exists(t) || Files.exists(t.resolveSibling(t.getFileName() + ".part")));
            }
        }
    }

    @Test
    void httpErrorsAndRefusedConnectionsAreNamed() throws Exception {
        try (LoopbackServer missing = new LoopbackServer((head, out) -> out.write(
                "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
             Fetcher f = Fetcher.builder(AddressPolicy.ANY).build()) {
            FetchException e = assertThrows(FetchException.class, () -> f.download(missing.url("/a.mp3?token=zzz"), dir.resolve("m")));
            assertEquals(FetchException.Reason.HTTP_STATUS, e.reason());
            assertEquals(404, e.httpStatus());
            assertEquals("cannot fetch " + missing.url("/a.mp3") + "?…: HTTP 404", e.getMessage());
            int closedPort;
            try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
                closedPort = s.getLocalPort();
            }
            FetchException c = assertThrows(FetchException.class,
                    () -> f.download("http://127.0.0.1:" + closedPort + "/", dir.resolve("c")));
            assertEquals(FetchException.Reason.CONNECT, c.reason(), c.getMessage());
        }
    }

    /** TLS is verified: a self-signed certificate (made with the JDK's keytool) is refused, and nothing is read. */
    @Test
    void selfSignedCertificateIsRefused() throws Exception {
        Path keystore = dir.resolve("server.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "s", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=localhost",
                "-ext", "san=ip:127.0.0.1,dns:localhost", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", keystore.toString(), "-storepass", "changeit", "-keypass", "changeit")
                .redirectErrorStream(true).start();
        keytool.getInputStream().readAllBytes();
        assertEquals(0, keytool.waitFor());
        java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(keystore)) {
            ks.load(in, "changeit".toCharArray());
        }
        javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance(
                javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);
        com.sun.net.httpserver.HttpsServer server = com.sun.net.httpserver.HttpsServer.create(
                new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        server.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(tls));
        AtomicInteger served = new AtomicInteger();
        server.createContext("/", ex -> {
            served.incrementAndGet();
            ex.sendResponseHeaders(200, 2);
            ex.getResponseBody().write(new byte[] {1, 2});
            ex.close();
        });
        server.start();
        try (Fetcher f = Fetcher.builder(AddressPolicy.ANY).build()) {
            FetchException e = assertThrows(FetchException.class,
                    () -> f.download("https://127.0.0.1:" + server.getAddress().getPort() + "/a.mp3", dir.resolve("t")));
            assertEquals(FetchException.Reason.CONNECT, e.reason(), e.getMessage());
            assertTrue(e.getMessage().contains("TLS failed"), e.getMessage());
            assertEquals(0, served.get(), "no request got through");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void cancelStopsABodyInProgress() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        try (LoopbackServer server = new LoopbackServer((head, out) -> {
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[1000]);
            out.flush();
            started.countDown();
            done.await(60, TimeUnit.SECONDS);
        }); Fetcher f = Fetcher.builder(AddressPolicy.ANY).build()) {
            Transfer t = f.transfer(server.url("/"));
            Thread canceller = new Thread(() -> {
                try {
                    started.await();
                } catch (InterruptedException e) {
                    return;
                }
                t.cancel();
            });
            canceller.start();
            FetchException e = assertThrows(FetchException.class, () -> t.saveTo(dir.resolve("k")));
            done.countDown();
            assertEquals(FetchException.Reason.CANCELLED, e.reason(), e.getMessage());
            canceller.join();
        }
    }
}
