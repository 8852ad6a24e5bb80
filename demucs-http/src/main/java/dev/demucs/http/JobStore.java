package dev.demucs.http;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
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
 * can leave the data directory. {@code job.json} is written to a temporary file and renamed;
 * a deleted job's directory is first renamed into {@code <dataDir>/trash/} so a crash never
 * leaves a half-deleted job behind.
 */
final class JobStore {
    static final String JOB_FILE = "job.json";
    static final Pattern ID = JobRequest.JOB_ID;

    private final Path jobsDir;
    private final Path trashDir;
    private final Map<String, JobRecord> jobs = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();

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

    /** Persists and registers a record. */
    synchronized void put(JobRecord record) {
        write(record);
        jobs.put(record.id(), record);
    }

    /** Applies a change to a registered job and persists it; empty when the job is gone. */
    synchronized Optional<JobRecord> update(String id, UnaryOperator<JobRecord> change) {
        JobRecord current = jobs.get(id);
        if (current == null) {
            return Optional.empty();
        }
        JobRecord next = change.apply(current);
        write(next);
        jobs.put(id, next);
        return Optional.of(next);
    }

    /** Forgets a job and removes its directory (moved to the trash first, then deleted). */
    void delete(String id) {
        synchronized (this) {
            jobs.remove(id);
        }
        deleteDir(dir(id));
    }

    /** A new empty file for an upload in progress (in the trash, which a restart empties). */
    Path tempFile() throws IOException {
        return Files.createTempFile(trashDir, "upload-", ".part");
    }

    /** Forgets a job without touching its directory (its worker removes it). */
    synchronized void forget(String id) {
        jobs.remove(id);
    }

    /** Removes a directory that holds no registered job (e.g. an upload that failed). */
    void deleteDir(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        Path trash = trashDir.resolve(dir.getFileName() + "-" + System.nanoTime());
        try {
            Files.move(dir, trash, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            trash = dir;
        }
        deleteTree(trash);
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
                    System.err.println("demucs-http: removing " + dir + ": no " + JOB_FILE + " (a request that did not complete)");
                    deleteDir(dir);
                    continue;
                }
                try {
                    JobRecord r = Json.RECORDS.readValue(file.toFile(), JobRecord.class);
                    if (!name.equals(r.id())) {
                        System.err.println("demucs-http: skipping " + file + ": its id " + r.id() + " does not match the directory");
                        continue;
                    }
                    jobs.put(r.id(), r);
                    loaded.add(r);
                } catch (IOException | RuntimeException e) {
                    System.err.println("demucs-http: skipping " + file + ": unreadable (" + InputFetcher.oneLine(e) + ")");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + jobsDir + ": " + e.getMessage(), e);
        }
        loaded.sort(Comparator.comparing(JobRecord::createdAt));
        return loaded;
    }

    private void write(JobRecord record) {
        Path dir = dir(record.id());
        Path tmp = dir.resolve(JOB_FILE + ".tmp");
        try {
            Files.write(tmp, Json.RECORDS.writeValueAsBytes(record));
            try {
                Files.move(tmp, dir.resolve(JOB_FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, dir.resolve(JOB_FILE), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve(JOB_FILE) + ": " + e.getMessage(), e);
        }
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) {
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (NoSuchFileException ignored) {
            // already gone
        } catch (IOException e) {
            System.err.println("demucs-http: could not delete " + root + ": " + e.getMessage());
        }
    }
}
