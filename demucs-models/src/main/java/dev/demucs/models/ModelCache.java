package dev.demucs.models;

import dev.demucs.core.ModelNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The model cache directory. Every file is content-addressed, so a name says what the bytes are
 * and {@link #verify()} can re-check every file without the registry:
 * <pre>
 * CACHE/
 *   files/SHA256.th | SHA256.onnx      downloaded files, named by their full SHA-256 (verified)
 *   converted/VERSION/SHA256.onnx      ONNX converted (by converter VERSION) from the checkpoint SHA256
 *   converted/VERSION/SHA256.onnx.sha256   the SHA-256 of that ONNX when it was written
 *   partial/NAME.part                  unfinished downloads (resumed by the next fetch)
 *   locks/KEY.lock                     cross-process locks
 * </pre>
 * Files become visible under their final name only when whole and verified (temp name, then an
 * atomic rename).
 */
public final class ModelCache {

    private final Path dir;

    /** A cache rooted at {@code dir} (created on first write). */
    public ModelCache(Path dir) {
        this.dir = Objects.requireNonNull(dir, "dir").toAbsolutePath().normalize();
    }

    /** The cache directory. */
    public Path dir() {
        return dir;
    }

    Path filesDir() {
        return dir.resolve("files");
    }

    Path convertedDir() {
        return dir.resolve("converted");
    }

    Path partialDir() {
        return dir.resolve("partial");
    }

    Path lockFile(String key) {
        return dir.resolve("locks").resolve(key + ".lock");
    }

    /** Where a verified download with this SHA-256 lives. */
    public Path filePath(String sha256, String extension) {
        return filesDir().resolve(sha256 + extension);
    }

    /**
     * Where the ONNX converted from the checkpoint with this SHA-256 by the given converter
     * version lives.
     */
    public Path convertedPath(String checkpointSha256, String converterVersion) {
        return convertedDir().resolve(slug(converterVersion)).resolve(checkpointSha256 + ".onnx");
    }

    static String slug(String version) {
        String s = version == null ? "" : version.trim().replaceAll("[^A-Za-z0-9._-]+", "-");
        return s.isEmpty() || s.startsWith(".") ? "custom" : s;
    }

    Path partialPath(RegistryFile file) {
        return partialDir().resolve(file.sha256Prefix() + "-" + file.fileName() + ".part");
    }

    /** The cached copy of a registry file, if it has been downloaded. */
    public Optional<Path> find(RegistryFile file) {
        if (file.sha256() != null) {
            Path p = filePath(file.sha256(), file.extension());
            return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
        }
        Path files = filesDir();
        if (!Files.isDirectory(files)) {
            return Optional.empty();
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(files, file.sha256Prefix() + "*" + file.extension())) {
            for (Path p : ds) {
                String hex = hashOfName(p);
                if (hex != null && file.matches(hex) && (file.sizeBytes() < 0 || Files.size(p) == file.sizeBytes())) {
                    return Optional.of(p);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Optional.empty();
    }

    /** The SHA-256 a cached file's name claims, or null when the name is not content-addressed. */
    static String hashOfName(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        int dot = name.indexOf('.');
        String hex = dot < 0 ? name : name.substring(0, dot);
        return RegistryFile.isFullHash(hex) ? hex : null;
    }

    /**
     * The outcome of re-hashing one cached file.
     *
     * @param file     the file
     * @param sha256   its SHA-256 now
     * @param ok       whether it matches its content-addressed name
     * @param removed  whether it was deleted because it did not
     */
    public record Check(Path file, String sha256, boolean ok, boolean removed) {
    }

    /**
     * Re-hashes every downloaded and converted file; a file whose content does not match its name
     * is deleted (the next fetch downloads or converts it again). Converted files are checked
     * against the hash recorded next to them when they were written.
     */
    public List<Check> verify() {
        List<Check> out = new ArrayList<>();
        for (Path p : list(filesDir(), "*")) {
            String expected = hashOfName(p);
            out.add(check(p, expected));
        }
        List<Path> converted = new ArrayList<>();
        for (Path versionDir : listDirs(convertedDir())) {
            converted.addAll(list(versionDir, "*.onnx"));
        }
        for (Path p : converted) {
            Path sidecar = p.resolveSibling(p.getFileName() + ".sha256");
            String expected = null;
            try {
                if (Files.isRegularFile(sidecar)) {
                    expected = Files.readString(sidecar).trim();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            out.add(check(p, expected));
        }
        return out;
    }

    /** Re-hashes the given cached files only (see {@link #verify()}). */
    public List<Check> verify(List<Path> files) {
        List<Check> out = new ArrayList<>();
        for (Path p : files) {
            String expected;
            if (p.startsWith(convertedDir())) {
                Path sidecar = p.resolveSibling(p.getFileName() + ".sha256");
                try {
                    expected = Files.isRegularFile(sidecar) ? Files.readString(sidecar).trim() : null;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            } else {
                expected = hashOfName(p);
            }
            out.add(check(p, expected));
        }
        return out;
    }

    private Check check(Path p, String expected) {
        try (CacheLock ignored = CacheLock.acquire(lockFile(lockKey(p)))) {
            if (!Files.exists(p)) {
                throw new ModelNotFoundException(p + " is no longer in the cache");
            }
            String sha = Downloader.sha256(p);
            boolean ok = expected == null || expected.equals(sha);
            if (!ok) {
                Files.deleteIfExists(p);
                Files.deleteIfExists(p.resolveSibling(p.getFileName() + ".sha256"));
            }
            return new Check(p, sha, ok, !ok);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The lock key for a cached path: downloads lock on their 8-hex prefix, conversions on "convert-" + sha. */
    String lockKey(Path p) {
        String hex = hashOfName(p);
        if (hex == null) {
            return "other";
        }
        return p.startsWith(convertedDir()) ? convertLockKey(hex, p.getParent().getFileName().toString())
                : "file-" + hex.substring(0, 8);
    }

    static String convertLockKey(String checkpointSha256, String converterVersion) {
        return "convert-" + slug(converterVersion) + "-" + checkpointSha256;
    }

    static String downloadLockKey(RegistryFile f) {
        return "file-" + f.sha256Prefix().substring(0, 8);
    }

    private static List<Path> listDirs(Path dir) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, Files::isDirectory)) {
            ds.forEach(out::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.sort(null);
        return out;
    }

    private static List<Path> list(Path dir, String glob) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, glob)) {
            for (Path p : ds) {
                if (Files.isRegularFile(p) && !p.getFileName().toString().endsWith(".sha256")
                        && !p.getFileName().toString().startsWith(".")) {
                    out.add(p);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.sort(null);
        return out;
    }

    /** Renames a whole file into place, replacing what is there; atomically where the file system can. */
    static void moveIntoPlace(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
