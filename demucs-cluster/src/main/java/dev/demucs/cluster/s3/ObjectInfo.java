package dev.demucs.cluster.s3;

import java.time.Instant;

/**
 * One stored object.
 *
 * @param name its key below the store's prefix ({@code S3Location#prefix()} not included)
 * @param sizeBytes its length
 * @param lastModified when it was last written
 */
public record ObjectInfo(String name, long sizeBytes, Instant lastModified) {
}
