package dev.demucs.job.queue;

import java.nio.file.Path;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Picks a server's job files and queue from where the operator says they are: no location
 * means the single-server default (the data directory, {@code job.json} files); a folder means
 * {@link DirectoryJobFiles} there (a volume shared by several servers); any other location
 * ({@code jdbc:postgresql://…}, {@code s3://…}) is handed to the {@link JobBackendProvider}s on
 * the class path.
 */
public final class JobBackends {
    /** A location with a scheme ({@code s3://…}, {@code jdbc:postgresql:…}) rather than a folder. */
    private static final Pattern SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]+:.*");

    private JobBackends() {
    }

    /**
     * The job files at {@code location}.
     *
     * @param location a folder, a provider's location, or {@code null}/blank for {@link NodeSettings#localDir()}
     * @throws IllegalArgumentException naming the location when no provider handles it
     */
    public static JobFiles files(String location, NodeSettings node) {
        if (location == null || location.isBlank()) {
            return new DirectoryJobFiles(node.localDir());
        }
        if (!SCHEME.matcher(location).matches() || location.startsWith("file:")) {
            return new DirectoryJobFiles(location.startsWith("file:") ? Path.of(java.net.URI.create(location)) : Path.of(location));
        }
        return find(p -> p.files(location, node)).orElseThrow(() -> new IllegalArgumentException(
                "no file store handles '" + location + "' (is demucs-cluster on the class path?)"));
    }

    /**
     * The job queue at {@code location}, not yet opened.
     *
     * @param location a provider's location, or {@code null}/blank for the single-server
     *                 {@link FileJobQueue} beside {@code files} (which must then be a {@link DirectoryJobFiles})
     * @throws IllegalArgumentException naming the location when no provider handles it, or when
     *                                  the default queue is asked for files it cannot hold records in
     */
    public static JobQueue queue(String location, JobFiles files, NodeSettings node) {
        if (location == null || location.isBlank()) {
            if (files instanceof DirectoryJobFiles dir) {
                return new FileJobQueue(dir);
            }
            throw new IllegalArgumentException("job files that are not a folder need a shared job store (--store jdbc:postgresql://…)");
        }
        return find(p -> p.queue(location, files, node)).orElseThrow(() -> new IllegalArgumentException(
                "no job store handles '" + redact(location) + "' (is demucs-cluster on the class path?)"));
    }

    private static <T> Optional<T> find(Function<JobBackendProvider, Optional<T>> open) {
        for (JobBackendProvider p : ServiceLoader.load(JobBackendProvider.class, JobBackends.class.getClassLoader())) {
            Optional<T> found = open.apply(p);
            if (found.isPresent()) {
                return found;
            }
        }
        return Optional.empty();
    }

    /** A location as it may be shown: a password in it is hidden. */
    public static String redact(String location) {
        return location.replaceAll("(?i)(password=)[^&;]*", "$1***").replaceAll("//([^/@:]+):[^/@]*@", "//$1:***@");
    }
}
