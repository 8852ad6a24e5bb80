package dev.demucs.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.demucs.ffmpeg.ClipMode;
import dev.demucs.job.JobField;
import dev.demucs.job.JobFields;
import dev.demucs.job.JobInputException;
import dev.demucs.job.JobLimits;
import dev.demucs.job.JobSpec;
import dev.demucs.job.queue.JobRecord;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What a client asked for in {@code POST /job}, as stored in {@code job.json} and shown to clients.
 * Field names are the JSON ones (snake_case). {@code null} means "not given, use the default".
 * Reading maps the transport (JSON, form fields, query parameters) into the job's
 * {@link JobFields}; the job's rules and the operator's caps are {@link JobSpec}'s alone
 * ({@link #spec}), so a bad value gets the same message as on the command line.
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
    static final Pattern JOB_ID = JobRecord.ID;

    private static final String INPUT_URL = "input_url";
    private static final String JOB_ID_FIELD = "job_id";

    static final Set<String> FIELDS = Stream.concat(Stream.of(INPUT_URL, JOB_ID_FIELD),
            Arrays.stream(JobField.values()).filter(JobField::http).map(JobField::key)).collect(Collectors.toUnmodifiableSet());

    /** The request from the job's fields. */
    static JobRequest of(String jobId, JobFields f) {
        return new JobRequest(f.input(), f.intervalCut(), f.allStems(), jobId, f.segmentMaxSeconds(), f.twoStems(),
                f.mp3Bitrate(), f.clipMode() == null ? null : f.clipMode().name().toLowerCase(Locale.ROOT), f.shifts(),
                f.overlap(), f.seed());
    }

    /** The job's fields of this request (input: the URL, or null for an upload). */
    JobFields fields() {
        return new JobFields(inputUrl, intervalCut, allStems, segmentMaxSeconds, twoStems, mp3Bitrate,
                clipMode == null ? null : ClipMode.valueOf(clipMode.toUpperCase(Locale.ROOT)), shifts, overlap, seed);
    }

    /**
     * The job this request asks for, on {@code input} (the URL, or where the upload is).
     *
     * @throws dev.demucs.job.JobInputException naming the field or the limit (the CLI's message)
     */
    JobSpec spec(String input, Path outputDir, JobLimits limits) {
        return JobSpec.fromFields(fields().withInput(input), outputDir, limits);
    }

    /**
     * Reads a JSON object: scalars are read from their text as form fields are.
     *
     * @throws ApiException 400 naming the field and what is wrong
     */
    static JobRequest fromJson(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ApiException.badRequest("request body must be a JSON object");
        }
        Map<String, String> text = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> fields = body.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> e = fields.next();
            String name = e.getKey();
            JsonNode n = e.getValue();
            checkKnown(name);
            if (n.isNull()) {
                continue;
            }
            Optional<JobField> field = JobField.ofKey(name);
            if (field.isEmpty() && !n.isTextual()) {
                throw ApiException.badRequest(name + " must be a string, got " + kind(n));
            }
            if (field.isPresent() && field.get() == JobField.INTERVAL_CUT && n.isArray()) {
                List<String> parts = new ArrayList<>();
                for (JsonNode c : n) {
                    if (!c.isNumber()) {
                        throw ApiException.badRequest(name + " must be " + field.get().kind() + ", got an array holding " + kind(c));
                    }
                    parts.add(c.asText());
                }
                text.put(name, String.join(",", parts));
            } else if (n.isValueNode()) {
                text.put(name, n.asText());
            } else {
                throw ApiException.badRequest(name + " must be " + field.map(JobField::kind).orElse("a string") + ", got " + kind(n));
            }
        }
        return fromText(text);
    }

    /**
     * Reads form fields or query parameters (all text): the same names and checks as JSON.
     *
     * @throws ApiException 400 naming the field and what is wrong
     */
    static JobRequest fromText(Map<String, String> fields) {
        Map<JobField, String> job = new EnumMap<>(JobField.class);
        for (Map.Entry<String, String> e : fields.entrySet()) {
            checkKnown(e.getKey());
            JobField.ofKey(e.getKey()).ifPresent(f -> job.put(f, e.getValue()));
        }
        String jobId = fields.get(JOB_ID_FIELD);
        if (jobId != null && !JOB_ID.matcher(jobId).matches()) {
            throw ApiException.badRequest("job_id must be 1 to 64 letters, digits, '-' or '_', got '" + clip(jobId) + "'");
        }
        try {
            return of(jobId, JobFields.parse(fields.get(INPUT_URL), job));
        } catch (JobInputException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    private static void checkKnown(String name) {
        if (!FIELDS.contains(name)) {
            throw ApiException.badRequest("unknown field '" + clip(name) + "'; known fields are " + new TreeSet<>(FIELDS));
        }
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

    /** The request as a job's record keeps it ({@link JobRecord#request()}, snake_case, nulls left out). */
    ObjectNode toRecord() {
        return Json.RECORDS.valueToTree(this);
    }

    /**
     * The request a job's record keeps.
     *
     * @throws IllegalArgumentException when the stored request does not read as one
     */
    static JobRequest fromRecord(ObjectNode stored) {
        try {
            return Json.RECORDS.treeToValue(stored, JobRequest.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("the job's stored request is unreadable: " + e.getOriginalMessage(), e);
        }
    }

    /** A stored request as shown to clients (URL query string hidden). */
    static ObjectNode toPublicJson(ObjectNode stored) {
        ObjectNode o = stored.deepCopy();
        if (o.hasNonNull("input_url")) {
            o.put("input_url", dev.demucs.net.Fetcher.redact(o.get("input_url").asText()));
        }
        return o;
    }
}
