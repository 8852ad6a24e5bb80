package dev.demucs.http;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;

/**
 * Deletes finished jobs (completed or failed) older than the configured age, then the oldest
 * ones beyond the configured count. Pending and running jobs are never touched.
 */
final class Retention {
    private final JobStore store;
    private final Duration maxAge;
    private final int maxCount;

    Retention(JobStore store, Duration maxAge, int maxCount) {
        this.store = store;
        this.maxAge = maxAge;
        this.maxCount = maxCount;
    }

    /** Runs one sweep; returns how many jobs were deleted. */
    synchronized int sweep() {
        List<JobRecord> finished = store.all().stream().filter(JobRecord::finished)
                .sorted(Comparator.comparing(JobRecord::finishedAt).reversed()).toList();
        int deleted = 0;
        Instant cutoff = maxAge.isZero() ? null : Instant.now().minus(maxAge);
        for (int i = 0; i < finished.size(); i++) {
            JobRecord r = finished.get(i);
            boolean tooOld = cutoff != null && r.finishedAt().isBefore(cutoff);
            boolean tooMany = maxCount > 0 && i >= maxCount;
            if (tooOld || tooMany) {
                store.get(r.id()).filter(JobRecord::finished).ifPresent(x -> store.delete(x.id()));
                deleted++;
            }
        }
        return deleted;
    }
}
