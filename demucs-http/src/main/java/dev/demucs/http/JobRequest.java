package dev.demucs.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * What a client asked for in {@code POST /job}, validated. Field names are the JSON ones
 * (snake_case). {@code null} means "not given, use the default".
 *
 * @param inputUrl          http(s) URL of the audio (absent for uploads)
 * @param intervalCut       cut points in seconds as text, e.g. {@code "300,600,900"}
 * @param allStems          write every stem, not only vocals and instrumental
 * @param jobId             an id chosen by the client
 * @param segmentMaxSeconds longest automatic segment when {@code intervalCut} is absent
 * @param twoStems           the stem separated from the rest (default vocals)
 * @param mp3Bitrate        bitrate of instrumental.mp3 in kbit/s
 * @param clipMode          rescale, clamp or none
 * @param shifts            random shifts averaged (separator option)
 * @param overlap           chunk overlap in [0, 1) (separator option)
 * @param seed              random seed of the shifts (separator option)
 */
record JobRequest(String inputUrl, String intervalCut, Boolean allStems, String jobId, Double segmentMaxSeconds,
                  String twoStems, Integer mp3Bitrate, String clipMode, Integer shifts, Double overlap, Long seed) {

    /** Ids chosen by clients: letters, digits, '-' and '_', 1 to 64 characters. */
    static final Pattern JOB_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    static final Set<String> FIELDS = Set.of("input_url", "interval_cut", "all_stems", "job_id",
            "segment_max_seconds", "two_stems", "mp3_bitrate", "clip_mode", "shifts", "overlap", "seed");

    /** True when a separator option differs from the server's shared separator. */
    boolean hasSeparatorOptions() {
        return shifts != null || overlap != null || seed != null;
    }

    boolean allStemsOrDefault() {
        return allStems != null && allStems;
    }

    JobRequest withInputUrl(String url) {
        return new JobRequest(url, intervalCut, allStems, jobId, segmentMaxSeconds, twoStems, mp3Bitrate, clipMode,
                shifts, overlap, seed);
    }

    /**
     * Reads a JSON object; every field is checked for its type and range.
     *
     * @throws ApiException 400 naming the field and what is wrong
     */
    static JobRequest fromJson(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ApiException.badRequest("request body must be a JSON object");
        }
        Iterator<String> names = body.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw ApiException.badRequest("unknown field '" + name + "'; known fields are " + new java.util.TreeSet<>(FIELDS));
            }
        }
        return fromAccessor(name -> {
            JsonNode n = body.get(name);
            return n == null || n.isNull() ? null : n;
        });
    }

    /**
     * Reads form fields or query parameters (all text): the same names and checks as JSON.
     *
     * @throws ApiException 400 naming the field and what is wrong
     */
    static JobRequest fromText(Map<String, String> fields) {
        for (String name : fields.keySet()) {
            if (!FIELDS.contains(name)) {
                throw ApiException.badRequest("unknown field '" + name + "'; known fields are " + new java.util.TreeSet<>(FIELDS));
            }
        }
        return fromAccessor(name -> {
            String v = fields.get(name);
            return v == null ? null : Json.MAPPER.getNodeFactory().textNode(v);
        });
    }

    private static JobRequest fromAccessor(Function<String, JsonNode> get) {
        String inputUrl = text(get, "input_url");
        String intervalCut = cuts(get.apply("interval_cut"));
        Boolean allStems = bool(get, "all_stems");
        String jobId = text(get, "job_id");
        if (jobId != null && !JOB_ID.matcher(jobId).matches()) {
            throw ApiException.badRequest("job_id must be 1 to 64 letters, digits, '-' or '_', got '" + clip(jobId) + "'");
        }
        Double segmentMax = number(get, "segment_max_seconds");
        if (segmentMax != null && !(segmentMax > 0 && segmentMax <= 86_400)) {
            throw ApiException.badRequest("segment_max_seconds must be > 0 and at most 86400, got " + segmentMax);
        }
        String twoStems = text(get, "two_stems");
        if (twoStems != null && !twoStems.matches("[a-z0-9_]{1,32}")) {
            throw ApiException.badRequest("two_stems must be a stem name such as vocals, got '" + clip(twoStems) + "'");
        }
        Double bitrate = number(get, "mp3_bitrate");
        if (bitrate != null && (bitrate != Math.rint(bitrate) || bitrate < 32 || bitrate > 320)) {
            throw ApiException.badRequest("mp3_bitrate must be a whole number of kbit/s in 32 … 320, got " + bitrate);
        }
        String clipMode = text(get, "clip_mode");
        if (clipMode != null) {
            clipMode = clipMode.toLowerCase(Locale.ROOT);
            if (!Set.of("rescale", "clamp", "none").contains(clipMode)) {
                throw ApiException.badRequest("clip_mode must be rescale, clamp or none, got '" + clip(clipMode) + "'");
            }
        }
        Double shifts = number(get, "shifts");
        if (shifts != null && (shifts != Math.rint(shifts) || shifts < 0 || shifts > 20)) {
            throw ApiException.badRequest("shifts must be a whole number in 0 … 20, got " + shifts);
        }
        Double overlap = number(get, "overlap");
        if (overlap != null && !(overlap >= 0 && overlap < 1)) {
            throw ApiException.badRequest("overlap must be in [0, 1), got " + overlap);
        }
        Double seed = number(get, "seed");
        if (seed != null && (seed != Math.rint(seed) || Math.abs(seed) > 9.007199254740991E15)) {
            throw ApiException.badRequest("seed must be a whole number, got " + seed);
        }
        return new JobRequest(inputUrl, intervalCut, allStems, jobId, segmentMax, twoStems,
                bitrate == null ? null : bitrate.intValue(), clipMode, shifts == null ? null : shifts.intValue(), overlap,
                seed == null ? null : seed.longValue());
    }

    private static String text(Function<String, JsonNode> get, String name) {
        JsonNode n = get.apply(name);
        if (n == null) {
            return null;
        }
        if (!n.isTextual()) {
            throw ApiException.badRequest(name + " must be a string, got " + kind(n));
        }
        return n.asText();
    }

    private static Boolean bool(Function<String, JsonNode> get, String name) {
        JsonNode n = get.apply(name);
        if (n == null) {
            return null;
        }
        if (n.isBoolean()) {
            return n.booleanValue();
        }
        if (n.isTextual()) {
            String t = n.asText().trim().toLowerCase(Locale.ROOT);
            if (t.equals("true") || t.equals("1") || t.equals("yes")) {
                return true;
            }
            if (t.equals("false") || t.equals("0") || t.equals("no")) {
                return false;
            }
        }
        throw ApiException.badRequest(name + " must be a boolean, got " + kind(n));
    }

    private static Double number(Function<String, JsonNode> get, String name) {
        JsonNode n = get.apply(name);
        if (n == null) {
            return null;
        }
        if (n.isNumber()) {
            return n.doubleValue();
        }
        if (n.isTextual()) {
            try {
                double v = Double.parseDouble(n.asText().trim());
                if (Double.isFinite(v)) {
                    return v;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw ApiException.badRequest(name + " must be a number, got '" + clip(n.asText()) + "'");
        }
        throw ApiException.badRequest(name + " must be a number, got " + kind(n));
    }

    /** interval_cut as text: a string as is, or an array of numbers joined with commas. */
    private static String cuts(JsonNode n) {
        if (n == null) {
            return null;
        }
        if (n.isTextual()) {
            return n.asText();
        }
        if (n.isArray()) {
            List<String> parts = new ArrayList<>();
            for (JsonNode e : n) {
                if (!e.isNumber()) {
                    throw ApiException.badRequest("interval_cut must be a string like \"300,600,900\" or an array of numbers, got an array holding " + kind(e));
                }
                parts.add(e.asText());
            }
            return String.join(",", parts);
        }
        throw ApiException.badRequest("interval_cut must be a string like \"300,600,900\" or an array of numbers, got " + kind(n));
    }

    private static String kind(JsonNode n) {
        if (n.isTextual()) {
            return "a string";
        }
        if (n.isNumber()) {
            return "a number";
        }
        if (n.isBoolean()) {
            return "a boolean";
        }
        if (n.isArray()) {
            return "an array";
        }
        if (n.isObject()) {
            return "an object";
        }
        return n.getNodeType().toString().toLowerCase(Locale.ROOT);
    }

    static String clip(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "…" : s;
    }

    /** The request as stored in job.json and shown to clients (URL query string hidden). */
    ObjectNode toPublicJson() {
        ObjectNode o = Json.RECORDS.valueToTree(this);
        if (inputUrl != null) {
            o.put("input_url", dev.demucs.net.Fetcher.redact(inputUrl));
        }
        return o;
    }
}
