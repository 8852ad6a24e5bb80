package dev.demucs.job;

import dev.demucs.core.Device;

/**
 * Receives a job's progress. Every method has a no-op default; {@link #NONE} ignores everything.
 * Calls may come from the job's worker threads (never two at once) and must be fast and must
 * not throw.
 */
public interface JobListener {

    /** A listener that ignores every event. */
    JobListener NONE = new JobListener() {
    };

    /** A new {@code progress.txt} content was written (every state change, every chunk). */
    default void onProgress(ProgressSnapshot progress) {
    }

    /** {@link Device#auto()} fell back to the CPU; {@code reason} says why. */
    default void onDeviceFallback(Device used, String reason) {
    }
}
