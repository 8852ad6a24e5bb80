package dev.demucs.job.queue;

import dev.demucs.job.ProgressSnapshot;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The job queue and its store: every job's {@link JobRecord}, the FIFO of pending jobs, and
 * which worker runs which job. A server's transport (HTTP) and its workers talk only to this
 * interface; where the records live is the implementation's business:
 * {@link FileJobQueue} keeps {@code job.json} files in the data directory (one server, the
 * default), the cluster module keeps rows in PostgreSQL shared by several servers ("nodes").
 *
 * <p>The life of a job:
 * <pre>
 *   create ──► pending ──claim──► running ──update(lease, completed|failed)──► completed | failed
 *                 ▲                  │
 *                 └── afterInterruption (a shutdown, or a node that died: its lease expired;
 *                     failed instead at the third interruption, {@link JobRecord#afterInterruption})
 * </pre>
 * A worker holds a {@link Lease} on the job it runs. Every change it makes goes through
 * {@link #update(Lease, UnaryOperator)}, which applies only while the lease is still held, so
 * a job is completed exactly once even when a node that was thought dead wakes up. Where the
 * backend needs it ({@link #heartbeat()} present), the worker renews the lease at that interval
 * ({@link #renew}); a lease not renewed in time expires, and any node takes the job over with
 * {@link #takeOverExpired()} and queues it again.
 *
 * <p>Deleting a running job ({@link #remove}) leaves a tombstone: the job is gone for readers
 * ({@link #get}, {@link #list}, {@link #count}), its id is still held ({@link #holds}), and the
 * worker holding the lease learns it from {@link #renew} ({@link LeaseState#CANCELLED}), stops
 * between chunks, removes the job's files and {@link #release releases} the tombstone.
 *
 * <p>Implementations are thread-safe. Methods that read or write the backend throw
 * {@link java.io.UncheckedIOException} (file store) or {@link QueueUnavailableException}
 * (database unreachable) when it fails; the caller retries later.
 */
public interface JobQueue extends AutoCloseable {

    /**
     * Takes the queue for this server and loads it: the file store locks its data directory
     * and reads every record (records left running by a previous process are then returned by
     * {@link #takeOverExpired()}); a database store migrates its schema and registers the node.
     * Called once, before anything else.
     *
     * @throws IllegalStateException naming the data directory when another server holds it
     */
    void open();

    /** A new random job id (128 bits, hex). */
    default String newId() {
        return JobRecord.randomId();
    }

    /** The job with this id; empty for none, an invalid id or a job being deleted. */
    Optional<JobRecord> get(String id);

    /**
     * Jobs newest first (creation time descending, then id).
     *
     * @param status only jobs of this status, or {@code null} for all
     * @param limit  at most this many
     */
    List<JobRecord> list(String status, int limit);

    /** How many jobs have this status ({@code null}: all jobs). */
    long count(String status);

    /**
     * Persists a new pending job at the end of the queue. The id is unique in the whole queue
     * (cluster-wide for a shared store), whoever chose it.
     *
     * @throws JobExistsException when a job (or a job being deleted) holds the id
     */
    void create(JobRecord pending);

    /** Position of a pending job in the queue (0 = next to run), or -1 when it is not pending. */
    int queuePosition(String id);

    /**
     * Claims the oldest pending job for a worker of this server: it becomes running
     * ({@link JobRecord#started()}: one more attempt) under a lease held by this server.
     * Never waits for a job to arrive.
     *
     * @return the lease, or empty when no job is pending
     */
    Optional<Lease> claim();

    /**
     * How often an idle worker looks for jobs created on other servers; empty when every job
     * is created through this server (its workers are woken when one is).
     */
    default Optional<Duration> pollInterval() {
        return Optional.empty();
    }

    /**
     * How often a worker must {@link #renew} its lease, when the backend has leases that expire;
     * empty when a lease lasts as long as the process (the file store).
     */
    default Optional<Duration> heartbeat() {
        return Optional.empty();
    }

    /**
     * Renews a lease (the heartbeat) and says whether the worker should go on. Between
     * heartbeats this is also how a worker learns that its job was deleted on another node.
     *
     * @param latest the job's latest progress, kept where other nodes can read it
     *               ({@link #progress}); {@code null} when there is none yet
     */
    LeaseState renew(Lease lease, ProgressSnapshot latest);

    /**
     * The progress a running job's worker last passed to {@link #renew}, for nodes that do not
     * run it; empty when the backend does not keep progress (the file store: progress.txt is
     * read from the job's files) or the job is not running.
     */
    default Optional<ProgressSnapshot> progress(String id) {
        return Optional.empty();
    }

    /**
     * Applies a change to the record of a job this lease holds, and persists it. Once the
     * change leaves the job not running (completed, failed, pending again) the lease ends.
     *
     * @return the new record; empty when the lease is no longer held (expired and taken over,
     *         or the job was deleted: {@link #renew} tells which), and then nothing changed
     */
    Optional<JobRecord> update(Lease lease, UnaryOperator<JobRecord> change);

    /**
     * Takes over the jobs whose worker is gone: for the file store, jobs recorded running by a
     * previous process; for a database store, running jobs whose lease expired. Each comes
     * back under a new lease of this server (same attempt), for the caller to apply
     * {@link JobRecord#afterInterruption} with {@link #update}, or, when {@link #renew} says
     * {@link LeaseState#CANCELLED}, to remove its files and {@link #release} it.
     */
    List<Lease> takeOverExpired();

    /**
     * Deletes a job. A pending or finished job's record is removed at once (the caller then
     * removes its files); a running job becomes a tombstone that its worker clears
     * ({@link Removal#running()}).
     *
     * @return what the job was; empty when there is no such job
     */
    Optional<Removal> remove(String id);

    /** Clears the tombstone of a deleted job whose worker has stopped and removed its files. */
    void release(Lease lease);

    /** True while a job or a tombstone holds the id (a new job cannot take it yet). */
    boolean holds(String id);

    /**
     * Runs a housekeeping task (retention) unless another server of the same queue is running
     * it now; the file store always runs it (under a lock, one at a time).
     *
     * @return true when it ran here
     */
    boolean runExclusive(String name, Runnable task);

    /** Writes again records whose last write failed; returns how many are still unsaved. */
    default int retryUnsaved() {
        return 0;
    }

    /**
     * Tells the queue where clients reach this server, once it listens; shown by {@link #nodes()}.
     *
     * @param address host:port
     */
    default void listening(String address) {
    }

    /**
     * The servers sharing this queue, this one first, with when they were last heard of; empty
     * for a queue that only this server uses.
     */
    default List<NodeInfo> nodes() {
        return List.of();
    }

    /** Releases the queue (locks, connections, this node's registration). Idempotent. */
    @Override
    void close();

    /** What {@link #renew} found. */
    enum LeaseState {
        /** The lease is held: go on. */
        HELD,
        /** The job was deleted while it ran: stop, remove its files, {@link #release}. */
        CANCELLED,
        /** Another server took the job over (this one was thought dead): stop, touch nothing. */
        LOST
    }

    /**
     * A worker's hold on a running job.
     *
     * @param record the job's record when the lease was taken (running)
     */
    record Lease(JobRecord record) {
        public String jobId() {
            return record.id();
        }

        /** Which attempt this lease runs; a later attempt's lease supersedes it. */
        public int attempt() {
            return record.attempts();
        }
    }

    /**
     * What {@link #remove} found.
     *
     * @param previousStatus the job's status
     * @param running        true when it is running: its worker stops and clears the tombstone
     */
    record Removal(String previousStatus, boolean running) {
    }

    /**
     * A server of a shared queue.
     *
     * @param id            its node id
     * @param address       where clients reach it (host:port), or empty
     * @param workers       how many workers it runs
     * @param runningJobs   how many jobs it runs now
     * @param lastHeartbeat ISO-8601 instant it was last heard of
     * @param alive         heard of within the lease time
     */
    record NodeInfo(String id, String address, int workers, int runningJobs, String lastHeartbeat, boolean alive) {
    }
}
