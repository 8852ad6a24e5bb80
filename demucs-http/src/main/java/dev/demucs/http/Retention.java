package dev.demucs.http;

import dev.demucs.job.queue.JobFiles;
import dev.demucs.job.queue.JobQueue;
import dev.demucs.job.queue.JobRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;

/**
 * Deletes finished jobs (completed or failed) older than the configured age, then the oldest
 * ones beyond the configured count. Pending and running jobs are never touched. The server
 * runs a sweep through {@link JobQueue#runExclusive}, so servers sharing a queue take turns.
 */
final class Retention {
    private final JobQueue queue;
    private final JobFiles files;
    private final Duration maxAge;
    private final int maxCount;

    Retention(JobQueue queue, JobFiles files, Duration maxAge, int maxCount) {
        this.queue = queue;
        this.files = files;
        this.maxAge = maxAge;
        this.maxCount = maxCount;
    }

    /** Runs one sweep; returns how many jobs were deleted. */
    synchronized int sweep() {
        List<JobRecord> finished = queue.list(null, Integer.MAX_VALUE).stream().filter(JobRecord::finished)
                .sorted(Comparator.comparing(JobRecord::finishedAt).reversed()).toList();
        int deleted = 0;
        Instant cutoff = maxAge.isZero() ? null : Instant.now().minus(maxAge);
        for (int i = 0; i < finished.size(); i++) {
            JobRecord r = finished.get(i);
            boolean tooOld = cutoff != null && r.finishedAt().isBefore(cutoff);
            boolean tooMany = maxCount > 0 && i >= maxCount;
            if (tooOld || tooMany) {
                queue.get(r.id()).filter(JobRecord::finished)
                        .flatMap(x -> queue.remove(x.id()))
                        .ifPresent(x -> files.delete(r.id()));
                deleted++;
            }
        }
        return deleted;
    }
}
