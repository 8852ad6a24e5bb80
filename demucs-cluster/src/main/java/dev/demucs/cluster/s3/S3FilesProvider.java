package dev.demucs.cluster.s3;

import dev.demucs.job.queue.JobBackendProvider;
import dev.demucs.job.queue.JobFiles;
import dev.demucs.job.queue.NodeSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;

/**
 * {@code serve --files s3://bucket/prefix}: {@link S3JobFiles} with the settings of the
 * server's environment ({@link S3Settings#fromEnvironment}), checked at once: a bad location or
 * setting is an {@link IllegalArgumentException}, a bucket that cannot be reached an
 * {@link UncheckedIOException}, each with one line naming it. Jobs run and uploads are spooled
 * in {@code <data dir>/}{@value #LOCAL_DIR}{@code /}.
 */
public final class S3FilesProvider implements JobBackendProvider {
    /** The folder of the data directory where this server runs its jobs and spools uploads. */
    public static final String LOCAL_DIR = "s3-work";

    @Override
    public Optional<JobFiles> files(String location, NodeSettings node) {
        if (!location.regionMatches(true, 0, "s3:", 0, 3)) {
            return Optional.empty();
        }
        S3Settings settings = S3Settings.fromEnvironment(S3Location.parse(location), node.env()).build();
        S3ObjectStore store = S3ObjectStore.create(settings);
        try {
            store.checkAccess();
            return Optional.of(new S3JobFiles(store, node.localDir().resolve(LOCAL_DIR)));
        } catch (IOException e) {
            store.close();
            throw new UncheckedIOException(e.getMessage(), e);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }
}
