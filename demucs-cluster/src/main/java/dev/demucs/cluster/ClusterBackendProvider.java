package dev.demucs.cluster;

import dev.demucs.job.queue.JobBackendProvider;
import dev.demucs.job.queue.JobFiles;
import dev.demucs.job.queue.JobQueue;
import dev.demucs.job.queue.NodeSettings;
import java.util.Optional;

/**
 * The cluster module's backends, found by {@link dev.demucs.job.queue.JobBackends} through
 * {@link java.util.ServiceLoader}: {@code jdbc:postgresql://…} is a {@link PostgresJobQueue}.
 */
public final class ClusterBackendProvider implements JobBackendProvider {
    @Override
    public Optional<JobQueue> queue(String location, JobFiles files, NodeSettings node) {
        if (!location.startsWith("jdbc:postgresql:")) {
            return Optional.empty();
        }
        return Optional.of(PostgresJobQueue.connect(location, node));
    }
}
