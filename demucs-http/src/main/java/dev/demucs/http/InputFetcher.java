package dev.demucs.http;

import dev.demucs.core.AudioIOException;
import dev.demucs.core.DemucsException;
import dev.demucs.core.Cancellation;
import dev.demucs.core.SeparationCancelledException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Downloads a job's {@code input_url} into the job directory, so the separation reads a local
 * file: redirects are followed by hand (at most {@value #MAX_REDIRECTS}) with the
 * {@link UrlGuard} check on every hop, the size is capped, a connection that sends nothing for
 * the fetch timeout is dropped, and a cancellation closes the stream at once. The file is
 * written under a temporary name and renamed when whole.
 */
final class InputFetcher implements AutoCloseable {
    static final int MAX_REDIRECTS = 5;

    private final HttpClient client;
    private final UrlGuard guard;
    private final long maxBytes;
    private final Duration timeout;
    private final ScheduledExecutorService watchdog;

    InputFetcher(UrlGuard guard, long maxBytes, Duration timeout) {
        this.guard = guard;
        this.maxBytes = maxBytes;
        this.timeout = timeout;
        this.client = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(timeout)
                .build();
        this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "demucs-http-fetch-watchdog");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Fetches {@code url} into {@code target}.
     *
     * @throws ApiException                 when a redirect target is refused by the guard
     * @throws AudioIOException             naming the URL (no query string) and the reason
     * @throws SeparationCancelledException when cancelled
     */
    void fetch(String url, Path target, Cancellation cancellation) {
        URI uri = guard.check(url);
        for (int hop = 0; ; hop++) {
            cancellation.throwIfCancelled();
            HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).GET()
                    .header("User-Agent", "demucs-http").build();
            HttpResponse<InputStream> response;
            try {
                response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
            } catch (IOException e) {
                throw new AudioIOException("cannot download " + UrlGuard.redact(uri) + ": " + oneLine(e), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SeparationCancelledException("download of " + UrlGuard.redact(uri) + " interrupted");
            }
            int status = response.statusCode();
            if (status >= 300 && status < 400 && status != 304) {
                closeQuietly(response.body());
                String location = response.headers().firstValue("Location").orElse(null);
                if (location == null) {
                    throw new AudioIOException("cannot download " + UrlGuard.redact(uri) + ": HTTP " + status + " without a Location");
                }
                if (hop >= MAX_REDIRECTS) {
                    throw new AudioIOException("cannot download " + UrlGuard.redact(uri) + ": more than " + MAX_REDIRECTS + " redirects");
                }
                uri = guard.check(uri.resolve(location).toString());
                continue;
            }
            if (status != 200) {
                closeQuietly(response.body());
                throw new AudioIOException("cannot download " + UrlGuard.redact(uri) + ": HTTP " + status);
            }
            long declared = response.headers().firstValueAsLong("Content-Length").orElse(-1);
            if (declared > maxBytes) {
                closeQuietly(response.body());
                throw new AudioIOException("cannot download " + UrlGuard.redact(uri) + ": it is " + declared
                        + " bytes, more than the limit of " + maxBytes);
            }
            copy(uri, response.body(), target, cancellation);
            return;
        }
    }

    private void copy(URI uri, InputStream body, Path target, Cancellation cancellation) {
        Path partial = target.resolveSibling(target.getFileName() + ".part");
        AtomicLong lastRead = new AtomicLong(System.nanoTime());
        AtomicBoolean stalled = new AtomicBoolean();
        ScheduledFuture<?> idleCheck = watchdog.scheduleWithFixedDelay(() -> {
            if (System.nanoTime() - lastRead.get() > timeout.toNanos()) {
                stalled.set(true);
                closeQuietly(body);
            }
        }, 200, 200, TimeUnit.MILLISECONDS);
        try (AutoCloseable hook = cancellation.onCancel(() -> closeQuietly(body));
             InputStream in = body;
             OutputStream out = Files.newOutputStream(partial)) {
            byte[] buffer = new byte[64 * 1024];
            long total = 0;
            int n;
            while ((n = in.read(buffer)) >= 0) {
                lastRead.set(System.nanoTime());
                total += n;
                if (total > maxBytes) {
                    throw new AudioIOException("cannot download " + UrlGuard.redact(uri) + ": more than the limit of "
                            + maxBytes + " bytes");
                }
                out.write(buffer, 0, n);
            }
            out.close();
            cancellation.throwIfCancelled();
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            cancellation.throwIfCancelled();
            if (stalled.get()) {
                throw new AudioIOException("cannot download " + UrlGuard.redact(uri) + ": nothing received for "
                        + timeout.toSeconds() + " s", e);
            }
            throw new AudioIOException("cannot download " + UrlGuard.redact(uri) + ": " + oneLine(e), e);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new AudioIOException("cannot download " + UrlGuard.redact(uri) + ": " + oneLine(e), e);
        } finally {
            idleCheck.cancel(false);
            try {
                Files.deleteIfExists(partial);
            } catch (IOException ignored) {
                // best effort: the job directory is removed with the job
            }
        }
    }

    static String oneLine(Throwable e) {
        return DemucsException.oneLine(e);
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // closing only to abort the transfer
        }
    }

    @Override
    public void close() {
        watchdog.shutdownNow();
    }
}
