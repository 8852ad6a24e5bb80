package dev.demucs.job;

import dev.demucs.core.DemucsException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code OUT/progress.txt}. Writes go to a temporary file in the same folder that is then
 * renamed over the old one ({@link StandardCopyOption#ATOMIC_MOVE}), so a poller always reads
 * a whole file, the previous one or the new one.
 */
public final class ProgressFile {

    /** The template's file name. */
    public static final String FILE_NAME = JobLayout.PROGRESS;

    private ProgressFile() {
    }

    /** The progress file of an output folder. */
    public static Path path(Path outputDir) {
        return outputDir.resolve(FILE_NAME);
    }

    /**
     * Replaces {@code outputDir/progress.txt} atomically with the snapshot.
     *
     * @throws UncheckedIOException naming the file when it cannot be written
     */
    public static void write(Path outputDir, ProgressSnapshot snapshot) {
        Path target = path(outputDir);
        Path tmp = null;
        try {
            // Not createTempFile: its 0600 permissions would hide progress.txt from pollers run as other users.
            tmp = outputDir.resolve(".progress-" + UUID.randomUUID() + ".tmp");
            Files.writeString(tmp, snapshot.toJson(), StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort: the temporary file is hidden and harmless
                }
            }
        }
    }

    /**
     * Reads {@code outputDir/progress.txt}.
     *
     * @return empty when the file does not exist
     * @throws DemucsException naming the file when it exists but cannot be read or parsed
     */
    public static Optional<ProgressSnapshot> read(Path outputDir) {
        Path file = path(outputDir);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new DemucsException("cannot read " + file + ": " + e.getMessage(), e);
        }
        try {
            return Optional.of(ProgressSnapshot.fromJson(text));
        } catch (IllegalArgumentException e) {
            throw new DemucsException(file + ": " + e.getMessage(), e);
        }
    }

    /** The template's idle state: nothing running, timestamp now, everything at zero. */
    public static ProgressSnapshot idle(boolean modelsReady) {
        ProgressSnapshot.TaskState no = ProgressSnapshot.TaskState.NO_WORK;
        return new ProgressSnapshot(ProgressSnapshot.State.IDLE,
                new ProgressSnapshot.Tasks(modelsReady ? ProgressSnapshot.TaskState.DONE : no, no, no, no),
                System.currentTimeMillis() / 1000.0, 0.0,
                new ProgressSnapshot.Details(modelsReady, 0, 0, 0.0, null));
    }
}
