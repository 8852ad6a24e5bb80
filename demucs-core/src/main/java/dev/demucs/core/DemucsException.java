package dev.demucs.core;

/**
 * Base of every error this library throws. Unchecked; the cause, when there is one, is kept.
 * Subclasses say what went wrong: {@link ModelNotFoundException}, {@link InvalidModelException},
 * {@link InferenceException}, {@link SeparationCancelledException}, {@link AudioIOException}.
 * {@link #reason()} says it as a value, so that callers (a command's exit code, an HTTP status)
 * map from one switch instead of a chain of {@code instanceof}.
 */
public class DemucsException extends RuntimeException {

    /** What kind of failure this is. */
    public enum Reason {
        /** The caller's input is wrong: a value out of range, a missing file, a malformed URL. */
        BAD_INPUT,
        /** A model file (or named model) does not exist or cannot be read. */
        MODEL_NOT_FOUND,
        /** A model file exists but is not a usable Demucs model. */
        INVALID_MODEL,
        /** Audio cannot be read from its source or written to its sink. */
        AUDIO_IO,
        /** ONNX Runtime failed while running a model, or a device could not be set up. */
        INFERENCE,
        /** Stopped through its cancellation. */
        CANCELLED,
        /** Anything else. */
        OTHER
    }

    private final Reason reason;

    /** An error of reason {@link Reason#OTHER}. */
    public DemucsException(String message) {
        this(Reason.OTHER, message, null);
    }

    /** An error of reason {@link Reason#OTHER}. */
    public DemucsException(String message, Throwable cause) {
        this(Reason.OTHER, message, cause);
    }

    public DemucsException(Reason reason, String message) {
        this(reason, message, null);
    }

    public DemucsException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason == null ? Reason.OTHER : reason;
    }

    /** What kind of failure this is. */
    public Reason reason() {
        return reason;
    }

    /**
     * The message of {@code t} on one line (line breaks and the blanks around them become one
     * space), or the simple name of its class when it has no message: what the command line
     * prints, the HTTP service answers and {@code progress.txt} records.
     */
    public static String oneLine(Throwable t) {
        String m = t.getMessage();
        return oneLine(m == null || m.isBlank() ? t.getClass().getSimpleName() : m);
    }

    /** {@code text} on one line (line breaks and the blanks around them become one space); "" for null. */
    public static String oneLine(String text) {
        return text == null ? "" : text.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
    }
}
