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
 */
final class ProgressTracker {

    private final Path outputDir;
    private final JobListener listener;
    private final long startNanos = System.nanoTime();

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

    synchronized void percent(double value) {
        double p = Math.min(100.0, Math.max(percent, value));
        if (p != percent) {
            percent = p;
        }
        publish();
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
        ProgressSnapshot s = snapshot();
        ProgressFile.write(outputDir, s);
        try {
            listener.onProgress(s);
        } catch (RuntimeException ignored) {
            // listeners must not throw; one that does must not break the job
        }
    }
}
