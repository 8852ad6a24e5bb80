package dev.demucs.models;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.demucs.core.InvalidModelException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/** Strict JSON reading for catalogues and manifests, with errors that name the file and line. */
final class JsonFiles {

    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private JsonFiles() {
    }

    /** Reads a whole JSON document; a syntax error becomes "origin: line L, column C: reason". */
    static JsonNode read(InputStream in, String origin) {
        try {
            JsonNode node = MAPPER.readTree(in);
            if (node == null || node.isMissingNode()) {
                throw new InvalidModelException(origin + ": empty file, expected a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : ": line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new InvalidModelException(origin + where + ": invalid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new InvalidModelException(origin + ": cannot read: " + e.getMessage(), e);
        }
    }

    static ObjectNode object(JsonNode node, String origin, String path) {
        if (!(node instanceof ObjectNode o)) {
            throw new InvalidModelException(origin + ": " + path + " must be a JSON object");
        }
        return o;
    }

    static void onlyKeys(ObjectNode node, String origin, String path, Set<String> allowed) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!allowed.contains(key) && !key.startsWith("_")) {
                throw new InvalidModelException(origin + ": " + path + ": unknown key \"" + key + "\" (allowed: "
                        + String.join(", ", allowed.stream().sorted().toList()) + ")");
            }
        }
    }

    static String text(ObjectNode node, String key, String origin, String path, boolean required) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            if (required) {
                throw new InvalidModelException(origin + ": " + path + ": missing \"" + key + "\"");
            }
            return null;
        }
        if (!v.isTextual() || v.asText().isBlank()) {
            throw new InvalidModelException(origin + ": " + path + "." + key + " must be a non-empty string");
        }
        return v.asText();
    }

    static int positiveInt(ObjectNode node, String key, String origin, String path, int fallback) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() <= 0) {
            throw new InvalidModelException(origin + ": " + path + "." + key + " must be a positive integer, got " + v);
        }
        return v.asInt();
    }

    static long nonNegativeLong(ObjectNode node, String key, String origin, String path, long fallback) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 0) {
            throw new InvalidModelException(origin + ": " + path + "." + key + " must be a non-negative integer, got " + v);
        }
        return v.asLong();
    }

    static List<String> strings(ObjectNode node, String key, String origin, String path, boolean required) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            if (required) {
                throw new InvalidModelException(origin + ": " + path + ": missing \"" + key + "\"");
            }
            return null;
        }
        if (!v.isArray() || v.isEmpty()) {
            throw new InvalidModelException(origin + ": " + path + "." + key + " must be a non-empty array of strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : v) {
            if (!e.isTextual() || e.asText().isBlank()) {
                throw new InvalidModelException(origin + ": " + path + "." + key + " must hold non-empty strings, got " + e);
            }
            if (out.contains(e.asText())) {
                throw new InvalidModelException(origin + ": " + path + "." + key + " names \"" + e.asText() + "\" twice");
            }
            out.add(e.asText());
        }
        return out;
    }

    static float[] weights(ObjectNode node, String key, String origin, String path, int expected) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isArray()) {
            throw new InvalidModelException(origin + ": " + path + "." + key + " must be an array of numbers");
        }
        if (expected > 0 && v.size() != expected) {
            throw new InvalidModelException(origin + ": " + path + "." + key + " has " + v.size()
                    + " weights but the model has " + expected + " sources");
        }
        float[] w = new float[v.size()];
        for (int i = 0; i < w.length; i++) {
            JsonNode e = v.get(i);
            if (!e.isNumber() || !Double.isFinite(e.asDouble()) || e.asDouble() < 0) {
                throw new InvalidModelException(origin + ": " + path + "." + key + "[" + i
                        + "] must be a finite number >= 0, got " + e);
            }
            w[i] = (float) e.asDouble();
        }
        return w;
    }
}
