package dev.demucs.http;

import dev.demucs.core.DemucsException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.demucs.job.JobInputException;
import dev.demucs.job.JobSpec;
import dev.demucs.job.SeparationJob;
import dev.demucs.job.queue.JobExistsException;
import dev.demucs.job.queue.JobFiles;
import dev.demucs.job.queue.JobQueue;
import dev.demucs.job.queue.JobRecord;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Semaphore;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.MultiPart;
import org.eclipse.jetty.http.MultiPartConfig;
import org.eclipse.jetty.http.MultiPartFormData;

/**
 * {@code POST /job}: a JSON body with {@code input_url}, the audio itself as the body (options in
 * the query string), or {@code multipart/form-data} with a {@code file} part and option fields
 * (parsed by Jetty's multipart parser, the file streamed to disk, sizes capped). Capacity, disk
 * space and options are checked before the upload is received where the request allows it.
 */
final class JobIntake {
    private static final int MAX_FIELDS = 32;
    private static final int MAX_FIELD_BYTES = 8 * 1024;

    private final ServerConfig config;
    private final JobQueue queue;
    private final JobFiles files;
    private final JobManager jobs;
    private final ModelHolder model;
    private final InputFetcher fetcher;
    /**
     * Request threads that may read a job body at once; the others stay free for status polls
     * however many clients stall mid-upload (a stalled body holds its thread until the idle timeout).
     */
    private final Semaphore bodySlots;

    JobIntake(ServerConfig config, JobQueue queue, JobFiles files, JobManager jobs, ModelHolder model, InputFetcher fetcher) {
        this.config = config;
        this.fetcher = fetcher;
        this.queue = queue;
        this.files = files;
        this.jobs = jobs;
        this.model = model;
        this.bodySlots = new Semaphore(bodySlots(config.httpThreads()));
    }

    /** Half the request threads, at least one. */
    static int bodySlots(int httpThreads) {
        return Math.max(1, httpThreads / 2);
    }

    void register(Router router) {
        router.route("POST", "/job", this::createJob);
    }

    private void createJob(Exchange ex, List<String> p) throws IOException {
        if (!bodySlots.tryAcquire()) {
            throw new ApiException(503, "too many job requests are being received at once; retry shortly",
                    Map.of("Retry-After", JsonErrorHandler.RETRY_AFTER_SECONDS));
        }
        try {
            receiveJob(ex);
        } finally {
            bodySlots.release();
        }
    }

    private void receiveJob(Exchange ex) throws IOException {
        String contentType = ex.header("Content-Type");
        String mediaType = contentType == null ? "" : contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        long declared = ex.contentLength();
        JobRecord record;
        if (mediaType.equals("application/json")) {
            if (declared > config.maxJsonBytes()) {
                throw new ApiException(413, "JSON body of " + declared + " bytes is larger than the limit of " + config.maxJsonBytes());
            }
            JsonNode body;
            byte[] bytes = readLimited(ex.body(), config.maxJsonBytes(), "JSON body");
            try {
                body = Json.MAPPER.readTree(bytes);
            } catch (JsonProcessingException e) {
                throw ApiException.badRequest("malformed JSON: " + DemucsException.oneLine(new Exception(e.getOriginalMessage())));
            }
            JobRequest request = JobRequest.fromJson(body);
            if (request.inputUrl() == null) {
                throw ApiException.badRequest("input_url is required (or upload the audio as the body or as multipart/form-data)");
            }
            record = createUrlJob(request);
        } else if (mediaType.equals("multipart/form-data")) {
            jobs.checkCapacity(declared); // before receiving the upload
            record = createMultipartJob(ex, contentType, declared);
        } else if (mediaType.startsWith("audio/") || mediaType.startsWith("video/") || mediaType.equals("application/octet-stream")) {
            jobs.checkCapacity(declared); // before receiving the upload
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
        ex.setHeader("Location", "/job/" + record.id());
        ex.sendJson(201, o);
    }

    private JobRecord createUrlJob(JobRequest request) {
        fetcher.check(request.inputUrl());
        validateOptions(request, request.inputUrl());
        String id = request.jobId() != null ? request.jobId() : queue.newId();
        if (queue.holds(id)) {
            throw new JobExistsException(id);
        }
        jobs.checkCapacity(0);
        files.create(id);
        try {
            JobRecord record = JobRecord.create(id, request.toRecord(), null, null);
            jobs.submit(record);
            return record;
        } catch (JobExistsException e) {
            throw e; // the files are another job's: a server of the same queue took the id first
        } catch (RuntimeException e) {
            files.delete(id);
            throw e;
        }
    }

    /**
     * The job's rules and the operator's caps ({@link JobSpec}) on a request, with its input (a URL or
     * an upload's file; the output folder is not used by the checks), and the model's stems when it
     * is loaded: 400 with the message the command line prints for the same mistake.
     */
    private JobSpec validateOptions(JobRequest request, String input) {
        try {
            JobSpec spec = request.spec(input, config.dataDir(), config.jobLimits());
            if (model.ready()) {
                spec.checkStemsOf(model.await().separator().model().sources());
            }
            return spec;
        } catch (JobInputException e) {
            throw ApiException.badRequest(e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "the server is shutting down", Map.of("Retry-After", JsonErrorHandler.RETRY_AFTER_SECONDS));
        }
    }

    /** An upload's duration is known at once: the caps that need it are checked now (an upload that
     * cannot be probed is accepted; its job fails with the reason). */
    private static void checkUploadDuration(JobSpec spec) {
        try {
            SeparationJob.preflight(spec);
        } catch (JobInputException e) {
            throw ApiException.badRequest(e.getMessage());
        } catch (DemucsException e) {
            // not audio, unreadable: the run reports it
        }
    }

    private JobRecord createRawUploadJob(Exchange ex, String mediaType, long declared) throws IOException {
        if (declared > config.maxInputBytes()) {
            throw new ApiException(413, "upload of " + declared + " bytes is larger than the limit of " + config.maxInputBytes());
        }
        JobRequest request = JobRequest.fromText(ex.query());
        if (request.inputUrl() != null) {
            throw ApiException.badRequest("input_url and an uploaded body are exclusive");
        }
        Map<String, String> disposition = new HashMap<>();
        String cd = ex.header("Content-Disposition");
        if (cd != null) {
            HttpField.getValueParameters(cd, disposition);
        }
        Path temp = files.spoolFile();
        try {
            validateOptions(request, temp.toString());
            try (OutputStream out = Files.newOutputStream(temp)) {
                copyLimited(ex.body(), out, config.maxInputBytes(), "upload");
            }
            return createUploadJob(request, temp, disposition.get("filename"), mediaType);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private JobRecord createMultipartJob(Exchange ex, String contentType, long declared) throws IOException {
        String boundary = MultiPart.extractBoundary(contentType);
        if (boundary == null || boundary.isEmpty() || boundary.length() > 70) {
            throw ApiException.badRequest("multipart/form-data without a valid boundary parameter");
        }
        long maxBody = config.maxInputBytes() + (MAX_FIELDS + 1) * (long) MAX_FIELD_BYTES;
        if (declared > maxBody) {
            throw new ApiException(413, "upload of " + declared + " bytes is larger than the limit of " + config.maxInputBytes());
        }
        MultiPartConfig mpc = new MultiPartConfig.Builder()
                .location(files.spoolDir())
                .maxParts(MAX_FIELDS + 1)
                .maxPartSize(config.maxInputBytes())
                .maxSize(maxBody)
                .maxMemoryPartSize(MAX_FIELD_BYTES)
                .maxHeadersSize(8 * 1024)
                .useFilesForPartsWithoutFileName(false)
                .build();
        MultiPartFormData.Parts parts;
        try {
            parts = MultiPartFormData.getParts(ex.request(), ex.request(), contentType, mpc);
        } catch (CompletionException | IllegalStateException | IllegalArgumentException e) {
            throw multipartError(e);
        } catch (RuntimeException e) {
            if (e.getClass().getName().startsWith("org.eclipse.jetty")) {
                throw multipartError(e);
            }
            throw e;
        }
        try (parts) {
            Map<String, String> fields = new LinkedHashMap<>();
            MultiPart.Part file = null;
            for (MultiPart.Part part : parts) {
                String name = part.getName() == null ? "" : part.getName();
                if (part.getFileName() != null || name.equals("file")) {
                    if (file != null) {
                        throw ApiException.badRequest("multipart body holds more than one file; send one audio file per job");
                    }
                    file = part;
                } else {
                    if (part.getLength() > MAX_FIELD_BYTES) {
                        throw new ApiException(413, "field '" + JobRequest.clip(name) + "' is larger than the limit of " + MAX_FIELD_BYTES + " bytes");
                    }
                    fields.put(name, part.getContentAsString(StandardCharsets.UTF_8));
                }
            }
            JobRequest request = JobRequest.fromText(fields);
            if (file == null) {
                if (request.inputUrl() == null) {
                    throw ApiException.badRequest("multipart body has no file part (name it 'file') and no input_url");
                }
                return createUrlJob(request);
            }
            if (request.inputUrl() != null) {
                throw ApiException.badRequest("input_url and an uploaded file are exclusive");
            }
            Path temp = files.spoolFile();
            try {
                validateOptions(request, temp.toString());
                Files.delete(temp);
                file.writeTo(temp);
                String fileType = file.getHeaders().get("Content-Type");
                return createUploadJob(request, temp, file.getFileName(), fileType == null ? "" : fileType.toLowerCase(Locale.ROOT));
            } finally {
                Files.deleteIfExists(temp);
            }
        }
    }

    /** Jetty's multipart failures: a size cap is 413, anything else a malformed body (400). */
    private static ApiException multipartError(Throwable e) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        String text = String.valueOf(cause.getMessage());
        if (text.toLowerCase(Locale.ROOT).contains("max") || text.toLowerCase(Locale.ROOT).contains("too large")) {
            return new ApiException(413, "multipart body over a size limit (" + JobRequest.clip(text) + "); the file may have at most "
                    + "the server's upload limit");
        }
        return ApiException.badRequest("malformed multipart body: " + JobRequest.clip(DemucsException.oneLine(cause)));
    }

    private JobRecord createUploadJob(JobRequest request, Path temp, String filename, String mediaType) throws IOException {
        if (Files.size(temp) == 0) {
            throw ApiException.badRequest("the uploaded file is empty");
        }
        checkUploadDuration(validateOptions(request, temp.toString()));
        String id = request.jobId() != null ? request.jobId() : queue.newId();
        if (queue.holds(id)) {
            throw new JobExistsException(id);
        }
        files.create(id);
        try {
            String input = files.putInput(id, temp, uploadExtension(filename, mediaType));
            String safeName = filename == null ? null : filename.replaceAll("[^A-Za-z0-9._ -]", "_");
            JobRecord record = JobRecord.create(id, request.toRecord(), input,
                    safeName == null ? null : JobRequest.clip(safeName));
            jobs.submit(record);
            return record;
        } catch (JobExistsException e) {
            throw e; // the files are another job's: a server of the same queue took the id first
        } catch (RuntimeException | IOException e) {
            files.delete(id);
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
}
