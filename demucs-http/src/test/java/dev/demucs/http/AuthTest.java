package dev.demucs.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The optional bearer token guards every route but /health. */
class AuthTest {

    @Test
    void tokenIsRequiredEverywhereButHealth(@TempDir Path dir) {
        try (DemucsServer server = DemucsServer.create(TestSupport.config(dir).bearerToken("t0ken-xyz").build()).start()) {
            TestSupport.Client anonymous = new TestSupport.Client(server.port(), null);
            TestSupport.Client wrong = new TestSupport.Client(server.port(), "t0ken-xy");
            TestSupport.Client right = new TestSupport.Client(server);

            assertEquals("ok", anonymous.json("/health").get("status").asText());
            for (String path : new String[] {"/status", "/jobs", "/openapi.json", "/job/abc", "/result/abc", "/nope"}) {
                HttpResponse<String> r = anonymous.get(path);
                TestSupport.assertError(r, 401);
                assertTrue(r.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"), path);
                TestSupport.assertError(wrong.get(path), 401);
            }
            TestSupport.assertError(anonymous.postJson("/job", "{\"input_url\":\"http://127.0.0.1/x\"}"), 401);
            TestSupport.assertError(anonymous.send(anonymous.request("/job/abc").DELETE().build()), 401);
            // a token in another scheme is not accepted
            TestSupport.assertError(anonymous.send(anonymous.request("/status").header("Authorization", "Basic t0ken-xyz").GET().build()), 401);

            assertEquals(200, right.get("/status").statusCode());
            assertEquals(200, right.get("/jobs").statusCode());
            assertEquals(200, right.get("/openapi.json").statusCode());
            TestSupport.assertError(right.get("/job/abc"), 404);
        }
    }
}
