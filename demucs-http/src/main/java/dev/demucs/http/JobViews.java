package dev.demucs.http;

import dev.demucs.core.DeviceInUse;
import dev.demucs.job.JobLayout;
import dev.demucs.job.JobLimits;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.demucs.job.ProgressFile;
import dev.demucs.job.ProgressSnapshot;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The read side of the API and DELETE: {@code /health}, {@code /status}, {@code /openapi.json},
 * {@code /jobs}, {@code /job/{id}} (GET and DELETE) and {@code /job/{id}/logs}.
 */
final class JobViews {
    private static final int MAX_LOG_CHUNK = 1 << 20;

    private final ServerConfig config;
    private final JobStore store;
    private final JobManager jobs;
    private final ModelHolder model;
    private final String version;
    private final Instant startedAt = Instant.now();

    JobViews(ServerConfig config, JobStore store, JobManager jobs, ModelHolder model, String version) {
        this.config = config;
        this.store = store;
        this.jobs = jobs;
        this.model = model;
        this.version = version;
    }

    void register(Router router) {
        router.route("GET", "/health", this::health)
                .route("GET", "/status", this::status)
                .route("GET", "/openapi.json", this::openapi)
                .route("GET", "/jobs", this::listJobs)
                .route("GET", "/job/{id}", this::getJob)
                .route("DELETE", "/job/{id}", this::deleteJob)
                .route("GET", "/job/{id}/logs", this::jobLogs);
    }

    private void health(Exchange ex, List<String> p) throws IOException {
        ex.sendJson(200, Json.object().put("status", "ok").put("timestamp", Instant.now().toString()));
    }

    private void status(Exchange ex, List<String> p) throws IOException {
        List<JobRecord> all = store.all();
        ObjectNode o = Json.object()
                .put("status", "running")
                .put("models_ready", model.ready());
        model.name().ifPresent(n -> o.put("model", n));
        model.error().ifPresent(e -> o.put("model_error", e));
        o.put("active_jobs", jobs.activeCount())
                .put("queued_jobs", jobs.queuedCount())
                .put("completed_jobs", all.stream().filter(j -> JobRecord.COMPLETED.equals(j.status())).count())
                .put("failed_jobs", all.stream().filter(j -> JobRecord.FAILED.equals(j.status())).count())
                .put("workers", config.workers())
                .put("queue_capacity", config.queueCapacity())
                // the device in use once the model is loaded (auto resolved), the configured one before
                .put("device", model.deviceInUse().map(d -> d.device().toString())
                        .orElse(config.separationOptions().device().toString()));
        jobs.deviceFallback().or(() -> model.deviceInUse().map(DeviceInUse::fallbackReason))
                .ifPresent(f -> o.put("device_fallback", f));
        o.set("limits", limitsJson(config.jobLimits()));
        o.put("version", version)
                .put("uptime_seconds", Duration.between(startedAt, Instant.now()).toSeconds());
        ex.sendJson(200, o);
    }

    /** The operator's caps, named as their flags; a cap that is off is null. */
    static ObjectNode limitsJson(JobLimits l) {
        ObjectNode o = Json.object().put("max_shifts", l.maxShifts()).put("max_overlap", l.maxOverlap())
                .put("min_segment_seconds", l.minSegmentSeconds());
        if (l.maxInputSeconds() > 0) {
            o.put("max_input_seconds", l.maxInputSeconds());
        } else {
            o.putNull("max_input_seconds");
        }
        if (l.maxFilesPerJob() > 0) {
            o.put("max_files_per_job", l.maxFilesPerJob());
        } else {
            o.putNull("max_files_per_job");
        }
        return o;
    }

    private void openapi(Exchange ex, List<String> p) throws IOException {
        ObjectNode doc = openApiDocument();
        ((ObjectNode) doc.get("info")).put("version", version);
        ex.sendJson(200, doc);
    }

    /** The OpenAPI 3 document shipped as a resource. */
    static ObjectNode openApiDocument() {
        try (InputStream in = JobViews.class.getResourceAsStream("openapi.json")) {
            if (in == null) {
                throw new IllegalStateException("openapi.json is missing from the jar");
            }
            return (ObjectNode) Json.MAPPER.readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException("openapi.json is unreadable: " + e.getMessage(), e);
        }
    }

    private void listJobs(Exchange ex, List<String> p) throws IOException {
        Map<String, String> q = ex.query();
        String status = q.get("status");
        int limit = 50;
        if (q.containsKey("limit")) {
            try {
                limit = Integer.parseInt(q.get("limit"));
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > 10_000) {
                throw ApiException.badRequest("limit must be a whole number in 1 … 10000, got '" + JobRequest.clip(q.get("limit")) + "'");
            }
        }
        List<JobRecord> all = store.all();
        all.sort(Comparator.comparing(JobRecord::createdAt).reversed().thenComparing(JobRecord::id));
        ArrayNode list = Json.MAPPER.createArrayNode();
        for (JobRecord r : all) {
            if (list.size() >= limit) {
                break;
            }
            if (status != null && !status.equals(r.status())) {
                continue;
            }
            list.add(summary(r));
        }
        ObjectNode o = Json.object();
        o.set("jobs", list);
        o.put("total", all.size());
        ex.sendJson(200, o);
    }

    private static ObjectNode summary(JobRecord r) {
        ObjectNode o = Json.object()
                .put("job_id", r.id())
                .put("status", r.status())
                .put("created_at", r.createdAt())
                .put("started_at", r.startedAt())
                .put("completed_at", r.completedAt());
        if (r.error() != null) {
            o.put("error", r.error());
        }
        return o;
    }

    private void getJob(Exchange ex, List<String> p) throws IOException {
        JobRecord r = job(store, p.get(0));
        Path dir = store.dir(r.id());
        ObjectNode o = Json.object().put("job_id", r.id()).put("status", r.status());
        Optional<ProgressSnapshot> progress = jobs.progress(r.id());
        ObjectNode progressJson = progress.isPresent()
                ? (ObjectNode) Json.MAPPER.readTree(progress.get().toJson())
                : (ObjectNode) Json.MAPPER.readTree(ProgressFile.idle(model.ready()).toJson());
        progressJson.fields().forEachRemaining(e -> o.set(e.getKey(), e.getValue()));
        o.put("error", r.error());
        o.put("created_at", r.createdAt()).put("started_at", r.startedAt()).put("completed_at", r.completedAt());
        if (JobRecord.PENDING.equals(r.status())) {
            o.put("queue_position", jobs.queuePosition(r.id()));
        }
        if (JobRecord.RUNNING.equals(r.status())) { // the worker holds a job a moment before and after it runs
            jobs.phase(r.id()).ifPresent(ph -> o.put("phase", ph));
        }
        o.put("attempts", r.attempts());
        if (r.note() != null) {
            o.put("note", r.note());
        }
        ObjectNode request = r.request() == null ? Json.object() : r.request().toPublicJson();
        if (r.inputName() != null) {
            request.put("upload_name", r.inputName());
        }
        o.set("request", request);
        o.put("logs_url", "/job/" + r.id() + "/logs");
        if (JobRecord.COMPLETED.equals(r.status())) {
            o.put("result_url", "/result/" + r.id());
            ArrayNode files = Json.MAPPER.createArrayNode();
            for (Path f : ResultFiles.list(dir)) {
                files.addObject()
                        .put("name", f.getFileName().toString())
                        .put("path", dir.relativize(f).toString().replace('\\', '/'))
                        .put("bytes", Files.size(f))
                        .put("url", "/result/" + r.id() + "/" + f.getFileName());
            }
            o.set("files", files);
        }
        ex.sendJson(200, o);
    }

    private void deleteJob(Exchange ex, List<String> p) throws IOException {
        String id = job(store, p.get(0)).id();
        JobManager.Deleted d = jobs.delete(id);
        ObjectNode o = Json.object().put("status", "deleted").put("job_id", id).put("previous_status", d.previousStatus());
        if (!d.notRemoved().isEmpty()) {
            o.put("warning", "the job is deleted but " + d.notRemoved().size()
                    + " file(s) could not be removed; they are removed at the next start");
            ArrayNode left = o.putArray("not_removed");
            d.notRemoved().forEach(left::add);
        }
        ex.sendJson(200, o);
    }

    private void jobLogs(Exchange ex, List<String> p) throws IOException {
        JobRecord r = job(store, p.get(0));
        String offsetText = ex.query().getOrDefault("offset", "0");
        long offset;
        try {
            offset = Long.parseLong(offsetText);
        } catch (NumberFormatException e) {
            offset = -1;
        }
        if (offset < 0) {
            throw ApiException.badRequest("offset must be a whole number >= 0, got '" + JobRequest.clip(offsetText) + "'");
        }
        Path log = store.dir(r.id()).resolve(JobManager.LOG_FILE);
        String text = "";
        long next = offset;
        if (Files.exists(log)) {
            try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
                long size = f.length();
                if (offset < size) {
                    byte[] b = new byte[(int) Math.min(MAX_LOG_CHUNK, size - offset)];
                    f.seek(offset);
                    f.readFully(b);
                    text = new String(b, StandardCharsets.UTF_8);
                    next = offset + b.length;
                }
            }
        }
        ex.sendJson(200, Json.object().put("logs", text).put("offset", next).put("status", r.status()));
    }

    /** The job with this id; 404 when there is none or the id is not a valid one. */
    static JobRecord job(JobStore store, String id) {
        store.dir(id); // validates the id
        return store.get(id).orElseThrow(() -> ApiException.notFound("no job with id '" + id + "'"));
    }
}
