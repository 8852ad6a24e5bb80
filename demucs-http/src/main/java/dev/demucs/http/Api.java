package dev.demucs.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.demucs.job.ProgressFile;
import dev.demucs.job.ProgressSnapshot;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The routes of the REST API and their handlers. Every answer is JSON except file downloads;
 * every error is {@code {"error": "..."}} with a fitting status and never a stack trace.
 */
final class Api implements HttpHandler {

    /** One route: a method and an OpenAPI-style path template such as {@code /job/{id}}. */
    record Route(String method, String template, Pattern pattern, Handler handler) {
    }

    @FunctionalInterface
    interface Handler {
        void handle(HttpExchange ex, List<String> params) throws IOException;
    }

    /** File names a client may download: no path separators, no leading dot. */
    private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final List<String> RESULT_DIRS = List.of("", "demucs_results", "segments");
    private static final int MAX_LOG_CHUNK = 1 << 20;
    private static final long MAX_DRAIN = 16L << 20;

    private final ServerConfig config;
    private final JobStore store;
    private final JobManager jobs;
    private final ModelHolder model;
    private final InputFetcher fetcher;
    private final Instant startedAt = Instant.now();
    private final String version;
    private final byte[] token;
    private final List<Route> routes = new ArrayList<>();

    Api(ServerConfig config, JobStore store, JobManager jobs, ModelHolder model, InputFetcher fetcher, String version) {
        this.fetcher = fetcher;
        this.config = config;
        this.store = store;
        this.jobs = jobs;
        this.model = model;
        this.version = version;
        this.token = config.bearerToken().map(t -> t.getBytes(StandardCharsets.UTF_8)).orElse(null);
        route("GET", "/health", this::health);
        route("GET", "/status", this::status);
        route("GET", "/openapi.json", this::openapi);
        route("POST", "/job", this::createJob);
        route("GET", "/jobs", this::listJobs);
        route("GET", "/job/{id}", this::getJob);
        route("DELETE", "/job/{id}", this::deleteJob);
        route("GET", "/job/{id}/logs", this::jobLogs);
        route("GET", "/result/{id}", (ex, p) -> result(ex, p.get(0), query(ex).getOrDefault("file", "instrumental.mp3")));
        route("HEAD", "/result/{id}", (ex, p) -> result(ex, p.get(0), query(ex).getOrDefault("file", "instrumental.mp3")));
        route("GET", "/result/{id}/{name}", (ex, p) -> result(ex, p.get(0), p.get(1)));
        route("HEAD", "/result/{id}/{name}", (ex, p) -> result(ex, p.get(0), p.get(1)));
    }

    private void route(String method, String template, Handler handler) {
        String regex = Pattern.quote(template).replaceAll("\\{[a-z]+}", "\\\\E([^/]+)\\\\Q");
        routes.add(new Route(method, template, Pattern.compile(regex), handler));
    }

    /** The routes, for the OpenAPI check. */
    List<Route> routes() {
        return List.copyOf(routes);
    }

    @Override
    public void handle(HttpExchange ex) {
        try {
            dispatch(ex);
        } catch (ApiException e) {
            drain(ex);
            sendError(ex, e);
        } catch (IOException e) {
            // the client went away; nothing to answer
        } catch (RuntimeException e) {
            System.err.println("demucs-http: internal error on " + ex.getRequestMethod() + " " + ex.getRequestURI().getRawPath() + ":");
            e.printStackTrace();
            drain(ex);
            sendError(ex, new ApiException(500, "internal error (" + e.getClass().getSimpleName() + "); see the server log"));
        } finally {
            ex.close();
        }
    }

    private void dispatch(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getRawPath();
        if (path.length() > 1 && path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        if (token != null && !path.equals("/health")) {
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            byte[] given = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)
                    ? auth.substring(7).trim().getBytes(StandardCharsets.UTF_8) : new byte[0];
            if (!MessageDigest.isEqual(given, token)) {
                throw new ApiException(401, auth == null ? "authentication required: send 'Authorization: Bearer <token>'"
                        : "invalid bearer token", Map.of("WWW-Authenticate", "Bearer realm=\"demucs\""));
            }
        }
        TreeSet<String> allowed = new TreeSet<>();
        for (Route r : routes) {
            Matcher m = r.pattern().matcher(path);
            if (!m.matches()) {
                continue;
            }
            if (!r.method().equals(ex.getRequestMethod())) {
                allowed.add(r.method());
                continue;
            }
            List<String> params = new ArrayList<>();
            for (int i = 1; i <= m.groupCount(); i++) {
                params.add(URLDecoder.decode(m.group(i).replace("+", "%2B"), StandardCharsets.UTF_8));
            }
            r.handler().handle(ex, params);
            return;
        }
        if (!allowed.isEmpty()) {
            throw new ApiException(405, "method " + ex.getRequestMethod() + " is not allowed on " + JobRequest.clip(path)
                    + "; allowed: " + String.join(", ", allowed), Map.of("Allow", String.join(", ", allowed)));
        }
        throw ApiException.notFound("no route " + JobRequest.clip(path) + "; see GET /openapi.json");
    }

    // ---- template endpoints -------------------------------------------------------------

    private void health(HttpExchange ex, List<String> p) throws IOException {
        sendJson(ex, 200, Json.object().put("status", "ok").put("timestamp", Instant.now().toString()));
    }

    private void status(HttpExchange ex, List<String> p) throws IOException {
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
                .put("device", config.separationOptions().device().toString());
        jobs.deviceFallback().ifPresent(f -> o.put("device_fallback", f));
        o.put("version", version)
                .put("uptime_seconds", Duration.between(startedAt, Instant.now()).toSeconds());
        sendJson(ex, 200, o);
    }

    private void openapi(HttpExchange ex, List<String> p) throws IOException {
        ObjectNode doc = openApiDocument();
        ((ObjectNode) doc.get("info")).put("version", version);
        sendJson(ex, 200, doc);
    }

    /** The OpenAPI 3 document shipped as a resource. */
    static ObjectNode openApiDocument() {
        try (InputStream in = Api.class.getResourceAsStream("openapi.json")) {
            if (in == null) {
                throw new IllegalStateException("openapi.json is missing from the jar");
            }
            return (ObjectNode) Json.MAPPER.readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException("openapi.json is unreadable: " + e.getMessage(), e);
        }
    }

    private void createJob(HttpExchange ex, List<String> p) throws IOException {
        String contentType = ex.getRequestHeaders().getFirst("Content-Type");
        String mediaType = contentType == null ? "" : contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        long declared = contentLength(ex);
        JobRecord record;
        if (mediaType.equals("application/json")) {
            if (declared > config.maxJsonBytes()) {
                throw new ApiException(413, "JSON body of " + declared + " bytes is larger than the limit of " + config.maxJsonBytes());
            }
            JsonNode body;
            byte[] bytes = readLimited(ex.getRequestBody(), config.maxJsonBytes(), "JSON body");
            try {
                body = Json.MAPPER.readTree(bytes);
            } catch (JsonProcessingException e) {
                throw ApiException.badRequest("malformed JSON: " + InputFetcher.oneLine(new Exception(e.getOriginalMessage())));
            }
            JobRequest request = JobRequest.fromJson(body);
            if (request.inputUrl() == null) {
                throw ApiException.badRequest("input_url is required (or upload the audio as the body or as multipart/form-data)");
            }
            record = createUrlJob(request);
        } else if (mediaType.equals("multipart/form-data")) {
            jobs.checkCapacity(); // before receiving the upload
            record = createMultipartJob(ex, contentType, declared);
        } else if (mediaType.startsWith("audio/") || mediaType.startsWith("video/") || mediaType.equals("application/octet-stream")) {
            jobs.checkCapacity(); // before receiving the upload
            record = createRawUploadJob(ex, mediaType, declared);
        } else {
            throw new ApiException(415, (contentType == null ? "no Content-Type" : "Content-Type '" + JobRequest.clip(contentType) + "' is not supported")
                    + "; send application/json with input_url, multipart/form-data with a 'file' part, or the audio itself as audio/* or application/octet-stream");
        }
        ObjectNode o = Json.object()
                .put("job_id", record.id())
                .put("status", record.status())
                .put("message", "Job " + record.id() + " created. Use GET /job/" + record.id() + " to check progress.")
                .put("url", "/job/" + record.id());
        ex.getResponseHeaders().set("Location", "/job/" + record.id());
        sendJson(ex, 201, o);
    }

    private JobRecord createUrlJob(JobRequest request) {
        fetcher.check(request.inputUrl());
        validateOptions(request);
        String id = request.jobId() != null ? request.jobId() : store.newId();
        if (store.get(id).isPresent()) {
            throw ApiException.conflict("job " + id + " already exists");
        }
        jobs.checkCapacity();
        Path dir = store.createDir(id);
        try {
            JobRecord record = JobRecord.create(id, request, null, null);
            jobs.submit(record);
            return record;
        } catch (RuntimeException e) {
            store.deleteDir(dir);
            throw e;
        }
    }

    private void validateOptions(JobRequest request) {
        JobManager.cutPoints(request);
        if (request.twoStems() != null && model.ready()) {
            try {
                List<String> sources = model.await().separator().model().sources();
                if (!sources.contains(request.twoStems())) {
                    throw ApiException.badRequest("two_stems '" + request.twoStems() + "' is not a stem of the model; its stems are " + sources);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private JobRecord createRawUploadJob(HttpExchange ex, String mediaType, long declared) throws IOException {
        if (declared > config.maxInputBytes()) {
            throw new ApiException(413, "upload of " + declared + " bytes is larger than the limit of " + config.maxInputBytes());
        }
        JobRequest request = JobRequest.fromText(query(ex));
        if (request.inputUrl() != null) {
            throw ApiException.badRequest("input_url and an uploaded body are exclusive");
        }
        validateOptions(request);
        String filename = Multipart.parameter(ex.getRequestHeaders().getFirst("Content-Disposition"), "filename");
        Path temp = store.tempFile();
        try {
            // the request body is not closed here: a refused upload is drained before the answer
            try (OutputStream out = Files.newOutputStream(temp)) {
                copyLimited(ex.getRequestBody(), out, config.maxInputBytes(), "upload");
            }
            return createUploadJob(request, temp, filename, mediaType);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private JobRecord createMultipartJob(HttpExchange ex, String contentType, long declared) throws IOException {
        String boundary = Multipart.boundary(contentType);
        if (boundary == null) {
            throw ApiException.badRequest("multipart/form-data without a valid boundary parameter");
        }
        if (declared > config.maxInputBytes() + 64 * 1024) {
            throw new ApiException(413, "upload of " + declared + " bytes is larger than the limit of " + config.maxInputBytes());
        }
        Map<String, String> fields = new LinkedHashMap<>();
        Path temp = store.tempFile();
        String filename = null;
        String fileType = null;
        boolean haveFile = false;
        try {
            {
                // the request body is not closed here: a refused upload is drained before the answer
                Multipart mp = new Multipart(ex.getRequestBody(), boundary);
                Multipart.Part part;
                while ((part = mp.next()) != null) {
                    if (part.filename() != null || part.name().equals("file")) {
                        if (haveFile) {
                            throw ApiException.badRequest("multipart body holds more than one file; send one audio file per job");
                        }
                        haveFile = true;
                        filename = part.filename();
                        fileType = part.contentType();
                        try (OutputStream out = Files.newOutputStream(temp)) {
                            mp.copyBody(out, config.maxInputBytes(), "file");
                        }
                    } else {
                        if (fields.size() >= 32) {
                            throw ApiException.badRequest("multipart body has too many fields");
                        }
                        ByteArrayOutputStream value = new ByteArrayOutputStream();
                        mp.copyBody(value, 8 * 1024, "field '" + JobRequest.clip(part.name()) + "'");
                        fields.put(part.name(), value.toString(StandardCharsets.UTF_8));
                    }
                }
            }
            JobRequest request = JobRequest.fromText(fields);
            if (!haveFile) {
                if (request.inputUrl() == null) {
                    throw ApiException.badRequest("multipart body has no file part (name it 'file') and no input_url");
                }
                return createUrlJob(request);
            }
            if (request.inputUrl() != null) {
                throw ApiException.badRequest("input_url and an uploaded file are exclusive");
            }
            validateOptions(request);
            return createUploadJob(request, temp, filename, fileType == null ? "" : fileType.toLowerCase(Locale.ROOT));
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private JobRecord createUploadJob(JobRequest request, Path temp, String filename, String mediaType) throws IOException {
        if (Files.size(temp) == 0) {
            throw ApiException.badRequest("the uploaded file is empty");
        }
        String id = request.jobId() != null ? request.jobId() : store.newId();
        Path dir = store.createDir(id);
        try {
            Path inputDir = Files.createDirectories(dir.resolve(JobManager.INPUT_DIR));
            Path input = inputDir.resolve("upload" + uploadExtension(filename, mediaType));
            Files.move(temp, input, StandardCopyOption.ATOMIC_MOVE);
            String safeName = filename == null ? null : filename.replaceAll("[^A-Za-z0-9._ -]", "_");
            JobRecord record = JobRecord.create(id, request, dir.relativize(input).toString(),
                    safeName == null ? null : JobRequest.clip(safeName));
            jobs.submit(record);
            return record;
        } catch (RuntimeException | IOException e) {
            store.deleteDir(dir);
            throw e;
        }
    }

    private static String uploadExtension(String filename, String mediaType) {
        if (filename != null) {
            int dot = filename.lastIndexOf('.');
            if (dot >= 0) {
                String ext = filename.substring(dot).toLowerCase(Locale.ROOT);
                if (ext.matches("\\.[a-z0-9]{1,8}")) {
                    return ext;
                }
            }
        }
        return switch (mediaType) {
            case "audio/mpeg", "audio/mp3" -> ".mp3";
            case "audio/wav", "audio/x-wav", "audio/wave" -> ".wav";
            case "audio/flac", "audio/x-flac" -> ".flac";
            case "audio/mp4", "audio/m4a", "audio/x-m4a", "audio/aac" -> ".m4a";
            case "audio/ogg" -> ".ogg";
            default -> "";
        };
    }

    private void listJobs(HttpExchange ex, List<String> p) throws IOException {
        Map<String, String> q = query(ex);
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
        sendJson(ex, 200, o);
    }

    private ObjectNode summary(JobRecord r) {
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

    private void getJob(HttpExchange ex, List<String> p) throws IOException {
        JobRecord r = job(p.get(0));
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
        jobs.phase(r.id()).ifPresent(ph -> o.put("phase", ph));
        o.put("attempts", r.attempts());
        if (r.note() != null) {
            o.put("note", r.note());
        }
        ObjectNode request = r.request().toPublicJson();
        if (r.inputName() != null) {
            request.put("upload_name", r.inputName());
        }
        o.set("request", request);
        o.put("logs_url", "/job/" + r.id() + "/logs");
        if (JobRecord.COMPLETED.equals(r.status())) {
            o.put("result_url", "/result/" + r.id());
            ArrayNode files = Json.MAPPER.createArrayNode();
            for (Path f : resultFiles(dir)) {
                files.addObject()
                        .put("name", f.getFileName().toString())
                        .put("path", dir.relativize(f).toString().replace('\\', '/'))
                        .put("bytes", Files.size(f))
                        .put("url", "/result/" + r.id() + "/" + f.getFileName());
            }
            o.set("files", files);
        }
        sendJson(ex, 200, o);
    }

    private static List<Path> resultFiles(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        Path instrumental = dir.resolve("instrumental.mp3");
        if (Files.isRegularFile(instrumental, LinkOption.NOFOLLOW_LINKS)) {
            out.add(instrumental);
        }
        for (String sub : List.of("segments", "demucs_results")) {
            Path d = dir.resolve(sub);
            if (Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
                try (Stream<Path> s = Files.list(d)) {
                    out.addAll(s.filter(f -> Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS))
                            .filter(f -> FILE_NAME.matcher(f.getFileName().toString()).matches())
                            .sorted().collect(Collectors.toList()));
                }
            }
        }
        return out;
    }

    private void deleteJob(HttpExchange ex, List<String> p) throws IOException {
        String id = job(p.get(0)).id();
        String previous = jobs.delete(id);
        sendJson(ex, 200, Json.object().put("status", "deleted").put("job_id", id).put("previous_status", previous));
    }

    private void jobLogs(HttpExchange ex, List<String> p) throws IOException {
        JobRecord r = job(p.get(0));
        String offsetText = query(ex).getOrDefault("offset", "0");
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
        sendJson(ex, 200, Json.object().put("logs", text).put("offset", next).put("status", r.status()));
    }

    private void result(HttpExchange ex, String id, String name) throws IOException {
        JobRecord r = job(id);
        if (!JobRecord.COMPLETED.equals(r.status())) {
            throw ApiException.conflict("job " + r.id() + " is not completed (status " + r.status()
                    + (r.error() != null ? ": " + r.error() : "") + ")");
        }
        if (name == null || !FILE_NAME.matcher(name).matches()) {
            throw ApiException.notFound("no file '" + (name == null ? "" : JobRequest.clip(name)) + "' in job " + r.id());
        }
        Path dir = store.dir(r.id());
        for (String sub : RESULT_DIRS) {
            Path f = (sub.isEmpty() ? dir : dir.resolve(sub)).resolve(name);
            if (sub.isEmpty() && !name.equals("instrumental.mp3")) {
                continue;
            }
            if (f.normalize().startsWith(dir) && Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                FileResponder.send(ex, f, name);
                return;
            }
        }
        throw ApiException.notFound("no file '" + name + "' in job " + r.id() + "; GET /job/" + r.id() + " lists its files");
    }

    private JobRecord job(String id) {
        store.dir(id); // validates the id
        return store.get(id).orElseThrow(() -> ApiException.notFound("no job with id '" + id + "'"));
    }

    // ---- plumbing -----------------------------------------------------------------------

    static Map<String, String> query(HttpExchange ex) {
        Map<String, String> out = new LinkedHashMap<>();
        String raw = ex.getRequestURI().getRawQuery();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            try {
                String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                out.put(k, v);
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("malformed query string");
            }
        }
        return out;
    }

    private static long contentLength(HttpExchange ex) {
        String v = ex.getRequestHeaders().getFirst("Content-Length");
        if (v == null) {
            return -1;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("malformed Content-Length");
        }
    }

    private static byte[] readLimited(InputStream in, long limit, String what) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        copyLimited(in, out, limit, what);
        return out.toByteArray();
    }

    private static void copyLimited(InputStream in, OutputStream out, long limit, String what) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        long total = 0;
        int n;
        while ((n = in.read(buffer)) >= 0) {
            total += n;
            if (total > limit) {
                throw new ApiException(413, what + " is larger than the limit of " + limit + " bytes");
            }
            out.write(buffer, 0, n);
        }
    }

    static void sendJson(HttpExchange ex, int status, JsonNode body) throws IOException {
        byte[] bytes = Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        if ("HEAD".equals(ex.getRequestMethod())) {
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    /**
     * Reads and discards what is left of a refused request body (up to {@value #MAX_DRAIN} bytes),
     * so the client, still sending, reads the error instead of a reset connection.
     */
    private static void drain(HttpExchange ex) {
        try (InputStream in = ex.getRequestBody()) {
            byte[] buffer = new byte[64 * 1024];
            long total = 0;
            int n;
            while (total < MAX_DRAIN && (n = in.read(buffer)) >= 0) {
                total += n;
            }
        } catch (IOException ignored) {
            // the client went away
        }
    }

    private static void sendError(HttpExchange ex, ApiException e) {
        try {
            e.headers().forEach((k, v) -> ex.getResponseHeaders().set(k, v));
            sendJson(ex, e.status(), Json.error(e.getMessage()));
        } catch (IOException | RuntimeException ignored) {
            // headers already sent or the client went away
        }
    }
}
