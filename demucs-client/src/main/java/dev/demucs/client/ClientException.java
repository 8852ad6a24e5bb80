package dev.demucs.client;

/**
 * Why a remote call failed, in one line fit for a user (never a stack trace, never a secret).
 * The {@link Kind} decides the command's exit code.
 */
public class ClientException extends RuntimeException {

    /** The kinds of failure a command tells apart. */
    public enum Kind {
        /** Bad local input or a request the service rejected (HTTP 400, 404, 409, 413, 415). */
        REJECTED,
        /** Credentials missing or refused (HTTP 401/403): the server token or the cloud API key. */
        AUTH,
        /** The job failed or was cancelled on the server, or the server answered something unusable. */
        JOB_FAILED,
        /** Unreachable or unavailable after bounded retries, no GPU capacity, a pod that died or never became ready. */
        UNAVAILABLE,
        /** A local file could not be read or written. */
        IO
    }

    private final Kind kind;
    private final int httpStatus;

    public ClientException(Kind kind, String message) {
        this(kind, message, 0);
    }

    /** An error answered by a service with this HTTP status. */
    public ClientException(Kind kind, String message, int httpStatus) {
        super(message);
        this.kind = kind;
        this.httpStatus = httpStatus;
    }

    public ClientException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.httpStatus = 0;
    }

    public Kind kind() {
        return kind;
    }

    /** The HTTP status the service answered, 0 when the failure was not an HTTP answer. */
    public int httpStatus() {
        return httpStatus;
    }
}
