package dev.demucs.job.queue;

import java.util.Optional;

/**
 * A job store or file store other than the built-in ones, found with
 * {@link java.util.ServiceLoader} when a server is started with a location it names
 * ({@code serve --store jdbc:postgresql://…}, {@code serve --files s3://bucket/prefix}). The
 * cluster module provides PostgreSQL and object storage this way, so a server without it on
 * the class path needs neither JDBC nor an S3 client. Register an implementation in
 * {@code META-INF/services/dev.demucs.job.queue.JobBackendProvider} (and {@code provides} in a
 * module descriptor).
 */
public interface JobBackendProvider {

    /**
     * A queue at {@code location}, not yet {@linkplain JobQueue#open() opened}; empty when this
     * provider does not handle that kind of location.
     *
     * @param files the server's job files (the queue may need them to recover a job)
     * @throws IllegalArgumentException naming the location when it is handled but malformed
     */
    default Optional<JobQueue> queue(String location, JobFiles files, NodeSettings node) {
        return Optional.empty();
    }

    /**
     * Job files at {@code location}; empty when this provider does not handle that kind of location.
     *
     * @throws IllegalArgumentException naming the location when it is handled but malformed
     */
    default Optional<JobFiles> files(String location, NodeSettings node) {
        return Optional.empty();
    }
}
