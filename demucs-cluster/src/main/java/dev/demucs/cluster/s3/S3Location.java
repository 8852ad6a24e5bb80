package dev.demucs.cluster.s3;

import java.util.regex.Pattern;

/**
 * Where a store keeps its objects: a bucket and a key prefix, written {@code s3://bucket/prefix}.
 * <pre>
 * s3://demucs                 bucket "demucs", prefix ""
 * s3://demucs/jobs            bucket "demucs", prefix "jobs/"
 * s3://demucs/prod/jobs/      bucket "demucs", prefix "prod/jobs/"
 * </pre>
 * The bucket follows S3's naming rules (3 to 63 lowercase letters, digits, '.' and '-', starting
 * and ending with a letter or digit, no "..", not an IP address), which MinIO, Ceph and R2 accept
 * too. The prefix is a '/'-separated path without empty, "." or ".." segments, control characters,
 * '\', '?' or '#'; it is kept with a trailing '/' so that keys are {@code prefix + name}.
 *
 * @param bucket the bucket's name
 * @param prefix "" or a path ending in '/'
 */
public record S3Location(String bucket, String prefix) {
    private static final String SCHEME = "s3://";
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    private static final Pattern IP_ADDRESS = Pattern.compile("\\d+\\.\\d+\\.\\d+\\.\\d+");
    private static final Pattern BAD_KEY_CHARS = Pattern.compile("[\\p{Cntrl}\\\\?#]");

    public S3Location {
        String problem = bucketProblem(bucket);
        if (problem == null) {
            problem = prefix == null || !(prefix.isEmpty() || prefix.endsWith("/")) ? "the prefix must be empty or end with '/'"
                    : pathProblem(prefix.isEmpty() ? "" : prefix.substring(0, prefix.length() - 1), "prefix");
        }
        if (problem != null) {
            throw new IllegalArgumentException("'" + clip(SCHEME + bucket + "/" + prefix) + "' is not a usable S3 location: " + problem);
        }
    }

    /**
     * Parses {@code s3://bucket[/prefix]}; a bad URI is an {@link IllegalArgumentException} whose
     * one-line message quotes the URI and names the rule it breaks.
     */
    public static S3Location parse(String uri) {
        if (uri == null) {
            throw new IllegalArgumentException("no S3 location given (expected s3://bucket/prefix)");
        }
        String problem;
        if (!uri.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            problem = "it must start with " + SCHEME + " (expected s3://bucket/prefix)";
        } else {
            String rest = uri.substring(SCHEME.length());
            int slash = rest.indexOf('/');
            String bucket = slash < 0 ? rest : rest.substring(0, slash);
            String path = slash < 0 ? "" : rest.substring(slash + 1);
            while (path.endsWith("/")) {
                path = path.substring(0, path.length() - 1);
            }
            problem = bucketProblem(bucket);
            if (problem == null) {
                problem = pathProblem(path, "prefix");
            }
            if (problem == null) {
                return new S3Location(bucket, path.isEmpty() ? "" : path + "/");
            }
        }
        throw new IllegalArgumentException("'" + clip(uri) + "' is not a usable S3 location: " + problem);
    }

    /** The full key of a name below this location's prefix (the name is checked like a prefix). */
    public String key(String name) {
        String problem = name.isEmpty() ? "an object name must not be empty" : pathProblem(name, "object name");
        if (problem != null) {
            throw new IllegalArgumentException("'" + clip(name) + "': " + problem);
        }
        return prefix + name;
    }

    /** {@code s3://bucket/prefix}. */
    @Override
    public String toString() {
        return SCHEME + bucket + "/" + prefix;
    }

    private static String bucketProblem(String bucket) {
        if (bucket == null || bucket.isEmpty()) {
            return "the bucket name is missing";
        }
        if (!BUCKET.matcher(bucket).matches() || bucket.contains("..") || IP_ADDRESS.matcher(bucket).matches()) {
            return "bucket name '" + clip(bucket) + "' must be 3 to 63 lowercase letters, digits, '.' or '-',"
                    + " start and end with a letter or digit, have no '..' and not look like an IP address";
        }
        return null;
    }

    /** Why a '/'-separated path (no leading or trailing '/') cannot be part of a key, or null. */
    private static String pathProblem(String path, String what) {
        if (path.isEmpty()) {
            return null;
        }
        if (BAD_KEY_CHARS.matcher(path).find()) {
            return "the " + what + " must not contain control characters, '\\', '?' or '#'";
        }
        for (String segment : path.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                return "the " + what + " must not have empty, '.' or '..' path segments";
            }
        }
        return path.length() > 512 ? "the " + what + " is longer than 512 characters" : null;
    }

    private static String clip(String s) {
        String oneLine = s.replaceAll("\\p{Cntrl}", "?");
        return oneLine.length() <= 200 ? oneLine : oneLine.substring(0, 200) + "...";
    }
}
