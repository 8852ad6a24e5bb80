package dev.demucs.models;

/**
 * Progress of model downloads and checkpoint conversions, reported by {@link ModelResolver}.
 *
 * <p>Events come in pairs ({@code onDownloadStart}/{@code onDownloadEnd},
 * {@code onConvertStart}/{@code onConvertEnd}) and may be called from the resolving thread
 * only. Implementations must be fast and must not throw. All methods have no-op defaults;
 * {@link #NONE} ignores everything.
 */
public interface DownloadListener {

    /** A listener that ignores every event. */
    DownloadListener NONE = new DownloadListener() {
    };

    /**
     * A download starts (or resumes).
     *
     * @param file       the file name (as in the registry)
     * @param totalBytes the full size of the file in bytes, or -1 when unknown
     */
    default void onDownloadStart(String file, long totalBytes) {
    }

    /**
     * Bytes arrived.
     *
     * @param file       the file name
     * @param bytesDone  bytes of the file now on disk (including a resumed part)
     * @param totalBytes the full size in bytes, or -1 when unknown
     */
    default void onDownloadProgress(String file, long bytesDone, long totalBytes) {
    }

    /** The download of {@code file} ended (successfully or not). */
    default void onDownloadEnd(String file) {
    }

    /** Conversion of the checkpoint {@code file} to ONNX starts. */
    default void onConvertStart(String file) {
    }

    /** Conversion of the checkpoint {@code file} ended (successfully or not). */
    default void onConvertEnd(String file) {
    }
}
