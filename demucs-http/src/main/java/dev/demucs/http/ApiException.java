package dev.demucs.http;

import java.util.Map;

/**
 * An HTTP error answer: a status, a one-line message sent as {@code {"error": "..."}} and
 * optional extra headers (Retry-After, Allow, WWW-Authenticate). Never carries a stack trace to
 * the client.
 */
final class ApiException extends RuntimeException {
    private final int status;
    private final Map<String, String> headers;

    ApiException(int status, String message) {
        this(status, message, Map.of());
    }

    ApiException(int status, String message, Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.headers = Map.copyOf(headers);
    }

    int status() {
        return status;
    }

    Map<String, String> headers() {
        return headers;
    }

    static ApiException badRequest(String message) {
        return new ApiException(400, message);
    }

    static ApiException notFound(String message) {
        return new ApiException(404, message);
    }

    static ApiException conflict(String message) {
        return new ApiException(409, message);
    }
}
