package dev.demucs.core;

/** A separation was stopped through its {@link Cancellation} before it completed. */
public class SeparationCancelledException extends DemucsException {
    public SeparationCancelledException(String message) {
        super(Reason.CANCELLED, message);
    }

    public SeparationCancelledException(String message, Throwable cause) {
        super(Reason.CANCELLED, message, cause);
    }
}
