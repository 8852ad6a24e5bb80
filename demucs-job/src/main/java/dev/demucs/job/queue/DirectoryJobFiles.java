package dev.demucs.job.queue;

import dev.demucs.core.DemucsException;
import dev.demucs.job.JobLayout;
import dev.demucs.job.ProgressFile;
import dev.demucs.job.ProgressSnapshot;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A job's files in a folder: {@code <root>/jobs/<id>/} holds the input ({@code input/}), the
 * outputs ({@link JobLayout}), {@code progress.txt} and {@code job.log}; {@code <root>/trash/}
 * holds uploads being received and deleted jobs on their way out (a deleted job's folder is
 * first renamed there, so a crash never leaves a half-deleted job behind). The root is the
 * server's data directory, or a volume shared by several servers ({@code serve --files DIR}).
 * Jobs run in their own folder: {@link #publish} has nothing to copy.
 *
 * <p>Ids are validated before any path is built from them, so no request can name a path
 * outside {@code <root>/jobs/}; result files are plain names of regular files, never links.
 */
public class DirectoryJobFiles implements JobFiles {
    private static final System.Logger LOG = System.getLogger(DirectoryJobFiles.class.getName());
    /** File names a client may download: no path separators, no leading dot. */
    public static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private final Path root;
    private final Path jobsDir;
    private final Path trashDir;

    /**
     * @param root the folder holding {@code jobs/} and {@code trash/} (created when missing)
     * @throws UncheckedIOException naming the folder when it cannot be created
     */
    public DirectoryJobFiles(Path root) {
        this.root = root.toAbsolutePath().normalize();
        this.jobsDir = this.root.resolve("jobs");
        this.trashDir = this.root.resolve("trash");
        try {
            Files.createDirectories(jobsDir);
            Files.createDirectories(trashDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the data directory " + jobsDir + ": " + e.getMessage(), e);
        }
    }

    /** The root folder. */
    public Path root() {
        return root;
    }

    /** {@code <root>/jobs}. */
    public Path jobsDir() {
        return jobsDir;
    }

    /**
     * The folder of a job.
     *
     * @throws IllegalArgumentException when the id is not a valid one
     */
    public Path dir(String id) {
        if (!JobRecord.validId(id)) {
            throw new IllegalArgumentException("invalid job id");
        }
        Path dir = jobsDir.resolve(id).normalize();
        if (!dir.getParent().equals(jobsDir)) {
            throw new IllegalArgumentException("invalid job id");
        }
        return dir;
    }

    @Override
    public void create(String id) {
        Path dir = dir(id);
        try {
            Files.createDirectory(dir);
        } catch (FileAlreadyExistsException e) {
            throw new JobExistsException(id);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String putInput(String id, Path upload, String extension) throws IOException {
        Path dir = dir(id);
        Path input = Files.createDirectories(dir.resolve(INPUT_DIR)).resolve("upload" + extension);
        Files.move(upload, input, StandardCopyOption.ATOMIC_MOVE);
        return dir.relativize(input).toString();
    }

    @Override
    public Path spoolFile() throws IOException {
        return Files.createTempFile(trashDir, "upload-", ".part");
    }

    @Override
    public Path spoolDir() {
        return trashDir;
    }

    @Override
    public Path workDir(String id, String inputFile) {
        return dir(id);
    }

    @Override
    public void publish(String id, Path workDir) {
        // the job ran in its own folder: its outputs are where every reader looks
    }

    @Override
    public void dropOutputs(String id, Path workDir, boolean input) {
        try {
            JobLayout.removePreviousOutputs(workDir);
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "could not remove the partial outputs of " + workDir + ": " + DemucsException.oneLine(e));
        }
        if (input) {
            deleteTree(workDir.resolve(INPUT_DIR));
        }
    }

    @Override
    public void dropInput(String id, Path workDir) {
        deleteTree(workDir.resolve(INPUT_DIR));
    }

    @Override
    public Optional<ProgressSnapshot> progress(String id) {
        try {
            return ProgressFile.read(dir(id));
        } catch (DemucsException e) {
            return Optional.empty();
        }
    }

    @Override
    public void writeProgress(String id, ProgressSnapshot snapshot) {
        try {
            ProgressFile.write(dir(id), snapshot);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, DemucsException.oneLine(e));
        }
    }

    @Override
    public void log(String id, String line) {
        try {
            Files.writeString(dir(id).resolve(LOG_FILE), Instant.now() + " " + line + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException ignored) {
            // the log is informative only
        }
    }

    @Override
    public LogChunk readLog(String id, long offset, int maxBytes) throws IOException {
        Path log = dir(id).resolve(LOG_FILE);
        if (!Files.exists(log)) {
            return new LogChunk("", offset);
        }
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
            long size = f.length();
            if (offset >= size) {
                return new LogChunk("", offset);
            }
            byte[] b = new byte[(int) Math.min(maxBytes, size - offset)];
            f.seek(offset);
            f.readFully(b);
            return new LogChunk(new String(b, StandardCharsets.UTF_8), offset + b.length);
        }
    }

    @Override
    public List<ResultFile> results(String id) throws IOException {
        Path dir = dir(id);
        List<ResultFile> out = new ArrayList<>();
        Path instrumental = dir.resolve(JobLayout.INSTRUMENTAL);
        if (Files.isRegularFile(instrumental, LinkOption.NOFOLLOW_LINKS)) {
            out.add(new LocalFile(dir, instrumental));
        }
        for (String sub : JobLayout.RESULT_DIRS) {
            Path d = dir.resolve(sub);
            if (Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
                try (Stream<Path> s = Files.list(d)) {
                    s.filter(f -> Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS))
                            .filter(f -> FILE_NAME.matcher(f.getFileName().toString()).matches())
                            .sorted().forEach(f -> out.add(new LocalFile(dir, f)));
                }
            }
        }
        return out;
    }

    @Override
    public Optional<ResultFile> result(String id, String name) {
        if (name == null || !FILE_NAME.matcher(name).matches()) {
            return Optional.empty();
        }
        Path dir = dir(id);
        List<Path> candidates = new ArrayList<>();
        if (name.equals(JobLayout.INSTRUMENTAL)) {
            candidates.add(dir.resolve(name));
        }
        candidates.add(dir.resolve(JobLayout.RESULTS).resolve(name));
        candidates.add(dir.resolve(JobLayout.SEGMENTS).resolve(name));
        for (Path f : candidates) {
            if (f.normalize().startsWith(dir) && Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                return Optional.of(new LocalFile(dir, f));
            }
        }
        return Optional.empty();
    }

    @Override
    public List<String> delete(String id) {
        return deleteDir(dir(id));
    }

    @Override
    public long usableBytes() throws IOException {
        return Files.getFileStore(root).getUsableSpace();
    }

    /**
     * Removes a folder under the root (moved to the trash first, then deleted).
     *
     * @return what could not be removed, relative to the root
     */
    public List<String> deleteDir(Path dir) {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return List.of();
        }
        Path trash = trashDir.resolve(dir.getFileName() + "-" + System.nanoTime());
        try {
            Files.move(dir, trash, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            trash = dir;
        }
        return deleteTree(trash).stream().map(p -> root.relativize(p).toString()).toList();
    }

    /**
     * Empties the trash: uploads and deletions a previous process left unfinished. Only when
     * no other server uses the same root (the file store's start).
     */
    public void emptyTrash() {
        deleteTree(trashDir);
        try {
            Files.createDirectories(trashDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Deletes a tree, going on past failures.
     *
     * @return the paths that could not be deleted
     */
    public static List<Path> deleteTree(Path root) {
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

    /** A result file in a job's folder. */
    private record LocalFile(Path dir, Path file) implements ResultFile {
        @Override
        public String name() {
            return file.getFileName().toString();
        }

        @Override
        public String path() {
            return dir.relativize(file).toString().replace('\\', '/');
        }

        @Override
        public long bytes() {
            try {
                return Files.size(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public InputStream open(long offset) throws IOException {
            FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
            ch.position(offset);
            return Channels.newInputStream(ch);
        }
    }
}
