package dev.demucs.cluster.s3;

import dev.demucs.core.DemucsException;
import dev.demucs.job.JobLayout;
import dev.demucs.job.ProgressFile;
import dev.demucs.job.ProgressSnapshot;
import dev.demucs.job.queue.DirectoryJobFiles;
import dev.demucs.job.queue.JobExistsException;
import dev.demucs.job.queue.JobFiles;
import dev.demucs.job.queue.JobRecord;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A job's files on S3-compatible object storage ({@code serve --files s3://bucket/prefix}): every
 * server of a cluster reads and writes the same objects, so any server accepts a job's upload,
 * any server runs it and every server serves its results. Objects mirror the directory layout of
 * {@link DirectoryJobFiles}:
 * <pre>
 * PREFIX/jobs/ID/.job                               marker written by {@link #create}
 * PREFIX/jobs/ID/input/upload.EXT                   the uploaded input ({@link #putInput})
 * PREFIX/jobs/ID/instrumental.mp3                   outputs, uploaded by {@link #publish}
 * PREFIX/jobs/ID/segments/segment_000.m4a ...
 * PREFIX/jobs/ID/demucs_results/segment_000_vocals.wav ...
 * PREFIX/jobs/ID/progress.txt                       {@link #writeProgress}, and the last one at publish
 * PREFIX/jobs/ID/job.log                            {@link #log} (rewritten whole per line: logs are short)
 * </pre>
 * A job runs in a local folder of the server that claimed it ({@code LOCAL/jobs/ID/}, a
 * {@link DirectoryJobFiles}, the input downloaded there first); its outputs are uploaded before
 * the job is recorded completed and the local folder goes when the job is done. Uploads being
 * received are spooled in {@code LOCAL/trash/}. Results are streamed through the server that is asked (with byte ranges),
 * never redirected to the store: the API's token guards them and clients need to reach one
 * origin only (README, "Cluster mode").
 */
public final class S3JobFiles implements JobFiles {
    private static final System.Logger LOG = System.getLogger(S3JobFiles.class.getName());
    private static final String JOBS = "jobs/";
    private static final String MARKER = ".job";
    /** A job's log stops growing here (it is rewritten whole at each line). */
    static final int MAX_LOG_BYTES = 256 * 1024;
    private static final int MAX_PROGRESS_BYTES = 64 * 1024;
    /** An input's path in a job: {@code input/} and a plain file name (an upload, or a URL's download). */
    private static final Pattern INPUT_FILE = Pattern.compile(INPUT_DIR + "/" + DirectoryJobFiles.FILE_NAME.pattern());

    private final S3ObjectStore store;
    private final DirectoryJobFiles local;
    private final Object logLock = new Object();

    /**
     * @param store the objects; {@link #close()} closes it
     * @param localDir this server's own folder for uploads being received ({@code trash/}) and
     *                 the jobs it runs ({@code jobs/<id>/}); created when missing, and what an
     *                 earlier process left there goes (its jobs run again from the store)
     * @throws UncheckedIOException naming the folder when it cannot be created
     */
    public S3JobFiles(S3ObjectStore store, Path localDir) {
        this.store = store;
        DirectoryJobFiles.deleteTree(localDir.resolve("jobs"));
        this.local = new DirectoryJobFiles(localDir);
        local.emptyTrash();
    }

    private static String jobPrefix(String id) {
        if (!JobRecord.validId(id)) {
            throw new IllegalArgumentException("invalid job id");
        }
        return JOBS + id + "/";
    }

    @Override
    public void create(String id) {
        String prefix = jobPrefix(id);
        try {
            if (!store.list(prefix).isEmpty()) {
                throw new JobExistsException(id);
            }
            store.put(prefix + MARKER, new byte[0]);
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    @Override
    public String putInput(String id, Path upload, String extension) throws IOException {
        String name = INPUT_DIR + "/upload" + extension;
        if (!INPUT_FILE.matcher(name).matches()) {
            throw new IllegalArgumentException("input extension '" + extension + "' is not a plain extension");
        }
        store.upload(upload, jobPrefix(id) + name);
        Files.deleteIfExists(upload);
        return name;
    }

    @Override
    public Path spoolFile() throws IOException {
        return local.spoolFile();
    }

    @Override
    public Path spoolDir() {
        return local.spoolDir();
    }

    /**
     * The job's local folder, with its input downloaded from the store when the store has it. An
     * input the store lacks (a URL's download lives only in the folder of the server that
     * fetched it) is left absent: the worker fetches the URL again, or fails an upload's job.
     */
    @Override
    public Path workDir(String id, String inputFile) throws IOException {
        Path dir = Files.createDirectories(local.dir(id));
        if (inputFile != null) {
            if (!INPUT_FILE.matcher(inputFile).matches()) {
                throw new IOException("job " + id + ": input '" + inputFile + "' is not a file of the job's " + INPUT_DIR + "/ folder");
            }
            Path input = dir.resolve(inputFile);
            if (!Files.isRegularFile(input, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    store.download(jobPrefix(id) + inputFile, input);
                } catch (NoSuchFileException e) {
                    LOG.log(System.Logger.Level.DEBUG, "job " + id + ": no stored input " + inputFile);
                }
            }
        }
        return dir;
    }

    /**
     * Uploads the run's results (the instrumental, then segments and stems) and its final
     * {@code progress.txt} last, so a reader that sees the final progress finds every file.
     */
    @Override
    public void publish(String id, Path workDir) throws IOException {
        String prefix = jobPrefix(id);
        for (ResultFile f : local.results(id)) {
            store.upload(workDir.resolve(f.path()), prefix + f.path());
        }
        Path progress = ProgressFile.path(workDir);
        if (Files.isRegularFile(progress, LinkOption.NOFOLLOW_LINKS)) {
            store.upload(progress, prefix + JobLayout.PROGRESS);
        }
    }

    @Override
    public void dropOutputs(String id, Path workDir, boolean input) {
        String prefix = jobPrefix(id);
        try {
            JobLayout.removePreviousOutputs(workDir);
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "could not remove the partial outputs of " + workDir + ": " + DemucsException.oneLine(e));
        }
        try {
            // a publish that failed half-way may have uploaded some results
            store.delete(prefix + JobLayout.INSTRUMENTAL);
            for (String sub : JobLayout.RESULT_DIRS) {
                store.deletePrefix(prefix + sub + "/");
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, DemucsException.oneLine(e));
        }
        if (input) {
            dropInput(id, workDir);
        }
    }

    /** Removes the input from the store and the job's local folder (its results are in the store). */
    @Override
    public void dropInput(String id, Path workDir) {
        try {
            store.deletePrefix(jobPrefix(id) + INPUT_DIR + "/");
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, DemucsException.oneLine(e));
        }
        local.delete(id);
    }

    @Override
    public Optional<ProgressSnapshot> progress(String id) {
        try {
            return store.read(jobPrefix(id) + JobLayout.PROGRESS, MAX_PROGRESS_BYTES)
                    .map(b -> ProgressSnapshot.fromJson(new String(b, StandardCharsets.UTF_8)));
        } catch (IOException | IllegalArgumentException e) {
            LOG.log(System.Logger.Level.DEBUG, DemucsException.oneLine(e));
            return Optional.empty();
        }
    }

    @Override
    public void writeProgress(String id, ProgressSnapshot snapshot) {
        try {
            store.put(jobPrefix(id) + JobLayout.PROGRESS, snapshot.toJson().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, DemucsException.oneLine(e));
        }
    }

    /**
     * Appends a line: the log object is read, extended and written back (S3 has no append), under
     * one lock per server. Lines written at the same moment by two servers may lose one of them;
     * the log is informative only. It stops growing at {@value #MAX_LOG_BYTES} bytes.
     */
    @Override
    public void log(String id, String line) {
        String name = jobPrefix(id) + LOG_FILE;
        byte[] add = (Instant.now() + " " + line + "\n").getBytes(StandardCharsets.UTF_8);
        synchronized (logLock) {
            try {
                byte[] old = store.read(name, MAX_LOG_BYTES).orElse(new byte[0]);
                if (old.length + add.length <= MAX_LOG_BYTES) {
                    byte[] all = new byte[old.length + add.length];
                    System.arraycopy(old, 0, all, 0, old.length);
                    System.arraycopy(add, 0, all, old.length, add.length);
                    store.put(name, all);
                }
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, DemucsException.oneLine(e));
            }
        }
    }

    @Override
    public LogChunk readLog(String id, long offset, int maxBytes) throws IOException {
        String name = jobPrefix(id) + LOG_FILE;
        Optional<ObjectInfo> info = store.stat(name);
        if (info.isEmpty() || offset >= info.get().sizeBytes()) {
            return new LogChunk("", offset);
        }
        int length = (int) Math.min(maxBytes, info.get().sizeBytes() - offset);
        try (InputStream in = store.open(name, offset, length)) {
            byte[] b = in.readNBytes(length);
            return new LogChunk(new String(b, StandardCharsets.UTF_8), offset + b.length);
        }
    }

    @Override
    public List<ResultFile> results(String id) throws IOException {
        String prefix = jobPrefix(id);
        List<ResultFile> out = new ArrayList<>();
        List<ObjectInfo> all = store.list(prefix);
        for (ObjectInfo o : all) {
            if (o.name().equals(prefix + JobLayout.INSTRUMENTAL)) {
                out.add(new StoredFile(prefix, o));
            }
        }
        for (String sub : JobLayout.RESULT_DIRS) {
            all.stream()
                    .filter(o -> isResultIn(o.name(), prefix + sub + "/"))
                    .sorted(Comparator.comparing(ObjectInfo::name))
                    .forEach(o -> out.add(new StoredFile(prefix, o)));
        }
        return out;
    }

    private static boolean isResultIn(String name, String dir) {
        return name.startsWith(dir) && DirectoryJobFiles.FILE_NAME.matcher(name.substring(dir.length())).matches();
    }

    /** One result by its plain name, from the same listing as {@link #results} (one request). */
    @Override
    public Optional<ResultFile> result(String id, String name) throws IOException {
        if (name == null || !DirectoryJobFiles.FILE_NAME.matcher(name).matches()) {
            return Optional.empty();
        }
        return results(id).stream().filter(f -> f.name().equals(name)).findFirst();
    }

    @Override
    public List<String> delete(String id) {
        String prefix = jobPrefix(id);
        local.delete(id);
        try {
            store.deletePrefix(prefix);
            return List.of();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, DemucsException.oneLine(e));
            try {
                return store.list(prefix).stream().map(o -> o.name().substring(prefix.length())).toList();
            } catch (IOException again) {
                return List.of(store.address(prefix));
            }
        }
    }

    /** The local folder's free space: uploads are spooled and jobs run there. */
    @Override
    public long usableBytes() throws IOException {
        return local.usableBytes();
    }

    /** Closes the store's client. Idempotent. */
    @Override
    public void close() {
        store.close();
    }

    /** A result file in the store, streamed from it on {@link #open}. */
    private final class StoredFile implements ResultFile {
        private final String prefix;
        private final ObjectInfo info;

        StoredFile(String prefix, ObjectInfo info) {
            this.prefix = prefix;
            this.info = info;
        }

        @Override
        public String name() {
            return info.name().substring(info.name().lastIndexOf('/') + 1);
        }

        @Override
        public String path() {
            return info.name().substring(prefix.length());
        }

        @Override
        public long bytes() {
            return info.sizeBytes();
        }

        @Override
        public InputStream open(long offset) throws IOException {
            return offset >= info.sizeBytes() ? InputStream.nullInputStream() : store.open(info.name(), offset, -1);
        }
    }
}
