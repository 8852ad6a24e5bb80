package dev.demucs.models;

import dev.demucs.core.InvalidModelException;
import dev.demucs.core.ModelNotFoundException;
import dev.demucs.net.AddressPolicy;
import dev.demucs.net.FetchException;
import dev.demucs.net.FetchResponse;
import dev.demucs.net.Fetcher;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Streams one registry file into the cache through demucs-net's {@link Fetcher} (policy
 * {@link AddressPolicy#ANY}, verified TLS, redirects checked per hop): resumes a partial file with an HTTP Range request,
 * hashes while writing, and moves the file to its content-addressed name only when its SHA-256
 * matches. The caller holds the cache lock for the file.
 */
final class Downloader {

    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
    private static final int BUFFER_BYTES = 1 << 16;

    private final Fetcher fetcher;
    private final int maxAttempts;

    /**
     * @param connectTimeout longest wait for a connection
     * @param readTimeout    longest wait for the next bytes (the download as a whole has no deadline:
     *                       it is resumed and retried instead)
     */
    Downloader(Duration connectTimeout, Duration readTimeout, int maxAttempts) {
        // Registry URLs and mirrors are the user's configuration: LAN and loopback mirrors are allowed.
        this.fetcher = Fetcher.builder(AddressPolicy.ANY).connectTimeout(connectTimeout).readTimeout(readTimeout)
                .totalTimeout(Duration.ZERO).maxBytes(Long.MAX_VALUE).build();
        this.maxAttempts = maxAttempts;
    }

    /** A transfer that failed in a way worth retrying (resuming from what is on disk). */
    private static final class TransientFailure extends Exception {
        TransientFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Downloads {@code file} via {@code part} and returns the verified file, renamed to
     * {@code targetFor.apply(sha256)}.
     */
    Path download(String model, RegistryFile file, Path part, java.util.function.Function<String, Path> targetFor,
                  DownloadListener listener) {
        String lastReason = null;
        boolean freshRetryUsed = false;
        for (int attempt = 1; attempt <= maxAttempts; attempt++) {
            try {
                Transfer t = transfer(model, file, part, listener);
                String sha = t.sha256();
                if (!file.matches(sha) || (file.sizeBytes() >= 0 && Files.size(part) != file.sizeBytes())) {
                    long size = Files.size(part);
                    Files.deleteIfExists(part);
                    if (t.resumed() && !freshRetryUsed) {
                        // The resumed part may have come from an older copy of the file: retry from zero once.
                        freshRetryUsed = true;
                        attempt--;
                        continue;
                    }
                    throw new InvalidModelException("download of " + file.fileName() + " (model " + model + ") from "
                            + file.url() + " is corrupt: SHA-256 " + sha + " (" + size + " bytes) does not match the expected "
                            + file.expectedHashText() + (file.sizeBytes() >= 0 ? " (" + file.sizeBytes() + " bytes)" : "")
                            + "; nothing was kept in the cache");
                }
                Path target = targetFor.apply(sha);
                Files.createDirectories(target.getParent());
                ModelCache.moveIntoPlace(part, target);
                return target;
            } catch (TransientFailure e) {
                lastReason = e.getMessage();
                if (attempt < maxAttempts) {
                    sleep(250L * attempt);
                }
            } catch (IOException e) {
                throw new ModelNotFoundException("cannot store " + file.fileName() + " in the model cache: " + e, e);
            }
        }
        throw new ModelNotFoundException("download of " + file.fileName() + " (model " + model + ") from " + file.url()
                + " failed after " + maxAttempts + " attempt" + (maxAttempts == 1 ? "" : "s") + ": " + lastReason
                + "; the partial file is kept and the next fetch resumes it");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelNotFoundException("download interrupted", e);
        }
    }

    /** The outcome of one attempt: the part file's SHA-256 and whether it continued earlier bytes. */
    private record Transfer(String sha256, boolean resumed) {
    }

    /** An opened source: the body, its total length (-1 unknown), and whether it continues the part file. */
    private record Opened(InputStream in, long total, boolean append) {
    }

    /** One attempt; returns the SHA-256 of the complete part file. */
    private Transfer transfer(String model, RegistryFile file, Path part, DownloadListener listener)
            throws TransientFailure, IOException {
        Files.createDirectories(part.getParent());
        long have = Files.exists(part) ? Files.size(part) : 0;
        Opened opened = "file".equalsIgnoreCase(file.url().getScheme()) ? openFile(model, file) : openHttp(model, file, part, have);
        try (InputStream in = opened.in()) {
            boolean append = opened.append();
            long total = opened.total();
            if (!append) {
                have = 0;
            }
            if (total < 0 && file.sizeBytes() >= 0) {
                total = file.sizeBytes();
            }
            checkSpace(file, part, total - have);
            MessageDigest digest = sha256();
            if (append) {
                hashExisting(part, digest);
            }
            listener.onDownloadStart(file.fileName(), total);
            try (FileChannel out = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
                byte[] buf = new byte[BUFFER_BYTES];
                long done = have;
                while (true) {
                    int n;
                    try {
                        n = in.read(buf);
                    } catch (IOException e) {
                        out.force(false);
                        throw new TransientFailure("transfer broke after " + done + " of " + sizeText(total) + ": "
                                + describe(e), e);
                    }
                    if (n < 0) {
                        break;
                    }
                    write(out, buf, n, file, part);
                    digest.update(buf, 0, n);
                    done += n;
                    listener.onDownloadProgress(file.fileName(), done, total);
                }
                out.force(false);
                if (total >= 0 && done != total) {
                    throw new TransientFailure("connection closed after " + done + " of " + total + " bytes", null);
                }
            } finally {
                listener.onDownloadEnd(file.fileName());
            }
            return new Transfer(HexFormat.of().formatHex(digest.digest()), append);
        }
    }

    /** A registry file on a local or mounted disk ({@code file:} URL): read from the start. */
    private static Opened openFile(String model, RegistryFile file) {
        try {
            Path source = Path.of(file.url());
            return new Opened(Files.newInputStream(source), Files.size(source), false);
        } catch (IOException | IllegalArgumentException e) {
            throw new ModelNotFoundException("model " + model + ": cannot read " + file.url() + " (" + e + ")", e);
        }
    }

    /** GET through the fetcher, resuming with a Range request when part of the file is on disk. */
    private Opened openHttp(String model, RegistryFile file, Path part, long have) throws TransientFailure, IOException {
        dev.demucs.net.Transfer transfer = fetcher.transfer(file.url().toString()).header("Accept-Encoding", "identity");
        if (have > 0) {
            transfer.header("Range", "bytes=" + have + "-");
        }
        FetchResponse r;
        try {
            r = transfer.open();
        } catch (FetchException e) {
            String why = e.getMessage().substring(("cannot fetch " + e.url() + ": ").length());
            switch (e.reason()) {
                case BAD_URL, REFUSED_ADDRESS, REDIRECT -> throw new ModelNotFoundException("model " + model + ": cannot download "
                        + file.url() + ": " + why, e);
                default -> throw new TransientFailure(why, e);
            }
        }
        int code = r.status();
        String range = r.header("Content-Range");
        if (code == 206) {
            Matcher m = CONTENT_RANGE.matcher(String.valueOf(range));
            if (m.matches() && Long.parseLong(m.group(1)) == have) {
                return new Opened(r.body(), m.group(3).equals("*") ? -1 : Long.parseLong(m.group(3)), true);
            }
            r.close();
            Files.deleteIfExists(part);
            throw new TransientFailure("server answered a resume with an unexpected range " + range, null);
        }
        if (code == 200) {
            return new Opened(r.body(), r.contentLength(), false);
        }
        r.close();
        if (code == 416) {
            Files.deleteIfExists(part);
            throw new TransientFailure("server refused to resume (HTTP 416)", null);
        }
        if (code == 404 || code == 410) {
            Files.deleteIfExists(part);
            throw new ModelNotFoundException("model " + model + ": " + file.url() + " does not exist (HTTP " + code
                    + "); check the registry entry or the mirror (" + ModelLocations.ENV_MIRROR + ")");
        }
        if (code >= 500 || code == 408 || code == 429) {
            throw new TransientFailure("HTTP " + code, null);
        }
        throw new ModelNotFoundException("model " + model + ": downloading " + file.url() + " failed: HTTP " + code);
    }

    private static void write(FileChannel out, byte[] buf, int n, RegistryFile file, Path part) throws IOException {
        try {
            ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
            while (bb.hasRemaining()) {
                out.write(bb);
            }
        } catch (IOException e) {
            String msg = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
            if (msg.contains("no space") || msg.contains("disk full") || msg.contains("not enough space")) {
                out.close();
                Files.deleteIfExists(part);
                throw new ModelNotFoundException("disk full: cannot write " + file.fileName() + " to the model cache "
                        + part.getParent().getParent() + " (" + e.getMessage() + "); free space or set "
                        + ModelLocations.ENV_CACHE + " to another directory", e);
            }
            throw e;
        }
    }

    private static void checkSpace(RegistryFile file, Path part, long needed) throws IOException {
        if (needed <= 0) {
            return;
        }
        long free = Files.getFileStore(part.getParent()).getUsableSpace();
        if (free < needed) {
            throw new ModelNotFoundException("disk full: " + file.fileName() + " needs " + needed + " bytes but the model cache "
                    + part.getParent().getParent() + " has " + free + " bytes free; free space or set "
                    + ModelLocations.ENV_CACHE + " to another directory");
        }
    }

    private static void hashExisting(Path part, MessageDigest digest) throws IOException {
        try (InputStream in = Files.newInputStream(part)) {
            byte[] buf = new byte[BUFFER_BYTES];
            int n;
            while ((n = in.read(buf)) > 0) {
                digest.update(buf, 0, n);
            }
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256(Path file) throws IOException {
        MessageDigest d = sha256();
        hashExisting(file, d);
        return HexFormat.of().formatHex(d.digest());
    }

    private static String sizeText(long total) {
        return total < 0 ? "an unknown number of bytes" : total + " bytes";
    }

    private static String describe(IOException e) {
        if (e instanceof java.net.SocketTimeoutException) {
            return "timed out (" + e.getMessage() + ")";
        }
        if (e instanceof java.net.ConnectException) {
            return "cannot connect (" + e.getMessage() + ")";
        }
        if (e instanceof java.net.UnknownHostException) {
            return "unknown host " + e.getMessage();
        }
        return e.toString();
    }
}
