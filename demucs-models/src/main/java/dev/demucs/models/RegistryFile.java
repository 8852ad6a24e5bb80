package dev.demucs.models;

import java.net.URI;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One downloadable file of a registry entry.
 *
 * @param fileName     the published file name (e.g. {@code 955717e8-8726e21a.th})
 * @param url          where to download it from
 * @param sha256       the full lower-case SHA-256 in hex, or {@code null} when only a prefix is known
 * @param sha256Prefix the lower-case hex prefix that must match (the full hash when known; for an
 *                     official file the 8 hex digits at the end of its name)
 * @param sizeBytes    the size in bytes, or -1 when the catalogue does not say
 * @param weights      per-source weights of this file's model in a bag, or {@code null} for all ones
 */
public record RegistryFile(String fileName, URI url, String sha256, String sha256Prefix, long sizeBytes,
                           float[] weights) {

    private static final Pattern NAME_HASH = Pattern.compile("^.*-([0-9a-f]{8})\\.(th|onnx)$");
    private static final Pattern FULL_HASH = Pattern.compile("^[0-9a-f]{64}$");

    /** The kinds of file a registry can name. */
    public enum Kind {
        /** A PyTorch checkpoint ({@code .th}), converted to ONNX on first use. */
        CHECKPOINT,
        /** An ONNX model, used as is. */
        ONNX
    }

    public RegistryFile {
        Objects.requireNonNull(fileName, "fileName");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(sha256Prefix, "sha256Prefix");
        weights = weights == null ? null : weights.clone();
    }

    /** The 8 hex digits a file name of the form {@code <sig>-<sha8>.th} carries, if any. */
    public static Optional<String> hashPrefixInName(String fileName) {
        Matcher m = NAME_HASH.matcher(fileName.toLowerCase(Locale.ROOT));
        return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }

    static boolean isFullHash(String hex) {
        return hex != null && FULL_HASH.matcher(hex).matches();
    }

    /** What this file is, from its extension. */
    public Kind kind() {
        return fileName.toLowerCase(Locale.ROOT).endsWith(".th") ? Kind.CHECKPOINT : Kind.ONNX;
    }

    /** The file's extension including the dot ({@code .th} or {@code .onnx}). */
    public String extension() {
        return kind() == Kind.CHECKPOINT ? ".th" : ".onnx";
    }

    /** Whether a computed SHA-256 (lower-case hex) is the one this file must have. */
    public boolean matches(String computedSha256) {
        return sha256 != null ? sha256.equals(computedSha256) : computedSha256.startsWith(sha256Prefix);
    }

    /** The expected hash as people read it: the full hash, or "prefix …" for official files. */
    public String expectedHashText() {
        return sha256 != null ? sha256 : sha256Prefix + "… (prefix from the file name)";
    }

    @Override
    public float[] weights() {
        return weights == null ? null : weights.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RegistryFile f && f.fileName.equals(fileName) && f.url.equals(url)
                && Objects.equals(f.sha256, sha256) && f.sha256Prefix.equals(sha256Prefix)
                && f.sizeBytes == sizeBytes && Arrays.equals(f.weights, weights);
    }

    @Override
    public int hashCode() {
        return Objects.hash(fileName, url, sha256, sha256Prefix, sizeBytes) * 31 + Arrays.hashCode(weights);
    }

    @Override
    public String toString() {
        return fileName + " <" + url + "> sha256 " + expectedHashText();
    }
}
