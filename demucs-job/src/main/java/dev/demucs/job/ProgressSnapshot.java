package dev.demucs.job;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.util.Locale;
import java.util.Objects;

/**
 * The content of the template's {@code progress.txt}:
 * <pre>{@code
 * {
 *   "state": "demucs",
 *   "tasks": {
 *     "models": "done",
 *     "cutting": "no_work",
 *     "inference": "running",
 *     "conversion": "no_work"
 *   },
 *   "timestamp": 1704067200.0,
 *   "elapsed_seconds": 45.2,
 *   "details": {
 *     "models_ready": true,
 *     "completed_segments": 2,
 *     "total_segments": 4,
 *     "percent": 50.0
 *   }
 * }
 * }</pre>
 * plus {@code details.error} (a one-line message) in state {@code error}. {@link #toJson()}
 * writes exactly this shape (field order, two-space indentation, plain decimal numbers).
 *
 * @param state          global state
 * @param tasks          per-task state
 * @param timestamp      when the snapshot was taken, seconds since the epoch
 * @param elapsedSeconds seconds since the job started (0 when idle)
 * @param details        counters
 */
public record ProgressSnapshot(State state, Tasks tasks, double timestamp, double elapsedSeconds, Details details) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public ProgressSnapshot {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(tasks, "tasks");
        Objects.requireNonNull(details, "details");
    }

    /** Global state of the template: {@code idle}, {@code demucs}, {@code completed}, {@code error}. */
    public enum State {
        IDLE, DEMUCS, COMPLETED, ERROR;

        /** The JSON value, lower case. */
        public String json() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** @throws IllegalArgumentException for an unknown value */
        public static State fromJson(String value) {
            return valueOf(value.toUpperCase(Locale.ROOT));
        }
    }

    /**
     * State of one task. The template writes {@code done} for {@code models} when the models are
     * ready, {@code running} for the task under way and {@code no_work} for the others (also once
     * a task has finished).
     */
    public enum TaskState {
        DONE, RUNNING, NO_WORK;

        public String json() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static TaskState fromJson(String value) {
            return valueOf(value.toUpperCase(Locale.ROOT));
        }
    }

    /** The four tasks of the template. */
    public record Tasks(TaskState models, TaskState cutting, TaskState inference, TaskState conversion) {
        public Tasks {
            Objects.requireNonNull(models, "models");
            Objects.requireNonNull(cutting, "cutting");
            Objects.requireNonNull(inference, "inference");
            Objects.requireNonNull(conversion, "conversion");
        }
    }

    /**
     * @param modelsReady       the models are loaded (or extracted) and usable
     * @param completedSegments segments whose stems are fully written
     * @param totalSegments     segments of the job (0 before the cut is known)
     * @param percent           0 … 100, never decreasing within a job
     * @param error             one-line reason in state {@code error}, else {@code null}
     */
    public record Details(boolean modelsReady, int completedSegments, int totalSegments, double percent, String error) {
    }

    /** This snapshot with another state, tasks and details, and the same times. */
    public ProgressSnapshot with(State newState, Tasks newTasks, Details newDetails) {
        return new ProgressSnapshot(newState, newTasks, timestamp, elapsedSeconds, newDetails);
    }

    /** The template's JSON, with a trailing newline. */
    public String toJson() {
        StringBuilder b = new StringBuilder(320);
        b.append("{\n");
        b.append("  \"state\": ").append(quote(state.json())).append(",\n");
        b.append("  \"tasks\": {\n");
        b.append("    \"models\": ").append(quote(tasks.models().json())).append(",\n");
        b.append("    \"cutting\": ").append(quote(tasks.cutting().json())).append(",\n");
        b.append("    \"inference\": ").append(quote(tasks.inference().json())).append(",\n");
        b.append("    \"conversion\": ").append(quote(tasks.conversion().json())).append("\n");
        b.append("  },\n");
        b.append("  \"timestamp\": ").append(number(timestamp, 3)).append(",\n");
        b.append("  \"elapsed_seconds\": ").append(number(elapsedSeconds, 3)).append(",\n");
        b.append("  \"details\": {\n");
        b.append("    \"models_ready\": ").append(details.modelsReady()).append(",\n");
        b.append("    \"completed_segments\": ").append(details.completedSegments()).append(",\n");
        b.append("    \"total_segments\": ").append(details.totalSegments()).append(",\n");
        b.append("    \"percent\": ").append(number(details.percent(), 2));
        if (details.error() != null) {
            b.append(",\n    \"error\": ").append(quote(details.error()));
        }
        b.append("\n  }\n}\n");
        return b.toString();
    }

    /**
     * Reads a snapshot written by {@link #toJson()} (or by the Python template).
     *
     * @throws IllegalArgumentException naming what is missing or malformed
     */
    public static ProgressSnapshot fromJson(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException("progress is not JSON: " + e.getMessage(), e);
        }
        try {
            JsonNode t = required(root, "tasks");
            JsonNode d = required(root, "details");
            JsonNode error = d.get("error");
            return new ProgressSnapshot(
                    State.fromJson(required(root, "state").asText()),
                    new Tasks(TaskState.fromJson(required(t, "models").asText()),
                            TaskState.fromJson(required(t, "cutting").asText()),
                            TaskState.fromJson(required(t, "inference").asText()),
                            TaskState.fromJson(required(t, "conversion").asText())),
                    required(root, "timestamp").asDouble(),
                    required(root, "elapsed_seconds").asDouble(),
                    new Details(required(d, "models_ready").asBoolean(),
                            required(d, "completed_segments").asInt(),
                            required(d, "total_segments").asInt(),
                            required(d, "percent").asDouble(),
                            error == null || error.isNull() ? null : error.asText()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("progress JSON is malformed: " + e.getMessage(), e);
        }
    }

    private static JsonNode required(JsonNode node, String field) {
        JsonNode v = node == null ? null : node.get(field);
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException("missing field '" + field + "'");
        }
        return v;
    }

    private static String quote(String s) {
        return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(s)) + "\"";
    }

    /** A plain decimal (never an exponent) with at most {@code decimals} decimals and at least one. */
    static String number(double value, int decimals) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return "0.0";
        }
        String s = BigDecimal.valueOf(value).setScale(decimals, java.math.RoundingMode.HALF_UP)
                .stripTrailingZeros().toPlainString();
        return s.indexOf('.') < 0 ? s + ".0" : s;
    }
}
