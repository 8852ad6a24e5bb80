package dev.demucs.job;

import dev.demucs.job.ProgressSnapshot.Details;
import dev.demucs.job.ProgressSnapshot.State;
import dev.demucs.job.ProgressSnapshot.TaskState;
import dev.demucs.job.ProgressSnapshot.Tasks;
import java.nio.file.Path;

/**
 * Keeps one job's progress, writes {@code progress.txt} on every change and tells the listener.
 * Thread-safe (the separator's worker, the stem writer's thread and the job thread all report);
 * percent never decreases.
 *
 * <p>{@code details.percent} is the whole job's progress: the cutting pass (one decode plus the
 * segment encodes) fills the first {@value #CUTTING_SHARE} %, inference the rest, so the number
 * and {@code elapsed_seconds} keep moving in every phase.
 */
final class ProgressTracker {

    /** Percent of the job given to the cutting pass. */
    static final double CUTTING_SHARE = 10.0;
    /** During cutting, progress.txt is rewritten when percent moved this much, or ... */
    private static final double CUTTING_STEP = 0.1;
    /** ... when this long has passed since the last write, so the elapsed time keeps moving. */
    private static final long CUTTING_TICK_NANOS = 500_000_000L;

    private final Path outputDir;
    private final JobListener listener;
    private final long startNanos = System.nanoTime();
    private long lastPublishNanos = startNanos;

    private State state = State.DEMUCS;
    private Tasks tasks = new Tasks(TaskState.DONE, TaskState.NO_WORK, TaskState.NO_WORK, TaskState.NO_WORK);
    private int completedSegments;
    private int totalSegments;
    private double percent;
    private String error;

    ProgressTracker(Path outputDir, JobListener listener) {
        this.outputDir = outputDir;
        this.listener = listener;
    }

    synchronized void phase(TaskState cutting, TaskState inference, TaskState conversion) {
        tasks = new Tasks(TaskState.DONE, cutting, inference, conversion);
        publish();
    }

    synchronized void totalSegments(int total) {
        totalSegments = total;
        publish();
    }

    synchronized void completedSegments(int completed) {
        completedSegments = Math.max(completedSegments, completed);
        publish();
    }

    /** Cutting progress, {@code fraction} of the input decoded (0..1); written at most every 0.1 % or 0.5 s. */
    synchronized void cutting(double fraction) {
        double p = CUTTING_SHARE * Math.min(1.0, Math.max(0.0, fraction));
        if (p - percent >= CUTTING_STEP || System.nanoTime() - lastPublishNanos >= CUTTING_TICK_NANOS) {
            raise(p);
            publish();
        }
    }

    /** Inference progress in percent of the separation (0..100), mapped after the cutting share. */
    synchronized void inference(double separationPercent) {
        raise(CUTTING_SHARE + (100.0 - CUTTING_SHARE) * Math.min(100.0, Math.max(0.0, separationPercent)) / 100.0);
        publish();
    }

    private void raise(double value) {
        percent = Math.min(100.0, Math.max(percent, value));
    }

    synchronized void completed() {
        state = State.COMPLETED;
        tasks = new Tasks(TaskState.DONE, TaskState.NO_WORK, TaskState.NO_WORK, TaskState.NO_WORK);
        completedSegments = totalSegments;
        percent = 100.0;
        publish();
    }

    /** Records the failure; never throws (the original error matters more). */
    synchronized void failed(String message) {
        state = State.ERROR;
        tasks = new Tasks(TaskState.DONE, TaskState.NO_WORK, TaskState.NO_WORK, TaskState.NO_WORK);
        error = message;
        try {
            publish();
        } catch (RuntimeException ignored) {
            // the output folder may be what failed; the caller rethrows the original error
        }
    }

    synchronized ProgressSnapshot snapshot() {
        return new ProgressSnapshot(state, tasks, System.currentTimeMillis() / 1000.0,
                (System.nanoTime() - startNanos) / 1e9,
                new Details(true, completedSegments, totalSegments, percent, error));
    }

    double elapsedSeconds() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private void publish() {
        lastPublishNanos = System.nanoTime();
        ProgressSnapshot s = snapshot();
        ProgressFile.write(outputDir, s);
        try {
            listener.onProgress(s);
        } catch (RuntimeException ignored) {
            // listeners must not throw; one that does must not break the job
        }
    }
}
