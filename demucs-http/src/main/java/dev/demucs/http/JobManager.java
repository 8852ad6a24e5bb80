package dev.demucs.http;

import dev.demucs.core.Cancellation;
import dev.demucs.core.DemucsException;
import dev.demucs.core.Device;
import dev.demucs.core.SeparationOptions;
import dev.demucs.core.Separator;
import dev.demucs.ffmpeg.ClipMode;
import dev.demucs.job.CutPoints;
import dev.demucs.job.JobListener;
import dev.demucs.job.JobSpec;
import dev.demucs.job.ProgressFile;
import dev.demucs.job.ProgressSnapshot;
import dev.demucs.job.SeparationJob;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The FIFO job queue and its workers. A job is {@code pending} in the queue, {@code running}
 * on a worker, then {@code completed} or {@code failed}; every change is persisted in its
 * {@code job.json} before it is visible. A worker downloads a URL input into the job directory,
 * then runs {@link SeparationJob} with the job directory as output folder, which keeps
 * {@code progress.txt} current.
 *
 * <p>Restart recovery ({@link #recover()}): pending jobs are queued again in creation order; a
 * job that was running when the server stopped is queued again (its partial outputs are
 * removed before it re-runs), at most {@value #MAX_INTERRUPTIONS} times, after which it is
 * marked failed with the reason. A job interrupted by {@link #shutdown} is recorded the same
 * way, so no job is silently lost.
 */
final class JobManager {
    static final int MAX_INTERRUPTIONS = 3;
    static final String INPUT_DIR = "input";
    static final String LOG_FILE = "job.log";

    private final ServerConfig config;
    private final JobStore store;
    private final ModelHolder model;
    private final InputFetcher fetcher;
    private final Runnable afterJob;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Deque<String> queue = new ArrayDeque<>();
    private final Map<String, Running> running = new ConcurrentHashMap<>();
    private final Map<String, String> latestProgress = new ConcurrentHashMap<>();
    private final List<Thread> workers = new ArrayList<>();
    /** Separators of workers bound to their own device ({@link ServerConfig#workerDevices()}), closed at shutdown. */
    private final List<Separator> workerSeparators = java.util.Collections.synchronizedList(new ArrayList<>());
    private volatile boolean stopping;
    private volatile String deviceFallback;

    /** A job on a worker. */
    private static final class Running {
        final Cancellation cancellation = new Cancellation();
        final CountDownLatch done = new CountDownLatch(1);
        volatile boolean deleteRequested;
        volatile boolean shutdownRequested;
        volatile String phase = "starting";
    }

    JobManager(ServerConfig config, JobStore store, ModelHolder model, InputFetcher fetcher, Runnable afterJob) {
        this.config = config;
        this.store = store;
        this.model = model;
        this.fetcher = fetcher;
        this.afterJob = afterJob;
    }

    /** Loads the jobs on disk and queues the unfinished ones again. Call before {@link #startWorkers()}. */
    void recover() {
        for (JobRecord r : store.load()) {
            if (JobRecord.RUNNING.equals(r.status())) {
                if (requeueInterrupted(r.id(), "the server stopped while this job ran; it was queued again")) {
                    queue.addLast(r.id());
                }
            } else if (JobRecord.PENDING.equals(r.status())) {
                queue.addLast(r.id());
            }
        }
    }

    /**
     * Records that a running job was stopped by a shutdown or a crash: back to pending, or failed
     * with the reason once it was interrupted {@value #MAX_INTERRUPTIONS} times.
     *
     * @return true when it is pending again (the caller queues it at the next start or now)
     */
    private boolean requeueInterrupted(String id, String note) {
        Path dir = store.dir(id);
        JobRecord r = store.get(id).orElse(null);
        if (r == null) {
            return false;
        }
        if (r.interruptions() + 1 >= MAX_INTERRUPTIONS) {
            String why = "interrupted " + (r.interruptions() + 1)
                    + " times (the server stopped or crashed while it ran); not retried again";
            store.update(id, x -> x.failed(why));
            writeError(dir, why);
            log(dir, "failed: " + why);
            return false;
        }
        store.update(id, x -> x.interrupted(note));
        writeProgress(dir, ProgressFile.idle(false));
        log(dir, note);
        return true;
    }

    void startWorkers() {
        for (int i = 0; i < config.workers(); i++) {
            Device device = config.workerDevices().isEmpty() ? null : config.workerDevices().get(i);
            Thread t = new Thread(() -> workerLoop(device), "demucs-http-worker-" + i);
            t.setDaemon(true); // close() stops them in order; a forgotten close() must not keep the JVM alive
            workers.add(t);
            t.start();
        }
    }

    /** Interval cut points of a request, validated (400 on bad text). */
    static List<Double> cutPoints(JobRequest request) {
        try {
            return CutPoints.parse(request.intervalCut());
        } catch (DemucsException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    /**
     * Checks that a new job can be accepted now (not closing, queue not full).
     *
     * @throws ApiException 503 when closing, 429 with Retry-After when the queue is full
     */
    void checkCapacity() {
        if (stopping) {
            throw new ApiException(503, "the server is shutting down", Map.of("Retry-After", "30"));
        }
        if (queuedCount() >= config.queueCapacity()) {
            throw new ApiException(429, "the job queue is full (" + config.queueCapacity() + " waiting jobs); retry later",
                    Map.of("Retry-After", Long.toString(retryAfterSeconds())));
        }
    }

    private long retryAfterSeconds() {
        return 30;
    }

    /** Persists a new pending job and queues it. The job directory must exist. */
    void submit(JobRecord record) {
        lock.lock();
        try {
            checkCapacity();
            Path dir = store.dir(record.id());
            writeProgress(dir, ProgressFile.idle(model.ready()));
            store.put(record);
            log(dir, "created");
            queue.addLast(record.id());
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    int queuedCount() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    int activeCount() {
        return running.size();
    }

    Optional<String> deviceFallback() {
        return Optional.ofNullable(deviceFallback);
    }

    /** What a running job is doing: downloading, separating; empty when it is not running. */
    Optional<String> phase(String id) {
        Running r = running.get(id);
        return r == null ? Optional.empty() : Optional.of(r.phase);
    }

    /** Position in the queue (0 = next), or -1. */
    int queuePosition(String id) {
        lock.lock();
        try {
            int i = 0;
            for (String q : queue) {
                if (q.equals(id)) {
                    return i;
                }
                i++;
            }
            return -1;
        } finally {
            lock.unlock();
        }
    }

    /** The job's latest progress.txt content (memory first, then the file). */
    Optional<ProgressSnapshot> progress(String id) {
        String json = latestProgress.get(id);
        if (json != null) {
            return Optional.of(ProgressSnapshot.fromJson(json));
        }
        try {
            return ProgressFile.read(store.dir(id));
        } catch (DemucsException e) {
            return Optional.empty();
        }
    }

    /**
     * Cancels a pending or running job and removes it with its files.
     *
     * @return the status the job had
     * @throws ApiException 404 when there is no such job
     */
    String delete(String id) {
        Running r;
        lock.lock();
        try {
            JobRecord record = store.get(id).orElseThrow(() -> ApiException.notFound("no job with id '" + id + "'"));
            if (queue.remove(id)) {
                store.delete(id);
                return JobRecord.PENDING;
            }
            r = running.get(id);
            if (r == null) {
                store.delete(id);
                return record.status();
            }
            r.deleteRequested = true;
            store.forget(id);
        } finally {
            lock.unlock();
        }
        r.cancellation.cancel();
        try {
            r.done.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return JobRecord.RUNNING;
    }

    /** @param device this worker's own device, or null to share the model holder's separator */
    private void workerLoop(Device device) {
        ModelHolder.Loaded loaded = null;
        String modelError = null;
        try {
            ModelHolder.Loaded shared = model.await();
            if (device == null) {
                loaded = shared;
            } else {
                Separator own = Separator.open(shared.bag(), config.separationOptions().toBuilder().device(device).build());
                workerSeparators.add(own);
                loaded = new ModelHolder.Loaded(own, shared.bag(), shared.name());
            }
        } catch (ModelHolder.ModelUnavailableException | DemucsException e) {
            modelError = e.getMessage();
        } catch (InterruptedException e) {
            return;
        }
        while (true) {
            String id;
            Running r = new Running();
            lock.lock();
            try {
                while (queue.isEmpty() && !stopping) {
                    changed.awaitUninterruptibly();
                }
                if (stopping) {
                    return;
                }
                id = queue.pollFirst();
                running.put(id, r);
            } finally {
                lock.unlock();
            }
            try {
                if (loaded == null) {
                    String why = modelError;
                    store.update(id, x -> x.started().failed(why));
                    writeError(store.dir(id), why);
                    log(store.dir(id), "failed: " + why);
                } else {
                    run(id, loaded, r);
                }
            } catch (RuntimeException | Error e) {
                System.err.println("demucs-http: worker error on job " + id + ":");
                e.printStackTrace();
            } finally {
                running.remove(id);
                latestProgress.remove(id);
                if (r.deleteRequested) {
                    store.deleteDir(store.dir(id));
                }
                r.done.countDown();
                try {
                    afterJob.run();
                } catch (RuntimeException e) {
                    System.err.println("demucs-http: after-job task failed: " + InputFetcher.oneLine(e));
                }
            }
        }
    }

    private void run(String id, ModelHolder.Loaded loaded, Running r) {
        Optional<JobRecord> started = store.update(id, JobRecord::started);
        if (started.isEmpty()) {
            return;
        }
        JobRecord rec = started.get();
        JobRequest req = rec.request();
        Path dir = store.dir(id);
        long t0 = System.nanoTime();
        log(dir, "started (attempt " + rec.attempts() + ")");
        try {
            Path input = rec.inputFile() == null ? null : dir.resolve(rec.inputFile());
            if (input == null || !Files.isRegularFile(input)) {
                if (req.inputUrl() == null) {
                    throw new DemucsException("the uploaded input file is missing from the job directory");
                }
                Path inputDir = Files.createDirectories(dir.resolve(INPUT_DIR));
                input = inputDir.resolve("source" + extensionOf(URI.create(req.inputUrl()).getPath()));
                r.phase = "downloading";
                log(dir, "downloading " + UrlGuard.redact(URI.create(req.inputUrl())));
                fetcher.fetch(req.inputUrl(), input, r.cancellation);
                String relative = dir.relativize(input).toString();
                store.update(id, x -> x.withInputFile(relative));
                log(dir, "downloaded " + Files.size(input) + " bytes");
            }
            removeOutputs(dir);
            JobSpec.Builder spec = JobSpec.builder(input.toString(), dir)
                    .cutPointsSeconds(cutPoints(req))
                    .allStems(req.allStemsOrDefault());
            if (req.segmentMaxSeconds() != null) {
                spec.segmentMaxSeconds(req.segmentMaxSeconds());
            }
            if (req.twoStems() != null) {
                spec.twoStem(req.twoStems());
            }
            if (req.mp3Bitrate() != null) {
                spec.mp3BitrateKbps(req.mp3Bitrate());
            }
            if (req.clipMode() != null) {
                spec.clipMode(ClipMode.valueOf(req.clipMode().toUpperCase(Locale.ROOT)));
            }
            Separator separator = loaded.separator();
            boolean own = false;
            if (req.hasSeparatorOptions()) {
                SeparationOptions.Builder o = loaded.separator().options().toBuilder();
                if (req.shifts() != null) {
                    o.shifts(req.shifts());
                }
                if (req.overlap() != null) {
                    o.overlap(req.overlap());
                }
                if (req.seed() != null) {
                    o.seed(req.seed());
                }
                separator = Separator.open(loaded.bag(), o.build());
                own = true;
            }
            r.phase = "separating";
            log(dir, "separating");
            try {
                SeparationJob.run(spec.build(), separator, new Listener(id, dir), r.cancellation);
            } finally {
                if (own) {
                    separator.close();
                }
            }
            store.update(id, JobRecord::completed);
            log(dir, String.format(Locale.ROOT, "completed in %.1f s", (System.nanoTime() - t0) / 1e9));
            deleteQuietly(input);
        } catch (RuntimeException | IOException e) {
            if (r.cancellation.isCancelled()) {
                if (r.deleteRequested) {
                    return;
                }
                if (r.shutdownRequested) {
                    requeueInterrupted(id, "interrupted by a server shutdown; queued again");
                    return;
                }
            }
            String why = message(e).replace(dir.toString() + java.io.File.separator, "").replace(dir.toString(), ".");
            if (!(e instanceof DemucsException) && !(e instanceof ApiException) && !(e instanceof IOException)) {
                System.err.println("demucs-http: job " + id + " failed with an unexpected error:");
                e.printStackTrace();
            }
            store.update(id, x -> x.failed(why));
            Optional<ProgressSnapshot> p = progress(id);
            if (p.isEmpty() || p.get().state() != ProgressSnapshot.State.ERROR) {
                writeError(dir, why);
            }
            log(dir, "failed: " + why);
        }
    }

    private static String message(Exception e) {
        if (e instanceof DemucsException || e instanceof ApiException) {
            return InputFetcher.oneLine(e);
        }
        if (e instanceof IOException) {
            return "I/O error: " + InputFetcher.oneLine(e);
        }
        return "internal error: " + e.getClass().getSimpleName() + ": " + InputFetcher.oneLine(e);
    }

    /** Removes what an interrupted earlier attempt may have left. */
    private static void removeOutputs(Path dir) throws IOException {
        JobStore.deleteTree(dir.resolve("segments"));
        JobStore.deleteTree(dir.resolve("demucs_results"));
        Files.deleteIfExists(dir.resolve("instrumental.mp3"));
    }

    private static String extensionOf(String path) {
        if (path == null) {
            return "";
        }
        String name = path.substring(path.lastIndexOf('/') + 1);
        int dot = name.lastIndexOf('.');
        if (dot < 0) {
            return "";
        }
        String ext = name.substring(dot).toLowerCase(Locale.ROOT);
        return ext.matches("\\.[a-z0-9]{1,8}") ? ext : "";
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // the input is removed with the job at the latest
        }
    }

    private static void writeProgress(Path dir, ProgressSnapshot s) {
        try {
            ProgressFile.write(dir, s);
        } catch (RuntimeException e) {
            System.err.println("demucs-http: " + InputFetcher.oneLine(e));
        }
    }

    private void writeError(Path dir, String why) {
        ProgressSnapshot idle = ProgressFile.idle(model.ready());
        writeProgress(dir, idle.with(ProgressSnapshot.State.ERROR, idle.tasks(),
                new ProgressSnapshot.Details(model.ready(), 0, 0, 0.0, why)));
    }

    /** Appends a line to the job's log (best effort). */
    static void log(Path dir, String line) {
        try {
            Files.writeString(dir.resolve(LOG_FILE), Instant.now() + " " + line + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException ignored) {
            // the log is informative only
        }
    }

    /** Keeps the latest progress in memory and logs state changes. */
    private final class Listener implements JobListener {
        private final String id;
        private final Path dir;
        private String lastLine;

        Listener(String id, Path dir) {
            this.id = id;
            this.dir = dir;
        }

        @Override
        public void onProgress(ProgressSnapshot p) {
            latestProgress.put(id, p.toJson());
            String line = "progress: " + p.state().json() + ", " + p.details().completedSegments() + "/"
                    + p.details().totalSegments() + " segments";
            if (!line.equals(lastLine)) {
                lastLine = line;
                log(dir, line);
            }
        }

        @Override
        public void onDeviceFallback(dev.demucs.core.Device used, String reason) {
            deviceFallback = used + " (" + reason + ")";
        }
    }

    /**
     * Stops the workers: no new job starts; running jobs get {@code grace} to finish, then are
     * cancelled and recorded as interrupted (queued again at the next start).
     */
    void shutdown(java.time.Duration grace) {
        lock.lock();
        try {
            stopping = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        long deadline = System.nanoTime() + grace.toNanos();
        while (!running.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (Running r : running.values()) {
            r.shutdownRequested = true;
            r.cancellation.cancel();
        }
        model.abortLoading();
        for (Thread t : workers) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(60));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        workerSeparators.forEach(Separator::close);
    }
}
