package dev.demucs.job.queue;

/**
 * The queue's backend cannot be reached now (a database restarting, a network cut); the
 * operation may be retried. The message names the backend and the reason.
 */
public final class QueueUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public QueueUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
