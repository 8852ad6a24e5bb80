package dev.demucs.cluster;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.demucs.job.ProgressSnapshot;
import dev.demucs.job.queue.JobBackends;
import dev.demucs.job.queue.JobExistsException;
import dev.demucs.job.queue.JobJson;
import dev.demucs.job.queue.JobQueue;
import dev.demucs.job.queue.JobRecord;
import dev.demucs.job.queue.NodeSettings;
import dev.demucs.job.queue.QueueUnavailableException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.flywaydb.core.Flyway;

/**
 * The job queue of a cluster: every server ("node") keeps its jobs in one PostgreSQL database,
 * so any node accepts, shows and deletes any job, and the workers of every node take jobs from
 * the same FIFO.
 *
 * <pre>{@code
 * NodeSettings node = new NodeSettings("node-a", 1, Duration.ofSeconds(30), Duration.ofSeconds(5),
 *         Duration.ofSeconds(1), dataDir, System.getenv());
 * try (PostgresJobQueue queue = PostgresJobQueue.connect("jdbc:postgresql://db:5432/demucs?user=demucs", node)) {
 *     queue.open();                                  // Flyway migrations, this node registered
 *     queue.claim().ifPresent(lease -> ...);         // SELECT ... FOR UPDATE SKIP LOCKED
 * }
 * }</pre>
 *
 * <p><b>Claiming.</b> A worker claims the oldest pending job with
 * {@code SELECT … FOR UPDATE SKIP LOCKED} (workers of different nodes never wait for each
 * other's row) and marks it running under a lease: the row's {@code lease_owner} (this node's
 * id), {@code attempt} (the record's attempts) and {@code lease_until} (the database's clock,
 * so nodes' clocks do not matter). The node renews its leases every heartbeat; a node that dies
 * stops renewing, and once {@code lease_until} has passed any node takes the job over
 * ({@link #takeOverExpired()}) and queues it again under the three-interruptions rule. Every
 * change a worker makes is an update guarded by {@code (lease_owner, attempt, status =
 * 'running')}, so a job is completed exactly once: a node that was only slow, not dead, finds
 * its lease gone and touches nothing.
 *
 * <p><b>Why not db-scheduler.</b> db-scheduler runs scheduled tasks with its own table and
 * heartbeat-based dead-execution detection, but our job is a queue item with a visible state
 * (queue position, attempts, interruptions, a cancel flag polled between chunks, progress other
 * nodes show) and an exact JSON record; fitting that into a task's serialized data would hide
 * the state from the API and duplicate it. The queue needs four SQL statements, which are
 * simpler to read than a scheduler's configuration.
 *
 * <p><b>Failures.</b> The pool (HikariCP) replaces connections the database dropped, so a
 * database restart costs the requests made while it is down (they get
 * {@link QueueUnavailableException}: HTTP 503) and nothing else; workers retry. Housekeeping
 * ({@link #runExclusive}) takes a PostgreSQL advisory lock, so one node at a time sweeps.
 */
public final class PostgresJobQueue implements JobQueue {
    private static final System.Logger LOG = System.getLogger(PostgresJobQueue.class.getName());
    /** Records without indentation: one line in the row. */
    private static final ObjectWriter WRITER = JobJson.RECORDS.writer().without(SerializationFeature.INDENT_OUTPUT);
    /** Node rows silent this long are removed at the next node's start. */
    private static final Duration FORGET_NODES_AFTER = Duration.ofDays(1);
    /** Nodes silent longer than this are left out of {@link #nodes()}. */
    private static final Duration SHOW_NODES_FOR = Duration.ofHours(1);

    private final HikariDataSource dataSource;
    private final String location;
    private final NodeSettings node;
    private final ScheduledExecutorService beat;
    private volatile String address;
    private volatile boolean closed;

    private PostgresJobQueue(HikariDataSource dataSource, String location, NodeSettings node) {
        this.dataSource = dataSource;
        this.location = JobBackends.redact(location);
        this.node = node;
        this.beat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "demucs-cluster-node-heartbeat");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * A queue in the database at {@code jdbcUrl} ({@code jdbc:postgresql://host:port/db?…});
     * the user and password come from the URL or from {@code DEMUCS_STORE_USER} and
     * {@code DEMUCS_STORE_PASSWORD} in {@link NodeSettings#env()}. Nothing is read until
     * {@link #open()}.
     *
     * @throws IllegalArgumentException when the URL is not a PostgreSQL JDBC URL
     */
    public static PostgresJobQueue connect(String jdbcUrl, NodeSettings node) {
        if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("not a PostgreSQL JDBC URL: " + JobBackends.redact(jdbcUrl));
        }
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(jdbcUrl);
        String user = node.env().get("DEMUCS_STORE_USER");
        if (user != null && !user.isBlank()) {
            hc.setUsername(user);
        }
        String password = node.env().get("DEMUCS_STORE_PASSWORD");
        if (password != null && !password.isEmpty()) {
            hc.setPassword(password);
        }
        hc.setPoolName("demucs-store-" + node.nodeId());
        hc.setMaximumPoolSize(Math.max(4, node.workers() + 4));
        hc.setMinimumIdle(1);
        // fail fast while the database is down (requests get 503, workers retry), never hang
        hc.setConnectionTimeout(5_000);
        hc.setValidationTimeout(2_000);
        hc.setInitializationFailTimeout(-1); // open() reports an unreachable database with the reason
        hc.addDataSourceProperty("connectTimeout", "5");
        hc.addDataSourceProperty("socketTimeout", "60");
        hc.addDataSourceProperty("tcpKeepAlive", "true");
        hc.addDataSourceProperty("ApplicationName", "demucs " + node.nodeId());
        return new PostgresJobQueue(new HikariDataSource(hc), jdbcUrl, node);
    }

    /** This node's id. */
    public String nodeId() {
        return node.nodeId();
    }

    /**
     * Migrates the schema (Flyway; concurrent starts wait for each other on Flyway's lock),
     * forgets nodes silent for a day and registers this one.
     *
     * @throws IllegalStateException naming the database and the reason when it cannot be reached
     */
    @Override
    public void open() {
        try {
            Flyway.configure().dataSource(dataSource).locations("classpath:dev/demucs/cluster/db")
                    .table("demucs_schema_history").load().migrate();
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot open the job store " + location + ": " + rootMessage(e), e);
        }
        run(c -> {
            try (PreparedStatement st = c.prepareStatement(
                    "DELETE FROM demucs_node WHERE last_heartbeat < now() - make_interval(secs => ?)")) {
                st.setDouble(1, FORGET_NODES_AFTER.toSeconds());
                st.executeUpdate();
            }
            return null;
        });
        beatNode();
        long every = node.heartbeat().toMillis();
        beat.scheduleWithFixedDelay(this::beatNodeQuietly, every, every, TimeUnit.MILLISECONDS);
    }

    private void beatNodeQuietly() {
        try {
            beatNode();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "node heartbeat failed (retried): " + e.getMessage());
        }
    }

    private void beatNode() {
        run(c -> {
            try (PreparedStatement st = c.prepareStatement("INSERT INTO demucs_node (id, address, workers) VALUES (?, ?, ?) "
                    + "ON CONFLICT (id) DO UPDATE SET address = EXCLUDED.address, workers = EXCLUDED.workers, last_heartbeat = now()")) {
                st.setString(1, node.nodeId());
                st.setString(2, address);
                st.setInt(3, node.workers());
                st.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public void listening(String address) {
        this.address = address;
        beatNodeQuietly();
    }

    @Override
    public Optional<JobRecord> get(String id) {
        if (!JobRecord.validId(id)) {
            return Optional.empty();
        }
        return run(c -> {
            try (PreparedStatement st = c.prepareStatement("SELECT record FROM demucs_job WHERE id = ? AND NOT deleted")) {
                st.setString(1, id);
                try (ResultSet rs = st.executeQuery()) {
                    return rs.next() ? Optional.of(read(rs.getString(1))) : Optional.<JobRecord>empty();
                }
            }
        });
    }

    @Override
    public List<JobRecord> list(String status, int limit) {
        return run(c -> {
            try (PreparedStatement st = c.prepareStatement("SELECT record FROM demucs_job WHERE NOT deleted "
                    + "AND (?::text IS NULL OR status = ?) ORDER BY created_at DESC, id LIMIT ?")) {
                st.setString(1, status);
                st.setString(2, status);
                st.setInt(3, limit);
                List<JobRecord> out = new ArrayList<>();
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        out.add(read(rs.getString(1)));
                    }
                }
                return out;
            }
        });
    }

    @Override
    public long count(String status) {
        return run(c -> {
            try (PreparedStatement st = c.prepareStatement(
                    "SELECT count(*) FROM demucs_job WHERE NOT deleted AND (?::text IS NULL OR status = ?)")) {
                st.setString(1, status);
                st.setString(2, status);
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    @Override
    public void create(JobRecord pending) {
        int inserted = run(c -> {
            try (PreparedStatement st = c.prepareStatement("INSERT INTO demucs_job (id, status, created_at, record, attempt) "
                    + "VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING")) {
                st.setString(1, pending.id());
                st.setString(2, pending.status());
                st.setObject(3, OffsetDateTime.ofInstant(pending.created(), ZoneOffset.UTC));
                st.setString(4, write(pending));
                st.setInt(5, pending.attempts());
                return st.executeUpdate();
            }
        });
        if (inserted == 0) {
            throw new JobExistsException(pending.id());
        }
    }

    @Override
    public int queuePosition(String id) {
        return run(c -> {
            try (PreparedStatement st = c.prepareStatement("SELECT (SELECT count(*) FROM demucs_job p WHERE p.status = 'pending' "
                    + "AND NOT p.deleted AND p.seq < j.seq) FROM demucs_job j WHERE j.id = ? AND j.status = 'pending' AND NOT j.deleted")) {
                st.setString(1, id);
                try (ResultSet rs = st.executeQuery()) {
                    return rs.next() ? rs.getInt(1) : -1;
                }
            }
        });
    }

    @Override
    public Optional<Lease> claim() {
        return transaction(c -> {
            JobRecord next;
            try (PreparedStatement st = c.prepareStatement("SELECT record FROM demucs_job WHERE status = 'pending' AND NOT deleted "
                    + "ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED")) {
                try (ResultSet rs = st.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.<Lease>empty();
                    }
                    next = read(rs.getString(1)).started();
                }
            }
            try (PreparedStatement st = c.prepareStatement("UPDATE demucs_job SET status = ?, record = ?, attempt = ?, "
                    + "lease_owner = ?, lease_until = now() + make_interval(secs => ?), progress = NULL, updated_at = now() WHERE id = ?")) {
                st.setString(1, next.status());
                st.setString(2, write(next));
                st.setInt(3, next.attempts());
                st.setString(4, node.nodeId());
                st.setDouble(5, seconds(node.lease()));
                st.setString(6, next.id());
                st.executeUpdate();
            }
            return Optional.of(new Lease(next));
        });
    }

    @Override
    public Optional<Duration> heartbeat() {
        return Optional.of(node.heartbeat());
    }

    @Override
    public Optional<Duration> pollInterval() {
        return Optional.of(node.poll());
    }

    @Override
    public LeaseState renew(Lease lease, ProgressSnapshot latest) {
        return run(c -> {
            try (PreparedStatement st = c.prepareStatement("UPDATE demucs_job SET lease_until = now() + make_interval(secs => ?), "
                    + "progress = COALESCE(?, progress) WHERE id = ? AND lease_owner = ? AND attempt = ? AND status = 'running' "
                    + "RETURNING deleted")) {
                st.setDouble(1, seconds(node.lease()));
                st.setString(2, latest == null ? null : latest.toJson());
                st.setString(3, lease.jobId());
                st.setString(4, node.nodeId());
                st.setInt(5, lease.attempt());
                try (ResultSet rs = st.executeQuery()) {
                    if (!rs.next()) {
                        return LeaseState.LOST;
                    }
                    return rs.getBoolean(1) ? LeaseState.CANCELLED : LeaseState.HELD;
                }
            }
        });
    }

    @Override
    public Optional<ProgressSnapshot> progress(String id) {
        return run(c -> {
            try (PreparedStatement st = c.prepareStatement(
                    "SELECT progress FROM demucs_job WHERE id = ? AND status = 'running' AND NOT deleted AND progress IS NOT NULL")) {
                st.setString(1, id);
                try (ResultSet rs = st.executeQuery()) {
                    return rs.next() ? Optional.of(ProgressSnapshot.fromJson(rs.getString(1))) : Optional.<ProgressSnapshot>empty();
                }
            }
        });
    }

    @Override
    public Optional<JobRecord> update(Lease lease, UnaryOperator<JobRecord> change) {
        return transaction(c -> {
            JobRecord current;
            try (PreparedStatement st = c.prepareStatement("SELECT record FROM demucs_job WHERE id = ? AND lease_owner = ? "
                    + "AND attempt = ? AND status = 'running' AND NOT deleted FOR UPDATE")) {
                st.setString(1, lease.jobId());
                st.setString(2, node.nodeId());
                st.setInt(3, lease.attempt());
                try (ResultSet rs = st.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.<JobRecord>empty();
                    }
                    current = read(rs.getString(1));
                }
            }
            JobRecord next = change.apply(current);
            boolean running = JobRecord.RUNNING.equals(next.status());
            try (PreparedStatement st = c.prepareStatement("UPDATE demucs_job SET status = ?, record = ?, attempt = ?, "
                    + "lease_owner = CASE WHEN ? THEN lease_owner END, lease_until = CASE WHEN ? THEN lease_until END, "
                    + "progress = CASE WHEN ? THEN progress END, updated_at = now() WHERE id = ?")) {
                st.setString(1, next.status());
                st.setString(2, write(next));
                st.setInt(3, next.attempts());
                st.setBoolean(4, running);
                st.setBoolean(5, running);
                st.setBoolean(6, running);
                st.setString(7, next.id());
                st.executeUpdate();
            }
            return Optional.of(next);
        });
    }

    /** Running jobs whose lease expired (their node died or lost the database), oldest first, now leased to this node. */
    @Override
    public List<Lease> takeOverExpired() {
        return run(c -> {
            try (PreparedStatement st = c.prepareStatement("UPDATE demucs_job SET lease_owner = ?, "
                    + "lease_until = now() + make_interval(secs => ?), updated_at = now() WHERE id IN (SELECT id FROM demucs_job "
                    + "WHERE status = 'running' AND lease_until < now() ORDER BY seq LIMIT 100 FOR UPDATE SKIP LOCKED) "
                    + "RETURNING record, seq")) {
                st.setString(1, node.nodeId());
                st.setDouble(2, seconds(node.lease()));
                List<long[]> order = new ArrayList<>();
                List<Lease> out = new ArrayList<>();
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Lease(read(rs.getString(1))));
                        order.add(new long[] {rs.getLong(2), out.size() - 1});
                    }
                }
                order.sort((a, b) -> Long.compare(a[0], b[0]));
                List<Lease> sorted = new ArrayList<>();
                for (long[] o : order) {
                    sorted.add(out.get((int) o[1]));
                }
                if (!sorted.isEmpty()) {
                    LOG.log(System.Logger.Level.INFO, "node " + node.nodeId() + " took over " + sorted.size()
                            + " job(s) whose lease expired: " + sorted.stream().map(Lease::jobId).toList());
                }
                return sorted;
            }
        });
    }

    @Override
    public Optional<Removal> remove(String id) {
        if (!JobRecord.validId(id)) {
            return Optional.empty();
        }
        return transaction(c -> {
            String status;
            try (PreparedStatement st = c.prepareStatement("SELECT status FROM demucs_job WHERE id = ? AND NOT deleted FOR UPDATE")) {
                st.setString(1, id);
                try (ResultSet rs = st.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.<Removal>empty();
                    }
                    status = rs.getString(1);
                }
            }
            boolean running = JobRecord.RUNNING.equals(status);
            try (PreparedStatement st = c.prepareStatement(running
                    ? "UPDATE demucs_job SET deleted = true, updated_at = now() WHERE id = ?"
                    : "DELETE FROM demucs_job WHERE id = ?")) {
                st.setString(1, id);
                st.executeUpdate();
            }
            return Optional.of(new Removal(status, running));
        });
    }

    @Override
    public void release(Lease lease) {
        run(c -> {
            try (PreparedStatement st = c.prepareStatement(
                    "DELETE FROM demucs_job WHERE id = ? AND deleted AND lease_owner = ? AND attempt = ?")) {
                st.setString(1, lease.jobId());
                st.setString(2, node.nodeId());
                st.setInt(3, lease.attempt());
                return st.executeUpdate();
            }
        });
    }

    @Override
    public boolean holds(String id) {
        return run(c -> {
            try (PreparedStatement st = c.prepareStatement("SELECT 1 FROM demucs_job WHERE id = ?")) {
                st.setString(1, id);
                try (ResultSet rs = st.executeQuery()) {
                    return rs.next();
                }
            }
        });
    }

    /** Runs the task while holding a session advisory lock named after it; false when another node holds it. */
    @Override
    public boolean runExclusive(String name, Runnable task) {
        long key = ("demucs-cluster:" + name).hashCode();
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement st = c.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
                st.setLong(1, key);
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    if (!rs.getBoolean(1)) {
                        return false;
                    }
                }
            }
            try {
                task.run();
            } finally {
                try (PreparedStatement st = c.prepareStatement("SELECT pg_advisory_unlock(?)")) {
                    st.setLong(1, key);
                    st.execute();
                }
            }
            return true;
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    @Override
    public List<NodeInfo> nodes() {
        return run(c -> {
            try (PreparedStatement st = c.prepareStatement("SELECT n.id, n.address, n.workers, "
                    + "(SELECT count(*) FROM demucs_job j WHERE j.status = 'running' AND j.lease_owner = n.id AND j.lease_until > now()), "
                    + "n.last_heartbeat, n.last_heartbeat > now() - make_interval(secs => ?) FROM demucs_node n "
                    + "WHERE n.last_heartbeat > now() - make_interval(secs => ?) ORDER BY (n.id = ?) DESC, n.id")) {
                st.setDouble(1, seconds(node.lease()));
                st.setDouble(2, SHOW_NODES_FOR.toSeconds());
                st.setString(3, node.nodeId());
                List<NodeInfo> out = new ArrayList<>();
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        out.add(new NodeInfo(rs.getString(1), rs.getString(2) == null ? "" : rs.getString(2), rs.getInt(3),
                                rs.getInt(4), rs.getObject(5, OffsetDateTime.class).toInstant().toString(), rs.getBoolean(6)));
                    }
                }
                return out;
            }
        });
    }

    /** Stops the node heartbeat, removes this node's row (best effort) and closes the pool. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        beat.shutdownNow();
        try {
            run(c -> {
                try (PreparedStatement st = c.prepareStatement("DELETE FROM demucs_node WHERE id = ?")) {
                    st.setString(1, node.nodeId());
                    return st.executeUpdate();
                }
            });
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "could not unregister node " + node.nodeId() + ": " + e.getMessage());
        }
        dataSource.close();
    }

    private static double seconds(Duration d) {
        return d.toMillis() / 1000.0;
    }

    private static JobRecord read(String json) {
        try {
            return JobJson.RECORDS.readValue(json, JobRecord.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable job record in the database: " + e.getOriginalMessage(), e);
        }
    }

    private static String write(JobRecord r) {
        try {
            return WRITER.writeValueAsString(r);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A statement's work on a pooled connection. */
    private interface Work<T> {
        T on(Connection c) throws SQLException;
    }

    private <T> T run(Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            return work.on(c);
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    private <T> T transaction(Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.on(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException ignored) {
                    // the connection is broken; the pool replaces it
                }
                throw e;
            } finally {
                try {
                    c.setAutoCommit(true);
                } catch (SQLException ignored) {
                    // as above
                }
            }
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    /**
     * The database cannot be reached or refused for a passing reason (a restart, a lost
     * connection, a serialization conflict): {@link QueueUnavailableException}, which callers
     * retry; anything else is a bug or a broken schema: {@link IllegalStateException}.
     */
    private RuntimeException failure(SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        boolean passing = e instanceof SQLTransientException || e instanceof SQLRecoverableException
                || state.startsWith("08") || state.startsWith("57P") || state.startsWith("53")
                || state.equals("40001") || state.equals("40P01") || closed;
        String message = "job store " + location + ": " + rootMessage(e);
        return passing ? new QueueUnavailableException(message, e) : new IllegalStateException(message, e);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return m.replaceAll("\\s+", " ").trim();
    }
}
