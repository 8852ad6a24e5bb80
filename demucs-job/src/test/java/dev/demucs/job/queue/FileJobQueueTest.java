package dev.demucs.job.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.demucs.job.queue.JobQueue.Lease;
import dev.demucs.job.queue.JobQueue.LeaseState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The default queue's contract: FIFO claims, leases, tombstones, restart recovery, the three-interruptions rule. */
class FileJobQueueTest {

    private static JobRecord submit(JobQueue q, DirectoryJobFiles files, String id) {
        files.create(id);
        JobRecord r = JobRecord.create(id, JobJson.RECORDS.createObjectNode().put("input_url", "http://127.0.0.1:9/a.wav"), null, null);
        q.create(r);
        return r;
    }

    @Test
    void claimsInCreationOrderAndCompletesOnce(@TempDir Path dir) throws Exception {
        DirectoryJobFiles files = new DirectoryJobFiles(dir);
        try (FileJobQueue q = new FileJobQueue(files)) {
            q.open();
            submit(q, files, "a");
            Thread.sleep(2); // distinct creation instants
            submit(q, files, "b");
            assertEquals(1, q.queuePosition("b"));
            Lease a = q.claim().orElseThrow();
            assertEquals("a", a.jobId());
            assertEquals(1, a.attempt());
            assertEquals(JobRecord.RUNNING, q.get("a").orElseThrow().status());
            assertEquals(0, q.queuePosition("b"));
            assertTrue(q.update(a, JobRecord::completed).isPresent());
            assertTrue(q.update(a, JobRecord::completed).isEmpty(), "a finished lease changes nothing");
            assertEquals(LeaseState.LOST, q.renew(a, null));
            assertThrows(JobExistsException.class, () -> q.create(JobRecord.create("a", null, null, null)));
            assertEquals(2, q.count(null));
            assertEquals(List.of("b", "a"), q.list(null, 10).stream().map(JobRecord::id).toList(), "newest first");
        }
    }

    @Test
    void deletingARunningJobLeavesATombstoneItsWorkerReleases(@TempDir Path dir) {
        DirectoryJobFiles files = new DirectoryJobFiles(dir);
        try (FileJobQueue q = new FileJobQueue(files)) {
            q.open();
            submit(q, files, "x");
            Lease lease = q.claim().orElseThrow();
            JobQueue.Removal removal = q.remove("x").orElseThrow();
            assertEquals(new JobQueue.Removal(JobRecord.RUNNING, true), removal);
            assertTrue(q.get("x").isEmpty(), "gone for readers");
            assertTrue(q.holds("x"), "the id stays taken until the worker lets go");
            assertEquals(LeaseState.CANCELLED, q.renew(lease, null));
            assertTrue(q.update(lease, JobRecord::completed).isEmpty());
            q.release(lease);
            assertFalse(q.holds("x"));
        }
    }

    @Test
    void aRestartQueuesInterruptedJobsAgainAndFailsTheThirdInterruption(@TempDir Path dir) {
        DirectoryJobFiles files = new DirectoryJobFiles(dir);
        for (int round = 1; round <= JobRecord.MAX_INTERRUPTIONS + 1; round++) {
            try (FileJobQueue q = new FileJobQueue(files)) {
                q.open();
                if (round == 1) {
                    submit(q, files, "j");
                } else {
                    List<Lease> expired = q.takeOverExpired();
                    assertEquals(1, expired.size());
                    JobRecord next = q.update(expired.get(0), r -> r.afterInterruption("restarted")).orElseThrow();
                    if (round == JobRecord.MAX_INTERRUPTIONS + 1) {
                        assertEquals(JobRecord.FAILED, next.status());
                        assertTrue(next.error().startsWith("interrupted 3 times"), next.error());
                        assertTrue(q.claim().isEmpty());
                        break;
                    }
                    assertEquals(JobRecord.PENDING, next.status());
                    assertEquals(round - 1, next.interruptions());
                }
                Lease lease = q.claim().orElseThrow();
                assertEquals(round, lease.attempt());
                assertTrue(q.takeOverExpired().isEmpty(), "this process holds the lease");
            } // the process "stops" with the job running
        }
        assertTrue(Files.exists(dir.resolve("jobs").resolve("j").resolve(FileJobQueue.JOB_FILE)));
    }

    @Test
    void aSecondQueueOnTheSameFolderIsRefused(@TempDir Path dir) {
        DirectoryJobFiles files = new DirectoryJobFiles(dir);
        try (FileJobQueue q = new FileJobQueue(files)) {
            q.open();
            FileJobQueue other = new FileJobQueue(files);
            IllegalStateException e = assertThrows(IllegalStateException.class, other::open);
            assertTrue(e.getMessage().contains("in use by another server"), e.getMessage());
        }
    }
}
