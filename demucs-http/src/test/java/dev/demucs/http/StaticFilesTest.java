package dev.demucs.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The page's files over HTTP: served without a token, nothing outside the folder, the API untouched. */
class StaticFilesTest {

    @Test
    void servesThePageWithoutTheTokenAndEveryReferencedAsset(@TempDir Path dir) throws IOException {
        try (DemucsServer server = DemucsServer.create(TestSupport.config(dir).bearerToken("s3cret").build()).start()) {
            TestSupport.Client anonymous = new TestSupport.Client(server.port(), null);
            HttpResponse<String> page = anonymous.get("/");
            assertEquals(200, page.statusCode());
            assertEquals("text/html; charset=utf-8", page.headers().firstValue("Content-Type").orElse(""));
            assertTrue(page.headers().firstValue("Content-Security-Policy").orElse("").contains("default-src 'self'"));
            assertEquals("nosniff", page.headers().firstValue("X-Content-Type-Options").orElse(""));
            assertArrayEquals(resource("index.html"), anonymous.sendBytes(anonymous.request("/").GET().build()).body());

            // every asset index.html references is served from the same folder with its type
            Matcher m = Pattern.compile("(?:src|href)=\"(/web/[^\"]+)\"").matcher(page.body());
            int assets = 0;
            while (m.find()) {
                String path = m.group(1);
                HttpResponse<byte[]> r = anonymous.sendBytes(anonymous.request(path).GET().build());
                assertEquals(200, r.statusCode(), path);
                assertArrayEquals(resource(path.substring(5)), r.body(), path);
                String type = r.headers().firstValue("Content-Type").orElse("");
                assertTrue(path.endsWith(".js") ? type.startsWith("text/javascript") : type.startsWith("text/css"), path + " " + type);
                assets++;
            }
            assertEquals(2, assets, "app.js and app.css");

            HttpResponse<String> head = anonymous.send(anonymous.request("/web/app.js").method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
            assertEquals(200, head.statusCode());
            assertEquals("", head.body());

            // the API still demands the token
            TestSupport.assertError(anonymous.get("/status"), 401);
            assertEquals(200, new TestSupport.Client(server).get("/status").statusCode());
        }
    }

    @Test
    void refusesNamesOutsideTheFolderAndLeavesOtherMethodsToTheApi(@TempDir Path dir) {
        try (DemucsServer server = DemucsServer.create(TestSupport.config(dir).build()).start()) {
            TestSupport.Client client = new TestSupport.Client(server);
            for (String path : new String[] {"/web/nothing.js", "/web/..%2Fopenapi.json", "/web/%2e%2e/openapi.json",
                "/web/.hidden", "/web/", "/web/sub/app.js", "/web/version.properties"}) {
                TestSupport.assertError(client.get(path), 404);
            }
            // a POST to / is the API's business: a JSON error, no page
            HttpResponse<String> post = client.send(client.request("/").POST(HttpRequest.BodyPublishers.ofString("x")).build());
            TestSupport.assertError(post, post.statusCode() == 405 ? 405 : 404);
        }
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = StaticFiles.class.getResourceAsStream("web/" + name)) {
            return in.readAllBytes();
        }
    }
}
