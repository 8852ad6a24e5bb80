package dev.demucs.core;

/**
 * Receives the progress of one separation. Every method has a no-op default; {@link #NONE}
 * ignores everything.
 *
 * <p>Events come in pairs: {@link #onSeparationStart} then, for each chunk,
 * {@link #onChunkStart} / {@link #onChunkEnd}, then {@link #onSeparationEnd} (also after a
 * failure or a cancellation, with the error). {@link ChunkProgress#percent()} never goes
 * backwards within one separation.
 *
 * <p>Implementations must be fast and must not throw; they may be called from a worker thread
 * of the separator, never from two threads at once for one separation.
 */
public interface ProgressListener {

    /** A listener that ignores every event. */
    ProgressListener NONE = new ProgressListener() {
    };

    /**
     * @param totalChunks model runs this separation will make in all (chunks × shifts × models)
     * @param frames      length of the track in frames, or -1 when the source does not know it
     */
    default void onSeparationStart(int totalChunks, long frames) {
    }

    default void onChunkStart(ChunkProgress chunk) {
    }

    default void onChunkEnd(ChunkProgress chunk) {
    }

    /** @param error {@code null} on success, else what ended the separation */
    default void onSeparationEnd(Throwable error) {
    }

    /** {@link Device#auto()} fell back to the CPU; {@code reason} says why. */
    default void onDeviceFallback(Device used, String reason) {
    }

    /**
     * Where one chunk stands.
     *
     * @param chunkIndex  index of the chunk within its pass (0-based)
     * @param chunkCount  chunks in one pass over the track
     * @param modelIndex  index of the model in the bag (0-based)
     * @param modelCount  models in the bag
     * @param shiftIndex  index of the random shift (0-based; 0 when shifts are off)
     * @param shiftCount  passes per model (max(1, shifts))
     * @param completed   chunks finished so far over all passes (after this one, in onChunkEnd)
     * @param total       chunks over all passes
     */
    record ChunkProgress(int chunkIndex, int chunkCount, int modelIndex, int modelCount,
                         int shiftIndex, int shiftCount, int completed, int total) {

        /** Share of the work done, 0 … 100. */
        public double percent() {
            return total == 0 ? 100.0 : 100.0 * completed / total;
        }
    }
}
