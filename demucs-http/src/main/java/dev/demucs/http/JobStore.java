package dev.demucs.http;

import dev.demucs.core.DemucsException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Set;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * The jobs on disk: {@code <dataDir>/jobs/<id>/job.json} plus the job's output layout. Ids are
 * random (128 bits, hex) or client-chosen and always validated, so no path built from a request
 * can leave the data directory. {@code job.json} is written to a temporary file, forced to disk
 * and renamed (then the directory is forced); a deleted job's directory is first renamed into
 * {@code <dataDir>/trash/} so a crash never leaves a half-deleted job behind.
 *
 * <p>The records in memory are the truth the API shows: when writing a change fails (full or
 * read-only disk), the change still holds in memory, the caller gets the error, and the write is
 * retried as soon as another record's write succeeds (the disk is back) and by
 * {@link #retryUnsaved()}. A {@code job.json} that cannot be read
 * at start-up is listed as a failed job ("record unreadable"), which can be deleted; its id is
 * then free again.
 */
class JobStore {
    private static final System.Logger LOG = System.getLogger(JobStore.class.getName());
    static final String UNREADABLE = "record unreadable";

    static final String JOB_FILE = "job.json";
    static final Pattern ID = JobRequest.JOB_ID;

    private final Path jobsDir;
    private final Path trashDir;
    private final Map<String, JobRecord> jobs = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private final Set<String> unsaved = ConcurrentHashMap.newKeySet();

    JobStore(Path dataDir) {
        this.jobsDir = dataDir.toAbsolutePath().normalize().resolve("jobs");
        this.trashDir = dataDir.toAbsolutePath().normalize().resolve("trash");
        try {
            Files.createDirectories(jobsDir);
            Files.createDirectories(trashDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the data directory " + jobsDir + ": " + e.getMessage(), e);
        }
    }

    private java.nio.channels.FileChannel lockChannel;

    /**
     * Takes the data directory for this server: a second server (in this or another process)
     * on the same directory would corrupt the queue.
     *
     * @throws IllegalStateException naming the directory when another server holds it
     */
    synchronized void lock() {
        Path file = jobsDir.getParent().resolve("server.lock");
        try {
            java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
            java.nio.channels.FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (java.nio.channels.OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                ch.close();
                throw new IllegalStateException("data directory " + jobsDir.getParent() + " is in use by another server");
            }
            lockChannel = ch;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock " + file + ": " + e.getMessage(), e);
        }
    }

    /** Releases {@link #lock()}; idempotent. */
    synchronized void unlock() {
        if (lockChannel != null) {
            try {
                lockChannel.close();
            } catch (IOException ignored) {
                // released with the process at the latest
            }
            lockChannel = null;
        }
    }

    /** A new random id. */
    String newId() {
        byte[] b = new byte[16];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** The directory of a job; the id must be valid. */
    Path dir(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            throw ApiException.notFound("no job with id '" + (id == null ? "" : JobRequest.clip(id)) + "'");
        }
        Path dir = jobsDir.resolve(id).normalize();
        if (!dir.getParent().equals(jobsDir)) {
            throw ApiException.notFound("no job with id '" + JobRequest.clip(id) + "'");
        }
        return dir;
    }

    Optional<JobRecord> get(String id) {
        return id == null ? Optional.empty() : Optional.ofNullable(jobs.get(id));
    }

    List<JobRecord> all() {
        return new ArrayList<>(jobs.values());
    }

    /** Creates the job directory for a new id; 409 when it exists. */
    Path createDir(String id) {
        Path dir = dir(id);
        try {
            Files.createDirectory(dir);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            throw ApiException.conflict("job " + id + " already exists");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir + ": " + e.getMessage(), e);
        }
        return dir;
    }

    /** Persists and registers a new record (not registered when the write fails). */
    synchronized void put(JobRecord record) {
        write(record);
        jobs.put(record.id(), record);
        retryUnsaved();
    }

    /**
     * Applies a change to a registered job and persists it; empty when the job is gone. The
     * change holds in memory even when the write fails; the write is then retried later.
     *
     * @throws UncheckedIOException when the record could not be written (yet)
     */
    synchronized Optional<JobRecord> update(String id, UnaryOperator<JobRecord> change) {
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

    /** Writes again the records whose last write failed; returns how many are still unsaved. */
    synchronized int retryUnsaved() {
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

    /**
     * Forgets a job and removes its directory (moved to the trash first, then deleted).
     *
     * @return what could not be removed (relative to the data directory); empty when all is gone
     */
    List<String> delete(String id) {
        synchronized (this) {
            jobs.remove(id);
            unsaved.remove(id);
        }
        return deleteDir(dir(id));
    }

    /** A new empty file for an upload in progress (in the trash, which a restart empties). */
    Path tempFile() throws IOException {
        return Files.createTempFile(trashDir, "upload-", ".part");
    }

    /** Forgets a job without touching its directory (its worker removes it). */
    synchronized void forget(String id) {
        jobs.remove(id);
        unsaved.remove(id);
    }

    /** Where uploads in progress are spooled (emptied at every start). */
    Path trashDir() {
        return trashDir;
    }

    /**
     * Removes a directory that holds no registered job (e.g. an upload that failed).
     *
     * @return what could not be removed, relative to the data directory
     */
    List<String> deleteDir(Path dir) {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return List.of();
        }
        Path trash = trashDir.resolve(dir.getFileName() + "-" + System.nanoTime());
        try {
            Files.move(dir, trash, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            trash = dir;
        }
        Path base = jobsDir.getParent();
        return deleteTree(trash).stream().map(p -> base.relativize(p).toString()).toList();
    }

    /** Loads every job.json under the data directory; returns the records read. */
    List<JobRecord> load() {
        deleteTree(trashDir);
        try {
            Files.createDirectories(trashDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<JobRecord> loaded = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(jobsDir)) {
            for (Path dir : dirs) {
                String name = dir.getFileName().toString();
                if (!Files.isDirectory(dir) || !ID.matcher(name).matches()) {
                    continue;
                }
                Path file = dir.resolve(JOB_FILE);
                if (!Files.exists(file)) {
                    // created by a request that never completed (crash during an upload): never acknowledged
                    LOG.log(System.Logger.Level.INFO, "removing " + dir + ": no " + JOB_FILE + " (a request that did not complete)");
                    deleteDir(dir);
                    continue;
                }
                JobRecord r;
                try {
                    r = Json.RECORDS.readValue(file.toFile(), JobRecord.class);
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
                loaded.add(r);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + jobsDir + ": " + e.getMessage(), e);
        }
        loaded.sort(Comparator.comparing(JobRecord::createdAt));
        return loaded;
    }

    private static String modified(Path file) {
        try {
            return Files.getLastModifiedTime(file).toInstant().toString();
        } catch (IOException e) {
            return Instant.EPOCH.toString();
        }
    }

    private void write(JobRecord record) {
        Path dir = dir(record.id());
        try {
            persist(dir, Json.RECORDS.writeValueAsBytes(record));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + JOB_FILE + ": " + DemucsException.oneLine(e), e);
        }
    }

    /**
     * Writes {@code job.json} in a job folder durably: a temporary file forced to disk, renamed
     * over the old one, then the folder forced so the rename survives a power cut. Tests
     * override this to fail writes.
     */
    void persist(Path dir, byte[] json) throws IOException {
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

    /**
     * Deletes a tree, going on past failures.
     *
     * @return the paths that could not be deleted
     */
    static List<Path> deleteTree(Path root) {
        List<Path> left = new ArrayList<>();
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return left;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) {
                    delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) {
                    delete(dir);
                    return FileVisitResult.CONTINUE;
                }

                private void delete(Path p) {
                    try {
                        Files.deleteIfExists(p);
                    } catch (IOException e) {
                        left.add(p);
                    }
                }
            });
        } catch (IOException e) {
            left.add(root);
        }
        if (!left.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "could not delete " + left.size() + " path(s) under " + root + ", first " + left.get(0));
        }
        return left;
    }
}
