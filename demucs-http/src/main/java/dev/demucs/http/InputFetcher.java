package dev.demucs.http;

import dev.demucs.core.AudioIOException;
import dev.demucs.core.DemucsException;
import dev.demucs.core.Cancellation;
import dev.demucs.core.SeparationCancelledException;
import dev.demucs.net.AddressPolicy;
import dev.demucs.net.FetchException;
import dev.demucs.net.Fetcher;
import dev.demucs.net.Transfer;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A job's {@code input_url}, through demucs-net's {@link Fetcher}: URLs come from remote callers,
 * so the policy is {@link AddressPolicy#PUBLIC_ONLY} (every address of the host, on every
 * redirect, at connect time), or {@link AddressPolicy#ANY} when the operator allows private
 * URLs. {@link #check} runs at submission (the host lookup on the fetcher's own threads, a
 * bounded wait, no connection); {@link #fetch} runs on a worker and downloads with the size cap,
 * the idle time-out and a total deadline, to a temporary name renamed when whole.
 */
final class InputFetcher implements AutoCloseable {
    /** Longest wait at submission for the host lookup. */
    static final Duration LOOKUP_WAIT = Duration.ofSeconds(10);
    /** Total deadline of one input download (every redirect and the whole body). */
    static final Duration TOTAL_DEADLINE = Duration.ofMinutes(15);

    private final Fetcher fetcher;

    InputFetcher(boolean allowPrivate, long maxBytes, Duration idleTimeout) {
        this.fetcher = Fetcher.builder(allowPrivate ? AddressPolicy.ANY : AddressPolicy.PUBLIC_ONLY)
                .maxBytes(maxBytes)
                .connectTimeout(idleTimeout)
                .readTimeout(idleTimeout)
                .totalTimeout(TOTAL_DEADLINE.compareTo(idleTimeout) > 0 ? TOTAL_DEADLINE : idleTimeout.multipliedBy(2))
                .userAgent("demucs-http")
                .build();
    }

    /**
     * Checks an {@code input_url} at submission: http(s), a host, no user info, and every
     * address allowed by the policy. No connection is made.
     *
     * @return the URL
     * @throws ApiException 400 naming the URL (without query) and the reason
     */
    URI check(String url) {
        if (url == null || url.isBlank()) {
            throw ApiException.badRequest("input_url must not be empty");
        }
        try {
            return URI.create(fetcher.vet(url, LOOKUP_WAIT).toString());
        } catch (FetchException e) {
            throw ApiException.badRequest("input_url " + reason(e));
        }
    }

    /**
     * Fetches {@code url} into {@code target}.
     *
     * @throws ApiException                 when the URL or a redirect target is refused
     * @throws AudioIOException             naming the URL (no query string) and the reason
     * @throws SeparationCancelledException when cancelled
     */
    void fetch(String url, Path target, Cancellation cancellation) {
        Transfer transfer = fetcher.transfer(url);
        try (AutoCloseable hook = cancellation.onCancel(transfer::cancel)) {
            transfer.saveTo(target);
        } catch (FetchException e) {
            cancellation.throwIfCancelled();
            switch (e.reason()) {
                case BAD_URL, REFUSED_ADDRESS -> throw ApiException.badRequest("input_url " + reason(e));
                case CANCELLED -> throw new SeparationCancelledException("download of " + e.url() + " cancelled");
                default -> throw new AudioIOException("cannot download " + e.getMessage().substring("cannot fetch ".length()), e);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e); // unregistering a cancel hook does not fail
        }
    }

    /** "URL: reason", plus how to allow private URLs where that is why. */
    private String reason(FetchException e) {
        String what = e.getMessage().substring("cannot fetch ".length());
        return e.reason() == FetchException.Reason.REFUSED_ADDRESS && fetcher.policy() == AddressPolicy.PUBLIC_ONLY
                ? what + " (the operator can allow private URLs)" : what;
    }

    static String oneLine(Throwable e) {
        return DemucsException.oneLine(e);
    }

    @Override
    public void close() {
        fetcher.close();
    }
}
