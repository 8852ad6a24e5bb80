/**
 * Cluster mode: several {@code serve} processes share one PostgreSQL job queue and one file store
 * (S3-compatible object storage or a shared directory). Nothing here is loaded in the default
 * single-node mode.
 */
package dev.demucs.cluster;
