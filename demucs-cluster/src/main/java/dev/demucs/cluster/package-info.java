/**
 * Cluster mode: several {@code serve} processes share one PostgreSQL job queue
 * ({@link dev.demucs.cluster.PostgresJobQueue}: Flyway schema, HikariCP pool, claims with
 * {@code SELECT … FOR UPDATE SKIP LOCKED} under leases) and one file store (a shared directory,
 * {@link dev.demucs.job.queue.DirectoryJobFiles}, or S3-compatible object storage). The server
 * finds these backends through {@link dev.demucs.cluster.ClusterBackendProvider}
 * ({@link java.util.ServiceLoader}); nothing here is loaded in the default single-node mode.
 */
package dev.demucs.cluster;
