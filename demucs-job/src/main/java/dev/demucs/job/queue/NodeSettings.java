package dev.demucs.job.queue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * What a backend needs to know about the server it serves ({@link JobBackends}).
 *
 * @param nodeId    this server's id among the servers of a shared queue (unique, stable for the process)
 * @param workers   how many jobs this server runs at once
 * @param lease     how long a running job's lease lasts without a renewal: a server silent this
 *                  long is taken for dead and its jobs run elsewhere
 * @param heartbeat how often a server renews its leases (well under {@code lease})
 * @param poll      how often an idle worker looks for jobs created on other servers
 * @param localDir  a local folder the backend may use (the data directory: work folders, spooled uploads)
 * @param env       settings from the environment (credentials, endpoints), by variable name
 */
public record NodeSettings(String nodeId, int workers, Duration lease, Duration heartbeat, Duration poll, Path localDir,
                           Map<String, String> env) {
    /** Default {@link #lease}: a dead server's job runs elsewhere within this time. */
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(30);
    /** Default {@link #heartbeat}. */
    public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(5);
    /** Default {@link #poll}. */
    public static final Duration DEFAULT_POLL = Duration.ofSeconds(1);

    /** @throws IllegalArgumentException naming the setting and the value */
    public NodeSettings {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(localDir, "localDir");
        env = Map.copyOf(env);
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be >= 1, got " + workers);
        }
        if (heartbeat.isNegative() || heartbeat.isZero() || heartbeat.compareTo(lease) >= 0) {
            throw new IllegalArgumentException("the heartbeat must be > 0 and shorter than the lease (" + lease.toMillis()
                    + " ms), got " + heartbeat.toMillis() + " ms");
        }
        if (poll.isNegative() || poll.isZero()) {
            throw new IllegalArgumentException("the poll interval must be > 0, got " + poll.toMillis() + " ms");
        }
    }
}
