package dev.demucs.job.queue;

import dev.demucs.job.ProgressSnapshot;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where a job's files live: its input, its outputs ({@link dev.demucs.job.JobLayout}),
 * {@code progress.txt} and {@code job.log}. Every server of a queue uses the same files, so
 * any server answers for any job. {@link DirectoryJobFiles} keeps them in
 * {@code <root>/jobs/<id>/} (the data directory, or a volume shared by several servers); an
 * object-storage implementation keeps them under a bucket prefix and runs jobs in a local
 * folder.
 *
 * <p>The life of a job's files, in the order a server calls:
 * <pre>
 *   create(id)                   POST /job: reserve the job's place (a taken id is a conflict)
 *   putInput(id, upload, name)   POST /job with a file: the upload becomes the job's input
 *   workDir(id)                  a worker starts it: a local folder holding the input (if any)
 *                                where the run writes its outputs and progress.txt
 *   publish(id, workDir)         the run succeeded: its outputs become visible to every server;
 *                                called BEFORE the job is recorded completed
 *   dropOutputs(id, workDir, …)  the run failed or is retried: partial outputs (and the input) go
 *   results(id), result(id, n)   GET /job/{id}, GET /result/{id}/{name} on any server
 *   delete(id)                   DELETE, retention: everything goes
 * </pre>
 * Ids reaching these methods are valid ({@link JobRecord#validId}). Implementations are
 * thread-safe.
 */
public interface JobFiles extends AutoCloseable {

    /** The job's log file name. */
    String LOG_FILE = "job.log";
    /** The folder of a job's input inside its files. */
    String INPUT_DIR = "input";

    /**
     * Reserves the files of a new job. Two servers of one queue may race for a client-chosen
     * id: the queue admits one job ({@link JobQueue#create}) and the intake of the other leaves
     * the files alone, so an implementation that cannot refuse an existing id atomically (object
     * storage without a conditional write) must at least never overwrite another job's input.
     *
     * @throws JobExistsException when files of a job with this id exist
     * @throws java.io.UncheckedIOException when the storage cannot be written
     */
    void create(String id);

    /**
     * Makes an uploaded file (written to {@link #spoolFile()}) the input of a created job; the
     * upload is moved or copied and may be gone afterwards.
     *
     * @param extension the input's extension with its dot ({@code ".wav"}), or empty
     * @return the input's path relative to the job's files, for {@link JobRecord#inputFile()}
     */
    String putInput(String id, Path upload, String extension) throws IOException;

    /** A new empty local file for an upload being received (removed at the next start if left). */
    Path spoolFile() throws IOException;

    /** The local folder where multipart uploads are spooled. */
    Path spoolDir();

    /**
     * The local folder where this server runs the job: it holds the input recorded in
     * {@code inputFile} (when not null), and the run writes its outputs and {@code progress.txt}
     * there. For a directory store, the job's own folder.
     */
    Path workDir(String id, String inputFile) throws IOException;

    /**
     * Makes a successful run's outputs (and its final {@code progress.txt}) visible to every
     * server. Called before the job is recorded completed, so a client that sees
     * {@code completed} can download every file.
     */
    void publish(String id, Path workDir) throws IOException;

    /**
     * Removes a run's partial outputs before a retry or after a failure; with
     * {@code input}, the job's input too (a failed job keeps only its record, log and
     * progress.txt). Best effort: failures are logged.
     */
    void dropOutputs(String id, Path workDir, boolean input);

    /** Removes the job's input once it completed (best effort). */
    void dropInput(String id, Path workDir);

    /** The job's {@code progress.txt}; empty when it has none or it cannot be read. */
    Optional<ProgressSnapshot> progress(String id);

    /** Replaces the job's {@code progress.txt} (best effort: failures are logged). */
    void writeProgress(String id, ProgressSnapshot snapshot);

    /** Appends a line to the job's log (best effort: the log is informative only). */
    void log(String id, String line);

    /**
     * Reads the job's log from a byte offset.
     *
     * @param maxBytes at most this many bytes
     * @return the text and the offset after it (the same offset when nothing is new)
     */
    LogChunk readLog(String id, long offset, int maxBytes) throws IOException;

    /**
     * A completed job's result files in their order: {@code instrumental.mp3}, then
     * {@code segments/} and {@code demucs_results/}, each sorted; only plain file names.
     */
    List<ResultFile> results(String id) throws IOException;

    /**
     * One result file by its plain name ({@code instrumental.mp3}, or a name in
     * {@code demucs_results/} then {@code segments/}); empty when there is none.
     */
    Optional<ResultFile> result(String id, String name) throws IOException;

    /**
     * Removes every file of the job.
     *
     * @return what could not be removed (relative names, for the client); empty when all is gone
     */
    List<String> delete(String id);

    /** Bytes a new job's input may still take (the disk's usable space; unbounded for object storage). */
    long usableBytes() throws IOException;

    /**
     * Releases what the files hold beyond the server's life (an object store's client);
     * nothing for a folder. Idempotent.
     */
    @Override
    default void close() {
    }

    /**
     * A piece of a job's log.
     *
     * @param text       the bytes read, as UTF-8
     * @param nextOffset the offset after them
     */
    record LogChunk(String text, long nextOffset) {
    }

    /** A result file: its name, where it sits among the job's files, its size, its bytes. */
    interface ResultFile {
        /** The plain file name ({@code instrumental.mp3}, {@code vocals.wav}). */
        String name();

        /** The path relative to the job's files ({@code demucs_results/x/vocals.wav}). */
        String path();

        /** Its size in bytes. */
        long bytes();

        /**
         * Opens the file's bytes from {@code offset} (a range request's start); the caller
         * reads as many as it needs and closes the stream.
         */
        InputStream open(long offset) throws IOException;
    }
}
