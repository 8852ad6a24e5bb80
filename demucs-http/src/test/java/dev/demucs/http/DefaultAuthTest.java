package dev.demucs.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Secure by default: bound to a non-loopback address without a configured token, the server makes
 * a token (0600, reused on restart) and requires it from remote callers; loopback callers need
 * none; {@code noAuth} opens it; a configured token is required from everyone. Tests run on
 * loopback only, so "remote" is the decision function with a remote address as input, and a
 * real server whose idea of the machine itself is "nobody".
 */
class DefaultAuthTest {
    private static final InetAddress REMOTE = address("192.0.2.10"); // TEST-NET-1, never connected to
    private static final InetAddress LOOPBACK = address("127.0.0.1");

    @Test
    void decisionFunction(@TempDir Path dir) throws Exception {
        ServerConfig open = TestSupport.config(dir).host("0.0.0.0").build();
        Auth generated = Auth.of(open, InetAddress::isLoopbackAddress);
        assertTrue(generated.requiresToken(REMOTE));
        assertFalse(generated.requiresToken(LOOPBACK));
        assertFalse(generated.requiresToken(address("::1")));
        Path file = dir.resolve(ServerConfig.TOKEN_FILE);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        String token = generated.generatedToken().orElseThrow();
        assertTrue(token.length() >= 40, token);
        assertEquals(token, Files.readString(file).trim());
        assertEquals(token, Auth.of(open, InetAddress::isLoopbackAddress).generatedToken().orElseThrow(), "reused on restart");

        assertEquals(401, status(() -> generated.check(REMOTE, null)));
        assertEquals(401, status(() -> generated.check(REMOTE, "Bearer wrong")));
        assertEquals(0, status(() -> generated.check(REMOTE, "Bearer " + token)));
        assertEquals(0, status(() -> generated.check(LOOPBACK, null)));

        Auth noAuth = Auth.of(open.toBuilder().noAuth(true).dataDir(dir.resolve("other")).build(), InetAddress::isLoopbackAddress);
        assertFalse(noAuth.requiresToken(REMOTE));
        assertFalse(Files.exists(dir.resolve("other").resolve(ServerConfig.TOKEN_FILE)));
        Auth loopbackBind = Auth.of(TestSupport.config(dir.resolve("lo")).host("127.0.0.1").build(), InetAddress::isLoopbackAddress);
        assertFalse(loopbackBind.requiresToken(REMOTE));
        Auth configured = Auth.of(open.toBuilder().bearerToken("s3cret").build(), InetAddress::isLoopbackAddress);
        assertTrue(configured.requiresToken(LOOPBACK), "a configured token is required from everyone");
        assertTrue(configured.generatedToken().isEmpty());
    }

    @Test
    void realServerOnEveryInterface(@TempDir Path dir) {
        ServerConfig config = TestSupport.config(dir).host("0.0.0.0").build();
        // loopback callers: no token needed, the template's curl lines work
        try (DemucsServer server = DemucsServer.create(config).start()) {
            TestSupport.Client local = new TestSupport.Client(server.port(), null);
            assertEquals(200, local.get("/status").statusCode());
            assertTrue(server.generatedToken().isPresent());
        }
        // every caller treated as remote: 401 without the token, 200 with it, /health and the page open
        try (DemucsServer server = DemucsServer.create(config, Seams.NONE.withLocalCaller(a -> false)).start()) {
            String token = server.generatedToken().orElseThrow();
            assertEquals(token, Files.readString(dir.resolve(ServerConfig.TOKEN_FILE)).trim(), "the same token after a restart");
            TestSupport.Client anonymous = new TestSupport.Client(server.port(), null);
            HttpResponse<String> r = anonymous.get("/status");
            TestSupport.assertError(r, 401);
            assertTrue(r.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
            TestSupport.assertError(anonymous.get("/jobs"), 401);
            assertEquals(200, anonymous.get("/health").statusCode());
            assertEquals(200, anonymous.get("/web/test-fixture.css").statusCode(), "the page's files need no token");
            assertEquals(200, new TestSupport.Client(server.port(), token).get("/status").statusCode());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        // --no-auth: open to everyone
        try (DemucsServer server = DemucsServer.create(config.toBuilder().noAuth(true).build(),
                Seams.NONE.withLocalCaller(a -> false)).start()) {
            assertEquals(200, new TestSupport.Client(server.port(), null).get("/status").statusCode());
            assertTrue(server.generatedToken().isEmpty());
        }
    }

    private static int status(Runnable r) {
        try {
            r.run();
            return 0;
        } catch (ApiException e) {
            return e.status();
        }
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
