package dev.demucs.net;

/**
 * Why a fetch failed: one unchecked type with the reason as a value. The message is one line:
 * {@code "cannot fetch <url>: <what happened>"}, the URL without user info, query or fragment
 * ({@link Fetcher#redact(String)}).
 */
public class FetchException extends RuntimeException {

    /** What went wrong. */
    public enum Reason {
        /** Not an absolute http(s) URL, user info in it, or an ambiguous numeric host. */
        BAD_URL,
        /** The host is, or resolves to, an address the {@link AddressPolicy} refuses. */
        REFUSED_ADDRESS,
        /** The host name does not resolve. */
        UNKNOWN_HOST,
        /** The connection could not be made (refused, unreachable, TLS handshake or certificate failure). */
        CONNECT,
        /** Connect or read time-out, or the total deadline passed. */
        TIMEOUT,
        /** The response is larger than the size cap. */
        TOO_LARGE,
        /** An HTTP status other than the one expected. */
        HTTP_STATUS,
        /** Too many redirects, or a redirect without a usable http(s) location. */
        REDIRECT,
        /** {@link Transfer#cancel()} was called. */
        CANCELLED,
        /** Any other I/O failure (connection closed early, local file not writable). */
        IO
    }

    private final Reason reason;
    private final String url;
    private final int httpStatus;

    FetchException(Reason reason, String url, String what, int httpStatus, Throwable cause) {
        super("cannot fetch " + url + ": " + oneLine(what), cause);
        this.reason = reason;
        this.url = url;
        this.httpStatus = httpStatus;
    }

    FetchException(Reason reason, String url, String what, Throwable cause) {
        this(reason, url, what, -1, cause);
    }

    FetchException(Reason reason, String url, String what) {
        this(reason, url, what, -1, null);
    }

    /** Why it failed. */
    public Reason reason() {
        return reason;
    }

    /** The URL (redacted) that failed: the last hop when redirects were followed. */
    public String url() {
        return url;
    }

    /** The HTTP status for {@link Reason#HTTP_STATUS}, else -1. */
    public int httpStatus() {
        return httpStatus;
    }

    static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s+", " ").trim();
    }
}
