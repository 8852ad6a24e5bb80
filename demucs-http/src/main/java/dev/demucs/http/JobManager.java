package dev.demucs.http;

import dev.demucs.core.Cancellation;
import dev.demucs.core.DemucsException;
import dev.demucs.core.Device;
import dev.demucs.core.Separator;
import dev.demucs.job.JobLayout;
import dev.demucs.net.Fetcher;
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
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
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
    private static final System.Logger LOG = System.getLogger(JobManager.class.getName());
    static final int MAX_INTERRUPTIONS = 3;
    static final String INPUT_DIR = "input";
    static final String LOG_FILE = "job.log";

    private final ServerConfig config;
    private final JobStore store;
    private final ModelHolder model;
    private final InputFetcher fetcher;
    private final Runnable afterJob;
    private final JobListener hook;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "demucs-http-job-timer");
        t.setDaemon(true);
        return t;
    });

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
        volatile boolean timedOut;
        volatile String phase = "starting";
        volatile List<String> notRemoved = List.of();
    }

    /** What DELETE did: the status the job had, and what could not be removed. */
    record Deleted(String previousStatus, List<String> notRemoved) {
    }

    /**
     * @param hook told every job's progress after the server's own listener (tests gate runs with it)
     */
    JobManager(ServerConfig config, JobStore store, ModelHolder model, InputFetcher fetcher, Runnable afterJob,
               JobListener hook) {
        this.config = config;
        this.store = store;
        this.model = model;
        this.fetcher = fetcher;
        this.afterJob = afterJob;
        this.hook = hook;
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
            recordFailure(id, dir, why);
            return false;
        }
        writeProgress(dir, ProgressFile.idle(false));
        log(dir, note);
        store.update(id, x -> x.interrupted(note)); // last: a job that reads pending again has its log line
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

    /**
     * Checks that a new job can be accepted now: not closing, queue not full, and the data
     * directory's disk keeps {@link ServerConfig#minFreeBytes()} free after {@code incomingBytes}.
     *
     * @throws ApiException 503 when closing and 429 when the queue is full (both with Retry-After),
     *                      507 when the disk is short
     */
    void checkCapacity(long incomingBytes) {
        if (stopping) {
            throw new ApiException(503, "the server is shutting down", Map.of("Retry-After", JsonErrorHandler.RETRY_AFTER_SECONDS));
        }
        if (queuedCount() >= config.queueCapacity()) {
            throw new ApiException(429, "the job queue is full (" + config.queueCapacity() + " waiting jobs); retry later",
                    Map.of("Retry-After", JsonErrorHandler.RETRY_AFTER_SECONDS));
        }
        long free;
        try {
            free = Files.getFileStore(config.dataDir()).getUsableSpace();
        } catch (IOException e) {
            throw new ApiException(507, "cannot read the free space of the data directory: " + DemucsException.oneLine(e));
        }
        long need = config.minFreeBytes() + Math.max(0, incomingBytes);
        if (free < need) {
            throw new ApiException(507, "not enough disk space for a new job: " + (free >> 20) + " MiB free, the server keeps "
                    + (config.minFreeBytes() >> 20) + " MiB free" + (incomingBytes > 0 ? " after a " + (incomingBytes >> 20) + " MiB upload" : ""));
        }
    }

    /** Persists a new pending job and queues it. The job directory must exist. */
    void submit(JobRecord record) {
        lock.lock();
        try {
            checkCapacity(0);
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
     * @return the status the job had and what could not be removed
     * @throws ApiException 404 when there is no such job
     */
    Deleted delete(String id) {
        Running r;
        JobRecord record;
        lock.lock();
        try {
            record = store.get(id).orElseThrow(() -> ApiException.notFound("no job with id '" + id + "'"));
            if (queue.remove(id)) {
                return new Deleted(JobRecord.PENDING, store.delete(id));
            }
            r = running.get(id);
            if (r == null) {
                return new Deleted(record.status(), store.delete(id));
            }
            r.deleteRequested = true;
            store.forget(id);
        } finally {
            lock.unlock();
        }
        r.cancellation.cancel();
        // a job its worker has just recorded as finished, but not yet let go of, keeps that status
        String previous = record.finished() ? record.status() : JobRecord.RUNNING;
        try {
            if (!r.done.await(30, TimeUnit.SECONDS)) {
                return new Deleted(previous, List.of("jobs/" + id + " (its worker has not stopped yet; removed when it does)"));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return new Deleted(previous, r.notRemoved);
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
                    try {
                        store.update(id, JobRecord::started);
                    } finally {
                        recordFailure(id, store.dir(id), why);
                    }
                } else {
                    run(id, loaded, r);
                }
            } catch (RuntimeException | Error e) {
                LOG.log(System.Logger.Level.ERROR, "worker error on job " + id, e);
            } finally {
                boolean deleteRequested;
                lock.lock();
                try {
                    // under the lock delete() holds: it either finds the job here and asks this
                    // worker to remove the folder, or finds it gone and removes the folder itself
                    running.remove(id);
                    deleteRequested = r.deleteRequested;
                } finally {
                    lock.unlock();
                }
                latestProgress.remove(id);
                if (deleteRequested) {
                    r.notRemoved = store.deleteDir(store.dir(id));
                }
                r.done.countDown();
                try {
                    afterJob.run();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "after-job task failed: " + DemucsException.oneLine(e));
                }
            }
        }
    }

    private void run(String id, ModelHolder.Loaded loaded, Running r) {
        Path dir = store.dir(id);
        long t0 = System.nanoTime();
        ScheduledFuture<?> deadline = timer.schedule(() -> {
            r.timedOut = true;
            r.cancellation.cancel();
        }, config.maxJobTime().toNanos(), TimeUnit.NANOSECONDS);
        Path input = null;
        try {
            Optional<JobRecord> started = store.update(id, JobRecord::started);
            if (started.isEmpty()) {
                return;
            }
            JobRecord rec = started.get();
            JobRequest req = rec.request();
            log(dir, "started (attempt " + rec.attempts() + ")");
            input = rec.inputFile() == null ? null : dir.resolve(rec.inputFile());
            if (input == null || !Files.isRegularFile(input)) {
                if (req.inputUrl() == null) {
                    throw new DemucsException("the uploaded input file is missing from the job directory");
                }
                Path inputDir = Files.createDirectories(dir.resolve(INPUT_DIR));
                input = inputDir.resolve("source" + extensionOf(URI.create(req.inputUrl()).getPath()));
                r.phase = "downloading";
                log(dir, "downloading " + Fetcher.redact(req.inputUrl()));
                fetcher.fetch(req.inputUrl(), input, r.cancellation);
                String relative = dir.relativize(input).toString();
                store.update(id, x -> x.withInputFile(relative));
                log(dir, "downloaded " + Files.size(input) + " bytes");
            }
            JobLayout.removePreviousOutputs(dir);
            JobSpec spec = req.spec(input.toString(), dir, config.jobLimits());
            Separator separator = loaded.separator();
            boolean own = false;
            if (spec.hasSeparatorOptions()) {
                // per-job shifts/overlap/seed on this worker's own options (its device)
                separator = Separator.open(loaded.bag(), spec.separationOptions(loaded.separator().options()));
                own = true;
            }
            r.phase = "separating";
            log(dir, "separating");
            try {
                SeparationJob.run(spec, separator, new Listener(id, dir), r.cancellation);
            } finally {
                if (own) {
                    separator.close();
                }
            }
            if (r.timedOut) {
                throw new DemucsException(timeLimitMessage());
            }
            // the input goes and the log is written before the record says completed: a client that
            // sees "completed" finds the job's folder and log as they stay
            deleteQuietly(input);
            log(dir, String.format(Locale.ROOT, "completed in %.1f s", (System.nanoTime() - t0) / 1e9));
            store.update(id, JobRecord::completed);
        } catch (RuntimeException | IOException e) {
            if (r.cancellation.isCancelled() && !r.timedOut) {
                if (r.deleteRequested) {
                    return;
                }
                if (r.shutdownRequested) {
                    requeueInterrupted(id, "interrupted by a server shutdown; queued again");
                    return;
                }
            }
            String why = r.timedOut ? timeLimitMessage()
                    : message(e).replace(dir.toString() + java.io.File.separator, "").replace(dir.toString(), ".");
            if (!r.timedOut && !(e instanceof DemucsException) && !(e instanceof ApiException) && !(e instanceof IOException)
                    && !(e instanceof java.io.UncheckedIOException)) {
                LOG.log(System.Logger.Level.ERROR, "job " + id + " failed with an unexpected error", e);
            }
            dropFiles(dir);
            recordFailure(id, dir, why, r.timedOut);
        } finally {
            deadline.cancel(false);
        }
    }

    private String timeLimitMessage() {
        long s = config.maxJobTime().toSeconds();
        String limit = s % 60 == 0 ? (s / 60) + " min" : config.maxJobTime().toMillis() / 1000.0 + " s";
        return "the job ran longer than the server's limit of " + limit + " (max job time) and was stopped";
    }

    /**
     * Marks a job failed with the reason: in memory at once (what the API shows), on disk as
     * soon as the store can write it (retried later when it cannot now).
     */
    private void recordFailure(String id, Path dir, String why) {
        recordFailure(id, dir, why, false);
    }

    /** As above; {@code overwrite} replaces an error progress.txt already holds (a cancellation's). */
    private void recordFailure(String id, Path dir, String why, boolean overwrite) {
        Optional<ProgressSnapshot> p = progress(id);
        if (overwrite || p.isEmpty() || p.get().state() != ProgressSnapshot.State.ERROR) {
            writeError(dir, why); // progress.txt first: a job that reads failed already shows the error state
            latestProgress.remove(id);
        }
        log(dir, "failed: " + why); // before the record: a job that reads failed has its log line
        try {
            store.update(id, x -> x.failed(why));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "job " + id + " failed (" + why + ") but its record could not be written yet: "
                    + DemucsException.oneLine(e));
        }
    }

    /** A failed job keeps its record, log and progress.txt; its input and partial outputs go. */
    private static void dropFiles(Path dir) {
        try {
            JobLayout.removePreviousOutputs(dir);
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "could not remove the partial outputs of " + dir + ": " + DemucsException.oneLine(e));
        }
        JobStore.deleteTree(dir.resolve(INPUT_DIR));
    }

    private static String message(Exception e) {
        if (e instanceof DemucsException || e instanceof ApiException) {
            return DemucsException.oneLine(e);
        }
        if (e instanceof IOException) {
            return "I/O error: " + DemucsException.oneLine(e);
        }
        return "internal error: " + e.getClass().getSimpleName() + ": " + DemucsException.oneLine(e);
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
            LOG.log(System.Logger.Level.WARNING, DemucsException.oneLine(e));
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
            hook.onProgress(p);
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
        timer.shutdownNow();
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
