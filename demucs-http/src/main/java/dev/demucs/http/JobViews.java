package dev.demucs.http;

import dev.demucs.core.DeviceInUse;
import dev.demucs.job.JobLimits;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.demucs.job.ProgressFile;
import dev.demucs.job.ProgressSnapshot;
import dev.demucs.job.queue.JobFiles;
import dev.demucs.job.queue.JobQueue;
import dev.demucs.job.queue.JobRecord;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
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
    private final JobQueue queue;
    private final JobFiles files;
    private final JobManager jobs;
    private final ModelHolder model;
    private final String version;
    private final String nodeId;
    private final Instant startedAt = Instant.now();

    JobViews(ServerConfig config, JobQueue queue, JobFiles files, JobManager jobs, ModelHolder model, String version, String nodeId) {
        this.nodeId = nodeId;
        this.config = config;
        this.queue = queue;
        this.files = files;
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
        ObjectNode o = Json.object()
                .put("status", "running")
                .put("models_ready", model.ready());
        model.name().ifPresent(n -> o.put("model", n));
        model.error().ifPresent(e -> o.put("model_error", e));
        o.put("active_jobs", jobs.activeCount())
                .put("queued_jobs", jobs.queuedCount())
                .put("completed_jobs", queue.count(JobRecord.COMPLETED))
                .put("failed_jobs", queue.count(JobRecord.FAILED))
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
        cluster(o);
        ex.sendJson(200, o);
    }

    /** The servers of a shared queue (nothing for a single server): who is alive, their workers, what runs. */
    private void cluster(ObjectNode o) {
        List<JobQueue.NodeInfo> nodes = queue.nodes();
        if (nodes.isEmpty()) {
            return;
        }
        o.put("node_id", nodeId)
                .put("running_jobs", queue.count(JobRecord.RUNNING))
                .put("nodes_alive", nodes.stream().filter(JobQueue.NodeInfo::alive).count())
                .put("cluster_workers", nodes.stream().filter(JobQueue.NodeInfo::alive).mapToInt(JobQueue.NodeInfo::workers).sum());
        ArrayNode list = o.putArray("nodes");
        for (JobQueue.NodeInfo n : nodes) {
            list.addObject().put("node_id", n.id()).put("address", n.address()).put("workers", n.workers())
                    .put("running_jobs", n.runningJobs()).put("last_heartbeat", n.lastHeartbeat()).put("alive", n.alive());
        }
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
        ArrayNode list = Json.MAPPER.createArrayNode();
        for (JobRecord r : queue.list(status, limit)) {
            list.add(summary(r));
        }
        ObjectNode o = Json.object();
        o.set("jobs", list);
        o.put("total", queue.count(null));
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
        JobRecord r = job(queue, p.get(0));
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
        ObjectNode request = r.request() == null ? Json.object() : JobRequest.toPublicJson(r.request());
        if (r.inputName() != null) {
            request.put("upload_name", r.inputName());
        }
        o.set("request", request);
        o.put("logs_url", "/job/" + r.id() + "/logs");
        if (JobRecord.COMPLETED.equals(r.status())) {
            o.put("result_url", "/result/" + r.id());
            ArrayNode list = Json.MAPPER.createArrayNode();
            for (JobFiles.ResultFile f : files.results(r.id())) {
                list.addObject()
                        .put("name", f.name())
                        .put("path", f.path())
                        .put("bytes", f.bytes())
                        .put("url", "/result/" + r.id() + "/" + f.name());
            }
            o.set("files", list);
        }
        ex.sendJson(200, o);
    }

    private void deleteJob(Exchange ex, List<String> p) throws IOException {
        String id = job(queue, p.get(0)).id();
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
        JobRecord r = job(queue, p.get(0));
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
        JobFiles.LogChunk chunk = files.readLog(r.id(), offset, MAX_LOG_CHUNK);
        ex.sendJson(200, Json.object().put("logs", chunk.text()).put("offset", chunk.nextOffset()).put("status", r.status()));
    }

    /** The job with this id; 404 when there is none or the id is not a valid one. */
    static JobRecord job(JobQueue queue, String id) {
        if (!JobRecord.validId(id)) {
            throw ApiException.notFound("no job with id '" + (id == null ? "" : JobRequest.clip(id)) + "'");
        }
        return queue.get(id).orElseThrow(() -> ApiException.notFound("no job with id '" + id + "'"));
    }
}
