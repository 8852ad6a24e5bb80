package dev.demucs.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.demucs.job.queue.JobExistsException;
import dev.demucs.job.queue.JobJson;
import dev.demucs.job.queue.JobQueue;
import dev.demucs.job.queue.JobQueue.Lease;
import dev.demucs.job.queue.JobQueue.LeaseState;
import dev.demucs.job.queue.JobRecord;
import dev.demucs.job.queue.NodeSettings;
import dev.demucs.job.queue.QueueUnavailableException;
import dev.demucs.testing.TestPostgres;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PostgreSQL queue against a real PostgreSQL server (Debian's, started by the test): two
 * queues on one database stand for two nodes.
 */
class PostgresJobQueueTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static TestPostgres pg;
    private static final AtomicInteger DATABASES = new AtomicInteger();

    @TempDir
    Path dir;
    private String url;
    private final List<JobQueue> opened = new ArrayList<>();

    @BeforeAll
    static void startPostgres() throws Exception {
        assumeTrue(TestPostgres.available(), TestPostgres.WHY_SKIPPED);
        pg = TestPostgres.start();
    }

    @AfterAll
    static void stopPostgres() {
        if (pg != null) {
            pg.close();
        }
    }

    /** A fresh database per test, so tests do not see each other's jobs. */
    @BeforeEach
    void freshDatabase() throws Exception {
        url = pg.createDatabase("t" + DATABASES.incrementAndGet());
    }

    @AfterEach
    void closeQueues() {
        opened.forEach(JobQueue::close);
    }

    private PostgresJobQueue node(String id, Duration lease) {
        PostgresJobQueue q = PostgresJobQueue.connect(url, new NodeSettings(id, 2, lease, lease.dividedBy(4), Duration.ofMillis(100), dir,
                Map.of()));
        q.open();
        opened.add(q);
        return q;
    }

    private PostgresJobQueue node(String id) {
        return node(id, Duration.ofSeconds(30));
    }

    private static JobRecord job(String id) {
        return JobRecord.create(id, JobJson.RECORDS.createObjectNode().put("input_url", "http://127.0.0.1:9/" + id + ".wav"), null, null);
    }

    private static <T> T await(Supplier<Optional<T>> poll, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<T> v = poll.get();
            if (v.isPresent()) {
                return v.get();
            }
            Thread.sleep(50);
        }
        throw new AssertionError("timed out waiting for " + what);
    }

    @Test
    void workersOfTwoNodesClaimEveryJobExactlyOnceInQueueOrder() throws Exception {
        PostgresJobQueue a = node("a");
        PostgresJobQueue b = node("b");
        int n = 40;
        for (int i = 0; i < n; i++) {
            (i % 2 == 0 ? a : b).create(job(String.format("job-%02d", i)));
        }
        assertEquals(n, b.count(JobRecord.PENDING));
        assertEquals(5, a.queuePosition("job-05"));
        Map<String, String> claimedBy = new ConcurrentHashMap<>();
        AtomicInteger doubleClaims = new AtomicInteger();
        AtomicInteger outOfOrder = new AtomicInteger();
        int threads = 4;
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            PostgresJobQueue q = t % 2 == 0 ? a : b;
            String worker = q.nodeId() + t;
            done.add(pool.submit(() -> {
                start.await();
                String previous = "";
                for (Optional<Lease> l = q.claim(); l.isPresent(); l = q.claim()) {
                    if (l.get().jobId().compareTo(previous) < 0) {
                        outOfOrder.incrementAndGet(); // skipped rows are claimed by others: one worker only moves forward
                    }
                    previous = l.get().jobId();
                    if (claimedBy.putIfAbsent(l.get().jobId(), worker) != null) {
                        doubleClaims.incrementAndGet();
                    }
                    assertEquals(1, l.get().attempt());
                    assertTrue(q.update(l.get(), JobRecord::completed).isPresent());
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertEquals(0, doubleClaims.get(), "no job is claimed twice");
        assertEquals(n, claimedBy.size(), "every job is claimed");
        assertEquals(n, a.count(JobRecord.COMPLETED));
        assertEquals(0, outOfOrder.get(), "each worker takes jobs in queue order");
        assertEquals(2, new HashSet<>(claimedBy.values()).stream().map(w -> w.charAt(0)).distinct().count(), "both nodes worked");
    }

    @Test
    void aCompletedJobCannotBeCompletedAgainNorChangedByAnOldLease() {
        PostgresJobQueue a = node("a");
        a.create(job("once"));
        Lease lease = a.claim().orElseThrow();
        assertEquals(JobRecord.COMPLETED, a.update(lease, JobRecord::completed).orElseThrow().status());
        assertTrue(a.update(lease, JobRecord::completed).isEmpty(), "completed exactly once");
        assertTrue(a.update(lease, r -> r.failed("late")).isEmpty());
        assertEquals(LeaseState.LOST, a.renew(lease, null));
        assertEquals(JobRecord.COMPLETED, a.get("once").orElseThrow().status());
    }

    @Test
    void aJobIdIsTakenOnceAcrossNodesEvenWhenBothCreateAtOnce() throws Exception {
        PostgresJobQueue a = node("a");
        PostgresJobQueue b = node("b");
        a.create(job("mine"));
        assertThrows(JobExistsException.class, () -> b.create(job("mine")));
        for (int round = 0; round < 10; round++) {
            String id = "race-" + round;
            CyclicBarrier together = new CyclicBarrier(2);
            AtomicInteger created = new AtomicInteger();
            AtomicInteger refused = new AtomicInteger();
            List<Thread> ts = new ArrayList<>();
            for (PostgresJobQueue q : List.of(a, b)) {
                Thread t = new Thread(() -> {
                    try {
                        together.await();
                        q.create(job(id));
                        created.incrementAndGet();
                    } catch (JobExistsException e) {
                        refused.incrementAndGet();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                ts.add(t);
                t.start();
            }
            for (Thread t : ts) {
                t.join(WAIT.toMillis());
            }
            assertEquals(1, created.get(), id);
            assertEquals(1, refused.get(), id);
        }
    }

    @Test
    void aDeadNodesLeaseExpiresAndAnotherNodeRunsTheJobWhileTheOldLeaseChangesNothing() throws Exception {
        PostgresJobQueue dead = node("dead", Duration.ofSeconds(1));
        PostgresJobQueue alive = node("alive", Duration.ofSeconds(1));
        dead.create(job("orphan"));
        Lease old = dead.claim().orElseThrow();
        assertTrue(alive.takeOverExpired().isEmpty(), "a fresh lease is held");
        // "dead" never renews: after the lease time another node takes the job over
        Lease taken = await(() -> alive.takeOverExpired().stream().findFirst(), "the lease to expire");
        assertEquals("orphan", taken.jobId());
        assertEquals(1, taken.attempt());
        assertEquals(JobRecord.PENDING, alive.update(taken, r -> r.afterInterruption("its node died")).orElseThrow().status());
        assertEquals(LeaseState.LOST, dead.renew(old, null), "the old owner learns it lost the job");
        assertTrue(dead.update(old, JobRecord::completed).isEmpty(), "and cannot complete it");
        Lease again = alive.claim().orElseThrow();
        assertEquals(2, again.attempt());
        JobRecord done = alive.update(again, JobRecord::completed).orElseThrow();
        assertEquals(1, done.interruptions());
        assertEquals("its node died", done.note());
        assertTrue(dead.update(old, JobRecord::completed).isEmpty());
    }

    @Test
    void theThirdInterruptionFailsTheJob() throws Exception {
        PostgresJobQueue a = node("a", Duration.ofMillis(400));
        PostgresJobQueue b = node("b", Duration.ofMillis(400));
        a.create(job("unlucky"));
        JobRecord last = null;
        for (int i = 1; i <= JobRecord.MAX_INTERRUPTIONS; i++) {
            a.claim().orElseThrow(); // and a "dies" each time
            Lease taken = await(() -> b.takeOverExpired().stream().findFirst(), "lease " + i + " to expire");
            last = b.update(taken, r -> r.afterInterruption("node died")).orElseThrow();
        }
        assertEquals(JobRecord.FAILED, last.status());
        assertTrue(last.error().startsWith("interrupted 3 times"), last.error());
        assertTrue(a.claim().isEmpty());
    }

    @Test
    void deletingAJobRunningOnAnotherNodeReachesItsWorker() {
        PostgresJobQueue runner = node("runner");
        PostgresJobQueue other = node("other");
        other.create(job("victim"));
        Lease lease = runner.claim().orElseThrow();
        assertEquals(LeaseState.HELD, runner.renew(lease, null));
        assertEquals(new JobQueue.Removal(JobRecord.RUNNING, true), other.remove("victim").orElseThrow());
        assertTrue(other.get("victim").isEmpty(), "gone for every reader at once");
        assertTrue(other.remove("victim").isEmpty());
        assertTrue(other.holds("victim"), "the id stays taken until the runner lets go");
        assertThrows(JobExistsException.class, () -> other.create(job("victim")));
        assertEquals(LeaseState.CANCELLED, runner.renew(lease, null), "the runner's next heartbeat sees the delete");
        assertTrue(runner.update(lease, JobRecord::completed).isEmpty());
        runner.release(lease);
        assertFalse(other.holds("victim"));
        other.create(job("victim"));
        assertEquals(new JobQueue.Removal(JobRecord.PENDING, false), other.remove("victim").orElseThrow());
        assertFalse(other.holds("victim"));
    }

    @Test
    void progressOfARunningJobIsSeenOnEveryNode() {
        PostgresJobQueue runner = node("runner");
        PostgresJobQueue other = node("other");
        runner.create(job("p"));
        Lease lease = runner.claim().orElseThrow();
        assertTrue(other.progress("p").isEmpty());
        dev.demucs.job.ProgressSnapshot snapshot = dev.demucs.job.ProgressFile.idle(true);
        runner.renew(lease, snapshot);
        assertEquals(snapshot.toJson(), other.progress("p").orElseThrow().toJson());
        runner.update(lease, JobRecord::completed);
        assertTrue(other.progress("p").isEmpty(), "a finished job's progress is its files'");
    }

    @Test
    void housekeepingRunsOnOneNodeAtATime() throws Exception {
        PostgresJobQueue a = node("a");
        PostgresJobQueue b = node("b");
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread t = new Thread(() -> a.runExclusive("retention", () -> {
            inside.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        t.start();
        assertTrue(inside.await(WAIT.toSeconds(), TimeUnit.SECONDS));
        assertFalse(b.runExclusive("retention", () -> { }), "another node is sweeping");
        assertTrue(b.runExclusive("other-task", () -> { }));
        release.countDown();
        t.join(WAIT.toMillis());
        assertTrue(b.runExclusive("retention", () -> { }));
    }

    @Test
    void nodesAreListedWithTheirWorkersAndRunningJobs() {
        PostgresJobQueue a = node("a");
        PostgresJobQueue b = node("b");
        a.listening("127.0.0.1:1111");
        b.create(job("r"));
        b.claim().orElseThrow();
        List<JobQueue.NodeInfo> nodes = a.nodes();
        assertEquals(List.of("a", "b"), nodes.stream().map(JobQueue.NodeInfo::id).toList(), "this node first");
        assertEquals("127.0.0.1:1111", nodes.get(0).address());
        assertEquals(2, nodes.get(0).workers());
        assertEquals(0, nodes.get(0).runningJobs());
        assertEquals(1, nodes.get(1).runningJobs());
        assertTrue(nodes.stream().allMatch(JobQueue.NodeInfo::alive));
        b.close();
        assertEquals(List.of("a"), a.nodes().stream().map(JobQueue.NodeInfo::id).toList(), "a node that stops leaves");
    }

    @Test
    void aDatabaseRestartCostsTheCallsMadeWhileItIsDownAndNothingElse() throws Exception {
        PostgresJobQueue a = node("a");
        a.create(job("survivor"));
        Lease lease = a.claim().orElseThrow();
        pg.stop();
        try {
            assertThrows(QueueUnavailableException.class, () -> a.renew(lease, null));
            assertThrows(QueueUnavailableException.class, () -> a.count(null));
        } finally {
            pg.restart();
        }
        // the pool replaces the dropped connections
        assertEquals(LeaseState.HELD, await(() -> {
            try {
                return Optional.of(a.renew(lease, null));
            } catch (QueueUnavailableException e) {
                return Optional.empty();
            }
        }, "the database to accept connections again"));
        assertEquals(JobRecord.COMPLETED, a.update(lease, JobRecord::completed).orElseThrow().status());
        assertEquals(1, a.count(JobRecord.COMPLETED));
    }
}
