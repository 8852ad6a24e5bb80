package dev.demucs.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The OpenAPI document lists exactly the routes the server handles, and is served. */
class OpenApiTest {
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options", "trace");

    @Test
    void everyRouteIsDocumentedAndViceVersa(@TempDir Path dir) {
        try (DemucsServer server = DemucsServer.create(TestSupport.config(dir).build())) {
            TreeSet<String> handled = new TreeSet<>(server.routes());
            TreeSet<String> documented = new TreeSet<>();
            JsonNode paths = JobViews.openApiDocument().get("paths");
            for (Iterator<Map.Entry<String, JsonNode>> it = paths.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> p = it.next();
                for (Iterator<String> ops = p.getValue().fieldNames(); ops.hasNext(); ) {
                    String op = ops.next();
                    if (METHODS.contains(op)) {
                        documented.add(op.toUpperCase(Locale.ROOT) + " " + p.getKey());
                    }
                }
            }
            assertEquals(handled, documented, "routes handled vs documented");
            assertTrue(handled.contains("POST /job") && handled.contains("GET /result/{id}/{name}"), handled::toString);
        }
    }

    @Test
    void documentIsServedWithTheVersionAndEveryRefResolves(@TempDir Path dir) {
        try (DemucsServer server = DemucsServer.create(TestSupport.config(dir).build()).start()) {
            TestSupport.Client client = new TestSupport.Client(server);
            JsonNode doc = client.json("/openapi.json");
            assertTrue(doc.get("openapi").asText().startsWith("3."));
            assertEquals(DemucsServer.version(), doc.get("info").get("version").asText());
            assertEquals(client.json("/status").get("version").asText(), doc.get("info").get("version").asText());
            checkRefs(doc, doc);
        }
    }

    private static void checkRefs(JsonNode root, JsonNode node) {
        if (node.isObject()) {
            JsonNode ref = node.get("$ref");
            if (ref != null) {
                String pointer = ref.asText();
                assertTrue(pointer.startsWith("#/"), pointer);
                assertTrue(!root.at(pointer.substring(1)).isMissingNode(), () -> "unresolved $ref " + pointer);
            }
            node.elements().forEachRemaining(n -> checkRefs(root, n));
        } else if (node.isArray()) {
            node.elements().forEachRemaining(n -> checkRefs(root, n));
        }
    }
}
