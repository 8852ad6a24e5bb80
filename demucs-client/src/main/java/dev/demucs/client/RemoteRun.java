package dev.demucs.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.demucs.job.ProgressFile;
import dev.demucs.job.ProgressSnapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One job on a remote server, end to end: submit (upload or URL), poll, download every result file
 * into the template layout under the output folder, mirror {@code progress.txt}.
 * <p>
 * Nothing is lost when the client stops half-way: before submitting, the job id (chosen by the
 * client) and the server are written to {@value #STATE_FILE} in the output folder; running again
 * with the same output folder (or {@link #resume(Path)}) polls and downloads that job instead of
 * submitting a new one. Files already downloaded whole (right size) are kept; a file is written to
 * {@code NAME.part} and renamed when its size matches the server's listing. The state file is
 * removed once every file is in place, leaving exactly the template layout.
 */
public final class RemoteRun {

    /** The file in the output folder that names the job while it is not fully downloaded. */
    public static final String STATE_FILE = ".demucs-remote.json";

    /** Paths a server may list: the template layout, nothing else. */
    private static final Pattern RESULT_PATH =
            Pattern.compile("instrumental\\.mp3|(segments|demucs_results)/[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final SecureRandom RANDOM = new SecureRandom();

    /** What the run reports; every method is called from the run's thread and must be quick. */
    public interface Listener {
        Listener NONE = new Listener() {
        };

        default void info(String message) {
        }

        default void uploadProgress(long sentBytes, long totalBytes) {
        }

        default void jobProgress(String status, ProgressSnapshot progress) {
        }

        default void downloadStart(String file, long totalBytes) {
        }

        default void downloadProgress(String file, long doneBytes, long totalBytes) {
        }

        default void downloadEnd(String file) {
        }
    }

    /** The state file's content. */
    public record State(String server, String jobId, String input) {
    }

    /** The finished run: the job and the files written (relative to the output folder). */
    public record Result(String jobId, List<String> files) {
    }

    private final RemoteClient client;
    private final Listener listener;
    private final Duration pollMax;

    /**
     * @param client   the server
     * @param listener progress
     * @param pollMax  longest pause between two polls (pauses grow from 0.25 s)
     */
    public RemoteRun(RemoteClient client, Listener listener, Duration pollMax) {
        this.client = client;
        this.listener = listener;
        this.pollMax = pollMax;
    }

    /** Reads the state file of an output folder, if there is one. */
    public static Optional<State> readState(Path outputDir) {
        Path f = outputDir.resolve(STATE_FILE);
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        try {
            JsonNode n = RemoteClient.JSON.readTree(f.toFile());
            if (!n.hasNonNull("server") || !n.hasNonNull("job_id")) {
                throw new ClientException(ClientException.Kind.REJECTED, f + " is not a remote job state file (no server or job_id)");
            }
            return Optional.of(new State(n.get("server").asText(), n.get("job_id").asText(),
                    n.hasNonNull("input") ? n.get("input").asText() : null));
        } catch (IOException e) {
            throw new ClientException(ClientException.Kind.IO, "cannot read " + f + ": " + e.getMessage(), e);
        }
    }

    /**
     * Runs {@code input} (a local file or an http(s) URL) on the server into {@code outputDir}, or
     * continues the job recorded there for the same server and input.
     *
     * @throws ClientException REJECTED when the folder holds another input's or another server's job
     */
    public Result run(String input, Path outputDir, JobOptions options) {
        Optional<State> existing = readState(outputDir);
        if (existing.isPresent()) {
            State s = existing.get();
            if (!s.server().equals(client.baseUrl()) || !input.equals(s.input())) {
                throw new ClientException(ClientException.Kind.REJECTED, "output folder " + outputDir + " holds job " + s.jobId()
                        + " of input '" + s.input() + "' on " + s.server() + "; resume it with --resume " + outputDir
                        + " or choose another --output");
            }
            listener.info("continuing job " + s.jobId() + " recorded in " + outputDir.resolve(STATE_FILE));
            return finish(s.jobId(), outputDir);
        }
        boolean isUrl = input.startsWith("http://") || input.startsWith("https://");
        Path file = isUrl ? null : Path.of(input);
        if (!isUrl && !Files.isRegularFile(file)) {
            throw new ClientException(ClientException.Kind.REJECTED, "input '" + input + "': no such file (give a local audio file or an http(s) URL)");
        }
        String jobId = newJobId();
        writeState(outputDir, new State(client.baseUrl(), jobId, input));
        try {
            if (isUrl) {
                client.submitUrl(input, options, jobId);
            } else {
                long total = sizeOf(file);
                client.upload(file, options, jobId, sent -> listener.uploadProgress(sent, total));
            }
        } catch (ClientException e) {
            if (e.httpStatus() != 409) {
                deleteState(outputDir); // nothing was created: a re-run submits again
                throw e;
            }
            // 409: an earlier attempt of this very request created the job (its answer was lost)
        }
        listener.info("submitted job " + jobId + " to " + client.baseUrl());
        return finish(jobId, outputDir);
    }

    /** Continues the job recorded in {@code outputDir}'s state file. */
    public Result resume(Path outputDir) {
        State s = readState(outputDir).orElseThrow(() -> new ClientException(ClientException.Kind.REJECTED,
                "nothing to resume: " + outputDir + " holds no " + STATE_FILE + " (the job finished, or was never submitted there)"));
        listener.info("resuming job " + s.jobId() + " on " + s.server());
        return finish(s.jobId(), outputDir);
    }

    private Result finish(String jobId, Path outputDir) {
        JsonNode job = poll(jobId, outputDir);
        List<String> written = new ArrayList<>();
        for (JsonNode f : job.path("files")) {
            String path = f.path("path").asText("");
            long bytes = f.path("bytes").asLong(-1);
            String url = f.path("url").asText("");
            if (!RESULT_PATH.matcher(path).matches() || bytes < 0 || !url.startsWith("/result/")) {
                throw new ClientException(ClientException.Kind.JOB_FAILED, "server listed an unexpected result file '"
                        + RemoteClient.oneLine(path) + "' (" + bytes + " bytes) in job " + jobId);
            }
            Path dest = outputDir.resolve(path);
            written.add(path);
            if (Files.isRegularFile(dest) && sizeOf(dest) == bytes) {
                continue; // downloaded whole before
            }
            listener.downloadStart(path, bytes);
            client.download(url, dest, bytes, done -> listener.downloadProgress(path, done, bytes));
            listener.downloadEnd(path);
        }
        progress(job).ifPresent(p -> ProgressFile.write(outputDir, p));
        deleteState(outputDir);
        return new Result(jobId, List.copyOf(written));
    }

    private JsonNode poll(String jobId, Path outputDir) {
        long pause = 250;
        String lastProgress = null;
        while (true) {
            JsonNode job;
            try {
                job = client.job(jobId);
            } catch (ClientException e) {
                if (e.httpStatus() == 404) {
                    throw new ClientException(ClientException.Kind.JOB_FAILED, "job " + jobId
                            + " is no longer on the server (cancelled, deleted or expired); remove " + outputDir.resolve(STATE_FILE)
                            + " to submit again");
                }
                throw e;
            }
            String status = job.path("status").asText("");
            Optional<ProgressSnapshot> p = progress(job);
            if (p.isPresent()) {
                String key = p.get().state() + "/" + p.get().details().completedSegments() + "/" + p.get().details().percent();
                listener.jobProgress(status, p.get());
                if (!status.equals("completed") && !key.equals(lastProgress)) {
                    ProgressFile.write(outputDir, p.get());
                }
                lastProgress = key;
            }
            switch (status) {
                case "completed":
                    return job;
                case "failed":
                    throw new ClientException(ClientException.Kind.JOB_FAILED, "job " + jobId + " failed on the server: "
                            + RemoteClient.oneLine(job.path("error").asText("no reason given")));
                case "pending":
                case "running":
                    break;
                default:
                    throw new ClientException(ClientException.Kind.JOB_FAILED, "job " + jobId + " has an unknown status '"
                            + RemoteClient.oneLine(status) + "'");
            }
            HttpCaller.sleep(pause);
            pause = Math.min(pause * 3 / 2, pollMax.toMillis());
        }
    }

    /** The template progress fields of a job's JSON. */
    static Optional<ProgressSnapshot> progress(JsonNode job) {
        ObjectNode o = RemoteClient.JSON.createObjectNode();
        for (String f : new String[] {"state", "tasks", "timestamp", "elapsed_seconds", "details"}) {
            if (job.has(f)) {
                o.set(f, job.get(f));
            }
        }
        try {
            return Optional.of(ProgressSnapshot.fromJson(o.toString()));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static String newJobId() {
        StringBuilder b = new StringBuilder("remote-");
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        for (int i = 0; i < 16; i++) {
            b.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return b.toString();
    }

    private static long sizeOf(Path f) {
        try {
            return Files.size(f);
        } catch (IOException e) {
            throw new ClientException(ClientException.Kind.IO, "cannot read " + f + ": " + e.getMessage(), e);
        }
    }

    private static void writeState(Path outputDir, State s) {
        try {
            Files.createDirectories(outputDir);
            ObjectNode n = RemoteClient.JSON.createObjectNode().put("server", s.server()).put("job_id", s.jobId()).put("input", s.input());
            Path tmp = outputDir.resolve(STATE_FILE + ".tmp");
            Files.writeString(tmp, n.toPrettyString());
            Files.move(tmp, outputDir.resolve(STATE_FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new ClientException(ClientException.Kind.IO, "cannot write " + outputDir.resolve(STATE_FILE) + ": " + e.getMessage(), e);
        }
    }

    private static void deleteState(Path outputDir) {
        try {
            Files.deleteIfExists(outputDir.resolve(STATE_FILE));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
