package dev.demucs.net;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import okhttp3.Call;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.Response;

/**
 * One GET through a {@link Fetcher}: add headers, then {@link #open()} (any status, the caller
 * reads the body) or {@link #saveTo(Path)} (HTTP 200, written to a file). {@link #cancel()} may
 * be called from any thread at any time; the transfer then fails with
 * {@link FetchException.Reason#CANCELLED}. One use only.
 */
public final class Transfer {
    private final Fetcher fetcher;
    private final String url;
    private final Headers.Builder headers = new Headers.Builder();
    private volatile Call call;
    private volatile boolean cancelled;
    private boolean started;

    Transfer(Fetcher fetcher, String url) {
        this.fetcher = fetcher;
        this.url = url;
    }

    /** Adds a request header (e.g. {@code Range}). */
    public Transfer header(String name, String value) {
        headers.add(name, value);
        return this;
    }

    /** Aborts the transfer: a connection in progress or a body being read fails at once. */
    public void cancel() {
        cancelled = true;
        Call c = call;
        if (c != null) {
            c.cancel();
        }
    }

    /**
     * Sends the request and follows redirects; returns the first non-redirect response,
     * whatever its status. The body is read within the total deadline and the size cap.
     *
     * @throws FetchException for a refused URL or address, a failed connection, a time-out,
     *                        a bad redirect, or a cancellation
     */
    public synchronized FetchResponse open() {
        if (started) {
            throw new IllegalStateException("a Transfer is used once");
        }
        started = true;
        long total = fetcher.totalTimeout().toNanos();
        long deadline = total == 0 ? Long.MAX_VALUE : System.nanoTime() + total;
        HttpUrl current = fetcher.check(url);
        String first = Fetcher.redact(current);
        String previous = first;
        for (int hop = 0; ; hop++) {
            String shown = Fetcher.redact(current);
            if (cancelled) {
                throw new FetchException(FetchException.Reason.CANCELLED, shown, "cancelled");
            }
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                throw new FetchException(FetchException.Reason.TIMEOUT, shown,
                        "timed out: took longer than the total deadline of " + Fetcher.seconds(fetcher.totalTimeout()));
            }
            Request request = new Request.Builder().url(current).headers(headers.build())
                    .header("User-Agent", fetcher.userAgent()).get().build();
            Call c = fetcher.clientFor(remaining).newCall(request);
            call = c;
            if (cancelled) {
                c.cancel();
            }
            Response response;
            try {
                response = c.execute();
            } catch (IOException e) {
                FetchException fe = fetcher.failure(shown, e, cancelled, c.isCanceled() && !cancelled);
                throw hop > 0 && fe.reason() == FetchException.Reason.REFUSED_ADDRESS ? redirectRefused(previous, fe) : fe;
            }
            if (!response.isRedirect()) {
                return new FetchResponse(fetcher, c, response, shown, () -> cancelled);
            }
            String location = response.header("Location");
            int status = response.code();
            response.close();
            if (location == null) {
                throw new FetchException(FetchException.Reason.REDIRECT, shown, "HTTP " + status + " without a Location");
            }
            if (hop >= fetcher.maxRedirects()) {
                throw new FetchException(FetchException.Reason.REDIRECT, first, "more than " + fetcher.maxRedirects() + " redirects");
            }
            HttpUrl next = current.resolve(location);
            if (next == null) {
                throw new FetchException(FetchException.Reason.REDIRECT, shown,
                        "redirect to " + Fetcher.redact(location) + " refused: only http and https are followed");
            }
            previous = shown;
            try {
                current = fetcher.check(next.toString());
            } catch (FetchException e) {
                throw redirectRefused(shown, e);
            }
        }
    }

    private static FetchException redirectRefused(String from, FetchException e) {
        return new FetchException(e.reason(), from, "redirect refused: " + e.getMessage().substring("cannot fetch ".length()), e);
    }

    /**
     * {@link #open()}, expects HTTP 200, and writes the body to {@code target} through a
     * temporary file beside it ({@code target + ".part"}), renamed when whole; on any failure
     * nothing is left at either name.
     *
     * @return bytes written
     */
    public long saveTo(Path target) {
        Path part = target.resolveSibling(target.getFileName() + ".part");
        try (FetchResponse r = open()) {
            if (r.status() != 200) {
                throw new FetchException(FetchException.Reason.HTTP_STATUS, r.url(), "HTTP " + r.status(), r.status(), null);
            }
            long written = 0;
            try (InputStream in = r.body(); OutputStream out = Files.newOutputStream(part)) {
                byte[] buffer = new byte[64 * 1024];
                while (true) {
                    int n;
                    try {
                        n = in.read(buffer);
                    } catch (IOException e) {
                        throw r.failure(e);
                    }
                    if (n < 0) {
                        break;
                    }
                    out.write(buffer, 0, n);
                    written += n;
                }
            }
            try {
                Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
            }
            return written;
        } catch (IOException e) {
            throw new FetchException(FetchException.Reason.IO, Fetcher.redact(url), "cannot write " + part + ": " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(part);
            } catch (IOException ignored) {
                // best effort: the part name is only ever ours
            }
        }
    }
}
