package dev.demucs.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The server's shared Jackson mappers. */
final class Json {
    /**
     * Plain JSON: request bodies, responses. Decimals are kept as written (progress.txt's
     * {@code "timestamp": 1704067200.0} stays plain, never {@code 1.7040672E9}).
     */
    static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)
            .configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false);

    /** Records as snake_case JSON (job.json), nulls left out, unknown fields ignored when read. */
    static final ObjectMapper RECORDS = dev.demucs.job.queue.JobJson.RECORDS;

    private Json() {
    }

    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    static ObjectNode error(String message) {
        return object().put("error", message);
    }
}
