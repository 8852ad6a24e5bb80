package dev.demucs.net;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.BooleanSupplier;
import okhttp3.Call;
import okhttp3.Response;

/**
 * A response from {@link Transfer#open()}: status, headers, and a body limited by the
 * fetcher's size cap and total deadline. Close it.
 */
public final class FetchResponse implements AutoCloseable {
    private final Fetcher fetcher;
    private final Call call;
    private final Response response;
    private final String url;
    private final BooleanSupplier cancelled;

    FetchResponse(Fetcher fetcher, Call call, Response response, String url, BooleanSupplier cancelled) {
        this.fetcher = fetcher;
        this.call = call;
        this.response = response;
        this.url = url;
        this.cancelled = cancelled;
    }

    /** The HTTP status code. */
    public int status() {
        return response.code();
    }

    /** The first value of a response header, or null. */
    public String header(String name) {
        return response.header(name);
    }

    /** The declared body length, or -1 when unknown. */
    public long contentLength() {
        return response.body().contentLength();
    }

    /** The final URL (after redirects), redacted for messages. */
    public String url() {
        return url;
    }

    /**
     * The body. A declared length over the size cap fails here; reading past the cap throws a
     * {@link FetchException} ({@link FetchException.Reason#TOO_LARGE}) from {@code read}; I/O
     * failures (time-outs, a closed connection) are {@link IOException}s: {@link #failure}
     * describes them.
     *
     * @throws FetchException {@code TOO_LARGE} when the declared length is over the cap
     */
    public InputStream body() {
        long cap = fetcher.maxBytes();
        long declared = contentLength();
        if (declared > cap) {
            response.close();
            throw tooLarge("it declares " + declared + " bytes, more than the size cap of " + cap + " bytes");
        }
        return new FilterInputStream(response.body().byteStream()) {
            private long count;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n > 0) {
                    count += n;
                    if (count > cap) {
                        close();
                        throw tooLarge("more than the size cap of " + cap + " bytes");
                    }
                }
                return n;
            }
        };
    }

    private FetchException tooLarge(String what) {
        return new FetchException(FetchException.Reason.TOO_LARGE, url, what);
    }

    /** Describes an I/O failure while reading the body (time-out, deadline, cancellation, reset). */
    public FetchException failure(IOException e) {
        boolean byCaller = cancelled.getAsBoolean();
        return fetcher.failure(url, e, byCaller, call.isCanceled() && !byCaller);
    }

    /** Closes the body and the connection's use; harmless twice. */
    @Override
    public void close() {
        response.close();
    }
}
