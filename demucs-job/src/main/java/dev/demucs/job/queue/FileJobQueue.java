package dev.demucs.job.queue;

import dev.demucs.core.DemucsException;
import dev.demucs.job.ProgressSnapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * The default queue: one server, its records as {@code <root>/jobs/<id>/job.json} beside the
 * job's files ({@link DirectoryJobFiles}), the FIFO in memory. {@code job.json} is written to a
 * temporary file, forced to disk and renamed (then the folder is forced). A second server on
 * the same folder is refused ({@code server.lock}).
 *
 * <p>The records in memory are the truth the API shows: when writing a change fails (full or
 * read-only disk), the change still holds in memory, the caller gets the error, and the write is
 * retried as soon as another record's write succeeds (the disk is back) and by
 * {@link #retryUnsaved()}. A {@code job.json} that cannot be read at start-up is listed as a
 * failed job ({@value #UNREADABLE}), which can be deleted; its id is then free again.
 *
 * <p>Leases last as long as the process: {@link #takeOverExpired()} returns the jobs a previous
 * process left running.
 */
public class FileJobQueue implements JobQueue {
    private static final System.Logger LOG = System.getLogger(FileJobQueue.class.getName());
    /** The error of a record that could not be read at start-up. */
    public static final String UNREADABLE = "record unreadable";
    /** The record's file name in a job's folder. */
    public static final String JOB_FILE = "job.json";

    private final DirectoryJobFiles files;
    private final Map<String, JobRecord> jobs = new ConcurrentHashMap<>();
    private final Set<String> unsaved = ConcurrentHashMap.newKeySet();
    /** Ids of jobs deleted while running, until their worker releases them. */
    private final Set<String> tombstones = ConcurrentHashMap.newKeySet();
    /** Ids of jobs a worker of this process claimed (their lease is held). */
    private final Set<String> claimed = ConcurrentHashMap.newKeySet();
    /** Pending jobs in creation order (guarded by this). */
    private final TreeSet<JobRecord> pending = new TreeSet<>(
            Comparator.comparing(JobRecord::createdAt).thenComparing(JobRecord::id));
    private FileChannel lockChannel;

    /** A queue over the job folders of {@code files}; nothing is read until {@link #open()}. */
    public FileJobQueue(DirectoryJobFiles files) {
        this.files = files;
    }

    /**
     * Locks the root for this server (a second server on the same folder would corrupt the
     * queue), empties the trash, and loads every {@code job.json}; pending jobs are queued in
     * creation order.
     *
     * @throws IllegalStateException naming the folder when another server holds it
     */
    @Override
    public void open() {
        lock();
        try {
            load();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private synchronized void lock() {
        Path file = files.root().resolve("server.lock");
        try {
            FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                ch.close();
                throw new IllegalStateException("data directory " + files.root() + " is in use by another server");
            }
            lockChannel = ch;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock " + file + ": " + e.getMessage(), e);
        }
    }

    /** Releases the lock on the root; idempotent. */
    @Override
    public synchronized void close() {
        if (lockChannel != null) {
            try {
                lockChannel.close();
            } catch (IOException ignored) {
                // released with the process at the latest
            }
            lockChannel = null;
        }
    }

    @Override
    public Optional<JobRecord> get(String id) {
        return id == null ? Optional.empty() : Optional.ofNullable(jobs.get(id));
    }

    @Override
    public List<JobRecord> list(String status, int limit) {
        return jobs.values().stream().filter(r -> status == null || status.equals(r.status()))
                .sorted(Comparator.comparing(JobRecord::createdAt).reversed().thenComparing(JobRecord::id))
                .limit(limit).toList();
    }

    @Override
    public long count(String status) {
        return status == null ? jobs.size() : jobs.values().stream().filter(r -> status.equals(r.status())).count();
    }

    /** Persists and registers a new record (not registered when the write fails). */
    @Override
    public synchronized void create(JobRecord record) {
        if (holds(record.id())) {
            throw new JobExistsException(record.id());
        }
        write(record);
        jobs.put(record.id(), record);
        pending.add(record);
        retryUnsaved();
    }

    @Override
    public synchronized int queuePosition(String id) {
        int i = 0;
        for (JobRecord r : pending) {
            if (r.id().equals(id)) {
                return i;
            }
            i++;
        }
        return -1;
    }

    /**
     * Takes the oldest pending job and records it running. The record is running in memory
     * even when its write fails (the write is retried with the next one that succeeds).
     */
    @Override
    public synchronized Optional<Lease> claim() {
        JobRecord next = pending.pollFirst();
        if (next == null) {
            return Optional.empty();
        }
        claimed.add(next.id());
        try {
            apply(next.id(), JobRecord::started);
        } catch (UncheckedIOException e) {
            // kept in memory and unsaved: written again as soon as the disk takes a write
        }
        return Optional.of(new Lease(jobs.get(next.id())));
    }

    @Override
    public LeaseState renew(Lease lease, ProgressSnapshot latest) {
        if (tombstones.contains(lease.jobId())) {
            return LeaseState.CANCELLED;
        }
        return held(lease) ? LeaseState.HELD : LeaseState.LOST;
    }

    private boolean held(Lease lease) {
        JobRecord r = jobs.get(lease.jobId());
        return r != null && claimed.contains(lease.jobId()) && r.attempts() == lease.attempt();
    }

    /**
     * Applies a change to a claimed job and persists it; empty when the job is gone. The
     * change holds in memory even when the write fails; the write is then retried later.
     *
     * @throws UncheckedIOException when the record could not be written (yet)
     */
    @Override
    public synchronized Optional<JobRecord> update(Lease lease, UnaryOperator<JobRecord> change) {
        if (!held(lease)) {
            return Optional.empty();
        }
        Optional<JobRecord> next = apply(lease.jobId(), change);
        next.filter(r -> !JobRecord.RUNNING.equals(r.status())).ifPresent(r -> {
            claimed.remove(r.id());
            if (JobRecord.PENDING.equals(r.status())) {
                pending.add(r);
            }
        });
        return next;
    }

    private Optional<JobRecord> apply(String id, UnaryOperator<JobRecord> change) {
        JobRecord current = jobs.get(id);
        if (current == null) {
            return Optional.empty();
        }
        JobRecord next = change.apply(current);
        try {
            write(next); // on disk before the API shows it
            jobs.put(id, next);
            unsaved.remove(id);
        } catch (UncheckedIOException e) {
            jobs.put(id, next);
            unsaved.add(id);
            LOG.log(System.Logger.Level.WARNING, "job " + id + ": " + e.getMessage() + "; the state is kept in memory and written again later");
            throw e;
        }
        retryUnsaved(); // this write went through, so the disk may take the ones that failed
        return Optional.of(next);
    }

    @Override
    public synchronized List<Lease> takeOverExpired() {
        List<Lease> out = new ArrayList<>();
        jobs.values().stream().filter(r -> JobRecord.RUNNING.equals(r.status()) && !claimed.contains(r.id()))
                .sorted(Comparator.comparing(JobRecord::createdAt))
                .forEach(r -> {
                    claimed.add(r.id());
                    out.add(new Lease(r));
                });
        return out;
    }

    @Override
    public synchronized Optional<Removal> remove(String id) {
        JobRecord r = jobs.remove(id);
        if (r == null) {
            return Optional.empty();
        }
        unsaved.remove(id);
        pending.remove(r);
        boolean running = JobRecord.RUNNING.equals(r.status()) && claimed.contains(id);
        if (running) {
            tombstones.add(id);
        } else {
            claimed.remove(id);
        }
        return Optional.of(new Removal(r.status(), running));
    }

    @Override
    public synchronized void release(Lease lease) {
        tombstones.remove(lease.jobId());
        claimed.remove(lease.jobId());
    }

    @Override
    public boolean holds(String id) {
        return jobs.containsKey(id) || tombstones.contains(id);
    }

    @Override
    public synchronized boolean runExclusive(String name, Runnable task) {
        task.run();
        return true;
    }

    /** Writes again the records whose last write failed; returns how many are still unsaved. */
    @Override
    public synchronized int retryUnsaved() {
        for (String id : List.copyOf(unsaved)) {
            JobRecord r = jobs.get(id);
            if (r == null) {
                unsaved.remove(id);
                continue;
            }
            try {
                write(r);
                unsaved.remove(id);
                LOG.log(System.Logger.Level.INFO, "job " + id + ": record written on retry");
            } catch (UncheckedIOException e) {
                LOG.log(System.Logger.Level.DEBUG, "job " + id + ": record still unsaved: " + e.getMessage());
            }
        }
        return unsaved.size();
    }

    /** Loads every job.json under the root; a folder without one is removed (a request that never completed). */
    private synchronized void load() {
        files.emptyTrash();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(files.jobsDir())) {
            for (Path dir : dirs) {
                String name = dir.getFileName().toString();
                if (!Files.isDirectory(dir) || !JobRecord.validId(name)) {
                    continue;
                }
                Path file = dir.resolve(JOB_FILE);
                if (!Files.exists(file)) {
                    // created by a request that never completed (crash during an upload): never acknowledged
                    LOG.log(System.Logger.Level.INFO, "removing " + dir + ": no " + JOB_FILE + " (a request that did not complete)");
                    files.deleteDir(dir);
                    continue;
                }
                JobRecord r;
                try {
                    r = JobJson.RECORDS.readValue(file.toFile(), JobRecord.class);
                    if (!name.equals(r.id()) || r.status() == null || r.createdAt() == null) {
                        throw new IOException("its id, status or creation time is missing or does not match the folder");
                    }
                    r.created(); // a parseable time
                } catch (IOException | RuntimeException e) {
                    String why = UNREADABLE + " (" + DemucsException.oneLine(e) + ")";
                    LOG.log(System.Logger.Level.WARNING, "job " + name + ": " + why + "; listed as failed until deleted");
                    r = JobRecord.unreadable(name, modified(file), why);
                }
                jobs.put(r.id(), r);
                if (JobRecord.PENDING.equals(r.status())) {
                    pending.add(r);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + files.jobsDir() + ": " + e.getMessage(), e);
        }
    }

    private static String modified(Path file) {
        try {
            return Files.getLastModifiedTime(file).toInstant().toString();
        } catch (IOException e) {
            return Instant.EPOCH.toString();
        }
    }

    private void write(JobRecord record) {
        Path dir = files.dir(record.id());
        try {
            persist(dir, JobJson.RECORDS.writeValueAsBytes(record));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + JOB_FILE + ": " + DemucsException.oneLine(e), e);
        }
    }

    /**
     * Writes {@code job.json} in a job folder durably: a temporary file forced to disk, renamed
     * over the old one, then the folder forced so the rename survives a power cut. Tests
     * override this to fail writes.
     */
    protected void persist(Path dir, byte[] json) throws IOException {
        Path tmp = dir.resolve(JOB_FILE + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.wrap(json);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        try {
            Files.move(tmp, dir.resolve(JOB_FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, dir.resolve(JOB_FILE), StandardCopyOption.REPLACE_EXISTING);
        }
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // folders cannot be opened for sync on every platform; the file itself is forced
        }
    }
}
