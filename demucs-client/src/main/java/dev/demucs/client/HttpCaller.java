package dev.demucs.client;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Sends requests and retries the transient failures with a bounded exponential backoff: no
 * connection (a pod still booting), 502/503/504/524 from a proxy, and 429 (honouring
 * {@code Retry-After}). Anything else is returned to the caller as it came.
 */
public final class HttpCaller {

    /** Statuses a proxy or a busy server answers for a moment. */
    static final Set<Integer> TRANSIENT = Set.of(429, 502, 503, 504, 524);

    /**
     * How long to keep retrying one request.
     *
     * @param maxElapsed total time spent retrying one request before giving up
     * @param initial    first pause
     * @param max        longest pause, also the cap on {@code Retry-After}
     */
    public record Backoff(Duration maxElapsed, Duration initial, Duration max) {
        /** Five minutes in all, pauses from 0.5 s to 10 s. */
        public static final Backoff DEFAULT = new Backoff(Duration.ofMinutes(5), Duration.ofMillis(500), Duration.ofSeconds(10));
    }

    /** Called before each pause; may throw to stop retrying (e.g. the pod behind the proxy is gone). */
    @FunctionalInterface
    public interface TransientHook {
        void onTransient(String what);
    }

    private final OkHttpClient http;
    private final Backoff backoff;
    private final String service;
    private volatile TransientHook hook = what -> { };

    /**
     * @param http    the client (see {@link HttpClients#create()})
     * @param backoff retry bounds
     * @param service the service's name in messages, e.g. "server http://host:8185" or "RunPod API"
     */
    public HttpCaller(OkHttpClient http, Backoff backoff, String service) {
        this.http = http;
        this.backoff = backoff;
        this.service = service;
    }

    /** Sets the hook called before each retry pause. */
    public void onTransient(TransientHook h) {
        this.hook = h;
    }

    String service() {
        return service;
    }

    /**
     * Sends the request; the caller closes the response.
     *
     * @throws ClientException UNAVAILABLE when transient failures outlast the backoff
     */
    public Response send(Request request) {
        long start = System.nanoTime();
        long pause = backoff.initial().toMillis();
        int attempt = 0;
        while (true) {
            attempt++;
            String what;
            long wait;
            try {
                Response r = http.newCall(request).execute();
                if (!TRANSIENT.contains(r.code())) {
                    return r;
                }
                what = "HTTP " + r.code();
                Long retryAfter = retryAfterMillis(r.header("Retry-After"));
                r.close();
                wait = retryAfter != null ? Math.min(retryAfter, backoff.max().toMillis()) : jitter(pause);
            } catch (InterruptedIOException e) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new ClientException(ClientException.Kind.UNAVAILABLE, "interrupted while calling " + service);
                }
                what = "timeout";
                wait = jitter(pause);
            } catch (IOException e) {
                what = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
                wait = jitter(pause);
            }
            long elapsed = (System.nanoTime() - start) / 1_000_000;
            if (elapsed + wait > backoff.maxElapsed().toMillis()) {
                throw new ClientException(ClientException.Kind.UNAVAILABLE, service + " is unavailable: " + what + " after "
                        + attempt + " attempt(s) in " + String.format(Locale.ROOT, "%.0f", elapsed / 1000.0) + " s ("
                        + request.method() + " " + request.url().encodedPath() + ")");
            }
            hook.onTransient(what);
            sleep(wait);
            pause = Math.min(pause * 2, backoff.max().toMillis());
        }
    }

    private static long jitter(long pause) {
        return pause / 2 + ThreadLocalRandom.current().nextLong(pause / 2 + 1);
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClientException(ClientException.Kind.UNAVAILABLE, "interrupted");
        }
    }

    /** {@code Retry-After} in seconds (the HTTP-date form is treated as absent). */
    static Long retryAfterMillis(String value) {
        if (value == null) {
            return null;
        }
        try {
            long s = Long.parseLong(value.trim());
            return s < 0 ? null : s * 1000;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
