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
import dev.demucs.job.queue.JobFiles;
import dev.demucs.job.queue.JobQueue;
import dev.demucs.job.queue.JobQueue.Lease;
import dev.demucs.job.queue.JobQueue.LeaseState;
import dev.demucs.job.queue.JobQueue.Removal;
import dev.demucs.job.queue.JobRecord;
import dev.demucs.job.queue.QueueUnavailableException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
import java.util.function.UnaryOperator;

/**
 * The workers of this server and what they do with the jobs of the {@link JobQueue}: a job is
 * {@code pending} in the queue, {@code running} on a worker (under a lease), then
 * {@code completed} or {@code failed}; every change is persisted by the queue before it is
 * visible. A worker claims the next job, gets its local folder from the {@link JobFiles}
 * (downloading a URL input into it), runs {@link SeparationJob} there, which keeps
 * {@code progress.txt} current, publishes the outputs, then records the job completed.
 *
 * <p>Interruptions ({@link #recover()}, and for a shared queue every heartbeat): a job whose
 * worker is gone (the server stopped while it ran, or another server's lease expired) is queued
 * again (its partial outputs are removed before it re-runs), at most
 * {@value JobRecord#MAX_INTERRUPTIONS} times, after which it is marked failed with the reason
 * ({@link JobRecord#afterInterruption}). A job interrupted by {@link #shutdown} is recorded the
 * same way, so no job is silently lost.
 *
 * <p>Cancellation: DELETE of a job running here cancels it at once; a job deleted on another
 * server is learnt from the queue at the next heartbeat ({@link JobQueue#renew}), and its run
 * stops between chunks.
 */
final class JobManager {
    private static final System.Logger LOG = System.getLogger(JobManager.class.getName());
    /** How long an idle worker waits before looking for work again after the queue failed. */
    private static final Duration RETRY_BACKOFF_MAX = Duration.ofSeconds(5);
    /** How long DELETE waits for a running job's worker to stop. */
    private static final Duration DELETE_WAIT = Duration.ofSeconds(30);

    private final ServerConfig config;
    private final JobQueue queue;
    private final JobFiles files;
    private final ModelHolder model;
    private final InputFetcher fetcher;
    private final Runnable afterJob;
    private final JobListener hook;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "demucs-http-job-timer");
        t.setDaemon(true);
        return t;
    });

    /** Guards claiming (a claimed job is in {@link #running} before anyone can look) and wakes idle workers. */
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
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
        final Lease lease;
        volatile boolean deleteRequested;
        volatile boolean shutdownRequested;
        /** Another server took the job over: stop and touch nothing. */
        volatile boolean lost;
        volatile boolean timedOut;
        volatile String phase = "starting";
        volatile List<String> notRemoved = List.of();

        Running(Lease lease) {
            this.lease = lease;
        }
    }

    /** What DELETE did: the status the job had, and what could not be removed. */
    record Deleted(String previousStatus, List<String> notRemoved) {
    }

    /**
     * @param hook told every job's progress after the server's own listener (tests gate runs with it)
     */
    JobManager(ServerConfig config, JobQueue queue, JobFiles files, ModelHolder model, InputFetcher fetcher,
               Runnable afterJob, JobListener hook) {
        this.config = config;
        this.queue = queue;
        this.files = files;
        this.model = model;
        this.fetcher = fetcher;
        this.afterJob = afterJob;
        this.hook = hook;
    }

    /** Queues again the jobs a stopped server left running. Call after the queue is open, before {@link #startWorkers()}. */
    void recover() {
        takeOver("the server stopped while this job ran; it was queued again");
    }

    private void takeOver(String note) {
        for (Lease lease : queue.takeOverExpired()) {
            if (queue.renew(lease, null) == LeaseState.CANCELLED) {
                // deleted while its worker was gone: nobody else removes its files
                files.delete(lease.jobId());
                queue.release(lease);
            } else {
                requeueInterrupted(lease, note);
            }
        }
    }

    /**
     * Records that a running job was stopped by a shutdown or a crash: back to pending, or failed
     * with the reason at its {@value JobRecord#MAX_INTERRUPTIONS}th interruption.
     */
    private void requeueInterrupted(Lease lease, String note) {
        String id = lease.jobId();
        JobRecord next = lease.record().afterInterruption(note);
        if (JobRecord.FAILED.equals(next.status())) {
            recordFailure(lease, next.error(), false);
            return;
        }
        files.log(id, note); // before the record: a job that reads pending again has its log line
        if (record(lease, x -> x.afterInterruption(note)).isEmpty()) {
            return;
        }
        files.writeProgress(id, ProgressFile.idle(false));
        wakeWorkers();
    }

    void startWorkers() {
        for (int i = 0; i < config.workers(); i++) {
            Device device = config.workerDevices().isEmpty() ? null : config.workerDevices().get(i);
            Thread t = new Thread(() -> workerLoop(device), "demucs-http-worker-" + i);
            t.setDaemon(true); // close() stops them in order; a forgotten close() must not keep the JVM alive
            workers.add(t);
            t.start();
        }
        queue.heartbeat().ifPresent(every -> timer.scheduleWithFixedDelay(this::heartbeat,
                every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS));
    }

    /**
     * Renews the leases of the jobs running here (stopping those deleted elsewhere or taken
     * over), then takes over the jobs of servers that stopped renewing theirs.
     */
    private void heartbeat() {
        for (Running r : running.values()) {
            try {
                String p = latestProgress.get(r.lease.jobId());
                LeaseState state = queue.renew(r.lease, p == null ? null : ProgressSnapshot.fromJson(p));
                if (state != LeaseState.HELD) {
                    stopLost(r, state);
                }
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot renew the lease of job " + r.lease.jobId() + " (retried at the next heartbeat): "
                        + DemucsException.oneLine(e));
            }
        }
        if (!stopping) {
            try {
                takeOver("the server running this job stopped answering; it was queued again");
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot look for jobs of stopped servers (retried at the next heartbeat): "
                        + DemucsException.oneLine(e));
            }
        }
    }

    /** A running job's lease is gone: deleted (remove its files when it stops) or taken over (touch nothing). */
    private static void stopLost(Running r, LeaseState state) {
        if (state == LeaseState.CANCELLED) {
            r.deleteRequested = true;
        } else {
            r.lost = true;
        }
        r.cancellation.cancel();
    }

    private void wakeWorkers() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Checks that a new job can be accepted now: not closing, queue not full, and the job
     * files' disk keeps {@link ServerConfig#minFreeBytes()} free after {@code incomingBytes}.
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
            free = files.usableBytes();
        } catch (IOException e) {
            throw new ApiException(507, "cannot read the free space of the data directory: " + DemucsException.oneLine(e));
        }
        long need = config.minFreeBytes() + Math.max(0, incomingBytes);
        if (free < need) {
            throw new ApiException(507, "not enough disk space for a new job: " + (free >> 20) + " MiB free, the server keeps "
                    + (config.minFreeBytes() >> 20) + " MiB free" + (incomingBytes > 0 ? " after a " + (incomingBytes >> 20) + " MiB upload" : ""));
        }
    }

    /**
     * Persists a new pending job and wakes a worker. The job's files must exist.
     *
     * @throws dev.demucs.job.queue.JobExistsException when the id is taken
     */
    void submit(JobRecord record) {
        lock.lock();
        try {
            checkCapacity(0);
            files.writeProgress(record.id(), ProgressFile.idle(model.ready()));
            queue.create(record);
            files.log(record.id(), "created");
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Pending jobs in the queue (all servers of a shared queue). */
    int queuedCount() {
        return (int) Math.min(Integer.MAX_VALUE, queue.count(JobRecord.PENDING));
    }

    /**
     * Jobs running on this server's workers. Under the claim lock: a job the queue already
     * shows running is counted (a claim registers its job before the lock is let go).
     */
    int activeCount() {
        lock.lock();
        try {
            return running.size();
        } finally {
            lock.unlock();
        }
    }

    Optional<String> deviceFallback() {
        return Optional.ofNullable(deviceFallback);
    }

    /** What a running job is doing: downloading, separating; empty when it is not running here. */
    Optional<String> phase(String id) {
        Running r;
        lock.lock(); // as activeCount: a job claimed here has its phase once the queue shows it running
        try {
            r = running.get(id);
        } finally {
            lock.unlock();
        }
        return r == null ? Optional.empty() : Optional.of(r.phase);
    }

    /** Position in the queue (0 = next), or -1. */
    int queuePosition(String id) {
        return queue.queuePosition(id);
    }

    /** The job's latest progress: in memory when it runs here, else as the queue or the job's files keep it. */
    Optional<ProgressSnapshot> progress(String id) {
        String json = latestProgress.get(id);
        if (json != null) {
            return Optional.of(ProgressSnapshot.fromJson(json));
        }
        return queue.progress(id).or(() -> files.progress(id));
    }

    /**
     * Cancels a pending or running job and removes it with its files. A job running on another
     * server of a shared queue stops at that server's next heartbeat, which removes its files.
     *
     * @return the status the job had and what could not be removed
     * @throws ApiException 404 when there is no such job
     */
    Deleted delete(String id) {
        Running r;
        Removal removal;
        lock.lock();
        try {
            removal = queue.remove(id).orElseThrow(() -> ApiException.notFound("no job with id '" + id + "'"));
            r = running.get(id);
            if (r == null && !removal.running()) {
                return new Deleted(removal.previousStatus(), files.delete(id));
            }
            if (r != null) {
                r.deleteRequested = true;
            }
        } finally {
            lock.unlock();
        }
        if (r == null) {
            return awaitRemoteStop(id);
        }
        r.cancellation.cancel();
        // a job its worker has just recorded as finished, but not yet let go of, keeps that status
        String previous = removal.running() ? JobRecord.RUNNING : removal.previousStatus();
        try {
            if (!r.done.await(DELETE_WAIT.toSeconds(), TimeUnit.SECONDS)) {
                return new Deleted(previous, List.of("jobs/" + id + " (its worker has not stopped yet; removed when it does)"));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return new Deleted(previous, r.notRemoved);
    }

    /** Waits for the server running a deleted job to stop it and release its id. */
    private Deleted awaitRemoteStop(String id) {
        long deadline = System.nanoTime() + DELETE_WAIT.toNanos();
        while (queue.holds(id)) {
            if (System.nanoTime() > deadline) {
                return new Deleted(JobRecord.RUNNING, List.of("jobs/" + id
                        + " (the server running it has not stopped it yet; removed when it does)"));
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return new Deleted(JobRecord.RUNNING, List.of());
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
            Running r = claimNext();
            if (r == null) {
                return;
            }
            String id = r.lease.jobId();
            try {
                if (loaded == null) {
                    recordFailure(r.lease, modelError, false);
                } else {
                    run(loaded, r);
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
                    r.notRemoved = files.delete(id);
                    try {
                        queue.release(r.lease);
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.WARNING, "deleted job " + id + ": " + DemucsException.oneLine(e));
                    }
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

    /**
     * Waits for a job and claims it (registered in {@link #running} under the lock, so DELETE
     * finds it); null when the server stops. Jobs created here wake the worker; jobs of other
     * servers are seen at the queue's poll interval. A failing queue is retried with backoff.
     */
    private Running claimNext() {
        long backoff = 100;
        lock.lock();
        try {
            while (true) {
                if (stopping) {
                    return null;
                }
                Optional<Lease> lease;
                long waitMillis;
                try {
                    lease = queue.claim();
                    backoff = 100;
                    waitMillis = queue.pollInterval().map(Duration::toMillis).orElse(0L);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "cannot claim a job (retried in " + backoff + " ms): " + DemucsException.oneLine(e));
                    lease = Optional.empty();
                    waitMillis = backoff;
                    backoff = Math.min(backoff * 2, RETRY_BACKOFF_MAX.toMillis());
                }
                if (lease.isPresent()) {
                    Running r = new Running(lease.get());
                    running.put(lease.get().jobId(), r);
                    return r;
                }
                if (waitMillis > 0) {
                    changed.await(waitMillis, TimeUnit.MILLISECONDS);
                } else {
                    changed.awaitUninterruptibly();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } finally {
            lock.unlock();
        }
    }

    private void run(ModelHolder.Loaded loaded, Running r) {
        Lease lease = r.lease;
        String id = lease.jobId();
        long t0 = System.nanoTime();
        ScheduledFuture<?> deadline = timer.schedule(() -> {
            r.timedOut = true;
            r.cancellation.cancel();
        }, config.maxJobTime().toNanos(), TimeUnit.NANOSECONDS);
        Path work = null;
        try {
            JobRecord rec = lease.record();
            JobRequest req = JobRequest.fromRecord(rec.request());
            files.log(id, "started (attempt " + rec.attempts() + ")");
            work = files.workDir(id, rec.inputFile());
            Path input = rec.inputFile() == null ? null : work.resolve(rec.inputFile());
            if (input == null || !Files.isRegularFile(input)) {
                if (req.inputUrl() == null) {
                    throw new DemucsException("the uploaded input file is missing from the job directory");
                }
                Path inputDir = Files.createDirectories(work.resolve(JobFiles.INPUT_DIR));
                input = inputDir.resolve("source" + extensionOf(URI.create(req.inputUrl()).getPath()));
                r.phase = "downloading";
                files.log(id, "downloading " + Fetcher.redact(req.inputUrl()));
                fetcher.fetch(req.inputUrl(), input, r.cancellation);
                String relative = work.relativize(input).toString();
                record(lease, x -> x.withInputFile(relative));
                files.log(id, "downloaded " + Files.size(input) + " bytes");
            }
            JobLayout.removePreviousOutputs(work);
            JobSpec spec = req.spec(input.toString(), work, config.jobLimits());
            Separator separator = loaded.separator();
            boolean own = false;
            if (spec.hasSeparatorOptions()) {
                // per-job shifts/overlap/seed on this worker's own options (its device)
                separator = Separator.open(loaded.bag(), spec.separationOptions(loaded.separator().options()));
                own = true;
            }
            r.phase = "separating";
            files.log(id, "separating");
            try {
                SeparationJob.run(spec, separator, new Listener(id), r.cancellation);
            } finally {
                if (own) {
                    separator.close();
                }
            }
            if (r.timedOut) {
                throw new DemucsException(timeLimitMessage());
            }
            // Every file is readable, the log line written and the input gone before the record says
            // completed, so a client that sees completed finds the job as it stays. When the lease
            // cannot be confirmed now, the log line and the input's removal wait for the record:
            // another server that has taken the job over may still need the input.
            files.publish(id, work);
            String completed = String.format(Locale.ROOT, "completed in %.1f s", (System.nanoTime() - t0) / 1e9);
            boolean confirmed = leaseConfirmed(r);
            if (confirmed) {
                finishFiles(id, work, completed);
            }
            if (record(lease, JobRecord::completed).isEmpty()) {
                noteGone(r);
                return;
            }
            if (!confirmed) {
                finishFiles(id, work, completed);
            }
        } catch (RuntimeException | IOException e) {
            if (r.cancellation.isCancelled() && !r.timedOut) {
                if (r.deleteRequested || r.lost) {
                    return;
                }
                if (r.shutdownRequested) {
                    requeueInterrupted(lease, "interrupted by a server shutdown; queued again");
                    return;
                }
            }
            String why = r.timedOut ? timeLimitMessage() : work == null ? message(e)
                    : message(e).replace(work.toString() + java.io.File.separator, "").replace(work.toString(), ".");
            if (!r.timedOut && !(e instanceof DemucsException) && !(e instanceof ApiException) && !(e instanceof IOException)
                    && !(e instanceof java.io.UncheckedIOException)) {
                LOG.log(System.Logger.Level.ERROR, "job " + id + " failed with an unexpected error", e);
            }
            if (work != null) {
                files.dropOutputs(id, work, true);
            }
            recordFailure(lease, why, r.timedOut);
        } finally {
            deadline.cancel(false);
        }
    }

    /** True when the queue confirms this worker still holds its job's lease (false when it cannot say). */
    private boolean leaseConfirmed(Running r) {
        try {
            return queue.renew(r.lease, null) == LeaseState.HELD;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** A completed job's last touches to its files: the log line, and its input goes. */
    private void finishFiles(String id, Path work, String completedLine) {
        files.log(id, completedLine);
        files.dropInput(id, work);
    }

    /** The queue refused a change of a job this worker runs: learn whether it was deleted or taken over. */
    private void noteGone(Running r) {
        LeaseState state;
        try {
            state = queue.renew(r.lease, null);
        } catch (RuntimeException e) {
            state = LeaseState.LOST; // unknown: touch nothing; an expired lease is taken over elsewhere
        }
        if (state == LeaseState.CANCELLED) {
            r.deleteRequested = true;
        } else if (state == LeaseState.LOST) {
            r.lost = true;
        }
    }

    /**
     * A worker's change to its job's record. While the queue's backend cannot be reached (a
     * database restarting: {@link QueueUnavailableException}) the change is retried with backoff
     * until the server stops, so a finished run is not lost to an outage; an outage longer than
     * the lease lets another server take the job over, and the retry then finds the lease gone.
     */
    private Optional<JobRecord> record(Lease lease, UnaryOperator<JobRecord> change) {
        long backoff = 100;
        while (true) {
            try {
                return queue.update(lease, change);
            } catch (QueueUnavailableException e) {
                if (stopping) {
                    throw e;
                }
                LOG.log(System.Logger.Level.WARNING, "job " + lease.jobId() + ": cannot record a change (retried in " + backoff
                        + " ms): " + e.getMessage());
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                backoff = Math.min(backoff * 2, RETRY_BACKOFF_MAX.toMillis());
            }
        }
    }

    private String timeLimitMessage() {
        long s = config.maxJobTime().toSeconds();
        String limit = s % 60 == 0 ? (s / 60) + " min" : config.maxJobTime().toMillis() / 1000.0 + " s";
        return "the job ran longer than the server's limit of " + limit + " (max job time) and was stopped";
    }

    /**
     * Marks a job failed with the reason: progress.txt first (a job that reads failed already
     * shows the error state), then the record (kept in memory and written later when the store
     * cannot write it now). {@code overwrite} replaces an error progress.txt already holds (a
     * cancellation's).
     */
    private void recordFailure(Lease lease, String why, boolean overwrite) {
        String id = lease.jobId();
        Optional<ProgressSnapshot> p = progress(id);
        if (overwrite || p.isEmpty() || p.get().state() != ProgressSnapshot.State.ERROR) {
            writeError(id, why);
            latestProgress.remove(id);
        }
        files.log(id, "failed: " + why); // before the record: a job that reads failed has its log line
        try {
            record(lease, x -> x.failed(why));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "job " + id + " failed (" + why + ") but its record could not be written yet: "
                    + DemucsException.oneLine(e));
        }
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

    private void writeError(String id, String why) {
        ProgressSnapshot idle = ProgressFile.idle(model.ready());
        files.writeProgress(id, idle.with(ProgressSnapshot.State.ERROR, idle.tasks(),
                new ProgressSnapshot.Details(model.ready(), 0, 0, 0.0, why)));
    }

    /** Keeps the latest progress in memory and logs state changes. */
    private final class Listener implements JobListener {
        private final String id;
        private String lastLine;

        Listener(String id) {
            this.id = id;
        }

        @Override
        public void onProgress(ProgressSnapshot p) {
            latestProgress.put(id, p.toJson());
            hook.onProgress(p);
            String line = "progress: " + p.state().json() + ", " + p.details().completedSegments() + "/"
                    + p.details().totalSegments() + " segments";
            if (!line.equals(lastLine)) {
                lastLine = line;
                files.log(id, line);
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
