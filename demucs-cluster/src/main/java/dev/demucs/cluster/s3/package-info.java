/**
 * Job files on S3-compatible object storage: {@link dev.demucs.cluster.s3.S3Location} (the
 * {@code s3://bucket/prefix} a user writes), {@link dev.demucs.cluster.s3.S3Settings} (endpoint,
 * region, path style, credentials; from the environment or explicit) and
 * {@link dev.demucs.cluster.s3.S3ObjectStore} (upload, streamed download, list and delete by
 * prefix) on the AWS SDK v2.
 */
package dev.demucs.cluster.s3;
