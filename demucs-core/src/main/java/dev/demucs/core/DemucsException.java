package dev.demucs.core;

/**
 * Base of every error this library throws. Unchecked; the cause, when there is one, is kept.
 * Subclasses say what went wrong: {@link ModelNotFoundException}, {@link InvalidModelException},
 * {@link InferenceException}, {@link SeparationCancelledException}, {@link AudioIOException}.
 */
public class DemucsException extends RuntimeException {
    public DemucsException(String message) {
        super(message);
    }

    public DemucsException(String message, Throwable cause) {
        super(message, cause);
    }
}
