package dev.demucs.job;

import dev.demucs.core.AudioIOException;
import dev.demucs.core.Cancellation;
import dev.demucs.ffmpeg.MediaIOException;
import dev.demucs.net.AddressPolicy;
import dev.demucs.net.FetchException;
import dev.demucs.net.Fetcher;
import dev.demucs.net.Transfer;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * A job's input as a local file that FFmpeg decodes (FFmpeg opens no URLs): a local path as it
 * is, or a URL downloaded through demucs-net's fetcher. The URL is the user's own choice (CLI
 * {@code --input}, a library caller), so any address is allowed ({@link AddressPolicy#ANY}),
 * with no size cap or total deadline; a read time-out still ends a stalled server.
 *
 * <pre>{@code
 * try (JobInput in = JobInput.prepare(spec.input(), downloadDir, cancellation)) {
 *     SeparationJob.preflight(spec, in);                  // before loading a model
 *     SeparationJob.run(spec, in, separator, listener, cancellation);
 * }
 * }</pre>
 */
public final class JobInput implements AutoCloseable {

    /** Name of a download inside the download folder (plus the URL path's extension). */
    static final String DOWNLOAD = "input";

    private static final Fetcher USER_INPUTS = Fetcher.builder(AddressPolicy.ANY)
            .totalTimeout(Duration.ZERO).maxBytes(Long.MAX_VALUE).build();

    private final Path file;
    private final String description;
    private final boolean downloaded;

    private JobInput(Path file, String description, boolean downloaded) {
        this.file = file;
        this.description = description;
        this.downloaded = downloaded;
    }

    /**
     * Checks the input ({@link SeparationJob#checkInput}) and, for a URL, downloads it into
     * {@code downloadDir} (created when missing); a cancellation aborts the transfer.
     *
     * @throws JobInputException          a missing file, a malformed or non-http(s) URL
     * @throws AudioIOException           the download failed (naming the URL without its query, and why)
     * @throws dev.demucs.core.SeparationCancelledException cancelled
     */
    public static JobInput prepare(String input, Path downloadDir, Cancellation cancellation) {
        SeparationJob.checkInput(input);
        String in = input.trim();
        if (!SeparationJob.isUrl(in)) {
            return new JobInput(Path.of(in), in, false);
        }
        String path = URI.create(in).getPath();
        String name = path == null ? "" : path.substring(path.lastIndexOf('/') + 1);
        int dot = name.lastIndexOf('.');
        String ext = dot > 0 && name.substring(dot).matches("\\.[A-Za-z0-9]{1,8}") ? name.substring(dot) : "";
        Transfer transfer = USER_INPUTS.transfer(in);
        Path target;
        try (AutoCloseable hook = cancellation.onCancel(transfer::cancel)) {
            Files.createDirectories(downloadDir);
            target = downloadDir.resolve(DOWNLOAD + ext);
            transfer.saveTo(target);
        } catch (FetchException e) {
            cancellation.throwIfCancelled();
            String what = "input " + e.getMessage().substring("cannot fetch ".length());
            throw e.reason() == FetchException.Reason.BAD_URL ? new JobInputException(what) : new AudioIOException(what, e);
        } catch (IOException e) {
            throw new AudioIOException("input " + SeparationJob.redact(in) + ": cannot create " + downloadDir + ": "
                    + e.getMessage(), e);
        } catch (Exception e) {
            throw new IllegalStateException(e); // unregistering a cancel hook does not fail
        }
        return new JobInput(target, SeparationJob.redact(in), true);
    }

    /** The local file to decode. */
    public Path file() {
        return file;
    }

    /** What messages call the input: the path, or the URL without user info and query. */
    public String description() {
        return description;
    }

    /** Whether {@link #file()} is a download (deleted by {@link #close()}). */
    public boolean downloaded() {
        return downloaded;
    }

    /** Runs a decoding step, naming the URL instead of the downloaded file in its errors. */
    <T> T naming(Supplier<T> step) {
        try {
            return step.get();
        } catch (MediaIOException e) {
            String prefix = file.toString();
            if (!downloaded || !e.getMessage().startsWith(prefix)) {
                throw e;
            }
            throw new MediaIOException(e.mediaReason(), description + e.getMessage().substring(prefix.length()), e);
        }
    }

    /** Deletes a download; harmless twice; a local input is left alone. */
    @Override
    public void close() {
        if (downloaded) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a temporary copy: the folder holding it is removed by its owner
            }
        }
    }
}
